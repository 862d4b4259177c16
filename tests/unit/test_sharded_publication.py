"""Sharded publication (in-memory tables): each shard stores its part, the part that completes
its plan folds them into the summary readers follow, and readers see the whole period or the
previous one; parts of older inputs lose, rows a stored part keeps outlive other commits, and
nothing is left behind."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from bench.tenant import Tenant
from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.adapters.storage.allocation_tables import (
    ALLOCATIONS,
    PERIODS,
    UNALLOCATED,
    UNITCOSTS,
    AllocationTables,
)
from shared.adapters.storage.table_gateway import Entity
from shared.core.allocation import allocate_period
from shared.core.costs import CostLine, CostType
from shared.core.publication import publication_of
from shared.core.reports import PeriodDays, PeriodReport, Publication, PublishStatus, Unpublished
from shared.core.shards import AccountShard, inventory_keys, shard_plan, shard_snapshots
from shared.errors import CurrencyMismatch
from tests.builders import NOW
from tests.fakes import MemoryTableGateway

CATALOGUE = load_bundled_catalogue()
ACTUAL = CostType.ACTUAL
UNKNOWN_METER = "00000000-0000-0000-0000-00000000beef"
ROW_TABLES = (ALLOCATIONS, UNITCOSTS, UNALLOCATED, "reconciliation")


def tenant(deployments: int = 40, days: int = 3) -> Tenant:
    """A generated tenant with unallocated lines too: an unknown meter on every account and day,
    and a purchase without a resource."""
    made = Tenant.generate(deployments, days=days)
    first = made.lines[0]
    extra = [
        dataclasses.replace(ln, meter_id=UNKNOWN_METER, meter_name="?", cost=Decimal("0.37"))
        for ln in made.lines
        if ln.meter_id == first.meter_id
    ]
    extra.append(dataclasses.replace(first, account_id="", meter_id=UNKNOWN_METER, cost=Decimal(9)))
    return dataclasses.replace(made, lines=[*made.lines, *extra])


def whole(t: Tenant, sequence: int, lines: Sequence[CostLine] | None = None) -> Publication:
    own = list(lines if lines is not None else t.lines)
    allocation = allocate_period(t.period, own, t.usage, t.snapshots, CATALOGUE, ACTUAL)
    return publication_of(allocation, own, t.usage, CATALOGUE, sequence)


def part(
    t: Tenant, shard: AccountShard, sequence: int, lines: Sequence[CostLine] | None = None
) -> Publication:
    own = [
        ln for ln in (lines if lines is not None else t.lines) if shard.holds_account(ln.account_id)
    ]
    usage = [u for u in t.usage if shard.holds_account(u.account_id)]
    snaps = shard_snapshots(t.snapshots, shard)
    allocation = allocate_period(t.period, own, usage, snaps, CATALOGUE, ACTUAL)
    return publication_of(allocation, own, usage, CATALOGUE, sequence)


def plan(t: Tenant, size: int = 1) -> tuple[AccountShard, ...]:
    return shard_plan(inventory_keys(t.snapshots), size)


def publish_sharded(
    tables: AllocationTables,
    t: Tenant,
    sequence: int,
    size: int = 1,
    lines: Sequence[CostLine] | None = None,
) -> list[PublishStatus]:
    return [tables.publish_part(s, part(t, s, sequence, lines)) for s in plan(t, size)]


def fresh() -> tuple[AllocationTables, RecordingGateway]:
    gateway = RecordingGateway()
    return AllocationTables(gateway, clock=lambda: NOW), gateway


def report(tables: AllocationTables, t: Tenant) -> PeriodReport:
    found = tables.report(t.period, ACTUAL)
    assert isinstance(found, PeriodReport)
    return found


def days(tables: AllocationTables, t: Tenant) -> PeriodDays:
    found = tables.days(t.period, ACTUAL)
    assert isinstance(found, PeriodDays)
    return found


def row_counts(gateway: MemoryTableGateway) -> dict[str, int]:
    return {name: len(gateway.tables.get(name, {})) for name in ROW_TABLES}


@dataclass
class RecordingGateway(MemoryTableGateway):
    """Records every entity upserted (with its table as `_table`)."""

    upserted: list[Entity] = field(default_factory=list)

    def write(self, table: str, upserts: Sequence[Entity], deletes: Sequence[Entity]) -> None:
        self.upserted.extend({**e, "_table": table} for e in upserts)
        super().write(table, upserts, deletes)


@contextmanager
def upserts(gateway: RecordingGateway) -> Iterator[list[Entity]]:
    """The entities upserted while the block runs."""
    written: list[Entity] = []
    start = len(gateway.upserted)
    try:
        yield written
    finally:
        written.extend(gateway.upserted[start:])


def test_a_period_published_by_shards_reads_as_the_period_published_whole() -> None:
    t = tenant()
    one, _ = fresh()
    assert one.publish(whole(t, 1)) is PublishStatus.PUBLISHED
    sharded, _ = fresh()
    statuses = publish_sharded(sharded, t, 1)

    assert len(statuses) == 4
    assert statuses == [PublishStatus.WAITING] * 3 + [PublishStatus.PUBLISHED]
    expected = report(one, t)
    assert report(sharded, t) == expected
    assert expected.unallocated > 0 and expected.allocated > 0
    assert expected.allocated + expected.unallocated == expected.billed
    assert Counter(days(sharded, t).rows) == Counter(days(one, t).rows)
    assert sharded.reconciliation(t.period, ACTUAL) == one.reconciliation(t.period, ACTUAL)
    assert sharded.summary(t.period, ACTUAL) == one.summary(t.period, ACTUAL)


def test_readers_see_the_previous_period_until_the_last_part_is_stored() -> None:
    t = tenant()
    tables, _ = fresh()
    publish_sharded(tables, t, 1)
    before = report(tables, t)
    token = tables.live_token(t.period, ACTUAL)
    raised = [dataclasses.replace(ln, cost=ln.cost * 2) for ln in t.lines]
    shards = plan(t)
    for shard in shards[:-1]:
        assert tables.publish_part(shard, part(t, shard, 2, raised)) is PublishStatus.WAITING
        assert report(tables, t) == before and tables.live_token(t.period, ACTUAL) == token
    last = tables.publish_part(shards[-1], part(t, shards[-1], 2, raised))

    assert last is PublishStatus.PUBLISHED
    assert report(tables, t).billed == before.billed * 2
    assert tables.live_token(t.period, ACTUAL) != token


def test_a_rerun_writes_no_rows_and_a_restated_day_rewrites_only_its_shards_day() -> None:
    t = tenant()
    tables, gateway = fresh()
    publish_sharded(tables, t, 1)
    with upserts(gateway) as written:
        assert publish_sharded(tables, t, 1)[-1] is PublishStatus.UNCHANGED
    assert written == []
    with upserts(gateway) as written:  # other inputs moved: each part says it is still the same
        assert publish_sharded(tables, t, 2)[-1] is PublishStatus.UNCHANGED
    assert {e["_table"] for e in written} == {PERIODS} and len(written) == len(plan(t))

    shards = plan(t)
    target = next(ln for ln in t.lines if shards[2].holds_account(ln.account_id))
    restated = [dataclasses.replace(ln, cost=ln.cost + 1) if ln == target else ln for ln in t.lines]
    with upserts(gateway) as written:
        assert publish_sharded(tables, t, 3, lines=restated)[-1] is PublishStatus.PUBLISHED
    daily = [e for e in written if e["_table"] == ALLOCATIONS]
    assert daily and {e["Date"] for e in daily} == {target.date.isoformat()}
    models = {str(e["PartitionKey"]) for e in written if e["_table"] == UNITCOSTS}
    assert len(models) == 1  # the restated shard's read models only
    assert report(tables, t).billed == report_of(restated, t).billed


def report_of(lines: Sequence[CostLine], t: Tenant) -> PeriodReport:
    tables, _ = fresh()
    tables.publish(whole(t, 1, lines))
    return report(tables, t)


def test_a_part_of_older_inputs_loses_and_leaves_nothing_behind() -> None:
    t = tenant()
    tables, gateway = fresh()
    publish_sharded(tables, t, 5)
    counts = row_counts(gateway)
    shard = plan(t)[1]
    cheaper = [dataclasses.replace(ln, cost=ln.cost / 2) for ln in t.lines]
    assert tables.publish_part(shard, part(t, shard, 4, cheaper)) is PublishStatus.STALE
    assert row_counts(gateway) == counts
    assert report(tables, t) == report_of(t.lines, t)


def test_parts_of_two_input_versions_never_fold_together() -> None:
    t = tenant(deployments=20)  # two accounts: two shards
    first, second = plan(t)
    tables, gateway = fresh()
    cheaper = [dataclasses.replace(ln, cost=ln.cost / 2) for ln in t.lines]
    assert tables.publish_part(first, part(t, first, 2)) is PublishStatus.WAITING
    assert tables.publish_part(second, part(t, second, 3, cheaper)) is PublishStatus.WAITING
    assert tables.report(t.period, ACTUAL) is None
    assert tables.publish_part(second, part(t, second, 2)) is PublishStatus.PUBLISHED
    assert report(tables, t) == report_of(t.lines, t)
    assert tables.publish_part(first, part(t, first, 3, cheaper)) is PublishStatus.PUBLISHED
    assert report(tables, t) == report_of(cheaper, t)

    only, only_gateway = fresh()
    publish_sharded(only, t, 3, lines=cheaper)
    assert row_counts(gateway) == row_counts(only_gateway)  # nothing of version 2 is left
    parts = [k for k in gateway.tables[PERIODS] if "|parts|" in k[0]]
    assert len(parts) == 2 and all(k[1].startswith(f"{3:012d}|") for k in parts)


def test_rows_a_stored_part_keeps_outlive_a_commit_of_older_inputs() -> None:
    t = tenant(deployments=20)
    first, second = plan(t)
    tables, _ = fresh()
    publish_sharded(tables, t, 1)
    # Version 3's first part keeps the live rows of its shard (nothing of it changed) ...
    assert tables.publish_part(first, part(t, first, 3)) is PublishStatus.WAITING
    # ... then the allocation of version 2 commits, replacing every row of version 1 ...
    doubled = [dataclasses.replace(ln, cost=ln.cost * 2) for ln in t.lines]
    assert tables.publish(whole(t, 2, doubled)) is PublishStatus.PUBLISHED
    # ... and version 3's last part folds a period whose first shard's rows are still there.
    assert tables.publish_part(second, part(t, second, 3)) is PublishStatus.PUBLISHED
    assert report(tables, t) == report_of(t.lines, t)
    assert Counter(days(tables, t).rows) == Counter(days_of(t))


def days_of(t: Tenant) -> tuple[object, ...]:
    tables, _ = fresh()
    tables.publish(whole(t, 1))
    return days(tables, t).rows


def test_switching_between_sharded_and_whole_leaves_only_the_live_rows() -> None:
    t = tenant()
    tables, gateway = fresh()
    publish_sharded(tables, t, 1)
    doubled = [dataclasses.replace(ln, cost=ln.cost * 2) for ln in t.lines]
    assert tables.publish(whole(t, 2, doubled)) is PublishStatus.PUBLISHED
    assert publish_sharded(tables, t, 3, size=2)[-1] is PublishStatus.PUBLISHED

    only, only_gateway = fresh()
    publish_sharded(only, t, 1, size=2)
    assert row_counts(gateway) == row_counts(only_gateway)
    assert report(tables, t) == report(only, t)


def test_a_basis_no_shard_has_lines_of_is_no_data_not_zero() -> None:
    t = tenant(deployments=20)
    tables, _ = fresh()
    statuses = publish_sharded(tables, t, 1, lines=[])
    assert statuses[-1] is PublishStatus.PUBLISHED
    found = tables.report(t.period, ACTUAL)
    assert isinstance(found, Unpublished) and "no ActualCost lines" in found.reason


def test_a_shard_without_lines_still_brings_its_deployments_usage() -> None:
    t = tenant(deployments=20)
    first, second = plan(t)
    lines = [ln for ln in t.lines if first.holds_account(ln.account_id)]
    tables, _ = fresh()
    publish_sharded(tables, t, 1, lines=lines)
    expected = report_of(lines, t)
    assert report(tables, t) == expected
    idle = [u for u in expected.unit_costs if second.holds_account(u.deployment.account_id)]
    assert idle and all(u.cost == 0 and u.input_tokens > 0 for u in idle)


def test_shards_billed_in_two_currencies_do_not_fold() -> None:
    t = tenant(deployments=20)
    first, _second = plan(t)
    mixed = [
        dataclasses.replace(ln, currency="EUR") if first.holds_account(ln.account_id) else ln
        for ln in t.lines
    ]
    tables, _ = fresh()
    with pytest.raises(CurrencyMismatch):
        publish_sharded(tables, t, 1, lines=mixed)
    assert tables.report(t.period, ACTUAL) is None


def test_the_day_map_of_many_shards_spills_over_properties_and_reads_back() -> None:
    t = Tenant.generate(400, days=31)  # 40 accounts, one shard each
    tables, gateway = fresh()
    assert publish_sharded(tables, t, 1)[-1] is PublishStatus.PUBLISHED
    summary = gateway.tables[PERIODS][(ACTUAL.value, str(t.period))]
    assert "Days2" in summary and len(str(summary["Days"])) <= 30_000
    assert report(tables, t) == report_of(t.lines, t)
    assert len(days(tables, t).rows) == len(days_of(t))
