"""The compact daily layout: one row per deployment-day with its meters packed, a day's
unallocated lines in as few rows as Table Storage's limits allow, read back exactly; rows of the
layout before (one per deployment x day x meter) are still read until a publication replaces
them."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.adapters.storage import allocation_tables
from shared.adapters.storage.allocation_tables import (
    ALLOCATIONS,
    PACKED_CHARS,
    PACKED_PROPERTIES,
    AllocationTables,
    stored_lines,
)
from shared.core.allocated_lines import AllocatedLine
from shared.core.allocation import UnallocatedLine, UnallocatedReason
from shared.core.costs import ChargeType, PricingModel
from shared.core.meters import TokenKind
from shared.core.reports import PeriodDays
from tests.builders import NOV, NOW, month_of_lines, month_of_usage, publication
from tests.fakes import MemoryTableGateway

ACCOUNT = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ai"
    "/providers/Microsoft.CognitiveServices/accounts/contoso-{n}"
)
DAY = date(2026, 11, 3)
costs = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal(10**6), places=10)


def unallocated(n: int, cost: Decimal) -> UnallocatedLine:
    return UnallocatedLine(DAY, ACCOUNT.format(n=n), f"meter-{n}", f"gpt 4o Inp glbl {n}",
                           ChargeType.USAGE, PricingModel.ON_DEMAND, UnallocatedReason.NO_USAGE,
                           cost)  # fmt: skip


def allocated(n: int, meter: int, cost: Decimal) -> AllocatedLine:
    account = ACCOUNT.format(n=n)
    return AllocatedLine(DAY, f"{account}/deployments/chat-{n}", account, f"meter-{meter}",
                         f"gpt 4o {meter}", TokenKind.OUTPUT, ChargeType.USAGE,
                         PricingModel.ON_DEMAND, cost, Decimal(1000 + meter))  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(st.lists(costs, min_size=1, max_size=3000), st.integers(1, 6))
def test_a_day_packs_into_rows_within_the_entity_limits_and_reads_back_exactly(
    amounts: list[Decimal], meters: int
) -> None:
    lines = [unallocated(i, c) for i, c in enumerate(amounts)]
    shares = [allocated(i % 7, m, c) for i, c in enumerate(amounts[:50]) for m in range(meters)]
    rows = allocation_tables._packed_days("B", shares, lines)[DAY.isoformat()]
    for row in rows:
        packed = [k for k in row if k.startswith("Lines")]
        assert 1 <= len(packed) <= PACKED_PROPERTIES
        assert all(len(str(row[k])) <= PACKED_CHARS for k in packed)
    deployment_rows = [r for r in rows if not str(r["PartitionKey"]).endswith("|_unallocated")]
    assert len(deployment_rows) == len({s.deployment_id for s in shares})  # one per deployment
    read = [line for row in rows for line in stored_lines(row)]
    assert sorted((d.meter_id, d.account_id, d.cost) for d in read if d.reason) == sorted(
        (u.meter_id, u.account_id, u.cost) for u in lines
    )
    kept = sorted((d.deployment_id, d.meter_id, d.cost, d.weight) for d in read if not d.reason)
    assert kept == sorted((s.deployment_id, s.meter_id, s.cost, s.weight) for s in shares)
    spread = [k for r in rows if r not in deployment_rows for k in r if k.startswith("Lines")]
    whole = sum(
        len(str(r[k])) for r in rows if r not in deployment_rows for k in r if k[:5] == "Lines"
    )
    assert (len(spread) > 1) == (whole > PACKED_CHARS)  # split only when one would not hold it


def test_a_period_writes_at_most_one_row_per_deployment_day_and_one_per_unallocated_day() -> None:
    gateway = MemoryTableGateway()
    pub = publication(month_of_lines(), month_of_usage(), sequence=1)
    AllocationTables(gateway, clock=lambda: NOW).publish(pub)
    rows = gateway.tables[ALLOCATIONS]
    deployment_days = {(d.date, d.deployment_id) for d in pub.allocation.allocated}
    unallocated_days = {u.date for u in pub.allocation.unallocated}
    assert len(rows) == len(deployment_days) + len(unallocated_days)
    assert len(pub.allocation.allocated) > len(deployment_days)  # meters were packed


def test_rows_of_the_layout_before_are_read_and_replaced_by_the_next_publication() -> None:
    gateway = MemoryTableGateway()
    tables = AllocationTables(gateway, clock=lambda: NOW)
    pub = publication(month_of_lines(), month_of_usage(), sequence=1)
    tables.publish(pub)
    packed = gateway.tables[ALLOCATIONS]
    gateway.tables[ALLOCATIONS] = {}
    for (pk, rk), row in packed.items():  # as the layout before wrote them: a row per meter
        for i, share in enumerate(stored_lines(row)):
            gateway.tables[ALLOCATIONS][(pk, f"{rk}-{i}")] = {
                "PartitionKey": pk, "RowKey": f"{rk}-{i}", "Date": share.date.isoformat(),
                "MeterId": share.meter_id, "MeterName": share.meter_name,
                "Cost": str(share.cost), "AccountId": share.account_id,
                "ChargeType": share.charge_type.value, "PricingModel": share.pricing_model.value,
                **({"Reason": share.reason.value} if share.reason else {
                    "DeploymentId": share.deployment_id, "TokenKind": share.kind.value,  # type: ignore[union-attr]
                    "Weight": str(share.weight)}),
            }  # fmt: skip
    before = tables.days(NOV, pub.allocation.cost_type)
    assert isinstance(before, PeriodDays)
    assert sum(r.cost for r in before.rows) == pub.allocation.billed
    assert len(before.rows) == len(pub.allocation.allocated) + len(pub.allocation.unallocated)

    # The layout before had other day digests (of its own rows): the same content rewrites.
    head = gateway.tables["periods"][("ActualCost", str(NOV))]
    days = {day: [f"old-{d}", gen] for day, (d, gen) in json.loads(str(head["Days"])).items()}
    head.update(Digest="older layout", Days=json.dumps(days))
    restated = publication(month_of_lines(), month_of_usage(), sequence=2)
    fresh = AllocationTables(gateway, clock=lambda: NOW)
    fresh.publish(restated)
    assert all("Lines" in row for row in gateway.tables[ALLOCATIONS].values())
    after = fresh.days(NOV, pub.allocation.cost_type)
    assert isinstance(after, PeriodDays)
    assert sorted(after.rows, key=repr) == sorted(before.rows, key=repr)
