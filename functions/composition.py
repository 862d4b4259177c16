"""The Functions app's container, built once per worker on first use (no I/O at import), and the
clock the timers read their window by. An HTTP cold start builds only the stores; the collectors
add the live sources, the allocator the meter catalogue (shared/bootstrap.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache

from shared.bootstrap import Container
from shared.core.period import DateWindow
from shared.core.period_status import collection_window
from shared.services.economics import EconomicsService
from shared.services.insights import InsightsService
from shared.services.outcomes import OutcomeService
from shared.services.targets import TargetService
from shared.services.use_cases import UseCaseService
from shared.services.views import ViewService
from shared.services.what_if import WhatIfService
from shared.settings import Settings


@cache
def container() -> Container:
    return Container(Settings.from_env())


def views() -> ViewService:
    """The read side the HTTP API serves: the published allocations, each period's status as of
    today (UTC)."""
    return container().views


def use_cases() -> UseCaseService:
    """The use-case definitions the HTTP API reads and changes."""
    return container().use_cases


def outcomes() -> OutcomeService:
    """Pushed outcomes (POST /api/use-cases/{name}/outcomes)."""
    return container().outcomes


def economics() -> EconomicsService:
    """Use-case economics, callers and showback, computed from the live allocation."""
    return container().economics


def targets() -> TargetService:
    """The unit-cost targets and their status."""
    return container().targets


def what_if() -> WhatIfService:
    """A deployment's traffic re-priced under another configuration."""
    return container().what_if


def insights() -> InsightsService:
    """A period's savings findings."""
    return container().insights


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
