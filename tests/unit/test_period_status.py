"""Period status (open until day 5 of the next month) and the trailing collection window."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core.period import BillingPeriod
from shared.core.period_status import (
    PeriodStatus,
    closes_on,
    collection_window,
    period_status,
)
from shared.errors import InvalidInput

OCT = BillingPeriod(2026, 10)
DEC = BillingPeriod(2026, 12)


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2026, 9, 30), PeriodStatus.OPEN),  # a future period
        (date(2026, 10, 1), PeriodStatus.OPEN),  # the current period
        (date(2026, 10, 31), PeriodStatus.OPEN),
        (date(2026, 11, 1), PeriodStatus.OPEN),  # ended, Azure still closing it
        (date(2026, 11, 5), PeriodStatus.OPEN),  # charges may change until day 5
        (date(2026, 11, 6), PeriodStatus.CLOSED),
        (date(2027, 3, 1), PeriodStatus.CLOSED),
    ],
)
def test_a_period_is_open_until_day_5_of_the_next_month(today: date, status: PeriodStatus) -> None:
    assert period_status(OCT, today) is status


def test_a_period_closes_on_day_6_of_the_next_month_across_a_year_end() -> None:
    assert closes_on(OCT) == date(2026, 11, 6)
    assert closes_on(DEC) == date(2027, 1, 6)
    assert period_status(DEC, date(2027, 1, 5)) is PeriodStatus.OPEN
    assert period_status(DEC, date(2027, 1, 6)) is PeriodStatus.CLOSED


def test_the_status_names_are_the_api_names() -> None:
    assert [s.value for s in PeriodStatus] == ["open", "closed"]


def test_on_day_5_the_window_reaches_back_to_the_first_of_a_31_day_previous_month() -> None:
    # 35 days back from 5 November is 2 October: October 1 would be missed.
    window = collection_window(date(2026, 11, 5), 35)
    assert window.start == date(2026, 10, 1)
    assert window.end == date(2026, 11, 6)


def test_once_the_previous_month_is_closed_the_window_is_the_lookback() -> None:
    window = collection_window(date(2026, 11, 6), 35)
    assert (window.start, window.end) == (date(2026, 10, 3), date(2026, 11, 7))


def test_early_in_january_the_window_covers_the_whole_december() -> None:
    window = collection_window(date(2027, 1, 2), 35)
    assert window.start == date(2026, 11, 29)  # the lookback is longer than December here
    assert collection_window(date(2027, 1, 2), 1).start == date(2026, 12, 1)


def test_a_short_lookback_still_covers_the_whole_current_month() -> None:
    assert collection_window(date(2026, 11, 20), 1).start == date(2026, 11, 1)


def test_a_lookback_that_is_not_positive_is_refused_naming_it() -> None:
    with pytest.raises(InvalidInput) as err:
        collection_window(date(2026, 11, 5), 0)
    assert err.value.field == "lookback_days"


@given(
    today=st.dates(min_value=date(2001, 1, 1), max_value=date(2100, 12, 31)),
    lookback=st.integers(min_value=1, max_value=120),
)
def test_the_window_ends_today_and_leaves_out_only_closed_days_beyond_the_lookback(
    today: date, lookback: int
) -> None:
    window = collection_window(today, lookback)
    assert window.end == today + timedelta(days=1)
    left_out = window.start - timedelta(days=1)  # the latest day not re-read
    assert (today - left_out).days >= lookback
    assert period_status(BillingPeriod.of(left_out), today) is PeriodStatus.CLOSED
    # ...and no wider than it must be: the lookback, or the first day of an open month.
    start_period = BillingPeriod.of(window.start)
    assert window.start == today - timedelta(days=lookback - 1) or (
        window.start == start_period.start
        and period_status(start_period, today) is PeriodStatus.OPEN
    )
