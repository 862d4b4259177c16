"""A tiny meter catalogue for pure tests, with the MeterCatalogue interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from shared.core.digest import digest
from shared.core.meters import DeploymentType, MeterInfo, Mode, TokenKind

G, DZ, R = DeploymentType.GLOBAL, DeploymentType.DATA_ZONE, DeploymentType.REGIONAL


def meter(
    meter_id: str,
    model: str,
    kind: TokenKind,
    dtype: DeploymentType = G,
    mode: Mode = Mode.STANDARD,
    version: str = "",
) -> MeterInfo:
    return MeterInfo(
        meter_id=meter_id,
        meter_name=f"{model} {version} {kind.value} {dtype.value} Tokens",
        product="Azure OpenAI",
        unit_of_measure="1K",
        model=model,
        version=version,
        kind=kind,
        deployment_type=dtype,
        mode=mode,
        block=Decimal(1000),
    )


GPT4O_IN = meter("m-4o-in", "gpt-4o", TokenKind.INPUT, version="1120")
GPT4O_CACHED = meter("m-4o-cached", "gpt-4o", TokenKind.CACHED_INPUT, version="1120")
GPT4O_OUT = meter("m-4o-out", "gpt-4o", TokenKind.OUTPUT, version="1120")
MINI_IN = meter("m-mini-in", "gpt-4o-mini", TokenKind.INPUT, version="0718")
MINI_OUT = meter("m-mini-out", "gpt-4o-mini", TokenKind.OUTPUT, version="0718")
PTU_GLOBAL = meter("m-ptu-g", "", TokenKind.PTU_HOUR, mode=Mode.PROVISIONED)
DZ_IN = meter("m-41-dz-in", "gpt-4.1", TokenKind.INPUT, dtype=DZ)
ACCOUNT_CHARGE = "m-file-search"
ALL = (GPT4O_IN, GPT4O_CACHED, GPT4O_OUT, MINI_IN, MINI_OUT, PTU_GLOBAL, DZ_IN)


@dataclass
class DictCatalogue:
    meters: dict[str, MeterInfo] = field(default_factory=lambda: {m.meter_id: m for m in ALL})
    account_level: frozenset[str] = frozenset({ACCOUNT_CHARGE})

    def classify(self, meter_id: str, meter_name: str) -> MeterInfo | None:
        return self.meters.get(meter_id)

    def is_account_level(self, meter_id: str, meter_name: str) -> bool:
        return meter_id in self.account_level

    @property
    def version(self) -> str:
        return digest(*(f"{k}={v!r}" for k, v in sorted(self.meters.items())), length=12)
