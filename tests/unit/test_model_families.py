"""The model-family table (shared/core/model_families.py) drives every place a family matters:
the meter parser, the catalogue's account charges, the Retail Prices filter and PTU allocation."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from shared.core.catalogue import build_catalogue
from shared.core.meter_names import parse_meter_name
from shared.core.meters import DeploymentType, Mode, TokenKind
from shared.core.model_families import (
    FAMILIES,
    OTHER_MODEL_PRODUCT,
    FamilyRow,
    ModelFamily,
    deployment_family,
    family_of_product,
    is_model_product,
    is_openai_product,
    normalise_product_name,
)
from tests.builders import price_item

# A product name of each family as Azure spells it (one per exact name and prefix of its row).
PRODUCTS: dict[ModelFamily, tuple[str, ...]] = {
    ModelFamily.OPENAI: (
        "Azure OpenAI",
        "Azure OpenAI GPT5",
        "Azure OpenAI Reasoning",
        "Azure AI Foundry Provisioned Throughput Reservation",
    ),
    ModelFamily.DEEPSEEK: ("Deepseek model family",),
}
# A meter name for every product-scoped alias of a family (the model it must parse to).
ALIAS_EXAMPLES: dict[str, str] = {
    "MAI-DS-R1": "MAI DS R1 Inp glbl Tokens",
    "DeepSeek-V3-0324": "V3 0324 Outp glbl Tokens",
    "DeepSeek-V3.1": "V3 1 Inp DZone Tokens",
    "DeepSeek-V3": "V3 Inp regnl Tokens",
    "DeepSeek-R1-0528": "R1 0528 Outp glbl Tokens",
    "DeepSeek-R1": "R1 Inp glbl Tokens",
}


def row_id(row: FamilyRow) -> str:
    return row.family.value


def test_every_family_has_one_row_and_no_product_bills_two_families() -> None:
    assert sorted(row.family.value for row in FAMILIES) == sorted(f.value for f in ModelFamily)
    for family, products in PRODUCTS.items():
        for product in products:
            rows = [row for row in FAMILIES if row.bills(normalise_product_name(product))]
            assert [row.family for row in rows] == [family], product


@pytest.mark.parametrize("row", FAMILIES, ids=row_id)
def test_a_familys_products_are_found_in_any_casing_and_spacing(row: FamilyRow) -> None:
    for product in PRODUCTS[row.family]:
        assert family_of_product(product) is row
        assert family_of_product(f"  {product.upper()}  ") is row
        assert family_of_product(product.replace(" ", "   ")) is row
        assert is_model_product(product)
        assert is_openai_product(product) is (row.family is ModelFamily.OPENAI)


@pytest.mark.parametrize("row", FAMILIES, ids=row_id)
def test_a_ptu_meter_of_a_familys_product_classifies_into_that_family(row: FamilyRow) -> None:
    for product in PRODUCTS[row.family]:
        parsed = parse_meter_name("Provisioned Managed Global Unit", product, "1/Hour")
        assert parsed is not None, product
        assert (parsed.family, parsed.mode, parsed.kind, parsed.deployment_type) == (
            row.family,
            Mode.PROVISIONED,
            TokenKind.PTU_HOUR,
            DeploymentType.GLOBAL,
        )


@pytest.mark.parametrize("row", FAMILIES, ids=row_id)
def test_a_familys_own_aliases_parse_under_its_product_only(row: FamilyRow) -> None:
    for _pattern, model in row.aliases:
        name = ALIAS_EXAMPLES[model]  # every alias of the table has an example here
        parsed = parse_meter_name(name, PRODUCTS[row.family][0], "1K")
        assert parsed is not None, name
        assert (parsed.model, parsed.family) == (model, row.family)
        assert parse_meter_name(name) is None  # bare: no product, no model
        assert parse_meter_name(name, "Azure OpenAI") is None


@pytest.mark.parametrize("row", FAMILIES, ids=row_id)
def test_a_familys_deployments_are_known_by_model_name_then_format(row: FamilyRow) -> None:
    for prefix in row.model_prefixes:
        assert deployment_family(f"{prefix.upper()}-x1", "SomeVendor") is row.family
        assert deployment_family(f"{prefix}-x1", "OpenAI") is row.family  # the name wins
    for fmt in row.model_formats:
        assert deployment_family("some-model", fmt.upper()) is row.family
        assert deployment_family("some-model", f" {fmt} ") is row.family


def test_another_vendors_deployment_is_of_no_family() -> None:
    assert deployment_family("Llama-3.3-70B-Instruct", "Meta") is None
    assert deployment_family("gpt-4o", "") is ModelFamily.OPENAI


@pytest.mark.parametrize(
    "product",
    ["Llama models", "Azure Mistral Models", "Azure Kimi", "MAI Models", "BFL Flux Models"],
)
def test_other_vendors_model_products_are_model_products_of_no_family(product: str) -> None:
    assert OTHER_MODEL_PRODUCT.search(normalise_product_name(product))
    assert family_of_product(product) is None
    assert is_model_product(product)
    assert not is_openai_product(product)
    assert parse_meter_name("Provisioned Managed Global Unit", product, "1/Hour") is None


@pytest.mark.parametrize("product", ["Azure AI Content Safety", "Azure AI Speech", ""])
def test_non_model_products_are_no_model_products(product: str) -> None:
    assert not is_model_product(product)
    assert family_of_product(product) is None


@pytest.mark.parametrize("product", ["Llama models", "Azure Kimi"])
def test_an_unread_meter_of_a_model_product_stays_unknown_not_an_account_charge(
    product: str,
) -> None:
    item = replace(
        price_item(str(uuid.uuid4())), meter_name="Kimi K2 Inp glbl", product_name=product
    )
    catalogue = build_catalogue([item])
    assert catalogue.knows(item.meter_id)
    assert catalogue.classify(item.meter_id, item.meter_name) is None
    assert not catalogue.is_account_level(item.meter_id, item.meter_name)


def test_product_names_are_normalised_one_way() -> None:
    assert normalise_product_name("  Azure \t OpenAI   GPT5 ") == "azure openai gpt5"
    assert normalise_product_name("") == ""
