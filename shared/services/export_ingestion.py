"""Ingest one Cost Management export run (its manifest.json), with the Query path's rules.

1. Read the manifest (ExportRunFiles), and plan the run against the stamps of the runs stored
   per (period, price basis) (shared/core/export_runs.py `plan_run`): where a run at least as
   new is stored (an older run, or the same run replayed) the run is ignored there.
2. Read every partition of the run, checked against the manifest (present, byte and row counts,
   parses): any failure refuses the whole run, naming the blob, before anything is written.
3. Store the fresh windows through the existing CollectionService (one CostCollector over the
   run's lines, one in-memory CostSource per price basis): the all-or-nothing write, the shrink
   refusal (`SHRINK_LIMIT`), the InputVersions marks and the allocation requests are its.
4. Record the run's stamp for what it stored, so a replayed event is a no-op. Where a newer run
   was recorded while this one stored (two runs ingested at once), this run is not recorded
   and the newer run is stored again: the newest run's lines are what stays.

A failure between 3 and 4 leaves the stamp unrecorded: the next delivery of the same event
stores the same lines again, which writes nothing (every write is a diff), then records it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from shared.core.costs import CostLine, CostType
from shared.core.export_runs import ExportManifest, RunPlan, StampKey, plan_run
from shared.core.period import BillingPeriod, DateWindow
from shared.services.collection import CollectionService
from shared.services.ports import CostSource, ExportRunFiles, ExportRunStore


@dataclass(frozen=True)
class RunLines:
    """A CostSource over lines already read (one export run's, of one price basis)."""

    basis: CostType
    lines: tuple[CostLine, ...]

    @property
    def cost_type(self) -> CostType:
        return self.basis

    def fetch(self, window: DateWindow) -> list[CostLine]:
        return [ln for ln in self.lines if ln.cost_type is self.basis and ln.date in window]


# Builds the collection of the given cost sources into the stores (shared/bootstrap.py).
CostCollection = Callable[[Sequence[CostSource]], CollectionService]


@dataclass(frozen=True)
class IngestionReport:
    """What one run did: the (period, basis) pairs it stored (`fresh`), those where a run at
    least as new was stored already (`ignored`, with that run's id), the lines it read and the
    periods enqueued for allocation."""

    manifest: ExportManifest
    fresh: tuple[StampKey, ...] = ()
    ignored: tuple[tuple[StampKey, str], ...] = ()
    cost_lines: int = 0
    rows: int = 0
    changed_periods: frozenset[BillingPeriod] = field(default_factory=frozenset)
    warnings: tuple[str, ...] = ()

    @property
    def is_noop(self) -> bool:
        return not self.fresh


@dataclass
class ExportIngestionService:
    files: ExportRunFiles
    runs: ExportRunStore
    collection: CostCollection

    def ingest(self, manifest_blob: str, *, allow_shrink: bool = False) -> IngestionReport:
        """Ingest the run whose manifest is `manifest_blob` (its path in the container)."""
        return self._ingest(manifest_blob, allow_shrink, repair=False)

    def _ingest(self, manifest_blob: str, allow_shrink: bool, repair: bool) -> IngestionReport:
        manifest = self.files.manifest(manifest_blob)
        keys = [(p, b) for p in manifest.window.periods() for b in manifest.dataset.bases]
        stored = self.runs.stamps(keys)
        if repair:  # store this run again where it is the one recorded
            stored = {k: s for k, s in stored.items() if s.run_id != manifest.run_id}
        plan = plan_run(manifest, stored)
        ignored = tuple((key, stamp.run_id) for key, stamp in plan.ignored)
        if not plan.parts:
            return IngestionReport(manifest, ignored=ignored)
        contents = self.files.read(manifest)  # every partition checked before any write
        changed = self._store(plan, contents.lines, allow_shrink)
        # A newer run recorded while this one was storing may have been overwritten by it: this
        # run is not recorded there, and the newer run is stored again (a diff: only what this
        # run changed is written back).
        later = {
            key: stamp
            for key, stamp in self.runs.stamps(plan.fresh).items()
            if stamp.run_id != manifest.run_id and not manifest.stamp.is_newer_than(stamp)
        }
        self.runs.record([k for k in plan.fresh if k not in later], manifest.stamp)
        if not repair:
            for winner in sorted({stamp.manifest for stamp in later.values()}):
                changed |= self._ingest(winner, allow_shrink, repair=True).changed_periods
        return IngestionReport(
            manifest=manifest,
            fresh=tuple(k for k in plan.fresh if k not in later),
            ignored=ignored + tuple((k, s.run_id) for k, s in later.items()),
            cost_lines=sum(1 for ln in contents.lines if ln.date in manifest.window),
            rows=contents.rows,
            changed_periods=frozenset(changed),
            warnings=contents.warnings,
        )

    def _store(
        self, plan: RunPlan, lines: Sequence[CostLine], allow_shrink: bool
    ) -> frozenset[BillingPeriod]:
        by_basis = {basis: tuple(ln for ln in lines if ln.cost_type is basis) for basis in CostType}
        changed: set[BillingPeriod] = set()
        for part in plan.parts:  # one part in the usual run (one month, or the same bases)
            sources = [RunLines(basis, by_basis[basis]) for basis in part.bases]
            report = self.collection(sources).collect_costs(part.window, allow_shrink=allow_shrink)
            changed |= report.changed_periods
        return frozenset(changed)
