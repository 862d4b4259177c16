"""The read side: views rounded once, NotFound in one place, status by the clock given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from shared.adapters.storage.allocation_tables import AllocationTables
from shared.core.allocation import UnallocatedReason
from shared.core.costs import CostType
from shared.core.inventory import Deployment
from shared.core.meters import TokenKind
from shared.core.period import BillingPeriod
from shared.core.period_status import PeriodStatus
from shared.core.reconciliation import Reconciliation, ReconciliationRow, SideTotals, TokenSide
from shared.core.reports import PeriodReport
from shared.core.rounding import RoundedTotals
from shared.core.unit_costs import UnallocatedTotal, UnitCost
from shared.core.views import PeriodQuery, StatusView, reconciliation_view, unit_costs_view
from shared.entrypoints.cli.reconciliation_text import render_summary
from shared.entrypoints.cli.report_table import render_report
from shared.entrypoints.http.presenter import deployment_unit_costs, unit_costs_json
from shared.errors import InvalidInput, NotFound
from shared.services.views import ViewService
from tests.builders import ACC, NOV
from tests.fakes import MemoryTableGateway

ACTUAL = PeriodQuery(NOV, CostType.ACTUAL)
OPEN_DAY, CLOSING_DAY = date(2026, 12, 5), date(2026, 12, 6)
D = Decimal


def unit_cost(
    name: str, cost: str, provisioned: str = "0", idle: str | None = None, sku: str = "Standard",
    tokens: tuple[int, int, int] = (1, 1, 1),
) -> UnitCost:  # fmt: skip
    return UnitCost(
        period=NOV,
        deployment=Deployment(ACC, name, "gpt-4o", "2024-11-20", sku, 10),
        cost=D(cost),
        input_cost=D(0),
        output_cost=D(0),
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        requests=tokens[2],
        provisioned_cost=D(provisioned),
        idle_cost=None if idle is None else D(idle),
    )


def left(meter: str, cost: str) -> UnallocatedTotal:
    return UnallocatedTotal(ACC, meter, f"meter {meter}", UnallocatedReason.UNKNOWN_METER, D(cost))


def report(units: tuple[UnitCost, ...], lefts: tuple[UnallocatedTotal, ...] = ()) -> PeriodReport:
    allocated = sum((u.cost for u in units), D(0))
    unallocated = sum((t.cost for t in lefts), D(0))
    return PeriodReport(NOV, CostType.ACTUAL, "USD", allocated + unallocated, allocated,
                        unallocated, units, lefts)  # fmt: skip


# 3 x 1.004 allocated and 0.505 + 0.501 unallocated: billed 4.018. Rounded on its own every
# amount would be 1.00 (or 0.51, 0.50), and the columns would not add up to the totals.
APART = report(
    (unit_cost("a", "1.004"), unit_cost("b", "1.004"), unit_cost("c", "1.004")),
    (left("content-safety", "0.505"), left("translator", "0.501")),
)


@dataclass
class Published:
    """A store of published allocations holding one report and one reconciliation."""

    stored: PeriodReport | None = None
    reconciled: Reconciliation | None = None

    def report(self, period: BillingPeriod, cost_type: CostType) -> PeriodReport | None:
        found = self.stored
        return found if found and (found.period, found.cost_type) == (period, cost_type) else None

    def reconciliation(self, period: BillingPeriod, cost_type: CostType) -> Reconciliation | None:
        found = self.reconciled
        return found if found and (found.period, found.cost_type) == (period, cost_type) else None


@pytest.mark.parametrize(
    ("period", "cost_type", "expected"),
    [("2026-11", None, CostType.AMORTIZED), ("2026-11", "", CostType.AMORTIZED),
     ("2026-11", "Actual", CostType.ACTUAL), (" 2026-11 ", "AMORTIZED", CostType.AMORTIZED)],
)  # fmt: skip
def test_a_query_reads_any_case_and_defaults_to_amortized(
    period: str, cost_type: str | None, expected: CostType
) -> None:
    assert PeriodQuery.parse(period, cost_type) == PeriodQuery(NOV, expected)


@pytest.mark.parametrize(
    ("period", "cost_type", "bad"),
    [(None, "actual", "period"), ("", "actual", "period"), ("2026-13", "actual", "period"),
     ("2026-13", "blended", "period"), ("2026-11", "blended", "costType")],
)  # fmt: skip
def test_a_bad_query_names_its_field_the_period_first(
    period: str | None, cost_type: str, bad: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        PeriodQuery.parse(period, cost_type)
    assert caught.value.field == bad


def test_every_column_of_the_period_sums_exactly_to_its_rounded_total() -> None:
    view = unit_costs_view(APART, OPEN_DAY)
    # billed 4.018 -> 4.02; the step left goes to unallocated (100.6 cents) before allocated (301.2)
    assert view.totals == RoundedTotals(D("4.02"), D("3.01"), D("1.01"))
    assert [d.cost for d in view.deployments] == [D("1.01"), D("1.00"), D("1.00")]
    assert [t.cost for t in view.unallocated_lines] == [D("0.51"), D("0.50")]
    assert sum(d.cost for d in view.deployments) == view.totals.allocated
    assert sum(t.cost for t in view.unallocated_lines) == view.totals.unallocated


def test_a_provisioned_deployment_shows_its_rounded_cost_and_used_plus_idle_sum_to_it() -> None:
    # 3 x 1.004 = 3.012: 3.01, the step to the first deployment. Rounded on its own its
    # provisioned cost was 1.00 against a cost of 1.01, and idle + used 0.50 + 0.50; now the
    # provisioned cost is the cost, split into idle 0.502 -> 0.51 (first on the tie) + used 0.50.
    units = (
        unit_cost("a-ptu", "1.004", "1.004", idle="0.502", sku="GlobalProvisionedManaged"),
        unit_cost("b-mixed", "1.004", "0.603"),
        unit_cost("c-standard", "1.004"),
    )
    ptu, mixed, standard = unit_costs_view(report(units), OPEN_DAY).deployments
    assert ptu.cost == ptu.provisioned_cost == D("1.01")
    assert (ptu.provisioned_idle_cost, ptu.provisioned_used_cost) == (D("0.51"), D("0.50"))
    assert (mixed.cost, mixed.provisioned_cost) == (D("1.00"), D("0.60"))
    assert mixed.provisioned_idle_cost is None and mixed.provisioned_used_cost is None
    assert (standard.cost, standard.provisioned_cost) == (D("1.00"), D(0))


def test_unit_costs_are_rounded_to_1e_8_and_none_without_a_denominator() -> None:
    units = (unit_cost("a", "1", tokens=(0, 3, 0)),)
    (dep,) = unit_costs_view(report(units), OPEN_DAY).deployments
    assert dep.cost_per_1k_tokens == D("333.33333333")  # 1 x 1000 / 3 tokens
    assert dep.cost_per_1k_output_tokens == D(0)  # output tokens, none of the cost on them
    assert dep.cost_per_1k_input_tokens is None  # no input tokens: None, never 0
    assert dep.cost_per_request is None  # no requests


def test_the_status_is_the_clocks_the_view_service_asks_it_on_every_read() -> None:
    days = [OPEN_DAY]
    views = ViewService(Published(report((unit_cost("a", "1"),))), today=lambda: days[-1])
    assert views.unit_costs(ACTUAL).status == StatusView(PeriodStatus.OPEN, CLOSING_DAY)
    days.append(CLOSING_DAY)
    assert views.unit_costs(ACTUAL).status == StatusView(PeriodStatus.CLOSED, CLOSING_DAY)


def test_a_view_is_built_once_per_report_and_day_and_again_for_a_new_report() -> None:
    days = [OPEN_DAY]
    store = Published(report((unit_cost("a", "1"),)))
    views = ViewService(store, today=lambda: days[-1])
    first = views.unit_costs(ACTUAL)
    assert views.unit_costs(ACTUAL) is first  # the same report object: the same view
    days.append(CLOSING_DAY)
    assert views.unit_costs(ACTUAL).status.status is PeriodStatus.CLOSED  # another day: rebuilt
    store.stored = report((unit_cost("a", "2"),))  # a new generation: a new report object
    assert views.unit_costs(ACTUAL).deployments[0].cost == D("2")


def test_one_deployment_is_found_in_any_case_and_rounded_as_in_the_list() -> None:
    views = ViewService(Published(APART), today=lambda: OPEN_DAY)
    listed = views.unit_costs(ACTUAL)
    first = listed.deployments[0]
    found = views.deployment(first.key.upper(), ACTUAL)
    assert found.deployment == first and found.deployment.cost == D("1.01")
    assert (found.period, found.cost_type, found.currency) == (NOV, CostType.ACTUAL, "USD")
    assert found.status == listed.status
    with pytest.raises(NotFound) as caught:
        views.deployment("acc~nope~0000000000", ACTUAL)
    assert (caught.value.what, caught.value.key) == ("deployment", "acc~nope~0000000000")


def test_a_period_never_allocated_or_reconciled_is_not_found_naming_the_period() -> None:
    views = ViewService(Published(APART), today=lambda: OPEN_DAY)
    with pytest.raises(NotFound) as allocated:
        views.unit_costs(PeriodQuery(NOV, CostType.AMORTIZED))
    assert allocated.value.what == "period"
    assert str(allocated.value) == (
        "period not found: 2026-11 (amortized) has not been allocated: no cost lines have been "
        "collected and allocated for it yet"
    )
    with pytest.raises(NotFound) as reconciled:
        views.reconciliation(ACTUAL)
    assert str(reconciled.value) == "period not found: 2026-11 (ActualCost) has not been reconciled"


def test_a_period_with_no_data_is_not_found_with_the_stores_reason_never_a_zero_view() -> None:
    tables = AllocationTables(MemoryTableGateway())
    tables.publish_no_data(NOV, CostType.ACTUAL, "no ActualCost lines have been collected", 1)
    with pytest.raises(NotFound) as caught:
        ViewService(tables, today=lambda: OPEN_DAY).unit_costs(ACTUAL)
    assert caught.value.what == "period"
    assert "2026-11 (actual): no ActualCost lines have been collected" in str(caught.value)


def row(meter: str, cost: str, allocated: str) -> ReconciliationRow:
    """A row of a meter that is not a token meter (nothing to compare with telemetry)."""
    return ReconciliationRow(ACC, meter, f"meter {meter}", None, "", D(cost), D(allocated), D(1))


def test_the_reconciliation_rounds_like_the_period_and_its_rows_sum_to_the_summary() -> None:
    side = SideTotals(billed_tokens=D("1200000.5"), observed_tokens=1_000_000, flagged=True)
    rows = (
        ReconciliationRow(ACC, "m-in", "meter m-in", TokenKind.INPUT, "gpt-4o 1120", D("1.004"),
                          D("1.004"), D(800), billed_tokens=D("800000.5"),
                          allocated_tokens=D("799999.5"), observed_tokens=1_000_000,
                          side=TokenSide.INPUT, side_totals=side),
        row("m-out", "1.004", "1.004"), row("m-a", "1.004", "1.004"),
        row("content-safety", "0.505", "0"), row("translator", "0.501", "0"),
    )  # fmt: skip
    rec = Reconciliation(NOV, CostType.ACTUAL, "USD", D("0.02"), rows)
    view = reconciliation_view(rec, OPEN_DAY)
    units = unit_costs_view(APART, OPEN_DAY)  # the same bill: 3 x 1.004 allocated, 1.006 not
    assert view.summary.totals == units.totals
    assert sum(r.cost for r in view.rows) == view.summary.totals.billed == D("4.02")
    assert sum(r.allocated_cost for r in view.rows) == view.summary.totals.allocated == D("3.01")
    assert (view.summary.rows, view.summary.flagged_rows) == (5, 1)
    assert view.summary.coverage_pct == D("74.9627")  # 3.012 / 4.018, exact, four decimals
    assert view.tolerance_pct == D("2.0000")
    first = view.rows[0]
    # Half even: 800000.5 -> 800000, 799999.5 -> 800000, 20.00005% -> 20.0000%.
    assert (first.billed_tokens, first.allocated_tokens) == (800_000, 800_000)
    assert (first.side_billed_tokens, first.side_observed_tokens) == (1_200_000, 1_000_000)
    assert (first.variance_tokens, first.variance_pct) == (200_000, D("20.0000"))
    assert (first.account, first.meter_group, first.flagged) == ("acc", "gpt-4o 1120", True)
    unknown = view.rows[3]
    assert (unknown.coverage_pct, unknown.meter_group, unknown.token_kind) == (D(0), None, None)
    assert unknown.variance_pct is None and unknown.billed_tokens is None


def test_the_json_and_the_text_render_the_views_numbers_without_rounding_again() -> None:
    view = unit_costs_view(APART, CLOSING_DAY)
    body = unit_costs_json(view)
    totals = (body["billedCost"], body["allocatedCost"], body["unallocatedCost"])
    assert totals == (4.02, 3.01, 1.01)
    assert (body["status"], body["closesOn"]) == ("closed", "2026-12-06")
    deployments = body["deployments"]
    assert isinstance(deployments, list)
    assert [d["cost"] for d in deployments] == [1.01, 1.0, 1.0]
    one = view.deployment(view.deployments[0].key)
    assert one is not None
    head = list(deployment_unit_costs(one).model_dump(by_alias=True, mode="json"))[:7]
    assert head == ["period", "costType", "currency", "status", "closesOn", "provenance", "key"]
    text = render_report(view)
    assert "Billed 4.02 USD = allocated 3.01 USD + unallocated 1.01 USD" in text
    assert "0.51 USD  meter content-safety  on acc" in text
    rec = Reconciliation(NOV, CostType.ACTUAL, "USD", D("0.02"), (row("m", "0.03", "0.02"),))
    summary = render_summary(reconciliation_view(rec, CLOSING_DAY))
    assert summary == "1 rows, 0 flagged; cost 0.03 USD, allocated 0.02 USD (coverage 66.67%)"
