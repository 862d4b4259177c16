"""What the HTTP API serves: one typed set of service factories, each called on first use of a
route (no I/O at import). A route group is served when its part is given (read-only test apps
give the views alone); `from_container` gives every part of the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.bootstrap import Container
from shared.entrypoints.http.published_inputs import PublishedSources
from shared.services.economics import EconomicsService
from shared.services.exports import ExportService
from shared.services.health import HealthService
from shared.services.insights import InsightsService
from shared.services.outcomes import OutcomeService
from shared.services.periods import PeriodService
from shared.services.plans import PlanService
from shared.services.provenance import ProvenanceService
from shared.services.series import SeriesService
from shared.services.targets import TargetService
from shared.services.use_cases import UseCaseService
from shared.services.views import ViewService
from shared.services.what_if import WhatIfService


@dataclass(frozen=True)
class ApiParts:
    """The services behind the routes, as factories: `views` always, the others optional."""

    views: Callable[[], ViewService]
    use_cases: Callable[[], UseCaseService] | None = None
    outcomes: Callable[[], OutcomeService] | None = None
    economics: Callable[[], EconomicsService] | None = None
    targets: Callable[[], TargetService] | None = None
    what_if: Callable[[], WhatIfService] | None = None
    insights: Callable[[], InsightsService] | None = None
    plans: Callable[[], PlanService] | None = None
    periods: Callable[[], PeriodService] | None = None
    series: Callable[[], SeriesService] | None = None
    provenance: Callable[[], ProvenanceService] | None = None  # fills responses' provenance
    exports: Callable[[], ExportService] | None = None  # the FOCUS 1.3 allocated export
    health: Callable[[], HealthService] | None = None  # stale collection sources
    # what the published routes' answers are kept by (published_reads.py); None: none kept
    published: Callable[[], PublishedSources] | None = None


def from_container(container: Callable[[], Container]) -> ApiParts:
    """Every part, from the container `container()` returns when a route is first used."""
    return ApiParts(
        views=lambda: container().views,
        use_cases=lambda: container().use_cases,
        outcomes=lambda: container().outcomes,
        economics=lambda: container().economics,
        targets=lambda: container().targets,
        what_if=lambda: container().what_if,
        insights=lambda: container().insights,
        plans=lambda: container().plans,
        periods=lambda: container().periods,
        series=lambda: container().series,
        provenance=lambda: container().provenance,
        exports=lambda: container().exports,
        health=lambda: container().health,
        published=lambda: PublishedSources(
            container().stores.results,
            container().stores.versions,
            reuse_ms=container().settings.read_token_ttl_ms,
        ),
    )
