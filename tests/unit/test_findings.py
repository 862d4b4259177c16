"""Savings findings: the pay-as-you-go detectors, idle PTUs and billed-nothing on crafted data
where they must fire, with the hand-computed saving, and where they must not; `find_all`: the
findings sorted by saving, supersession, alternatives, `as_of`; the thresholds' bounds; and a
property: no saving is negative or above the allocated cost."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.catalogue import RetailItemType, RetailPriceItem
from shared.core.detectors_lifecycle import billed_nothing_served
from shared.core.detectors_ptu import idle_ptu
from shared.core.detectors_standard import (
    INTERACTIVITY_UNKNOWN,
    batch_candidate,
    regional_costlier,
    variation,
)
from shared.core.findings import Confidence, DeploymentFacts, FindingType, Thresholds, find_all
from shared.core.inventory import Deployment
from shared.core.meters import DeploymentType
from shared.core.money import ZERO
from shared.core.period import BillingPeriod
from shared.core.price_book import PriceBook
from shared.core.unit_costs import UnitCost
from shared.core.what_if import Configuration, DailyTraffic, what_if
from tests.builders import dep, retail

REGION = "eastus2"
OCT = BillingPeriod(2026, 10)
DEFAULTS = Thresholds()
JUNE = date(2026, 6, 1)


def item(meter_id: str, name: str, price: str) -> RetailPriceItem:
    return RetailPriceItem(
        meter_id=meter_id, meter_name=name, product_name="Azure OpenAI", sku_name=name,
        service_name="Foundry Models", unit_of_measure="1K", arm_region_name=REGION,
        arm_sku_name=name, retail_price=Decimal(price), currency="USD",
        type=RetailItemType.CONSUMPTION, effective_start=date(2024, 12, 1),
    )  # fmt: skip


# Per 1K tokens. A day of 1,000,000 input and 100,000 output tokens costs:
# Global 2.50 + 1.00 = 3.50; Data Zone 2.75 + 1.10 = 3.85; Regional 3.00 + 1.20 = 4.20;
# Global Batch 1.25 + 0.50 = 1.75.
BOOK = PriceBook.build(
    (),
    (
        item("g-in", "gpt 4o 1120 Inp glbl Tokens", "0.0025"),
        item("g-out", "gpt 4o 1120 Outp glbl Tokens", "0.01"),
        item("dz-in", "gpt 4o 1120 Inp Dzone Tokens", "0.00275"),
        item("dz-out", "gpt 4o 1120 Outp Dzone Tokens", "0.011"),
        item("r-in", "gpt 4o 1120 Inp regnl Tokens", "0.003"),
        item("r-out", "gpt 4o 1120 Outp regnl Tokens", "0.012"),
        item("b-in", "gpt 4o 1120 Batch Inp glbl Tokens", "0.00125"),
        item("b-out", "gpt 4o 1120 Batch Outp glbl Tokens", "0.005"),
    ),
)


def days(n: int, inp: int = 1_000_000, out: int = 100_000) -> tuple[DailyTraffic, ...]:
    return tuple(DailyTraffic(date(2026, 10, 1) + timedelta(d), inp, 0, out, 100) for d in range(n))


def facts(deployment: Deployment, cost: str, traffic: tuple[DailyTraffic, ...], *,
          provisioned: str = "0", idle: str | None = None) -> DeploymentFacts:  # fmt: skip
    unit = UnitCost(
        period=OCT, deployment=deployment, cost=Decimal(cost), input_cost=Decimal(0),
        output_cost=Decimal(0), input_tokens=sum(t.input_tokens for t in traffic),
        output_tokens=sum(t.output_tokens for t in traffic),
        requests=sum(t.requests for t in traffic), provisioned_cost=Decimal(provisioned),
        idle_cost=None if idle is None else Decimal(idle),
    )  # fmt: skip
    return DeploymentFacts(unit, traffic, REGION)


PTU = dep("ptu", sku="GlobalProvisionedManaged", capacity=15)
REGIONAL = dep("regional", sku="Standard")
GLOBAL = dep("global")

# 30 days on Global Standard: 30 x 3.50 = 105.00; allocated 720.00, of which 540.00 idle
# (share 0.75 > 1 - 0.5): saving 720.00 - 105.00 = 615.00.
IDLE = facts(PTU, "720", days(30), provisioned="720", idle="540")
# 10 days: Global 35.00, Data Zone 38.50, allocated at the regional price 42.00: saving 7.00.
COSTLIER = facts(REGIONAL, "42", days(10))
# 7 steady days: allocated 7 x 3.50 = 24.50, Batch 7 x 1.75 = 12.25: saving 12.25.
STEADY = facts(GLOBAL, "24.50", days(7))
NOTHING = facts(dep("empty"), "50", ())


def test_idle_ptu_fires_with_the_global_standard_saving() -> None:
    [found] = idle_ptu(IDLE, BOOK, DEFAULTS)
    assert found.type is FindingType.IDLE_PTU and found.monthly_saving == Decimal("615.00")
    assert found.confidence is Confidence.HIGH  # 30 days observed
    assert found.what_if is not None and found.what_if.cost == Decimal("105.00")
    assert ("idle share", "0.7500") in found.evidence
    assert ("break-even utilization", "6.8571") in found.evidence  # 720.00 / 105.00
    assert found.deployment_id == PTU.deployment_id


def test_idle_ptu_does_not_fire_when_used_enough_or_pay_as_you_go_is_dearer() -> None:
    used = facts(PTU, "720", days(30), provisioned="720", idle="300")  # share 0.4167
    assert idle_ptu(used, BOOK, DEFAULTS) == []
    cheap = facts(PTU, "100", days(30), provisioned="100", idle="90")  # 105.00 > 100
    assert idle_ptu(cheap, BOOK, DEFAULTS) == []
    unknown = facts(PTU, "720", days(30), provisioned="720")  # no utilization reported
    assert idle_ptu(unknown, BOOK, DEFAULTS) == []
    # A stricter threshold (0.2: idle above 0.8) spares the 0.75 idle share.
    assert idle_ptu(IDLE, BOOK, Thresholds(ptu_min_utilization=Decimal("0.2"))) == []


def test_regional_costlier_fires_with_the_cheaper_global_saving() -> None:
    [found] = regional_costlier(COSTLIER, BOOK, DEFAULTS)
    assert found.type is FindingType.REGIONAL_COSTLIER
    assert found.monthly_saving == Decimal("7.00")  # 42.00 - 35.00 (Data Zone: 38.50)
    assert found.what_if is not None
    assert found.what_if.configuration.deployment_type is DeploymentType.GLOBAL
    assert ("data-zone standard cost", "38.50") in found.evidence
    assert found.confidence is Confidence.LOW  # 10 days


def test_regional_costlier_is_at_most_medium_and_does_not_fire_when_regional_is_cheaper() -> None:
    [month] = regional_costlier(facts(REGIONAL, "126", days(30)), BOOK, DEFAULTS)
    assert month.monthly_saving == Decimal("21.00")  # 126.00 - 30 x 3.50
    assert month.confidence is Confidence.MEDIUM
    discounted = facts(REGIONAL, "30", days(10))  # 30.00 < Global 35.00
    assert regional_costlier(discounted, BOOK, DEFAULTS) == []
    assert regional_costlier(STEADY, BOOK, DEFAULTS) == []  # not a regional deployment


def test_batch_candidate_fires_on_steady_traffic_with_low_confidence() -> None:
    [found] = batch_candidate(STEADY, BOOK, DEFAULTS)
    assert found.type is FindingType.BATCH_CANDIDATE
    assert found.monthly_saving == Decimal("12.25")  # 24.50 - 12.25
    assert found.confidence is Confidence.LOW
    assert ("interactivity", INTERACTIVITY_UNKNOWN) in found.evidence
    assert ("daily tokens variation", "0.0000") in found.evidence


def test_batch_candidate_does_not_fire_on_bursty_or_short_traffic() -> None:
    # Daily tokens alternate 1,100,000 and 110,000: mean 605,000, deviation 495,000, CV 0.818.
    loud, quiet = (1_000_000, 0, 100_000), (100_000, 0, 10_000)
    bursty = tuple(
        DailyTraffic(date(2026, 10, 1) + timedelta(d), *(loud if d % 2 else quiet))
        for d in range(8)
    )
    cv = variation(bursty)
    assert cv is not None and f"{cv:.4f}" == "0.8182"
    assert batch_candidate(facts(GLOBAL, "100", bursty), BOOK, DEFAULTS) == []
    assert batch_candidate(facts(GLOBAL, "21", days(6)), BOOK, DEFAULTS) == []  # under 7 days
    assert batch_candidate(facts(GLOBAL, "12", days(7)), BOOK, DEFAULTS) == []  # 12.25 > 12


def test_billed_nothing_served_fires_with_the_whole_allocated_cost() -> None:
    [found] = billed_nothing_served(NOTHING)
    assert found.type is FindingType.BILLED_NOTHING_SERVED
    assert (found.monthly_saving, found.confidence) == (Decimal(50), Confidence.HIGH)
    assert found.what_if is None


def test_billed_nothing_served_does_not_fire_on_traffic_or_no_cost() -> None:
    assert billed_nothing_served(STEADY) == []
    assert billed_nothing_served(facts(dep("free"), "0", ())) == []


def test_find_all_sorts_by_saving_and_an_empty_ptu_is_reported_once() -> None:
    empty_ptu = facts(dep("idle-ptu", sku="GlobalProvisionedManaged"), "300", (),
                      provisioned="300", idle="300")  # fmt: skip
    # As of June 2026 gpt-4o 2024-11-20's retirement (2026-10-01) is beyond the 90 days.
    found = find_all([STEADY, NOTHING, COSTLIER, IDLE, empty_ptu], BOOK, as_of=JUNE)
    assert [(f.type, f.monthly_saving) for f in found] == [
        (FindingType.IDLE_PTU, Decimal("615.00")),
        (FindingType.BILLED_NOTHING_SERVED, Decimal(300)),
        (FindingType.BILLED_NOTHING_SERVED, Decimal(50)),
        (FindingType.BATCH_CANDIDATE, Decimal("12.25")),
        (FindingType.REGIONAL_COSTLIER, Decimal("7.00")),
    ]


def test_find_all_compares_retirements_with_the_periods_last_day_unless_given_as_of() -> None:
    # gpt-4o 2024-11-20 retires on 2026-10-01: before 31 October, the period's last day.
    found = find_all([STEADY], BOOK)
    assert [(f.type, f.monthly_saving) for f in found] == [
        (FindingType.BATCH_CANDIDATE, Decimal("12.25")),
        (FindingType.RETIRING_VERSION, Decimal(0)),  # gpt-5.1 has no price here
    ]
    assert find_all([STEADY], BOOK, as_of=date(2026, 7, 3))[-1].type is FindingType.RETIRING_VERSION
    assert [f.type for f in find_all([STEADY], BOOK, as_of=date(2026, 7, 2))] == [
        FindingType.BATCH_CANDIDATE  # 2026-07-02 + 90 days = 2026-09-30
    ]


def test_find_all_names_each_findings_alternatives_on_the_same_deployment() -> None:
    batch, retiring = find_all([STEADY], BOOK)
    assert batch.alternative_to == (FindingType.RETIRING_VERSION,)
    assert retiring.alternative_to == (FindingType.BATCH_CANDIDATE,)
    [alone] = find_all([COSTLIER], BOOK, as_of=JUNE)
    assert alone.alternative_to == ()


def test_billed_nothing_served_supersedes_every_other_finding_of_its_deployment() -> None:
    # A retiring version billed for nothing: only the whole allocated cost, once.
    old = facts(dep("old", version="2024-05-13"), "80", ())
    assert [(f.type, f.monthly_saving) for f in find_all([old], BOOK)] == [
        (FindingType.BILLED_NOTHING_SERVED, Decimal(80))
    ]


def test_a_findings_use_case_is_the_one_claiming_its_deployment() -> None:
    claimed = DeploymentFacts(STEADY.unit, STEADY.traffic, REGION, use_case="support")
    assert {f.use_case for f in find_all([claimed], BOOK)} == {"support"}


@pytest.mark.parametrize(
    "changes",
    [{"cache_target_share": Decimal("1.5")}, {"bloat_ratio": Decimal(-1)},
     {"batch_min_days": -1}, {"cache_low_share": Decimal("NaN")}],
)  # fmt: skip
def test_thresholds_out_of_bounds_are_refused(changes: dict[str, Decimal | int]) -> None:
    with pytest.raises(ValueError):
        Thresholds(**changes)  # type: ignore[arg-type]


MODELS = {"gpt-4o": "2024-11-20", "gpt-4.1": "2025-04-14", "gpt-4.1-mini": "2025-04-14",
          "o3": "2025-04-16"}  # fmt: skip
SKUS = ("GlobalStandard", "DataZoneStandard", "Standard", "GlobalProvisionedManaged")
DAY = st.tuples(
    st.integers(0, 20_000_000), st.one_of(st.just(0), st.integers(0, 100)),
    st.integers(0, 2_000_000),
    st.integers(0, 5_000), st.one_of(st.none(), st.integers(0, 200_000)),
)  # fmt: skip
DEPLOYMENT = st.tuples(
    st.sampled_from(sorted(MODELS)), st.sampled_from(SKUS), st.lists(DAY, min_size=1, max_size=9),
    st.decimals(min_value="0", max_value="2", places=2),
)  # fmt: skip
PROPERTY_BOOK = PriceBook.build(
    (),
    (
        *(retail(f"{m}-{k}-{t}", f"{name} {k} {t} Tokens", p)
          for m, name in (("4o", "gpt 4o 1120"), ("41", "gpt 4.1"), ("41m", "gpt 4.1 mini"),
                          ("o3", "o3 0416"), ("4om", "gpt 4o mini 0718"), ("41n", "gpt 4.1 nano"),
                          ("o4m", "o4-mini 0416"))
          for k, p in (("Inp", "0.002"), ("cached Inp", "0.0005"), ("Outp", "0.008"))
          for t in ("glbl", "Dzone", "regnl")),
        *(retail(f"{m}-b-{k}", f"{name} Batch {k} glbl Tokens", p)
          for m, name in (("4o", "gpt 4o 1120"), ("41", "gpt 4.1"))
          for k, p in (("Inp", "0.001"), ("Outp", "0.004"))),
        retail("ptu", "Provisioned Managed Global Unit", "1.00", "1/Hour"),
        retail("ptu", "Provisioned Managed Global Unit", "37.20", "1/Hour", term="1 Month"),
    ),
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.lists(DEPLOYMENT, min_size=1, max_size=4))
def test_no_saving_is_negative_or_above_the_allocated_cost(
    generated: list[tuple[str, str, list[tuple[int, int, int, int, int | None]], Decimal]],
) -> None:
    """Allocated cost: the own configuration's what-if (as allocation gives it, with the tenant's
    effective prices in the book) x a factor (PTU: its hours' cost)."""
    all_facts = []
    for n, (model, sku, days_, factor) in enumerate(generated):
        deployment = dep(f"d{n}", model, MODELS[model], sku, capacity=15)
        traffic = tuple(
            DailyTraffic(date(2026, 10, 1) + timedelta(d), inp, inp * pct // 100, out, reqs, peak)
            for d, (inp, pct, out, reqs, peak) in enumerate(days_)
        )
        priced = what_if(traffic, deployment, Decimal(0), Configuration.of(deployment),
                         PROPERTY_BOOK, REGION)  # fmt: skip
        cost = str(priced.cost * factor)
        provisioned = cost if sku.endswith("Managed") else "0"
        all_facts.append(facts(deployment, cost, traffic, provisioned=provisioned, idle="0"))
    found = find_all(all_facts, PROPERTY_BOOK)
    allocated = {f.unit.deployment.deployment_id: f.unit.cost for f in all_facts}
    for f in found:
        assert ZERO <= f.monthly_saving <= allocated[f.deployment_id], f
    assert [f.monthly_saving for f in found] == sorted((f.monthly_saving for f in found),
                                                       reverse=True)  # fmt: skip
