"""Units of measure: every unit of the bundled catalogue normalizes once, and a price per base
unit is the same whatever block it was quoted in (no per-1K double counting)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.adapters.formats.catalogue_snapshot import load_bundled_items
from shared.core.catalogue import classify_item
from shared.core.meter_names import block_size
from shared.core.meters import TokenKind
from shared.core.money import money_context
from shared.core.units import (
    BaseUnit,
    MeterUnit,
    UnitPrice,
    normalise_unit,
    price_per_block,
    price_per_unit,
)

ITEMS = load_bundled_items()
# Every (unit of measure, meter name) pair of the bundled snapshot, and its units alone.
PAIRS = sorted({(item.unit_of_measure, item.meter_name) for item in ITEMS})
UNITS = sorted({unit for unit, _ in PAIRS})
# The base unit each classified meter kind must be counted in.
KIND_BASE = {
    TokenKind.INPUT: BaseUnit.TOKEN,
    TokenKind.CACHED_INPUT: BaseUnit.TOKEN,
    TokenKind.CACHE_WRITE: BaseUnit.TOKEN,
    TokenKind.OUTPUT: BaseUnit.TOKEN,
    TokenKind.TRAINING_TOKEN: BaseUnit.TOKEN,
    TokenKind.PTU_HOUR: BaseUnit.HOUR,
    TokenKind.HOSTING_HOUR: BaseUnit.HOUR,
    TokenKind.TRAINING_HOUR: BaseUnit.HOUR,
    TokenKind.IMAGE: BaseUnit.IMAGE,
    TokenKind.AUDIO_SECOND: BaseUnit.SECOND,
    TokenKind.VIDEO_SECOND: BaseUnit.SECOND,
}


def test_the_bundled_catalogue_has_the_units_the_fact_sheet_lists() -> None:
    assert set(UNITS) == {"1K", "1M", "1/Hour", "1 Hour", "1/Month", "1 Second", "1/Day", "1",
                          "100"}  # fmt: skip


@pytest.mark.parametrize(("unit", "meter_name"), PAIRS)
def test_every_unit_of_the_bundled_catalogue_normalizes_with_the_block_size_reader(
    unit: str, meter_name: str
) -> None:
    normalized = normalise_unit(unit, meter_name)
    assert normalized.block == block_size(unit) > 0
    assert normalized.unit_of_measure == unit
    assert normalise_unit(unit).block == normalized.block


def test_every_classified_meter_of_the_catalogue_counts_the_base_unit_of_its_kind() -> None:
    checked = 0
    for item in ITEMS:
        info = classify_item(item)
        if info is None or info.kind not in KIND_BASE:
            continue
        if info.kind is TokenKind.PTU_HOUR and item.unit_of_measure == "1/Month":
            continue  # legacy monthly commitment units: a PTU-month, not an hour
        assert normalise_unit(item.unit_of_measure, item.meter_name).base is KIND_BASE[info.kind]
        checked += 1
    assert checked > 1_000


@pytest.mark.parametrize(
    ("unit", "name", "block", "base"),
    [("1K", "gpt 4o 1120 Inp glbl Tokens", "1000", BaseUnit.TOKEN),
     ("1M", "GPT 5 Rsng Inpt Glbl 1M Tokens", "1000000", BaseUnit.TOKEN),
     ("1K", "gpt-4o-0806-FT-Trng-glbl tkn Tokens", "1000", BaseUnit.TOKEN),
     ("1M", "tts-hd Characters", "1000000", BaseUnit.CHARACTER),
     ("1/Hour", "Provisioned Managed Global Unit", "1", BaseUnit.HOUR),
     ("1 Hour", "gpt-4.1-ft hosting global Unit", "1", BaseUnit.HOUR),
     ("100", "Image-Dall-E-3 HD HighRes-regnl EP Images", "100", BaseUnit.IMAGE),
     ("1 Second", "Sora 720p 1-5s glbl Video", "1", BaseUnit.SECOND),
     ("1", "Code-Interpreter-global Session", "1", BaseUnit.REQUEST),
     ("1K", "Standard Text Records", "1000", BaseUnit.OTHER),
     ("1/Day", "Assistants-File Search-glbl GB", "1", BaseUnit.OTHER),
     ("1/Month", "Provisioned Throughput Units", "1", BaseUnit.OTHER),
     ("1K", "", "1000", BaseUnit.TOKEN), ("1M", "", "1000000", BaseUnit.TOKEN),
     ("100", "", "100", BaseUnit.IMAGE), ("10K", "", "10000", BaseUnit.TOKEN),
     (" 1 /hour ", "", "1", BaseUnit.HOUR), ("1 Hours", "", "1", BaseUnit.HOUR)],
)  # fmt: skip
def test_a_unit_names_its_block_and_what_it_counts(
    unit: str, name: str, block: str, base: BaseUnit
) -> None:
    assert normalise_unit(unit, name) == MeterUnit(unit, Decimal(block), base)


@pytest.mark.parametrize("unit", ["", "Units", "Hours", "1 GB/Month", "1K Hour", "1 K", "1 1 Hour",
                                  "per 1K", "1K tokens", "0", "1/Week"])  # fmt: skip
def test_a_unit_it_cannot_read_is_refused_naming_it(unit: str) -> None:
    with pytest.raises(ValueError, match=repr(unit).replace("/", ".")):
        normalise_unit(unit)


def test_1500_tokens_cost_the_same_per_1k_or_per_1m() -> None:
    per_1k = price_per_unit(Decimal("0.0025"), "1K")
    per_1m = price_per_unit(Decimal("2.5"), "1M")
    assert per_1k == per_1m == UnitPrice(Decimal("0.0000025"), BaseUnit.TOKEN)
    assert per_1k.cost_of(Decimal(1500)) == per_1m.cost_of(Decimal(1500)) == Decimal("0.00375")
    assert price_per_block(per_1k, "1M") == Decimal("2.5")
    assert price_per_block(per_1m, "1K") == Decimal("0.0025")


def test_a_billed_quantity_converts_to_base_units_and_back() -> None:
    unit = normalise_unit("1M")
    assert unit.to_base(Decimal("0.0015")) == Decimal(1500)
    assert unit.to_billed(Decimal(1500)) == Decimal("0.0015")


def test_a_price_is_not_expressed_in_a_unit_of_another_base() -> None:
    per_hour = price_per_unit(Decimal(1), "1/Hour")
    with pytest.raises(ValueError, match="per hour"):
        price_per_block(per_hour, "1K")


prices = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("10000"), places=6)
quantities = st.integers(min_value=0, max_value=10**15)


@given(unit=st.sampled_from(PAIRS), price=prices, base_quantity=quantities)
def test_the_cost_of_base_units_does_not_depend_on_the_block_the_price_is_quoted_in(
    unit: tuple[str, str], price: Decimal, base_quantity: int
) -> None:
    uom, name = unit
    normalized = normalise_unit(uom, name)
    per_unit = price_per_unit(price, uom, name)
    with money_context():
        # Billed the Azure way: blocks x price per block.
        billed = normalized.to_billed(Decimal(base_quantity)) * price
    assert per_unit.cost_of(Decimal(base_quantity)) == billed
    assert price_per_block(per_unit, uom, name) == price
    for other, other_name in PAIRS:
        other_unit = normalise_unit(other, other_name)
        if other_unit.base is not normalized.base:
            continue
        # The same price quoted per another block of the same base unit is the same unit price.
        quoted = price_per_block(per_unit, other, other_name)
        assert price_per_unit(quoted, other, other_name) == per_unit
