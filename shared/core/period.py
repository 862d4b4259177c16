"""Billing periods (calendar months) and day windows, both half-open."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from shared.errors import InvalidInput, excerpt

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def midnight_utc(day: date) -> datetime:
    """The moment `day` begins, in UTC (days and periods are UTC days)."""
    return datetime.combine(day, time(0), tzinfo=UTC)


@dataclass(frozen=True, order=True)
class DateWindow:
    """Days from `start` (included) to `end` (excluded)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInput("window", f"end {self.end} must be after start {self.start}")

    @classmethod
    def inclusive(cls, since: date, until: date) -> DateWindow:
        """The window of `since` to `until`, both days included."""
        if until < since:
            raise InvalidInput("until", f"{until} is before since {since}")
        return cls(since, until + timedelta(days=1))

    def days(self) -> Iterator[date]:
        day = self.start
        while day < self.end:
            yield day
            day += timedelta(days=1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    def periods(self) -> list[BillingPeriod]:
        """The billing periods this window touches, in order."""
        first = BillingPeriod.of(self.start)
        last = BillingPeriod.of(self.end - timedelta(days=1))
        out = [first]
        while out[-1] != last:
            out.append(out[-1].next())
        return out

    def month_chunks(self) -> list[DateWindow]:
        """This window cut at month boundaries (Cost Management queries at most one month)."""
        chunks = []
        for period in self.periods():
            start = max(self.start, period.start)
            end = min(self.end, period.end)
            chunks.append(DateWindow(start, end))
        return chunks


@dataclass(frozen=True, order=True)
class BillingPeriod:
    """A calendar month, the unit of allocation."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and 2000 <= self.year <= 9999):
            raise InvalidInput("period", f"not a valid month: {self.year:04d}-{self.month:02d}")

    @classmethod
    def parse(cls, text: str, field: str = "period") -> BillingPeriod:
        """`YYYY-MM`; anything else raises InvalidInput quoting at most 40 characters of it."""
        match = _PERIOD.fullmatch(text.strip()) if isinstance(text, str) else None
        if not match:
            raise InvalidInput(field, f"expected YYYY-MM, got {excerpt(text)}")
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise InvalidInput(field, f"month must be 01..12, got {excerpt(text)}")
        return cls(year, month)

    def not_after(self, latest: BillingPeriod, field: str = "period") -> BillingPeriod:
        """This period, or InvalidInput when it is later than `latest` (no billing month yet)."""
        if self > latest:
            raise InvalidInput(field, f"{self} is later than {latest}: not a billing month yet")
        return self

    @classmethod
    def of(cls, day: date) -> BillingPeriod:
        return cls(day.year, day.month)

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """The first day of the next month (excluded)."""
        return self.next().start

    @property
    def window(self) -> DateWindow:
        return DateWindow(self.start, self.end)

    def next(self) -> BillingPeriod:
        return BillingPeriod(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> BillingPeriod:
        return BillingPeriod.of(self.start - timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
