"""The Log Analytics sources through the real LogsQueryClient and DefaultAzureCredential, against
the simulated workspace (shared/demo/log_analytics_workspace.py) served by the HTTPS double.

Expectations are computed here from the test's own description of the traffic (which requests
the gateway logged, which spans are leaves, by hand), never by the double's code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pytest
from azure.core.credentials import TokenCredential

from shared.adapters.azure.calls import CallOptions
from shared.adapters.azure.log_analytics import (
    RETRY,
    SERVER_TIMEOUT_SECONDS,
    LogAnalyticsCallerSource,
    LogAnalyticsOutcomeSource,
)
from shared.core.callers import Caller, CallerKind, LoggedCalls, TelemetrySource
from shared.core.outcomes import DailyOutcomes
from shared.core.period import DateWindow, midnight_utc
from shared.demo.https_double import RecordedRequest
from shared.demo.log_analytics_workspace import (
    DependencyRow,
    GatewayLogRow,
    LlmLogRow,
    LogAnalyticsWorkspace,
    LogsApi,
    ResultTable,
)
from shared.errors import SourceError, ThrottledError
from tests.doubles import AzureDouble
from tests.doubles.fixtures import RunningDouble

WS = "5b1e6c2a-0000-4000-8000-0000000000a1"
OTHER_WS = "5b1e6c2a-0000-4000-8000-0000000000ff"
WINDOW = DateWindow(date(2026, 11, 1), date(2026, 11, 5))
EAST = "https://contoso-east.openai.azure.com/openai"
WEST = "https://Contoso-West.openai.azure.com"
OUTCOME_QUERY = (
    "AppEvents | where Name == 'resolved'\n"
    "| summarize outcomes = count() by day = bin(TimeGenerated, 1d)"
)
# The account each backend URL names (read by a human, not by a regex).
BACKEND_ACCOUNT = {EAST: "contoso-east", WEST: "Contoso-West", "": ""}

Serve = Callable[[AzureDouble], RunningDouble]
Credential = Callable[[RunningDouble], TokenCredential]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant on November `day` 2026, UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Call:
    """One request through the APIM gateway, as the test describes it."""

    when: datetime
    deployment: str
    prompt: int
    completion: int
    subscription: str
    product: str
    backend: str
    gateway_logged: bool = True
    logged_twice: bool = False


CALLS = [
    Call(at(1, 9), "chat-4o", 1200, 300, "sub-checkout", "starter", EAST),
    Call(at(1, 10), "chat-4o", 800, 200, "sub-checkout", "starter", EAST),
    Call(at(1, 11), "chat-4o", 500, 50, "sub-support", "starter", EAST),
    Call(at(1, 23, 59), "embed", 4000, 0, "sub-support", "unlimited", WEST),
    Call(at(2, 0, 1), "chat-4o", 700, 70, "sub-checkout", "", EAST),  # no product
    Call(at(2, 8), "chat-4o", 999, 111, "sub-lost", "starter", EAST, gateway_logged=False),
    Call(at(3, 12), "chat-4o", 321, 123, "sub-support", "starter", EAST, logged_twice=True),
    Call(at(3, 13), "embed", 2500, 0, "sub-checkout", "unlimited", WEST),
    Call(at(4, 18), "chat-4o", 640, 64, "sub-late", "unlimited", EAST, gateway_logged=False),
    Call(at(4, 20), "chat-4o", 100, 10, "sub-support", "starter", EAST),
    Call(at(5, 0, 0), "chat-4o", 5000, 500, "sub-checkout", "starter", EAST),  # after the window
    Call(datetime(2026, 10, 31, 23, 59, tzinfo=UTC), "chat-4o", 9, 9, "sub-checkout", "x", EAST),
]


def apim_workspace(calls: Iterable[Call]) -> LogAnalyticsWorkspace:
    """The rows the gateway writes for `calls`: a token row and two message rows per request
    (the message rows repeat the counts, so counting them would show), and the gateway log."""
    llm: list[LlmLogRow] = []
    gateway: list[GatewayLogRow] = []
    for n, call in enumerate(calls):
        corr = f"corr-{n:03d}"
        total = call.prompt + call.completion
        llm.append(
            LlmLogRow(
                call.when, corr, call.deployment, "gpt-4o", call.prompt, call.completion, total, 0
            )
        )
        for sequence in (1, 2):
            llm.append(
                LlmLogRow(call.when, corr, "", "", call.prompt, call.completion, total, sequence)
            )
        if call.gateway_logged:
            row = GatewayLogRow(
                corr, call.subscription, call.product, "aoai", call.backend, call.when
            )
            gateway.append(row)
            if call.logged_twice:
                gateway.append(replace(row, time_generated=call.when + timedelta(seconds=1)))
    return LogAnalyticsWorkspace(llm_logs=llm, gateway_logs=gateway)


def expected_apim(calls: Iterable[Call], window: DateWindow) -> list[LoggedCalls]:
    sums: dict[tuple[date, str, str, Caller], list[int]] = {}
    for call in calls:
        day = call.when.date()
        if day not in window or not call.gateway_logged:
            continue
        account = BACKEND_ACCOUNT[call.backend]
        for kind, name in (
            (CallerKind.APIM_SUBSCRIPTIONS, call.subscription),
            (CallerKind.APIM_PRODUCTS, call.product),
        ):
            if name:
                totals = sums.setdefault(
                    (day, account, call.deployment, Caller(kind, name)), [0] * 3
                )
                totals[0] += call.prompt
                totals[1] += call.completion
                totals[2] += 1
    return [LoggedCalls(d, a, dep, c, *t) for (d, a, dep, c), t in sums.items()]


def ordered(calls: Iterable[LoggedCalls]) -> list[LoggedCalls]:
    return sorted(calls, key=lambda c: (c.date, c.account, c.deployment, str(c.caller)))


@dataclass(frozen=True)
class Span:
    """One exported span and whether it must be counted (a leaf GenAI span with tokens)."""

    row: DependencyRow
    counted: bool
    account: str = ""  # the account its Target names, when counted
    input_tokens: int = 0
    output_tokens: int = 0


def dep(
    span_id: str,
    parent: str,
    when: datetime,
    kind: str,
    target: str,
    role: str,
    props: dict[str, str],
    items: int = 1,
) -> DependencyRow:
    return DependencyRow(span_id, parent, when, kind, target, role, items, props)


def usage(model: str, tokens_in: int, tokens_out: int, old: bool = False) -> dict[str, str]:
    names = ("prompt_tokens", "completion_tokens") if old else ("input_tokens", "output_tokens")
    return {
        "gen_ai.request.model": model,
        f"gen_ai.usage.{names[0]}": str(tokens_in),
        f"gen_ai.usage.{names[1]}": str(tokens_out),
    }


SPANS = [
    # An SDK span alone (openai-v2 CLIENT), with its HTTP child (not a GenAI span).
    Span(
        dep("s1", "r1", at(1, 9), "GenAI | openai", "contoso-east.openai.azure.com", "checkout",
            {"gen_ai.system": "openai", **usage("chat-4o", 1000, 250)}),
        True, "contoso-east", 1000, 250,
    ),
    Span(dep("h1", "s1", at(1, 9), "HTTP", "contoso-east.openai.azure.com", "checkout", {}), False),
    # A Semantic Kernel span wrapping the SDK span: the same tokens, counted once (the leaf).
    Span(
        dep("sk2", "r2", at(1, 14), "GenAI | openai", "openai", "checkout",
            {"gen_ai.system": "openai", **usage("chat-4o", 700, 80)}),
        False,
    ),
    Span(
        dep("s2", "sk2", at(1, 14), "GenAI | openai", "contoso-east.openai.azure.com:443",
            "checkout", {"gen_ai.system": "openai", **usage("chat-4o", 700, 80)}),
        True, "contoso-east", 700, 80,
    ),
    # Older attribute names, sampled (one row stands for 4 spans).
    Span(
        dep("s3", "r3", at(2, 10), "GenAI | az.ai.inference", "contoso-west.services.ai.azure.com",
            "support-bot", {"gen_ai.system": "az.ai.inference",
                            **usage("chat-mini", 300, 40, old=True)}, items=4),
        True, "contoso-west", 1200, 160,
    ),
    # Only the newer gen_ai.provider.name: the exporter does not type it GenAI.
    Span(
        dep("s4", "r4", at(2, 11), "N/A", "AOAI-Legacy.cognitiveservices.azure.com", "support-bot",
            {"gen_ai.provider.name": "azure.ai.openai", **usage("chat-mini", 55, 5)}),
        True, "aoai-legacy", 55, 5,
    ),
    # Not an Azure OpenAI host: no account.
    Span(
        dep("s5", "r5", at(3, 8), "GenAI | openai", "api.openai.com", "checkout",
            {"gen_ai.system": "openai", **usage("chat-4o", 90, 9)}),
        True, "", 90, 9,
    ),
    # An agent span (tokens summed over its calls) over a chat span and a tool span (no tokens).
    Span(
        dep("a6", "r6", at(3, 9), "GenAI | openai", "openai", "agents",
            {"gen_ai.system": "openai", "gen_ai.operation.name": "invoke_agent",
             **usage("chat-4o", 400, 60)}),
        False,
    ),
    Span(
        dep("c6", "a6", at(3, 9), "GenAI | openai", "contoso-east.openai.azure.com", "agents",
            {"gen_ai.system": "openai", **usage("chat-4o", 400, 60)}, items=2),
        True, "contoso-east", 800, 120,
    ),
    Span(
        dep("t6", "a6", at(3, 9), "GenAI | openai", "openai", "agents",
            {"gen_ai.system": "openai", "gen_ai.operation.name": "execute_tool"}),
        False,
    ),
    # No role name: not attributable to a caller.
    Span(
        dep("s7", "r7", at(4, 7), "GenAI | openai", "contoso-east.openai.azure.com", "",
            {"gen_ai.system": "openai", **usage("chat-4o", 77, 7)}),
        False,
    ),
    # Outside the window.
    Span(
        dep("s8", "r8", at(5, 0), "GenAI | openai", "contoso-east.openai.azure.com", "checkout",
            {"gen_ai.system": "openai", **usage("chat-4o", 5000, 500)}),
        False,
    ),
]  # fmt: skip


def expected_app_roles(spans: Iterable[Span]) -> list[LoggedCalls]:
    sums: dict[tuple[date, str, str, Caller], list[int]] = {}
    for span in spans:
        if not span.counted:
            continue
        row = span.row
        key = (
            row.time_generated.date(),
            span.account,
            row.properties["gen_ai.request.model"],
            Caller(CallerKind.APP_ROLES, row.app_role_name),
        )
        totals = sums.setdefault(key, [0, 0, 0])
        totals[0] += span.input_tokens
        totals[1] += span.output_tokens
        totals[2] += row.item_count
    return [LoggedCalls(d, a, dp, c, *t) for (d, a, dp, c), t in sums.items()]


def serve_logs(serve: Serve, logs: LogsApi) -> RunningDouble:
    return serve(AzureDouble(logs=logs))


def sleepless(
    sleeps: list[float] | None = None, max_attempts: int = RETRY.max_attempts
) -> CallOptions:
    return CallOptions(
        replace(RETRY, max_attempts=max_attempts),
        (sleeps.append if sleeps is not None else lambda seconds: None),
    )


def caller_source(
    azure: RunningDouble,
    credential: Credential,
    source: TelemetrySource,
    options: CallOptions | None = None,
    workspace: str = WS,
) -> LogAnalyticsCallerSource:
    return LogAnalyticsCallerSource(
        credential(azure), workspace, source, azure.base_url, options or sleepless()
    )


def queries_of(logs: LogsApi) -> list[RecordedRequest]:
    return [r for r in logs.requests if r.method == "POST"]


def test_apim_callers_join_the_gateway_log_and_leave_unlogged_requests_unattributed(
    serve_azure: Serve, credential_for: Credential
) -> None:
    logs = LogsApi({WS: apim_workspace(CALLS)})
    azure = serve_logs(serve_azure, logs)

    got = caller_source(azure, credential_for, TelemetrySource.APIM).fetch(WINDOW)

    assert ordered(got) == ordered(expected_apim(CALLS, WINDOW))
    in_window = [c for c in CALLS if c.when.date() in WINDOW]
    subscriptions = [c for c in got if c.caller.kind is CallerKind.APIM_SUBSCRIPTIONS]
    attributed = sum(c.input_tokens for c in subscriptions)
    unlogged = sum(c.prompt for c in in_window if not c.gateway_logged)
    assert unlogged > 0
    assert attributed == sum(c.prompt for c in in_window) - unlogged
    assert {c.caller.name for c in got} >= {"sub-checkout", "starter", "unlimited"}
    assert not {"sub-lost", "sub-late", ""} & {c.caller.name for c in got}
    assert {c.account for c in got} == {"contoso-east", "Contoso-West"}


def test_app_insights_callers_count_leaf_spans_weighted_by_item_count(
    serve_azure: Serve, credential_for: Credential
) -> None:
    logs = LogsApi({WS: LogAnalyticsWorkspace(dependencies=[s.row for s in SPANS])})
    azure = serve_logs(serve_azure, logs)

    got = caller_source(azure, credential_for, TelemetrySource.APP_INSIGHTS).fetch(WINDOW)

    assert ordered(got) == ordered(expected_app_roles(SPANS))
    checkout_day_1 = [c for c in got if c.caller.name == "checkout" and c.date == date(2026, 11, 1)]
    assert sum(c.input_tokens for c in checkout_day_1) == 1000 + 700  # the wrapper not again
    assert {c.caller.kind for c in got} == {CallerKind.APP_ROLES}


def test_a_query_asks_the_window_as_timespan_with_a_server_timeout_and_the_endpoint_audience(
    serve_azure: Serve, credential_for: Credential
) -> None:
    logs = LogsApi({WS: apim_workspace(CALLS)})
    azure = serve_logs(serve_azure, logs)

    caller_source(azure, credential_for, TelemetrySource.APIM).fetch(WINDOW)

    (request,) = queries_of(logs)
    assert request.path == f"/v1/workspaces/{WS}/query"
    body = request.json()
    assert body["timespan"] == "2026-11-01T00:00:00.000Z/2026-11-05T00:00:00.000Z"
    assert body["query"].splitlines()[0] == "// finops-for-ai: apim-callers v1"
    assert request.headers["prefer"] == f"wait={SERVER_TIMEOUT_SECONDS}"
    (token_request,) = azure.double.token_requests()
    assert f"scope={quote(azure.base_url + '/.default', safe='')}".encode() in token_request.body


def test_an_outcome_query_counts_per_day_and_drops_days_outside_the_window(
    serve_azure: Serve, credential_for: Credential
) -> None:
    daily = {
        date(2026, 10, 31): 4,
        date(2026, 11, 1): 12,
        date(2026, 11, 3): 7,
        date(2026, 11, 5): 9,
    }

    def resolved(start: datetime | None, end: datetime | None) -> list[tuple[date, int]]:
        del start, end  # binning leaks neighbouring days, as a careless query may
        return list(daily.items())

    workspace = LogAnalyticsWorkspace(outcome_queries={OUTCOME_QUERY: resolved})
    azure = serve_logs(serve_azure, LogsApi({WS: workspace}))
    source = LogAnalyticsOutcomeSource(credential_for(azure), azure.base_url, sleepless())

    got = source.fetch(WS, OUTCOME_QUERY, WINDOW)

    assert got == [DailyOutcomes(d, n) for d, n in sorted(daily.items()) if d in WINDOW]
    assert date(2026, 11, 2) not in {o.date for o in got}  # no row: no data, not zero


def test_a_partial_answer_is_bisected_by_days_and_gives_the_complete_totals(
    serve_azure: Serve, credential_for: Credential
) -> None:
    def partial(start: datetime | None, end: datetime | None) -> bool:
        return start is not None and end is not None and end - start > timedelta(days=1)

    logs = LogsApi({WS: apim_workspace(CALLS)}, partial_when=partial)
    azure = serve_logs(serve_azure, logs)

    got = caller_source(azure, credential_for, TelemetrySource.APIM).fetch(WINDOW)

    assert ordered(got) == ordered(expected_apim(CALLS, WINDOW))
    spans = [r.json()["timespan"] for r in queries_of(logs)]
    assert len(spans) == 2 * len(list(WINDOW.days())) - 1  # 4 days: 4 + 2 + 1 queries
    single_days = [s for s in spans if s.endswith("T00:00:00.000Z") and _days(s) == 1]
    assert sorted(single_days) == [
        f"{d.isoformat()}T00:00:00.000Z/{(d + timedelta(days=1)).isoformat()}T00:00:00.000Z"
        for d in WINDOW.days()
    ]


def test_a_day_still_partial_alone_is_a_source_error_naming_it_and_nothing_is_returned(
    serve_azure: Serve, credential_for: Credential
) -> None:
    bad_day = midnight_utc(date(2026, 11, 3))

    def partial(start: datetime | None, end: datetime | None) -> bool:
        return start is not None and end is not None and start <= bad_day < end

    logs = LogsApi({WS: apim_workspace(CALLS)}, partial_when=partial)
    azure = serve_logs(serve_azure, logs)
    source = caller_source(azure, credential_for, TelemetrySource.APIM)

    with pytest.raises(SourceError) as caught:
        source.fetch(WINDOW)

    message = str(caught.value)
    assert "\n" not in message
    assert "apim" in message and WS in message and "2026-11-03" in message
    assert "PartialError" in message and "E_QUERY_RESULT_SET_TOO_LARGE" in message
    assert _days(queries_of(logs)[-1].json()["timespan"]) == 1


def test_throttled_queries_are_retried_as_retry_after_asks_then_succeed(
    serve_azure: Serve, credential_for: Credential
) -> None:
    logs = LogsApi({WS: apim_workspace(CALLS)}, throttle_first_n=2, retry_after="3")
    azure = serve_logs(serve_azure, logs)
    sleeps: list[float] = []

    got = caller_source(azure, credential_for, TelemetrySource.APIM, sleepless(sleeps)).fetch(
        WINDOW
    )

    assert ordered(got) == ordered(expected_apim(CALLS, WINDOW))
    assert sleeps == [3.0, 3.0]
    assert len(queries_of(logs)) == 3


def test_throttling_past_the_budget_is_a_throttled_error(
    serve_azure: Serve, credential_for: Credential
) -> None:
    logs = LogsApi({WS: apim_workspace(CALLS)}, throttle_first_n=100)
    azure = serve_logs(serve_azure, logs)
    sleeps: list[float] = []
    options = sleepless(sleeps, max_attempts=3)

    with pytest.raises(ThrottledError, match="429") as caught:
        caller_source(azure, credential_for, TelemetrySource.APIM, options).fetch(WINDOW)

    assert caught.value.retry_after_seconds == 1.0
    assert len(sleeps) == 2
    assert len(queries_of(logs)) == 3


def test_an_unknown_workspace_is_a_one_line_source_error(
    serve_azure: Serve, credential_for: Credential
) -> None:
    logs = LogsApi({WS: apim_workspace(CALLS)})
    azure = serve_logs(serve_azure, logs)
    source = caller_source(azure, credential_for, TelemetrySource.APP_INSIGHTS, workspace=OTHER_WS)

    with pytest.raises(SourceError) as caught:
        source.fetch(WINDOW)

    assert not isinstance(caught.value, ThrottledError)
    message = str(caught.value)
    assert "\n" not in message
    assert OTHER_WS in message and "404" in message and "WorkspaceNotFoundError" in message


def test_an_outcome_query_the_workspace_cannot_run_is_a_source_error_naming_it(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_logs(serve_azure, LogsApi({WS: LogAnalyticsWorkspace()}))
    source = LogAnalyticsOutcomeSource(credential_for(azure), azure.base_url, sleepless())

    with pytest.raises(SourceError, match="BadArgumentError") as caught:
        source.fetch(WS, OUTCOME_QUERY, WINDOW)

    assert "AppEvents" in str(caught.value)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        (ResultTable([("day", "datetime"), ("count_", "long")], [["2026-11-01T00:00:00Z", 3]]),
         "outcomes"),
        (ResultTable([("Day", "datetime"), ("outcomes", "long")], [["2026-11-01T00:00:00Z", 3]]),
         "day"),
        (ResultTable([("day", "datetime"), ("outcomes", "real")], [["2026-11-01T00:00:00Z", 2.5]]),
         "outcomes"),
        (ResultTable([("day", "datetime"), ("outcomes", "long")], [["2026-11-01T00:00:00Z", -1]]),
         "outcomes"),
        (ResultTable([("day", "datetime"), ("outcomes", "long")],
                     [["2026-11-01T00:00:00Z", 1], ["2026-11-01T00:00:00Z", 2]]),
         "day"),
        (ResultTable([("day", "string"), ("outcomes", "long")], [["yesterday", 1]]), "day"),
    ],
)  # fmt: skip
def test_bad_outcome_columns_are_a_one_line_source_error_naming_the_query_and_column(
    serve_azure: Serve, credential_for: Credential, table: ResultTable, column: str
) -> None:
    workspace = LogAnalyticsWorkspace(outcome_queries={OUTCOME_QUERY: lambda start, end: table})
    azure = serve_logs(serve_azure, LogsApi({WS: workspace}))
    source = LogAnalyticsOutcomeSource(credential_for(azure), azure.base_url, sleepless())

    with pytest.raises(SourceError) as caught:
        source.fetch(WS, OUTCOME_QUERY, WINDOW)

    message = str(caught.value)
    assert "\n" not in message
    assert "outcome query" in message and "AppEvents" in message and WS in message
    assert f": {column}: " in message


def test_a_whole_real_outcome_count_is_read_as_a_number(
    serve_azure: Serve, credential_for: Credential
) -> None:
    workspace = LogAnalyticsWorkspace(
        outcome_queries={OUTCOME_QUERY: lambda start, end: [(date(2026, 11, 2), 6.0)]}
    )
    azure = serve_logs(serve_azure, LogsApi({WS: workspace}))
    source = LogAnalyticsOutcomeSource(credential_for(azure), azure.base_url, sleepless())

    assert source.fetch(WS, OUTCOME_QUERY, WINDOW) == [DailyOutcomes(date(2026, 11, 2), 6)]


def test_the_logs_api_wants_a_bearer_token_and_knows_its_workspaces() -> None:
    logs = LogsApi({WS: LogAnalyticsWorkspace()})
    body = b'{"query": "x", "timespan": null}'
    path = f"/v1/workspaces/{WS}/query"

    anonymous = logs.handle(RecordedRequest("POST", path, "", {}, {}, body))
    other = logs.handle(
        RecordedRequest(
            "POST", f"/v1/workspaces/{OTHER_WS}/query", "", {}, {"authorization": "Bearer t"}, body
        )
    )
    unknown_query = logs.handle(
        RecordedRequest("POST", path, "", {}, {"authorization": "Bearer t"}, body)
    )

    assert anonymous.status == 401 and b"AuthorizationRequiredError" in anonymous.body
    assert other.status == 404
    assert unknown_query.status == 400 and b"BadArgumentError" in unknown_query.body


def _days(timespan: str) -> int:
    start, end = (datetime.fromisoformat(p) for p in timespan.split("/"))
    return (end - start).days
