"""What a meter bills: model, token kind, deployment type, mode and unit block."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Protocol

from shared.core.model_families import ModelFamily


class TokenKind(Enum):
    """What one unit of a meter is."""

    INPUT = "input"
    CACHED_INPUT = "cached-input"
    CACHE_WRITE = "cache-write"
    OUTPUT = "output"
    PTU_HOUR = "ptu-hour"
    HOSTING_HOUR = "hosting-hour"
    TRAINING_TOKEN = "training-token"
    TRAINING_HOUR = "training-hour"
    IMAGE = "image"
    AUDIO_SECOND = "audio-second"
    VIDEO_SECOND = "video-second"
    OTHER = "other"

    @property
    def is_input_side(self) -> bool:
        """Meters billed on prompt tokens (weighed by input tokens, summed into input cost)."""
        return self in (TokenKind.INPUT, TokenKind.CACHED_INPUT, TokenKind.CACHE_WRITE)

    @property
    def is_token(self) -> bool:
        return self in (
            TokenKind.INPUT,
            TokenKind.CACHED_INPUT,
            TokenKind.CACHE_WRITE,
            TokenKind.OUTPUT,
        )


class DeploymentType(Enum):
    GLOBAL = "global"
    DATA_ZONE = "data-zone"
    REGIONAL = "regional"


class Mode(Enum):
    STANDARD = "standard"
    BATCH = "batch"
    PROVISIONED = "provisioned"
    FINE_TUNING = "fine-tuning"


@dataclass(frozen=True)
class MeterInfo:
    """A classified meter.

    `model` is the deployment's model name as ARM spells it (`gpt-4o-mini`), or "" for meters that
    belong to no model (PTU units are shared by all models of a deployment type). `version` is the
    model version code the meter carries (`1120` for gpt-4o 2024-11-20), or "" when it carries none.
    `block` is how many base units one billed quantity stands for (1000 for `1K`). `family` is the
    model family whose deployments the meter bills (shared/core/model_families.py): PTU units of one
    family never go to another's deployments.
    """

    meter_id: str
    meter_name: str
    product: str
    unit_of_measure: str
    model: str
    version: str
    kind: TokenKind
    deployment_type: DeploymentType
    mode: Mode
    block: Decimal
    family: ModelFamily = ModelFamily.OPENAI

    def matches_version(self, deployment_version: str) -> bool:
        """True when the meter carries no version, or its MMDD code is the deployment's."""
        if not self.version:
            return True
        digits = deployment_version.replace("-", "")
        return digits.endswith(self.version)


class MeterCatalogue(Protocol):
    """Classifies meters: by meter id first, then by name; None for a meter it does not know."""

    def classify(self, meter_id: str, meter_name: str) -> MeterInfo | None: ...

    def is_account_level(self, meter_id: str, meter_name: str) -> bool:
        """True for a known charge of the account that belongs to no model (content safety,
        assistants, file search, storage)."""
        ...

    @property
    def version(self) -> str:
        """A digest of what it classifies and prices by: equal versions classify and price
        alike (the provenance of an allocation names it)."""
        ...
