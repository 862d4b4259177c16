"""Savings findings: what a deployment's period could have cost, priced, never guessed.

Each detector reads one deployment's facts for a billing period (`DeploymentFacts`: its
`UnitCost`, its daily traffic and the region it is priced in) and answers the findings it makes.
A saving is the allocated cost minus the cost `what_if` prices the same traffic at under the
alternative configuration (or two what-ifs of one configuration on the traffic as observed and
as it could be: prompts trimmed, more cache hits; or, for a deployment that served nothing or a
fine-tuned model hosted for next to no traffic, an allocated cost that deleting it stops). The
period is a calendar month, so the saving over the period is the monthly saving. An alternative
the price book cannot price (InvalidInput from `what_if`) makes no finding.

Detectors, one module per concept (each module's docstring gives the precise rules):

- shared/core/detectors_ptu.py: IDLE_PTU (PTU -> pay-as-you-go), PTU_CHEAPER (pay-as-you-go
  -> PTU on a 1-month reservation), PTU_RESERVATION (PTU paid hourly -> reserved);
- shared/core/detectors_standard.py: REGIONAL_COSTLIER, BATCH_CANDIDATE;
- shared/core/detectors_models.py: CHEAPER_MODEL (short-output traffic on a costlier model);
- shared/core/detectors_prompts.py: BLOATED_PROMPT, LOW_CACHE_SHARE;
- shared/core/detectors_lifecycle.py: BILLED_NOTHING_SERVED, RETIRING_VERSION,
  FINE_TUNED_IDLE.

Confidence, unless a detector says otherwise: from the days of traffic observed: at least
`high_confidence_days` HIGH, at least `medium_confidence_days` MEDIUM, else LOW.

`find_all` runs every detector over every deployment and sorts the findings by saving, largest
first (ties by deployment id, then type). BILLED_NOTHING_SERVED supersedes the other detectors
for its deployment (their savings would be the same money). Every other finding of one
deployment is priced against the same allocated cost, so any two of them count the same money:
they are alternatives (Batch or a cheaper model; trimmed prompts or more cache hits), and even
two that could both be done do not add up (cache hits on trimmed prompts save less). Each
finding names the other types found on its deployment in `alternative_to`; a total that does not
double count takes each deployment's largest saving (shared/core/insight_views.py does).
Pure: no I/O; Decimal money (the money context).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import Enum

from shared.core.meters import DeploymentType, Mode
from shared.core.money import CENT, ZERO, in_money_context
from shared.core.price_book import PriceBook
from shared.core.resource_id import id_key
from shared.core.unit_costs import UnitCost
from shared.core.what_if import Configuration, DailyTraffic, WhatIf, what_if
from shared.errors import InvalidInput


class FindingType(Enum):
    IDLE_PTU = "idle-ptu"
    PTU_CHEAPER = "ptu-cheaper"
    PTU_RESERVATION = "ptu-reservation"
    REGIONAL_COSTLIER = "regional-costlier"
    BATCH_CANDIDATE = "batch-candidate"
    CHEAPER_MODEL = "cheaper-model"
    BLOATED_PROMPT = "bloated-prompt"
    LOW_CACHE_SHARE = "low-cache-share"
    RETIRING_VERSION = "retiring-version"
    FINE_TUNED_IDLE = "fine-tuned-idle"
    BILLED_NOTHING_SERVED = "billed-nothing-served"


class Confidence(Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


_SHARES = ("ptu_min_utilization", "cache_low_share", "cache_target_share")


@dataclass(frozen=True)
class Thresholds:
    """The detectors' settings (the detectors modules' docstrings), with their defaults. Every
    field is a Decimal or an int >= 0; shares are within [0, 1] (ValueError otherwise)."""

    ptu_min_utilization: Decimal = Decimal("0.5")  # idle share above 1 - this: IDLE_PTU
    batch_max_variation: Decimal = Decimal("0.25")  # daily tokens' coefficient of variation
    batch_min_days: int = 7  # days of traffic before a deployment can look steady
    high_confidence_days: int = 28  # days observed for HIGH confidence
    medium_confidence_days: int = 14  # days observed for MEDIUM confidence
    # CHEAPER_MODEL: output tokens per request at most this (short answers: classification,
    # extraction, routing), where a smaller model of the family is most likely good enough.
    short_output_tokens: int = 400
    # BLOATED_PROMPT: input tokens per request above this x the baseline (own history, else
    # the peers' median); an input:output ratio at least `bloat_io_ratio` is reported with it.
    bloat_ratio: Decimal = Decimal("1.5")
    bloat_io_ratio: Decimal = Decimal("20")
    # LOW_CACHE_SHARE: Azure OpenAI caches prompts of at least 1,024 tokens (MicrosoftDocs/
    # azure-ai-docs articles/ai-foundry/openai/how-to/prompt-caching.md, "Getting started": "A
    # minimum of 1,024 tokens in length"; not in azure-cost-facts.md), so shorter prompts are
    # spared; a cache share (cached / input) below `cache_low_share` fires, and the saving is
    # priced at `cache_target_share` (an assumption, named in the evidence).
    cache_min_prompt_tokens: int = 1024
    cache_low_share: Decimal = Decimal("0.1")
    cache_target_share: Decimal = Decimal("0.5")
    # RETIRING_VERSION: a retirement on or before as_of + this many days fires (Azure notifies
    # at least 60 days ahead for GA models; 90 leaves a month more to test the successor).
    retirement_warning_days: int = 90
    # FINE_TUNED_IDLE: tokens (input + output) per hosted day below this.
    fine_tuned_min_daily_tokens: int = 10_000

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if not isinstance(value, (int, Decimal)) or isinstance(value, bool):
                raise ValueError(f"{spec.name} must be a Decimal or an int, got {value!r}")
            if isinstance(value, Decimal) and not value.is_finite():
                raise ValueError(f"{spec.name} must be finite, got {value}")
            if value < 0:
                raise ValueError(f"{spec.name} must not be negative, got {value}")
            if spec.name in _SHARES and value > 1:
                raise ValueError(f"{spec.name} is a share: at most 1, got {value}")


@dataclass(frozen=True)
class DeploymentFacts:
    """One deployment over one period: its allocated cost and usage, its daily traffic, and the
    region its alternatives are priced in.

    `history`: the deployment's days of the previous periods (BLOATED_PROMPT's own baseline);
    `hosting_cost`: its allocated fine-tuned hosting-hour cost (FINE_TUNED_IDLE);
    `held_capacities`: the PTU capacities it held over the period (the inventory's snapshots;
    empty: `Deployment.capacity` all period), PTU_RESERVATION reserves the lowest;
    `use_case`: the use case that claims the deployment whole, if one does."""

    unit: UnitCost
    traffic: tuple[DailyTraffic, ...]
    region: str
    history: tuple[DailyTraffic, ...] = ()
    hosting_cost: Decimal = ZERO
    held_capacities: tuple[int, ...] = ()
    use_case: str | None = None


@dataclass(frozen=True)
class Finding:
    """One saving (or risk, RETIRING_VERSION) of one deployment; `alternative_to`: the other
    types found on the same deployment, whose savings count the same money (module docstring)."""

    type: FindingType
    deployment_id: str
    title: str
    evidence: tuple[tuple[str, str], ...]  # (name, value as text)
    monthly_saving: Decimal
    confidence: Confidence
    what_if: WhatIf | None
    use_case: str | None = None
    alternative_to: tuple[FindingType, ...] = ()


PRICE_QUANTUM = Decimal("1e-12")


def money_text(amount: Decimal) -> str:
    """An amount as evidence text, to cents half even (35.0000000 -> "35.00", 286.7514 ->
    "286.75"); the saving itself stays exact."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_EVEN):.2f}"


def price_text(amount: Decimal) -> str:
    """A unit price as evidence text: to 1e-12 at most, no exponent, no trailing zeros beyond
    the cents (0.000000091 -> "0.000000091", 1.0000 -> "1.00")."""
    rounded = amount.quantize(PRICE_QUANTUM, rounding=ROUND_HALF_EVEN)
    if rounded == rounded.quantize(CENT):
        return f"{rounded:.2f}"
    return format(rounded.normalize(), "f")


def ratio_text(value: Decimal) -> str:
    """A ratio or a share as evidence text, to four decimals."""
    return f"{value:.4f}"


def confidence_of(days: int, thresholds: Thresholds) -> Confidence:
    if days >= thresholds.high_confidence_days:
        return Confidence.HIGH
    if days >= thresholds.medium_confidence_days:
        return Confidence.MEDIUM
    return Confidence.LOW


def finding(
    facts: DeploymentFacts,
    type_: FindingType,
    title: str,
    evidence: Sequence[tuple[str, str]],
    saving: Decimal,
    confidence: Confidence,
    priced: WhatIf | None,
) -> Finding:
    """A finding of the facts' deployment (its id and use case)."""
    return Finding(
        type=type_,
        deployment_id=facts.unit.deployment.deployment_id,
        title=title,
        evidence=tuple(evidence),
        monthly_saving=saving,
        confidence=confidence,
        what_if=priced,
        use_case=facts.use_case,
    )


def priced(
    facts: DeploymentFacts,
    book: PriceBook,
    config: Configuration,
    traffic: Sequence[DailyTraffic] | None = None,
) -> WhatIf | None:
    """The traffic (the facts' own when None) priced under `config` against the allocated cost,
    or None when the price book cannot price it."""
    try:
        return what_if(
            facts.traffic if traffic is None else traffic,
            facts.unit.deployment,
            facts.unit.cost,
            config,
            book,
            facts.region,
        )
    except InvalidInput:
        return None


def priced_as(
    facts: DeploymentFacts, book: PriceBook, dtype: DeploymentType, mode: Mode
) -> WhatIf | None:
    """The traffic on the deployment's model and version under `dtype` and `mode`."""
    dep = facts.unit.deployment
    return priced(facts, book, Configuration(dep.model, dep.model_version, dtype, mode))


def own_configuration(facts: DeploymentFacts) -> Configuration | None:
    """The deployment's own configuration, or None for a SKU what_if cannot price."""
    try:
        return Configuration.of(facts.unit.deployment)
    except InvalidInput:
        return None


def per_request(traffic: Sequence[DailyTraffic]) -> tuple[Decimal, Decimal] | None:
    """Input and output tokens per request over the days; None without requests."""
    requests = sum(t.requests for t in traffic)
    if requests <= 0:
        return None
    inputs = sum(t.input_tokens for t in traffic)
    outputs = sum(t.output_tokens for t in traffic)
    return Decimal(inputs) / requests, Decimal(outputs) / requests


@in_money_context
def find_all(
    deployments: Sequence[DeploymentFacts],
    book: PriceBook,
    thresholds: Thresholds = Thresholds(),
    *,
    as_of: date | None = None,
) -> list[Finding]:
    """Every detector over every deployment, largest saving first (module docstring). `as_of`
    is the day retirements and hosted days are counted to; None: each period's last day."""
    # The detectors modules import this module's records: imported here, not at the top.
    from shared.core import (
        detectors_lifecycle,
        detectors_models,
        detectors_prompts,
        detectors_ptu,
        detectors_standard,
    )

    found: list[Finding] = []
    for facts in deployments:
        nothing = detectors_lifecycle.billed_nothing_served(facts)
        if nothing:
            found.extend(nothing)
            continue
        day = as_of or facts.unit.period.end - timedelta(days=1)
        found.extend(detectors_ptu.idle_ptu(facts, book, thresholds))
        found.extend(detectors_ptu.ptu_cheaper(facts, book, thresholds))
        found.extend(detectors_ptu.ptu_reservation(facts, book, thresholds))
        found.extend(detectors_standard.regional_costlier(facts, book, thresholds))
        found.extend(detectors_standard.batch_candidate(facts, book, thresholds))
        found.extend(detectors_models.cheaper_model(facts, book, thresholds))
        found.extend(detectors_prompts.bloated_prompt(facts, deployments, book, thresholds))
        found.extend(detectors_prompts.low_cache_share(facts, book, thresholds))
        found.extend(detectors_lifecycle.retiring_version(facts, book, thresholds, day))
        found.extend(detectors_lifecycle.fine_tuned_idle(facts, thresholds, day))
    return sorted(
        _with_alternatives(found),
        key=lambda f: (-f.monthly_saving, f.deployment_id, f.type.value),
    )


def _with_alternatives(found: Sequence[Finding]) -> list[Finding]:
    """Each finding with the other types found on its deployment (any case of its id)."""
    types: dict[str, list[FindingType]] = {}
    for f in found:
        types.setdefault(id_key(f.deployment_id), []).append(f.type)
    result = []
    for f in found:
        others = sorted(
            {t for t in types[id_key(f.deployment_id)] if t is not f.type}, key=lambda t: t.value
        )
        result.append(replace(f, alternative_to=tuple(others)))
    return result
