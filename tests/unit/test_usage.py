"""merge_usage: records of one day and deployment summed, peaks included (shared/core/usage.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from shared.core.usage import UsageIndex, UsageRecord, merge_usage

ACC = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a"
DAY = date(2026, 11, 2)


def rec(
    tokens: int, peak: int | None, name: str = "chat", utilization: str | None = None
) -> UsageRecord:
    util = None if utilization is None else Decimal(utilization)
    return UsageRecord(DAY, ACC, name, tokens, 0, 1, util, peak)


def test_one_record_is_kept_as_it_is() -> None:
    one = rec(100, 40, utilization="12.5")

    assert merge_usage([one]) == [one]


def test_slices_of_one_deployment_add_up_tokens_and_peaks_first_seen_casing_kept() -> None:
    merged = merge_usage([rec(100, 30, "Chat", "20"), rec(50, 50, "chat", "30")])

    assert merged == [UsageRecord(DAY, ACC, "Chat", 150, 0, 2, Decimal("20"), 80)]


@pytest.mark.parametrize("order", [1, -1])
def test_a_slice_with_tokens_but_no_peak_makes_the_peak_unknown(order: int) -> None:
    (merged,) = merge_usage([rec(100, 30), rec(50, None)][::order])

    assert (merged.input_tokens, merged.peak_tpm) == (150, None)


def test_an_unknown_peak_stays_unknown_whatever_follows() -> None:
    (merged,) = merge_usage([rec(10, 5), rec(10, None), rec(10, 7)])

    assert merged.peak_tpm is None


@pytest.mark.parametrize("order", [1, -1])
def test_a_slice_without_tokens_and_peak_leaves_the_peak_alone(order: int) -> None:
    (merged,) = merge_usage([rec(100, 30), rec(0, None, utilization="40")][::order])

    assert (merged.peak_tpm, merged.ptu_utilization) == (30, Decimal("40"))


def test_no_peak_anywhere_is_none_and_other_deployments_and_days_stay_apart() -> None:
    other_day = replace(rec(5, 3), date=date(2026, 11, 3))

    merged = merge_usage([rec(1, None), rec(0, None), rec(2, 9, "embed"), other_day])

    assert [(r.deployment, r.date, r.peak_tpm) for r in merged] == [
        ("chat", DAY, None),
        ("embed", DAY, 9),
        ("chat", date(2026, 11, 3), 3),
    ]


def test_the_index_serves_merged_peaks() -> None:
    index = UsageIndex.build([rec(100, 30, "Chat"), rec(50, 20, "chat")])

    found = index.get(DAY, f"{ACC}/deployments/CHAT".upper())

    assert found is not None and found.peak_tpm == 50
