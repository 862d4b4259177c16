"""Key helpers shared by the table repositories: Table-safe, stable keys."""

from __future__ import annotations

from datetime import date

from shared.core.shards import account_shard_key


def account_key(account_id: str) -> str:
    """The account's table key, or `_none` for cost rows without a resource."""
    return account_shard_key(account_id)


def day_text(day: date) -> str:
    return day.isoformat()


def parse_day(text: object) -> date:
    return date.fromisoformat(str(text))
