"""Savings findings: what a deployment's period could have cost, priced, never guessed.

Each detector reads one deployment's facts for a billing period (`DeploymentFacts`: its
`UnitCost`, its daily traffic and the region it is priced in) and answers the findings it makes.
A saving is the allocated cost minus the cost `what_if` prices the same traffic at under the
alternative configuration (or, for a deployment that served nothing, its whole allocated cost):
the period is a calendar month, so the saving over the period is the monthly saving. An
alternative the price book cannot price (InvalidInput from `what_if`) makes no finding.

Detectors
---------
- IDLE_PTU: a provisioned deployment whose idle share (idle cost / provisioned cost) is above
  1 - `ptu_min_utilization`, and whose traffic on the same model's Global Standard costs less
  than its allocated cost. No utilization reported (idle cost None): no finding.
- REGIONAL_COSTLIER: a Regional Standard deployment whose traffic on the same model's Global or
  Data Zone Standard costs less; the cheaper of the two. Data leaves the region under Global
  (said in the evidence): confidence at most MEDIUM.
- BATCH_CANDIDATE: a Global or Data Zone Standard deployment whose traffic looks steady, and
  whose Batch of the same deployment type costs less. Steady: at least `batch_min_days` days of
  traffic and the coefficient of variation (population standard deviation / mean) of the daily
  tokens (input + output) at most `batch_max_variation`. Whether callers need the answers at
  once is unknown: confidence LOW, said in the evidence.
- BILLED_NOTHING_SERVED: allocated cost above zero, no tokens and no requests over the period:
  the saving is the allocated cost; HIGH. It supersedes the other detectors for the deployment
  (their savings would be the same money).

Confidence (IDLE_PTU, REGIONAL_COSTLIER): from the days of traffic observed: at least
`high_confidence_days` HIGH, at least `medium_confidence_days` MEDIUM, else LOW.

`find_all` runs every detector over every deployment and sorts the findings by saving, largest
first (ties by deployment id, then type). Pure: no I/O; Decimal money (the money context).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from shared.core.meters import DeploymentType, Mode
from shared.core.money import CENT, ZERO, in_money_context
from shared.core.price_book import PriceBook
from shared.core.unit_costs import UnitCost
from shared.core.what_if import Configuration, DailyTraffic, WhatIf, what_if
from shared.errors import InvalidInput


class FindingType(Enum):
    IDLE_PTU = "idle-ptu"
    REGIONAL_COSTLIER = "regional-costlier"
    BATCH_CANDIDATE = "batch-candidate"
    BILLED_NOTHING_SERVED = "billed-nothing-served"


class Confidence(Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Thresholds:
    """The detectors' settings (module docstring), with their defaults."""

    ptu_min_utilization: Decimal = Decimal("0.5")  # idle share above 1 - this: IDLE_PTU
    batch_max_variation: Decimal = Decimal("0.25")  # daily tokens' coefficient of variation
    batch_min_days: int = 7  # days of traffic before a deployment can look steady
    high_confidence_days: int = 28  # days observed for HIGH confidence
    medium_confidence_days: int = 14  # days observed for MEDIUM confidence


@dataclass(frozen=True)
class DeploymentFacts:
    """One deployment over one period: its allocated cost and usage, its daily traffic, and the
    region its alternatives are priced in."""

    unit: UnitCost
    traffic: tuple[DailyTraffic, ...]
    region: str


@dataclass(frozen=True)
class Finding:
    type: FindingType
    deployment_id: str
    title: str
    evidence: tuple[tuple[str, str], ...]  # (name, value as text)
    monthly_saving: Decimal
    confidence: Confidence
    what_if: WhatIf | None


DATA_LEAVES_REGION = "Global Standard may process data outside the region"
INTERACTIVITY_UNKNOWN = "whether callers need answers at once is unknown: Batch answers in 24h"


def money_text(amount: Decimal) -> str:
    """An exact amount as evidence text: at least two decimals, no exponent, no trailing zeros
    beyond the cents (35.0000000 -> "35.00", 0.123400 -> "0.1234")."""
    if amount == amount.quantize(CENT):
        return f"{amount:.2f}"
    return format(amount.normalize(), "f")


def confidence_of(days: int, thresholds: Thresholds) -> Confidence:
    if days >= thresholds.high_confidence_days:
        return Confidence.HIGH
    if days >= thresholds.medium_confidence_days:
        return Confidence.MEDIUM
    return Confidence.LOW


@in_money_context
def billed_nothing_served(facts: DeploymentFacts) -> list[Finding]:
    unit = facts.unit
    if unit.cost <= ZERO or unit.total_tokens or unit.requests:
        return []
    return [
        Finding(
            type=FindingType.BILLED_NOTHING_SERVED,
            deployment_id=unit.deployment.deployment_id,
            title=f"{unit.deployment.name} was billed but served no tokens or requests",
            evidence=(
                ("allocated cost", money_text(unit.cost)),
                ("tokens", "0"),
                ("requests", "0"),
            ),
            monthly_saving=unit.cost,
            confidence=Confidence.HIGH,
            what_if=None,
        )
    ]


@in_money_context
def idle_ptu(facts: DeploymentFacts, book: PriceBook, thresholds: Thresholds) -> list[Finding]:
    unit = facts.unit
    sku = unit.deployment.sku_type
    if sku is None or sku[1] is not Mode.PROVISIONED or unit.idle_cost is None:
        return []
    if unit.provisioned_cost <= ZERO:
        return []
    idle_share = unit.idle_cost / unit.provisioned_cost
    if idle_share <= 1 - thresholds.ptu_min_utilization:
        return []
    alternative = _priced(facts, book, DeploymentType.GLOBAL, Mode.STANDARD)
    if alternative is None or alternative.cost >= unit.cost:
        return []
    return [
        Finding(
            type=FindingType.IDLE_PTU,
            deployment_id=unit.deployment.deployment_id,
            title=f"{unit.deployment.name}'s PTUs are mostly idle: Global Standard costs less",
            evidence=(
                ("idle share", f"{idle_share:.4f}"),
                ("minimum utilization", str(thresholds.ptu_min_utilization)),
                ("provisioned cost", money_text(unit.provisioned_cost)),
                ("idle cost", money_text(unit.idle_cost)),
                ("allocated cost", money_text(unit.cost)),
                ("global standard cost", money_text(alternative.cost)),
                ("days observed", str(len(facts.traffic))),
            ),
            monthly_saving=unit.cost - alternative.cost,
            confidence=confidence_of(len(facts.traffic), thresholds),
            what_if=alternative,
        )
    ]


@in_money_context
def regional_costlier(
    facts: DeploymentFacts, book: PriceBook, thresholds: Thresholds
) -> list[Finding]:
    unit = facts.unit
    if unit.deployment.sku_type != (DeploymentType.REGIONAL, Mode.STANDARD):
        return []
    priced = [
        found
        for dtype in (DeploymentType.GLOBAL, DeploymentType.DATA_ZONE)
        if (found := _priced(facts, book, dtype, Mode.STANDARD)) is not None
    ]
    cheaper = [p for p in priced if p.cost < unit.cost]
    if not cheaper:
        return []
    best = min(cheaper, key=lambda p: p.cost)
    best_type = best.configuration.deployment_type
    confidence = confidence_of(len(facts.traffic), thresholds)
    if confidence is Confidence.HIGH:
        confidence = Confidence.MEDIUM
    evidence = [
        ("allocated cost", money_text(unit.cost)),
        *(
            (f"{p.configuration.deployment_type.value} standard cost", money_text(p.cost))
            for p in priced
        ),
        ("days observed", str(len(facts.traffic))),
    ]
    if best_type is DeploymentType.GLOBAL:
        evidence.append(("data residency", DATA_LEAVES_REGION))
    return [
        Finding(
            type=FindingType.REGIONAL_COSTLIER,
            deployment_id=unit.deployment.deployment_id,
            title=f"{unit.deployment.name} costs less on {best_type.value} standard",
            evidence=tuple(evidence),
            monthly_saving=unit.cost - best.cost,
            confidence=confidence,
            what_if=best,
        )
    ]


@in_money_context
def variation(traffic: Sequence[DailyTraffic]) -> Decimal | None:
    """The coefficient of variation of the daily tokens (input + output); None with no tokens."""
    daily = [Decimal(t.input_tokens + t.output_tokens) for t in traffic]
    if not daily:
        return None
    mean = sum(daily, ZERO) / len(daily)
    if mean == ZERO:
        return None
    spread = sum(((d - mean) ** 2 for d in daily), ZERO) / len(daily)
    return spread.sqrt() / mean


@in_money_context
def batch_candidate(
    facts: DeploymentFacts, book: PriceBook, thresholds: Thresholds
) -> list[Finding]:
    unit = facts.unit
    sku = unit.deployment.sku_type
    if sku is None or sku[1] is not Mode.STANDARD or sku[0] is DeploymentType.REGIONAL:
        return []
    if len(facts.traffic) < thresholds.batch_min_days:
        return []
    cv = variation(facts.traffic)
    if cv is None or cv > thresholds.batch_max_variation:
        return []
    batch = _priced(facts, book, sku[0], Mode.BATCH)
    if batch is None or batch.cost >= unit.cost:
        return []
    return [
        Finding(
            type=FindingType.BATCH_CANDIDATE,
            deployment_id=unit.deployment.deployment_id,
            title=f"{unit.deployment.name}'s steady traffic costs less on Batch",
            evidence=(
                ("daily tokens variation", f"{cv:.4f}"),
                ("maximum variation", str(thresholds.batch_max_variation)),
                ("days observed", str(len(facts.traffic))),
                ("allocated cost", money_text(unit.cost)),
                ("batch cost", money_text(batch.cost)),
                ("interactivity", INTERACTIVITY_UNKNOWN),
            ),
            monthly_saving=unit.cost - batch.cost,
            confidence=Confidence.LOW,
            what_if=batch,
        )
    ]


@in_money_context
def find_all(
    deployments: Sequence[DeploymentFacts],
    book: PriceBook,
    thresholds: Thresholds = Thresholds(),
) -> list[Finding]:
    """Every detector over every deployment, largest saving first (module docstring)."""
    findings: list[Finding] = []
    for facts in deployments:
        nothing = billed_nothing_served(facts)
        if nothing:
            findings.extend(nothing)
            continue
        findings.extend(idle_ptu(facts, book, thresholds))
        findings.extend(regional_costlier(facts, book, thresholds))
        findings.extend(batch_candidate(facts, book, thresholds))
    return sorted(findings, key=lambda f: (-f.monthly_saving, f.deployment_id, f.type.value))


def _priced(
    facts: DeploymentFacts, book: PriceBook, dtype: DeploymentType, mode: Mode
) -> WhatIf | None:
    """The traffic on the deployment's model and version under `dtype` and `mode`, or None when
    the price book cannot price it."""
    dep = facts.unit.deployment
    config = Configuration(dep.model, dep.model_version, dtype, mode)
    try:
        return what_if(facts.traffic, dep, facts.unit.cost, config, book, facts.region)
    except InvalidInput:
        return None
