"""PTU detectors on a crafted gpt-4.1 catalogue: pay-as-you-go traffic cheaper on reserved PTUs,
and PTUs paid by the hour cheaper reserved, each with the hand-computed saving, and where they
must not fire (at the break-even, reserved already, no effective price)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.core.costs import CostLine, CostType, PricingModel
from shared.core.detectors_ptu import held_traffic, hourly_rates, ptu_cheaper, ptu_reservation
from shared.core.findings import Confidence, FindingType, Thresholds
from shared.core.meters import DeploymentType
from shared.core.price_book import PriceBook
from shared.core.what_if import DailyTraffic
from tests.builders import daily, dep, facts_of, line, retail

REGION = "eastus2"
DEFAULTS = Thresholds()
# gpt-4.1 Global Standard per 1K: input 0.002, output 0.008. PTU: 1.00 per PTU-hour; a 1-month
# reservation of 37.20 over October's 744 hours is 0.05 per PTU-hour, a 1-year one of 350.40
# over the 8,760 hours from an October 2026 day 0.04.
ITEMS = (
    retail("in", "gpt 4.1 Inp glbl Tokens", "0.002"),
    retail("out", "gpt 4.1 Outp glbl Tokens", "0.008"),
    retail("ptu", "Provisioned Managed Global Unit", "1.00", "1/Hour"),
    retail("ptu", "Provisioned Managed Global Unit", "37.20", "1/Hour", term="1 Month"),
    retail("ptu", "Provisioned Managed Global Unit", "350.40", "1/Hour", term="1 Year"),
)
BOOK = PriceBook.build((), ITEMS)

# 30 October days of 10,000,000 input and 250,000 output tokens: 20.00 + 2.00 a day, 660.00.
# Peak 10,250 TPM (scale 0.001): 10,000 input + 250 x 4 output = 11,000 input-TPM equivalents,
# 3.7 PTUs at 3,000 per PTU: the minimum, 15. Reserved: 15 x 24 x 30 x 0.05 = 540.00.
STANDARD = dep("chat", "gpt-4.1", "2025-04-14")
PEAKED = daily(30, 10_000_000, 250_000, peak=10_250)


def test_ptu_cheaper_fires_when_reserved_ptus_cost_less_than_the_allocated_cost() -> None:
    [found] = ptu_cheaper(facts_of(STANDARD, "660", PEAKED), BOOK, DEFAULTS)
    assert found.type is FindingType.PTU_CHEAPER
    assert found.monthly_saving == Decimal("120.00")  # 660.00 - 540.00
    assert found.confidence is Confidence.HIGH  # 30 days, every one with a peak
    assert found.what_if is not None and found.what_if.configuration.reservation == "1m"
    evidence = dict(found.evidence)
    assert (evidence["capacity"], evidence["needed"]) == ("15 PTU", "15 PTU")
    assert evidence["reserved cost (1m)"] == "540.00"
    assert evidence["hourly cost"] == "10800.00"  # 15 x 720 hours x 1.00
    assert evidence["break-even utilization"] == "0.8182"  # 540.00 / 660.00
    assert evidence["peak"] == "peak TPM known on all 30 days with tokens"


def test_ptu_cheaper_without_peaks_is_low_and_says_the_average_was_used() -> None:
    # The average TPM (10,250,000 / 1,440) also needs the minimum of 15 PTUs.
    flat = daily(30, 10_000_000, 250_000)
    [found] = ptu_cheaper(facts_of(STANDARD, "660", flat), BOOK, DEFAULTS)
    assert found.monthly_saving == Decimal("120.00")
    assert found.confidence is Confidence.LOW
    assert ("peak", "no peak TPM known: capacity sized from the average TPM") in found.evidence


def test_ptu_cheaper_does_not_fire_at_the_break_even_or_without_a_ptu_price() -> None:
    assert ptu_cheaper(facts_of(STANDARD, "540", PEAKED), BOOK, DEFAULTS) == []
    no_ptu = PriceBook.build((), ITEMS[:2])
    assert ptu_cheaper(facts_of(STANDARD, "660", PEAKED), no_ptu, DEFAULTS) == []
    provisioned = dep("ptu", "gpt-4.1", "2025-04-14", "GlobalProvisionedManaged", 15)
    assert ptu_cheaper(facts_of(provisioned, "660", PEAKED), BOOK, DEFAULTS) == []


def test_the_days_a_capacity_is_held_fill_the_gaps_between_the_first_and_last_day() -> None:
    first, _, third = daily(3)
    held = held_traffic((third, first))
    assert [t.date.day for t in held] == [1, 2, 3]
    assert held[1] == DailyTraffic(date(2026, 10, 2), 0, 0, 0)


def ptu_lines(pricing: PricingModel, per_hour: str) -> list[CostLine]:
    """20 PTUs x 24 hours on each of 30 October days at `per_hour`, amortized."""
    return [
        line("ptu", str(Decimal(per_hour) * 480), t.date, quantity="480",
             unit_of_measure="1/Hour", cost_type=CostType.AMORTIZED, pricing_model=pricing)
        for t in PEAKED
    ]  # fmt: skip


PROVISIONED = dep("ptu", "gpt-4.1", "2025-04-14", "GlobalProvisionedManaged", 20)
HOURLY_BOOK = PriceBook.build(ptu_lines(PricingModel.ON_DEMAND, "1.00"), ITEMS)


def test_ptu_reservation_reserves_the_lowest_capacity_held_every_day() -> None:
    # 20 PTUs x 720 hours at 1.00 = 14,400 allocated; 15 PTUs held every day (15, then 20):
    # hourly 15 x 720 x 1.00 = 10,800; 1-month 15 x 720 x 0.05 = 540; 1-year x 0.04 = 432.
    ptu = facts_of(PROVISIONED, "14400", PEAKED, provisioned="14400", held_capacities=(15, 20))
    [found] = ptu_reservation(ptu, HOURLY_BOOK, DEFAULTS)
    assert found.type is FindingType.PTU_RESERVATION
    assert found.monthly_saving == Decimal("10260.00")  # 10,800 - 540
    assert found.confidence is Confidence.HIGH
    evidence = dict(found.evidence)
    assert evidence["capacity to reserve"] == "15 PTU"
    assert evidence["effective ptu-hour price"] == evidence["list ptu-hour price"] == "1.00"
    assert evidence["saving (1y)"] == "10368.00"  # 10,800 - 432
    assert found.what_if is not None and found.what_if.cost == Decimal("540.00")


def test_ptu_reservation_reserves_the_deployed_capacity_without_a_history() -> None:
    ptu = facts_of(PROVISIONED, "14400", PEAKED, provisioned="14400")
    [found] = ptu_reservation(ptu, HOURLY_BOOK, DEFAULTS)
    assert found.monthly_saving == Decimal("13680.00")  # 20 x 720 x (1.00 - 0.05)


def test_ptu_reservation_does_not_fire_when_reserved_already_or_without_effective_prices() -> None:
    reserved = PriceBook.build(ptu_lines(PricingModel.RESERVATION, "0.05"), ITEMS)
    rates = hourly_rates(reserved, "gpt-4.1", DeploymentType.GLOBAL, REGION)
    assert rates == (Decimal("0.05"), Decimal("1.00"))  # effective below the list hourly
    ptu = facts_of(PROVISIONED, "720", PEAKED, provisioned="720")
    assert ptu_reservation(ptu, reserved, DEFAULTS) == []
    assert ptu_reservation(ptu, BOOK, DEFAULTS) == []  # list prices only: unknown
    standard = facts_of(STANDARD, "660", PEAKED)
    assert ptu_reservation(standard, HOURLY_BOOK, DEFAULTS) == []
