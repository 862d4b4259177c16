"""Caller telemetry and use-case outcomes from Log Analytics, through `LogsQueryClient`.

`LogAnalyticsCallerSource` runs one of the product's caller queries (log_analytics_queries.py)
on one workspace and reads the result table into `LoggedCalls`; `LogAnalyticsOutcomeSource` runs
a use case's own outcome query and reads `DailyOutcomes` (shared/adapters/formats/logs_tables.py).
Both query `POST {endpoint}/v1/workspaces/{id}/query` with the window as the request's
`timespan` (UTC midnight to UTC midnight, end excluded) and `Prefer: wait=SERVER_TIMEOUT_SECONDS`.
The token audience is the endpoint (`LogsQueryClient`'s default: `https://api.loganalytics.io`
in the public cloud, the sovereign clouds' own endpoints likewise).

Partial answers. Log Analytics answers 200 with the tables AND an `error` (code `PartialError`)
when it could not finish the query: the result was truncated (over 500,000 rows or ~100 MB), or
part of the data could not be read. `LogsQueryClient` then returns a `LogsQueryPartialResult`
instead of raising. Such an answer is never stored as if complete: the window is bisected by days
and each half queried again, down to single days (a smaller window scans and returns less); a day
still partial is a `SourceError` naming the source, the workspace and the day, and nothing of the
window is returned.

Throttling. 429 (too many requests, or the per-user queue of 5 running queries full) and 503 are
retried by the client's `SourceRetryPolicy` (shared/adapters/azure/calls.py), waited as
`Retry-After` asks, bounded (`RETRY`); throttling past the budget is a `ThrottledError`. A 504
(the query outran the server timeout) is not retried: the same query would time out again and
five of them would take the function's whole 10 minutes; it fails the run, and the next run
(its timer) tries again. `query_workspace` re-raises every HTTP error as a plain
`HttpResponseError`, so the policy's `StillThrottled` is recovered from it before `mapped`. A
workspace that does not exist, or that the identity may not read, is a one-line `SourceError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

from azure.core.credentials import TokenCredential
from azure.core.exceptions import HttpResponseError
from azure.monitor.query import LogsQueryClient, LogsQueryPartialResult

from shared.adapters.azure.calls import CallOptions, RetryRules, StillThrottled, mapped
from shared.adapters.azure.log_analytics_queries import CALLER_QUERIES
from shared.adapters.formats.logs_tables import (
    ResultTable,
    parse_daily_outcomes,
    parse_logged_calls,
)
from shared.core.callers import LoggedCalls, TelemetrySource
from shared.core.outcomes import DailyOutcomes
from shared.core.period import DateWindow, midnight_utc
from shared.errors import SourceError, excerpt, one_line

# 429 and 503, five attempts, waited as `Retry-After` asks, else 2 s, 4 s, ... up to 60 s; a
# longer Retry-After is given up at once (the function has 10 minutes).
RETRY = RetryRules(
    frozenset({429, 503}),
    max_attempts=5,
    first_wait_seconds=2.0,
    max_backoff_seconds=60.0,
    max_wait_seconds=120.0,
)
# The server-side query timeout (`Prefer: wait=`; Log Analytics' default is 180 s, its maximum
# 600 s). Aggregated daily queries take seconds; 120 s stays well under azure-core's 300 s read
# timeout and leaves room for a retry within the function's 10 minutes.
SERVER_TIMEOUT_SECONDS = 120

T = TypeVar("T")


class LogAnalyticsCallerSource:
    """A `CallerUsageSource` (shared/services/ports.py): one telemetry source's caller query on
    one Log Analytics workspace (its customer id, a GUID)."""

    def __init__(
        self,
        credential: TokenCredential,
        workspace_id: str,
        source: TelemetrySource,
        endpoint: str,
        options: CallOptions | None = None,
    ) -> None:
        self._credential = credential
        self._workspace_id = workspace_id
        self._source = source
        self._endpoint = endpoint.rstrip("/")
        self._options = options or CallOptions(RETRY)

    @property
    def source(self) -> TelemetrySource:
        return self._source

    def fetch(self, window: DateWindow) -> list[LoggedCalls]:
        """Every caller's tokens per day of `window`, complete, or an error."""
        what = f"Log Analytics {self._source.value} callers query on workspace {self._workspace_id}"
        with _client(self._credential, self._endpoint, self._options) as client:
            return _complete(
                client,
                self._workspace_id,
                CALLER_QUERIES[self._source],
                window,
                what,
                lambda table, part: parse_logged_calls(self._source, table, part),
            )


class LogAnalyticsOutcomeSource:
    """An `OutcomeQuerySource` (shared/services/ports.py): a use case's outcome query (`day`,
    `outcomes`) on the workspace it names."""

    def __init__(
        self, credential: TokenCredential, endpoint: str, options: CallOptions | None = None
    ) -> None:
        self._credential = credential
        self._endpoint = endpoint.rstrip("/")
        self._options = options or CallOptions(RETRY)

    def fetch(self, workspace_id: str, query: str, window: DateWindow) -> list[DailyOutcomes]:
        """The query's count per day of `window` (days without a row have no data), or an error."""
        what = f"outcome query {excerpt(one_line(query))} on workspace {workspace_id}"
        with _client(self._credential, self._endpoint, self._options) as client:
            return _complete(client, workspace_id, query, window, what, parse_daily_outcomes)


@contextmanager
def _client(
    credential: TokenCredential, endpoint: str, options: CallOptions
) -> Iterator[LogsQueryClient]:
    with LogsQueryClient(credential, endpoint=endpoint, **options.client_kwargs()) as client:
        yield client


def _complete(
    client: LogsQueryClient,
    workspace_id: str,
    query: str,
    window: DateWindow,
    what: str,
    parse: Callable[[ResultTable, DateWindow], list[T]],
) -> list[T]:
    """The parsed rows of `window`, each part answered in full: a partial answer is bisected by
    days, and a single day still partial is a `SourceError` (nothing is returned)."""
    outcome = _query(client, workspace_id, query, window, what)
    if isinstance(outcome, ResultTable):
        with mapped(what):
            return parse(outcome, window)
    days = (window.end - window.start).days
    if days == 1:
        raise SourceError(
            one_line(
                f"{what}: the answer for {window.start} is partial ({outcome}) even for one day;"
                " nothing of the window is stored"
            )
        )
    middle = window.start + timedelta(days=days // 2)
    return [
        *_complete(client, workspace_id, query, DateWindow(window.start, middle), what, parse),
        *_complete(client, workspace_id, query, DateWindow(middle, window.end), what, parse),
    ]


def _query(
    client: LogsQueryClient, workspace_id: str, query: str, window: DateWindow, what: str
) -> ResultTable | str:
    """The primary result table of one query over `window`, or the reason the answer is partial."""
    with mapped(what), _throttling_recovered():
        result = client.query_workspace(
            workspace_id,
            query,
            timespan=(midnight_utc(window.start), midnight_utc(window.end)),
            server_timeout=SERVER_TIMEOUT_SECONDS,
        )
        if isinstance(result, LogsQueryPartialResult):
            return _partial_reason(result)
        if not result.tables:
            raise SourceError(f"{what}: the answer has no result table")
        table = result.tables[0]
        return ResultTable.of(table.columns, table.rows)


def _partial_reason(result: LogsQueryPartialResult) -> str:
    """`code: message` of a partial answer's error, with the innermost reason of its first
    detail (where Log Analytics says what was exceeded: E_QUERY_RESULT_SET_TOO_LARGE...)."""
    error = result.partial_error
    if error is None:
        return "PartialError"
    reason = f"{error.code}: {error.message}"
    inner: Any = error.details[0] if error.details else None
    while isinstance(inner, Mapping) and isinstance(inner.get("innererror"), Mapping):
        inner = inner["innererror"]
    if isinstance(inner, Mapping) and inner.get("message"):
        reason += f" ({inner['message']})"
    return reason


@contextmanager
def _throttling_recovered() -> Iterator[None]:
    """`query_workspace` re-raises the pipeline's `StillThrottled` as a plain `HttpResponseError`
    (its `__context__`): raise the original, so `mapped` sees throttling as throttling."""
    try:
        yield
    except HttpResponseError as err:
        cause = err.__context__
        if isinstance(cause, StillThrottled) and not isinstance(err, StillThrottled):
            raise cause from None
        raise
