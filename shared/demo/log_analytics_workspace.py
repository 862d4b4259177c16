"""A simulated Log Analytics workspace and the Log Analytics query API serving it.

`LogAnalyticsWorkspace` holds raw rows of three tables, as the services write them (field names
are the columns' in snake case):

- `ApiManagementGatewayLlmLog` (`LlmLogRow`): per request, a token row (SequenceNumber 0, with a
  DeploymentName and the token counts) and, when message logging is on, message rows
  (SequenceNumber 1 for the request, 2 for the response) without a DeploymentName;
- `ApiManagementGatewayLogs` (`GatewayLogRow`): the request as the gateway saw it, with the caller
  (APIM subscription, product) and the backend URL;
- `AppDependencies` (`DependencyRow`): spans exported by the Azure Monitor OpenTelemetry exporter,
  GenAI spans typed `GenAI | <gen_ai.system>`, span attributes in `properties` as strings.

`answer(query, start, end)` does not run KQL: it recognises the product's caller queries by their
first line (the marker comment, `APIM_MARKER`, `APPINSIGHTS_MARKER`; written here again, not
imported, so this double stays independent of the adapter) and computes in Python what those
queries compute over the rows whose TimeGenerated is in [start, end) (Log Analytics applies a
request's timespan to every table a query reads): the left outer join on CorrelationId (the latest
gateway row of a request), leaf GenAI spans only, counts weighted by ItemCount. Registered outcome
queries (exact text -> function) answer their rows of (day, outcomes). Any other query is
refused as Log Analytics refuses a query it cannot parse (400 `BadArgumentError`).

`LogsApi` is the HTTP application (`shared.demo.https_double.App`) serving
`POST /v1/workspaces/{id}/query` for several workspaces: a bearer token is required (401), an
unknown workspace is a 404, and faults are injected: `throttle_first_n` (429 with Retry-After),
`partial_when(start, end)` (200 with truncated tables AND an `error` of code `PartialError`, as
the real API answers a truncated query). Every request is recorded.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from shared.demo.https_double import RecordedRequest, Reply

APIM_MARKER = "// finops-for-ai: apim-callers v1"
APPINSIGHTS_MARKER = "// finops-for-ai: appinsights-callers v1"
AZURE_OPENAI_HOSTS = (".openai.azure.com", ".services.ai.azure.com", ".cognitiveservices.azure.com")
_BACKEND_ACCOUNT = re.compile(r"^https?://([^./]+)\.")
_TARGET_HOST = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://)?([^/:]+)")
_QUERY_PATH = re.compile(r"^/v1/workspaces/(?P<workspace>[^/]+)/query/?$", re.IGNORECASE)
_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")


@dataclass(frozen=True)
class LlmLogRow:
    """One row of `ApiManagementGatewayLlmLog`."""

    time_generated: datetime
    correlation_id: str
    deployment_name: str = ""  # set on the token row only
    model_name: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    sequence_number: int = 0


@dataclass(frozen=True)
class GatewayLogRow:
    """One row of `ApiManagementGatewayLogs` (the columns caller attribution reads)."""

    correlation_id: str
    apim_subscription_id: str
    product_id: str
    api_id: str
    backend_url: str
    time_generated: datetime


@dataclass(frozen=True)
class DependencyRow:
    """One row of `AppDependencies` (workspace-based Application Insights)."""

    id: str
    parent_id: str
    time_generated: datetime
    dependency_type: str
    target: str
    app_role_name: str
    item_count: int = 1
    properties: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResultTable:
    """A result table as an outcome function may answer it whole: `(name, type)` columns (types
    as Log Analytics names them: datetime, string, long, real...) and rows of JSON cells."""

    columns: Sequence[tuple[str, str]]
    rows: Sequence[Sequence[Any]]


OutcomeRows = Sequence[tuple[date | datetime, int | float]]
OutcomeQuery = Callable[[datetime | None, datetime | None], OutcomeRows | ResultTable]


@dataclass
class LogAnalyticsWorkspace:
    """The rows of one workspace, and the outcome queries it can answer."""

    llm_logs: Sequence[LlmLogRow] = ()
    gateway_logs: Sequence[GatewayLogRow] = ()
    dependencies: Sequence[DependencyRow] = ()
    outcome_queries: Mapping[str, OutcomeQuery] = field(default_factory=dict)

    def answer(self, query: str, start: datetime | None, end: datetime | None) -> dict[str, Any]:
        """The response body for `query` over [start, end) (None: unbounded): `{"tables": [...]}`,
        or `{"error": {...}}` (a 400) for a query this workspace does not know."""
        first = next((line.strip() for line in query.splitlines() if line.strip()), "")
        if first == APIM_MARKER:
            return _response(self._apim_callers(start, end))
        if first == APPINSIGHTS_MARKER:
            return _response(self._appinsights_callers(start, end))
        known = {text.strip(): function for text, function in self.outcome_queries.items()}
        outcome = known.get(query.strip())
        if outcome is not None:
            return _response(_outcome_table(outcome(start, end)))
        return bad_argument(f"Query could not be parsed at '{first[:40]}' on line [1,0]")

    def _apim_callers(self, start: datetime | None, end: datetime | None) -> ResultTable:
        latest: dict[str, GatewayLogRow] = {}
        for row in self.gateway_logs:
            if _within(row.time_generated, start, end):
                kept = latest.get(row.correlation_id)
                if kept is None or row.time_generated > kept.time_generated:
                    latest[row.correlation_id] = row
        sums: dict[tuple[date, str, str, str, str], list[int]] = {}
        for llm in self.llm_logs:
            if not llm.deployment_name or not _within(llm.time_generated, start, end):
                continue
            gateway = latest.get(llm.correlation_id)
            backend = gateway.backend_url if gateway else ""
            match = _BACKEND_ACCOUNT.match(backend)
            key = (
                _utc_day(llm.time_generated),
                match.group(1) if match else "",
                llm.deployment_name,
                gateway.apim_subscription_id if gateway else "",
                gateway.product_id if gateway else "",
            )
            totals = sums.setdefault(key, [0, 0, 0])
            totals[0] += llm.prompt_tokens
            totals[1] += llm.completion_tokens
            totals[2] += 1
        columns = [
            ("Day", "datetime"),
            ("Account", "string"),
            ("Deployment", "string"),
            ("ApimSubscriptionId", "string"),
            ("ProductId", "string"),
            ("InputTokens", "long"),
            ("OutputTokens", "long"),
            ("Requests", "long"),
        ]
        rows = [[_stamp(k[0]), *k[1:], *v] for k, v in sorted(sums.items())]
        return ResultTable(columns, rows)

    def _appinsights_callers(self, start: datetime | None, end: datetime | None) -> ResultTable:
        spans = []
        for row in self.dependencies:
            if not _within(row.time_generated, start, end) or not _is_genai(row):
                continue
            tokens_in = _first_long(row.properties, "gen_ai.usage.input_tokens", "prompt_tokens")
            tokens_out = _first_long(
                row.properties, "gen_ai.usage.output_tokens", "completion_tokens"
            )
            if tokens_in is None and tokens_out is None:
                continue
            spans.append((row, tokens_in or 0, tokens_out or 0))
        parents = {row.parent_id for row, _, _ in spans if row.parent_id}
        sums: dict[tuple[date, str, str, str], list[int]] = {}
        for row, tokens_in, tokens_out in spans:
            if row.id in parents:
                continue  # a framework span wrapping another GenAI span: counted at the leaf
            key = (
                _utc_day(row.time_generated),
                _account_of_target(row.target),
                row.properties.get("gen_ai.request.model", ""),
                row.app_role_name,
            )
            totals = sums.setdefault(key, [0, 0, 0])
            totals[0] += tokens_in * row.item_count
            totals[1] += tokens_out * row.item_count
            totals[2] += row.item_count
        columns = [
            ("Day", "datetime"),
            ("Account", "string"),
            ("Deployment", "string"),
            ("AppRoleName", "string"),
            ("InputTokens", "long"),
            ("OutputTokens", "long"),
            ("Requests", "long"),
        ]
        rows = [[_stamp(k[0]), *k[1:], *v] for k, v in sorted(sums.items())]
        return ResultTable(columns, rows)


def bad_argument(detail: str) -> dict[str, Any]:
    """The body Log Analytics answers (with a 400) to a query it cannot parse."""
    return {
        "error": {
            "message": "The request had some invalid properties",
            "code": "BadArgumentError",
            "correlationId": "00000000-0000-0000-0000-000000000000",
            "innererror": {
                "code": "SyntaxError",
                "message": "A recognition error occurred in the query.",
                "innererror": {"code": "SYN0002", "message": detail},
            },
        }
    }


@dataclass
class LogsApi:
    """The Log Analytics query API (`POST /v1/workspaces/{id}/query`) over some workspaces."""

    workspaces: Mapping[str, LogAnalyticsWorkspace]
    throttle_first_n: int = 0
    retry_after: str = "1"
    partial_when: Callable[[datetime | None, datetime | None], bool] | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handles(self, request: RecordedRequest) -> bool:
        return bool(_QUERY_PATH.match(request.path))

    def handle(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            throttled = len(self.requests) <= self.throttle_first_n
        match = _QUERY_PATH.match(request.path)
        if match is None or request.method != "POST":
            return _error(404, "PathNotFoundError", "The requested path does not exist")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            message = "Valid authentication was not provided"
            return _error(401, "AuthorizationRequiredError", message)
        workspace = self._workspace(match.group("workspace"))
        if workspace is None:
            return _error(
                404,
                "WorkspaceNotFoundError",
                f"Workspace {match.group('workspace')} not found or access is denied",
            )
        if throttled:
            return Reply.json(
                429,
                {
                    "error": {
                        "message": "Too many requests. Retry after the delay.",
                        "code": "ThrottledError",
                        "correlationId": "00000000-0000-0000-0000-000000000000",
                    }
                },
                {"Retry-After": self.retry_after},
            )
        try:
            body = json.loads(request.body or b"{}")
            start, end = parse_timespan(body.get("timespan"))
            query = body["query"]
            if not isinstance(query, str):
                raise ValueError("query must be a string")
        except (ValueError, KeyError, AttributeError, TypeError) as err:
            return Reply.json(400, bad_argument(f"Invalid request: {err}"))
        answer = workspace.answer(query, start, end)
        if "tables" not in answer:
            return Reply.json(400, answer)
        if self.partial_when is not None and self.partial_when(start, end):
            return Reply.json(200, _partial(answer))
        return Reply.json(200, answer)

    def queries(self) -> list[tuple[str, str | None]]:
        """Each recorded query's workspace id and timespan, in order."""
        out = []
        for request in self.requests:
            match = _QUERY_PATH.match(request.path)
            if match is not None:
                out.append((match.group("workspace"), (request.json() or {}).get("timespan")))
        return out

    def _workspace(self, workspace_id: str) -> LogAnalyticsWorkspace | None:
        known = {key.lower(): workspace for key, workspace in self.workspaces.items()}
        return known.get(workspace_id.lower())


def parse_timespan(value: object) -> tuple[datetime | None, datetime | None]:
    """`start/end` (ISO 8601 instants) of a query body; None (no timespan) is unbounded."""
    if value is None:
        return None, None
    if not isinstance(value, str) or value.count("/") != 1:
        raise ValueError(f"timespan must be start/end, got {value!r}")
    start, end = (_instant(part) for part in value.split("/"))
    if end <= start:
        raise ValueError(f"timespan end before start: {value!r}")
    return start, end


def _instant(text: str) -> datetime:
    return _utc(datetime.fromisoformat(text.strip()))


def _partial(answer: Mapping[str, Any]) -> dict[str, Any]:
    """The answer truncated (half of each table's rows) with the error a truncated query has."""
    tables = [{**t, "rows": t["rows"][: len(t["rows"]) // 2]} for t in answer["tables"]]
    return {
        "tables": tables,
        "error": {
            "message": "There were some errors when processing your query.",
            "code": "PartialError",
            "correlationId": "00000000-0000-0000-0000-000000000000",
            "details": [
                {
                    "code": "EngineError",
                    "message": "Something went wrong processing your query on the server.",
                    "innererror": {
                        "code": "-2133196797",
                        "message": (
                            "Query result set has exceeded the internal record count limit 500000"
                            " (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)"
                        ),
                        "severity": 2,
                        "severityName": "Error",
                    },
                }
            ],
        },
    }


def _error(status: int, code: str, message: str) -> Reply:
    body = {
        "error": {
            "message": message,
            "code": code,
            "correlationId": "00000000-0000-0000-0000-000000000000",
        }
    }
    return Reply.json(status, body)


def _response(table: ResultTable) -> dict[str, Any]:
    return {
        "tables": [
            {
                "name": "PrimaryResult",
                "columns": [{"name": name, "type": kind} for name, kind in table.columns],
                "rows": [list(row) for row in table.rows],
            }
        ]
    }


def _outcome_table(answer: OutcomeRows | ResultTable) -> ResultTable:
    if isinstance(answer, ResultTable):
        return answer
    rows = [[_stamp(day), count] for day, count in answer]
    kind = "long" if all(isinstance(count, int) for _, count in answer) else "real"
    return ResultTable([("day", "datetime"), ("outcomes", kind)], rows)


def _is_genai(row: DependencyRow) -> bool:
    return (
        row.dependency_type.lower().startswith("genai")
        or bool(row.properties.get("gen_ai.provider.name"))
        or bool(row.properties.get("gen_ai.system"))
    )


def _first_long(properties: Mapping[str, str], current: str, older: str) -> int | None:
    """The first of `current` and `gen_ai.usage.<older>` that reads as a long (KQL `tolong`)."""
    for key in (current, f"gen_ai.usage.{older}"):
        value = properties.get(key)
        if value is not None and _INTEGER.match(value):
            return int(value)
    return None


def _account_of_target(target: str) -> str:
    match = _TARGET_HOST.match(target)
    host = match.group(1).lower() if match else ""
    return host.split(".")[0] if host.endswith(AZURE_OPENAI_HOSTS) else ""


def _utc(moment: datetime) -> datetime:
    """A row's instant in UTC (a naive one is taken as UTC, as Log Analytics stores instants)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _within(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    at = _utc(moment)
    return (start is None or at >= start) and (end is None or at < end)


def _utc_day(moment: datetime) -> date:
    return _utc(moment).date()


def _stamp(day: date | datetime) -> str:
    """A datetime cell as Log Analytics writes it (`2026-11-01T00:00:00Z`)."""
    moment = _utc(day) if isinstance(day, datetime) else datetime.combine(day, time(0), UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}0"
    return text + "Z"


__all__ = [
    "APIM_MARKER",
    "APPINSIGHTS_MARKER",
    "DependencyRow",
    "GatewayLogRow",
    "LlmLogRow",
    "LogAnalyticsWorkspace",
    "LogsApi",
    "ResultTable",
    "bad_argument",
    "parse_timespan",
]
