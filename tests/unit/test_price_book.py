"""The price book: the tenant's effective prices per base unit against the catalogue's list prices,
reservations amortized, PTU hourly and reservation prices, fallbacks and refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.adapters.formats.catalogue_snapshot import load_bundled_items
from shared.core.costs import ChargeType, CostLine, CostType, PricingModel
from shared.core.meters import DeploymentType, Mode, TokenKind
from shared.core.model_families import ModelFamily
from shared.core.money import money_context
from shared.core.price_book import (
    Exclusion,
    PriceBook,
    PriceSource,
    ReservationTerm,
    term_hours,
)
from shared.core.units import BaseUnit
from shared.errors import CurrencyMismatch
from tests.builders import line, price_item

ITEMS = load_bundled_items()
# Real meter ids of the bundled snapshot (eastus2, USD).
GPT4O_IN = "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5"  # gpt 4o 1120 Inp glbl Tokens, 0.0025 per 1K
GPT5_IN = "2b5dfbb1-3022-533b-af98-bbd05f2e86a2"  # GPT 5 Rsng Inpt Glbl 1M Tokens, 1.25 per 1M
PTU_GLOBAL = "6dcdbfc4-1d28-5883-84c2-dcdb88e21b56"  # Provisioned Managed Global Unit, 1.00/hour
OCT1, OCT2, OCT3 = date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)
AMORTIZED, ACTUAL = CostType.AMORTIZED, CostType.ACTUAL
G, DZ, R = DeploymentType.GLOBAL, DeploymentType.DATA_ZONE, DeploymentType.REGIONAL


def bill(
    meter_id: str,
    cost: str,
    quantity: str,
    day: date = OCT1,
    *,
    unit: str = "1K",
    cost_type: CostType = AMORTIZED,
    charge: ChargeType = ChargeType.USAGE,
    pricing: PricingModel = PricingModel.ON_DEMAND,
    currency: str = "USD",
) -> CostLine:
    """A cost line of the meter: `quantity` blocks of `unit` for `cost`."""
    return line(meter_id, cost, day, quantity=quantity, unit_of_measure=unit, cost_type=cost_type,
                charge_type=charge, pricing_model=pricing, currency=currency)  # fmt: skip


def book(*lines: CostLine) -> PriceBook:
    return PriceBook.build(lines, ITEMS)


def test_an_effective_price_is_per_token_with_the_discount_against_list() -> None:
    # 1,000 blocks of 1K = 1,000,000 tokens for 2.00: 0.000002 per token; list 0.0025 per 1K.
    price = book(bill(GPT4O_IN, "2.00", "1000")).price(GPT4O_IN)
    assert price is not None
    assert price.source is PriceSource.EFFECTIVE
    assert (price.amount, price.base, price.unit_of_measure) == (
        Decimal("0.000002"), BaseUnit.TOKEN, "1K"
    )  # fmt: skip
    assert price.list_amount == Decimal("0.0000025")
    assert price.discount == Decimal("0.2")
    assert price.per_block == Decimal("0.002")
    assert price.currency == "USD"


def test_meter_ids_are_compared_case_insensitively() -> None:
    prices = book(bill(GPT4O_IN.upper(), "2.00", "1000"))
    assert prices.price(GPT4O_IN) == prices.price(f" {GPT4O_IN.upper()} ")


def test_a_line_billed_per_1m_gives_the_same_price_per_token_as_one_billed_per_1k() -> None:
    per_1k = book(bill(GPT4O_IN, "2.00", "1000")).price(GPT4O_IN)
    per_1m = book(bill(GPT4O_IN, "2.00", "1", unit="1M")).price(GPT4O_IN)
    assert per_1k is not None and per_1m is not None
    assert per_1k.amount == per_1m.amount and per_1k.discount == per_1m.discount
    # A line without a unit takes the catalogue's (1K) for its quantity.
    bare = book(bill(GPT4O_IN, "2.00", "1000", unit="")).price(GPT4O_IN)
    assert bare is not None and bare.amount == per_1k.amount


def test_a_day_has_its_own_price_and_the_period_its_average() -> None:
    prices = book(bill(GPT4O_IN, "2.00", "1000", OCT1), bill(GPT4O_IN, "1.00", "1000", OCT2))
    day1, day2, period = (prices.price(GPT4O_IN, d) for d in (OCT1, OCT2, None))
    assert day1 is not None and day2 is not None and period is not None
    assert (day1.amount, day2.amount) == (Decimal("0.000002"), Decimal("0.000001"))
    assert period.amount == Decimal("0.0000015")
    # A day without lines answers the period average.
    assert prices.price(GPT4O_IN, OCT3) == period


def test_the_price_bases_are_kept_apart() -> None:
    prices = book(bill(GPT4O_IN, "2.00", "1000"), bill(GPT4O_IN, "2.50", "1000", cost_type=ACTUAL))
    actual, amortized = prices.price(GPT4O_IN, cost_type=ACTUAL), prices.price(GPT4O_IN)
    assert actual is not None and amortized is not None
    assert (actual.discount, amortized.discount) == (Decimal(0), Decimal("0.2"))


def test_reservations_are_amortized_in_the_amortized_price_and_free_as_billed() -> None:
    # 150 PTU deployed on 1 Oct, 100 covered by a reservation: 2,400 reserved PTU-hours at the
    # prorated 0.3495 and 1,200 on-demand hours at the 1.00 list rate.
    lines = (
        bill(PTU_GLOBAL, "838.80", "2400", unit="1/Hour", pricing=PricingModel.RESERVATION),
        bill(PTU_GLOBAL, "1200", "1200", unit="1/Hour"),
        bill(PTU_GLOBAL, "0", "2400", unit="1/Hour", pricing=PricingModel.RESERVATION,
             cost_type=ACTUAL),
        bill(PTU_GLOBAL, "1200", "1200", unit="1/Hour", cost_type=ACTUAL),
        # Neither the purchase nor unused reserved hours are a price of a PTU-hour used.
        bill("", "10400", "40", unit="1/Hour", cost_type=ACTUAL, charge=ChargeType.PURCHASE,
             pricing=PricingModel.RESERVATION),
        bill(PTU_GLOBAL, "335.48", "960", unit="1/Hour", charge=ChargeType.UNUSED_RESERVATION,
             pricing=PricingModel.RESERVATION),
    )  # fmt: skip
    prices = book(*lines)
    reserved = prices.price(PTU_GLOBAL, pricing_model=PricingModel.RESERVATION)
    blended = prices.price(PTU_GLOBAL)
    as_billed = prices.price(PTU_GLOBAL, cost_type=ACTUAL)
    assert reserved is not None and blended is not None and as_billed is not None
    assert (reserved.amount, reserved.base, reserved.discount) == (
        Decimal("0.3495"), BaseUnit.HOUR, Decimal("0.6505")
    )  # fmt: skip
    with money_context():
        assert blended.amount == Decimal("2038.80") / 3600
        assert as_billed.amount == Decimal(1200) / 3600
    free = prices.price(PTU_GLOBAL, cost_type=ACTUAL, pricing_model=PricingModel.RESERVATION)
    assert free is not None and free.amount == 0 and free.discount == 1
    assert prices.excluded == {Exclusion.NOT_USAGE: 2}


def test_lines_with_no_quantity_no_readable_unit_or_a_contradicting_unit_are_left_out() -> None:
    prices = book(
        bill(GPT4O_IN, "2.00", "1000"),
        bill(GPT4O_IN, "0.50", "0"),
        bill("unknown-id", "3.00", "10", unit="Units"),
        bill(GPT4O_IN, "1.00", "10", unit="1/Hour"),  # hours of a token meter
    )
    assert prices.excluded == {
        Exclusion.ZERO_QUANTITY: 1, Exclusion.UNREADABLE_UNIT: 1, Exclusion.UNIT_CONFLICT: 1
    }  # fmt: skip
    assert prices.price("unknown-id") is None
    price = prices.price(GPT4O_IN)
    assert price is not None and price.amount == Decimal("0.000002")


def test_quantities_summing_to_zero_give_no_effective_price() -> None:
    prices = book(bill(GPT4O_IN, "2.00", "1000"), bill(GPT4O_IN, "-2.00", "-1000"))
    price = prices.price(GPT4O_IN)
    assert price is not None and price.source is PriceSource.LIST


def test_a_meter_without_lines_falls_back_to_its_list_price() -> None:
    price = book(bill(GPT4O_IN, "2.00", "1000")).price(GPT5_IN, OCT1)
    assert price is not None
    assert price.source is PriceSource.LIST
    assert (price.amount, price.unit_of_measure) == (Decimal("0.00000125"), "1M")
    assert price.list_amount == price.amount and price.discount is None


def test_a_meter_with_no_price_anywhere_is_none() -> None:
    prices = book(bill(GPT4O_IN, "2.00", "1000"))
    assert prices.price("00000000-0000-0000-0000-000000000000") is None
    assert prices.list_price(GPT4O_IN, region="westus") is None
    assert prices.list_price(GPT4O_IN, day=date(2020, 1, 1)) is None


def test_a_list_price_in_another_currency_shows_no_discount() -> None:
    price = book(bill(GPT4O_IN, "1.80", "1000", currency="EUR")).price(GPT4O_IN)
    assert price is not None and price.currency == "EUR"
    assert price.list_amount is None and price.discount is None


def test_the_lines_of_a_book_are_in_one_currency() -> None:
    with pytest.raises(CurrencyMismatch):
        book(bill(GPT4O_IN, "1", "1", currency="EUR"), bill(GPT5_IN, "1", "1", currency="USD"))


def test_a_meter_listed_at_two_prices_across_regions_needs_its_region() -> None:
    items = [price_item("m-x", "0.0025", "eastus2"), price_item("m-x", "0.003", "westeurope")]
    prices = PriceBook.build([], items)
    assert prices.price("m-x") is None
    west = prices.price("m-x", region="WestEurope")
    assert west is not None and west.amount == Decimal("0.000003")


def test_a_configuration_the_tenant_does_not_run_has_a_list_price_per_base_unit() -> None:
    prices = book()
    gpt4o = prices.list_price_for("gpt-4o", "2024-11-20", TokenKind.INPUT, G, Mode.STANDARD,
                                  "eastus2")  # fmt: skip
    gpt5 = prices.list_price_for("GPT-5", "", TokenKind.INPUT, G, Mode.STANDARD, "eastus2")
    batch = prices.list_price_for("gpt-4o", "1120", TokenKind.OUTPUT, G, Mode.BATCH, "eastus2")
    assert gpt4o is not None and gpt5 is not None and batch is not None
    assert (gpt4o.amount, gpt4o.unit_of_measure) == (Decimal("0.0000025"), "1K")
    assert (gpt5.amount, gpt5.unit_of_measure) == (Decimal("0.00000125"), "1M")
    assert gpt5.amount < gpt4o.amount  # compared per token, never per block
    assert batch.amount == Decimal("0.000005")
    assert gpt4o.source is PriceSource.LIST and gpt4o.discount is None


def test_a_configuration_is_not_guessed() -> None:
    prices = book()
    # gpt-4o meters all carry a version: without one, none fits.
    assert prices.list_price_for("gpt-4o", "", TokenKind.INPUT, G, Mode.STANDARD, "eastus2") is None
    # Audio and text tokens of gpt-4o-audio-preview classify alike but are priced apart.
    assert prices.list_price_for("gpt-4o-audio-preview", "2024-12-17", TokenKind.INPUT, G,
                                 Mode.STANDARD, "swedencentral") is None  # fmt: skip
    assert prices.list_price_for("no-such-model", "", TokenKind.INPUT, G, Mode.STANDARD,
                                 "eastus2") is None  # fmt: skip


@pytest.mark.parametrize(("dtype", "hourly"), [(G, "1.0"), (DZ, "1.1"), (R, "2.0")])
def test_ptu_hourly_list_prices_per_deployment_type(dtype: DeploymentType, hourly: str) -> None:
    price = book().ptu_hourly(ModelFamily.OPENAI, dtype, "eastus2")
    assert price is not None
    assert (price.amount, price.base, price.source) == (
        Decimal(hourly), BaseUnit.HOUR, PriceSource.LIST
    )  # fmt: skip
    assert book().ptu_hourly("gpt-4o", dtype, "eastus2") == price


def test_ptu_hourly_is_the_tenants_on_demand_rate_when_it_has_one() -> None:
    prices = book(
        bill(PTU_GLOBAL, "1080", "1200", unit="1/Hour"),
        bill(PTU_GLOBAL, "838.80", "2400", unit="1/Hour", pricing=PricingModel.RESERVATION),
    )
    price = prices.ptu_hourly("gpt-4o", G, "eastus2")
    assert price is not None and price.source is PriceSource.EFFECTIVE
    assert (price.amount, price.discount) == (Decimal("0.9"), Decimal("0.1"))
    # Another family's PTU units are not OpenAI's, another region has its own meter.
    deepseek = prices.ptu_hourly(ModelFamily.DEEPSEEK, G, "eastus2")
    assert deepseek is not None and deepseek.source is PriceSource.LIST
    assert prices.ptu_hourly("Llama-3.3-70B-Instruct", G, "eastus2") is None


def test_a_ptu_reservation_is_its_term_price_spread_over_the_terms_hours() -> None:
    prices = book()
    october = prices.ptu_reservation("gpt-4o", G, "eastus2", "1m", OCT1)
    february = prices.ptu_reservation(ModelFamily.OPENAI, G, "eastus2", ReservationTerm.MONTH,
                                      date(2027, 2, 10))  # fmt: skip
    average = prices.ptu_reservation("gpt-4o", G, "eastus2", "1m")
    yearly = prices.ptu_reservation("gpt-4o", G, "eastus2", "1y")
    leap = prices.ptu_reservation("gpt-4o", G, "eastus2", "1 Year", date(2028, 2, 29))
    assert None not in (october, february, average, yearly, leap)
    assert october is not None and february is not None and average is not None
    assert yearly is not None and leap is not None
    with money_context():
        assert october.amount == Decimal(260) / 744
        assert february.amount == Decimal(260) / 672
        assert average.amount == Decimal(260) / 730
        assert yearly.amount == Decimal(2652) / 8760
        assert leap.amount == Decimal(2652) / 8784
    assert october.amount.quantize(Decimal("0.0001")) == Decimal("0.3495")
    assert (october.base, october.source, october.currency) == (
        BaseUnit.HOUR, PriceSource.LIST, "USD"
    )  # fmt: skip


def test_a_reservation_not_in_force_or_not_sold_has_no_price() -> None:
    prices = book()
    # The snapshot's Data Zone reservation items ended on 2025-08-31.
    assert prices.ptu_reservation("gpt-4o", DZ, "eastus2", "1m", OCT1) is None
    assert prices.ptu_reservation("gpt-4o", DZ, "eastus2", "1m", date(2025, 8, 1)) is not None
    assert prices.ptu_reservation("gpt-4o", G, "nowhere", "1y") is None
    with pytest.raises(ValueError, match="'3y'"):
        prices.ptu_reservation("gpt-4o", G, "eastus2", "3y")


def test_term_hours() -> None:
    assert term_hours(ReservationTerm.MONTH, OCT1) == 744
    assert term_hours(ReservationTerm.MONTH, date(2028, 2, 1)) == 696
    assert term_hours(ReservationTerm.YEAR, date(2027, 3, 1)) == 8784  # spans 29 February 2028
    assert term_hours(ReservationTerm.YEAR, date(2026, 3, 1)) == 8760
