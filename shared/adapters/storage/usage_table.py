"""The `usage` table: tokens and requests per deployment and day.

PartitionKey `{period}|{accountKey}`, RowKey `{date}|{hash of the deployment name}`.
`PeakTpm` (an Int64) is written only when known, so a row without it (or written before it
existed) reads as None, and re-storing such a record finds it unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from shared.adapters.storage.table_gateway import (
    PK,
    Entity,
    PlannedWrite,
    TableGateway,
    exact_range,
    plan_replace,
    shard_range,
)
from shared.adapters.storage.table_keys import account_key, day_text, parse_day
from shared.core.digest import digest
from shared.core.period import BillingPeriod, DateWindow
from shared.core.resource_id import id_key
from shared.core.shards import AccountShard
from shared.core.usage import UsageRecord, merge_usage

TABLE = "usage"


class UsageTable:
    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def plan_window(
        self, window: DateWindow, account_ids: Iterable[str], records: Sequence[UsageRecord]
    ) -> dict[BillingPeriod, PlannedWrite]:
        """Per period, the writes that replace the window's usage of the given accounts (others
        are left as stored)."""
        plans: dict[BillingPeriod, PlannedWrite] = {}
        accounts = {id_key(a): a for a in account_ids}
        for period in window.periods():
            parts = []
            for norm, account_id in sorted(accounts.items()):
                own = [
                    r
                    for r in records
                    if id_key(r.account_id) == norm
                    and r.date in window
                    and BillingPeriod.of(r.date) == period
                ]
                parts.append(
                    plan_replace(
                        self._gateway,
                        TABLE,
                        exact_range(f"{period}|{account_key(account_id)}"),
                        (_entity(period, r) for r in merge_usage(own)),
                        in_scope=lambda e: parse_day(e["Date"]) in window,
                    )
                )
            plans[period] = PlannedWrite(self._gateway, tuple(parts))
        return plans

    def replace_window(
        self, window: DateWindow, account_ids: Iterable[str], records: Sequence[UsageRecord]
    ) -> set[BillingPeriod]:
        """Replace the window's usage of the given accounts (others are left as stored)."""
        plans = self.plan_window(window, account_ids, records)
        return {p for p, w in plans.items() if w.apply()}

    def count_window(self, window: DateWindow, account_ids: Iterable[str]) -> int:
        keys = sorted({account_key(a) for a in account_ids})
        return sum(
            1
            for period in window.periods()
            for key in keys
            for row in self._gateway.query(TABLE, *exact_range(f"{period}|{key}"))
            if parse_day(row["Date"]) in window
        )

    def records_for(
        self, period: BillingPeriod, shard: AccountShard | None = None
    ) -> list[UsageRecord]:
        rows = self._gateway.query(TABLE, *shard_range(f"{period}|", shard))
        return [_record(row) for row in rows]


def _entity(period: BillingPeriod, r: UsageRecord) -> Entity:
    entity: Entity = {
        PK: f"{period}|{account_key(r.account_id)}",
        "RowKey": f"{day_text(r.date)}|{digest(id_key(r.deployment))}",
        "Date": day_text(r.date),
        "AccountId": r.account_id,
        "Deployment": r.deployment,
        "InputTokens": r.input_tokens,
        "OutputTokens": r.output_tokens,
        "Requests": r.requests,
        "PtuUtilization": "" if r.ptu_utilization is None else str(r.ptu_utilization),
    }
    if r.peak_tpm is not None:
        entity["PeakTpm"] = r.peak_tpm
    return entity


def _record(row: Entity) -> UsageRecord:
    return UsageRecord(
        date=parse_day(row["Date"]),
        account_id=str(row["AccountId"]),
        deployment=str(row["Deployment"]),
        input_tokens=int(row["InputTokens"]),
        output_tokens=int(row["OutputTokens"]),
        requests=int(row["Requests"]),
        ptu_utilization=Decimal(str(row["PtuUtilization"])) if row.get("PtuUtilization") else None,
        peak_tpm=int(row["PeakTpm"]) if row.get("PeakTpm") is not None else None,
    )
