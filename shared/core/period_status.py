"""Whether Azure may still restate a billing period, and the days every collection re-reads.

Azure finalizes a billing period up to 72 hours after it ends, and usage charges "can change until
the fifth day of the month after your current billing period ends" (azure-cost-facts §7, S5). So a
period is `open` until day 5 of the next month and `closed` from day 6 on.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum

from shared.core.period import BillingPeriod, DateWindow
from shared.errors import InvalidInput

# Day of the month after a period from which Azure no longer restates it (day 5 is the last).
CLOSING_DAY = 6


class PeriodStatus(Enum):
    """`open`: Azure may still restate the period's costs; `closed`: they are final."""

    OPEN = "open"
    CLOSED = "closed"


def closes_on(period: BillingPeriod) -> date:
    """The first day the period is closed: day 6 of the month after it."""
    return period.end + timedelta(days=CLOSING_DAY - 1)


def period_status(period: BillingPeriod, today: date) -> PeriodStatus:
    """Closed from day 6 of the next month on (§7: charges change until day 5); else open."""
    return PeriodStatus.CLOSED if today >= closes_on(period) else PeriodStatus.OPEN


def open_periods(today: date) -> tuple[BillingPeriod, ...]:
    """The periods Azure may still restate on `today`: the previous one until it closes, and the
    current one."""
    current = BillingPeriod.of(today)
    previous = BillingPeriod.of(current.start - timedelta(days=1))
    if period_status(previous, today) is PeriodStatus.OPEN:
        return (previous, current)
    return (current,)


def collection_window(today: date, lookback_days: int) -> DateWindow:
    """The last `lookback_days` days up to `today` (included), widened to cover every open period
    whole: the current month, and the previous one until it closes (§7's collector rule)."""
    if lookback_days < 1:
        raise InvalidInput("lookback_days", f"must be positive, got {lookback_days}")
    first_open = open_periods(today)[0]
    start = min(today - timedelta(days=lookback_days - 1), first_open.start)
    return DateWindow.inclusive(start, today)
