"""Prompt detectors on crafted gpt-4o Global Standard traffic: prompts above their baseline (own
history or the peers' median) and long prompts rarely cached, each with the hand-computed saving,
and just under each threshold, without a baseline or without a cached-input price."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.core.detectors_prompts import TARGET_ASSUMED, bloated_prompt, low_cache_share
from shared.core.findings import Confidence, FindingType, Thresholds
from shared.core.price_book import PriceBook
from tests.builders import daily, dep, facts_of, retail

DEFAULTS = Thresholds()
SEPTEMBER = date(2026, 9, 1)
IN, CACHED, OUT = (
    retail("in", "gpt 4o 1120 Inp glbl Tokens", "0.0025"),
    retail("cached", "gpt 4o 1120 cached Inp glbl Tokens", "0.00125"),
    retail("out", "gpt 4o 1120 Outp glbl Tokens", "0.01"),
)
BOOK = PriceBook.build((), (IN, CACHED, OUT))
NO_CACHED_PRICE = PriceBook.build((), (IN, OUT))

# 10 days of 1,000 requests: 3,000,000 input (500,000 cached), 100,000 output a day. A day costs
# 2,500,000 x 0.0000025 + 500,000 x 0.00000125 + 100,000 x 0.00001 = 6.25 + 0.625 + 1.00 =
# 7.875: 78.75 in all. Input per request 3,000, input:output 30.
BIG = facts_of(dep("big"), "78.75", daily(10, 3_000_000, 100_000, cached=500_000, requests=1000))
# Peers on gpt-4o: 1,000 and 1,400 input tokens per request, median 1,200.
PEERS = (
    facts_of(dep("small"), "10", daily(10, 1_000_000, 100_000, requests=1000)),
    facts_of(dep("medium"), "10", daily(10, 1_400_000, 100_000, requests=1000)),
)
OTHER_MODEL = facts_of(dep("other", "gpt-4.1", "2025-04-14"), "1", daily(3, 1_000, 10, requests=10))


def test_bloated_prompt_fires_against_the_peers_median_with_the_trimmed_saving() -> None:
    # Trimmed to 1,200 per request (x 0.4): a day of 1,200,000 input, 200,000 cached:
    # 1,000,000 x 0.0000025 + 200,000 x 0.00000125 + 1.00 = 3.75; 37.50 in all.
    [found] = bloated_prompt(BIG, (BIG, *PEERS, OTHER_MODEL), BOOK, DEFAULTS)
    assert found.type is FindingType.BLOATED_PROMPT
    assert found.monthly_saving == Decimal("41.25")  # 78.75 - 37.50
    assert found.what_if is not None and found.what_if.cost == Decimal("37.50")
    assert ("baseline", "median of 2 peers on gpt-4o") in found.evidence
    assert ("ratio to baseline", "2.5000") in found.evidence
    assert ("input:output ratio", "30.0 (high: at least 20)") in found.evidence
    assert found.confidence is Confidence.LOW  # 10 days


def test_bloated_prompt_prefers_the_own_history_over_the_peers() -> None:
    # History: 1,500 per request; x 0.5: a day of 1,500,000 input, 250,000 cached:
    # 1,250,000 x 0.0000025 + 250,000 x 0.00000125 + 1.00 = 4.4375; 44.375 in all.
    history = daily(5, 1_500_000, 100_000, requests=1000, start=SEPTEMBER)
    own = facts_of(BIG.unit.deployment, "78.75", BIG.traffic, history=history)
    [found] = bloated_prompt(own, (own, *PEERS), BOOK, DEFAULTS)
    assert found.monthly_saving == Decimal("34.375")  # 78.75 - 44.375
    assert ("baseline", "own history (5 days)") in found.evidence


def test_bloated_prompt_does_not_fire_at_the_ratio_or_without_a_baseline() -> None:
    history = daily(5, 2_000_000, 100_000, requests=1000, start=SEPTEMBER)
    at_ratio = facts_of(BIG.unit.deployment, "78.75", BIG.traffic, history=history)  # 3,000 / 2,000
    assert bloated_prompt(at_ratio, (at_ratio, *PEERS), BOOK, DEFAULTS) == []
    assert bloated_prompt(BIG, (BIG, OTHER_MODEL), BOOK, DEFAULTS) == []  # no peer on gpt-4o
    # The smallest peer against the others (3,000 and 1,400: median 2,200) is not bloated.
    assert bloated_prompt(PEERS[0], (BIG, *PEERS), BOOK, DEFAULTS) == []


# 10 days of 1,000 requests: 2,000,000 input of which 100,000 cached (share 0.05), 100,000
# output: 1,900,000 x 0.0000025 + 100,000 x 0.00000125 + 1.00 = 5.875 a day, 58.75 in all.
UNCACHED = facts_of(dep("long"), "58.75", daily(10, 2_000_000, 100_000, cached=100_000,
                                                requests=1000))  # fmt: skip


def test_low_cache_share_fires_with_the_saving_at_the_target_share() -> None:
    # Half cached: 1,000,000 x 0.0000025 + 1,000,000 x 0.00000125 + 1.00 = 4.75; 47.50.
    [found] = low_cache_share(UNCACHED, BOOK, DEFAULTS)
    assert found.type is FindingType.LOW_CACHE_SHARE
    assert found.monthly_saving == Decimal("11.25")  # 58.75 - 47.50
    assert found.confidence is Confidence.LOW
    assert ("cache share", "0.0500") in found.evidence
    assert ("target cache share", f"0.5 ({TARGET_ASSUMED})") in found.evidence


def test_low_cache_share_does_not_fire_at_the_share_on_short_prompts_or_without_a_price() -> None:
    at_share = facts_of(dep("at"), "1", daily(10, 2_000_000, 100_000, cached=200_000,
                                              requests=1000))  # fmt: skip
    assert low_cache_share(at_share, BOOK, DEFAULTS) == []  # 0.1 is not below 0.1
    short = facts_of(dep("short"), "1", daily(10, 1_023_000, 100_000, requests=1000))
    assert low_cache_share(short, BOOK, DEFAULTS) == []  # 1,023 tokens per request
    assert low_cache_share(UNCACHED, NO_CACHED_PRICE, DEFAULTS) == []
    ptu = facts_of(dep("ptu", sku="GlobalProvisionedManaged", capacity=15), "1", UNCACHED.traffic)
    assert low_cache_share(ptu, BOOK, DEFAULTS) == []  # a capacity costs the same either way
