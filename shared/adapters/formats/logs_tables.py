"""Log Analytics query results (one result table) read into caller calls and daily outcomes.

Pure parsing, no I/O: a table is its column names and its rows, as `azure.monitor.query.LogsTable`
gives them (`ResultTable.of(table.columns, table.rows)`: datetimes already parsed) or as a saved
response JSON has them (`tables_of_response`: `{"tables": [{"name", "columns": [{"name",
"type"}], "rows": [[...]]}]}`, datetimes as ISO 8601 text). Columns are found by name, never by
position; other columns are ignored.

The caller queries (shared/adapters/azure/log_analytics_queries.py) answer one row per UTC day,
account, deployment and caller with these columns:

- `Day` (datetime, a UTC midnight), `Account` (string: the first label of the account's endpoint
  host, "" when the logs do not show it), `Deployment` (string: the deployment name the client
  used);
- the caller columns of the source (`CALLER_COLUMNS`): `ApimSubscriptionId` and `ProductId` for
  the APIM gateway, `AppRoleName` for Application Insights;
- `InputTokens`, `OutputTokens`, `Requests` (long, never negative).

An APIM row is one `LoggedCalls` per non-empty caller column (its subscription, its product): the
same tokens seen two ways, each kind split on its own. A row whose caller is empty gives nothing
for that kind: those tokens stay unattributed (the allocation shows them as such).

An outcome query (a use case's own KQL) must answer the columns `day` (datetime or date) and
`outcomes` (a whole number >= 0: a long, or a real without a fraction), one row per day.

Every bad value raises `InvalidInput` naming the column (and the row): the adapter makes it a
one-line `SourceError` naming the query (`mapped`). Rows of days outside the window asked for
are dropped: the query's own binning must not leak a neighbouring day into the window.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shared.core.callers import Caller, CallerKind, LoggedCalls, TelemetrySource
from shared.core.outcomes import MAX_COUNT, DailyOutcomes
from shared.core.period import DateWindow
from shared.errors import InvalidInput, excerpt

DAY = "Day"
ACCOUNT = "Account"
DEPLOYMENT = "Deployment"
INPUT_TOKENS = "InputTokens"
OUTPUT_TOKENS = "OutputTokens"
REQUESTS = "Requests"
APIM_SUBSCRIPTION = "ApimSubscriptionId"
APIM_PRODUCT = "ProductId"
APP_ROLE = "AppRoleName"
# The caller columns of each telemetry source, and the kind of caller each one names.
CALLER_COLUMNS: Mapping[TelemetrySource, tuple[tuple[str, CallerKind], ...]] = {
    TelemetrySource.APIM: (
        (APIM_SUBSCRIPTION, CallerKind.APIM_SUBSCRIPTIONS),
        (APIM_PRODUCT, CallerKind.APIM_PRODUCTS),
    ),
    TelemetrySource.APP_INSIGHTS: ((APP_ROLE, CallerKind.APP_ROLES),),
}
OUTCOME_DAY = "day"
OUTCOME_COUNT = "outcomes"


def caller_columns(source: TelemetrySource) -> tuple[str, ...]:
    """Every column a caller query of `source` answers, in the order the query projects them."""
    callers = tuple(name for name, _ in CALLER_COLUMNS[source])
    return (DAY, ACCOUNT, DEPLOYMENT, *callers, INPUT_TOKENS, OUTPUT_TOKENS, REQUESTS)


@dataclass(frozen=True)
class ResultTable:
    """One table of a query result: column names and rows of cells."""

    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]

    @classmethod
    def of(
        cls, columns: Iterable[str | Mapping[str, Any]], rows: Iterable[Iterable[object]]
    ) -> ResultTable:
        """From column names (or `{"name", "type"}` objects, as the REST API has them) and rows
        (lists, or `LogsTableRow`s). A row whose length is not the columns' is refused."""
        names = tuple(_column_name(c, i) for i, c in enumerate(columns))
        cells = tuple(tuple(row) for row in rows)
        for index, row in enumerate(cells):
            if len(row) != len(names):
                raise InvalidInput(
                    "rows", f"row {index} has {len(row)} cells for {len(names)} columns"
                )
        return cls(names, cells)

    def index(self, column: str) -> int:
        """The position of a required column; `InvalidInput` naming it when it is missing."""
        try:
            return self.columns.index(column)
        except ValueError:
            found = ", ".join(self.columns) or "none"
            raise InvalidInput(column, f"missing column (the result has: {found})") from None


def tables_of_response(payload: object) -> list[ResultTable]:
    """The tables of a saved Log Analytics query response (`{"tables": [...]}`)."""
    tables = payload.get("tables") if isinstance(payload, Mapping) else None
    if not isinstance(tables, list):
        raise InvalidInput("tables", "the response has no list of tables")
    out = []
    for i, table in enumerate(tables):
        if not isinstance(table, Mapping):
            raise InvalidInput(f"tables[{i}]", "not an object")
        columns, rows = table.get("columns"), table.get("rows")
        if not isinstance(columns, list) or not isinstance(rows, list):
            raise InvalidInput(f"tables[{i}]", "needs a list of columns and a list of rows")
        if not all(isinstance(row, list) for row in rows):
            raise InvalidInput(f"tables[{i}].rows", "every row must be a list")
        out.append(ResultTable.of(columns, rows))
    return out


def parse_logged_calls(
    source: TelemetrySource, table: ResultTable, window: DateWindow | None = None
) -> list[LoggedCalls]:
    """The calls of a caller query's table: per day, account, deployment and caller, summed over
    the rows that name the same caller, sorted; rows with an empty caller give nothing."""
    positions = {name: table.index(name) for name in caller_columns(source)}
    sums: dict[tuple[date, str, str, CallerKind, str], list[int]] = {}
    seen: set[tuple[object, ...]] = set()
    for number, row in enumerate(table.rows):
        day = _day(row[positions[DAY]], DAY, number)
        account = _text(row[positions[ACCOUNT]], ACCOUNT, number)
        deployment = _text(row[positions[DEPLOYMENT]], DEPLOYMENT, number)
        callers = [
            (kind, _text(row[positions[name]], name, number))
            for name, kind in CALLER_COLUMNS[source]
        ]
        counts = [
            _whole(row[positions[name]], name, number)
            for name in (INPUT_TOKENS, OUTPUT_TOKENS, REQUESTS)
        ]
        key = (day, account, deployment, *(name for _, name in callers))
        if key in seen:
            raise InvalidInput(DAY, f"row {number} repeats the day, account, deployment and caller")
        seen.add(key)
        if window is not None and day not in window:
            continue
        for kind, name in callers:
            if not name:
                continue  # not attributable to a caller of this kind
            totals = sums.setdefault((day, account, deployment, kind, name), [0, 0, 0])
            for i, count in enumerate(counts):
                totals[i] += count
    return [
        LoggedCalls(day, account, deployment, Caller(kind, name), *totals)
        for (day, account, deployment, kind, name), totals in sorted(sums.items())
    ]


def parse_daily_outcomes(
    table: ResultTable, window: DateWindow | None = None
) -> list[DailyOutcomes]:
    """One count per day of an outcome query's table (`day`, `outcomes`), sorted by day."""
    day_at, count_at = table.index(OUTCOME_DAY), table.index(OUTCOME_COUNT)
    days: dict[date, int] = {}
    for number, row in enumerate(table.rows):
        day = _day(row[day_at], OUTCOME_DAY, number)
        count = _whole(row[count_at], OUTCOME_COUNT, number)
        if count > MAX_COUNT:
            raise InvalidInput(OUTCOME_COUNT, f"row {number}: at most {MAX_COUNT}, got {count}")
        if day in days:
            raise InvalidInput(OUTCOME_DAY, f"row {number}: {day} appears more than once")
        days[day] = count
    return [
        DailyOutcomes(day, count)
        for day, count in sorted(days.items())
        if window is None or day in window
    ]


def _column_name(column: str | Mapping[str, Any], index: int) -> str:
    name = column.get("name") if isinstance(column, Mapping) else column
    if not isinstance(name, str) or not name:
        raise InvalidInput("columns", f"column {index} has no name")
    return name


def _day(value: object, column: str, row: int) -> date:
    """A datetime (UTC if naive), a date, or ISO 8601 text of either: its UTC date."""
    if isinstance(value, str):
        value = _iso(value.strip(), column, row)
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.date()
    if isinstance(value, date):
        return value
    raise InvalidInput(column, f"row {row}: must be a datetime, got {excerpt(value)}")


def _iso(text: str, column: str, row: int) -> date | datetime:
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        head, dot, tail = text.partition(".")
        if dot:  # Log Analytics writes up to 7 fraction digits; Python reads 6
            digits = len(tail) - len(tail.lstrip("0123456789"))
            text = f"{head}.{tail[: min(digits, 6)]}{tail[digits:]}"
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(column, f"row {row}: not a datetime: {excerpt(text)}") from None


def _text(value: object, column: str, row: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(column, f"row {row}: must be a string, got {excerpt(value)}")
    return value


def _whole(value: object, column: str, row: int) -> int:
    """A whole number >= 0: an int (a long), or a float or Decimal without a fraction (a real)."""
    number = _as_int(value)
    if number is None:
        raise InvalidInput(column, f"row {row}: must be a whole number, got {excerpt(value)}")
    if number < 0:
        raise InvalidInput(column, f"row {row}: must not be negative, got {number}")
    return number


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, Decimal):
        whole = value.is_finite() and value == value.to_integral_value()
        return int(value) if whole else None
    return None
