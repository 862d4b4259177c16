"""The `callers` table: tokens and requests per caller, deployment and day, from telemetry.

PartitionKey `{period}|{source}` (`2026-10|apim`, `2026-10|appInsights`): one partition per period
and telemetry source, so a collection of one source reads and replaces only its own partition and
never sees the other source's rows. RowKey `{date}|{deploymentKey}|{callerKind}|{hash(name)}`:
a caller's name may hold any character (an APIM subscription id, a product id, a role name), so
the key holds its digest and the `CallerName` column the name itself. Columns: Date, DeploymentId
(the ARM id as collected), CallerKind, CallerName, InputTokens, OutputTokens, Requests (Int64).

`plan_window` replaces, per period, exactly the rows of the window's days of that source's caller
kinds (`kinds_of(source)`); usage of one day, deployment (any casing) and caller is summed into one
row, the first spelling of the deployment id kept. Planning the same usage again plans nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from shared.adapters.storage.table_gateway import (
    PK,
    RK,
    Entity,
    PlannedWrite,
    TableGateway,
    exact_range,
    plan_replace,
)
from shared.adapters.storage.table_keys import day_text, parse_day
from shared.core.arm_ids import deployment_key_of
from shared.core.callers import Caller, CallerKind, CallerUsage, TelemetrySource, kinds_of
from shared.core.digest import digest
from shared.core.period import BillingPeriod, DateWindow
from shared.core.resource_id import id_key
from shared.errors import InvalidInput

TABLE = "callers"


class CallerUsageTable:
    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def plan_window(
        self, window: DateWindow, source: TelemetrySource, usage: Sequence[CallerUsage]
    ) -> dict[BillingPeriod, PlannedWrite]:
        """Per period of the window, the writes that make the stored usage of the source's kinds
        on the window's days exactly `usage` (days outside the window are ignored; a caller of
        another source's kind is InvalidInput)."""
        own = [u for u in merge_caller_usage(checked(source, usage)) if u.date in window]
        plans: dict[BillingPeriod, PlannedWrite] = {}
        for period in window.periods():
            plan = plan_replace(
                self._gateway,
                TABLE,
                exact_range(partition(period, source)),
                (_entity(source, u) for u in own if BillingPeriod.of(u.date) == period),
                in_scope=lambda e: parse_day(e["Date"]) in window,
            )
            plans[period] = PlannedWrite(self._gateway, (plan,))
        return plans

    def count_window(self, window: DateWindow, source: TelemetrySource) -> int:
        """How many rows of the source are stored for the window's days."""
        return sum(
            1
            for period in window.periods()
            for row in self._gateway.query(TABLE, *exact_range(partition(period, source)))
            if parse_day(row["Date"]) in window
        )

    def usage_for(
        self, period: BillingPeriod, kinds: Collection[CallerKind] | None = None
    ) -> list[CallerUsage]:
        """The period's usage of these kinds (every kind when None), ordered by day, deployment
        id (any casing) and caller: one partition read per source needed."""
        wanted = set(CallerKind) if kinds is None else {CallerKind(k) for k in kinds}
        names = {k.value for k in wanted}
        sources = sorted({k.source for k in wanted}, key=lambda s: s.value)
        found = [
            _usage(row)
            for source in sources
            for row in self._gateway.query(TABLE, *exact_range(partition(period, source)))
            if row["CallerKind"] in names
        ]
        return sorted(found, key=usage_order)


def partition(period: BillingPeriod, source: TelemetrySource) -> str:
    return f"{period}|{source.value}"


def row_key(u: CallerUsage) -> str:
    caller = u.caller
    return (
        f"{day_text(u.date)}|{deployment_key_of(u.deployment_id)}|{caller.kind.value}"
        f"|{digest(caller.name)}"
    )


def checked(source: TelemetrySource, usage: Iterable[CallerUsage]) -> list[CallerUsage]:
    """The usage, if every caller is of a kind of `source`; else InvalidInput."""
    kinds = kinds_of(source)
    found = list(usage)
    for u in found:
        if u.caller.kind not in kinds:
            detail = f"caller {u.caller} is not of the {source.value} telemetry source"
            raise InvalidInput("usage", detail)
    return found


def merge_caller_usage(usage: Iterable[CallerUsage]) -> list[CallerUsage]:
    """Usage of one day, deployment (any casing) and caller summed; first-seen order, spelling."""
    merged: dict[tuple[object, ...], CallerUsage] = {}
    for u in usage:
        key = (u.date, id_key(u.deployment_id), u.caller)
        seen = merged.get(key)
        merged[key] = (
            u
            if seen is None
            else CallerUsage(
                seen.date,
                seen.deployment_id,
                seen.caller,
                seen.input_tokens + u.input_tokens,
                seen.output_tokens + u.output_tokens,
                seen.requests + u.requests,
            )
        )
    return list(merged.values())


def usage_order(u: CallerUsage) -> tuple[object, ...]:
    return u.date, id_key(u.deployment_id), u.caller.kind.value, u.caller.name


def _entity(source: TelemetrySource, u: CallerUsage) -> Entity:
    return {
        PK: partition(BillingPeriod.of(u.date), source),
        RK: row_key(u),
        "Date": day_text(u.date),
        "DeploymentId": u.deployment_id,
        "CallerKind": u.caller.kind.value,
        "CallerName": u.caller.name,
        "InputTokens": u.input_tokens,
        "OutputTokens": u.output_tokens,
        "Requests": u.requests,
    }


def _usage(row: Entity) -> CallerUsage:
    return CallerUsage(
        date=parse_day(row["Date"]),
        deployment_id=str(row["DeploymentId"]),
        caller=Caller(CallerKind(str(row["CallerKind"])), str(row["CallerName"])),
        input_tokens=int(row["InputTokens"]),
        output_tokens=int(row["OutputTokens"]),
        requests=int(row["Requests"]),
    )
