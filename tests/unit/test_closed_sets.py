"""Closed sets parsed once at the edge and stored as the same text: pricing models, retail item
types (shared/core/costs.py, shared/core/catalogue.py)."""

from __future__ import annotations

import pytest

from shared.core.catalogue import RetailItemType
from shared.core.costs import PRICING_MODEL_SPELLINGS, PricingModel

# The stored text of every pricing model: rows written by earlier versions must read back.
STORED = {
    PricingModel.ON_DEMAND: "OnDemand",
    PricingModel.RESERVATION: "Reservation",
    PricingModel.SAVINGS_PLAN: "SavingsPlan",
    PricingModel.SPOT: "Spot",
    PricingModel.OTHER: "Other",
}


def test_every_pricing_model_is_stored_as_cost_managements_text_and_reads_back() -> None:
    assert {model: model.value for model in PricingModel} == STORED
    for model, text in STORED.items():
        assert PricingModel.parse(text) is model


@pytest.mark.parametrize(("spelling", "model"), sorted(PRICING_MODEL_SPELLINGS.items()))
def test_every_spelling_of_the_table_parses_in_any_case_blanks_and_dashes(
    spelling: str, model: PricingModel
) -> None:
    assert PricingModel.parse(spelling) is model
    assert PricingModel.parse(spelling.upper()) is model
    assert PricingModel.parse(f" {spelling.title()} ") is model
    if len(spelling) > 2:
        assert PricingModel.parse(f"{spelling[:2]}-{spelling[2:]}") is model
        assert PricingModel.parse(f"{spelling[:2]} {spelling[2:]}") is model


@pytest.mark.parametrize(
    ("billed", "model"),
    [("On Demand", PricingModel.ON_DEMAND), ("on-demand", PricingModel.ON_DEMAND),
     ("Standard", PricingModel.ON_DEMAND), ("Reservations", PricingModel.RESERVATION),
     ("Savings Plan", PricingModel.SAVINGS_PLAN), ("Dynamic", PricingModel.SPOT),
     ("", PricingModel.ON_DEMAND), (None, PricingModel.ON_DEMAND)],
)  # fmt: skip
def test_the_spellings_azure_bills_parse_to_one_model(
    billed: str | None, model: PricingModel
) -> None:
    assert PricingModel.parse(billed) is model


@pytest.mark.parametrize("unknown", ["Commitment", "Marketplace", "x"])
def test_a_pricing_model_outside_the_table_is_other(unknown: str) -> None:
    assert PricingModel.parse(unknown) is PricingModel.OTHER


@pytest.mark.parametrize(
    ("text", "kind"),
    [("Consumption", RetailItemType.CONSUMPTION), ("Reservation", RetailItemType.RESERVATION),
     ("DevTestConsumption", RetailItemType.DEV_TEST_CONSUMPTION),
     (" devtestconsumption ", RetailItemType.DEV_TEST_CONSUMPTION),
     ("CONSUMPTION", RetailItemType.CONSUMPTION), ("SavingsPlan", RetailItemType.OTHER)],
)  # fmt: skip
def test_retail_item_types_parse_from_the_apis_text(text: str, kind: RetailItemType) -> None:
    assert RetailItemType.parse(text) is kind


def test_every_retail_item_type_is_stored_as_the_apis_text_and_reads_back() -> None:
    assert [t.value for t in RetailItemType] == [
        "Consumption", "Reservation", "DevTestConsumption", "Other"
    ]  # fmt: skip
    for kind in RetailItemType:
        assert RetailItemType.parse(kind.value) is kind
