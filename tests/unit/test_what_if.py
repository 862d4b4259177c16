"""What-if pricing: the traffic re-priced on its own configuration, another model, Batch and PTU,
against hand-computed costs of a crafted catalogue; missing prices refused naming the field."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.catalogue import RetailItemType, RetailPriceItem
from shared.core.costs import CostLine, CostType
from shared.core.meters import DeploymentType, Mode
from shared.core.money import money_context
from shared.core.price_book import PriceBook, PriceSource
from shared.core.what_if import OUTPUT_UNKNOWN, Configuration, DailyTraffic, what_if
from shared.errors import InvalidInput
from tests.builders import dep, line

REGION = "eastus2"
OCT1, OCT2 = date(2026, 10, 1), date(2026, 10, 2)
G, R = DeploymentType.GLOBAL, DeploymentType.REGIONAL
IN, CACHED, OUT = "m-4o-in", "m-4o-cached", "m-4o-out"


def item(meter_id: str, name: str, price: str, unit: str = "1K", *, term: str = "",
         region: str = REGION) -> RetailPriceItem:  # fmt: skip
    kind = RetailItemType.RESERVATION if term else RetailItemType.CONSUMPTION
    return RetailPriceItem(
        meter_id=meter_id, meter_name=name, product_name="Azure OpenAI", sku_name=name,
        service_name="Foundry Models", unit_of_measure=unit, arm_region_name=region,
        arm_sku_name=name, retail_price=Decimal(price), currency="USD", type=kind,
        effective_start=date(2024, 12, 1), reservation_term=term,
    )  # fmt: skip


ITEMS = (
    item(IN, "gpt 4o 1120 Inp glbl Tokens", "0.0025"),
    item(CACHED, "gpt 4o 1120 cached Inp glbl Tokens", "0.00125"),
    item(OUT, "gpt 4o 1120 Outp glbl Tokens", "0.01"),
    item("m-4o-b-in", "gpt 4o 1120 Batch Inp glbl Tokens", "0.00125"),
    item("m-4o-b-cached", "gpt 4o 1120 Batch cached Inp glbl Tokens", "0.000625"),
    item("m-4o-b-out", "gpt 4o 1120 Batch Outp glbl Tokens", "0.005"),
    item("m-mini-in", "gpt 4.1 mini Inp glbl Tokens", "0.0004"),
    item("m-mini-out", "gpt 4.1 mini Outp glbl Tokens", "0.0016"),
    item("m-41-in", "gpt 4.1 Inp glbl Tokens", "0.002"),
    item("m-41-cached", "gpt 4.1 cached Inp glbl Tokens", "0.0005"),
    item("m-41-out", "gpt 4.1 Outp glbl Tokens", "0.008"),
    item("m-ptu", "Provisioned Managed Global Unit", "1.00", "1/Hour"),
    item("m-ptu", "Provisioned Managed Global Unit", "260", "1/Hour", term="1 Month"),
    item("m-ptu", "Provisioned Managed Global Unit", "2652", "1/Hour", term="1 Year"),
)
LIST = PriceBook.build((), ITEMS)

# Day 1: 1,000,000 input of which 200,000 cached, 100,000 output; day 2: 2,000,000 and 300,000.
TRAFFIC = (
    DailyTraffic(OCT1, 1_000_000, 200_000, 100_000, 50, peak_tpm=5_000),
    DailyTraffic(OCT2, 2_000_000, 0, 300_000, 90, peak_tpm=46_000),
)
CHAT = dep("chat", location=REGION)  # gpt-4o 2024-11-20 GlobalStandard


def bill(meter_id: str, cost: str, quantity: str, day: date) -> CostLine:
    return line(meter_id, cost, day, quantity=quantity, unit_of_measure="1K",
                cost_type=CostType.AMORTIZED)  # fmt: skip


# What the tenant paid (discounted): 9.45 in all, which allocation gives to its one deployment.
LINES = (
    bill(IN, "1.60", "800", OCT1),
    bill(CACHED, "0.25", "200", OCT1),
    bill(OUT, "0.90", "100", OCT1),
    bill(IN, "4.00", "2000", OCT2),
    bill(OUT, "2.70", "300", OCT2),
)
ALLOCATED = Decimal("9.45")


def close(a: Decimal, b: Decimal) -> bool:
    """Equal but for the last of the money context's 64 digits (day sums of a quotient)."""
    return abs(a - b) < Decimal("1e-50")


def config(model: str = "gpt-4o", mode: Mode = Mode.STANDARD, *, version: str | None = None,
           dtype: DeploymentType = G, ptu: int | None = None,
           reservation: str | None = None) -> Configuration:  # fmt: skip
    return Configuration(model, version, dtype, mode, ptu, reservation)


def test_the_own_configuration_reproduces_the_allocated_cost_from_effective_prices() -> None:
    result = what_if(
        TRAFFIC, CHAT, ALLOCATED, Configuration.of(CHAT), PriceBook.build(LINES, ITEMS), REGION
    )
    assert (result.cost, result.delta, result.currency) == (ALLOCATED, Decimal(0), "USD")
    assert {p.source for p in result.prices} == {PriceSource.EFFECTIVE}
    by_what = {p.what: p for p in result.prices}
    assert by_what["input"].amount == Decimal("0.000002")  # 5.60 / 2,800,000 tokens
    assert by_what["cached-input"].quantity == 200_000
    assert "cache share kept as observed: 6.7% of input tokens" in result.assumptions
    assert OUTPUT_UNKNOWN in result.unknowns and result.ptu is None


def test_the_own_configuration_at_list_prices_is_the_hand_computed_cost() -> None:
    # Day 1: 800,000 x 0.0000025 + 200,000 x 0.00000125 + 100,000 x 0.00001 = 3.25;
    # day 2: 2,000,000 x 0.0000025 + 300,000 x 0.00001 = 8.00.
    result = what_if(TRAFFIC, CHAT, ALLOCATED, Configuration.of(CHAT), LIST, REGION)
    assert result.cost == Decimal("11.25") and result.delta == Decimal("1.80")
    assert {p.source for p in result.prices} == {PriceSource.LIST}


def test_a_cheaper_model_without_a_cached_price_prices_cached_tokens_as_input() -> None:
    # 3,000,000 input x 0.0000004 + 400,000 output x 0.0000016 = 1.20 + 0.64.
    result = what_if(
        TRAFFIC, CHAT, ALLOCATED, config("gpt-4.1-mini"), PriceBook.build(LINES, ITEMS), REGION
    )
    assert result.cost == Decimal("1.84") and result.delta == Decimal("-7.61")
    assert any("cached tokens priced as input" in a for a in result.assumptions)
    assert "version not given: any version of gpt-4.1-mini priced" in result.assumptions
    assert {p.what for p in result.prices} == {"input", "output"}


def test_batch_halves_when_the_catalogues_batch_prices_are_half() -> None:
    standard = what_if(TRAFFIC, CHAT, ALLOCATED, config(), LIST, REGION)
    batch = what_if(TRAFFIC, CHAT, ALLOCATED, config(mode=Mode.BATCH), LIST, REGION)
    assert batch.cost == standard.cost / 2 == Decimal("5.625")


def test_ptu_is_sized_from_the_peak_with_the_models_minimum_and_increment() -> None:
    # gpt-4.1: 3,000 input TPM per PTU, output x 4. Day 2's peak 46,000 TPM in the day's
    # proportions (scale 0.02): 40,000 input + 6,000 x 4 output = 64,000 -> 21.3 -> 22 PTUs,
    # deployable: 15, 20, 25 -> 25. 25 PTUs x 48 hours x 1.00 = 1,200.
    result = what_if(TRAFFIC, CHAT, ALLOCATED, config("gpt-4.1", Mode.PROVISIONED), LIST, REGION)
    sizing = result.ptu
    assert sizing is not None
    assert (sizing.capacity, sizing.needed, sizing.hours) == (25, 25, 48)
    assert sizing.hourly_cost == result.cost == Decimal(1200)
    with money_context():
        # A 1-month reservation (260) over October's 744 hours, per PTU-hour.
        assert sizing.reserved_cost is not None
        assert close(sizing.reserved_cost, Decimal(25 * 48 * 260) / Decimal(744))
        # Pay-as-you-go gpt-4.1: 1.60 + 0.10 + 0.80 + 4.00 + 2.40 = 8.90.
        assert sizing.pay_as_you_go_cost == Decimal("8.90")
        assert sizing.break_even_utilization == Decimal(1200) / Decimal("8.90")
    assert sizing.reservation == "1m"
    assert "no spillover: 25 PTUs cover the observed peak" in result.assumptions


def test_a_reserved_ptu_costs_the_reservation_and_a_small_one_spills_over() -> None:
    reserved = config("gpt-4.1", Mode.PROVISIONED, reservation="1y")
    yearly = what_if(TRAFFIC, CHAT, ALLOCATED, reserved, LIST, REGION)
    with money_context():
        # 2,652 over the 8,760 hours of the year from 1 (and 2) October 2026.
        assert close(yearly.cost, Decimal(25 * 48 * 2652) / Decimal(8760))
    assert yearly.ptu is not None and yearly.ptu.hourly_cost == Decimal(1200)
    small = what_if(
        TRAFFIC, CHAT, ALLOCATED, config("gpt-4.1", Mode.PROVISIONED, ptu=20), LIST, REGION
    )
    assert small.cost == Decimal(20 * 48)
    assert any("needs 25 PTUs" in a and "spill over" in a for a in small.assumptions)


def test_without_peaks_ptu_is_sized_from_the_average_and_says_so() -> None:
    flat = [
        DailyTraffic(t.date, t.input_tokens, t.cached_input_tokens, t.output_tokens)
        for t in TRAFFIC
    ]
    result = what_if(flat, CHAT, ALLOCATED, config("gpt-4o", Mode.PROVISIONED), LIST, REGION)
    # Averages are a few thousand TPM: the minimum of 15 PTUs.
    assert result.ptu is not None and result.ptu.capacity == 15
    assert "no peak TPM known: capacity sized from the average TPM" in result.unknowns
    # gpt-4o's output weight is not in the source.
    assert any("output tokens is unknown" in u for u in result.unknowns)


@pytest.mark.parametrize(
    ("configuration", "book", "field"),
    [
        (config("gpt-5"), LIST, "model"),
        (config(version="2024-05-13"), LIST, "version"),
        (config(dtype=R), LIST, "sku"),
        (config(dtype=R, mode=Mode.BATCH), LIST, "sku"),
        (config("gpt-4.1", Mode.PROVISIONED, ptu=17), LIST, "ptu"),
        (config("gpt-4.1", Mode.PROVISIONED, ptu=0), LIST, "ptu"),
        (config(ptu=15), LIST, "ptu"),
        (config("gpt-4.1", Mode.PROVISIONED, dtype=R), LIST, "sku"),
        (config("gpt-4.1", Mode.PROVISIONED, reservation="3y"), LIST, "reservation"),
        (config(reservation="1m"), LIST, "reservation"),
        (config("gpt-4.1", Mode.PROVISIONED, reservation="1y"),
         PriceBook.build((), [i for i in ITEMS if i.reservation_term != "1 Year"]), "reservation"),
        (config("gpt-5", Mode.PROVISIONED), LIST, "model"),
    ],
)  # fmt: skip
def test_a_configuration_without_a_price_in_the_region_names_the_field(
    configuration: Configuration, book: PriceBook, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        what_if(TRAFFIC, CHAT, ALLOCATED, configuration, book, REGION)
    assert raised.value.field == field


def test_another_region_has_no_price_for_the_model() -> None:
    with pytest.raises(InvalidInput) as raised:
        what_if(TRAFFIC, CHAT, ALLOCATED, config(), LIST, "westus")
    assert raised.value.field == "model"


def test_malformed_traffic_is_refused() -> None:
    bad = [DailyTraffic(OCT1, 10, 20, 0)]
    with pytest.raises(InvalidInput) as raised:
        what_if(bad, CHAT, ALLOCATED, config(), LIST, REGION)
    assert raised.value.field == "traffic"


PRICE_PER_1K = st.decimals(min_value="0", max_value="0.05", places=5)
DAY = st.tuples(
    st.integers(0, 50_000_000), st.integers(0, 100), st.integers(0, 10_000_000),
    PRICE_PER_1K, PRICE_PER_1K, PRICE_PER_1K,
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(DAY, min_size=1, max_size=6))
def test_the_own_configuration_reproduces_generated_allocated_costs(
    days: list[tuple[int, int, int, Decimal, Decimal, Decimal]],
) -> None:
    traffic, lines, allocated = [], [], Decimal(0)
    for offset, (inp, cached_pct, out, p_in, p_cached, p_out) in enumerate(days):
        day = OCT1 + timedelta(days=offset)
        cached = inp * cached_pct // 100
        traffic.append(DailyTraffic(day, inp, cached, out))
        for meter_id, tokens, price in ((IN, inp - cached, p_in), (CACHED, cached, p_cached),
                                        (OUT, out, p_out)):  # fmt: skip
            quantity = Decimal(tokens) / 1000
            cost = (quantity * price).quantize(Decimal("0.01"))
            if tokens:
                lines.append(bill(meter_id, str(cost), str(quantity), day))
                allocated += cost
    result = what_if(
        traffic, CHAT, allocated, Configuration.of(CHAT), PriceBook.build(lines, ITEMS), REGION
    )
    assert abs(result.cost - allocated) <= allocated / 100
