"""Key helpers shared by the table repositories: Table-safe, stable keys."""

from __future__ import annotations

from datetime import date

from shared.core.arm_ids import parse_account_id

NO_ACCOUNT = "_none"


def account_key(account_id: str) -> str:
    """The account's table key, or `_none` for cost rows without a resource."""
    return parse_account_id(account_id).key if account_id else NO_ACCOUNT


def day_text(day: date) -> str:
    return day.isoformat()


def parse_day(text: object) -> date:
    return date.fromisoformat(str(text))
