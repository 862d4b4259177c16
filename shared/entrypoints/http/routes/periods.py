"""GET /api/periods: what is allocated, per period and price basis, newest first, in
continuation-token pages (docs/api.md#periods-and-daily-series)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request

from shared.entrypoints.http.pagination import PageQuery, paginate, query_scope
from shared.entrypoints.http.schemas.base import PROBLEM_RESPONSES
from shared.entrypoints.http.schemas.pages import Limit, Token
from shared.entrypoints.http.schemas.portal import PeriodItem, PeriodList
from shared.services.periods import PeriodService

TAG = "Periods and daily series"


def register(app: FastAPI, periods: Callable[[], PeriodService]) -> None:
    @app.get("/api/periods", response_model=PeriodList, responses=PROBLEM_RESPONSES, tags=[TAG])
    def list_periods(
        request: Request, limit: Limit = None, continuationToken: Token = None
    ) -> PeriodList:
        """Each allocated period and price basis with its billed, allocated and unallocated
        cost and its status; a period whose allocation found no cost lines is not listed."""
        page_query = PageQuery.parse(limit, continuationToken, query_scope(request))  # 400 first
        page = paginate(periods().list(), lambda v: v.newest_first, page_query)
        return PeriodList(
            periods=[PeriodItem.of(v) for v in page.items],
            total_items=page.total,
            continuation_token=page.next_token,
            next_link=page.next_link(request),
        )
