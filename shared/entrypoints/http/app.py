"""The FastAPI app: the read side's views as JSON, errors as RFC 7807 problem bodies.

A route is one module of `routes/` with `register(app, views)`, listed once in `ROUTES`; the
use-case routes (`routes/use_cases.py`) take the use-case service instead, and are served when
the app is given one (the Functions app and `serve` are; read-only test apps need not be).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi import FastAPI

from shared.entrypoints.http import problems
from shared.entrypoints.http.routes import (
    economics,
    health,
    insights,
    plans,
    reconciliation,
    targets,
    unit_costs,
    use_cases,
    what_if,
)
from shared.services.economics import EconomicsService
from shared.services.insights import InsightsService
from shared.services.outcomes import OutcomeService
from shared.services.plans import PlanService
from shared.services.ports import PublishedResults
from shared.services.targets import TargetService
from shared.services.use_cases import UseCaseService
from shared.services.views import ViewService, utc_today
from shared.services.what_if import WhatIfService

Register = Callable[[FastAPI, Callable[[], ViewService]], None]
ROUTES: tuple[Register, ...] = (health.register, unit_costs.register, reconciliation.register)


def create_api(
    views: Callable[[], ViewService],
    definitions: Callable[[], UseCaseService] | None = None,
    outcomes: Callable[[], OutcomeService] | None = None,
    economics_service: Callable[[], EconomicsService] | None = None,
    target_service: Callable[[], TargetService] | None = None,
    what_if_service: Callable[[], WhatIfService] | None = None,
    insights_service: Callable[[], InsightsService] | None = None,
    plan_service: Callable[[], PlanService] | None = None,
) -> FastAPI:
    """The app; `views` (and `definitions`, the use cases, `outcomes`, the pushed outcomes,
    `economics_service`, the use-case economics, `target_service`, the targets,
    `what_if_service`, the what-if, `insights_service`, the savings findings) are called on
    each request (first use builds, no I/O at import)."""
    app = FastAPI(title="Azure OpenAI unit costs", version="1", docs_url="/api/docs",
                  openapi_url="/api/openapi.json")  # fmt: skip
    problems.install(app)
    for register in ROUTES:
        register(app, views)
    if definitions is not None:
        use_cases.register(app, definitions)
    if outcomes is not None:
        use_cases.register_outcomes(app, outcomes)
    if economics_service is not None:
        economics.register(app, economics_service)
    if target_service is not None:
        targets.register(app, target_service)
    if what_if_service is not None:
        what_if.register(app, what_if_service)
    if insights_service is not None:
        insights.register(app, insights_service)
    if plan_service is not None:  # use cases' plans and planned vs actual
        plans.register(app, plan_service)
    return app


def create_app(
    results: Callable[[], PublishedResults], today: Callable[[], date] = utc_today
) -> FastAPI:
    """The app over a store of published allocations: `results` is called on first use so
    nothing does I/O at import; `today` is the clock the periods' status is computed with."""
    return create_api(lambda: ViewService(results(), today))
