"""Parse Azure OpenAI meter names: model, version, token kind, deployment type and mode.

Meter names have no grammar (`gpt 4o 1120 cached Inp glbl Tokens`, `GPT 5 Rsng outpt Glbl 1M
Tokens`, `gpt4o realtimePrvwAudInp DataZone Tokens`), so the parser is a pipeline of small tables:
non-model meters, provisioned-throughput meters, model aliases (`meter_models`, or a model
family's own under its product: `model_families`), then version, kind, deployment-type and mode
rules run on what is left of the name. Each table is ordered; the first rule that matches wins.
Extend a table rather than the code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from shared.core.meter_models import find_model
from shared.core.meters import DeploymentType, Mode, TokenKind
from shared.core.model_families import (
    FamilyRow,
    ModelFamily,
    family_of_product,
    is_openai_product,
)
from shared.errors import InvalidInput

# Meters billed on an Azure OpenAI account that belong to no model deployment (tools, storage).
NON_MODEL_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"\bassistants?\b",
        r"\bfile ?search\b",
        r"\bcode ?interpreter\b",
        r"\bsessions?$",
        r"\bcalls$",
        r"\bgb$",
    )
)

# Provisioned throughput meters (normalised name -> type, kind). Their names are shared with
# DeepSeek, Llama, Mistral, Grok and Flux PTU meters, so they only count under an OpenAI product.
PTU_METERS: Mapping[str, tuple[DeploymentType, TokenKind]] = MappingProxyType(
    {
        "provisioned managed global unit": (DeploymentType.GLOBAL, TokenKind.PTU_HOUR),
        "provisioned managed data zone unit": (DeploymentType.DATA_ZONE, TokenKind.PTU_HOUR),
        "provisioned managed regional unit": (DeploymentType.REGIONAL, TokenKind.PTU_HOUR),
        # Legacy commitment model (pre-August-2024 customers): regional, hourly and monthly.
        "provisioned throughput available unit": (DeploymentType.REGIONAL, TokenKind.PTU_HOUR),
        "provisioned throughput overage unit": (DeploymentType.REGIONAL, TokenKind.PTU_HOUR),
        "provisioned throughput units overage": (DeploymentType.REGIONAL, TokenKind.PTU_HOUR),
        "provisioned throughput units": (DeploymentType.REGIONAL, TokenKind.OTHER),
    }
)

# First match wins: data zone before regional before global.
DEPLOYMENT_TYPE_RULES: tuple[tuple[re.Pattern[str], DeploymentType], ...] = (
    (re.compile(r"data ?zone|\bdzone\b|\bdzn\b|\bdz\b"), DeploymentType.DATA_ZONE),
    (re.compile(r"\bregnl\b|\bregional\b|\brgnl\b|\bregn\b"), DeploymentType.REGIONAL),
    (re.compile(r"\bglbl\b|\bglobal\b|\bgl\b"), DeploymentType.GLOBAL),
)

# Training jobs and model graders carry no deployment type; they run as Global.
DEFAULT_TYPE_BY_MODE: Mapping[Mode, DeploymentType] = MappingProxyType(
    {Mode.FINE_TUNING: DeploymentType.GLOBAL}
)

_TOKENS_SUFFIX = re.compile(r"\b(?:tokens|tkn)$")

# (pattern, kind when the name ends in Tokens, kind otherwise); first match wins. Directions are
# matched without word boundaries because names glue them (`BatchOutp`, `realtimePrvwAudInp`).
KIND_RULES: tuple[tuple[re.Pattern[str], TokenKind, TokenKind], ...] = (
    (re.compile(r"\bhstng\b|\bhosting\b"), TokenKind.HOSTING_HOUR, TokenKind.HOSTING_HOUR),
    (re.compile(r"\btrng\b|\btraining\b"), TokenKind.TRAINING_TOKEN, TokenKind.TRAINING_HOUR),
    (re.compile(r"\bgrader\b|\bgrdr\b"), TokenKind.TRAINING_TOKEN, TokenKind.TRAINING_TOKEN),
    (re.compile(r"\bimages?$"), TokenKind.IMAGE, TokenKind.IMAGE),
    (re.compile(r"\bvideo$|\bseconds?$"), TokenKind.VIDEO_SECOND, TokenKind.VIDEO_SECOND),
    (re.compile(r"cache ?write|cch ?wrt"), TokenKind.CACHE_WRITE, TokenKind.CACHE_WRITE),
    (re.compile(r"cached|cchd|cched"), TokenKind.CACHED_INPUT, TokenKind.CACHED_INPUT),
    (re.compile(r"inp"), TokenKind.INPUT, TokenKind.INPUT),
    (re.compile(r"outp|\bout\b|\bopt\b"), TokenKind.OUTPUT, TokenKind.OUTPUT),
)

# First match wins: fine-tuning words before batch.
MODE_RULES: tuple[tuple[re.Pattern[str], Mode], ...] = (
    (
        re.compile(r"\br?ft\b|\btrng\b|\btraining\b|\bhstng\b|\bhosting\b|\bgrader\b|\bgrdr\b"),
        Mode.FINE_TUNING,
    ),
    (re.compile(r"batch"), Mode.BATCH),
)

# A version code is a month-day pair standing alone or glued to letters (`aud1217`, `mini0718`).
_MMDD = re.compile(r"(?<!\d)((?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?!\d)")
_SEPARATORS = re.compile(r"[\s\-_/,]+")
_UNIT = re.compile(r"^(\d+(?:\.\d+)?)([KkMm])?(?![A-Za-z])")
_UNIT_MULTIPLIERS: Mapping[str, Decimal] = MappingProxyType(
    {"": Decimal(1), "k": Decimal(1000), "m": Decimal(1_000_000)}
)


@dataclass(frozen=True)
class ParsedMeter:
    """What a meter name says it bills. `model` is "" for PTU meters (shared by all models)."""

    model: str
    version: str
    kind: TokenKind
    deployment_type: DeploymentType
    mode: Mode
    family: ModelFamily = ModelFamily.OPENAI


def normalise_meter_name(meter_name: str) -> str:
    """Lower case, with runs of blanks, `-`, `_`, `/` and `,` folded to one blank."""
    return _SEPARATORS.sub(" ", meter_name.strip().lower()).strip()


def parse_meter_name(
    meter_name: str, product: str = "", unit_of_measure: str = ""
) -> ParsedMeter | None:
    """The parsed meter, or None for a non-OpenAI product, a non-model meter or an unknown name.

    With no product, PTU meters are not recognised: their names are shared with other vendors.
    With a unit of measure, a kind the unit contradicts (a token meter billed per hour) gives None.
    """
    family = family_of_product(product)
    if family is not None and family.family is not ModelFamily.OPENAI:
        return _parse_family_meter(normalise_meter_name(meter_name), family, unit_of_measure)
    if product and not is_openai_product(product):
        return None
    name = normalise_meter_name(meter_name)
    if not name or any(p.search(name) for p in NON_MODEL_PATTERNS):
        return None
    parsed = _parse_ptu(name) if name in PTU_METERS else _parse_model_meter(name)
    if parsed is None or (parsed.mode is Mode.PROVISIONED and not product):
        return None
    return parsed if unit_agrees(parsed.kind, unit_of_measure) else None


def _parse_family_meter(name: str, row: FamilyRow, unit_of_measure: str) -> ParsedMeter | None:
    """A meter of another model family's product: its PTU units, or its models' tokens."""
    family = row.family
    if name in PTU_METERS:
        deployment_type, kind = PTU_METERS[name]
        return ParsedMeter("", "", kind, deployment_type, Mode.PROVISIONED, family)
    for pattern, model in row.aliases:
        found = pattern.match(name)
        if found is None:
            continue
        rest = name[found.end() :].strip()
        token_kind = find_kind(rest)
        token_type = find_deployment_type(rest)
        if token_kind is None or token_type is None or not unit_agrees(token_kind, unit_of_measure):
            return None
        return ParsedMeter(model, "", token_kind, token_type, find_mode(rest), family)
    return None


def is_non_model_meter(meter_name: str) -> bool:
    """True for a meter name of an account charge that belongs to no model (tools, storage)."""
    name = normalise_meter_name(meter_name)
    return any(p.search(name) for p in NON_MODEL_PATTERNS)


def _parse_ptu(name: str) -> ParsedMeter:
    deployment_type, kind = PTU_METERS[name]
    return ParsedMeter("", "", kind, deployment_type, Mode.PROVISIONED)


def _parse_model_meter(name: str) -> ParsedMeter | None:
    found = find_model(name)
    if found is None:
        return None
    alias, rest = found
    kind = find_kind(rest, alias.implicit_kind)
    if kind is None:
        return None
    mode = find_mode(rest)
    deployment_type = find_deployment_type(rest) or DEFAULT_TYPE_BY_MODE.get(mode)
    if deployment_type is None:
        return None
    return ParsedMeter(
        alias.model, find_version(rest, alias.odd_versions), kind, deployment_type, mode
    )


def find_version(rest: str, odd_versions: tuple[tuple[str, str], ...] = ()) -> str:
    """The MMDD version code in the name (after the model alias), or ""."""
    found = _MMDD.search(rest)
    if found is not None:
        return found.group(1)
    words = rest.split()
    for word, version in odd_versions:
        if word in words:
            return version
    return ""


def find_kind(rest: str, implicit: TokenKind | None = None) -> TokenKind | None:
    """What one unit of the meter is; `implicit` when the name carries no kind word."""
    tokens = _TOKENS_SUFFIX.search(rest) is not None
    for pattern, token_kind, other_kind in KIND_RULES:
        if pattern.search(rest):
            return token_kind if tokens else other_kind
    return implicit


def find_mode(rest: str) -> Mode:
    for pattern, mode in MODE_RULES:
        if pattern.search(rest):
            return mode
    return Mode.STANDARD


def find_deployment_type(rest: str) -> DeploymentType | None:
    for pattern, deployment_type in DEPLOYMENT_TYPE_RULES:
        if pattern.search(rest):
            return deployment_type
    return None


def unit_agrees(kind: TokenKind, unit_of_measure: str) -> bool:
    """False when the unit contradicts the kind (tokens per hour, hours per 1K); True when blank."""
    unit = unit_of_measure.strip().lower()
    if not unit:
        return True
    expected = _UNIT_SHAPES.get(kind)
    return expected is None or expected.search(unit) is not None


def block_size(unit_of_measure: str) -> Decimal:
    """Base units per billed quantity: `1K` -> 1000, `1M` -> 10**6, `100` -> 100, `1/Hour` -> 1."""
    found = _UNIT.match(unit_of_measure.strip())
    if found is None:
        raise InvalidInput("unit_of_measure", f"not a unit of measure: {unit_of_measure!r}")
    number, suffix = found.groups()
    return Decimal(number) * _UNIT_MULTIPLIERS[(suffix or "").lower()]


def assumed_unit_of_measure(meter_name: str, kind: TokenKind) -> str:
    """The unit a meter of this name and kind is billed in, for meters not in the price list."""
    name = normalise_meter_name(meter_name)
    if kind.is_token or kind is TokenKind.TRAINING_TOKEN:
        return "1M" if re.search(r"\b1m tokens$", name) else "1K"
    return _NON_TOKEN_UNITS.get(kind) or ("1M" if name.endswith("characters") else "1 Hour")


_TOKEN_UNIT = re.compile(r"^\d+(?:\.\d+)?[km]$")
_HOUR_UNIT = re.compile(r"hour")
_UNIT_SHAPES: Mapping[TokenKind, re.Pattern[str]] = MappingProxyType(
    {
        TokenKind.INPUT: _TOKEN_UNIT,
        TokenKind.CACHED_INPUT: _TOKEN_UNIT,
        TokenKind.CACHE_WRITE: _TOKEN_UNIT,
        TokenKind.OUTPUT: _TOKEN_UNIT,
        TokenKind.TRAINING_TOKEN: _TOKEN_UNIT,
        TokenKind.HOSTING_HOUR: _HOUR_UNIT,
        TokenKind.TRAINING_HOUR: _HOUR_UNIT,
        TokenKind.PTU_HOUR: _HOUR_UNIT,
        TokenKind.IMAGE: re.compile(r"^\d+$"),
        TokenKind.AUDIO_SECOND: re.compile(r"second"),
        TokenKind.VIDEO_SECOND: re.compile(r"second"),
    }
)

_NON_TOKEN_UNITS: Mapping[TokenKind, str] = MappingProxyType(
    {
        TokenKind.PTU_HOUR: "1/Hour",
        TokenKind.HOSTING_HOUR: "1 Hour",
        TokenKind.TRAINING_HOUR: "1 Hour",
        TokenKind.IMAGE: "100",
        TokenKind.AUDIO_SECOND: "1 Second",
        TokenKind.VIDEO_SECOND: "1 Second",
    }
)
