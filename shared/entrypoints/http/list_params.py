"""The query parameters of a list route as FastAPI dependencies: its page (`limit`,
`continuationToken`) and its filters (`account`, `model`, `sku`, `useCase`, `owner`), parsed by
the project's parsers before the route runs (a bad one is a 400 naming it, before any storage
call)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shared.core.list_filter import ListFilter
from shared.entrypoints.http.pagination import PageQuery, query_scope
from shared.entrypoints.http.schemas.pages import Limit, Token
from shared.entrypoints.http.schemas.params import Account, Model, Owner, Sku, UseCaseName


def page_query(request: Request, limit: Limit = None, continuationToken: Token = None) -> PageQuery:
    return PageQuery.parse(limit, continuationToken, query_scope(request))


def list_filter(
    account: Account = None,
    model: Model = None,
    sku: Sku = None,
    useCase: UseCaseName = None,
    owner: Owner = None,
) -> ListFilter:
    return ListFilter.parse(account, model, sku, useCase, owner)


Paging = Annotated[PageQuery, Depends(page_query)]
Filters = Annotated[ListFilter, Depends(list_filter)]
