"""GET /api/use-cases/{name}/plan through the app (in process), over the published October of
tests/functions/test_what_if_api.py (one deployment, chat: gpt-4o GlobalStandard, 9.45 allocated:
2.75 on 1 Oct, 6.70 on 2 Oct; 50 and 90 requests; 1,000,000 / 100,000 and 2,000,000 / 300,000
tokens), with its effective prices (input 0.000002, cached 0.00000125, output 0.000009 a token).

The plan: 20 outcomes a day, 2 requests each, 20,000 input (4,000 cached) and 2,000 output tokens
a request: a day is 40 requests, 800,000 input (160,000 cached), 80,000 output tokens.
- gpt-4.1 at list prices: 640,000 x 0.000002 + 160,000 x 0.0000005 + 80,000 x 0.000008 = 2.00;
- gpt-4o at the tenant's effective prices: 1.28 + 0.20 + 0.72 = 2.20;
so over October's 31 days 62.00 and 68.20, 0.10 and 0.11 per outcome; gpt-4o DataZoneStandard
has no price. The live support-bot takes chat whole; its outcomes: 25 on 1 Oct, none on 2 Oct.
Planned vs actual over 1-2 Oct, as gpt-4o GlobalStandard (what chat runs, though gpt-4.1 ranks
first): cost 4.40 vs 9.45; outcomes (1 Oct) 20 vs 25; cost per outcome 2.20 / 20 = 0.11 vs 2.75 /
25 = 0.11.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shared.adapters.storage.allocation_tables import AllocationTables
from shared.adapters.storage.costs_table import CostsTable
from shared.adapters.storage.usage_table import UsageTable
from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.costs import CostType
from shared.core.inventory import InventorySnapshot
from shared.core.outcomes import OutcomeEvent
from shared.core.period import BillingPeriod
from shared.core.reports import PeriodDays
from shared.core.scope_series import scope_series
from shared.core.target_evaluation import evaluate
from shared.core.target_records import Metric, ScopeKind, Target, TargetScope, TargetState
from shared.core.use_cases import known_index, parse_use_case
from shared.entrypoints.cli.commands.plan import render_plan
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import ApiParts
from shared.entrypoints.http.schemas.plans import UseCasePlan
from shared.services.economics import EconomicsService
from shared.services.plans import PlanService
from shared.services.views import ViewService
from tests.asgi import money, read, send
from tests.builders import ACC, publication, use, use_case_body
from tests.fakes import MemoryCallerUsage, MemoryOutcomes, MemoryTableGateway
from tests.functions.served import served_as
from tests.functions.test_what_if_api import FixedItems
from tests.unit.test_what_if import CHAT, LINES, OCT1, OCT2

OCT = BillingPeriod(2026, 10)
TODAY = date(2026, 11, 20)
PLAN = {
    "region": "eastus2", "outcomesPerDay": 20, "requestsPerOutcome": 2,
    "inputTokensPerRequest": 20000, "cachedInputTokensPerRequest": 4000,
    "outputTokensPerRequest": 2000,
    "candidates": [
        {"model": "gpt-4o", "version": "2024-11-20", "sku": "GlobalStandard"},
        {"model": "gpt-4.1", "sku": "GlobalStandard"},
        {"model": "gpt-4o", "sku": "DataZoneStandard"},
    ],
}  # fmt: skip


class Api:
    def __init__(self) -> None:
        gateway = MemoryTableGateway()
        usage = [
            use("chat", 1_000_000, 100_000, 50, OCT1),
            use("chat", 2_000_000, 300_000, 90, OCT2),
        ]
        snapshot = InventorySnapshot.on(date(2026, 9, 1), (CHAT,))
        results = AllocationTables(gateway)
        results.publish(publication(LINES, usage, 1, (snapshot,), OCT, CostType.AMORTIZED))
        usage_table = UsageTable(gateway)
        usage_table.replace_window(OCT.window, [ACC], usage)
        costs = CostsTable(gateway)
        costs.replace_window(OCT.window, CostType.AMORTIZED, LINES)
        use_cases = UseCaseTable(gateway)
        known = known_index([(CHAT.deployment_id, CHAT.key)]).get
        planned = {**use_case_body("contract-review", status="planned", plan=PLAN)}
        del planned["deployments"]
        for body in (
            use_case_body("support-bot", {"deployment": CHAT.key}, plan=PLAN),
            planned,
            use_case_body("no-plan", {"deployment": CHAT.key}),
        ):
            found, problems = parse_use_case(body, "", known)
            assert found is not None and not problems, problems
            use_cases.put(found)
        self.results, self.usage, self.use_cases = results, usage, use_cases
        views = ViewService(results, lambda: TODAY)
        callers, outcomes = MemoryCallerUsage(), MemoryOutcomes()
        outcomes.add_events("support-bot", [OutcomeEvent("e1", OCT1, 25)])
        self.plans = PlanService(use_cases, results, usage_table, callers, outcomes,
                                 costs, FixedItems(), lambda: TODAY)  # fmt: skip
        economics = EconomicsService(results, usage_table, callers, outcomes, use_cases,
                                     lambda: TODAY)  # fmt: skip
        self.app = create_api(
            ApiParts(views=lambda: views, economics=lambda: economics, plans=lambda: self.plans)
        )

    def send(self, path: str) -> httpx.Response:
        return send(self.app, "GET", path)

    def get(self, path: str) -> Any:
        return read(self.app, path)


@pytest.fixture(scope="module")
def api() -> Api:
    return Api()


def test_a_live_use_case_is_ranked_and_compared_with_its_actuals(api: Api) -> None:
    body = api.get("/api/use-cases/support-bot/plan?period=2026-10")
    assert (body["useCase"], body["status"], body["period"], body["costType"]) == (
        "support-bot", "live", "2026-10", "amortized",
    )  # fmt: skip
    assert (body["currency"], body["region"]) == ("USD", "eastus2")
    assert body["traffic"]["days"] == 31 and body["traffic"]["requests"] == 1240
    assert body["traffic"]["weekdayShape"] == [1] * 7
    ranked = [(c["rank"], c["candidate"], c["priced"]) for c in body["candidates"]]
    assert ranked == [
        (1, "gpt-4.1 GlobalStandard", True),
        (2, "gpt-4o 2024-11-20 GlobalStandard", True),
        (3, "gpt-4o DataZoneStandard", False),
    ]
    first, second, unpriced = body["candidates"]
    assert (money(first["cost"]), money(first["costPerOutcome"])) == (62, Decimal("0.1"))
    assert (money(second["cost"]), money(second["costPerOutcome"])) == (
        Decimal("68.2"), Decimal("0.11"),
    )  # fmt: skip
    assert money(first["costPerRequest"]) == Decimal("0.05")  # 62.00 / 1,240
    assert unpriced["cost"] is None and unpriced["field"] == "sku" and unpriced["reason"]
    assert first["configuration"]["deploymentType"] == "global"
    compared = body["plannedVsActual"]
    assert (compared["from"], compared["to"], compared["days"]) == ("2026-10-01", "2026-10-02", 2)
    assert compared["daysWithOutcomes"] == 1 and compared["candidate"] == second["candidate"]
    rows = {r["measure"]: r for r in compared["measures"]}
    assert (money(rows["cost"]["planned"]), money(rows["cost"]["actual"])) == (
        Decimal("4.4"), Decimal("9.45"),
    )  # fmt: skip
    assert money(rows["cost"]["delta"]) == Decimal("5.05")
    assert (rows["outcomes"]["planned"], rows["outcomes"]["actual"]) == (20, 25)
    assert rows["outcomes"]["deltaPercent"] == 25
    cpo = rows["costPerOutcome"]
    assert (money(cpo["planned"]), money(cpo["actual"])) == (Decimal("0.11"), Decimal("0.11"))
    assert (rows["requests"]["planned"], rows["requests"]["actual"]) == (80, 140)
    assert body["plannedVsActualReason"] is None


def test_a_planned_use_case_is_priced_without_actuals(api: Api) -> None:
    body = api.get("/api/use-cases/contract-review/plan?period=2026-10&costType=actual")
    assert body["status"] == "planned" and body["costType"] == "actual"
    assert body["plannedVsActual"] is None and "planned" in body["plannedVsActualReason"]
    assert [c["priced"] for c in body["candidates"]] == [True, True, False]


def test_the_period_defaults_to_the_current_utc_month_priced_from_list_prices(api: Api) -> None:
    body = api.get("/api/use-cases/support-bot/plan")
    assert body["period"] == "2026-11" and body["traffic"]["days"] == 30
    assert any("current UTC month" in a for a in body["assumptions"])
    assert any("list prices only" in a for a in body["assumptions"])
    # gpt-4o at list: 640,000 x 0.0000025 + 160,000 x 0.00000125 + 80,000 x 0.00001 = 2.60 a day
    gpt4o = next(c for c in body["candidates"] if c["candidate"].startswith("gpt-4o 2024"))
    assert money(gpt4o["cost"]) == Decimal("78")  # 2.60 x 30
    assert body["plannedVsActual"] is None and "not been allocated" in body["plannedVsActualReason"]


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/api/use-cases/nobody/plan?period=2026-10", 404, "useCase"),
        ("/api/use-cases/Not_A_Slug/plan?period=2026-10", 404, "useCase"),
        ("/api/use-cases/no-plan/plan?period=2026-10", 409, "plan"),
        ("/api/use-cases/support-bot/plan?period=2026-13", 400, "period"),
        ("/api/use-cases/support-bot/plan?period=october", 400, "period"),
        ("/api/use-cases/nobody/plan?period=2026-10&costType=billed", 400, "costType"),
    ],
)
def test_errors_are_problems_naming_the_field(api: Api, path: str, status: int, field: str) -> None:
    response = api.send(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field


def test_a_planned_use_case_has_no_unit_costs_and_no_showback_group(api: Api) -> None:
    response = api.send("/api/use-cases/contract-review/unit-costs?period=2026-10")
    assert response.status_code == 409 and response.json()["field"] == "useCase"
    assert "/api/use-cases/contract-review/plan" in response.json()["detail"]
    live = api.get("/api/use-cases/support-bot/unit-costs?period=2026-10")
    assert money(live["cost"]) == Decimal("9.45")
    showback = api.get("/api/showback?period=2026-10&by=useCase")
    names = {g["name"] for g in showback["groups"]}
    assert "contract-review" not in names and "support-bot" in names


def test_the_cli_text_ranks_the_candidates_and_shows_planned_vs_actual(api: Api) -> None:
    text = render_plan(api.plans.plan("support-bot", "2026-10"))
    assert "Plan of use case support-bot (live; support-platform, CC-1042), 2026-10" in text
    lines = text.splitlines()
    first = next(n for n, line in enumerate(lines) if line.startswith("1  gpt-4.1"))
    assert "62.00 USD" in lines[first] and "0.100000 USD" in lines[first]
    assert lines[first + 2].startswith("3  gpt-4o DataZoneStandard") and "unpriced (sku)" in text
    assert "planned as gpt-4o 2024-11-20 GlobalStandard" in text
    cost = next(line for line in lines if line.startswith("cost "))
    assert cost.split() == ["cost", "4.40", "USD", "9.45", "USD", "5.05", "USD", "+114.8%"]
    planned = render_plan(api.plans.plan("contract-review", "2026-10"))
    assert "Planned vs actual: none (the use case is planned" in planned


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--period", "2026-13"], "period"),
        (["--period", "2026-10", "--cost-type", "billed"], "costType"),
    ],
)
def test_the_cli_refuses_bad_input_in_one_line_before_any_storage(
    argv: list[str], field: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from shared import cli

    monkeypatch.delenv("AzureWebJobsStorage", raising=False)  # no storage: never reached
    assert cli.main(["plan", "--use-case", "support-bot", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {field}: ")


@pytest.mark.parametrize("metric", list(Metric))
def test_a_target_watching_a_planned_use_case_is_no_data_never_zero(
    api: Api, metric: Metric
) -> None:
    days = api.results.days(OCT, CostType.AMORTIZED)
    assert isinstance(days, PeriodDays)
    scope = TargetScope(ScopeKind.USE_CASE, "contract-review")
    planned = api.use_cases.get("contract-review")
    assert planned is not None and planned.planned
    series = scope_series(scope, days, api.usage, [], planned, {}, TODAY)
    target = Target("t", scope, metric, Decimal(1), Decimal("0.8"), CostType.AMORTIZED)
    found = evaluate(target, series, None, None)
    assert found.state is TargetState.NO_DATA and found.observed is None


def test_the_plan_is_served_as_its_declared_model(api: Api) -> None:
    route = "/api/use-cases/{name}/plan"
    live = served_as(api.send("/api/use-cases/support-bot/plan?period=2026-10"), UseCasePlan,
                     "GET", route)  # fmt: skip
    assert live.planned_vs_actual is not None and live.planned_vs_actual.first == "2026-10-01"
    assert api.get("/api/use-cases/support-bot/plan?period=2026-10")["plannedVsActual"]["to"] == (
        "2026-10-02"
    )
    planned = served_as(api.send("/api/use-cases/contract-review/plan?period=2026-10"),
                        UseCasePlan, "GET", route)  # fmt: skip
    assert (planned.status, planned.planned_vs_actual) == ("planned", None)
    unpriced = planned.candidates[-1]
    assert (unpriced.priced, unpriced.cost, unpriced.field) == (False, None, "sku")
