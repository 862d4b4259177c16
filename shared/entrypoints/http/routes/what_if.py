"""GET /api/what-if: a deployment's traffic of a period re-priced under another model, version,
SKU or capacity, against its allocated cost (docs/api.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, Query, Request

from shared.core.views import PeriodQuery
from shared.entrypoints.http.provenance import with_provenance
from shared.entrypoints.http.schemas.base import PROBLEM_RESPONSES
from shared.entrypoints.http.schemas.params import CostTypeParam, Period
from shared.entrypoints.http.schemas.what_if import WhatIf
from shared.entrypoints.http.what_if_presenter import what_if as present
from shared.errors import InvalidInput
from shared.services.what_if import WhatIfService, parse_ptu

DESCRIPTION = (
    "Re-prices the deployment's observed daily traffic of the period (its tokens and requests; "
    "its cached input tokens from its allocated cached-input cost) under another model, "
    "version, SKU, PTU capacity or reservation term, with the tenant's effective prices first "
    "and list prices otherwise, and answers the cost against the allocated cost, every price "
    "used with its source, the assumptions and the unknowns. A model, version, SKU or term with "
    "no price in the deployment's region is a 400 naming the field; an unknown deployment or a "
    "period never allocated a 404. Rules: docs/model-economics.md#what-if."
)


def register(app: FastAPI, what_if: Callable[[], WhatIfService]) -> None:
    @app.get(
        "/api/what-if",
        response_model=WhatIf,
        responses=PROBLEM_RESPONSES,
        tags=["Model economics"],
        summary="Re-price a deployment's traffic under another configuration",
        description=DESCRIPTION,
    )
    def what_if_route(
        request: Request,
        deployment: Annotated[str, Query(description="The deployment's key")],
        period: Period,
        model: Annotated[
            str, Query(description="The model to price the traffic as", examples=["gpt-4o-mini"])
        ],
        version: Annotated[
            str | None, Query(description="The model's version (default: any)")
        ] = None,
        sku: Annotated[
            str | None,
            Query(description="An ARM SKU name (default: the deployment's)",
                  examples=["GlobalBatch"]),
        ] = None,
        ptu: Annotated[
            str | None,
            Query(description="The PTU capacity of a provisioned SKU (default: sized from the "
                  "traffic's peaks)"),
        ] = None,
        reservation: Annotated[
            str | None, Query(description="A reservation term: 1m or 1y")
        ] = None,
        costType: CostTypeParam = None,
    ) -> WhatIf:  # fmt: skip
        # bad input is a 400 before any storage call
        query = PeriodQuery.parse(period, costType)
        if not deployment:
            raise InvalidInput("deployment", "required: the deployment's key")
        if not model or not model.strip():
            raise InvalidInput("model", "required: the model to price the traffic as")
        view = what_if().run(
            deployment, query, model, version, sku, parse_ptu(ptu), reservation or None
        )
        return with_provenance(request, present(view))
