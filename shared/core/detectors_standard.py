"""Pay-as-you-go detectors: the same model on a cheaper Standard deployment type, or on Batch.

- REGIONAL_COSTLIER: a Regional Standard deployment whose traffic on the same model's Global or
  Data Zone Standard costs less; the cheaper of the two. Data leaves the region under Global
  (said in the evidence): confidence from the days observed, at most MEDIUM.
- BATCH_CANDIDATE: a Global or Data Zone Standard deployment whose traffic looks steady, and
  whose Batch of the same deployment type costs less. Steady: at least `batch_min_days` days of
  traffic and the coefficient of variation (population standard deviation / mean) of the daily
  tokens (input + output) at most `batch_max_variation`. Whether callers need the answers at
  once is unknown: confidence LOW, said in the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from shared.core.findings import (
    Confidence,
    DeploymentFacts,
    Finding,
    FindingType,
    Thresholds,
    confidence_of,
    finding,
    money_text,
    priced_as,
    ratio_text,
)
from shared.core.meters import DeploymentType, Mode
from shared.core.money import ZERO, in_money_context
from shared.core.price_book import PriceBook
from shared.core.what_if import DailyTraffic

DATA_LEAVES_REGION = "Global Standard may process data outside the region"
INTERACTIVITY_UNKNOWN = "whether callers need answers at once is unknown: Batch answers in 24h"


@in_money_context
def regional_costlier(
    facts: DeploymentFacts, book: PriceBook, thresholds: Thresholds
) -> list[Finding]:
    unit = facts.unit
    if unit.deployment.sku_type != (DeploymentType.REGIONAL, Mode.STANDARD):
        return []
    found = [
        alternative
        for dtype in (DeploymentType.GLOBAL, DeploymentType.DATA_ZONE)
        if (alternative := priced_as(facts, book, dtype, Mode.STANDARD)) is not None
    ]
    cheaper = [p for p in found if p.cost < unit.cost]
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
            for p in found
        ),
        ("days observed", str(len(facts.traffic))),
    ]
    if best_type is DeploymentType.GLOBAL:
        evidence.append(("data residency", DATA_LEAVES_REGION))
    return [
        finding(
            facts,
            FindingType.REGIONAL_COSTLIER,
            f"{unit.deployment.name} costs less on {best_type.value} standard",
            evidence,
            unit.cost - best.cost,
            confidence,
            best,
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
    batch = priced_as(facts, book, sku[0], Mode.BATCH)
    if batch is None or batch.cost >= unit.cost:
        return []
    return [
        finding(
            facts,
            FindingType.BATCH_CANDIDATE,
            f"{unit.deployment.name}'s steady traffic costs less on Batch",
            (
                ("daily tokens variation", ratio_text(cv)),
                ("maximum variation", str(thresholds.batch_max_variation)),
                ("days observed", str(len(facts.traffic))),
                ("allocated cost", money_text(unit.cost)),
                ("batch cost", money_text(batch.cost)),
                ("interactivity", INTERACTIVITY_UNKNOWN),
            ),
            unit.cost - batch.cost,
            Confidence.LOW,
            batch,
        )
    ]
