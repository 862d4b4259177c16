"""The meter-name parser: real Azure OpenAI meter names in all their spellings, and unit blocks."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core.meter_names import (
    ParsedMeter,
    assumed_unit_of_measure,
    block_size,
    normalise_meter_name,
    parse_meter_name,
)
from shared.core.meters import DeploymentType, MeterInfo, Mode, TokenKind
from shared.core.model_families import ModelFamily
from shared.errors import InvalidInput

GL, DZ, RG = DeploymentType.GLOBAL, DeploymentType.DATA_ZONE, DeploymentType.REGIONAL
STD, BATCH, PTU, FT = Mode.STANDARD, Mode.BATCH, Mode.PROVISIONED, Mode.FINE_TUNING
IN, CACHED, OUT = TokenKind.INPUT, TokenKind.CACHED_INPUT, TokenKind.OUTPUT
TRAIN_TKN, TRAIN_HR = TokenKind.TRAINING_TOKEN, TokenKind.TRAINING_HOUR
HOST_HR, PTU_HR = TokenKind.HOSTING_HOUR, TokenKind.PTU_HOUR
AO, RSN, GPT5 = "Azure OpenAI", "Azure OpenAI Reasoning", "Azure OpenAI GPT5"
OSS = "Azure OpenAI OSS models"
RT, MINI_RT = "gpt-4o-realtime-preview", "gpt-4o-mini-realtime-preview"
MINI_AUD, DEEP = "gpt-4o-mini-audio-preview", "o3-deep-research"
MEDIA, PTU_RES = "Azure OpenAI Image Video", "Azure AI Foundry Provisioned Throughput Reservation"

# Real meter names from the Retail Prices snapshot of 2025-08-25, with what they must parse to:
# (meter name, product, model, version, kind, deployment type, mode).
# fmt: off
SPOT_CHECKS: list[tuple[str, str, str, str, TokenKind, DeploymentType, Mode]] = [
    # gpt-4o: blanks vs dashes, Inp/Input, Outp/Output, glbl/global, Data Zone/regnl/regional
    ("gpt 4o 1120 Inp glbl Tokens", AO, "gpt-4o", "1120", IN, GL, STD),
    ("gpt 4o 1120 cached Inp glbl Tokens", AO, "gpt-4o", "1120", CACHED, GL, STD),
    ("gpt 4o 1120 Outp Data Zone Tokens", AO, "gpt-4o", "1120", OUT, DZ, STD),
    ("gpt 4o 1120 Inp regnl Tokens", AO, "gpt-4o", "1120", IN, RG, STD),
    ("gpt 4o 1120 Batch Outp glbl Tokens", AO, "gpt-4o", "1120", OUT, GL, BATCH),
    ("gpt-4o-0806-Inp-glbl Tokens", AO, "gpt-4o", "0806", IN, GL, STD),
    ("gpt-4o-0806-Batch-Inp-glbl Tokens", AO, "gpt-4o", "0806", IN, GL, BATCH),
    ("gpt 4o 0513 Input global Tokens", AO, "gpt-4o", "0513", IN, GL, STD),
    ("gpt 4o 0513 Output regional Tokens", AO, "gpt-4o", "0513", OUT, RG, STD),
    # gpt-4o-mini: glued version and BatchOutp, DataZone
    ("gpt-4o-mini-0718-Batch-Inp-glbl Tokens", AO, "gpt-4o-mini", "0718", IN, GL, BATCH),
    ("gpt 4o mini0718 BatchOutp DataZone Tokens", AO, "gpt-4o-mini", "0718", OUT, DZ, BATCH),
    ("gpt 4o mini 0718 cached Inp regnl Tokens", AO, "gpt-4o-mini", "0718", CACHED, RG, STD),
    # gpt-4.1 family: no version; DZone
    ("gpt 4.1 Inp glbl Tokens", AO, "gpt-4.1", "", IN, GL, STD),
    ("gpt 4.1 cached Inp Data Zone Tokens", AO, "gpt-4.1", "", CACHED, DZ, STD),
    ("gpt 4.1 mini Batch Inp DZone Tokens", AO, "gpt-4.1-mini", "", IN, DZ, BATCH),
    ("gpt 4.1 nano cached Inp DZone Tokens", AO, "gpt-4.1-nano", "", CACHED, DZ, STD),
    # reasoning: o-series, input/output spelled out, DataZone glued
    ("o3 0416 Outp regnl Tokens", AO, "o3", "0416", OUT, RG, STD),
    ("o3 mini 0131 input glbl Tokens", AO, "o3-mini", "0131", IN, GL, STD),
    ("o3 mini 0131 cached input Data Zone Tokens", AO, "o3-mini", "0131", CACHED, DZ, STD),
    ("o4-mini 0416 cached Inp DataZone Tokens", RSN, "o4-mini", "0416", CACHED, DZ, STD),
    ("o1 1217 Batch Outp Data Zone Tokens", AO, "o1", "1217", OUT, DZ, BATCH),
    ("o1 preview output glbl Tokens", AO, "o1-preview", "", OUT, GL, STD),
    ("o3-pro Inp regnl Tokens", AO, "o3-pro", "", IN, RG, STD),
    ("codex mini inp cchd rgnl Tokens", RSN, "codex-mini", "", CACHED, RG, STD),
    ("codex mini out dzone Tokens", RSN, "codex-mini", "", OUT, DZ, STD),
    ("o3-deep research 0626-inp-cchd-glbl 1M Tokens", RSN, DEEP, "0626", CACHED, GL, STD),
    # GPT-5: Rsng, Inpt/outpt, Glbl, cchd before or after Inpt, 1M
    ("GPT 5 Rsng Inpt Glbl 1M Tokens", GPT5, "gpt-5", "", IN, GL, STD),
    ("GPT 5 Rsng cchd Inpt Glbl 1M Tokens", GPT5, "gpt-5", "", CACHED, GL, STD),
    ("GPT 5 Rsng outpt Glbl 1M Tokens", GPT5, "gpt-5", "", OUT, GL, STD),
    ("GPT 5 Mini Batch Inpt cchd Dzone 1M Tokens", GPT5, "gpt-5-mini", "", CACHED, DZ, BATCH),
    ("GPT 5 Nano outpt DZone 1M Tokens", GPT5, "gpt-5-nano", "", OUT, DZ, STD),
    ("GPT 5 Chat Inpt Glbl 1M Tokens", GPT5, "gpt-5-chat", "", IN, GL, STD),
    # embeddings: no direction (input only), datazone glued to a dash
    ("text-embedding-3-large-glbl Tokens", AO, "text-embedding-3-large", "", IN, GL, STD),
    ("text-embedding-3-small-regional Tokens", AO, "text-embedding-3-small", "", IN, RG, STD),
    ("embedding-ada-datazone Tokens", AO, "text-embedding-ada-002", "", IN, DZ, STD),
    # realtime and audio: rt/realtime/rtime, aud/audio, glued Prvw words, DZn, rgnl, regn
    ("gpt-4o-rt-aud-1217 cchd Inp DZn Tokens", AO, RT, "1217", CACHED, DZ, STD),
    ("gpt-4o-rt-txt-0603 Inp glbl Tokens", AO, RT, "0603", IN, GL, STD),
    ("gpt4o realtimePrvwAudOutp DataZone Tokens", AO, RT, "", OUT, DZ, STD),
    ("gpt4o realtime cached audio inp regn Tokens", AO, RT, "", CACHED, RG, STD),
    ("gpt4omini-rt-txt1217 cchd Inp rgnl Tokens", AO, MINI_RT, "1217", CACHED, RG, STD),
    ("gpt4omini-aud1217-txt Outp glbl Tokens", AO, MINI_AUD, "1217", OUT, GL, STD),
    ("gpt-4o-aud-1217 Inp glbl Tokens", AO, "gpt-4o-audio-preview", "1217", IN, GL, STD),
    ("gpt-4o-mini-tts-aud-out-dz Tokens", AO, "gpt-4o-mini-tts", "", OUT, DZ, STD),
    ("gpt-4o-mini-transcribe-aud-inp-glbl Tokens", AO, "gpt-4o-mini-transcribe", "", IN, GL, STD),
    ("gpt-4o-transcribe-txt-out-rgnl Tokens", AO, "gpt-4o-transcribe", "", OUT, RG, STD),
    # legacy GPT-3.5 / GPT-4 spellings
    ("gpt-35-turbo-16K-0125 Input-regional Tokens", AO, "gpt-35-turbo", "0125", IN, RG, STD),
    ("gpt-35-trb16K-Batch-125-Outp-glbl Tokens", AO, "gpt-35-turbo", "0125", OUT, GL, BATCH),
    ("gpt-35-turbo-16k-Input-regional Tokens", AO, "gpt-35-turbo-16k", "", IN, RG, STD),
    ("gpt-4-Turbo-Batch-128K Inp-glbl Tokens", AO, "gpt-4", "", IN, GL, BATCH),
    ("gpt-4-32K-Output-regional Tokens", AO, "gpt-4-32k", "", OUT, RG, STD),
    ("gpt 4.5 0227 cached Inp glbl Tokens", AO, "gpt-4.5-preview", "0227", CACHED, GL, STD),
    # fine-tuning: FT Training, -FT-Trng- tkn, hosting/Hstng, -FT-inp-, cached-FT-inp, dev-ft, RFT
    ("gpt-4.1 FT Training global Tokens", AO, "gpt-4.1", "", TRAIN_TKN, GL, FT),
    ("gpt-4o-0806-FT-Trng-glbl tkn Tokens", AO, "gpt-4o", "0806", TRAIN_TKN, GL, FT),
    ("babbage-002-FT-Trng-regnl Unit", AO, "babbage-002", "", TRAIN_HR, RG, FT),
    ("gpt-4.1-ft hosting global Unit", AO, "gpt-4.1", "", HOST_HR, GL, FT),
    ("gpt-4o-mini-0718-FT-Hstng-regnl Unit", AO, "gpt-4o-mini", "0718", HOST_HR, RG, FT),
    ("gpt-4o-0806-FT-inp-glbl Tokens", AO, "gpt-4o", "0806", IN, GL, FT),
    ("gpt-4o-0806-cached-FT-inp-regnl Tokens", AO, "gpt-4o", "0806", CACHED, RG, FT),
    ("gpt-4.1-ft cached input global Tokens", AO, "gpt-4.1", "", CACHED, GL, FT),
    ("gpt-4.1-dev-ft inpt glbl Tokens", AO, "gpt-4.1", "", IN, GL, FT),
    ("gpt-4.1-mini-dev-ft opt glbl Tokens", AO, "gpt-4.1-mini", "", OUT, GL, FT),
    ("o4-mini RFT Training global Unit", RSN, "o4-mini", "", TRAIN_HR, GL, FT),
    ("gpt-35-turbo16K-FT-Hstng-glbl Unit", AO, "gpt-35-turbo", "", HOST_HR, GL, FT),
    # model graders bill training, not inference; they carry no deployment type (Global)
    ("o3-ft mdl grdr cchd inpt Tokens", AO, "o3", "", TRAIN_TKN, GL, FT),
    ("gpt-4o-mini-ft mdel grdr cched inpt Tokens", AO, "gpt-4o-mini", "", TRAIN_TKN, GL, FT),
    ("text-embedding-3-large-grader Tokens", AO, "text-embedding-3-large", "", TRAIN_TKN, GL, FT),
    # images, video, audio hours, characters
    ("gpt-image-1-inp-cached-img-dzone Tokens", AO, "gpt-image-1", "", CACHED, DZ, STD),
    ("gpt-image-1-output-img-glbl Tokens", AO, "gpt-image-1", "", OUT, GL, STD),
    ("Image-Dall-E-3 HD HighRes-regnl EP Images", AO, "dall-e-3", "", TokenKind.IMAGE, RG, STD),
    ("Image-DALL-E-2-glbl Images", AO, "dall-e-2", "", TokenKind.IMAGE, GL, STD),
    ("Sora 1080p Sq 11-15s glbl Video", MEDIA, "sora", "", TokenKind.VIDEO_SECOND, GL, STD),
    ("Speech-to-Text-Batch-Whisper-glbl Unit", AO, "whisper", "", TokenKind.OTHER, GL, STD),
    ("Speech-Text to Speech HD-global Characters", AO, "tts-hd", "", TokenKind.OTHER, GL, STD),
    ("computer-use-outp-datazone Tokens", AO, "computer-use-preview", "", OUT, DZ, STD),
    ("gpt-oss-120B Inp glbl Tokens", OSS, "gpt-oss-120b", "", IN, GL, STD),
    # provisioned throughput: keyed on the product, never on the name alone
    ("Provisioned Managed Global Unit", AO, "", "", PTU_HR, GL, PTU),
    ("Provisioned Managed Data Zone Unit", AO, "", "", PTU_HR, DZ, PTU),
    ("Provisioned Managed Regional Unit", PTU_RES, "", "", PTU_HR, RG, PTU),
    ("Provisioned Throughput - Overage Unit", AO, "", "", PTU_HR, RG, PTU),
]
# fmt: on

# Names from the 2026 catalogue (facts sheet §3.3) that the parser must still read.
LATER_SPELLINGS: list[tuple[str, str, DeploymentType]] = [
    ("gpt-5-codex-inp-glbl Tokens", "gpt-5-codex", GL),
    ("text-embedding-3-large DZ Tokens", "text-embedding-3-large", DZ),
    ("gpt 4.1 Inp Gl 1M Tokens", "gpt-4.1", GL),
]

NON_MODEL_NAMES = [
    "Code-Interpreter-global Session",
    "Code-Interpreter-regnl EP Session",
    "Assistants-File Search-glbl GB",
    "file-search-tool-calls-datazone Calls",
    "Standard Text Records",
    "R1 Inp glbl Tokens",
    "MAI-DS-R1 Outp Dzone Tokens",
    "V3-0324 Inp DZone Tokens",
    "",
    "   ",
]


@pytest.mark.parametrize(
    ("meter_name", "product", "model", "version", "kind", "deployment_type", "mode"), SPOT_CHECKS
)
def test_a_real_meter_name_parses_to_its_model_version_kind_type_and_mode(
    meter_name: str,
    product: str,
    model: str,
    version: str,
    kind: TokenKind,
    deployment_type: DeploymentType,
    mode: Mode,
) -> None:
    expected = ParsedMeter(model, version, kind, deployment_type, mode)
    assert parse_meter_name(meter_name, product) == expected


@pytest.mark.parametrize(("meter_name", "model", "deployment_type"), LATER_SPELLINGS)
def test_later_spellings_dz_and_gl_and_codex_parse_too(
    meter_name: str, model: str, deployment_type: DeploymentType
) -> None:
    parsed = parse_meter_name(meter_name, "Azure OpenAI GPT5")
    assert parsed is not None
    assert (parsed.model, parsed.deployment_type) == (model, deployment_type)


@pytest.mark.parametrize("meter_name", NON_MODEL_NAMES)
def test_tools_content_safety_and_other_vendors_names_parse_to_nothing(meter_name: str) -> None:
    assert parse_meter_name(meter_name) is None
    assert parse_meter_name(meter_name, "Azure OpenAI") is None


@pytest.mark.parametrize(
    "product", ["Deepseek model family", "Llama models", "Mistral Models", "BFL Flux Models"]
)
def test_a_ptu_meter_of_another_vendor_is_not_an_openai_ptu_meter(product: str) -> None:
    parsed = parse_meter_name("Provisioned Managed Global Unit", product)
    assert parsed is None or parsed.family is not ModelFamily.OPENAI


def test_a_ptu_meter_name_without_a_product_is_not_recognised() -> None:
    assert parse_meter_name("Provisioned Managed Global Unit") is None
    assert parse_meter_name("Provisioned Managed Data Zone Unit", "") is None


def test_an_openai_looking_name_under_another_product_parses_to_nothing() -> None:
    assert parse_meter_name("gpt 4o 1120 Inp glbl Tokens", "Azure AI Content Safety") is None


def test_a_unit_that_contradicts_the_kind_makes_the_meter_unknown() -> None:
    assert parse_meter_name("gpt 4o 1120 Inp glbl Tokens", "Azure OpenAI", "1 Hour") is None
    assert parse_meter_name("gpt-4.1-ft hosting global Unit", "Azure OpenAI", "1K") is None
    assert parse_meter_name("gpt 4o 1120 Inp glbl Tokens", "Azure OpenAI", "1K") is not None


def test_the_legacy_monthly_ptu_commitment_is_provisioned_but_not_a_ptu_hour() -> None:
    parsed = parse_meter_name("Provisioned Throughput Units", "Azure OpenAI", "1/Month")
    assert parsed == ParsedMeter("", "", TokenKind.OTHER, RG, PTU)


@pytest.mark.parametrize(
    ("unit", "block"),
    [
        ("1K", Decimal(1000)),
        ("1M", Decimal(1_000_000)),
        ("100", Decimal(100)),
        ("1", Decimal(1)),
        ("1/Hour", Decimal(1)),
        ("1 Hour", Decimal(1)),
        ("1 Second", Decimal(1)),
        ("1/Day", Decimal(1)),
        ("1/Month", Decimal(1)),
        (" 1K ", Decimal(1000)),
        ("10K", Decimal(10_000)),
        ("1k", Decimal(1000)),
    ],
)
def test_a_unit_of_measure_gives_its_block_size(unit: str, block: Decimal) -> None:
    assert block_size(unit) == block


@pytest.mark.parametrize("unit", ["", "Hour", "K", "per 1K"])
def test_a_unit_without_a_leading_number_is_invalid_input(unit: str) -> None:
    with pytest.raises(InvalidInput):
        block_size(unit)


@given(st.integers(min_value=1, max_value=10**6), st.sampled_from(["K", "M", "", "/Hour", " Hour"]))
def test_block_size_is_the_number_times_the_suffix(number: int, suffix: str) -> None:
    multiplier = {"K": 1000, "M": 1_000_000}.get(suffix, 1)
    assert block_size(f"{number}{suffix}") == Decimal(number * multiplier)


@pytest.mark.parametrize(
    ("meter_name", "kind", "unit"),
    [
        ("gpt 4o 1120 Inp glbl Tokens", IN, "1K"),
        ("GPT 5 Rsng Inpt Glbl 1M Tokens", IN, "1M"),
        ("Image-Dall-E-3 Std LowRes-regnl EP Images", TokenKind.IMAGE, "100"),
        ("Sora 720p 1-5s glbl Video", TokenKind.VIDEO_SECOND, "1 Second"),
        ("gpt-4.1-ft hosting global Unit", TokenKind.HOSTING_HOUR, "1 Hour"),
        ("Speech-Text to Speech-global Characters", TokenKind.OTHER, "1M"),
        ("Speech-to-Text-Batch-Whisper-glbl Unit", TokenKind.OTHER, "1 Hour"),
    ],
)
def test_the_assumed_unit_of_a_meter_follows_its_name(
    meter_name: str, kind: TokenKind, unit: str
) -> None:
    assert assumed_unit_of_measure(meter_name, kind) == unit


def _info(version: str) -> MeterInfo:
    return MeterInfo(
        "id", "name", "Azure OpenAI", "1K", "gpt-4o", version, IN, GL, STD, Decimal(1000)
    )


@pytest.mark.parametrize(
    ("meter_version", "deployment_version", "matches"),
    [
        ("1120", "2024-11-20", True),
        ("1120", "2024-08-06", False),
        ("0806", "2024-08-06", True),
        ("0125", "0125", True),
        ("0125", "1106", False),
        ("", "2024-11-20", True),
        ("", "turbo-2024-04-09", True),
    ],
)
def test_a_meter_matches_a_deployment_version_by_its_mmdd_code_or_when_it_has_none(
    meter_version: str, deployment_version: str, matches: bool
) -> None:
    assert _info(meter_version).matches_version(deployment_version) is matches


def test_a_parsed_version_matches_the_arm_version_of_the_same_model() -> None:
    parsed = parse_meter_name("gpt 4o mini0718 BatchOutp DataZone Tokens", "Azure OpenAI")
    assert parsed is not None
    assert _info(parsed.version).matches_version("2024-07-18")
    assert not _info(parsed.version).matches_version("2024-11-20")


_SEPARATOR = st.sampled_from([" ", "  ", "\t", " - ", "_", "-"])


@given(
    st.sampled_from(SPOT_CHECKS),
    st.lists(_SEPARATOR, min_size=12, max_size=12),
    st.sampled_from([str.lower, str.upper, str.title, lambda s: s]),
    st.text(alphabet=" \t", max_size=3),
)
def test_case_separators_and_surrounding_blanks_do_not_change_the_parse(
    check: tuple[str, str, str, str, TokenKind, DeploymentType, Mode],
    separators: list[str],
    recase: Callable[[str], str],
    padding: str,
) -> None:
    meter_name, product, *_ = check
    words = meter_name.split(" ")
    joined = "".join(
        word + (separators[i % len(separators)] if i < len(words) - 1 else "")
        for i, word in enumerate(words)
    )
    variant = padding + recase(joined) + padding
    assert normalise_meter_name(variant) == normalise_meter_name(meter_name)
    assert parse_meter_name(variant, product) == parse_meter_name(meter_name, product)
