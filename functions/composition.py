"""The Functions app's container, built once per worker on first use (no I/O at import), and the
clock the timers read their window by. An HTTP cold start builds only the stores; the collectors
add the live sources, the allocator the meter catalogue (shared/bootstrap.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING

from shared.core.period import DateWindow
from shared.core.period_status import collection_window

if TYPE_CHECKING:
    from shared.bootstrap import Container


@cache
def container() -> Container:
    # Imported here: the Functions host imports every trigger module at start (benchmark e).
    from shared.bootstrap import Container
    from shared.settings import Settings

    return Container(Settings.from_env())


def reset() -> None:
    """Forget everything built, so the next invocation reads the settings again."""
    container.cache_clear()


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def trailing_window(lookback_days: int, until: date | None = None) -> DateWindow:
    """The days to re-read up to `until` (default: today, UTC): shared/core/period_status.py."""
    return collection_window(until or today(), lookback_days)
