"""The published allocation: `periods` (the summary readers follow), `allocations`, `unitcosts`,
`unallocated` and `reconciliation` rows, written by generation and committed by one write.

Publication (see docs/publication.md):

1. Every allocation run has a new generation id (`20261101T063000-1a2b3c4d`: when, and random).
   It writes its rows under that id, where no reader looks yet: the period's `unitcosts`,
   `unallocated` and `reconciliation` partitions `{period}|{costType}|{generation}`, and the daily
   `allocations` rows `{date}|{generation}|{n}` of the days whose content changed: one per
   deployment-day with its meters packed, and the day's unallocated lines in as few rows as the
   entity limits allow. A day whose content (digest) equals the published day keeps the
   published rows and writes nothing.
2. It commits by one conditional write (ETag) of the summary `periods` `{costType}`/`{period}`:
   totals, the generation, per day the digest and generation of its live rows, and the sequence of
   the inputs it read. A summary of a larger input sequence is never replaced: the slower
   allocation of older inputs loses, deletes what it wrote and changes nothing readers see.
3. Readers read the summary, then the rows of its generation, then the summary again: if it
   changed meanwhile they read again. Rows of a generation are deleted only after it stopped
   being live, so a reader that saw it live twice read all of its rows. What was read of a live
   generation is kept (`generation_cache.py`): its rows never change, so a later read of the same
   generation costs one point read of the summary.
4. After committing, the superseded generation's rows are deleted, and so are rows of generations
   that never became live and are older than `ORPHAN_AGE` (a run that stopped half-way).

A re-allocation whose output is the same writes nothing at all; one that changed one day writes
that day's rows and the period's read models (a few rows per deployment).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import TypeVar, cast

from shared.adapters.storage import reconciliation_table
from shared.adapters.storage.deployment_columns import deployment_columns, deployment_of
from shared.adapters.storage.generation_cache import GenerationCache
from shared.adapters.storage.reconciliation_table import ReconciliationTable
from shared.adapters.storage.table_gateway import (
    PK,
    RK,
    Entity,
    EtagMismatch,
    TableGateway,
    Versioned,
    exact_range,
    prefix_range,
)
from shared.adapters.storage.table_keys import account_key, day_text, parse_day
from shared.core.allocated_lines import AllocatedLine
from shared.core.allocation import UnallocatedLine, UnallocatedReason
from shared.core.arm_ids import deployment_key_of
from shared.core.clock import utc_now
from shared.core.costs import ChargeType, CostType, PricingModel
from shared.core.digest import digest
from shared.core.meters import TokenKind
from shared.core.money import in_money_context
from shared.core.period import BillingPeriod
from shared.core.reconciliation import Reconciliation, merged
from shared.core.reports import (
    DailyCost,
    PeriodDays,
    PeriodReport,
    PeriodSummary,
    Publication,
    PublishStatus,
    Unpublished,
)
from shared.core.resource_id import id_key
from shared.core.shards import AccountShard
from shared.core.unit_costs import UnallocatedTotal, UnitCost
from shared.errors import ConcurrentPublication, CurrencyMismatch

ALLOCATIONS = "allocations"
UNITCOSTS = "unitcosts"
UNALLOCATED = "unallocated"
PERIODS = "periods"
TABLES = (ALLOCATIONS, UNITCOSTS, UNALLOCATED, PERIODS)
UNALLOCATED_PARTITION = "_unallocated"
PACKED_CHARS = 30_000  # per string property (Table Storage: 32K UTF-16 characters)
PACKED_PROPERTIES = 15  # per entity (1 MiB, UTF-16)
SPILLED_PROPERTIES = 12  # of a summary's day map (with its other properties within 1 MiB)
ORPHAN_AGE = timedelta(hours=1)
ATTEMPTS = 5
READ_ATTEMPTS = 4
_GEN_TIME = "%Y%m%dT%H%M%S"

_GENERATION = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{8}$")
T = TypeVar("T")

log = logging.getLogger(__name__)


class SummaryState(Enum):
    PUBLISHED = "published"
    NO_DATA = "no-data"


@dataclass(frozen=True)
class _Day:
    digest: str
    generation: str


@dataclass(frozen=True)
class _Part:
    """One shard's read models in a folded summary: the generation of its partitions."""

    index: int
    generation: str
    models_digest: str
    unit_rows: int
    unallocated_rows: int


@dataclass(frozen=True)
class _Summary:
    """The `periods` entity readers follow. A folded (sharded) summary names its parts, and its
    days are `{day}#{shard index}`."""

    state: SummaryState
    input_sequence: int
    digest: str
    generation: str = ""
    reason: str = ""
    days: dict[str, _Day] = field(default_factory=dict)
    clean: bool = True  # False until the rows it superseded are known to be gone
    swept_at: datetime | None = None  # when rows of other generations were last swept
    parts: tuple[_Part, ...] = ()

    @classmethod
    def parse(cls, row: Entity) -> _Summary:
        days = json.loads(_joined(row, "Days") or "{}")
        parts = json.loads(_joined(row, "Parts") or "[]")
        return cls(
            state=SummaryState(str(row.get("State") or SummaryState.PUBLISHED.value)),
            input_sequence=int(row.get("InputSeq", -1)),
            digest=str(row.get("Digest", "")),
            generation=str(row.get("Generation", "")),
            reason=str(row.get("Reason", "")),
            days={day: _Day(*pair) for day, pair in days.items()},
            clean=bool(row.get("Clean", True)),
            swept_at=datetime.fromisoformat(str(row["SweptAt"])) if row.get("SweptAt") else None,
            parts=tuple(_Part(*part) for part in parts),
        )

    @property
    def identity(self) -> tuple[str, str, int]:
        """What a commit changes (a sweep's bookkeeping does not)."""
        return self.generation, self.digest, self.input_sequence

    @property
    def model_generations(self) -> tuple[str, ...]:
        """The generations of its read-model partitions: each part's, or its own."""
        return tuple(p.generation for p in self.parts) if self.parts else (self.generation,)

    def part(self, index: int) -> _Part | None:
        return next((p for p in self.parts if p.index == index), None)

    def live_day_rows(self) -> set[tuple[str, str]]:
        return {(day.split("#", 1)[0], d.generation) for day, d in self.days.items()}


@dataclass(frozen=True)
class _PartRecord:
    """A shard's stored part (`periods` `{costType}|parts|{period}` / `{seq}|{plan}|{index}`):
    what the fold needs, and the rows it names (kept from deletion while it may still fold)."""

    index: int
    count: int
    plan: str
    input_sequence: int
    fresh: str  # the generation of the rows this run wrote
    generation: str  # of its read-model partitions (fresh, or a live part's it kept)
    models_digest: str
    days: dict[str, _Day]
    empty: bool
    entity: Entity

    @classmethod
    def parse(cls, row: Entity) -> _PartRecord:
        days = json.loads(_joined(row, "Days") or "{}")
        return cls(
            index=int(row["Index"]),
            count=int(row["Count"]),
            plan=str(row["Plan"]),
            input_sequence=int(row["InputSeq"]),
            fresh=str(row["Fresh"]),
            generation=str(row.get("Generation", "")),
            models_digest=str(row.get("ModelsDigest", "")),
            days={day: _Day(*pair) for day, pair in days.items()},
            empty=bool(row.get("Empty", False)),
            entity=row,
        )

    def named_rows(self) -> set[tuple[str, str]]:
        return {(day, d.generation) for day, d in self.days.items()}


@dataclass
class _Plan:
    """One publication's rows, computed once; written at most once whatever the retries."""

    publication: Publication
    generation: str
    day_rows: dict[str, list[Entity]]  # day -> rows without generation
    day_digests: dict[str, str]
    models_digest: str
    digest: str
    written_days: set[str] = field(default_factory=set)
    wrote_models: bool = False


class AllocationTables:
    """Publishes allocations and reads the published ones (the ResultPublisher and
    PublishedResults ports)."""

    def __init__(self, gateway: TableGateway, clock: Callable[[], datetime] = utc_now) -> None:
        self._gateway = gateway
        self._clock = clock
        self._reconciliations = ReconciliationTable(gateway)
        self._read_cache: GenerationCache[object] = GenerationCache()

    # -- writing -------------------------------------------------------------------------------

    def publish(self, publication: Publication) -> PublishStatus:
        """Publish the allocation unless a newer one is published; see the module docstring."""
        plan = self._plan(publication)

        def summary(head: _Summary | None) -> Entity:
            days = self._write_rows(plan, head)
            self._write_models_once(plan)
            return self._summary_entity(plan, days)

        a = publication.allocation
        return self._commit(
            a.period, a.cost_type, publication.input_sequence, plan.digest, summary, plan
        )

    def _commit(
        self,
        period: BillingPeriod,
        cost_type: CostType,
        input_sequence: int,
        whole: str,
        summary: Callable[[_Summary | None], Entity],
        own: _Plan | None = None,
    ) -> PublishStatus:
        """Commit the summary `summary` builds for the live one (writing the rows it needs) by one
        conditional write, unless newer inputs or the same digest `whole` are published; a lost
        race looks again. What `own` wrote is deleted if it never becomes live."""
        for _ in range(ATTEMPTS):
            found = self._gateway.get(PERIODS, cost_type.value, str(period))
            head = _Summary.parse(found.entity) if found else None
            if head and head.input_sequence > input_sequence:
                self._discard(own)
                log.warning(
                    "%s %s: allocation of inputs %d not published, inputs %d already are",
                    period, cost_type.value, input_sequence, head.input_sequence,
                )  # fmt: skip
                return PublishStatus.STALE
            if head and head.state is SummaryState.PUBLISHED and head.digest == whole:
                self._discard(own)
                if found and self._due(head):  # left rows, or a crashed run may have: sweep
                    self._finish(
                        period, cost_type, None, head, found.entity, found.etag, record_sweep=True
                    )
                return PublishStatus.UNCHANGED
            entity = summary(head)
            try:
                etag = self._gateway.put_if(PERIODS, entity, found.etag if found else None)
            except EtagMismatch:
                continue  # another allocation committed meanwhile: look at it again
            self._finish(period, cost_type, head, _Summary.parse(entity), entity, etag, own)
            return PublishStatus.PUBLISHED
        self._discard(own)
        raise ConcurrentPublication(f"{period} {cost_type.value}: kept losing the commit race")

    def publish_part(self, shard: AccountShard, publication: Publication) -> PublishStatus:
        """Store one shard's part of a period and, once every shard of its plan and input
        version is stored, fold them into the summary readers follow (one conditional write, the
        rules of `publish`); WAITING until then."""
        plan = self._plan(publication)
        a, input_sequence = publication.allocation, publication.input_sequence
        period, cost_type = a.period, a.cost_type
        for _ in range(ATTEMPTS):
            found = self._gateway.get(PERIODS, cost_type.value, str(period))
            head = _Summary.parse(found.entity) if found else None
            if head and head.input_sequence > input_sequence:
                self._discard(plan)
                return PublishStatus.STALE
            record = self._part_entity(shard, plan, head)
            stored = self._gateway.get(PERIODS, str(record[PK]), str(record[RK]))
            if stored is None or not _same_part(stored.entity, record):
                self._gateway.write(PERIODS, [record], [])  # a re-run of the same part: no write
            again = self._gateway.get(PERIODS, cost_type.value, str(period))
            after = _Summary.parse(again.entity) if again else None
            # The rows the part keeps were live in `head`; once the record is stored no commit
            # deletes them (`_collect` spares what stored parts name). A commit in between may
            # have: then look again.
            if (head.identity if head else None) == (after.identity if after else None):
                return self._fold(period, cost_type, shard, input_sequence)
        raise ConcurrentPublication(f"{period} {cost_type.value} {shard}: kept losing the race")

    def _part_entity(self, shard: AccountShard, plan: _Plan, head: _Summary | None) -> Entity:
        """The shard's part record, after writing the rows it needs that the live summary lacks."""
        days = self._write_rows(plan, head, f"#{shard.index}")
        live = head.part(shard.index) if head and head.state is SummaryState.PUBLISHED else None
        if live is not None and live.models_digest == plan.models_digest:
            generation = live.generation
        else:
            self._write_models_once(plan)
            generation = plan.generation
        a, pub = plan.publication.allocation, plan.publication
        return {
            PK: _parts_partition(a.period, a.cost_type),
            RK: f"{pub.input_sequence:012d}|{shard.plan}|{shard.index:04d}",
            "Index": shard.index,
            "Count": shard.count,
            "Plan": shard.plan,
            "InputSeq": pub.input_sequence,
            "StoredAt": self._clock().isoformat(),
            **_spilled("Days", _days_json(days)),
            "Fresh": plan.generation if _names(plan.generation, generation, days) else "",
            "Generation": generation,
            "ModelsDigest": plan.models_digest,
            "Empty": not a.allocated and not a.unallocated,  # no lines: no currency of its own
            **_total_columns(pub),
        }

    def _fold(
        self, period: BillingPeriod, cost_type: CostType, shard: AccountShard, input_sequence: int
    ) -> PublishStatus:
        """Commit the summary of the shards' parts if every one of them is stored."""
        parts = {
            r.index: r
            for r in self._part_records(period, cost_type)
            if r.plan == shard.plan and r.input_sequence == input_sequence
        }
        if set(parts) != set(range(shard.count)):
            return PublishStatus.WAITING
        records = [parts[i] for i in range(shard.count)]
        if all(r.empty for r in records):
            reason = f"no {cost_type.value} lines have been collected for this period"
            return self.publish_no_data(period, cost_type, reason, input_sequence)
        entity = _folded_entity(period, cost_type, input_sequence, records)
        entity["PublishedAt"] = entity["SweptAt"] = self._clock().isoformat()
        return self._commit(
            period, cost_type, input_sequence, str(entity["Digest"]), lambda _head: entity
        )

    def _part_records(self, period: BillingPeriod, cost_type: CostType) -> list[_PartRecord]:
        rows = self._gateway.query(PERIODS, *exact_range(_parts_partition(period, cost_type)))
        return [_PartRecord.parse(row) for row in rows]

    def publish_no_data(
        self, period: BillingPeriod, cost_type: CostType, reason: str, input_sequence: int
    ) -> PublishStatus:
        """Record that the period has nothing to publish (readers answer 404 with the reason)."""
        for _ in range(ATTEMPTS):
            found = self._gateway.get(PERIODS, cost_type.value, str(period))
            head = _Summary.parse(found.entity) if found else None
            if head and head.input_sequence > input_sequence:
                return PublishStatus.STALE
            if head and head.state is SummaryState.NO_DATA and head.reason == reason:
                return PublishStatus.UNCHANGED
            entity: Entity = {
                PK: cost_type.value,
                RK: str(period),
                "State": SummaryState.NO_DATA.value,
                "Reason": reason,
                "InputSeq": input_sequence,
                "Digest": digest("no-data", reason),
                "Clean": False,
                "PublishedAt": self._clock().isoformat(),
                "SweptAt": self._clock().isoformat(),
            }
            try:
                etag = self._gateway.put_if(PERIODS, entity, found.etag if found else None)
            except EtagMismatch:
                continue
            self._finish(period, cost_type, head, _Summary.parse(entity), entity, etag)
            return PublishStatus.PUBLISHED
        raise ConcurrentPublication(f"{period} {cost_type.value}: kept losing the commit race")

    def _plan(self, publication: Publication) -> _Plan:
        allocation = publication.allocation
        base = f"{allocation.period}|{allocation.cost_type.value}"
        day_rows = _packed_days(base, allocation.allocated, allocation.unallocated)
        day_digests = {day: _entities_digest(rows) for day, rows in sorted(day_rows.items())}
        models = [
            *(_unit_entity("", u) for u in publication.unit_costs),
            *(_unallocated_entity("", t) for t in publication.unallocated_totals),
        ]
        models_digest = digest(
            _entities_digest(models),
            _reconciliation_digest(publication.reconciliation),
            _totals(publication),
        )
        whole = digest(json.dumps(day_digests, sort_keys=True), models_digest)
        return _Plan(
            publication, self._new_generation(), day_rows, day_digests, models_digest, whole
        )

    def _new_generation(self) -> str:
        return f"{self._clock().astimezone(UTC).strftime(_GEN_TIME)}-{secrets.token_hex(4)}"

    def _write_rows(self, plan: _Plan, head: _Summary | None, suffix: str = "") -> dict[str, _Day]:
        """Write the rows this commit needs (once each); returns the days the summary names.
        A day whose digest equals the live one (`{day}{suffix}` in the summary) keeps its rows."""
        live = head.days if head and head.state is SummaryState.PUBLISHED else {}
        days: dict[str, _Day] = {}
        for day, day_digest in plan.day_digests.items():
            kept = live.get(day + suffix)
            days[day] = (
                kept if kept and kept.digest == day_digest else _Day(day_digest, plan.generation)
            )
        fresh = [d for d, v in days.items() if v.generation == plan.generation]
        rows = [
            _with_generation(row, plan.generation)
            for day in fresh
            if day not in plan.written_days
            for row in plan.day_rows[day]
        ]
        if rows:
            self._gateway.write(ALLOCATIONS, rows, [])
        plan.written_days.update(fresh)
        return days

    def _write_models_once(self, plan: _Plan) -> None:
        if not plan.wrote_models:
            self._write_models(plan)
            plan.wrote_models = True

    def _write_models(self, plan: _Plan) -> None:
        pub, gen = plan.publication, plan.generation
        pk = f"{_base(pub.allocation.period, pub.allocation.cost_type)}|{gen}"
        self._gateway.write(UNITCOSTS, [_unit_entity(pk, u) for u in pub.unit_costs], [])
        self._gateway.write(
            UNALLOCATED, [_unallocated_entity(pk, t) for t in pub.unallocated_totals], []
        )
        self._reconciliations.save(pub.reconciliation, gen)

    def _summary_entity(self, plan: _Plan, days: dict[str, _Day]) -> Entity:
        a = plan.publication.allocation
        return {
            PK: a.cost_type.value,
            RK: str(a.period),
            "State": SummaryState.PUBLISHED.value,
            "InputSeq": plan.publication.input_sequence,
            "Generation": plan.generation,
            "Digest": plan.digest,
            **_spilled("Days", _days_json(days)),
            **_total_columns(plan.publication),
            "Clean": False,
            "PublishedAt": self._clock().isoformat(),
            "SweptAt": self._clock().isoformat(),
        }

    def _finish(
        self,
        period: BillingPeriod,
        cost_type: CostType,
        previous: _Summary | None,
        live: _Summary,
        entity: Entity,
        etag: str,
        own: _Plan | None = None,
        record_sweep: bool = False,
    ) -> None:
        """Delete what the commit superseded (and aged orphans); record whether anything is left
        and when this sweep ran, so a later run knows when to sweep again."""
        kept = self._collect(period, cost_type, previous, live, own)
        updated = {**entity, "Clean": not kept}  # kept: rows of a run in flight, young orphans
        if record_sweep:
            updated["SweptAt"] = self._clock().isoformat()
        if updated == entity:
            return
        # If a newer allocation committed meanwhile, it cleans up after itself.
        with contextlib.suppress(EtagMismatch):
            self._gateway.put_if(PERIODS, updated, etag)

    def _due(self, head: _Summary) -> bool:
        """Whether an unchanged re-allocation should sweep: the last commit left rows behind, or
        the last sweep is older than ORPHAN_AGE (a run that crashed after writing its rows, after
        the live commit, leaves orphans only a sweep finds). At most one write an hour."""
        if not head.clean or head.swept_at is None:
            return True
        return self._clock() - head.swept_at >= ORPHAN_AGE

    def _discard(self, plan: _Plan | None) -> None:
        """Delete what a publication that will never be live wrote."""
        if plan is None or (not plan.wrote_models and not plan.written_days):
            return
        a = plan.publication.allocation
        dead = _Summary(SummaryState.NO_DATA, -1, "", plan.generation)
        self._collect(a.period, a.cost_type, previous=dead, live=None, own=plan)

    def _collect(
        self,
        period: BillingPeriod,
        cost_type: CostType,
        previous: _Summary | None,
        live: _Summary | None,
        own: _Plan | None = None,
    ) -> int:
        """Delete rows of generations known dead (the superseded one, and rows of our own that are
        not live: all of them when we lost, the days a retry reused from another run when we won)
        and of stale orphans; never a row a live or possibly in-flight generation needs.
        Returns how many rows that are not live it had to leave."""
        live_gens = set(live.model_generations) if live else set()
        live_days = live.live_day_rows() if live else set()
        dead_gens = set(previous.model_generations) if previous and previous.generation else set()
        dead_days = previous.live_day_rows() if previous else set()
        if own is not None:
            dead_gens.add(own.generation)
            dead_days |= {(day, own.generation) for day in own.written_days}
        # Rows a stored part names stay while it may still fold (its input version is not older
        # than the live one); a part of older inputs never will: its record and rows go.
        spared_gens: set[str] = set()
        spared_days: set[tuple[str, str]] = set()
        dead_parts = []
        for record in self._part_records(period, cost_type):
            if live is not None and record.input_sequence < live.input_sequence:
                dead_parts.append(record.entity)
                dead_gens.add(record.fresh)
            else:
                spared_gens |= {record.generation, record.fresh}
                spared_days |= record.named_rows()
        dead_gens -= live_gens | spared_gens | {""}
        base = _base(period, cost_type)
        cutoff = self._clock() - ORPHAN_AGE
        replaces_legacy = (
            live is not None
            and previous is not None
            and previous.state is SummaryState.PUBLISHED
            and not previous.generation
        )

        def doomed(generation: str) -> bool:
            if generation in spared_gens:
                return False
            return generation in dead_gens or _older(generation, cutoff)

        kept = 0
        for table in (UNITCOSTS, UNALLOCATED, reconciliation_table.TABLE):
            rows = self._gateway.query(table, *prefix_range(f"{base}|"))
            legacy = self._gateway.query(table, *exact_range(base)) if replaces_legacy else []
            dead = [r for r in rows if str(r[PK])[len(base) + 1 :] not in live_gens]
            gone = [r for r in dead if doomed(str(r[PK])[len(base) + 1 :])]
            kept += len(dead) - len(gone)
            if gone or legacy:
                self._gateway.write(table, [], [*gone, *legacy])
        stale = []
        for row in self._gateway.query(ALLOCATIONS, *prefix_range(f"{base}|")):
            key = _day_generation(row)
            if key is None:
                if replaces_legacy:
                    stale.append(row)
            elif key in live_days:
                continue
            elif key in spared_days:
                kept += 1
            elif key in dead_days or key[1] in dead_gens or _older(key[1], cutoff):
                stale.append(row)
            else:
                kept += 1
        if stale:
            self._gateway.write(ALLOCATIONS, [], stale)
        if dead_parts:
            self._gateway.write(PERIODS, [], dead_parts)
        return kept

    # -- reading -------------------------------------------------------------------------------

    def report(
        self, period: BillingPeriod, cost_type: CostType
    ) -> PeriodReport | Unpublished | None:
        """The published report; `Unpublished` (with the reason) when its allocation found
        nothing to publish; None if the period was never allocated."""

        def read(head: _Summary, row: Entity) -> PeriodReport | None:
            return self._report(period, cost_type, head, row)

        return self._read_consistent(period, cost_type, read, "report")

    def _report(
        self, period: BillingPeriod, cost_type: CostType, head: _Summary, row: Entity
    ) -> PeriodReport | None:
        """The report of the summary `head` (its `row`), or None if its rows are not all there."""
        units, totals = [], []
        for generation in head.model_generations:
            pk = _partition(period, cost_type, generation)
            units.extend(self._gateway.query(UNITCOSTS, *exact_range(pk)))
            totals.extend(self._gateway.query(UNALLOCATED, *exact_range(pk)))
        if head.parts:  # one partition per shard: in the order one partition would have
            units.sort(key=lambda r: str(r[RK]))
            totals.sort(key=lambda r: str(r[RK]))
        if head.generation and (
            len(units) != int(row.get("UnitCostRows", len(units)))
            or len(totals) != int(row.get("UnallocatedRows", len(totals)))
        ):
            return None
        unallocated = sorted((_total(r) for r in totals), key=lambda t: (-t.cost, t.meter_name))
        summary = _period_summary(cost_type, row)
        report = PeriodReport(
            period=period,
            cost_type=cost_type,
            currency=summary.currency,
            billed=summary.billed,
            allocated=summary.allocated,
            unallocated=summary.unallocated,
            unit_costs=tuple(_unit(period, r) for r in units),
            unallocated_totals=tuple(unallocated),
        )
        return report if _adds_up(report) else None

    def reconciliation(
        self, period: BillingPeriod, cost_type: CostType
    ) -> Reconciliation | Unpublished | None:
        """The published allocation's reconciliation report (`Unpublished`, None: as `report`)."""

        def read(head: _Summary, row: Entity) -> Reconciliation | None:
            parts = [
                self._reconciliations.reconciliation(period, cost_type, generation)
                for generation in head.model_generations
            ]
            found = [p for p in parts if p is not None]
            if len(found) != len(parts):
                return None
            return found[0] if len(found) == 1 else merged(found, str(row["Currency"]))

        return self._read_consistent(period, cost_type, read, "reconciliation")

    def days(self, period: BillingPeriod, cost_type: CostType) -> PeriodDays | Unpublished | None:
        """The published daily rows (every deployment's and the unallocated) with the report's
        totals and deployments, all of one generation (`Unpublished`, None: as `report`)."""

        def read(head: _Summary, row: Entity) -> PeriodDays | None:
            live = head.live_day_rows()
            rows = self._gateway.query(ALLOCATIONS, *prefix_range(f"{_base(period, cost_type)}|"))
            daily = tuple(d for r in rows if _day_generation(r) in live for d in stored_lines(r))
            report = self._report(period, cost_type, head, row)
            if report is None:
                return None
            return PeriodDays(
                period=period,
                cost_type=cost_type,
                currency=report.currency,
                billed=report.billed,
                allocated=report.allocated,
                unallocated=report.unallocated,
                deployments=tuple(u.deployment for u in report.unit_costs),
                rows=daily,
                unit_costs=report.unit_costs,
            )

        return self._read_consistent(period, cost_type, read, "days")

    def periods(self) -> list[PeriodSummary]:
        """Every published summary's period, price basis, currency and totals (one query per
        price basis, no rows read); periods whose allocation found nothing are left out."""
        found = []
        for cost_type in CostType:
            for row in self._gateway.query(PERIODS, *exact_range(cost_type.value)):
                if _Summary.parse(row).state is SummaryState.PUBLISHED:
                    found.append(_period_summary(cost_type, row))
        return found

    def summary(self, period: BillingPeriod, cost_type: CostType) -> PeriodSummary | None:
        """The published summary of one period and basis (one point read); None when the
        period was never allocated or its allocation found nothing to publish."""
        found = self._gateway.get(PERIODS, cost_type.value, str(period))
        if found is None or _Summary.parse(found.entity).state is not SummaryState.PUBLISHED:
            return None
        return _period_summary(cost_type, found.entity)

    def live_token(self, period: BillingPeriod, cost_type: CostType) -> str | None:
        """What identifies the live publication of a period and basis (one point read): it
        changes whenever anything a reader of it sees changes; None if never allocated."""
        found = self._gateway.get(PERIODS, cost_type.value, str(period))
        if found is None:
            return None
        head = _Summary.parse(found.entity)
        return f"{head.state.value}|{head.generation}|{head.digest}|{head.input_sequence}"

    def _read_consistent(
        self,
        period: BillingPeriod,
        cost_type: CostType,
        read: Callable[[_Summary, Entity], T | None],
        kind: str,
    ) -> T | Unpublished | None:
        """What `read` builds from the rows of the live generation, seen live before and after
        (a generation read before serves from the cache after one point read of the summary)."""
        for _ in range(READ_ATTEMPTS):
            found = self._gateway.get(PERIODS, cost_type.value, str(period))
            if found is None:
                return None
            head = _Summary.parse(found.entity)
            if head.state is SummaryState.NO_DATA:
                return Unpublished(head.reason)
            key = (kind, str(period), cost_type.value, head.generation, head.digest)
            cached = self._read_cache.get(key) if head.generation else None
            if cached is not None:
                return cast(T, cached)
            value = read(head, found.entity)
            again = self._gateway.get(PERIODS, cost_type.value, str(period))
            if value is not None and _same(found, again):
                if head.generation:  # rows of the layout before generations may still change
                    self._read_cache.put(key, value)
                return value
            if value is None and _same(found, again) and not head.generation:
                return None
        raise ConcurrentPublication(f"{period} {cost_type.value}: the allocation kept changing")


@in_money_context
def _adds_up(report: PeriodReport) -> bool:
    """Whether the rows read add up to the summary (else they are not all of one generation)."""
    allocated = sum((u.cost for u in report.unit_costs), Decimal(0))
    unallocated = sum((t.cost for t in report.unallocated_totals), Decimal(0))
    return (
        allocated == report.allocated
        and unallocated == report.unallocated
        and allocated + unallocated == report.billed
    )


def _period_summary(cost_type: CostType, row: Entity) -> PeriodSummary:
    return PeriodSummary(
        period=BillingPeriod.parse(str(row[RK])),
        cost_type=cost_type,
        currency=str(row["Currency"]),
        billed=Decimal(str(row["Billed"])),
        allocated=Decimal(str(row["Allocated"])),
        unallocated=Decimal(str(row["Unallocated"])),
        published_at=_moment(row.get("PublishedAt")),
        catalogue_version=str(row.get("CatalogueVersion") or ""),
    )


def _names(fresh: str, models: str, days: Mapping[str, _Day]) -> bool:
    """Whether a part names rows of the generation its run wrote (rows of an earlier attempt
    that a retry then kept from the live summary instead are orphans, swept once old)."""
    return models == fresh or any(d.generation == fresh for d in days.values())


def _days_json(days: Mapping[str, _Day]) -> str:
    return json.dumps({d: [v.digest, v.generation] for d, v in sorted(days.items())})


def _total_columns(p: Publication) -> Entity:
    """A publication's totals and row counts, as its summary (or its part record) holds them."""
    a = p.allocation
    return {
        "Currency": a.currency,
        "Billed": str(a.billed),
        "Allocated": str(a.allocated_cost),
        "Unallocated": str(a.unallocated_cost),
        "AllocatedLines": len(a.allocated),
        "UnallocatedLines": len(a.unallocated),
        "Deployments": len(a.deployments),
        "UnitCostRows": len(p.unit_costs),
        "UnallocatedRows": len(p.unallocated_totals),
        "CatalogueVersion": p.catalogue_version,
    }


def _same_part(stored: Entity, record: Entity) -> bool:
    """Whether a part record says what the stored one does (a run that wrote no rows of its own
    keeps the stored run's generation: its rows are the ones named, or gone)."""
    ignored = {"StoredAt", "Fresh"} if not record["Fresh"] else {"StoredAt"}

    def kept(entity: Entity) -> Entity:
        return {name: value for name, value in entity.items() if name not in ignored}

    return kept(stored) == kept(record)


def _parts_partition(period: BillingPeriod, cost_type: CostType) -> str:
    return f"{cost_type.value}|parts|{period}"


@in_money_context
def _folded_entity(
    period: BillingPeriod, cost_type: CostType, input_sequence: int, records: list[_PartRecord]
) -> Entity:
    """The summary of a period's shards: their totals summed, every shard's days and parts."""
    currencies = {str(r.entity["Currency"]) for r in records if not r.empty}
    if len(currencies) > 1:
        raise CurrencyMismatch(currencies)
    days = {
        f"{day}#{r.index}": [d.digest, d.generation] for r in records for day, d in r.days.items()
    }
    parts = [
        [r.index, r.generation, r.models_digest, int(r.entity["UnitCostRows"]),
         int(r.entity["UnallocatedRows"])]
        for r in records
    ]  # fmt: skip
    whole = digest(json.dumps(days, sort_keys=True), json.dumps(parts))

    def total(name: str) -> Decimal:
        return sum((Decimal(str(r.entity[name])) for r in records), Decimal(0))

    def count(name: str) -> int:
        return sum(int(r.entity[name]) for r in records)

    versions = sorted({str(r.entity.get("CatalogueVersion") or "") for r in records})
    return {
        PK: cost_type.value,
        RK: str(period),
        "State": SummaryState.PUBLISHED.value,
        "InputSeq": input_sequence,
        "Generation": f"parts-{whole}",
        "Digest": whole,
        **_spilled("Days", json.dumps(days, sort_keys=True)),
        **_spilled("Parts", json.dumps(parts)),
        "Shards": len(records),
        "Currency": currencies.pop(),
        "Billed": str(total("Billed")),
        "Allocated": str(total("Allocated")),
        "Unallocated": str(total("Unallocated")),
        "AllocatedLines": count("AllocatedLines"),
        "UnallocatedLines": count("UnallocatedLines"),
        "Deployments": count("Deployments"),
        "UnitCostRows": count("UnitCostRows"),
        "UnallocatedRows": count("UnallocatedRows"),
        "CatalogueVersion": ",".join(versions),
        "Clean": False,
    }


def _spilled(name: str, text: str) -> dict[str, str]:
    """`text` in string properties `name`, `name2`, ... of at most PACKED_CHARS characters."""
    pieces = [text[i : i + PACKED_CHARS] for i in range(0, len(text), PACKED_CHARS)] or [""]
    if len(pieces) > SPILLED_PROPERTIES:
        raise ValueError(
            f"{name}: {len(text)} characters do not fit one entity; "
            "raise ALLOCATION_SHARD_ACCOUNTS (fewer, larger shards)"
        )
    return {_numbered(name, i): piece for i, piece in enumerate(pieces)}


def _joined(row: Mapping[str, object], name: str) -> str:
    """What `_spilled` stored under `name`."""
    pieces = []
    index = 0
    while (piece := row.get(_numbered(name, index))) is not None:
        pieces.append(str(piece))
        index += 1
    return "".join(pieces)


def _numbered(name: str, index: int) -> str:
    return name if index == 0 else f"{name}{index + 1}"


def _moment(text: object) -> datetime | None:
    return datetime.fromisoformat(str(text)) if text else None


def _same(a: Versioned, b: Versioned | None) -> bool:
    return b is not None and a.etag == b.etag


def _base(period: BillingPeriod, cost_type: CostType) -> str:
    return f"{period}|{cost_type.value}"


def _partition(period: BillingPeriod, cost_type: CostType, generation: str) -> str:
    """The read models' partition of a generation (`""`: the layout before generations)."""
    base = _base(period, cost_type)
    return f"{base}|{generation}" if generation else base


def _older(generation: str, cutoff: datetime) -> bool:
    """Whether a generation id was made before `cutoff` (unparsable ids are never old)."""
    try:
        made = datetime.strptime(generation.split("-")[0], _GEN_TIME).replace(tzinfo=UTC)
    except ValueError:
        return False
    return made < cutoff


def _entities_digest(rows: Iterable[Entity]) -> str:
    canonical = sorted(json.dumps(r, sort_keys=True) for r in rows)
    return digest(*canonical)


def _reconciliation_digest(report: Reconciliation) -> str:
    return digest(repr(report))


def _totals(p: Publication) -> str:
    a = p.allocation
    return digest(a.currency, a.billed, a.allocated_cost, a.unallocated_cost, len(a.deployments))


def _with_generation(row: Entity, generation: str) -> Entity:
    day, tail = str(row[RK]).split("|", 1)
    return {**row, RK: f"{day}|{generation}|{tail}"}


def _day_generation(row: Entity) -> tuple[str, str] | None:
    """(day, generation) of a daily row, or None for a row of the layout before generations."""
    parts = str(row[RK]).split("|", 2)
    if len(parts) == 3 and _GENERATION.match(parts[1]):
        return parts[0], parts[1]
    return None


def _packed_days(
    base: str, allocated: Sequence[AllocatedLine], unallocated: Sequence[UnallocatedLine]
) -> dict[str, list[Entity]]:
    """Each day's rows before the generation is set: one per deployment-day, its meters packed
    (`{base}|{deployment key}` / `{day}|{n}`), and the day's unallocated lines packed in as few
    rows as the entity limits allow (`{base}|_unallocated` / `{day}|{n}`)."""
    keys: dict[str, str] = {}  # deployment id -> key, parsed once
    by_deployment: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
    for line in allocated:
        key = keys.get(line.deployment_id)
        if key is None:
            key = keys[line.deployment_id] = deployment_key_of(line.deployment_id)
        by_deployment[(day_text(line.date), key)].append(_allocated_fields(line))
    by_day: dict[str, list[list[str]]] = defaultdict(list)
    for un in unallocated:
        by_day[day_text(un.date)].append(_unallocated_fields(un))
    days: dict[str, list[Entity]] = defaultdict(list)
    for (day, partition), lines in by_deployment.items():
        days[day].extend(_packed(f"{base}|{partition}", day, sorted(lines)))
    for day, lines in by_day.items():
        days[day].extend(_packed(f"{base}|{UNALLOCATED_PARTITION}", day, sorted(lines)))
    return dict(days)


def _packed(partition: str, day: str, lines: list[list[str]]) -> list[Entity]:
    """`lines` as JSON in string properties of at most PACKED_CHARS characters (Table Storage
    holds 32K characters per string and 1 MiB per entity), PACKED_PROPERTIES per entity."""
    chunks: list[str] = []
    pending: list[str] = []
    size = 2  # the brackets
    for text in (_lines_json(line) for line in lines):
        if len(text) + 2 > PACKED_CHARS:
            raise ValueError(f"{partition} {day}: one allocation line exceeds {PACKED_CHARS} chars")
        if pending and size + len(text) + 1 > PACKED_CHARS:
            chunks.append(f"[{','.join(pending)}]")
            pending, size = [], 2
        pending.append(text)
        size += len(text) + (1 if len(pending) > 1 else 0)
    if pending:
        chunks.append(f"[{','.join(pending)}]")
    rows: list[Entity] = []
    for n in range(0, len(chunks), PACKED_PROPERTIES):
        packed = chunks[n : n + PACKED_PROPERTIES]
        rows.append({
            PK: partition,
            RK: f"{day}|{n // PACKED_PROPERTIES}",
            "Date": day,
            **{_lines_property(i): text for i, text in enumerate(packed)},
        })  # fmt: skip
    return rows


def _lines_json(line: list[str]) -> str:
    return json.dumps(line, separators=(",", ":"))


def _lines_property(index: int) -> str:
    return _numbered("Lines", index)


def _packed_lines(row: Mapping[str, object]) -> list[list[str]]:
    lines: list[list[str]] = []
    index = 0
    while (text := row.get(_lines_property(index))) is not None:
        lines.extend(json.loads(str(text)))
        index += 1
    return lines


def stored_lines(row: Mapping[str, object]) -> list[DailyCost]:
    """The daily lines of a stored row: packed, or one line per row (the layout before)."""
    partition = str(row[PK]).rsplit("|", 1)[-1]
    unallocated = partition == UNALLOCATED_PARTITION
    if "Lines" not in row:
        return [_daily(row, partition, unallocated)]
    day = parse_day(str(row["Date"]))
    if unallocated:
        return [_unallocated_daily(day, fields) for fields in _packed_lines(row)]
    return [_allocated_daily(partition, day, fields) for fields in _packed_lines(row)]


def _allocated_fields(line: AllocatedLine) -> list[str]:
    return [
        line.deployment_id,
        line.account_id,
        line.meter_id,
        line.meter_name,
        line.kind.value,
        line.charge_type.value,
        line.pricing_model.value,
        str(line.cost),
        str(line.weight),
        _text(line.idle_cost),
    ]


def _allocated_daily(key: str, day: date, fields: list[str]) -> DailyCost:
    deployment_id, account_id, meter_id, meter_name, kind, charge, pricing, cost, weight = fields[
        :9
    ]
    return DailyCost(
        deployment_key=key,
        date=day,
        meter_id=meter_id,
        meter_name=meter_name,
        cost=Decimal(cost),
        kind=TokenKind(kind),
        deployment_id=deployment_id,
        account_id=account_id,
        charge_type=ChargeType(charge),
        pricing_model=PricingModel(pricing),
        weight=Decimal(weight),
    )


def _unallocated_fields(line: UnallocatedLine) -> list[str]:
    return [
        line.account_id,
        line.meter_id,
        line.meter_name,
        line.charge_type.value,
        line.pricing_model.value,
        line.reason.value,
        str(line.cost),
    ]


def _unallocated_daily(day: date, fields: list[str]) -> DailyCost:
    account_id, meter_id, meter_name, charge, pricing, reason, cost = fields
    return DailyCost(
        deployment_key=None,
        date=day,
        meter_id=meter_id,
        meter_name=meter_name,
        cost=Decimal(cost),
        reason=UnallocatedReason(reason),
        account_id=account_id,
        charge_type=ChargeType(charge),
        pricing_model=PricingModel(pricing),
    )


def _daily(row: Mapping[str, object], partition: str, unallocated: bool) -> DailyCost:
    """A row of the layout of one row per deployment x day x meter (read until replaced)."""
    return DailyCost(
        deployment_key=None if unallocated else partition,
        date=parse_day(str(row["Date"])),
        meter_id=str(row["MeterId"]),
        meter_name=str(row["MeterName"]),
        cost=Decimal(str(row["Cost"])),
        kind=None if unallocated else TokenKind(str(row["TokenKind"])),
        deployment_id="" if unallocated else str(row["DeploymentId"]),
        reason=UnallocatedReason(str(row["Reason"])) if unallocated else None,
        account_id=str(row.get("AccountId") or ""),
        charge_type=ChargeType(str(row.get("ChargeType") or ChargeType.USAGE.value)),
        pricing_model=PricingModel(str(row.get("PricingModel") or PricingModel.ON_DEMAND.value)),
        weight=Decimal(str(row["Weight"])) if row.get("Weight") not in (None, "") else None,
    )


def _unallocated_entity(pk: str, t: UnallocatedTotal) -> Entity:
    return {
        PK: pk,
        RK: f"{account_key(t.account_id)}|{digest(id_key(t.meter_id), t.meter_name)}"
        f"|{t.reason.value}",
        "AccountId": t.account_id,
        "MeterId": t.meter_id,
        "MeterName": t.meter_name,
        "Reason": t.reason.value,
        "Cost": str(t.cost),
    }


def _total(row: Entity) -> UnallocatedTotal:
    return UnallocatedTotal(
        account_id=str(row["AccountId"]),
        meter_id=str(row["MeterId"]),
        meter_name=str(row["MeterName"]),
        reason=UnallocatedReason(str(row["Reason"])),
        cost=Decimal(str(row["Cost"])),
    )


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _unit_entity(pk: str, u: UnitCost) -> Entity:
    d = u.deployment
    return {
        PK: pk,
        RK: d.key,
        **deployment_columns(d),
        "Cost": str(u.cost),
        "InputCost": str(u.input_cost),
        "OutputCost": str(u.output_cost),
        "InputTokens": u.input_tokens,
        "OutputTokens": u.output_tokens,
        "Requests": u.requests,
        "ProvisionedCost": str(u.provisioned_cost),
        "IdleCost": _text(u.idle_cost),
        "CostPer1kTokens": _text(u.cost_per_1k_tokens),
        "CostPer1kInputTokens": _text(u.cost_per_1k_input_tokens),
        "CostPer1kOutputTokens": _text(u.cost_per_1k_output_tokens),
        "CostPerRequest": _text(u.cost_per_request),
    }


def _unit(period: BillingPeriod, row: Entity) -> UnitCost:
    return UnitCost(
        period=period,
        deployment=deployment_of(row),
        cost=Decimal(str(row["Cost"])),
        input_cost=Decimal(str(row["InputCost"])),
        output_cost=Decimal(str(row["OutputCost"])),
        input_tokens=int(row["InputTokens"]),
        output_tokens=int(row["OutputTokens"]),
        requests=int(row["Requests"]),
        provisioned_cost=Decimal(str(row.get("ProvisionedCost") or 0)),
        idle_cost=Decimal(str(row["IdleCost"])) if row.get("IdleCost") else None,
    )
