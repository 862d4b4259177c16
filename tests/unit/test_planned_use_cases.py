"""Planned use cases: the plan's parsing (every bad field named by its JSON path), the
plan-to-traffic rule, pricing against a hand-computed catalogue (tests/unit/test_what_if.py's
list prices), the ranking, unpriced candidates, and planned vs actual on a crafted use case.

The plan of most tests: 100 outcomes a day, 2 requests each, 1,000 input tokens (200 cached) and
100 output tokens a request: a day is 100 outcomes, 200 requests, 200,000 input (40,000 cached)
and 20,000 output tokens. At list prices a day costs
- gpt-4o GlobalStandard: 160,000 x 0.0000025 + 40,000 x 0.00000125 + 20,000 x 0.00001 = 0.65;
- gpt-4o GlobalBatch: half of it, 0.325;
- gpt-4.1 GlobalStandard: 160,000 x 0.000002 + 40,000 x 0.0000005 + 20,000 x 0.000008 = 0.50;
- gpt-4.1-mini (no cached price: cached as input): 200,000 x 0.0000004 + 20,000 x 0.0000016
  = 0.112;
- gpt-4o on 15 Global PTUs: 15 x 24 x 1.00 = 360.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.costs import CostType
from shared.core.money import money_context
from shared.core.period import BillingPeriod
from shared.core.plan_views import plan_view
from shared.core.planned_use_cases import (
    Measure,
    PlanPricing,
    period_days,
    plan_traffic,
    planned_vs_actual,
    price_plan,
)
from shared.core.use_case_economics import DayEconomics, UseCaseEconomics
from shared.core.use_cases import (
    PLAN_REQUIRED,
    PLANNED_WITH_DEPLOYMENTS,
    Plan,
    PlannedCandidate,
    Problem,
    UseCase,
    UseCaseStatus,
    known_index,
    parse_document,
    stored_use_case,
    use_case_json,
)
from tests.builders import dep, use_case_body
from tests.fakes import MemoryTableGateway
from tests.unit.test_what_if import LIST, REGION

OCT = BillingPeriod(2026, 10)
OCT1 = date(2026, 10, 1)  # a Thursday
CHAT = dep("chat-prod")
KNOWN = known_index([(CHAT.deployment_id, CHAT.key)])


def plan_body(**fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "region": REGION,
        "outcomesPerDay": 100,
        "requestsPerOutcome": 2,
        "inputTokensPerRequest": 1000,
        "cachedInputTokensPerRequest": 200,
        "outputTokensPerRequest": 100,
        "candidates": [{"model": "gpt-4o", "version": "2024-11-20", "sku": "GlobalStandard"}],
    }
    return {**body, **fields}


def planned_body(name: str = "contract-review", **fields: object) -> dict[str, object]:
    body = use_case_body(name, status="planned", plan=plan_body())
    del body["deployments"]
    return {**body, **fields}


def parse(*use_cases: object) -> tuple[list[UseCase], list[Problem]]:
    return parse_document({"useCases": list(use_cases)}, KNOWN)


def plan_of(**fields: object) -> Plan:
    [use_case], problems = parse(planned_body(plan=plan_body(**fields)))
    assert problems == [] and use_case.plan is not None
    return use_case.plan


def candidate(
    model: str, sku: str = "GlobalStandard", version: str | None = None,
    ptu: int | None = None, reservation: str | None = None,
) -> PlannedCandidate:  # fmt: skip
    return PlannedCandidate(model, sku, version, ptu, reservation)


# --- parsing ---------------------------------------------------------------------------------


def test_a_planned_use_case_parses_exactly_and_round_trips_through_the_store() -> None:
    body = planned_body(
        plan=plan_body(
            requestsPerOutcome=Decimal("2.50"),  # a file parsed with parse_float=Decimal
            outputTokensPerRequest="100.5",
            weekdayShape=[1, 1, 1, 1, 1, "0.5", Decimal("0.5")],
            candidates=[
                {"model": "gpt-4o", "sku": "GlobalStandard"},
                {"model": "gpt-4o", "version": "2024-11-20", "sku": "globalprovisionedmanaged",
                 "ptu": 15, "reservation": "1m"},
            ],
        )
    )  # fmt: skip
    [use_case], problems = parse(body)
    assert problems == []
    assert use_case.status is UseCaseStatus.PLANNED and use_case.planned
    assert use_case.deployments == ()
    plan = use_case.plan
    assert plan is not None
    assert plan.requests_per_outcome == Decimal("2.50")
    assert plan.output_tokens_per_request == Decimal("100.5")
    assert plan.weekday_shape == (1, 1, 1, 1, 1, Decimal("0.5"), Decimal("0.5"))
    assert plan.candidates[1] == PlannedCandidate(
        "gpt-4o", "globalprovisionedmanaged", "2024-11-20", 15, "1m"
    )
    served = use_case_json(use_case)
    assert served["status"] == "planned" and "deployments" not in served
    assert served["plan"]["requestsPerOutcome"] == "2.50"  # type: ignore[index]
    assert served["plan"]["outcomesPerDay"] == 100  # type: ignore[index]
    text = json.dumps(served)  # what the table stores: JSON, no Decimal left
    assert stored_use_case(json.loads(text)) == use_case
    table = UseCaseTable(MemoryTableGateway())
    table.put(use_case)
    assert table.get("contract-review") == use_case


def test_a_live_use_case_keeps_its_plan_and_a_float_is_read_as_written() -> None:
    body = use_case_body(
        "support-bot", {"deployment": CHAT.deployment_id},
        plan=plan_body(requestsPerOutcome=2.5, inputTokensPerRequest=0.1,
                       cachedInputTokensPerRequest=0),
    )  # fmt: skip
    [use_case], problems = parse(body)
    assert problems == [] and not use_case.planned
    assert use_case.plan is not None
    assert use_case.plan.requests_per_outcome == Decimal("2.5")
    assert use_case.plan.input_tokens_per_request == Decimal("0.1")  # not 0.1000000000000000055
    assert "status" not in use_case_json(use_case)
    assert stored_use_case(use_case_json(use_case)) == use_case
    # status live written out is the default
    [same], problems = parse({**body, "status": "live"})
    assert problems == [] and same == use_case


def test_the_existing_use_cases_are_unchanged_without_a_plan() -> None:
    body = use_case_body("support-bot", {"deployment": CHAT.deployment_id})
    [use_case], problems = parse(body)
    assert problems == [] and use_case.plan is None and use_case.status is UseCaseStatus.LIVE
    assert set(use_case_json(use_case)) == set(body)


@pytest.mark.parametrize(
    ("plan_fields", "field", "detail"),
    [
        ({"region": None}, "plan.region", "required"),
        ({"region": " "}, "plan.region", "must not be empty"),
        ({"outcomesPerDay": None}, "plan.outcomesPerDay", "required"),
        ({"outcomesPerDay": 0}, "plan.outcomesPerDay", "must be greater than 0"),
        ({"outcomesPerDay": True}, "plan.outcomesPerDay", "must be a number, not a boolean"),
        ({"outcomesPerDay": "ten"}, "plan.outcomesPerDay", "must be a decimal number"),
        ({"outcomesPerDay": "1e16"}, "plan.outcomesPerDay", "must be at most 1e15"),
        ({"requestsPerOutcome": -1}, "plan.requestsPerOutcome", "must be greater than 0"),
        ({"requestsPerOutcome": [1]}, "plan.requestsPerOutcome",
         "must be a number or a string holding one"),
        ({"inputTokensPerRequest": -5}, "plan.inputTokensPerRequest", "must not be negative"),
        ({"cachedInputTokensPerRequest": 1001}, "plan.cachedInputTokensPerRequest",
         "must not exceed inputTokensPerRequest"),
        ({"outputTokensPerRequest": None}, "plan.outputTokensPerRequest", "required"),
        ({"inputTokensPerRequest": 0, "cachedInputTokensPerRequest": 0,
          "outputTokensPerRequest": 0}, "plan.outputTokensPerRequest", "a request has some tokens"),
        ({"weekdayShape": [1, 1, 1]}, "plan.weekdayShape",
         "must be a list of 7 weights, Monday to Sunday"),
        ({"weekdayShape": [0] * 7}, "plan.weekdayShape", "must not be all zero"),
        ({"weekdayShape": [1, 1, 1, 1, 1, 1, -1]}, "plan.weekdayShape[6]",
         "must not be negative"),
        ({"candidates": []}, "plan.candidates", "must list at least one candidate"),
        ({"candidates": None}, "plan.candidates", "required"),
        ({"candidates": ["gpt-4o"]}, "plan.candidates[0]", "must be an object"),
        ({"candidates": [{"sku": "GlobalStandard"}]}, "plan.candidates[0].model", "required"),
        ({"candidates": [{"model": "gpt-4o"}]}, "plan.candidates[0].sku", "required"),
        ({"candidates": [{"model": "gpt-4o", "sku": "Bogus"}]}, "plan.candidates[0].sku",
         None),
        ({"candidates": [{"model": "gpt-4o", "sku": "DeveloperTier"}]},
         "plan.candidates[0].sku", None),
        ({"candidates": [{"model": "gpt-4o", "sku": "GlobalStandard", "ptu": 15}]},
         "plan.candidates[0].ptu", "only for a provisioned SKU"),
        ({"candidates": [{"model": "gpt-4o", "sku": "GlobalProvisionedManaged", "ptu": 0}]},
         "plan.candidates[0].ptu", "must be a positive whole number of PTUs"),
        ({"candidates": [{"model": "gpt-4o", "sku": "GlobalProvisionedManaged",
                          "ptu": Decimal("1.5")}]},
         "plan.candidates[0].ptu", "must be a positive whole number of PTUs"),
        ({"candidates": [{"model": "gpt-4o", "sku": "GlobalProvisionedManaged",
                          "reservation": "2y"}]}, "plan.candidates[0].reservation",
         "must be 1m or 1y"),
        ({"candidates": [{"model": "gpt-4o", "sku": "GlobalStandard", "reservation": "1m"}]},
         "plan.candidates[0].reservation", "only for a provisioned SKU"),
        ({"candidates": [{"model": "gpt-4o", "sku": "GlobalStandard", "colour": "red"}]},
         "plan.candidates[0].colour", "unknown field"),
        ({"candidates": [{"model": "gpt-4o", "sku": "GlobalStandard"},
                         {"model": "GPT-4o", "sku": "globalstandard"}]},
         "plan.candidates[1]", "duplicate of useCases[0].plan.candidates[0]"),
        ({"peakTpm": 5}, "plan.peakTpm", "unknown field"),
    ],
)  # fmt: skip
def test_every_bad_plan_field_is_named(
    plan_fields: dict[str, Any], field: str, detail: str | None
) -> None:
    _, problems = parse(planned_body(plan=plan_body(**plan_fields)))
    assert [f"useCases[0].{field}"] == [f for f, _ in problems]
    if detail is not None:
        assert problems[0][1] == detail
    else:
        assert "globalstandard" in problems[0][1] and "developertier" not in problems[0][1]


def test_status_and_deployments_are_checked_together() -> None:
    _, problems = parse(planned_body(deployments=[{"deployment": CHAT.deployment_id}]))
    assert problems == [("useCases[0].deployments", PLANNED_WITH_DEPLOYMENTS)]
    no_plan = planned_body()
    del no_plan["plan"]
    assert parse(no_plan)[1] == [("useCases[0].plan", PLAN_REQUIRED)]
    assert parse(planned_body(plan=None))[1] == [("useCases[0].plan", PLAN_REQUIRED)]
    assert parse(planned_body(deployments=[]))[1] == []  # empty is no deployments
    retired = parse(planned_body(status="retired"))[1]  # read as live: deployments missing
    assert ("useCases[0].status", "must be one of live, planned") in retired
    live = use_case_body("bot", {"deployment": CHAT.deployment_id}, plan="soon")
    assert parse(live)[1] == [("useCases[0].plan", "must be an object")]
    live_without = use_case_body("bot")  # a live use case still needs its deployments
    assert parse(live_without)[1] == [
        ("useCases[0].deployments", "must list at least one deployment")
    ]


def test_several_use_cases_with_plans_keep_the_overlap_rules() -> None:
    whole: dict[str, object] = {"deployment": CHAT.deployment_id}
    _, problems = parse(
        use_case_body("a", whole, plan=plan_body()), planned_body("b"), use_case_body("c", whole)
    )
    assert [f for f, _ in problems] == ["useCases[2].deployments[0].deployment"]


# --- traffic ---------------------------------------------------------------------------------


def test_a_flat_plan_gives_every_day_the_same_traffic() -> None:
    days = plan_traffic(plan_of(), period_days(OCT))
    assert len(days) == 31 and days[0].date == OCT1 and days[-1].date == date(2026, 10, 31)
    assert {d.outcomes for d in days} == {Decimal(100)}
    t = days[0].traffic
    assert (t.requests, t.input_tokens, t.cached_input_tokens, t.output_tokens) == (
        200, 200_000, 40_000, 20_000,
    )  # fmt: skip
    assert t.peak_tpm is None


def test_a_weekday_shape_spreads_seven_times_the_daily_outcomes_over_any_week() -> None:
    plan = plan_of(weekdayShape=[3, 2, 2, 2, 2, 1, 0], outcomesPerDay=10, requestsPerOutcome=1)
    days = plan_traffic(plan, period_days(OCT))
    with money_context():  # 140 / 12 does not end: exact to the context's 64 digits
        for start in range(len(days) - 6):  # every run of 7 days is one of each weekday
            week = sum((d.outcomes for d in days[start : start + 7]), Decimal(0))
            assert abs(week - 70) < Decimal("1e-60")
    shaped = plan_traffic(plan_of(weekdayShape=[2, 2, 1, 1, 1, 0, 0]), period_days(OCT))
    assert sum(d.outcomes for d in shaped[:7]) == 700  # 7 x 100, exactly
    assert [d.outcomes for d in shaped[:7]] == [100, 100, 0, 0, 200, 200, 100]  # Thu..Wed
    by_weekday = {d.date.weekday(): d.outcomes for d in days}
    # 10 x 7 x 3 / 12 = 17.5 on Mondays, 10 x 7 x 2 / 12 = 11.666... on Tuesdays, 0 on Sundays
    assert by_weekday[0] == Decimal("17.5") and by_weekday[6] == 0
    assert by_weekday[1] * 12 == 140
    monday = next(d for d in days if d.date.weekday() == 0).traffic
    assert monday.requests == 18  # 17.5 rounded half-even
    tuesday = next(d for d in days if d.date.weekday() == 1).traffic
    assert tuesday.requests == 12 and tuesday.input_tokens == 11_667  # 11,666.67 tokens


def test_tokens_are_rounded_once_from_the_exact_requests() -> None:
    # 1 outcome x 2.5 requests x 3 tokens = 7.5 tokens: half-even to 8, not 3 x round(2.5) = 6
    plan = plan_of(outcomesPerDay=1, requestsPerOutcome="2.5", inputTokensPerRequest=3,
                   cachedInputTokensPerRequest=1, outputTokensPerRequest="0.5")  # fmt: skip
    [day] = plan_traffic(plan, [OCT1])
    t = day.traffic
    assert (t.requests, t.input_tokens, t.cached_input_tokens, t.output_tokens) == (2, 8, 2, 1)


# --- pricing and ranking ---------------------------------------------------------------------


def priced(*candidates: PlannedCandidate, **fields: object) -> PlanPricing:
    plan = plan_of(**fields)
    plan = Plan(**{**plan.__dict__, "candidates": candidates})
    return price_plan(plan, plan_traffic(plan, period_days(OCT)), LIST, CostType.AMORTIZED)


def test_candidates_are_priced_at_the_hand_computed_list_prices_and_ranked() -> None:
    found = priced(
        candidate("gpt-4o", version="2024-11-20"),
        candidate("gpt-4.1"),
        candidate("gpt-4o", "GlobalBatch", "2024-11-20"),
        candidate("gpt-4.1-mini"),
        candidate("gpt-4o", "GlobalProvisionedManaged", "2024-11-20", ptu=15),
    )
    costs = {c.candidate.label: c.cost for c in found.candidates}
    assert costs == {
        "gpt-4.1-mini GlobalStandard": Decimal("3.472"),  # 0.112 x 31
        "gpt-4o 2024-11-20 GlobalBatch": Decimal("10.075"),
        "gpt-4.1 GlobalStandard": Decimal("15.50"),
        "gpt-4o 2024-11-20 GlobalStandard": Decimal("20.15"),
        "gpt-4o 2024-11-20 GlobalProvisionedManaged 15 PTU": Decimal(11_160),  # 360 x 31
    }
    assert [c.candidate.label for c in found.candidates] == list(costs)  # by cost per outcome
    best = found.candidates[0]
    with money_context():
        assert best.cost_per_outcome == Decimal("3.472") / 3100
        assert best.cost_per_request == Decimal("3.472") / 6200
        assert best.cost_per_1k_tokens == Decimal("3.472") / 6_820_000 * 1000
    assert found.pick is best and found.currency == "USD"
    ptu = found.candidates[-1].result
    assert ptu is not None and ptu.ptu is not None and ptu.ptu.capacity == 15
    assert found.totals.outcomes == 3100 and found.totals.requests == 6200


def test_ties_go_by_cost_then_label() -> None:
    found = priced(candidate("gpt-4o"), candidate("gpt-4o", version="2024-11-20"))
    assert [c.candidate.label for c in found.candidates] == [
        "gpt-4o 2024-11-20 GlobalStandard", "gpt-4o GlobalStandard",
    ]  # fmt: skip
    assert found.candidates[0].cost == found.candidates[1].cost == Decimal("20.15")


def test_an_unpriced_candidate_is_listed_last_with_the_field_and_the_reason() -> None:
    found = priced(
        candidate("llama-9", "GlobalStandard"),
        candidate("gpt-4o", "DataZoneStandard"),
        candidate("gpt-4o", version="2024-11-20"),
    )
    labels = [c.candidate.label for c in found.candidates]
    assert labels == ["gpt-4o 2024-11-20 GlobalStandard", "gpt-4o DataZoneStandard",
                      "llama-9 GlobalStandard"]  # fmt: skip
    dz, llama = found.candidates[1], found.candidates[2]
    assert not dz.priced and dz.cost is None and dz.cost_per_outcome is None
    assert dz.field == "sku" and dz.reason is not None and "data-zone" in dz.reason
    assert llama.field == "model"
    view = plan_view(planned_use_case(), found, OCT, None, "planned")
    assert [c.rank for c in view.candidates] == [1, 2, 3]
    assert [c.priced for c in view.candidates] == [True, False, False]
    assert view.candidates[0].cost == Decimal("20.15")
    assert view.candidates[0].cost_per_outcome == Decimal("0.0065")  # 20.15 / 3,100
    assert view.planned_vs_actual is None and view.planned_vs_actual_reason == "planned"


def planned_use_case() -> UseCase:
    [use_case], problems = parse(planned_body())
    assert problems == []
    return use_case


# --- planned vs actual -----------------------------------------------------------------------


def live_use_case() -> UseCase:
    body = use_case_body("support-bot", {"deployment": CHAT.deployment_id}, plan=plan_body())
    [use_case], problems = parse(body)
    assert problems == []
    return use_case


def actual(days: list[tuple[str, int, int, int, int | None]]) -> UseCaseEconomics:
    """Crafted economics: one (cost, input, output, requests, outcomes) per day from 1 Oct."""
    series = tuple(
        DayEconomics(OCT1 + timedelta(days=n), Decimal(cost), inp, out, reqs, outcomes)
        for n, (cost, inp, out, reqs, outcomes) in enumerate(days)
    )
    return UseCaseEconomics(live_use_case(), OCT, CostType.AMORTIZED, "USD", (), series)


def compare(economics: UseCaseEconomics) -> Any:
    use_case = economics.use_case
    assert use_case.plan is not None
    pricing = price_plan(
        use_case.plan, plan_traffic(use_case.plan, period_days(OCT)), LIST, CostType.AMORTIZED
    )
    return planned_vs_actual(pricing, economics, LIST)


def test_planned_vs_actual_compares_the_same_days() -> None:
    # Planned (gpt-4o, 0.65 a day): 3 days, 1.95; 600 requests, 1,000 / 100 tokens a request.
    # Actual: 2.00; 600 requests, 660,000 / 600 = 1,100 input and 60,000 / 600 = 100 output
    # tokens a request. Outcomes on 1 and 3 Oct only: planned 200, actual 120 + 50 = 170;
    # requests per outcome 400 / 200 = 2 vs (240 + 160) / 170; cost per outcome 1.30 / 200 =
    # 0.0065 vs (0.80 + 0.50) / 170.
    found = compare(actual([
        ("0.80", 240_000, 18_000, 240, 120),
        ("0.70", 260_000, 22_000, 200, None),
        ("0.50", 160_000, 20_000, 160, 50),
    ]))  # fmt: skip
    assert (found.first, found.last, found.days, found.days_with_outcomes) == (
        OCT1, date(2026, 10, 3), 3, 2,
    )  # fmt: skip
    assert found.pick.candidate.label == "gpt-4o 2024-11-20 GlobalStandard"
    cost = found.row(Measure.COST)
    assert (cost.planned, cost.actual, cost.delta) == (Decimal("1.95"), 2, Decimal("0.05"))
    with money_context():
        assert cost.delta_percent == Decimal("0.05") / Decimal("1.95") * 100
    assert (found.row(Measure.REQUESTS).planned, found.row(Measure.REQUESTS).actual) == (600, 600)
    assert found.row(Measure.REQUESTS).delta_percent == 0
    tokens_in = found.row(Measure.INPUT_TOKENS_PER_REQUEST)
    assert (tokens_in.planned, tokens_in.actual, tokens_in.delta_percent) == (1000, 1100, 10)
    assert found.row(Measure.OUTPUT_TOKENS_PER_REQUEST).actual == 100
    outcomes = found.row(Measure.OUTCOMES)
    assert (outcomes.planned, outcomes.actual, outcomes.delta) == (200, 170, -30)
    assert outcomes.delta_percent == -15
    per = found.row(Measure.REQUESTS_PER_OUTCOME)
    cpo = found.row(Measure.COST_PER_OUTCOME)
    with money_context():
        assert (per.planned, per.actual) == (2, Decimal(400) / 170)
        assert (cpo.planned, cpo.actual) == (Decimal("0.0065"), Decimal("1.30") / 170)


def test_without_outcome_data_the_actual_outcomes_are_no_data_never_zero() -> None:
    found = compare(actual([("0.80", 240_000, 18_000, 240, None),
                            ("0.70", 260_000, 22_000, 200, None)]))  # fmt: skip
    assert found.days_with_outcomes == 0
    for measure in (Measure.OUTCOMES, Measure.REQUESTS_PER_OUTCOME, Measure.COST_PER_OUTCOME):
        row = found.row(measure)
        assert row.actual is None and row.delta is None and row.delta_percent is None
    assert found.row(Measure.OUTCOMES).planned == 200  # what was expected over the 2 days
    assert found.row(Measure.COST).actual == Decimal("1.50")
    view = plan_view(live_use_case(), compare_pricing(), OCT, found, None)
    assert view.planned_vs_actual is not None
    shown = {r.measure: r for r in view.planned_vs_actual.rows}
    assert shown[Measure.OUTCOMES].actual is None and shown[Measure.COST].delta == Decimal("0.20")


def compare_pricing() -> PlanPricing:
    plan = live_use_case().plan
    assert plan is not None
    return price_plan(plan, plan_traffic(plan, period_days(OCT)), LIST, CostType.AMORTIZED)


def test_a_use_case_with_no_data_in_the_period_has_nothing_to_compare() -> None:
    assert compare(actual([])) is None


def test_a_plan_with_no_priced_candidate_still_compares_the_traffic() -> None:
    use_case = live_use_case()
    assert use_case.plan is not None
    plan = Plan(**{**use_case.plan.__dict__, "candidates": (candidate("llama-9"),)})
    pricing = price_plan(plan, plan_traffic(plan, period_days(OCT)), LIST, CostType.AMORTIZED)
    found = planned_vs_actual(pricing, actual([("0.80", 240_000, 18_000, 240, 120)]), LIST)
    assert found is not None and found.pick is None
    cost = found.row(Measure.COST)
    assert cost.planned is None and cost.actual == Decimal("0.80") and cost.delta is None
    assert found.row(Measure.OUTCOMES).planned == 100


def test_planned_vs_actual_compares_the_candidate_the_use_case_runs_on() -> None:
    # gpt-4.1-mini is cheaper and ranks first, but chat runs gpt-4o GlobalStandard: compared
    # with what was deployed, not with the cheapest; without deployments, with the pick.
    candidates = [
        {"model": "gpt-4.1-mini", "sku": "GlobalStandard"},
        {"model": "gpt-4o", "version": "2024-11-20", "sku": "GlobalStandard"},
    ]
    body = use_case_body(
        "support-bot", {"deployment": CHAT.deployment_id}, plan=plan_body(candidates=candidates)
    )
    [use_case], problems = parse(body)
    assert problems == [] and use_case.plan is not None
    pricing = price_plan(
        use_case.plan, plan_traffic(use_case.plan, period_days(OCT)), LIST, CostType.AMORTIZED
    )
    assert pricing.pick is not None and pricing.pick.candidate.model == "gpt-4.1-mini"
    series = (DayEconomics(OCT1, Decimal("0.80"), 240_000, 18_000, 240, 120),)
    economics = UseCaseEconomics(use_case, OCT, CostType.AMORTIZED, "USD", (), series)
    deployed = planned_vs_actual(pricing, economics, LIST, [CHAT])
    assert deployed is not None and deployed.pick is not None
    assert deployed.pick.candidate.label == "gpt-4o 2024-11-20 GlobalStandard"
    other = dep("elsewhere", model="gpt-4o", sku="DataZoneStandard", location=REGION)
    fallback = planned_vs_actual(pricing, economics, LIST, [other])
    assert fallback is not None and fallback.pick is not None
    assert fallback.pick.candidate.model == "gpt-4.1-mini"
