"""A paged list's query parameters (`limit`, `continuationToken`) and the fields it answers with
(shared/entrypoints/http/pagination.py): each list's model declares them after its items."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import Field

from shared.entrypoints.http.pagination import DEFAULT_LIMIT, MAX_LIMIT

ContinuationToken = Annotated[
    str | None,
    Field(
        description="Give it as `continuationToken` to get the next page (null: the last page)",
        examples=[None],
    ),
]
NextLink = Annotated[
    str | None,
    Field(description="The URL of the next page (null: the last page)", examples=[None]),
]
TotalItems = Annotated[
    int,
    Field(ge=0, description="How many items the whole list has (every page, the filters applied)"),
]
# Read as text and parsed by PageQuery.parse, so a bad value is our 400 naming the parameter.
Limit = Annotated[
    str | None,
    Query(
        description=f"At most this many items a page: a whole number from 1 to {MAX_LIMIT} "
        f"(default {DEFAULT_LIMIT})",
        examples=["50"],
    ),
]
Token = Annotated[
    str | None,
    Query(description="The `continuationToken` of the previous page (absent: the first page)"),
]
