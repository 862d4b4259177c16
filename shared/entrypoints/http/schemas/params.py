"""The query parameters many routes share: the period and price basis, and the list filters
(shared/core/list_filter.py). Read as text and parsed by the project's parsers
(PeriodQuery.parse, ListFilter.parse), so a bad value is our 400 naming the parameter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from shared.core.list_filter import MAX_FILTER_LENGTH

Period = Annotated[
    str, Query(description="The billing period, YYYY-MM (UTC months)", examples=["2026-10"])
]
CostTypeParam = Annotated[
    str | None,
    Query(
        description="The price basis: actual or amortized (any case; default amortized: "
        "reservations spread over the hours they cover)",
        examples=["amortized"],
    ),
]
_COMPARED = f"compared without case, at most {MAX_FILTER_LENGTH} characters"
Account = Annotated[
    str | None,
    Query(description=f"An account's name or ARM id ({_COMPARED})", examples=["contoso-ai-eus2"]),
]
Model = Annotated[str | None, Query(description=f"A model name ({_COMPARED})", examples=["gpt-4o"])]
Sku = Annotated[
    str | None,
    Query(description=f"An ARM SKU name ({_COMPARED})", examples=["GlobalStandard"]),
]
UseCaseName = Annotated[
    str | None, Query(description=f"A use case's name ({_COMPARED})", examples=["support-bot"])
]
Owner = Annotated[
    str | None,
    Query(description=f"A use case's owner ({_COMPARED})", examples=["support-platform"]),
]
