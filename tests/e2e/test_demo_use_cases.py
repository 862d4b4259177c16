"""The demo's use cases end to end: the running demo's API and output against an independent
computation from the demo's raw inputs (bill lines, Azure Monitor usage, the APIM workspace's LLM
log and gateway rows, the support bot's events, the summarizer's outcomes file).

Nothing here uses the product's caller split or economics (shared/core/caller_split.py,
use_case_economics.py): the split is written again from the documented rule (docs/use-cases.md,
docs/allocation-rules.md). The API rounds a use case's cost to the cent on its own and its cost per
outcome to 1e-8 (shared/core/economics_views.py); the exact expectations are compared within one
rounding unit of those (the API rounds an exact value whose last digits may differ from ours by
far less than a unit, so a value next to a half unit may round the other way).
"""

from __future__ import annotations

import csv
import re
import signal
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.core.costs import CostType
from shared.core.meters import TokenKind
from shared.demo.azurite import SIGTERM_EXIT_CODE
from shared.demo.sample_tenant import SampleTenant, generate
from shared.demo.sample_tenant_telemetry import SampleTelemetry, generate_telemetry
from shared.entrypoints.http.presenter import API_NAMES
from tests.e2e.expectation import LineShare, line_shares
from tests.e2e.test_demo import RunningDemo

CENT = Decimal("0.01")
UNIT = Decimal("0.00000001")  # the API's quantum of unit costs
SHARED_ACCOUNT = "contoso-ai-eus2"
SHARED_CHAT = "chat-prod"
SUPPORT_TRIAGE = "assistant-mini"
SUMMARIZER_OWN = "docs-summarizer"
INPUT_SIDE = (TokenKind.INPUT, TokenKind.CACHED_INPUT, TokenKind.CACHE_WRITE)
CAPACITY = (TokenKind.PTU_HOUR, TokenKind.HOSTING_HOUR)


@dataclass(frozen=True)
class Truth:
    tenant: SampleTenant
    telemetry: SampleTelemetry
    out: Path  # the demo's tenant folder


Demo = tuple[str, str, Truth]  # the API's base URL, the demo's output, the truth


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    out = tmp_path_factory.mktemp("tenant")
    running = RunningDemo(out)
    try:
        running.wait_served()
        tenant = generate(out / "truth")  # deterministic: the tenant the demo collected
        truth = Truth(tenant, generate_telemetry(tenant), out)
        yield running.base, running.output, truth
    finally:
        code = running.stop(signal.SIGTERM)
    assert code == SIGTERM_EXIT_CODE, running.output


def _get(base: str, path: str, **params: str) -> dict[str, Any]:
    resp = httpx.get(f"{base}{path}", params=params, timeout=60)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _dep_id(tenant: SampleTenant, name: str) -> str:
    return next(d.deployment_id.lower() for d in tenant.deployments if d.name == name)


# --- the independent expectation -----------------------------------------------------------


@dataclass
class Measures:
    prompt: int = 0
    completion: int = 0
    requests: int = 0

    def of(self, kind: TokenKind) -> int:
        """The measure a meter of `kind` is split by: prompt tokens for input-side meters,
        completion tokens for output meters, both for capacity (PTU) meters, else requests."""
        if kind in INPUT_SIDE:
            return self.prompt
        if kind is TokenKind.OUTPUT:
            return self.completion
        if kind in CAPACITY:
            return self.prompt + self.completion
        return self.requests


_LOGGED: dict[int, dict[date, dict[str, Measures]]] = {}  # regenerating the rows takes seconds


def logged_by_subscription(telemetry: SampleTelemetry) -> dict[date, dict[str, Measures]]:
    """The shared deployment's tokens per day and APIM subscription, from the raw rows: each
    token row joined to its request's latest gateway row; a token row without one has no
    caller."""
    if id(telemetry) not in _LOGGED:
        _LOGGED[id(telemetry)] = _logged_by_subscription(telemetry)
    return _LOGGED[id(telemetry)]


def _logged_by_subscription(telemetry: SampleTelemetry) -> dict[date, dict[str, Measures]]:
    latest: dict[str, Any] = {}
    for row in telemetry.gateway_logs:
        kept = latest.get(row.correlation_id)
        if kept is None or row.time_generated > kept.time_generated:
            latest[row.correlation_id] = row
    days: dict[date, dict[str, Measures]] = defaultdict(lambda: defaultdict(Measures))
    for llm in telemetry.llm_logs:
        if llm.deployment_name != SHARED_CHAT:
            continue  # message rows (no DeploymentName)
        gateway = latest.get(llm.correlation_id)
        if gateway is None:
            continue
        assert gateway.backend_url.startswith(f"https://{SHARED_ACCOUNT}.openai.azure.com/")
        m = days[llm.time_generated.date()][gateway.apim_subscription_id]
        m.prompt += llm.prompt_tokens
        m.completion += llm.completion_tokens
        m.requests += 1
    return days


@dataclass(frozen=True)
class Split:
    """The shared deployment's cost per day split between its APIM subscriptions and the
    unattributed rest (None), and every bill line's share of each deployment."""

    days: dict[date, dict[str | None, Decimal]]
    shares: list[LineShare]

    def cost(self, caller: str | None) -> Decimal:
        return sum((day.get(caller, Decimal(0)) for day in self.days.values()), Decimal(0))


_SPLITS: dict[tuple[int, CostType], Split] = {}  # the module's one truth, split once per basis


def split_shared(truth: Truth, cost_type: CostType) -> Split:
    """Each bill line's share of the shared deployment split between the callers by the line's
    measure: the callers weigh their logged measures, the unattributed rest D minus their sum,
    where D = max(Azure Monitor's measure that day, the callers' sum); line by line, exactly."""
    key = (id(truth), cost_type)
    if key not in _SPLITS:
        _SPLITS[key] = _split_shared(truth, cost_type)
    return _SPLITS[key]


def _split_shared(truth: Truth, cost_type: CostType) -> Split:
    tenant = truth.tenant
    shares, _ = line_shares(tenant, cost_type)
    shared_id = _dep_id(tenant, SHARED_CHAT)
    monitor = {
        u.date: Measures(u.input_tokens, u.output_tokens, u.requests)
        for u in tenant.usage
        if u.deployment == SHARED_CHAT
    }
    logged = logged_by_subscription(truth.telemetry)
    days: dict[date, dict[str | None, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for share in shares:
        if share.deployment_id != shared_id:
            continue
        day = share.line.date
        callers = {name: m.of(share.kind) for name, m in logged.get(day, {}).items()}
        measured = sum(callers.values())
        total = max(monitor.get(day, Measures()).of(share.kind), measured)
        if total == 0:
            days[day][None] += share.cost
            continue
        for name, weight in callers.items():
            days[day][name] += share.cost * weight / total
        days[day][None] += share.cost * (total - measured) / total
    return Split(days, shares)


def resolved_queries(telemetry: SampleTelemetry) -> dict[date, int]:
    """Resolved queries per day, counted from the support bot's raw events."""
    days: dict[date, int] = defaultdict(int)
    for event in telemetry.app_events:
        if event.name == "QueryResolved" and event.app_role_name == "support-bot":
            days[event.time_generated.date()] += event.item_count
    return dict(days)


def summaries(csv_path: Path) -> dict[date, int]:
    """Summaries per day, from the outcomes file (each id once)."""
    with csv_path.open(encoding="utf-8") as f:
        rows = {row["id"]: row for row in csv.DictReader(f)}
    days: dict[date, int] = defaultdict(int)
    for row in rows.values():
        days[date.fromisoformat(row["date"])] += int(row["count"])
    return dict(days)


def expected_use_case(
    truth: Truth, cost_type: CostType, subscription: str, whole: str, outcomes: dict[date, int]
) -> tuple[Decimal, Decimal, Decimal]:
    """(cost, cost per outcome, unattributed cost of the shared deployment), exact: the
    subscription's slice of the shared deployment plus the whole deployment `whole`; the cost
    of the days with outcome data divided by their outcomes."""
    split = split_shared(truth, cost_type)
    whole_id = _dep_id(truth.tenant, whole)
    per_day: dict[date, Decimal] = defaultdict(Decimal)
    for share in split.shares:
        if share.deployment_id == whole_id:
            per_day[share.line.date] += share.cost
    for day, callers in split.days.items():
        per_day[day] += callers.get(subscription, Decimal(0))
    cost = sum(per_day.values(), Decimal(0))
    outcome_cost = sum((per_day.get(d, Decimal(0)) for d in outcomes), Decimal(0))
    return cost, outcome_cost / sum(outcomes.values()), split.cost(None)


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("cost_type", [CostType.ACTUAL, CostType.AMORTIZED])
def test_the_support_bots_cost_per_resolved_query_matches_an_independent_computation(
    demo: Demo, cost_type: CostType
) -> None:
    base, _, truth = demo
    body = _get(base, "/api/use-cases/support-bot/unit-costs",
                period=str(truth.tenant.period), costType=API_NAMES[cost_type])  # fmt: skip
    outcomes = resolved_queries(truth.telemetry)
    assert set(outcomes) == set(truth.tenant.period.window.days())  # every day has data
    cost, per_outcome, unattributed = expected_use_case(
        truth, cost_type, "support-bot", SUPPORT_TRIAGE, outcomes
    )
    assert body["outcomes"] == sum(outcomes.values())
    assert body["outcomeUnit"] == "resolved query"
    assert abs(Decimal(str(body["cost"])) - cost) <= CENT
    assert abs(Decimal(str(body["costPerOutcome"])) - per_outcome) <= UNIT
    # The requests without a gateway row are the unattributed rest, not the support bot's.
    assert unattributed > 0
    assert abs(Decimal(str(body["coverage"]["unattributedCost"])) - unattributed) <= CENT
    sliced = next(d for d in body["deployments"] if d["callers"])
    assert sliced["callers"] == {"apimSubscriptions": ["support-bot"]}
    logged = logged_by_subscription(truth.telemetry)
    assert sliced["inputTokens"] == sum(d["support-bot"].prompt for d in logged.values())
    assert sliced["requests"] == sum(d["support-bot"].requests for d in logged.values())


def test_the_logs_count_about_five_percent_less_than_azure_monitor(demo: Demo) -> None:
    _, _, truth = demo
    logged = logged_by_subscription(truth.telemetry)
    monitor = [u for u in truth.tenant.usage if u.deployment == SHARED_CHAT]
    prompt = sum(u.input_tokens for u in monitor)
    attributed = sum(m.prompt for day in logged.values() for m in day.values())
    assert 0.03 < 1 - attributed / prompt < 0.07
    every = sum(r.prompt_tokens for r in truth.telemetry.llm_logs if r.deployment_name)
    assert every == prompt  # the token rows carry all of Azure Monitor's tokens


@pytest.mark.parametrize("cost_type", [CostType.ACTUAL, CostType.AMORTIZED])
@pytest.mark.parametrize("by", ["owner", "costCenter", "useCase"])
def test_the_showback_adds_up_to_the_billed_total(demo: Demo, cost_type: CostType, by: str) -> None:
    base, _, truth = demo
    period = str(truth.tenant.period)
    body = _get(base, "/api/showback", period=period, costType=API_NAMES[cost_type], by=by)
    billed = Decimal(str(body["billedCost"]))
    assert billed == truth.tenant.billed(cost_type).quantize(CENT)
    groups = sum((Decimal(str(g["cost"])) for g in body["groups"]), Decimal(0))
    unassigned = body["unassigned"]
    parts = ("noUseCase", "unclaimedCallers", "unattributed", "unallocated")
    rest = sum((Decimal(str(unassigned[p])) for p in parts), Decimal(0))
    assert rest == Decimal(str(unassigned["cost"]))
    assert groups + rest == billed
    split = split_shared(truth, cost_type)
    # The playground's slice is claimed by no use case; the requests without a gateway row
    # are unattributed.
    assert abs(Decimal(str(unassigned["unclaimedCallers"])) - split.cost("playground")) <= CENT
    assert abs(Decimal(str(unassigned["unattributed"])) - split.cost(None)) <= CENT
    if by == "owner":
        support = _get(base, "/api/use-cases/support-bot/unit-costs",
                       period=period, costType=API_NAMES[cost_type])  # fmt: skip
        group = next(g for g in body["groups"] if g["name"] == "support-platform")
        assert abs(Decimal(str(group["cost"])) - Decimal(str(support["cost"]))) <= CENT


def test_the_summarizers_outcomes_count_once_when_the_csv_is_pushed_twice(demo: Demo) -> None:
    base, _, truth = demo
    csv_path = truth.out / "outcomes" / "summarizer.csv"  # the file the demo pushed
    assert csv_path.read_bytes() == truth.telemetry.outcomes_file.read_bytes()  # deterministic
    expected = summaries(csv_path)
    assert expected == truth.telemetry.summaries
    period = str(truth.tenant.period)
    before = _get(base, "/api/use-cases/summarizer/unit-costs", period=period)
    assert before["outcomes"] == sum(expected.values())
    with csv_path.open(encoding="utf-8") as f:
        events = [{"id": r["id"], "date": r["date"], "count": int(r["count"])}
                  for r in csv.DictReader(f)]  # fmt: skip
    resp = httpx.post(f"{base}/api/use-cases/summarizer/outcomes", json={"outcomes": events})
    assert resp.status_code == 200, resp.text
    assert resp.json()["accepted"] == []
    assert sorted(resp.json()["repeated"]) == sorted(e["id"] for e in events)
    after = _get(base, "/api/use-cases/summarizer/unit-costs", period=period)
    assert after["outcomes"] == before["outcomes"]
    assert after["costPerOutcome"] == before["costPerOutcome"]
    days = {d["date"]: d["outcomes"] for d in after["daily"]}
    assert days == {d.isoformat(): n for d, n in sorted(expected.items())}
    cost, per_outcome, _ = expected_use_case(
        truth, CostType.AMORTIZED, "summarizer", SUMMARIZER_OWN, expected
    )
    assert abs(Decimal(str(after["cost"])) - cost) <= CENT
    assert abs(Decimal(str(after["costPerOutcome"])) - per_outcome) <= UNIT


def test_the_demo_prints_both_use_cases_with_their_cost_per_outcome(demo: Demo) -> None:
    base, output, truth = demo
    period = str(truth.tenant.period)
    for name, unit in (("support-bot", "resolved query"), ("summarizer", "generated summary")):
        body = _get(base, f"/api/use-cases/{name}/unit-costs", period=period)  # amortized
        assert body["costType"] == "amortized"
        assert f"Use case {name} ({body['owner']}, {body['costCenter']}), {period}" in output
        printed = re.search(rf"cost per {unit}: ([0-9.]+) USD", output)
        assert printed, output
        assert Decimal(printed.group(1)) == Decimal(f"{body['costPerOutcome']:.6f}")
    assert "Showback by owner" in output and "unassigned: unattributed tokens" in output
    assert "Collected 186 caller records" in output  # 31 days x 3 subscriptions x 2 kinds
    assert "Pushed the outcomes of summarizer" in output
