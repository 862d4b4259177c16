"""Provenance on every period-scoped response: a route passes its model through
`with_provenance`, which fills `provenance` from the app's provenance service (when the app has
one: `ApiParts.provenance`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from fastapi import FastAPI, Request

from shared.core.provenance import ProvenanceView
from shared.core.views import PeriodQuery
from shared.entrypoints.http.presenter import cost_type_name, status_name
from shared.entrypoints.http.schemas.base import ApiModel, Provenance, SourceFreshness
from shared.services.provenance import ProvenanceService

H = TypeVar("H", bound=ApiModel)
STATE = "provenance"
PROVENANCED = frozenset({"period", "cost_type", "provenance"})


def install(app: FastAPI, provenance: Callable[[], ProvenanceService] | None) -> None:
    setattr(app.state, STATE, provenance)


def with_provenance(request: Request, head: H) -> H:
    """`head` (a model with `period`, `cost_type` and `provenance`: a PeriodHead, the what-if,
    the insights) with its period's provenance; unchanged when the app has no provenance part
    or the period has no published allocation."""
    if not type(head).model_fields.keys() >= PROVENANCED:
        raise TypeError(f"{type(head).__name__} has no {', '.join(sorted(PROVENANCED))}")
    source: Callable[[], ProvenanceService] | None = getattr(request.app.state, STATE, None)
    if source is None:
        return head
    named = head.model_dump(include={"period", "cost_type"})
    found = source().provenance(PeriodQuery.parse(named["period"], named["cost_type"]))
    if found is None:
        return head
    return head.model_copy(update={"provenance": provenance_model(found)})


def provenance_model(view: ProvenanceView) -> Provenance:
    return Provenance(
        cost_type=cost_type_name(view.cost_type),
        status=status_name(view.status),
        published_at=_time(view.published_at),
        allocated_share=None if view.allocated_share is None else float(view.allocated_share),
        sources=[
            SourceFreshness(source=s.source.value, last_collected_at=_time(s.at))
            for s in view.sources
        ],
        catalogue_version=view.catalogue_version,
    )


def _time(at: datetime | None) -> str | None:
    if at is None:
        return None
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
