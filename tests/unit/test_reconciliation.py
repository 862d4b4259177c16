"""Reconciliation: billed token quantities against observed telemetry tokens, per meter."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.core.allocation import allocate_period
from shared.core.costs import CostLine, CostType, PricingModel
from shared.core.inventory import InventorySnapshot
from shared.core.meters import TokenKind
from shared.core.reconciliation import (
    Reconciliation,
    ReconciliationRow,
    SideTotals,
    TokenSide,
    reconcile,
)
from shared.core.usage import UsageRecord
from shared.demo.sample_tenant import generate
from shared.errors import InvalidInput
from tests.builders import ACC, D1, NOV, dep, line, use
from tests.unit.catalogue_double import (
    GPT4O_CACHED,
    GPT4O_IN,
    GPT4O_OUT,
    MINI_IN,
    PTU_GLOBAL,
    DictCatalogue,
)

D2 = date(2026, 11, 4)
CATALOGUE = DictCatalogue()
PTU = dep("ptu", sku="GlobalProvisionedManaged")
SNAP = [InventorySnapshot.on(date(2026, 10, 1), (dep("chat-prod"), dep("chat-test"), PTU))]


# One day of gpt-4o: 1,000K prompt tokens (200K of them cached) and 150K output tokens.
USAGE = [use("chat-prod", 750_000, 100_000), use("chat-test", 250_000, 50_000)]


def report(lines: list[CostLine], usage: list[UsageRecord] = USAGE, **kw: object) -> Reconciliation:
    allocation = allocate_period(NOV, lines, usage, SNAP, CATALOGUE)
    return reconcile(allocation, lines, usage, CATALOGUE, **kw)  # type: ignore[arg-type]


def by_meter(rec: Reconciliation) -> dict[str, ReconciliationRow]:
    return {row.meter_id: row for row in rec.rows}


def billed_correctly(cached_quantity: str = "200") -> list[CostLine]:
    return [
        line(GPT4O_IN.meter_id, "2.00", quantity="800"),
        line(GPT4O_CACHED.meter_id, "0.25", quantity=cached_quantity),
        line(GPT4O_OUT.meter_id, "1.50", quantity="150"),
    ]


def test_a_correct_bill_matches_telemetry_per_side() -> None:
    rows = by_meter(report(billed_correctly()))
    inp, cached, out = (
        rows[GPT4O_IN.meter_id],
        rows[GPT4O_CACHED.meter_id],
        rows[GPT4O_OUT.meter_id],
    )
    assert (inp.billed_quantity, inp.billed_tokens, inp.observed_tokens) == (
        Decimal(800),
        Decimal(800_000),
        1_000_000,
    )
    assert cached.billed_tokens == Decimal(200_000) and cached.side is TokenSide.INPUT
    assert inp.side_totals == cached.side_totals == SideTotals(Decimal(1_000_000), 1_000_000, False)
    assert out.side is TokenSide.OUTPUT
    assert out.side_totals == SideTotals(Decimal(150_000), 150_000, False)
    assert out.side_totals.variance == 0 and out.side_totals.variance_ratio == 0
    assert not any(row.flagged for row in rows.values())


def test_cached_tokens_billed_twice_flag_both_rows_of_the_input_side() -> None:
    # Azure once billed cached tokens twice (azure-rest-api-specs#45178): 800K + 2 x 200K.
    rec = report(billed_correctly(cached_quantity="400"))
    rows = by_meter(rec)
    side = rows[GPT4O_IN.meter_id].side_totals
    assert side is not None and side == rows[GPT4O_CACHED.meter_id].side_totals
    assert (side.billed_tokens, side.observed_tokens) == (Decimal(1_200_000), 1_000_000)
    assert side.variance == Decimal(200_000)
    assert side.variance_ratio == Decimal("0.2")
    assert rows[GPT4O_IN.meter_id].flagged and rows[GPT4O_CACHED.meter_id].flagged
    assert not rows[GPT4O_OUT.meter_id].flagged
    assert rec.flagged_rows == 2


@pytest.mark.parametrize(
    ("cached_quantity", "flagged"),
    [("220", False), ("220.001", True), ("180", False)],
)
def test_the_flag_needs_an_excess_beyond_the_relative_tolerance(
    cached_quantity: str, flagged: bool
) -> None:
    # 2% of 1,000K observed is 20K: 1,020K billed is within, 1,020,001 beyond; less never flags.
    rows = by_meter(report(billed_correctly(cached_quantity)))
    assert rows[GPT4O_IN.meter_id].flagged is flagged
    assert rows[GPT4O_CACHED.meter_id].flagged is flagged


def test_the_tolerance_is_a_parameter_and_must_not_be_negative() -> None:
    lines = billed_correctly("220")
    assert by_meter(report(lines, tolerance=Decimal("0.01")))[GPT4O_IN.meter_id].flagged
    assert report(lines, tolerance=Decimal("0.01")).tolerance == Decimal("0.01")
    with pytest.raises(InvalidInput, match="tolerance"):
        report(lines, tolerance=Decimal("-0.01"))


def test_coverage_is_the_allocated_share_and_unallocated_days_are_not_compared() -> None:
    # D2 has no usage: its line stays unallocated (no-usage) and has no telemetry to compare.
    lines = [
        line(GPT4O_IN.meter_id, "2.00", quantity="1000"),
        line(GPT4O_IN.meter_id, "1.00", D2, quantity="500"),
    ]
    row = by_meter(report(lines))[GPT4O_IN.meter_id]
    assert (row.cost, row.allocated_cost) == (Decimal("3.00"), Decimal("2.00"))
    assert row.coverage == Decimal(2) / Decimal(3)
    assert (row.billed_quantity, row.billed_tokens) == (Decimal(1500), Decimal(1_500_000))
    assert row.allocated_tokens == Decimal(1_000_000)
    assert row.side_totals == SideTotals(Decimal(1_000_000), 1_000_000, False)


def test_observed_tokens_are_summed_over_the_deployments_and_days_a_line_went_to() -> None:
    usage = [*USAGE, use("chat-prod", 300_000, day=D2), use("chat-test", 999, day=D2 + (D2 - D1))]
    lines = [
        line(GPT4O_IN.meter_id, "2", quantity="1000"),
        line(GPT4O_IN.meter_id, "1", D2, quantity="300"),
    ]
    row = by_meter(report(lines, usage))[GPT4O_IN.meter_id]
    assert row.observed_tokens == 1_300_000  # chat-test's usage of a day never billed is left out


def test_nothing_observed_gives_no_ratio_and_a_positive_excess_flags() -> None:
    assert SideTotals.compare(Decimal(0), 0, Decimal("0.02")).variance_ratio is None
    assert not SideTotals.compare(Decimal(0), 0, Decimal("0.02")).flagged
    assert SideTotals.compare(Decimal(5), 0, Decimal("0.02")).flagged
    # A meter billed only on a day with no usage: nothing allocated, nothing compared.
    row = by_meter(report([line(GPT4O_IN.meter_id, "1", D2, quantity="10")]))[GPT4O_IN.meter_id]
    assert row.coverage == 0 and row.side_totals == SideTotals(Decimal(0), 0, False)
    assert row.side_totals.variance_ratio is None and not row.flagged


def test_unknown_and_non_token_meters_show_cost_and_coverage_but_no_tokens() -> None:
    lines = [
        line("not-in-catalogue", "5.00", quantity="7"),
        line(PTU_GLOBAL.meter_id, "48.00", quantity="24"),
    ]
    rows = by_meter(report(lines))
    unknown, ptu = rows["not-in-catalogue"], rows[PTU_GLOBAL.meter_id]
    assert (unknown.kind, unknown.group, unknown.coverage) == (None, "", Decimal(0))
    assert (ptu.kind, ptu.coverage) == (TokenKind.PTU_HOUR, Decimal(1))
    for row in (unknown, ptu):
        assert row.billed_quantity > 0 and row.cost > 0
        assert (row.billed_tokens, row.observed_tokens, row.side, row.side_totals) == (
            None, None, None, None
        )  # fmt: skip
        assert not row.flagged


def test_a_zero_cost_meter_has_no_coverage() -> None:
    row = by_meter(report([line(GPT4O_IN.meter_id, "0", quantity="1000")]))[GPT4O_IN.meter_id]
    assert row.cost == 0 and row.coverage is None


def test_model_groups_are_compared_separately() -> None:
    # gpt-4o-mini has its own meters: a gpt-4o-mini line does not join gpt-4o's input side.
    snap = [InventorySnapshot.on(D1, (dep("chat-prod"), dep("mini", "gpt-4o-mini", "2024-07-18")))]
    usage = [use("chat-prod", 1_000_000), use("mini", 50_000)]
    lines = [
        line(GPT4O_IN.meter_id, "2", quantity="1000"),
        line(MINI_IN.meter_id, "0.01", quantity="50"),
    ]
    rec = reconcile(allocate_period(NOV, lines, usage, snap, CATALOGUE), lines, usage, CATALOGUE)
    rows = by_meter(rec)
    assert rows[GPT4O_IN.meter_id].side_totals == SideTotals(Decimal(1_000_000), 1_000_000, False)
    assert rows[MINI_IN.meter_id].side_totals == SideTotals(Decimal(50_000), 50_000, False)
    assert rows[GPT4O_IN.meter_id].group == "gpt-4o 1120 global standard"


def test_rows_are_per_account_and_meter_case_insensitively_in_a_stable_order() -> None:
    lines = [
        line("not-in-catalogue", "1"),
        line(GPT4O_OUT.meter_id, "1.50", quantity="150"),
        # Another bill line (pricing model) of the same account, spelled in lower case: one row.
        line(
            GPT4O_IN.meter_id,
            "0.75",
            quantity="300",
            account=ACC.lower(),
            pricing_model=PricingModel.SPOT,
        ),
        line(GPT4O_IN.meter_id, "1.25", quantity="500"),
        line(GPT4O_CACHED.meter_id, "0.25", quantity="200"),
        line(GPT4O_IN.meter_id, "9", quantity="9", cost_type=CostType.AMORTIZED),
    ]
    first = report(lines)
    again = report(list(reversed(lines)), list(reversed(USAGE)))
    assert [r.meter_id for r in first.rows] == [
        GPT4O_IN.meter_id, GPT4O_CACHED.meter_id, GPT4O_OUT.meter_id, "not-in-catalogue"
    ]  # fmt: skip
    assert [(r.meter_id, r.cost, r.side_totals) for r in first.rows] == [
        (r.meter_id, r.cost, r.side_totals) for r in again.rows
    ]
    inp = by_meter(first)[GPT4O_IN.meter_id]
    assert (inp.billed_quantity, inp.cost) == (Decimal(800), Decimal("2.00"))  # ActualCost only
    assert (first.cost, first.allocated_cost) == (Decimal("4.75"), Decimal("3.75"))
    assert first.coverage == Decimal("3.75") / Decimal("4.75")


def test_the_sample_tenant_bills_exactly_what_telemetry_observed(tmp_path: Path) -> None:
    tenant = generate(tmp_path)
    catalogue = load_bundled_catalogue()
    snapshots = [InventorySnapshot.on(tenant.period.start, tenant.deployments)]
    allocation = allocate_period(
        tenant.period, tenant.cost_lines, tenant.usage, snapshots, catalogue
    )
    rec = reconcile(allocation, tenant.cost_lines, tenant.usage, catalogue)
    compared = [r.side_totals for r in rec.rows if r.side_totals and r.side_totals.observed_tokens]
    assert len(compared) >= 20
    assert all(s.billed_tokens == s.observed_tokens for s in compared)
    assert rec.flagged_rows == 0
    assert rec.cost == sum(ln.cost for ln in tenant.cost_lines if ln.cost_type is CostType.ACTUAL)
    assert rec.allocated_cost == allocation.allocated_cost
    unknown = [r for r in rec.rows if r.kind is None]
    assert len(unknown) == 1 and unknown[0].coverage == 0  # content safety
