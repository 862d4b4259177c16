"""The meter catalogue over the bundled Retail Prices snapshot: every OpenAI meter is classified."""

from __future__ import annotations

import json
import random
import re
import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue, load_bundled_items
from shared.core.catalogue import RetailItemType, RetailPriceItem, TableCatalogue, build_catalogue
from shared.core.meter_names import block_size
from shared.core.meters import DeploymentType, MeterCatalogue, MeterInfo, Mode, TokenKind
from shared.core.model_families import ModelFamily, is_openai_product
from shared.errors import InvalidInput

ITEMS = load_bundled_items()
CATALOGUE = load_bundled_catalogue()
OPENAI_ITEMS = [item for item in ITEMS if is_openai_product(item.product_name)]
OTHER_ITEMS = [item for item in ITEMS if not is_openai_product(item.product_name)]
DEEPSEEK_ITEMS = [item for item in OTHER_ITEMS if item.product_name == "Deepseek model family"]
CONTENT_SAFETY_ITEMS = [i for i in OTHER_ITEMS if i.product_name == "Azure AI Content Safety"]
DEEPSEEK_MODELS = frozenset({"DeepSeek-R1", "DeepSeek-V3", "DeepSeek-V3-0324", "MAI-DS-R1"})

# Reviewed: meters billed under an Azure OpenAI product that belong to no model deployment
# (Assistants tools and storage). The allocator reports them as account-level-charge, unallocated.
KNOWN_NON_MODEL_METERS = frozenset(
    {
        "Assistants-File Search-glbl GB",
        "Assistants-File Search-regnl GB",
        "Code-Interpreter-global Session",
        "Code-Interpreter-regnl EP Session",
        "file-search-tool-calls-datazone Calls",
        "file-search-tool-calls-glbl Calls",
        "file-search-tool-calls-rgnl Calls",
    }
)

# ARM model names the snapshot's meters resolve to (a new one here needs a look at its aliases).
KNOWN_MODELS = frozenset(
    {
        "babbage-002", "codex-mini", "computer-use-preview", "dall-e-3", "davinci-002",
        "gpt-35-turbo", "gpt-35-turbo-16k", "gpt-4", "gpt-4-32k", "gpt-4.1", "gpt-4.1-mini",
        "gpt-4.1-nano", "gpt-4.5-preview", "gpt-4o", "gpt-4o-audio-preview", "gpt-4o-mini",
        "gpt-4o-mini-audio-preview", "gpt-4o-mini-realtime-preview", "gpt-4o-mini-transcribe",
        "gpt-4o-mini-tts", "gpt-4o-realtime-preview", "gpt-4o-transcribe", "gpt-5", "gpt-5-chat",
        "gpt-5-mini", "gpt-5-nano", "gpt-image-1", "gpt-oss-120b", "o1", "o1-mini", "o1-preview",
        "o1-pro", "o3", "o3-deep-research", "o3-mini", "o3-pro", "o4-mini", "sora",
        "text-embedding-3-large", "text-embedding-3-small", "text-embedding-ada-002", "tts",
        "tts-hd", "whisper",
    }
)  # fmt: skip

TOKEN_BLOCKS = {Decimal(1000), Decimal(1_000_000)}
FINE_TUNING_KINDS = {TokenKind.TRAINING_TOKEN, TokenKind.TRAINING_HOUR, TokenKind.HOSTING_HOUR}

GPT_4O_1120_INPUT_EASTUS2 = "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5"
OPENAI_PTU_GLOBAL_EASTUS2 = "6dcdbfc4-1d28-5883-84c2-dcdb88e21b56"
DEEPSEEK_PTU_GLOBAL_EASTUS2 = "bd866800-30dd-51ba-a147-09603ece2361"
RESERVATION_ONLY_PTU_WESTUS2 = "c7abed63-3b8b-5277-a6fa-a2bbf35a7f76"
RETIRED_EMBEDDING_EASTUS2 = "2fce9d54-7736-55e0-893f-fbea923c7e74"


def _assert_coherent(info: MeterInfo, item: RetailPriceItem) -> None:
    """The classification of an item agrees with the item and with itself."""
    assert info.meter_id.lower() == item.meter_id.lower()
    assert info.meter_name == item.meter_name
    assert info.block == block_size(item.unit_of_measure)
    assert not info.version or re.fullmatch(r"(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])", info.version)
    if info.mode is Mode.PROVISIONED:
        assert info.model == ""
        assert info.kind in (TokenKind.PTU_HOUR, TokenKind.OTHER)
    elif info.family is ModelFamily.DEEPSEEK:
        assert info.model in DEEPSEEK_MODELS
    else:
        assert info.model in KNOWN_MODELS
    if info.kind is TokenKind.PTU_HOUR:
        assert info.mode is Mode.PROVISIONED
        assert info.unit_of_measure == "1/Hour"
    if info.kind.is_token or info.kind is TokenKind.TRAINING_TOKEN:
        assert info.block in TOKEN_BLOCKS
    elif info.meter_name.endswith(" Characters"):  # text to speech, per 1M characters
        assert (info.kind, info.block) == (TokenKind.OTHER, Decimal(1_000_000))
    else:
        assert info.block in (Decimal(1), Decimal(100))
    if info.kind in FINE_TUNING_KINDS:
        assert info.mode is Mode.FINE_TUNING
    if "batch" in item.meter_name.lower() and info.model != "whisper":
        assert info.mode is Mode.BATCH


def test_the_bundled_snapshot_holds_all_four_retail_price_files() -> None:
    assert len(ITEMS) == 908 + 542 + 138 + 122
    assert {item.type for item in ITEMS} == {RetailItemType.CONSUMPTION, RetailItemType.RESERVATION}


def test_the_table_catalogue_is_a_meter_catalogue() -> None:
    catalogue: MeterCatalogue = CATALOGUE
    assert isinstance(catalogue, TableCatalogue)


def test_every_openai_meter_of_the_snapshot_is_classified_or_a_reviewed_non_model_meter() -> None:
    unknown: set[str] = set()
    for item in OPENAI_ITEMS:
        info = CATALOGUE.classify(item.meter_id, item.meter_name)
        if info is None:
            unknown.add(item.meter_name)
        else:
            _assert_coherent(info, item)
    assert unknown == KNOWN_NON_MODEL_METERS
    for item in OPENAI_ITEMS:
        is_charge = CATALOGUE.is_account_level(item.meter_id, item.meter_name)
        assert is_charge is (item.meter_name in KNOWN_NON_MODEL_METERS)


def test_the_snapshot_classifies_1585_meter_ids_of_which_44_are_account_charges() -> None:
    known = [info for info in CATALOGUE.entries.values() if info is not None]
    assert len(CATALOGUE) == 1585
    assert len(CATALOGUE) - len(known) == 44
    models = {info.model for info in known if info.model}
    assert models == KNOWN_MODELS | DEEPSEEK_MODELS
    no_model = [key for key, info in CATALOGUE.entries.items() if info is None]
    assert all(CATALOGUE.is_account_level(key, "") for key in no_model)


def test_every_deepseek_meter_is_classified_into_its_own_family() -> None:
    assert DEEPSEEK_ITEMS
    for item in DEEPSEEK_ITEMS:
        info = CATALOGUE.classify(item.meter_id, item.meter_name)
        assert info is not None, item.meter_name
        _assert_coherent(info, item)
        assert info.family is ModelFamily.DEEPSEEK


def test_content_safety_meters_are_account_charges_not_unknown_meters() -> None:
    assert CONTENT_SAFETY_ITEMS
    for item in CONTENT_SAFETY_ITEMS:
        assert CATALOGUE.classify(item.meter_id, item.meter_name) is None
        assert CATALOGUE.is_account_level(item.meter_id, item.meter_name)


def test_an_unknown_meter_id_is_an_account_charge_only_by_a_tool_or_storage_name() -> None:
    assert CATALOGUE.is_account_level(str(uuid.uuid4()), "file-search-tool-calls-glbl Calls")
    assert not CATALOGUE.is_account_level(str(uuid.uuid4()), "gpt 9 Inp glbl Tokens")


def test_every_ptu_reservation_item_classifies_as_an_openai_ptu_hour() -> None:
    reservations = [item for item in ITEMS if item.type is RetailItemType.RESERVATION]
    assert reservations
    for item in reservations:
        info = CATALOGUE.classify(item.meter_id, item.meter_name)
        assert info is not None
        assert (info.model, info.kind, info.mode) == ("", TokenKind.PTU_HOUR, Mode.PROVISIONED)
        assert info.deployment_type.value in item.meter_name.lower().replace(" ", "-")


def test_non_openai_products_never_classify_as_an_openai_model() -> None:
    assert {item.product_name for item in OTHER_ITEMS} == {
        "Azure AI Content Safety",
        "Deepseek model family",
    }
    for item in OTHER_ITEMS:
        info = CATALOGUE.classify(item.meter_id, item.meter_name)
        assert info is None or info.family is ModelFamily.DEEPSEEK
        assert CATALOGUE.knows(item.meter_id)
        assert CATALOGUE.classify(str(uuid.uuid4()), item.meter_name) is None


def test_a_deepseek_ptu_meter_does_not_resolve_to_the_openai_ptu_meter_of_the_same_name() -> None:
    name = "Provisioned Managed Global Unit"
    openai = CATALOGUE.classify(OPENAI_PTU_GLOBAL_EASTUS2, name)
    assert openai is not None
    assert (openai.kind, openai.deployment_type) == (TokenKind.PTU_HOUR, DeploymentType.GLOBAL)
    deepseek = CATALOGUE.classify(DEEPSEEK_PTU_GLOBAL_EASTUS2, name)
    assert deepseek is not None
    assert (deepseek.family, openai.family) == (ModelFamily.DEEPSEEK, ModelFamily.OPENAI)
    assert (deepseek.kind, deepseek.deployment_type) == (openai.kind, openai.deployment_type)


def test_the_meter_id_beats_the_meter_name() -> None:
    info = CATALOGUE.classify(GPT_4O_1120_INPUT_EASTUS2, "GPT 5 Rsng outpt Glbl 1M Tokens")
    assert info is not None
    assert (info.model, info.version, info.kind) == ("gpt-4o", "1120", TokenKind.INPUT)
    assert info.meter_name == "gpt 4o 1120 Inp glbl Tokens"


def test_a_known_non_model_meter_id_stays_unclassified_whatever_its_name() -> None:
    safety = CONTENT_SAFETY_ITEMS[0].meter_id
    assert CATALOGUE.classify(safety, "gpt 4o 1120 Inp glbl Tokens") is None
    assert CATALOGUE.is_account_level(safety, "gpt 4o 1120 Inp glbl Tokens")


@given(st.sampled_from(OPENAI_ITEMS), st.randoms(use_true_random=False), st.sampled_from(["", " "]))
def test_the_meter_id_is_looked_up_case_insensitively(
    item: RetailPriceItem, rnd: random.Random, pad: str
) -> None:
    recased = "".join(c.upper() if rnd.random() < 0.5 else c.lower() for c in item.meter_id)
    expected = CATALOGUE.classify(item.meter_id.lower(), item.meter_name)
    assert CATALOGUE.classify(pad + recased + pad, "some other name") == expected


def test_an_unknown_meter_id_falls_back_to_the_name_with_the_unit_the_name_implies() -> None:
    meter_id = "00000000-0000-0000-0000-00000000ABCD"
    info = CATALOGUE.classify(meter_id, "gpt 4o 1120 cached Inp glbl Tokens")
    assert info == MeterInfo(
        meter_id=meter_id,
        meter_name="gpt 4o 1120 cached Inp glbl Tokens",
        product="",
        unit_of_measure="1K",
        model="gpt-4o",
        version="1120",
        kind=TokenKind.CACHED_INPUT,
        deployment_type=DeploymentType.GLOBAL,
        mode=Mode.STANDARD,
        block=Decimal(1000),
    )
    gpt5 = CATALOGUE.classify(meter_id, "GPT 5 Mini outpt DZone 1M Tokens")
    assert gpt5 is not None
    assert (gpt5.model, gpt5.block) == ("gpt-5-mini", Decimal(1_000_000))


def test_an_unknown_meter_id_with_a_ptu_or_tool_name_stays_unknown() -> None:
    meter_id = str(uuid.uuid4())
    assert CATALOGUE.classify(meter_id, "Provisioned Managed Global Unit") is None
    assert CATALOGUE.classify(meter_id, "Code-Interpreter-global Session") is None
    assert CATALOGUE.classify(meter_id, "some brand new meter") is None


@given(st.sampled_from([i for i in OPENAI_ITEMS if not i.meter_name.startswith("Provisioned")]))
def test_the_name_fallback_agrees_with_the_catalogue_on_model_kind_type_and_mode(
    item: RetailPriceItem,
) -> None:
    by_id = CATALOGUE.classify(item.meter_id, item.meter_name)
    by_name = CATALOGUE.classify(str(uuid.uuid4()), item.meter_name)
    if by_id is None:
        assert by_name is None
    else:
        assert by_name is not None
        assert (by_name.model, by_name.version, by_name.kind) == (
            by_id.model,
            by_id.version,
            by_id.kind,
        )
        assert (by_name.deployment_type, by_name.mode, by_name.block) == (
            by_id.deployment_type,
            by_id.mode,
            by_id.block,
        )


def test_a_reservation_item_does_not_override_the_hourly_meter_of_the_same_id() -> None:
    info = CATALOGUE.classify(OPENAI_PTU_GLOBAL_EASTUS2, "Provisioned Managed Global Unit")
    assert info is not None
    assert info.product == "Azure OpenAI"
    assert CATALOGUE.price(OPENAI_PTU_GLOBAL_EASTUS2, "eastus2", date(2025, 8, 25)) == Decimal(1)
    reversed_order = build_catalogue(reversed(ITEMS))
    assert reversed_order.classify(OPENAI_PTU_GLOBAL_EASTUS2, "x") == info


def test_a_reservation_only_meter_id_is_classified_from_the_reservation_item() -> None:
    info = CATALOGUE.classify(RESERVATION_ONLY_PTU_WESTUS2, "Provisioned Managed Regional Unit")
    assert info is not None
    assert info.product == "Azure AI Foundry Provisioned Throughput Reservation"
    assert (info.kind, info.deployment_type) == (TokenKind.PTU_HOUR, DeploymentType.REGIONAL)
    assert CATALOGUE.price(RESERVATION_ONLY_PTU_WESTUS2, "westus2", date(2025, 8, 25)) is None


def test_the_list_price_is_the_exact_decimal_of_the_consumption_item_in_force() -> None:
    on = date(2025, 8, 25)
    assert CATALOGUE.price(GPT_4O_1120_INPUT_EASTUS2.upper(), "EastUS2", on) == Decimal("0.0025")
    assert CATALOGUE.price(GPT_4O_1120_INPUT_EASTUS2, "westeurope", on) is None
    assert CATALOGUE.price(GPT_4O_1120_INPUT_EASTUS2, "eastus2", date(2024, 11, 30)) is None
    assert CATALOGUE.price(str(uuid.uuid4()), "eastus2", on) is None


def test_a_price_with_an_end_date_holds_through_that_day_and_not_after() -> None:
    meter = RETIRED_EMBEDDING_EASTUS2
    assert CATALOGUE.price(meter, "eastus2", date(2025, 8, 31)) == Decimal("0.00013")
    assert CATALOGUE.price(meter, "eastus2", date(2025, 9, 1)) is None


def test_overrides_classify_a_new_meter_and_route_a_known_one_to_unknown() -> None:
    new_id = "11111111-2222-3333-4444-555555555555"
    custom = MeterInfo(
        new_id, "my meter", "Azure OpenAI", "1K", "gpt-4o", "", TokenKind.INPUT,
        DeploymentType.GLOBAL, Mode.STANDARD, Decimal(1000),
    )  # fmt: skip
    extended = CATALOGUE.with_overrides({new_id.upper(): custom, GPT_4O_1120_INPUT_EASTUS2: None})
    assert extended.classify(new_id, "anything") == custom
    assert extended.classify(GPT_4O_1120_INPUT_EASTUS2, "gpt 4o 1120 Inp glbl Tokens") is None
    assert CATALOGUE.classify(GPT_4O_1120_INPUT_EASTUS2, "x") is not None
    built = build_catalogue(ITEMS[:10], overrides={new_id: custom})
    assert built.classify(new_id.upper(), "anything") == custom


def _raw_item(**changes: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "currencyCode": "USD",
        "retailPrice": 7.5e-05,
        "armRegionName": "eastus2",
        "effectiveStartDate": "2024-10-01T00:00:00Z",
        "meterId": "ABC",
        "meterName": "gpt 4o mini 0718 cached Inp glbl Tokens",
        "productName": "Azure OpenAI",
        "skuName": "gpt 4o mini 0718 cached Inp glbl",
        "serviceName": "Cognitive Services",
        "unitOfMeasure": "1K",
        "type": "Consumption",
        "armSkuName": "gpt 4o mini 0718 cached Inp glbl",
    }
    raw.update(changes)
    return raw


def test_a_retail_item_reads_its_price_as_an_exact_decimal_from_json_text_or_float() -> None:
    text = json.dumps(_raw_item())
    from_decimal = RetailPriceItem.from_json(json.loads(text, parse_float=Decimal))
    from_float = RetailPriceItem.from_json(json.loads(text))
    assert from_decimal.retail_price == from_float.retail_price == Decimal("0.000075")
    assert from_decimal.effective_start == date(2024, 10, 1)
    assert from_decimal.effective_end is None
    assert from_decimal.reservation_term == ""


def test_a_retail_item_reads_its_end_date_and_reservation_term() -> None:
    item = RetailPriceItem.from_json(
        _raw_item(
            effectiveEndDate="2025-08-31T23:59:00Z", type="Reservation", reservationTerm="1 Year"
        )
    )
    assert (item.effective_end, item.type, item.reservation_term) == (
        date(2025, 8, 31),
        RetailItemType.RESERVATION,
        "1 Year",
    )
    assert not item.is_consumption


@pytest.mark.parametrize(
    "changes",
    [{"meterId": ""}, {"meterName": None}, {"retailPrice": "abc"}, {"effectiveStartDate": "x"}],
)
def test_a_malformed_retail_item_is_invalid_input(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        RetailPriceItem.from_json(_raw_item(**changes))


@pytest.mark.parametrize("product", ["Llama models", "Mistral Models", "BFL Flux Models"])
def test_an_unparsed_meter_of_another_model_family_stays_unknown_not_an_account_charge(
    product: str,
) -> None:
    item = replace(ITEMS[0], meter_id=str(uuid.uuid4()), meter_name="Llama 3.3 70B Inp glbl",
                   product_name=product)  # fmt: skip
    catalogue = build_catalogue([item])
    assert catalogue.classify(item.meter_id, item.meter_name) is None
    assert not catalogue.is_account_level(item.meter_id, item.meter_name)
    safety = replace(item, meter_id=str(uuid.uuid4()), product_name="Azure AI Content Safety")
    assert build_catalogue([safety]).is_account_level(safety.meter_id, safety.meter_name)
