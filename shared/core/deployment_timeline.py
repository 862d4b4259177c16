"""When each deployment ran, at which capacity: spans rebuilt from the dated inventory snapshots.

Snapshot i stands for [taken_at_i, taken_at_i+1); the earliest also stands for all time before it
(ARM only tells what exists now, so a backfill uses the earliest knowledge) and the latest for all
time after it. ARM's `systemData` sharpens the edges a snapshot cannot see:
- a deployment first seen in a snapshot started at its `createdAt` when ARM gives one (never
  before the previous snapshot, which did not have it); otherwise when that snapshot was taken
  (or, in the earliest snapshot, at any time before);
- a deployment whose SKU or capacity changed between two snapshots changed at its
  `lastModifiedAt` when that lies between them; otherwise when the later snapshot was taken;
- a deployment missing from snapshot i+1 ran until snapshot i+1 was taken (no deletion time).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from operator import attrgetter

from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.money import ZERO
from shared.core.period import midnight_utc
from shared.core.resource_id import id_key

_SECONDS_PER_HOUR = Decimal(3600)
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class DeployedSpan:
    """One deployment, as configured, running over [start, end); None is open-ended."""

    deployment: Deployment
    start: datetime | None
    end: datetime | None

    def hours_on(self, day: date) -> Decimal:
        """Hours of `day` (UTC) the span covers."""
        day_start = midnight_utc(day)
        lo = day_start if self.start is None else max(self.start, day_start)
        hi = day_start + _DAY if self.end is None else min(self.end, day_start + _DAY)
        if hi <= lo:
            return ZERO
        return Decimal(int((hi - lo).total_seconds())) / _SECONDS_PER_HOUR


@dataclass(frozen=True)
class DeploymentTimeline:
    """Every deployment's spans in time order, by deployment id (`id_key`); answers which
    deployments ran on a day and for how long."""

    by_id: Mapping[str, tuple[DeployedSpan, ...]]

    @classmethod
    def build(cls, snapshots: Sequence[InventorySnapshot]) -> DeploymentTimeline:
        """One span per deployment and configuration (SKU, capacity): unchanged snapshots extend
        the open span, so hourly snapshots cost no more than the changes they record."""
        ordered = sorted(snapshots, key=lambda s: s.taken_at)
        spans: dict[str, list[DeployedSpan]] = {}
        running: dict[str, tuple[Deployment, datetime | None]] = {}
        lower: datetime | None = None
        for i, snap in enumerate(ordered):
            seen_at = None if i == 0 else snap.taken_at
            present = _by_id(snap)
            for key, (dep, start) in list(running.items()):
                if key not in present:  # gone: it ran until this snapshot
                    spans.setdefault(key, []).append(DeployedSpan(dep, start, snap.taken_at))
                    del running[key]
            if not running:  # the earliest snapshot (or all gone): each starts as `_start` says
                running = {key: (dep, _start(dep, lower, seen_at)) for key, dep in present.items()}
                lower = snap.taken_at
                continue
            for key, dep in present.items():
                if key not in running:
                    running[key] = (dep, _start(dep, lower, seen_at))
                    continue
                previous, start = running[key]
                if _changed(previous, dep) and seen_at is not None and lower is not None:
                    change = _change_time(dep, lower, seen_at)
                    spans.setdefault(key, []).append(DeployedSpan(previous, start, change))
                    running[key] = (dep, change)
                else:
                    running[key] = (dep, start)  # same configuration: keep its newest record
            lower = snap.taken_at
        by_id = {key: tuple(found) for key, found in spans.items()}  # the closed spans
        for key, (dep, start) in running.items():  # then the open one (most: the only one)
            span = DeployedSpan(dep, start, None)
            closed = by_id.get(key)
            by_id[key] = (span,) if closed is None else (*closed, span)
        return cls(by_id)

    def on(self, day: date) -> tuple[Deployment, ...]:
        """The deployments that ran during `day`, each once (its last configuration that day)."""
        found: dict[str, Deployment] = {}
        for key, spans in self.by_id.items():
            for span in spans:
                if span.hours_on(day) > 0:
                    found[key] = span.deployment
        return tuple(found.values())

    def running(self, days: Iterable[date]) -> dict[date, tuple[Deployment, ...]]:
        """`{day: self.on(day)}` for many days at once, the same tuples in the same order.

        Each span is placed on the days it covers instead of every span being asked about every
        day: a day the span covers whole counts without arithmetic, and `hours_on` is asked only
        about the (at most two) days a span starts or ends in.
        """
        wanted = list(days)
        if not wanted:
            return {}
        whole = self._whole(min(wanted), max(wanted))
        if whole is not None:  # one tuple object for every day: no change in the window
            return {day: whole for day in wanted}
        found: dict[date, dict[str, Deployment]] = {day: {} for day in wanted}
        bounds = [(d, midnight_utc(d), midnight_utc(d) + _DAY, at) for d, at in found.items()]
        for key, spans in self.by_id.items():
            for span in spans:
                start, end, dep = span.start, span.end, span.deployment
                for day, day_start, day_end, at in bounds:
                    if (start is None or start <= day_start) and (end is None or end >= day_end):
                        at[key] = dep  # the whole day
                    elif (
                        (start is None or start < day_end)
                        and (end is None or end > day_start)
                        and span.hours_on(day) > 0  # a partial day: at least a whole second
                    ):
                        at[key] = dep
        return {day: tuple(at.values()) for day, at in found.items()}

    def _whole(self, first: date, last: date) -> tuple[Deployment, ...] | None:
        """The deployments, when every one ran through every day from `first` to `last` in one
        configuration (the usual case); else None."""
        start, end = midnight_utc(first), midnight_utc(last) + _DAY
        running = []
        for spans in self.by_id.values():
            if len(spans) != 1:
                return None
            span = spans[0]
            if (span.start is not None and span.start > start) or (
                span.end is not None and span.end < end
            ):
                return None
            running.append(span.deployment)
        return tuple(running)

    def capacity_hours(self, day: date, deployment_id: str) -> Decimal:
        """Capacity x hours deployed on `day` (PTU-hours for a provisioned deployment)."""
        return sum(
            (
                Decimal(max(s.deployment.capacity, 0)) * s.hours_on(day)
                for s in self.by_id.get(id_key(deployment_id), ())
            ),
            ZERO,
        )

    def hours(self, day: date, deployment_id: str) -> Decimal:
        """Hours the deployment existed on `day`, whatever its capacity."""
        spans = self.by_id.get(id_key(deployment_id), ())
        return sum((s.hours_on(day) for s in spans), ZERO)


def _by_id(snapshot: InventorySnapshot) -> dict[str, Deployment]:
    deployments = snapshot.deployments
    return dict(zip(map(id_key, map(_DEPLOYMENT_ID, deployments)), deployments, strict=True))


_DEPLOYMENT_ID = attrgetter("deployment_id")


def _changed(a: Deployment, b: Deployment) -> bool:
    return (a.sku.lower(), a.capacity) != (b.sku.lower(), b.capacity)


def _start(dep: Deployment, lower: datetime | None, seen_at: datetime | None) -> datetime | None:
    """Where the span of `dep`, first seen in a snapshot taken at `seen_at` (None: the earliest
    snapshot) after one taken at `lower` that did not have it, begins."""
    created = dep.created_at
    if created is None or seen_at is None:
        return created if seen_at is None else seen_at
    # Absent from the previous snapshot, so it started after that one was taken.
    return min(max(created, lower), seen_at) if lower is not None else min(created, seen_at)


def _change_time(dep: Deployment, lower: datetime, upper: datetime) -> datetime:
    modified = dep.modified_at
    if modified is not None and lower < modified <= upper:
        return modified
    return upper
