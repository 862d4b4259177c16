"""What an answer built from one period's published allocation depends on, read cheaply: the
live publication's token (one point read of its summary: shared/services/ports.py
PublishedToken), the collection stamps its provenance shows, and the day its status is computed
on. Equal inputs, equal answer: they key shared/entrypoints/http/published_reads.py's cache.

Reads are coalesced (shared/entrypoints/http/coalesced.py): concurrent requests share one read,
and one that began less than `reuse_ms` ago is reused (a reader then sees the publication of at
most that long ago: a whole allocation, the previous one at worst, never a mix).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date, datetime

from shared.core.inputs import InputScope
from shared.core.period import BillingPeriod
from shared.core.provenance import stamps_of
from shared.core.views import PeriodQuery
from shared.entrypoints.http.coalesced import KEYS, Coalesced
from shared.services.ports import CollectionTimes, PublishedToken
from shared.services.views import utc_today

REUSE_MS = 1000  # the setting READ_TOKEN_TTL_MS, once wired; 0: every request reads

Stamps = Mapping[InputScope, datetime]
PeriodStamps = tuple[tuple[str, datetime], ...]


@dataclass(frozen=True)
class PublishedSources:
    """Where the inputs are read: the publications' tokens, the collection stamps (None: the app
    shows no provenance), the readers' clock, how long a read is reused (ms). Sources that
    differ (other store objects: a rebuilt container) start afresh: give the same ones."""

    tokens: PublishedToken
    stamps: CollectionTimes | None = None
    today: Callable[[], date] = utc_today
    reuse_ms: int = REUSE_MS


@dataclass(frozen=True)
class ReadInputs:
    """The inputs of an answer about one period and basis: equal inputs, equal answer."""

    token: str
    stamps: PeriodStamps  # the period's own and the shared inputs' collection stamps
    today: date


class PublishedInputs:
    """The inputs of a period's answers, read on `executor` and coalesced."""

    def __init__(self, sources: PublishedSources, executor: Executor) -> None:
        self._sources = sources
        self._reuse = max(sources.reuse_ms, 0) / 1000
        self._tokens: Coalesced[PeriodQuery, str | None] = Coalesced(
            lambda q: sources.tokens.live_token(q.period, q.cost_type), executor
        )
        times = sources.stamps
        self._stamps: Coalesced[None, Stamps] | None = (
            None
            if times is None
            else Coalesced(lambda _: dict(times.collection_stamps()), executor)
        )
        self._filtered: dict[BillingPeriod, tuple[Stamps, PeriodStamps]] = {}

    async def observed(self, query: PeriodQuery) -> ReadInputs | None:
        """The inputs as last read (reused within `reuse_ms`); None: never allocated."""
        token = self._tokens.recent(query, self._reuse)
        stamps = None if self._stamps is None else self._stamps.recent(None, self._reuse)
        if token is not None and (self._stamps is None or stamps is not None):
            return self._inputs(query, token.value, None if stamps is None else stamps.value)
        return await self._read(query, fresh=False)

    async def fresh(self, query: PeriodQuery) -> ReadInputs | None:
        """The inputs as of reads begun now (never reused)."""
        return await self._read(query, fresh=True)

    async def _read(self, query: PeriodQuery, fresh: bool) -> ReadInputs | None:
        tokens = self._tokens.fresh(query) if fresh else self._tokens.get(query, self._reuse)
        if self._stamps is None:
            return self._inputs(query, await tokens, None)
        stamps = self._stamps.fresh(None) if fresh else self._stamps.get(None, self._reuse)
        token, read = await asyncio.gather(tokens, stamps)  # both reads in flight at once
        return self._inputs(query, token, read)

    def _inputs(
        self, query: PeriodQuery, token: str | None, stamps: Stamps | None
    ) -> ReadInputs | None:
        if token is None:
            return None
        return ReadInputs(token, self._of_period(stamps, query.period), self._sources.today())

    def _of_period(self, stamps: Stamps | None, period: BillingPeriod) -> PeriodStamps:
        """The period's stamps, sorted (computed once per read of the stamps and period)."""
        if stamps is None:
            return ()
        known = self._filtered.get(period)
        if known is not None and known[0] is stamps:
            return known[1]
        found = tuple(sorted((s.value, at) for s, at in stamps_of(stamps, period).items()))
        if len(self._filtered) >= KEYS:
            self._filtered.clear()
        self._filtered[period] = (stamps, found)
        return found
