"""Lifecycle detectors: retiring versions priced on their successor (a saving, a cost increase
kept at 0 saving, no price, already retired), as of a day; fine-tuned models hosted for next to no
traffic; and the retirement table's rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from shared.core.detectors_lifecycle import (
    DELETING_STOPS_HOSTING,
    fine_tuned_idle,
    hosted_days,
    retiring_version,
)
from shared.core.findings import Confidence, FindingType, Thresholds, find_all
from shared.core.meters import DeploymentType, Mode
from shared.core.model_retirements import CURRENT, LEGACY, ROWS, retirement
from shared.core.price_book import PriceBook
from tests.builders import daily, dep, facts_of, retail

DEFAULTS = Thresholds()
BOOK = PriceBook.build(
    (),
    (
        retail("4o-in", "gpt 4o 1120 Inp glbl Tokens", "0.0025"),
        retail("4o-out", "gpt 4o 1120 Outp glbl Tokens", "0.01"),
        retail("mini-in", "gpt 4o mini 0718 Inp glbl Tokens", "0.00015"),
        retail("mini-out", "gpt 4o mini 0718 Outp glbl Tokens", "0.0006"),
        retail("41m-in", "gpt 4.1 mini Inp glbl Tokens", "0.0004"),
        retail("41m-out", "gpt 4.1 mini Outp glbl Tokens", "0.0016"),
    ),
)
# 10 days of 1,000,000 input and 100,000 output tokens. gpt-4.1-mini: 0.40 + 0.16 a day, 5.60;
# gpt-4o 2024-11-20: 2.50 + 1.00 a day, 35.00.
TRAFFIC = daily(10)
MINI = dep("mini", "gpt-4o-mini", "2024-07-18")
JULY_15 = date(2026, 7, 15)


def test_a_retiring_version_fires_with_the_successors_saving() -> None:
    # gpt-4o-mini 2024-07-18 on Global Standard retires on 2026-10-01, within 90 days of 15 July.
    [found] = retiring_version(facts_of(MINI, "10", TRAFFIC), BOOK, DEFAULTS, JULY_15)
    assert found.type is FindingType.RETIRING_VERSION
    assert found.monthly_saving == Decimal("4.40")  # 10.00 - 5.60
    assert found.confidence is Confidence.HIGH
    evidence = dict(found.evidence)
    assert evidence["retirement date"] == "2026-10-01"
    assert evidence["as of"] == "2026-07-15 (retires in 78 days)"
    assert evidence["successor"] == "gpt-4.1-mini 2025-04-14"
    assert evidence["source"] == CURRENT
    assert found.what_if is not None and found.what_if.configuration.model == "gpt-4.1-mini"


def test_a_successor_that_costs_more_saves_nothing_but_the_finding_is_kept() -> None:
    [found] = retiring_version(facts_of(MINI, "2.10", TRAFFIC), BOOK, DEFAULTS, JULY_15)
    assert found.monthly_saving == Decimal(0)
    assert ("cost change", "+3.50") in found.evidence  # 5.60 - 2.10


def test_an_unpriced_successor_and_a_retired_version_still_fire() -> None:
    gpt4o = dep("chat", "gpt-4o", "2024-11-20")  # successor gpt-5.1: no price here
    [unpriced] = retiring_version(facts_of(gpt4o, "35", TRAFFIC), BOOK, DEFAULTS, JULY_15)
    assert unpriced.monthly_saving == Decimal(0) and unpriced.what_if is None
    assert dict(unpriced.evidence)["successor cost"].startswith("not priced")
    # gpt-4 0613 retired on 2025-06-06: 512 days before 31 October 2026; successor gpt-4o.
    old = dep("old", "gpt-4", "0613")
    [retired] = retiring_version(facts_of(old, "60", TRAFFIC), BOOK, DEFAULTS, date(2026, 10, 31))
    assert retired.monthly_saving == Decimal("25.00")  # 60.00 - 35.00
    assert ("as of", "2026-10-31 (retired 512 days ago)") in retired.evidence
    assert ("source", LEGACY) in retired.evidence and "retired on" in retired.title


def test_a_retirement_beyond_the_warning_days_or_of_a_fine_tune_does_not_fire() -> None:
    # 2026-07-02 + 90 days = 2026-09-30, before 2026-10-01.
    assert retiring_version(facts_of(MINI, "10", TRAFFIC), BOOK, DEFAULTS, date(2026, 7, 2)) == []
    tuned = dep("ft", "gpt-4o-mini-2024-07-18.ft-abc", "2024-07-18")
    assert retiring_version(facts_of(tuned, "10", TRAFFIC), BOOK, DEFAULTS, JULY_15) == []
    current = dep("new", "gpt-5.1", "2025-11-13")  # not in the table
    assert retiring_version(facts_of(current, "10", TRAFFIC), BOOK, DEFAULTS, JULY_15) == []


def test_regional_standard_retires_earlier_where_the_source_says_so() -> None:
    regional = dep("r", "gpt-4o-mini", "2024-07-18", "Standard")
    new_year = date(2026, 1, 1)  # + 90 days = 2026-04-01: the Regional date 2026-03-31 is within
    [found] = retiring_version(facts_of(regional, "10", TRAFFIC), BOOK, DEFAULTS, new_year)
    assert ("retirement date", "2026-03-31") in found.evidence
    assert retiring_version(facts_of(MINI, "10", TRAFFIC), BOOK, DEFAULTS, new_year) == []
    row = retirement("GPT-4o-mini", "2024-07-18")
    assert row is not None
    assert row.date_for((DeploymentType.GLOBAL, Mode.PROVISIONED)) == date(2026, 10, 1)


def test_find_all_counts_to_the_periods_last_day_by_default() -> None:
    # OCT's last day, 31 October, + 90 days reaches every row up to 2027-01-29.
    assert [f.type for f in find_all([facts_of(MINI, "10", TRAFFIC)], BOOK)] == [
        FindingType.RETIRING_VERSION
    ]
    assert find_all([facts_of(MINI, "10", TRAFFIC)], BOOK, as_of=date(2026, 7, 1)) == []


def test_every_retirement_row_is_sourced_and_its_successor_is_not_itself() -> None:
    assert all(row.source in (CURRENT, LEGACY) for row in ROWS)
    assert all(row.successor_model != row.model for row in ROWS)
    assert len({(row.model, row.version) for row in ROWS}) == len(ROWS)


TUNED = dep("ft", "gpt-4o-mini-2024-07-18.ft-abc", "1", "Standard")
# 5 days of 9,000 input and 1,000 output tokens: 50,000 tokens over October's 31 hosted days.
QUIET = daily(5, 9_000, 1_000, requests=10)
OCT_31 = date(2026, 10, 31)


def test_a_fine_tuned_model_hosted_for_little_traffic_saves_its_hosting_cost() -> None:
    quiet = facts_of(TUNED, "52.80", QUIET, hosting_cost=Decimal("52.70"))
    [found] = fine_tuned_idle(quiet, DEFAULTS, OCT_31)
    assert found.type is FindingType.FINE_TUNED_IDLE
    assert found.monthly_saving == Decimal("52.70")
    assert found.confidence is Confidence.HIGH  # 31 hosted days
    assert ("tokens per hosted day", "1612.9") in found.evidence  # 50,000 / 31
    assert ("action", DELETING_STOPS_HOSTING) in found.evidence and found.what_if is None


def test_hosted_days_start_at_creation_and_end_at_as_of() -> None:
    created = datetime(2026, 10, 25, 9, 30, tzinfo=UTC)
    late = dep("ft", "gpt-4o-mini-2024-07-18.ft-abc", "1", "Standard", created=created)
    quiet = facts_of(late, "10", QUIET, hosting_cost=Decimal("9"))
    assert hosted_days(quiet, OCT_31) == 7
    [found] = fine_tuned_idle(quiet, DEFAULTS, OCT_31)  # 50,000 / 7 = 7,142.9 a day
    assert found.confidence is Confidence.LOW and found.monthly_saving == Decimal(9)
    assert fine_tuned_idle(quiet, DEFAULTS, date(2026, 10, 20)) == []  # not hosted yet


def test_a_fine_tuned_model_at_the_daily_minimum_or_without_hosting_does_not_fire() -> None:
    busy = facts_of(TUNED, "60", daily(31, 9_000, 1_000), hosting_cost=Decimal("52.70"))
    assert fine_tuned_idle(busy, DEFAULTS, OCT_31) == []  # 10,000 a day is not below
    unhosted = facts_of(TUNED, "1", QUIET)
    assert fine_tuned_idle(unhosted, DEFAULTS, OCT_31) == []
    base = facts_of(MINI, "1", QUIET, hosting_cost=Decimal("5"))
    assert fine_tuned_idle(base, DEFAULTS, OCT_31) == []  # not fine-tuned
