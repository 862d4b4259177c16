"""Lifecycle detectors: deployments billed for nothing, retiring versions, idle fine-tunes.

- BILLED_NOTHING_SERVED: allocated cost above zero, no tokens and no requests over the period:
  the saving is the allocated cost; HIGH. It supersedes the other detectors for the deployment
  (their savings would be the same money).
- RETIRING_VERSION: a deployment (not fine-tuned) whose model and version have a retirement
  date (shared/core/model_retirements.py; per deployment type where the source gives one) on or
  before `as_of` + `retirement_warning_days`; one already retired fires too (it still bills).
  The saving is the what-if of moving to the successor the source names: the same deployment
  type and mode (a provisioned deployment keeps its capacity: PTUs are not per model), allocated
  cost - `what_if` of the successor. A successor that costs more, or that the price book cannot
  price, or none named, saves 0 and the cost change (or why there is none) is in the evidence:
  the finding is kept, a retirement is a risk, not only a saving. HIGH: every row is sourced.
- FINE_TUNED_IDLE: a fine-tuned deployment (`Deployment.is_fine_tuned`) with a hosting cost
  (`DeploymentFacts.hosting_cost`) whose tokens (input + output) per hosted day are below
  `fine_tuned_min_daily_tokens`. Hosted days: the period's days up to `as_of`, from the day the
  deployment was created when that is in the period. Deleting the deployment stops the hosting
  charge: the saving is the hosting cost itself, exact. Fine-tuned hosting has no what-if
  (`what_if` does not model hosting hours). Confidence from the hosted days.
"""

from __future__ import annotations

from datetime import date, timedelta
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
    priced,
)
from shared.core.meters import Mode
from shared.core.model_retirements import retirement
from shared.core.money import ZERO, in_money_context
from shared.core.price_book import PriceBook
from shared.core.what_if import PRICED_MODES, Configuration

ROLLING = "retirements roll out region by region: the date is the latest a deployment can rely on"
DELETING_STOPS_HOSTING = (
    "deleting the deployment stops its hosting-hour charge; the fine-tuned model is kept and "
    "can be deployed again"
)
HOSTING_NOT_MODELLED = "fine-tuned hosting has no what-if: the saving is the hosting cost"


@in_money_context
def billed_nothing_served(facts: DeploymentFacts) -> list[Finding]:
    unit = facts.unit
    if unit.cost <= ZERO or unit.total_tokens or unit.requests:
        return []
    return [
        finding(
            facts,
            FindingType.BILLED_NOTHING_SERVED,
            f"{unit.deployment.name} was billed but served no tokens or requests",
            (("allocated cost", money_text(unit.cost)), ("tokens", "0"), ("requests", "0")),
            unit.cost,
            Confidence.HIGH,
            None,
        )
    ]


@in_money_context
def retiring_version(
    facts: DeploymentFacts, book: PriceBook, thresholds: Thresholds, as_of: date
) -> list[Finding]:
    unit = facts.unit
    dep = unit.deployment
    row = None if dep.is_fine_tuned else retirement(dep.model, dep.model_version)
    if row is None:
        return []
    sku = dep.sku_type
    retires = row.date_for(sku)
    if retires > as_of + timedelta(days=thresholds.retirement_warning_days):
        return []
    left = (retires - as_of).days
    when = f"in {left} days" if left > 0 else ("today" if left == 0 else f"{-left} days ago")
    evidence = [
        ("model", f"{dep.model} {dep.model_version}"),
        ("retirement date", retires.isoformat()),
        ("as of", f"{as_of.isoformat()} ({'retires' if left >= 0 else 'retired'} {when})"),
        ("source", row.source),
        ("rollout", ROLLING),
        ("allocated cost", money_text(unit.cost)),
    ]
    moved = None
    if row.successor_model is None:
        evidence.append(("successor", "none named by the source"))
    else:
        successor = f"{row.successor_model} {row.successor_version or '(any version)'}"
        evidence.append(("successor", successor))
        if sku is not None and sku[1] in PRICED_MODES:
            ptu = dep.capacity if sku[1] is Mode.PROVISIONED else None
            config = Configuration(row.successor_model, row.successor_version, sku[0], sku[1], ptu)
            moved = priced(facts, book, config)
        if moved is None:
            evidence.append(("successor cost", "not priced: no price in the region's catalogue"))
        else:
            change = moved.cost - unit.cost
            evidence.append(("successor cost", money_text(moved.cost)))
            evidence.append(("cost change", ("+" if change > 0 else "") + money_text(change)))
    saving = ZERO if moved is None else max(unit.cost - moved.cost, ZERO)
    verb = "retires" if left >= 0 else "retired"
    return [
        finding(
            facts,
            FindingType.RETIRING_VERSION,
            f"{dep.name} runs {dep.model} {dep.model_version}, which {verb} on {retires}",
            evidence,
            saving,
            Confidence.HIGH,
            moved,
        )
    ]


def hosted_days(facts: DeploymentFacts, as_of: date) -> int:
    """The period's days up to `as_of`, from the deployment's creation day when in the period."""
    period = facts.unit.period
    first = period.start
    created = facts.unit.deployment.created_at
    if created is not None and created.date() > first:
        first = created.date()
    last = min(as_of, period.end - timedelta(days=1))
    return max((last - first).days + 1, 0)


@in_money_context
def fine_tuned_idle(facts: DeploymentFacts, thresholds: Thresholds, as_of: date) -> list[Finding]:
    dep = facts.unit.deployment
    if not dep.is_fine_tuned or facts.hosting_cost <= ZERO:
        return []
    days = hosted_days(facts, as_of)
    if days <= 0:
        return []
    tokens = sum(t.input_tokens + t.output_tokens for t in facts.traffic)
    daily = Decimal(tokens) / days
    if daily >= thresholds.fine_tuned_min_daily_tokens:
        return []
    return [
        finding(
            facts,
            FindingType.FINE_TUNED_IDLE,
            f"{dep.name} hosts a fine-tuned model for {daily:.0f} tokens a day",
            (
                ("hosting cost", money_text(facts.hosting_cost)),
                ("hosted days", str(days)),
                ("tokens", str(tokens)),
                ("tokens per hosted day", f"{daily:.1f}"),
                ("minimum tokens per hosted day", str(thresholds.fine_tuned_min_daily_tokens)),
                ("action", DELETING_STOPS_HOSTING),
                ("pricing", HOSTING_NOT_MODELLED),
            ),
            facts.hosting_cost,
            confidence_of(days, thresholds),
            None,
        )
    ]
