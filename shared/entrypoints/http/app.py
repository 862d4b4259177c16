"""The FastAPI app: the read side's views as JSON, errors as RFC 7807 problem bodies.

A route is one module of `routes/` with `register(app, part)`: those of the views are listed once
in `ROUTES`, the others are served when their part is given (`ApiParts`: the Functions app and
`serve` give every part; read-only test apps need not).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from shared.entrypoints.http import openapi, problems, provenance
from shared.entrypoints.http.caching import ConditionalReads
from shared.entrypoints.http.parts import ApiParts
from shared.entrypoints.http.published_reads import PublishedReads
from shared.entrypoints.http.response_cache import ResponseCache
from shared.entrypoints.http.routes import (
    api_docs,
    dashboard,
    economics,
    exports,
    health,
    insights,
    periods,
    plans,
    reconciliation,
    series,
    targets,
    unit_costs,
    use_cases,
    what_if,
)
from shared.services.ports import PublishedResults
from shared.services.views import ViewService, utc_today

Register = Callable[[FastAPI, Callable[[], ViewService]], None]
ROUTES: tuple[Register, ...] = (
    unit_costs.register,
    reconciliation.register,
    dashboard.register,
    api_docs.register,
)


def create_api(parts: ApiParts, cache: ResponseCache | None = None) -> FastAPI:
    """The app over `parts` (shared/entrypoints/http/parts.py): each route group is served when
    its part is given, and calls it on each request (first use builds, no I/O at import); with
    `parts.published`, the published routes' answers are kept in `cache` (default bounds)."""
    # JSONResponse: json.dumps of the encoded model, as every route answered before the models
    # (pydantic's own encoder would write 1.92e-5 where clients read 1.92e-05).
    # The docs at /api/docs are the app's own page (routes/api_docs.py: Swagger UI vendored, not
    # FastAPI's, which loads it from a CDN); operationIds are the route functions' names.
    app = FastAPI(title="Azure OpenAI unit costs", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", default_response_class=JSONResponse,
                  generate_unique_id_function=openapi.operation_id)  # fmt: skip
    problems.install(app)
    openapi.install(app)  # the document as the app answers (problem+json, no 422)
    app.add_middleware(ConditionalReads)  # ETag, Cache-Control and 304s on every GET
    if parts.published is not None:  # outside ConditionalReads: a kept answer has its ETag
        app.add_middleware(PublishedReads, router=app.router, published=parts.published,
                           provenanced=parts.provenance is not None, cache=cache)  # fmt: skip
    provenance.install(app, parts.provenance)
    health.register(app, parts.health)  # the collection's run records (stale sources)
    for register in ROUTES:
        register(app, parts.views)
    if parts.use_cases is not None:
        use_cases.register(app, parts.use_cases)
    if parts.outcomes is not None:
        use_cases.register_outcomes(app, parts.outcomes)
    if parts.economics is not None:
        economics.register(app, parts.economics)
    if parts.targets is not None:
        targets.register(app, parts.targets)
    if parts.what_if is not None:
        what_if.register(app, parts.what_if)
    if parts.insights is not None:
        insights.register(app, parts.insights)
    if parts.plans is not None:  # use cases' plans and planned vs actual
        plans.register(app, parts.plans)
    if parts.periods is not None:
        periods.register(app, parts.periods)
    if parts.series is not None:  # the tenant's, a deployment's and a use case's days
        series.register(app, parts.series)
    if parts.exports is not None:  # the FOCUS 1.3 allocated export (CSV)
        exports.register(app, parts.exports)
    return app


def create_app(
    results: Callable[[], PublishedResults], today: Callable[[], date] = utc_today
) -> FastAPI:
    """The app over a store of published allocations: `results` is called on first use so
    nothing does I/O at import; `today` is the clock the periods' status is computed with."""
    return create_api(ApiParts(views=lambda: ViewService(results(), today)))
