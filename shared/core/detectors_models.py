"""Model detectors: short-output traffic on a model with a cheaper sibling.

- CHEAPER_MODEL: a Standard or Batch deployment (not fine-tuned) whose output tokens per request
  over the period (output tokens / requests of its traffic) are at most `short_output_tokens`,
  and whose model has cheaper models of its family (shared/core/model_alternatives.py) that
  `what_if` prices on the same deployment type and mode (any version of the cheaper model) at
  less than the allocated cost: the cheapest one priced. Without requests, no finding. Whether
  the smaller model's answers are good enough is unknown (the what-if's unknowns say the output
  may differ): confidence LOW, said in the evidence. Provisioned deployments are left to the PTU
  detectors (a model change there is a capacity change).
"""

from __future__ import annotations

from shared.core.findings import (
    Confidence,
    DeploymentFacts,
    Finding,
    FindingType,
    Thresholds,
    finding,
    money_text,
    per_request,
    priced,
)
from shared.core.meters import Mode
from shared.core.model_alternatives import cheaper_models
from shared.core.money import in_money_context
from shared.core.price_book import PriceBook
from shared.core.what_if import Configuration

QUALITY_UNKNOWN = (
    "whether the smaller model answers well enough is unknown: evaluate it on this traffic first"
)


@in_money_context
def cheaper_model(facts: DeploymentFacts, book: PriceBook, thresholds: Thresholds) -> list[Finding]:
    unit = facts.unit
    dep = unit.deployment
    sku = dep.sku_type
    if sku is None or sku[1] not in (Mode.STANDARD, Mode.BATCH) or dep.is_fine_tuned:
        return []
    row = cheaper_models(dep.model)
    rates = per_request(facts.traffic)
    if row is None or rates is None or rates[1] > thresholds.short_output_tokens:
        return []
    found = [
        alternative
        for model in row.cheaper
        if (alternative := priced(facts, book, Configuration(model, None, *sku))) is not None
    ]
    cheaper = [p for p in found if p.cost < unit.cost]
    if not cheaper:
        return []
    best = min(cheaper, key=lambda p: p.cost)
    evidence = [
        ("output tokens per request", f"{rates[1]:.1f}"),
        ("maximum output tokens per request", str(thresholds.short_output_tokens)),
        ("allocated cost", money_text(unit.cost)),
        *((f"{p.configuration.model} cost", money_text(p.cost)) for p in found),
        ("quality", QUALITY_UNKNOWN),
        ("why this model", row.rationale),
    ]
    return [
        finding(
            facts,
            FindingType.CHEAPER_MODEL,
            f"{dep.name}'s short answers cost less on {best.configuration.model}",
            evidence,
            unit.cost - best.cost,
            Confidence.LOW,
            best,
        )
    ]
