"""PTU detectors: provisioned capacity against pay-as-you-go, either way, and reservations.

The days a capacity is held: every day from the traffic's first to its last, a day without
traffic counting as a day of zero tokens (a PTU costs its hours whether it serves or not); days
before the first and after the last day of traffic are not counted (the deployment may not have
existed), so a PTU cost is never overstated by them.

- IDLE_PTU (PTU -> pay-as-you-go): a provisioned deployment whose idle share (idle cost /
  provisioned cost) is above 1 - `ptu_min_utilization`, and whose traffic on the same model's
  Global Standard costs less than its allocated cost. No utilization reported (idle cost None):
  no finding. Evidence includes the break-even utilization: allocated cost / Global Standard
  cost, the multiple of the observed traffic at which Global Standard would cost as much as the
  capacity does. Confidence from the days observed.
- PTU_CHEAPER (pay-as-you-go -> PTU): a Standard deployment (Global, Data Zone or Regional) with
  tokens, whose traffic on PTU of the same model and deployment type, sized from the peaks
  (`what_if` with `ptu` None) on a 1-month reservation over the days held, costs less than its
  allocated cost. Evidence: capacity, needed, reserved, hourly and pay-as-you-go costs, the
  break-even utilization (`PtuSizing`), and whether the peak was known. Confidence from the days
  observed when every day with tokens has a peak TPM, at most MEDIUM when some lack one, LOW
  when none has one (the capacity was sized from the average TPM: real peaks need more).
- PTU_RESERVATION (hourly -> reserved): a provisioned deployment paying the hourly price: the
  tenant's effective price per PTU-hour of its `Provisioned Managed <type> Unit` meter in the
  region over the period's cost lines (`PriceBook.effective`, all pricing models, amortized, else
  actual: reservation-covered hours carry the prorated reservation price, or 0) is at or above
  the meter's list hourly price. The size to reserve is the capacity held on every day of the
  period: the lowest of `DeploymentFacts.held_capacities` (the capacity was never below it; the
  hours above it stay hourly either way), `Deployment.capacity` when none are given. Saving:
  `what_if` of that capacity, hourly, minus the same on a 1-month reservation (a 1-year one
  when the catalogue has no 1-month price); the 1-year saving is in the evidence. A negotiated
  hourly discount (effective below list without a reservation) is not told apart from a
  reservation: no finding. A reservation is bought per region and deployment type and shared
  by the deployments in its scope, not per deployment (said in the evidence). Confidence from
  the days held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from shared.core.catalogue import meter_key
from shared.core.costs import CostType
from shared.core.findings import (
    Confidence,
    DeploymentFacts,
    Finding,
    FindingType,
    Thresholds,
    confidence_of,
    finding,
    money_text,
    price_text,
    priced,
    priced_as,
    ratio_text,
)
from shared.core.meter_names import normalise_meter_name
from shared.core.meters import DeploymentType, Mode, TokenKind
from shared.core.money import ZERO, in_money_context
from shared.core.price_book import PriceBook, ReservationTerm
from shared.core.units import BaseUnit
from shared.core.what_if import Configuration, DailyTraffic

MONTH, YEAR = ReservationTerm.MONTH.value, ReservationTerm.YEAR.value
RESERVATION_SCOPE = (
    "a reservation is bought per region and deployment type and shared by the deployments in "
    "its scope: other deployments may already use part of one"
)
_MANAGED_PTU_PREFIX = "provisioned managed "


def held_traffic(traffic: Sequence[DailyTraffic]) -> tuple[DailyTraffic, ...]:
    """The traffic with a zero day for every day missing between its first and last day."""
    if not traffic:
        return ()
    by_day = {t.date: t for t in traffic}
    first, last = min(by_day), max(by_day)
    span = (last - first).days + 1
    days = (first + timedelta(days=d) for d in range(span))
    return tuple(by_day.get(day) or DailyTraffic(day, 0, 0, 0) for day in days)


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
    alternative = priced_as(facts, book, DeploymentType.GLOBAL, Mode.STANDARD)
    if alternative is None or alternative.cost >= unit.cost:
        return []
    evidence = [
        ("idle share", ratio_text(idle_share)),
        ("minimum utilization", str(thresholds.ptu_min_utilization)),
        ("provisioned cost", money_text(unit.provisioned_cost)),
        ("idle cost", money_text(unit.idle_cost)),
        ("allocated cost", money_text(unit.cost)),
        ("global standard cost", money_text(alternative.cost)),
    ]
    if alternative.cost > ZERO:
        evidence.append(("break-even utilization", ratio_text(unit.cost / alternative.cost)))
    evidence.append(("days observed", str(len(facts.traffic))))
    return [
        finding(
            facts,
            FindingType.IDLE_PTU,
            f"{unit.deployment.name}'s PTUs are mostly idle: Global Standard costs less",
            evidence,
            unit.cost - alternative.cost,
            confidence_of(len(facts.traffic), thresholds),
            alternative,
        )
    ]


@in_money_context
def ptu_cheaper(facts: DeploymentFacts, book: PriceBook, thresholds: Thresholds) -> list[Finding]:
    unit = facts.unit
    dep = unit.deployment
    sku = dep.sku_type
    if sku is None or sku[1] is not Mode.STANDARD:
        return []
    busy = [t for t in facts.traffic if t.input_tokens + t.output_tokens]
    if not busy:
        return []
    config = Configuration(
        dep.model, dep.model_version, sku[0], Mode.PROVISIONED, reservation=MONTH
    )
    held = held_traffic(facts.traffic)
    reserved = priced(facts, book, config, held)
    if reserved is None or reserved.ptu is None or reserved.cost >= unit.cost:
        return []
    sizing = reserved.ptu
    peaks = sum(1 for t in busy if t.peak_tpm is not None)
    confidence = confidence_of(len(facts.traffic), thresholds)
    if peaks == 0:
        peak = "no peak TPM known: capacity sized from the average TPM"
        confidence = Confidence.LOW
    elif peaks < len(busy):
        peak = f"peak TPM known on {peaks} of {len(busy)} days: their average TPM on the others"
        confidence = Confidence.LOW if confidence is Confidence.LOW else Confidence.MEDIUM
    else:
        peak = f"peak TPM known on all {len(busy)} days with tokens"
    evidence = [
        ("capacity", f"{sizing.capacity} PTU"),
        ("needed", "unknown" if sizing.needed is None else f"{sizing.needed} PTU"),
        ("reserved cost (1m)", money_text(reserved.cost)),
        ("hourly cost", money_text(sizing.hourly_cost)),
        ("allocated cost", money_text(unit.cost)),
    ]
    if sizing.pay_as_you_go_cost is not None:
        evidence.append(("pay-as-you-go cost", money_text(sizing.pay_as_you_go_cost)))
    if sizing.break_even_utilization is not None:
        evidence.append(("break-even utilization", ratio_text(sizing.break_even_utilization)))
    evidence += [("peak", peak), ("days held", str(len(held)))]
    return [
        finding(
            facts,
            FindingType.PTU_CHEAPER,
            f"{dep.name}'s traffic costs less on {sizing.capacity} reserved PTUs",
            evidence,
            unit.cost - reserved.cost,
            confidence,
            reserved,
        )
    ]


@in_money_context
def ptu_reservation(
    facts: DeploymentFacts, book: PriceBook, thresholds: Thresholds
) -> list[Finding]:
    unit = facts.unit
    dep = unit.deployment
    sku = dep.sku_type
    if sku is None or sku[1] is not Mode.PROVISIONED or unit.provisioned_cost <= ZERO:
        return []
    rates = hourly_rates(book, dep.model, sku[0], facts.region)
    if rates is None or rates[0] < rates[1]:
        return []
    effective, listed = rates
    size = min(facts.held_capacities) if facts.held_capacities else dep.capacity
    held = held_traffic(facts.traffic)
    if size <= 0 or not held:
        return []
    base = Configuration(dep.model, dep.model_version, sku[0], Mode.PROVISIONED, ptu=size)
    hourly = priced(facts, book, base, held)
    month = priced(facts, book, replace(base, reservation=MONTH), held)
    year = priced(facts, book, replace(base, reservation=YEAR), held)
    chosen = month or year
    if hourly is None or chosen is None or chosen.cost >= hourly.cost:
        return []
    held_text = ", ".join(str(c) for c in facts.held_capacities) or f"{dep.capacity} all period"
    evidence = [
        ("effective ptu-hour price", price_text(effective)),
        ("list ptu-hour price", price_text(listed)),
        ("capacities held", held_text),
        ("capacity to reserve", f"{size} PTU"),
        ("hourly cost", money_text(hourly.cost)),
    ]
    for term, found in ((MONTH, month), (YEAR, year)):
        if found is not None:
            evidence.append((f"reserved cost ({term})", money_text(found.cost)))
            evidence.append((f"saving ({term})", money_text(hourly.cost - found.cost)))
    evidence += [("days held", str(len(held))), ("reservation scope", RESERVATION_SCOPE)]
    chosen_term = chosen.configuration.reservation or MONTH
    return [
        finding(
            facts,
            FindingType.PTU_RESERVATION,
            f"{dep.name} pays its {size} PTUs by the hour: a {chosen_term} reservation costs less",
            evidence,
            hourly.cost - chosen.cost,
            confidence_of(len(held), thresholds),
            chosen,
        )
    ]


@in_money_context
def hourly_rates(
    book: PriceBook, model: str, dtype: DeploymentType, region: str
) -> tuple[Decimal, Decimal] | None:
    """The tenant's effective price per PTU-hour of the model's `Provisioned Managed <type>
    Unit` meter in the region over the period (all pricing models: amortized, else actual) and
    the meter's list hourly price; None without one meter, an effective rate or a list price."""
    family = book.family_of(model)
    where = region.strip().lower()
    meters = {
        meter_key(listed.item.meter_id)
        for found in book.consumption.values()
        for listed in found
        if family is not None
        and listed.info is not None
        and listed.info.kind is TokenKind.PTU_HOUR
        and listed.info.mode is Mode.PROVISIONED
        and listed.info.family is family
        and listed.info.deployment_type is dtype
        and listed.unit.base is BaseUnit.HOUR
        and listed.item.arm_region_name.strip().lower() == where
        and normalise_meter_name(listed.info.meter_name).startswith(_MANAGED_PTU_PREFIX)
    }
    if len(meters) != 1:
        return None
    meter = meters.pop()
    rate = book.effective(meter, None, CostType.AMORTIZED) or book.effective(
        meter, None, CostType.ACTUAL
    )
    listed_price = book.list_price(meter, region)
    if rate is None or listed_price is None or rate.unit.base is not BaseUnit.HOUR:
        return None
    return rate.amount, listed_price.amount
