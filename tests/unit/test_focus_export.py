"""The FOCUS 1.3 allocated export's core: the origin charges of both price bases as their
deployments' shares and remainders, hand-computed on a crafted November (allocated by the real
allocator, published to and read back from the real allocation tables in memory).

The day, 2026-11-03, account acc (subscription s1), in ActualCost and AmortizedCost:

- gpt-4o input, 3 x 1K tokens, 0.75 in both bases. chat-prod sent 2,000 input tokens, chat-test
  1,000: ratios 2/3 and 1/3 at 1e-12 (0.666666666667 + 0.333333333333 = 1), cost 0.50 and 0.25,
  pricing quantity 2 and 1, consumed 2,000 and 1,000 tokens;
- gpt-4o output, 0.4 x 1K tokens, 0.40 in both. Output tokens 100 and 300: 0.25 / 0.75,
  cost 0.10 / 0.30, quantity 0.1 / 0.3;
- the PTU global unit, 960 reservation-covered PTU-hours (1/Hour), billed 0, amortized 12.00.
  ptu-a holds 30 PTU, ptu-b 10, all day: 720 and 240 PTU-hours, ratios 0.75 / 0.25, effective
  9.00 / 3.00, billed 0 / 0;
- the reservation purchase (no resource), 40 units, billed 10,400.00, not in AmortizedCost: one
  remainder row, ratio 1, effective 0;
- unused reservation hours (no resource), effective 0.17, not in ActualCost: one remainder,
  billed 0;
- a meter nobody knows, 2.50 in both: one remainder (unknown-meter).

Billed 10,403.65 (allocated 1.15), effective 15.82 (allocated 13.15).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.adapters.storage.allocation_tables import AllocationTables
from shared.core.allocation import UnallocatedReason
from shared.core.callers import CallerKind
from shared.core.costs import ChargeType, CostLine, CostType, PricingModel
from shared.core.focus_columns import COLUMNS, ColumnType
from shared.core.focus_export import (
    METHOD_ID,
    AllocatedCharge,
    FocusExport,
    OriginCharge,
    focus_export,
)
from shared.core.focus_rows import UNKNOWN_BILLING_ACCOUNT, billing_scope, focus_rows
from shared.core.inventory import InventorySnapshot
from shared.core.money import money_context
from shared.core.reports import PeriodDays
from shared.core.usage import UsageRecord
from shared.core.use_cases import DeploymentEntry, Outcome, OutcomeSource, SourceType, UseCase
from shared.errors import ConcurrentPublication
from tests.builders import ACC, NOV, dep, line, publication, use
from tests.fakes import MemoryTableGateway
from tests.unit.catalogue_double import GPT4O_IN, GPT4O_OUT, PTU_GLOBAL

A, M = CostType.ACTUAL, CostType.AMORTIZED
CHAT, TEST = dep("chat-prod"), dep("chat-test")
PTU_A = dep("ptu-a", sku="GlobalProvisionedManaged", capacity=30)
PTU_B = dep("ptu-b", sku="GlobalProvisionedManaged", capacity=10)
SNAPSHOT = InventorySnapshot.on(date(2026, 10, 1), (CHAT, TEST, PTU_A, PTU_B))
USAGE = [use("chat-prod", 2000, 100, 5), use("chat-test", 1000, 300, 5)]
RESERVED = PricingModel.RESERVATION
Row = Mapping[str, Any]


def both(meter_id: str, cost: str, quantity: str, unit: str) -> list[CostLine]:
    return [
        line(meter_id, cost, quantity=quantity, cost_type=basis, unit_of_measure=unit)
        for basis in (A, M)
    ]


def crafted_lines() -> tuple[list[CostLine], list[CostLine]]:
    """The day of the module docstring, as the two bases' stored lines."""
    lines = [
        *both(GPT4O_IN.meter_id, "0.75", "3", "1K"),
        *both(GPT4O_OUT.meter_id, "0.40", "0.4", "1K"),
        *both("m-unknown", "2.50", "1", "1"),
        line(PTU_GLOBAL.meter_id, "0", quantity="960", unit_of_measure="1/Hour",
             pricing_model=RESERVED),
        line(PTU_GLOBAL.meter_id, "12.00", quantity="960", unit_of_measure="1/Hour",
             cost_type=M, pricing_model=RESERVED),
        line(PTU_GLOBAL.meter_id, "10400.00", account="", quantity="40",
             unit_of_measure="1/Hour", charge_type=ChargeType.PURCHASE, pricing_model=RESERVED),
        line(PTU_GLOBAL.meter_id, "0.17", account="", quantity="0.5", unit_of_measure="1/Hour",
             charge_type=ChargeType.UNUSED_RESERVATION, cost_type=M, pricing_model=RESERVED),
    ]  # fmt: skip
    return [ln for ln in lines if ln.cost_type is A], [ln for ln in lines if ln.cost_type is M]


def published(
    actual: Sequence[CostLine],
    amortized: Sequence[CostLine],
    usage: Sequence[UsageRecord] = USAGE,
    amortized_usage: Sequence[UsageRecord] | None = None,
    snapshot: InventorySnapshot = SNAPSHOT,
) -> tuple[PeriodDays, PeriodDays]:
    """The two bases allocated and published to the allocation tables, then read back."""
    tables = AllocationTables(MemoryTableGateway())
    tables.publish(publication(actual, usage, 1, (snapshot,), cost_type=A))
    other = usage if amortized_usage is None else amortized_usage
    tables.publish(publication(amortized, other, 1, (snapshot,), cost_type=M))
    days = tables.days(NOV, A), tables.days(NOV, M)
    assert isinstance(days[0], PeriodDays) and isinstance(days[1], PeriodDays)
    return days[0], days[1]


def crafted(use_cases: Sequence[UseCase] = ()) -> FocusExport:
    actual, amortized = crafted_lines()
    return focus_export(*published(actual, amortized), actual, amortized, use_cases)


def by_name(export: FocusExport) -> dict[tuple[str, str], Row]:
    """Each charge's row by (meter id, deployment name or the remainder's reason)."""
    found: dict[tuple[str, str], Row] = {}
    for charge, row in zip(export.charges, focus_rows(export), strict=True):
        who = charge.deployment.name if charge.deployment else str(row["x_UnallocatedReason"])
        found[(charge.origin.meter_id, who)] = row
    return found


def ratio(row: Row) -> Any:
    return row["AllocatedMethodDetails"]["Elements"][0]["AllocatedRatio"]


def test_each_deployment_carries_its_usage_share_of_a_token_line_in_both_bases() -> None:
    rows = by_name(crafted())
    prod, test = rows[(GPT4O_IN.meter_id, "chat-prod")], rows[(GPT4O_IN.meter_id, "chat-test")]
    assert (prod["BilledCost"], prod["EffectiveCost"]) == (Decimal("0.50"), Decimal("0.50"))
    assert (test["BilledCost"], test["EffectiveCost"]) == (Decimal("0.25"), Decimal("0.25"))
    assert (ratio(prod), ratio(test)) == (Decimal("0.666666666667"), Decimal("0.333333333333"))
    assert (prod["PricingQuantity"], test["PricingQuantity"]) == (2, 1)
    assert (prod["ConsumedQuantity"], test["ConsumedQuantity"]) == (2000, 1000)
    assert prod["ConsumedUnit"] == "Tokens" and prod["PricingUnit"] == "1000 Tokens"
    assert prod["AllocatedMethodDetails"] == {
        "Elements": [{"AllocatedRatio": Decimal("0.666666666667"), "UsageUnit": "Tokens",
                      "UsageQuantity": 2000, "x_Driver": "InputTokens"}],
        "x_TotalUsageQuantity": 3000,
    }  # fmt: skip
    assert prod["AllocatedResourceId"] == CHAT.deployment_id
    assert (prod["AllocatedResourceName"], prod["x_DeploymentName"]) == ("chat-prod",) * 2
    assert (prod["x_Model"], prod["x_ModelVersion"], prod["x_DeploymentSku"]) == (
        "gpt-4o", "2024-11-20", "GlobalStandard",
    )  # fmt: skip
    assert (prod["x_TokenKind"], prod["x_DeploymentType"]) == ("input", "global")
    out = rows[(GPT4O_OUT.meter_id, "chat-test")]
    assert (out["BilledCost"], ratio(out), out["PricingQuantity"]) == (
        Decimal("0.30"), Decimal("0.75"), Decimal("0.3"),
    )  # fmt: skip


def test_reservation_covered_hours_are_billed_zero_and_split_their_amortized_cost() -> None:
    rows = by_name(crafted())
    a, b = rows[(PTU_GLOBAL.meter_id, "ptu-a")], rows[(PTU_GLOBAL.meter_id, "ptu-b")]
    assert (a["BilledCost"], a["EffectiveCost"], b["BilledCost"], b["EffectiveCost"]) == (
        0, Decimal("9.00"), 0, Decimal("3.00"),
    )  # fmt: skip
    assert (ratio(a), ratio(b)) == (Decimal("0.75"), Decimal("0.25"))
    assert (a["PricingQuantity"], a["ConsumedQuantity"], a["ConsumedUnit"]) == (720, 720, "Hours")
    details = a["AllocatedMethodDetails"]
    assert isinstance(details, dict)
    assert details["Elements"][0]["UsageUnit"] == "PTU-Hours"
    assert details["Elements"][0]["UsageQuantity"] == 720
    assert (a["ChargeCategory"], a["PricingCategory"], a["x_PricingModel"]) == (
        "Usage", "Committed", "Reservation",
    )  # fmt: skip
    assert (a["ListCost"], a["ContractedCost"]) == (Decimal("9.00"), Decimal("9.00"))


def test_a_purchase_is_billed_only_and_unused_hours_are_effective_only_each_a_remainder() -> None:
    rows = by_name(crafted())
    bought = rows[(PTU_GLOBAL.meter_id, UnallocatedReason.RESERVATION_PURCHASE.value)]
    unused = rows[(PTU_GLOBAL.meter_id, UnallocatedReason.UNUSED_RESERVATION.value)]
    assert (bought["BilledCost"], bought["EffectiveCost"]) == (Decimal("10400.00"), 0)
    assert (unused["BilledCost"], unused["EffectiveCost"]) == (0, Decimal("0.17"))
    for row in (bought, unused):
        assert row["AllocatedMethodId"] == METHOD_ID
        assert row["AllocatedResourceId"] is None and row["AllocatedResourceName"] is None
        assert ratio(row) == 1 and row["ConsumedQuantity"] is None
        assert row["ResourceId"] is None and row["SubAccountId"] is None
        assert row["BillingAccountId"] == "/subscriptions/s1"  # the period's one subscription
    assert (bought["ChargeCategory"], bought["PricingCategory"]) == ("Purchase", "Standard")
    assert (bought["ListCost"], bought["ContractedCost"]) == (Decimal("10400.00"),) * 2
    assert (unused["ChargeCategory"], unused["PricingCategory"]) == ("Usage", "Committed")
    assert unused["x_ChargeType"] == "UnusedReservation"
    unknown = rows[("m-unknown", UnallocatedReason.UNKNOWN_METER.value)]
    assert unknown["AllocatedMethodDetails"] == {
        "Elements": [{"AllocatedRatio": 1, "x_UnallocatedReason": "unknown-meter"}]
    }


@pytest.mark.parametrize("metric", ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost",
                                    "PricingQuantity", "ConsumedQuantity"])  # fmt: skip
def test_the_allocated_charges_of_each_origin_sum_to_it_and_their_ratios_to_one(
    metric: str,
) -> None:
    export = crafted()
    rows = focus_rows(export)
    sums: dict[object, Decimal] = defaultdict(Decimal)
    ratios: dict[object, Decimal] = defaultdict(Decimal)
    origins = {}
    for charge, row in zip(export.charges, rows, strict=True):
        value = row[metric]
        with money_context():
            sums[charge.origin] += value if isinstance(value, Decimal) else Decimal(0)
            ratios[charge.origin] += Decimal(str(ratio(row)))
        origins[charge.origin] = row
    assert len(origins) == 6 and all(r == 1 for r in ratios.values()), ratios
    for origin in origins:
        expected = {
            "BilledCost": origin.billed,
            "EffectiveCost": origin.effective,
            "PricingQuantity": origin.quantity,
        }.get(metric)
        if expected is not None:
            assert sums[origin] == expected, (metric, origin)
    if metric == "ConsumedQuantity":  # tokens (1K blocks), hours; none for non-usage lines
        assert {o.meter_id: sums[o] for o in origins if sums[o]} == {
            GPT4O_IN.meter_id: 3000, GPT4O_OUT.meter_id: 400, PTU_GLOBAL.meter_id: 960,
            "m-unknown": 1,
        }  # fmt: skip
    total = sum(sums.values(), Decimal(0))
    assert total == {
        "BilledCost": Decimal("10403.65"), "EffectiveCost": Decimal("15.82"),
        "ListCost": Decimal("10415.82"), "ContractedCost": Decimal("10415.82"),
        "PricingQuantity": Decimal("1004.9"), "ConsumedQuantity": Decimal("4361"),
    }[metric]  # fmt: skip


def test_every_dimension_of_an_allocated_charge_is_its_origin_charges() -> None:
    export = crafted()
    seen: dict[object, dict[str, Any]] = {}
    dimensions = [
        name for name, column in COLUMNS.items()
        if column.column_type is ColumnType.DIMENSION and not name.startswith("Allocated")
    ]  # fmt: skip
    checked = 0
    for charge, row in zip(export.charges, focus_rows(export), strict=True):
        mine = {name: row[name] for name in dimensions if name in row}
        first = seen.setdefault(charge.origin, mine)
        assert mine == first, charge.origin
        checked += first is not mine
    assert checked == 3  # the second share of input, output and PTU hours
    rows = by_name(export)
    prod = rows[(GPT4O_IN.meter_id, "chat-prod")]
    assert (prod["ResourceId"], prod["ResourceName"], prod["SubAccountId"]) == (
        ACC, "acc", "/subscriptions/s1",
    )  # fmt: skip
    assert (prod["ChargePeriodStart"], prod["ChargePeriodEnd"], prod["BillingPeriodEnd"]) == (
        datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )  # fmt: skip
    assert (prod["SkuId"], prod["SkuPriceId"], prod["SkuMeter"]) == (
        GPT4O_IN.meter_id, GPT4O_IN.meter_id, f"meter {GPT4O_IN.meter_id}",
    )  # fmt: skip


def test_a_stored_line_that_changed_since_the_publication_refuses_the_export() -> None:
    actual, amortized = crafted_lines()
    days = published(actual, amortized)
    restated = [replace(ln, cost=Decimal("0.80")) if ln.meter_id == GPT4O_IN.meter_id else ln
                for ln in actual]  # fmt: skip
    with pytest.raises(ConcurrentPublication, match=r"published 0\.75, stored 0\.8\)"):
        focus_export(*days, restated, amortized)
    later = [*amortized, line(GPT4O_IN.meter_id, "1", date(2026, 11, 4), cost_type=M)]
    with pytest.raises(ConcurrentPublication, match=r"2026-11-04 .* is not published"):
        focus_export(*days, actual, later)
    dropped = [ln for ln in actual if ln.meter_id != "m-unknown"]
    with pytest.raises(ConcurrentPublication, match="is not a stored cost line"):
        focus_export(*days, dropped, amortized)
    assert focus_export(*days, actual, amortized).charges  # the same lines: fine


def test_bases_allocated_from_different_usage_refuse_the_export() -> None:
    actual, amortized = crafted_lines()
    other = [use("chat-prod", 2000, 100, 5), use("chat-test", 3000, 300, 5)]
    days = published(actual, amortized, amortized_usage=other)
    with pytest.raises(ConcurrentPublication, match=r"split .* differently"):
        focus_export(*days, actual, amortized)


def test_use_cases_name_the_deployments_they_take_whole_or_slice() -> None:
    outcome = Outcome("resolved query", OutcomeSource(SourceType.PUSH))
    sliced = ((CallerKind.APIM_SUBSCRIPTIONS, ("sub-b", "sub-a")),)
    whole = UseCase("support-bot", "support", "CC-1042", outcome,
                    (DeploymentEntry(CHAT.key, CHAT.deployment_id),))  # fmt: skip
    slicer = UseCase("summarizer", "docs", "", outcome,
                     (DeploymentEntry(TEST.key, TEST.deployment_id, sliced),))  # fmt: skip
    rows = by_name(crafted([whole, slicer]))
    prod, test = rows[(GPT4O_IN.meter_id, "chat-prod")], rows[(GPT4O_IN.meter_id, "chat-test")]
    assert prod["x_UseCase"] == "support-bot" and prod["x_UseCaseCallers"] is None
    assert prod["AllocatedTags"] == {
        "aoai-finops/useCase": "support-bot", "aoai-finops/owner": "support",
        "aoai-finops/costCenter": "CC-1042",
    }  # fmt: skip
    assert test["x_UseCase"] is None and test["AllocatedTags"] is None
    assert test["x_UseCaseCallers"] == {"summarizer": {"apimSubscriptions": ["sub-a", "sub-b"]}}


def test_billing_account_is_the_billing_scope_else_the_subscription_else_unknown() -> None:
    scope = "/providers/Microsoft.Billing/billingAccounts/8611537"
    assert billing_scope(["/subscriptions/s1", scope + "/"]) == scope
    assert billing_scope(["/subscriptions/s1"]) is None
    assert billing_scope([scope, scope + "2"]) is None  # two: neither is the bill's
    export = crafted()
    assert {r["BillingAccountId"] for r in focus_rows(export, scope)} == {scope}
    other = "/subscriptions/s2/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/b"
    billed = next(c for c in export.charges if c.origin.account_id)
    moved = replace(billed, origin=replace(billed.origin, account_id=other))
    two = replace(export, charges=(*export.charges, moved))
    ids = {(r["ResourceId"], r["BillingAccountId"]) for r in focus_rows(two)}
    assert (other, "/subscriptions/s2") in ids and (ACC, "/subscriptions/s1") in ids
    assert (None, UNKNOWN_BILLING_ACCOUNT) in ids  # no resource, two subscriptions: not known


# -- property: any split of any lines ---------------------------------------------------------

NAMES = ("d0", "d1", "d2", "d3")
SPLIT_SNAPSHOT = InventorySnapshot.on(date(2026, 10, 1), tuple(dep(n) for n in NAMES))
amounts = st.decimals(min_value=Decimal("-100"), max_value=Decimal("10000"), places=6)
quantities = st.decimals(min_value=Decimal(0), max_value=Decimal("100000"), places=4)


@st.composite
def tenant_days(draw: st.DrawFn) -> tuple[list[CostLine], list[UsageRecord]]:
    """Up to 6 days, each an input line in one or both bases (or an unknown meter), split
    between up to 4 deployments by random prompt tokens (0 for some: they carry nothing)."""
    lines: list[CostLine] = []
    usage: list[UsageRecord] = []
    for offset in range(draw(st.integers(1, 6))):
        day = date(2026, 11, 1 + offset)
        meter = draw(st.sampled_from([GPT4O_IN.meter_id, GPT4O_IN.meter_id, "m-unknown"]))
        quantity = draw(quantities)
        for basis in draw(st.sampled_from([(A,), (M,), (A, M), (A, M)])):
            lines.append(line(meter, draw(amounts), day, quantity=quantity, cost_type=basis,
                              unit_of_measure="1K"))  # fmt: skip
        for name in NAMES:
            tokens = draw(st.integers(0, 10**9) | st.just(0))
            usage.append(use(name, tokens, 0, 1, day))
    return lines, usage


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tenant_days())
def test_any_split_keeps_every_origin_whole_in_every_summable_metric(
    drawn: tuple[list[CostLine], list[UsageRecord]],
) -> None:
    lines, usage = drawn
    # A basis with no line is published as no data (never a FOCUS export): give it one.
    actual = [ln for ln in lines if ln.cost_type is A] or [
        line("m-unknown", "0", quantity="0", unit_of_measure="1K")
    ]
    amortized = [ln for ln in lines if ln.cost_type is M] or [
        line("m-unknown", "0", quantity="0", unit_of_measure="1K", cost_type=M)
    ]
    days = published(actual, amortized, usage, snapshot=SPLIT_SNAPSHOT)
    export = focus_export(*days, actual, amortized)
    groups: dict[OriginCharge, list[tuple[AllocatedCharge, Row]]] = defaultdict(list)
    for charge, row in zip(export.charges, focus_rows(export), strict=True):
        groups[charge.origin].append((charge, row))
    stored = {(ln.cost_type, ln.date, ln.meter_id): ln for ln in (*actual, *amortized)}
    assert len(groups) == len({(d, m) for _, d, m in stored})
    with money_context():
        for origin, members in groups.items():
            rows = [row for _, row in members]
            billed = stored.get((A, origin.date, origin.meter_id))
            effective = stored.get((M, origin.date, origin.meter_id))
            assert sum(Decimal(str(ratio(r))) for r in rows) == 1
            assert sum(r["BilledCost"] for r in rows) == (billed.cost if billed else 0)
            assert sum(r["EffectiveCost"] for r in rows) == (effective.cost if effective else 0)
            source = billed or effective
            assert source is not None
            quantity = source.quantity
            assert sum(r["PricingQuantity"] for r in rows) == quantity
            consumed = [r["ConsumedQuantity"] for r in rows]
            assert sum(consumed) == quantity * 1000
            for metric in ("ListCost", "ContractedCost"):
                assert sum(r[metric] for r in rows) == sum(r["EffectiveCost"] for r in rows)
            assert all(0 <= Decimal(str(ratio(r))) <= 1 for r in rows)
            assert len({(r["ChargePeriodStart"], r["SkuId"], r["ResourceId"]) for r in rows}) == 1
