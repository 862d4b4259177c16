"""A generated tenant for the doubles to serve: accounts over several subscriptions and regions,
each with a few deployments, their daily usage and a bill of both price bases (domain records).

`generate(accounts, per_account, subscriptions, window)`: accounts `aoai-{s}-{n:02d}` spread over
the subscriptions (eastus2 and swedencentral in turn), each with `per_account` deployments:
`chat-0` a gpt-4o PTU (GlobalProvisionedManaged, billed by the PTU-hour meter), `mini-1` a
gpt-4o-mini that no billed meter is for (usage, no cost), the others gpt-4o GlobalStandard
sharing the account's gpt-4o token meters (input, cached input, output). Every account is billed
each day for each of those meters in both bases (AmortizedCost: the PTU-hours re-priced as a
reservation would, the tokens as in ActualCost); on some account-days the token deployments have
no usage (the day's token cost stays unallocated, `no-usage`). Two accounts the inventory never
saw are billed too (`0-retired` and `zz-retired`: their keys sort before and after every listed
account, so they land in the first and the last shard). Amounts are exact Decimals with up to
five decimals; the same seed gives the same tenant.

`gateway_logs(tenant)`: an APIM AI gateway's Log Analytics workspace for it (served by `LogsApi`,
shared/demo/log_analytics_workspace.py): each day, a few calls of two APIM subscriptions to every
account's `chat-2`, so a live collection with `APIM_WORKSPACE_ID` set reads caller telemetry too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shared.core.costs import CostLine, CostType, PricingModel
from shared.core.inventory import Deployment
from shared.core.period import BillingPeriod, DateWindow
from shared.core.usage import UsageRecord
from shared.demo.log_analytics_workspace import (
    GatewayLogRow,
    LlmLogRow,
    LogAnalyticsWorkspace,
    LogsApi,
)
from tests.doubles.arm import DoubleAccount

PROVIDER = "providers/Microsoft.CognitiveServices/accounts"
REGIONS = ("eastus2", "swedencentral")
GPT4O_INPUT = ("e44b94b3-934f-5f67-bf3a-c9a64d3a83d5", "gpt 4o 1120 Inp glbl Tokens")
GPT4O_CACHED = ("e8a1d52f-14fa-5436-8399-0ceedfe47bef", "gpt 4o 1120 cached Inp glbl Tokens")
GPT4O_OUTPUT = ("39ae1495-1ea6-51c4-b153-3b303891275b", "gpt 4o 1120 Outp glbl Tokens")
PTU_GLOBAL = ("6dcdbfc4-1d28-5883-84c2-dcdb88e21b56", "Provisioned Managed Global Unit")
TOKEN_METERS = (GPT4O_INPUT, GPT4O_CACHED, GPT4O_OUTPUT)
RETIRED = ("0-retired", "zz-retired")  # billed, never listed: before and after every account
# (model, version, sku, capacity) of the deployments `chat-0`, `mini-1` and the others.
PTU = ("gpt-4o", "2024-11-20", "GlobalProvisionedManaged", 50)
MINI = ("gpt-4o-mini", "2024-07-18", "GlobalStandard", 100)
TOKENS = ("gpt-4o", "2024-11-20", "GlobalStandard", 100)


def subscription(n: int) -> str:
    return f"7a2d4c6e-0000-4000-8000-0000000{n:05d}"


def account_id(sub: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/rg-ai/{PROVIDER}/{name}"


@dataclass(frozen=True)
class GeneratedTenant:
    """What the doubles serve (accounts, deployments, usage, both bases' lines) over `window`."""

    subscriptions: tuple[str, ...]
    accounts: tuple[DoubleAccount, ...]
    deployments: tuple[Deployment, ...]
    usage: tuple[UsageRecord, ...]
    costs: tuple[CostLine, ...]  # both price bases
    window: DateWindow

    @property
    def period(self) -> BillingPeriod:
        return BillingPeriod.of(self.window.start)

    @property
    def scopes(self) -> list[str]:
        return [f"/subscriptions/{s}" for s in self.subscriptions]

    def lines(self, basis: CostType) -> list[CostLine]:
        return [line for line in self.costs if line.cost_type is basis]

    def billed(self, basis: CostType) -> Decimal:
        """The exact sum of the basis' lines (every one has a resource: all are in scope)."""
        return sum((line.cost for line in self.lines(basis)), Decimal(0))


def generate(
    accounts: int,
    per_account: int,
    subscriptions: int,
    window: DateWindow,
    seed: int = 14,
) -> GeneratedTenant:
    if per_account < 3:
        raise ValueError("per_account must be at least 3 (a PTU, a mini, a token deployment)")
    rng = random.Random(seed)
    subs = tuple(subscription(n) for n in range(subscriptions))
    listed: list[DoubleAccount] = []
    made: list[Deployment] = []
    for n in range(accounts):
        sub = subs[n % subscriptions]
        region = REGIONS[n % len(REGIONS)]
        account = DoubleAccount(
            account_id(sub, f"aoai-{n % subscriptions}-{n:02d}"), "OpenAI", region
        )
        listed.append(account)
        for d in range(per_account):
            name, (model, version, sku, capacity) = (
                ("chat-0", PTU) if d == 0 else ("mini-1", MINI) if d == 1 else (f"chat-{d}", TOKENS)
            )
            made.append(
                Deployment(
                    account.account_id, name, model, version, sku, capacity, "OpenAI", region
                )
            )
    usage: list[UsageRecord] = []
    idle_days = {(a.account_id, day) for a in listed for day in window.days() if rng.random() < 0.1}
    for dep in made:
        for day in window.days():
            idle = (dep.account_id, day) in idle_days and dep.sku == "GlobalStandard"
            if idle:
                continue  # no record: the account's token deployments had no traffic that day
            ptu = Decimal(rng.randint(0, 100)) if dep.sku == "GlobalProvisionedManaged" else None
            usage.append(
                UsageRecord(
                    day,
                    dep.account_id,
                    dep.name,
                    rng.randint(1, 10**7),
                    rng.randint(0, 10**6),
                    rng.randint(1, 5000),
                    ptu,
                )
            )
    billed = [a.account_id for a in listed]
    billed += [account_id(subs[0], name) for name in RETIRED]
    costs: list[CostLine] = []
    for billed_id in billed:
        for day in window.days():
            for meter in (*TOKEN_METERS, PTU_GLOBAL):
                actual = Decimal(rng.randint(1, 10**7)) / 10**5
                quantity = Decimal(rng.randint(1, 10**4))
                unit = "1/Hour" if meter is PTU_GLOBAL else "1K"
                for basis in CostType:
                    cost, pricing = actual, PricingModel.ON_DEMAND
                    if meter is PTU_GLOBAL and basis is CostType.AMORTIZED:
                        cost = (actual * Decimal("0.7")).quantize(Decimal("0.00001"))
                        pricing = PricingModel.RESERVATION
                    costs.append(
                        CostLine(
                            day,
                            billed_id,
                            meter[0],
                            meter[1],
                            quantity,
                            cost,
                            "USD",
                            pricing_model=pricing,
                            cost_type=basis,
                            unit_of_measure=unit,
                        )
                    )
    return GeneratedTenant(subs, tuple(listed), tuple(made), tuple(usage), tuple(costs), window)


WORKSPACE_ID = "5b1d3e7f-0000-4000-8000-00000000a914"
CALLERS = ("support-bot", "summarizer")


def gateway_logs(tenant: GeneratedTenant, workspace_id: str = WORKSPACE_ID) -> LogsApi:
    """The APIM gateway's workspace: calls of `CALLERS` to each account's `chat-2`, every day."""
    llm: list[LlmLogRow] = []
    gateway: list[GatewayLogRow] = []
    for n, account in enumerate(tenant.accounts):
        for day in tenant.window.days():
            midday = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
            for c, caller in enumerate(CALLERS):
                at = midday + timedelta(minutes=n + 10 * c)
                correlation = f"{account.name}-{day.isoformat()}-{caller}"
                prompt, completion = 1_000 * (n + 1) + c, 100 * (n + 1) + c
                llm.append(
                    LlmLogRow(
                        at, correlation, "chat-2", "gpt-4o", prompt, completion, prompt + completion
                    )
                )
                backend = f"https://{account.name}.openai.azure.com/openai/deployments/chat-2"
                gateway.append(
                    GatewayLogRow(
                        correlation,
                        caller,
                        "ai-products",
                        "chat",
                        f"{backend}/chat/completions",
                        at,
                    )
                )
    return LogsApi({workspace_id: LogAnalyticsWorkspace(llm, gateway)})
