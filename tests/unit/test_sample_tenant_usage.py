"""The sample tenant's traffic per minute: exact day totals, a diurnal shape, plausible peaks."""

from __future__ import annotations

from datetime import date

import pytest

from shared.core.period import BillingPeriod
from shared.core.ptu_facts import ptu_facts
from shared.core.usage import UsageRecord
from shared.demo.sample_tenant import DEFAULT_PERIOD, DEFAULT_SEED
from shared.demo.sample_tenant_catalogue import DEPLOYMENTS, SampleDeployment
from shared.demo.sample_tenant_usage import MINUTES_PER_DAY, minute_tokens, simulate, spread

USAGE = simulate(DEFAULT_PERIOD, DEFAULT_SEED).usage
BY_NAME = {d.name: d for d in DEPLOYMENTS}


def of(name: str) -> list[UsageRecord]:
    return [u for u in USAGE if u.deployment == name]


def busiest_minute(record: UsageRecord) -> int:
    minutes = minute_tokens(record)
    return minutes.index(max(minutes))


def test_every_days_minutes_add_up_to_its_tokens_and_peak_at_peak_tpm() -> None:
    for u in USAGE:
        minutes = minute_tokens(u)
        assert len(minutes) == MINUTES_PER_DAY and min(minutes) >= 0
        assert sum(minutes) == u.input_tokens + u.output_tokens, u
        assert u.peak_tpm == (max(minutes) if u.total_tokens else None), u


def test_a_day_the_metrics_missed_or_a_deployment_did_not_run_has_no_peak() -> None:
    gap = BY_NAME["mini-regional"].metrics_gap_day
    (missed,) = [u for u in of("mini-regional") if u.date.day == gap]
    assert (missed.total_tokens, missed.peak_tpm) == (0, None)
    assert all(u.peak_tpm is None for u in of("chat-ptu") if u.date.day < 10)
    assert all(u.peak_tpm for u in of("chat-prod"))


def test_working_days_peak_in_local_working_hours_and_weekends_are_flatter() -> None:
    for name, utc_hours in (("chat-prod", range(13, 23)), ("docs-summarizer", range(7, 17))):
        weekdays = [u for u in of(name) if u.date.weekday() < 5 and u.total_tokens]
        assert {busiest_minute(u) // 60 for u in weekdays} <= set(utc_hours), name
        ratio = {u.date: u.peak_tpm * MINUTES_PER_DAY / u.total_tokens for u in of(name)
                 if u.peak_tpm}  # fmt: skip
        weekend = [r for day, r in ratio.items() if day.weekday() >= 5]
        assert max(weekend) < min(r for day, r in ratio.items() if day.weekday() < 5)
        assert 2 < max(ratio.values()) < 3  # busy hours, not one spike


def test_the_ptu_deployment_serves_nothing_before_it_was_created_at_noon() -> None:
    (created,) = [u for u in of("chat-ptu") if u.date == date(2026, 10, 10)]

    minutes = minute_tokens(created)

    assert sum(minutes[:720]) == 0 and sum(minutes[720:]) == created.total_tokens


def capacity_tpm(dep: SampleDeployment) -> int:
    """1,000 TPM per unit on Standard SKUs; PTUs x input TPM per PTU when provisioned."""
    if not dep.is_provisioned:
        return dep.capacity * 1000
    facts = ptu_facts(dep.model)
    assert facts is not None
    return dep.capacity * facts.input_tpm_per_ptu


@pytest.mark.parametrize("dep", DEPLOYMENTS, ids=lambda d: d.name)
def test_no_peak_exceeds_what_the_deployment_can_serve(dep: SampleDeployment) -> None:
    peaks = [u for u in of(dep.name) if u.peak_tpm]
    assert peaks
    assert max(u.peak_tpm or 0 for u in peaks) <= capacity_tpm(dep)
    if dep.is_provisioned:  # uncached input plus output weighing 4 input tokens, the peak minute
        for u in peaks:
            assert u.peak_tpm is not None
            uncached = u.input_tokens * (1 - 0.9 * dep.cached_share)  # cached: >= 90 % of share
            load = u.peak_tpm * (uncached + 4 * u.output_tokens) / u.total_tokens
            assert load <= capacity_tpm(dep), u.date


def test_the_minutes_are_deterministic() -> None:
    again = simulate(DEFAULT_PERIOD, DEFAULT_SEED).usage

    assert [u.peak_tpm for u in again] == [u.peak_tpm for u in USAGE]
    other_month = simulate(BillingPeriod(2026, 11), DEFAULT_SEED).usage
    assert [u.peak_tpm for u in other_month] != [u.peak_tpm for u in USAGE]


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (10, (1, 1, 1), (3, 3, 4)),
        (7, (0, 2, 0, 1), (0, 4, 0, 3)),
        (0, (5, 5), (0, 0)),
        (5, (0, 0), (0, 0)),  # nothing to weigh by: nothing served
        (1, (1,) * 4, (0, 0, 0, 1)),
    ],
)
def test_spread_splits_exactly_by_weight(
    total: int, weights: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    assert spread(total, weights) == expected
