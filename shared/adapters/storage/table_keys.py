"""Key helpers shared by the table repositories: Table-safe, stable keys."""

from __future__ import annotations

import hashlib
from datetime import date

from shared.core.arm_ids import parse_account_id

NO_ACCOUNT = "_none"


def account_key(account_id: str) -> str:
    """The account's table key, or `_none` for cost rows without a resource."""
    return parse_account_id(account_id).key if account_id else NO_ACCOUNT


def digest(*parts: object) -> str:
    """A short, stable hash of the parts (for row keys built from free text such as meter names)."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def day_text(day: date) -> str:
    return day.isoformat()


def parse_day(text: object) -> date:
    return date.fromisoformat(str(text))
