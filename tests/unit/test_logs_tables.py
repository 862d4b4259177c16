"""Log Analytics result tables read into caller calls and daily outcomes (every documented error),
and the caller queries' contract: marker lines and result columns."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from azure.monitor.query import LogsTable

from shared.adapters.azure.log_analytics_queries import (
    APIM_CALLERS,
    APPINSIGHTS_CALLERS,
    CALLER_QUERIES,
)
from shared.adapters.formats.logs_tables import (
    ResultTable,
    caller_columns,
    parse_daily_outcomes,
    parse_logged_calls,
    tables_of_response,
)
from shared.core.callers import Caller, CallerKind, LoggedCalls, TelemetrySource
from shared.core.outcomes import MAX_COUNT, DailyOutcomes
from shared.core.period import DateWindow
from shared.demo import log_analytics_workspace as double
from shared.errors import InvalidInput

APIM = TelemetrySource.APIM
APP = TelemetrySource.APP_INSIGHTS
APIM_COLUMNS = [
    "Day",
    "Account",
    "Deployment",
    "ApimSubscriptionId",
    "ProductId",
    "InputTokens",
    "OutputTokens",
    "Requests",
]
APP_COLUMNS = [
    "Day",
    "Account",
    "Deployment",
    "AppRoleName",
    "InputTokens",
    "OutputTokens",
    "Requests",
]
NOV_1 = "2026-11-01T00:00:00Z"
NOV_2 = "2026-11-02T00:00:00Z"
WINDOW = DateWindow(date(2026, 11, 1), date(2026, 11, 3))
SUB = CallerKind.APIM_SUBSCRIPTIONS
PRODUCT = CallerKind.APIM_PRODUCTS


def apim(*rows: list[Any]) -> ResultTable:
    return ResultTable.of(APIM_COLUMNS, rows)


def outcomes(*rows: list[Any], columns: tuple[str, ...] = ("day", "outcomes")) -> ResultTable:
    return ResultTable.of(columns, rows)


def calls(day: date, deployment: str, caller: Caller, *counts: int) -> LoggedCalls:
    return LoggedCalls(day, "acct", deployment, caller, *counts)


# The queries' contract.


@pytest.mark.parametrize(
    ("source", "marker"),
    [(APIM, double.APIM_MARKER), (APP, double.APPINSIGHTS_MARKER)],
)
def test_each_query_starts_with_the_marker_line_the_simulated_workspace_recognises(
    source: TelemetrySource, marker: str
) -> None:
    assert CALLER_QUERIES[source].splitlines()[0] == marker
    assert marker.startswith("// finops-for-ai: ")


@pytest.mark.parametrize(("query", "source"), [(APIM_CALLERS, APIM), (APPINSIGHTS_CALLERS, APP)])
def test_each_query_projects_exactly_the_columns_the_parser_reads(
    query: str, source: TelemetrySource
) -> None:
    last = query[query.rindex("| project ") + len("| project ") :]
    assert [c.strip() for c in last.split(",")] == list(caller_columns(source))


def test_the_documented_column_names_are_the_parsers() -> None:
    assert list(caller_columns(APIM)) == APIM_COLUMNS
    assert list(caller_columns(APP)) == APP_COLUMNS


@pytest.mark.parametrize("query", [APIM_CALLERS, APPINSIGHTS_CALLERS])
def test_the_queries_aggregate_per_utc_day_and_carry_no_time_filter_of_their_own(
    query: str,
) -> None:
    assert "summarize" in query and "Day = startofday(TimeGenerated)" in query
    assert not re.search(r"\bago\(|\bnow\(", query)  # the request's timespan is the window


def test_the_app_insights_query_keeps_leaf_spans_weighted_by_item_count() -> None:
    assert "join kind=leftanti parents on Id" in APPINSIGHTS_CALLERS
    assert (
        "* ItemCount" in APPINSIGHTS_CALLERS and "Requests = sum(ItemCount)" in APPINSIGHTS_CALLERS
    )
    for name in ("input_tokens", "prompt_tokens", "output_tokens", "completion_tokens"):
        assert f'"gen_ai.usage.{name}"' in APPINSIGHTS_CALLERS


def test_the_apim_query_joins_the_gateway_log_left_outer_on_correlation_id() -> None:
    assert "join kind=leftouter gateway on CorrelationId" in APIM_CALLERS
    assert "isnotempty(DeploymentName)" in APIM_CALLERS


# Caller tables.


def test_an_apim_row_is_one_call_per_subscription_and_one_per_product() -> None:
    got = parse_logged_calls(APIM, apim([NOV_1, "acct", "chat", "sub-a", "starter", 100, 20, 3]))

    assert len(got) == 2
    assert set(got) == {
        calls(date(2026, 11, 1), "chat", Caller(SUB, "sub-a"), 100, 20, 3),
        calls(date(2026, 11, 1), "chat", Caller(PRODUCT, "starter"), 100, 20, 3),
    }


def test_an_empty_caller_gives_nothing_for_its_kind_and_the_tokens_stay_unattributed() -> None:
    table = apim(
        [NOV_1, "acct", "chat", "", "starter", 100, 20, 3],
        [NOV_1, "acct", "chat", "sub-a", "", 7, 1, 1],
        [NOV_1, "acct", "chat", "", "", 999, 99, 9],
    )

    got = parse_logged_calls(APIM, table)

    assert len(got) == 2
    assert set(got) == {
        calls(date(2026, 11, 1), "chat", Caller(SUB, "sub-a"), 7, 1, 1),
        calls(date(2026, 11, 1), "chat", Caller(PRODUCT, "starter"), 100, 20, 3),
    }


def test_rows_naming_one_caller_are_summed_per_day_account_and_deployment() -> None:
    table = apim(
        [NOV_1, "acct", "chat", "sub-a", "starter", 100, 20, 3],
        [NOV_1, "acct", "chat", "sub-a", "unlimited", 50, 5, 1],
        [NOV_2, "acct", "chat", "sub-a", "starter", 1, 1, 1],
    )

    got = parse_logged_calls(APIM, table)

    subs = [c for c in got if c.caller.kind is SUB]
    assert subs == [
        calls(date(2026, 11, 1), "chat", Caller(SUB, "sub-a"), 150, 25, 4),
        calls(date(2026, 11, 2), "chat", Caller(SUB, "sub-a"), 1, 1, 1),
    ]
    assert len([c for c in got if c.caller.kind is PRODUCT]) == 3


def test_app_insights_rows_name_the_cloud_role() -> None:
    table = ResultTable.of(APP_COLUMNS, [[NOV_1, "", "chat", "checkout", 10, 2, 1]])

    (got,) = parse_logged_calls(APP, table)

    assert got == LoggedCalls(
        date(2026, 11, 1), "", "chat", Caller(CallerKind.APP_ROLES, "checkout"), 10, 2, 1
    )


@pytest.mark.parametrize(
    ("cell", "day"),
    [
        (datetime(2026, 11, 2, tzinfo=UTC), date(2026, 11, 2)),
        (datetime(2026, 11, 2), date(2026, 11, 2)),  # naive: UTC
        (datetime(2026, 11, 1, 22, tzinfo=timezone(timedelta(hours=-3))), date(2026, 11, 2)),
        (date(2026, 11, 2), date(2026, 11, 2)),
        ("2026-11-02T00:00:00Z", date(2026, 11, 2)),
        ("2026-11-02T00:00:00.0000000Z", date(2026, 11, 2)),
        ("2026-11-01T23:30:00.1234567-02:00", date(2026, 11, 2)),
        ("2026-11-02", date(2026, 11, 2)),
    ],
)
def test_a_day_is_the_utc_date_of_a_datetime_a_date_or_their_iso_text(
    cell: object, day: date
) -> None:
    (got, _) = parse_logged_calls(APIM, apim([cell, "acct", "chat", "s", "p", 1, 1, 1]))

    assert got.date == day


def test_rows_outside_the_window_are_dropped() -> None:
    table = apim(
        ["2026-10-31T00:00:00Z", "acct", "chat", "s", "", 1, 1, 1],
        [NOV_2, "acct", "chat", "s", "", 2, 2, 2],
        ["2026-11-03T00:00:00Z", "acct", "chat", "s", "", 3, 3, 3],
    )

    assert [c.input_tokens for c in parse_logged_calls(APIM, table, WINDOW)] == [2]
    assert len(parse_logged_calls(APIM, table)) == 3


def test_a_table_as_logs_query_client_gives_it_is_read_the_same() -> None:
    raw_rows = [[NOV_1, "acct", "chat", "sub-a", "starter", 100, 20, 3]]
    types = ["datetime", "string", "string", "string", "string", "long", "long", "long"]
    sdk = LogsTable(name="PrimaryResult", columns=APIM_COLUMNS, columns_types=types, rows=raw_rows)

    assert isinstance(sdk.rows[0][0], datetime)  # the SDK parsed it
    assert parse_logged_calls(APIM, ResultTable.of(sdk.columns, sdk.rows)) == parse_logged_calls(
        APIM, apim(*raw_rows)
    )


def test_a_saved_response_is_read_by_column_name_not_position() -> None:
    payload = {
        "tables": [
            {
                "name": "PrimaryResult",
                "columns": [{"name": n, "type": "string"} for n in reversed(APIM_COLUMNS)],
                "rows": [[3, 20, 100, "starter", "sub-a", "chat", "acct", NOV_1]],
            }
        ]
    }

    (table,) = tables_of_response(payload)

    assert parse_logged_calls(APIM, table) == parse_logged_calls(
        APIM, apim([NOV_1, "acct", "chat", "sub-a", "starter", 100, 20, 3])
    )


@pytest.mark.parametrize("missing", APIM_COLUMNS)
def test_a_missing_caller_column_is_named(missing: str) -> None:
    columns = [c for c in APIM_COLUMNS if c != missing]
    table = ResultTable.of(columns, [])

    with pytest.raises(InvalidInput) as caught:
        parse_logged_calls(APIM, table)

    assert caught.value.field == missing
    assert "missing column" in caught.value.problem


@pytest.mark.parametrize(
    ("position", "value", "column", "problem"),
    [
        (5, -1, "InputTokens", "must not be negative"),
        (6, -5, "OutputTokens", "must not be negative"),
        (7, -1, "Requests", "must not be negative"),
        (5, 1.5, "InputTokens", "whole number"),
        (5, "12", "InputTokens", "whole number"),
        (5, None, "InputTokens", "whole number"),
        (5, True, "InputTokens", "whole number"),
        (5, float("nan"), "InputTokens", "whole number"),
        (3, 42, "ApimSubscriptionId", "must be a string"),
        (2, ["chat"], "Deployment", "must be a string"),
        (0, "yesterday", "Day", "not a datetime"),
        (0, 20261101, "Day", "must be a datetime"),
    ],
)
def test_every_bad_caller_cell_is_named_by_its_column_and_row(
    position: int, value: object, column: str, problem: str
) -> None:
    row: list[Any] = [NOV_1, "acct", "chat", "sub-a", "starter", 100, 20, 3]
    row[position] = value

    with pytest.raises(InvalidInput) as caught:
        parse_logged_calls(APIM, apim([NOV_1, "acct", "other", "s", "p", 1, 1, 1], row))

    assert caught.value.field == column
    assert "row 1" in caught.value.problem and problem in caught.value.problem


def test_whole_reals_and_decimals_are_counts() -> None:
    (got, _) = parse_logged_calls(
        APIM, apim([NOV_1, "acct", "chat", "s", "p", 10.0, Decimal("4"), 2])
    )

    assert (got.input_tokens, got.output_tokens, got.requests) == (10, 4, 2)


def test_a_repeated_row_is_refused_rather_than_counted_twice() -> None:
    row = [NOV_1, "acct", "chat", "sub-a", "starter", 100, 20, 3]

    with pytest.raises(InvalidInput, match="row 1 repeats"):
        parse_logged_calls(APIM, apim(row, row))


def test_a_row_with_the_wrong_number_of_cells_is_refused() -> None:
    with pytest.raises(InvalidInput, match="row 0 has 7 cells for 8 columns"):
        ResultTable.of(APIM_COLUMNS, [[NOV_1, "acct", "chat", "s", "p", 1, 1]])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "tables"),
        ([], "tables"),
        ({"tables": ["x"]}, "tables[0]"),
        ({"tables": [{"columns": [], "rows": {}}]}, "tables[0]"),
        ({"tables": [{"columns": [], "rows": ["x"]}]}, "tables[0].rows"),
        ({"tables": [{"columns": [{"type": "long"}], "rows": []}]}, "columns"),
    ],
)
def test_a_malformed_saved_response_is_refused(payload: object, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        tables_of_response(payload)

    assert caught.value.field == field


# Outcome tables.


def test_outcomes_are_one_count_per_day_sorted_and_only_of_the_window() -> None:
    table = outcomes(
        [NOV_2, 7],
        ["2026-10-31T00:00:00Z", 4],
        [NOV_1, 12.0],
        ["2026-11-03T00:00:00Z", 9],
    )

    assert parse_daily_outcomes(table, WINDOW) == [
        DailyOutcomes(date(2026, 11, 1), 12),
        DailyOutcomes(date(2026, 11, 2), 7),
    ]


def test_outcome_columns_may_come_in_any_order_among_others() -> None:
    table = outcomes([5, "x", NOV_1], columns=("outcomes", "note", "day"))

    assert parse_daily_outcomes(table) == [DailyOutcomes(date(2026, 11, 1), 5)]


def test_zero_outcomes_is_a_count() -> None:
    assert parse_daily_outcomes(outcomes([NOV_1, 0])) == [DailyOutcomes(date(2026, 11, 1), 0)]


@pytest.mark.parametrize(
    ("columns", "missing"),
    [(("day", "count"), "outcomes"), (("Day", "outcomes"), "day"), (("when", "n"), "day")],
)
def test_a_missing_outcome_column_is_named(columns: tuple[str, ...], missing: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_daily_outcomes(outcomes([NOV_1, 1], columns=columns))

    assert caught.value.field == missing
    assert ", ".join(columns) in caught.value.problem  # what the result has instead


@pytest.mark.parametrize(
    ("rows", "field", "problem"),
    [
        ([[NOV_1, 2.5]], "outcomes", "whole number"),
        ([[NOV_1, -1]], "outcomes", "must not be negative"),
        ([[NOV_1, None]], "outcomes", "whole number"),
        ([[NOV_1, "3"]], "outcomes", "whole number"),
        ([[NOV_1, MAX_COUNT + 1]], "outcomes", f"at most {MAX_COUNT}"),
        ([[NOV_1, 1], ["2026-11-01T00:00:00.0000000Z", 2]], "day", "more than once"),
        ([["tomorrow", 1]], "day", "not a datetime"),
        ([[None, 1]], "day", "must be a datetime"),
    ],
)
def test_every_bad_outcome_is_named_by_its_column(
    rows: list[list[Any]], field: str, problem: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_daily_outcomes(outcomes(*rows))

    assert caught.value.field == field
    assert problem in caught.value.problem


def test_a_duplicate_day_is_refused_even_outside_the_window() -> None:
    table = outcomes(["2026-10-01T00:00:00Z", 1], ["2026-10-01T00:00:00Z", 1])

    with pytest.raises(InvalidInput, match="more than once"):
        parse_daily_outcomes(table, WINDOW)
