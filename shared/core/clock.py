"""The wall clock services and adapters take by default (as a `clock`/`now` argument tests
replace); the core's own functions never read it: they are given the time they need."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
