"""The GET routes whose answer is built from one period's published allocation alone (plus the
day, the app's static configuration and, with the provenance part, the collection stamps): their
answers may be kept by the publication's inputs (shared/entrypoints/http/published_reads.py).

Each was checked against its service: `ViewService.unit_costs` and `.deployment` (the report of
the live generation; the `useCase` and `owner` filters also read the use-case definitions, so a
list asking for them is never kept), `ViewService.reconciliation` (the generation's
reconciliation rows), `SeriesService.tenant` (its daily rows). Not here, because they read more:
a deployment's days (the usage table), a use case's economics, the showback, what-if and
insights (usage, callers, outcomes, definitions), targets (their status table), the periods (every
summary), the FOCUS export (the cost lines) and the health (the run records).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import QueryParams
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from shared.core.views import PeriodQuery
from shared.entrypoints.http.authentication import KEY_PARAMETER
from shared.errors import InvalidInput


@dataclass(frozen=True)
class PublishedRoute:
    """A route (path template and operation name) answered from one publication, unless the
    request has one of the query parameters `unless` (they make it read more)."""

    path: str
    name: str
    unless: frozenset[str] = frozenset()


PUBLISHED_ROUTES = (
    PublishedRoute("/api/unit-costs", "period_unit_costs", frozenset({"useCase", "owner"})),
    PublishedRoute("/api/deployments/{key}/unit-costs", "deployment_unit_costs"),
    PublishedRoute("/api/reconciliation", "reconciliation"),
    PublishedRoute("/api/daily", "tenant_daily"),
)
_BY_NAME = {r.name: r for r in PUBLISHED_ROUTES}

Address = tuple[object, ...]


@dataclass(frozen=True)
class PublishedRead:
    """A request for a published route: which publication it reads and what its answer depends
    on besides (route, scheme, host, path and query less the function key: `nextLink` echoes
    them)."""

    query: PeriodQuery
    address: Address


def published_read(routes: Sequence[BaseRoute], scope: Scope) -> PublishedRead | None:
    """The request's published read when the route the router would take (its first full match)
    is a published one and the period and basis parse; None otherwise (the app answers)."""
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return _read(route, scope)
    return None


def _read(route: BaseRoute, scope: Scope) -> PublishedRead | None:
    spec = _BY_NAME.get(str(getattr(route, "name", "")))
    if spec is None or getattr(route, "path", None) != spec.path:
        return None
    params = QueryParams(scope["query_string"])
    periods, bases = params.getlist("period"), params.getlist("costType")
    if len(periods) != 1 or len(bases) > 1 or any(p in params for p in spec.unless):
        return None
    try:
        query = PeriodQuery.parse(periods[0], bases[0] if bases else None)
    except InvalidInput:
        return None  # the route answers the 400
    host = next((v for k, v in scope["headers"] if k == b"host"), None)
    kept = tuple((k, v) for k, v in params.multi_items() if k != KEY_PARAMETER)
    server = scope.get("server")
    at = None if server is None else tuple(server)  # a list from some servers: hashable
    where = (
        str(scope.get("scheme")),
        host,
        at,
        str(scope.get("root_path", "")),
        str(scope["path"]),
    )
    address = (spec.name, *where, kept)
    return PublishedRead(query, address)
