"""What-if pricing: a deployment's observed daily traffic re-priced under another configuration.

`what_if` prices the traffic (`DailyTraffic`, one per UTC day) under a `Configuration` (model,
version, deployment type, Standard, Batch or provisioned) from the price book, and compares it
with the cost allocated to the deployment. Pure: no I/O; Decimal money (the money context).

Pay-as-you-go (Standard, Batch)
-------------------------------
Per day: uncached input x the input price + cached input x the cached-input price + output x the
output price, each the price of that day (`PriceBook.price` of the configuration's meter in the
region: the tenant's effective price when its cost lines have one, else the list price in force
that day, else the newest list price, said in the assumptions). `input_tokens` include the
cached ones; the observed cache share is kept. A model without a cached-input price has its
cached tokens priced as input (said in the assumptions). The configuration's meters are the
region's consumption items classified as the model (any case), kind, deployment type and mode,
and fitting the version (None: any version; versioned meters win over versionless ones);
meters the tenant has effective prices for win over the others; meters that still disagree
make the version ambiguous (InvalidInput `version`).

With the deployment's own model and SKU and effective prices from the same cost lines, this is
the allocated cost: allocation splits each token meter's daily cost by the tokens it drives.

Provisioned (PTU)
-----------------
Capacity: the `ptu` given (deployable: the model's minimum plus whole increments, ptu_facts), or
sized (`size_ptu`) from the highest day's peak load in input-TPM equivalents: the day's
`peak_tpm` (all tokens per minute) split in the day's proportions of uncached input, cached
input and output, output weighed by the model's output weight (`input_tpm_equivalent`; weight
unknown: 1, said in the unknowns). A day without a peak counts with its average TPM (tokens /
1,440), said in the unknowns. The capacity is held 24 hours on every day of the traffic.

- hourly cost = capacity x 24 x the day's `ptu_hourly` price, summed over the days;
- reserved cost = capacity x 24 x the day's `ptu_reservation` price per PTU-hour of the term
  (the configured one, else `1m`); None when the catalogue has none;
- the cost is the reserved cost when a reservation is configured, else the hourly cost;
- break-even utilization = the PTU cost / the pay-as-you-go (Standard, same model and deployment
  type) cost of the same traffic: the multiple of the observed traffic at which pay-as-you-go
  costs as much as the capacity (pay-as-you-go grows with the traffic, the capacity does not,
  up to its throughput). Below 1, the capacity is already the cheaper; None without a Standard
  price or with no pay-as-you-go cost.

Traffic above the capacity (a `ptu` smaller than the peak needs) would be throttled or spill over
to a pay-as-you-go deployment: it is not priced, it is said in the assumptions.

Refusals: InvalidInput naming `model`, `version`, `sku`, `ptu`, `reservation` or `traffic`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.core.catalogue import RetailPriceItem, meter_key
from shared.core.costs import CostType
from shared.core.inventory import Deployment
from shared.core.meters import DeploymentType, MeterInfo, Mode, TokenKind
from shared.core.money import ZERO, in_money_context
from shared.core.price_book import (
    HOURS_PER_DAY,
    Price,
    PriceBook,
    PriceSource,
    ReservationTerm,
)
from shared.core.ptu_facts import input_tpm_equivalent, ptu_facts, size_ptu
from shared.core.units import BaseUnit
from shared.errors import CurrencyMismatch, InvalidInput

MINUTES_PER_DAY = 1_440
DEFAULT_TERM = ReservationTerm.MONTH
PRICED_MODES = (Mode.STANDARD, Mode.BATCH, Mode.PROVISIONED)
OUTPUT_UNKNOWN = (
    "output length and quality may differ under another model: the observed token counts "
    "are priced as they are"
)


@dataclass(frozen=True)
class Configuration:
    """What to price the traffic as. `version` None: the deployment's own version for its own
    model, else any version of the model. `ptu` and `reservation` ("1m", "1y") are for
    provisioned configurations only; `ptu` None sizes the capacity from the traffic."""

    model: str
    version: str | None
    deployment_type: DeploymentType
    mode: Mode
    ptu: int | None = None
    reservation: str | None = None

    @classmethod
    def of(cls, deployment: Deployment) -> Configuration:
        """The deployment's own model, version, SKU (and capacity, when provisioned)."""
        sku = deployment.sku_type
        if sku is None or sku[1] not in PRICED_MODES:
            raise InvalidInput("sku", f"SKU {deployment.sku!r} cannot be re-priced")
        ptu = deployment.capacity if sku[1] is Mode.PROVISIONED else None
        return cls(deployment.model, deployment.model_version, sku[0], sku[1], ptu)


@dataclass(frozen=True)
class DailyTraffic:
    """One UTC day of a deployment's traffic. `input_tokens` include `cached_input_tokens`;
    `peak_tpm` is the day's highest tokens per minute (input and output), None when unknown."""

    date: date
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    requests: int = 0
    peak_tpm: int | None = None

    @property
    def uncached_input_tokens(self) -> int:
        return self.input_tokens - self.cached_input_tokens


@dataclass(frozen=True)
class PriceUsed:
    """A price the cost was computed with: `amount` per base unit (the average over the days
    when the day prices differ), from `source`, and the quantity and cost it priced."""

    what: str  # "input", "cached-input", "output", "ptu-hour", "ptu-reservation-1m", ...
    amount: Decimal
    unit: BaseUnit
    source: PriceSource
    currency: str
    quantity: Decimal
    cost: Decimal


@dataclass(frozen=True)
class PtuSizing:
    """The capacity chosen and what it costs held over the traffic's days."""

    capacity: int
    needed: int | None  # the capacity the observed peak needs (None: the model has no facts)
    hours: int
    hourly_cost: Decimal
    reserved_cost: Decimal | None
    reservation: str  # the term of `reserved_cost`
    pay_as_you_go_cost: Decimal | None
    break_even_utilization: Decimal | None  # of the cost chosen (see the module docstring)


@dataclass(frozen=True)
class WhatIf:
    configuration: Configuration
    currency: str
    cost: Decimal
    allocated_cost: Decimal
    delta: Decimal  # cost - allocated_cost
    prices: tuple[PriceUsed, ...]
    assumptions: tuple[str, ...]
    unknowns: tuple[str, ...]
    ptu: PtuSizing | None = None


@in_money_context
def what_if(
    traffic: Sequence[DailyTraffic],
    current: Deployment,
    allocated_cost: Decimal,
    configuration: Configuration,
    book: PriceBook,
    region: str,
    cost_type: CostType = CostType.AMORTIZED,
) -> WhatIf:
    """The traffic priced under the configuration, against the allocated cost (module docstring)."""
    config = _checked(configuration)
    _check_traffic(traffic)
    version = config.version
    if version is None and config.model.strip().lower() == current.model.strip().lower():
        version = current.model_version
    run = _Run(book, region, cost_type)
    if version is None:
        run.assumptions.append(f"version not given: any version of {config.model} priced")
    if config.mode is Mode.PROVISIONED:
        cost, sizing = _provisioned(run, traffic, config, version)
    else:
        cost = _tokens(run, traffic, config.model, version, config.deployment_type, config.mode)
        sizing = None
    run.unknowns.append(OUTPUT_UNKNOWN)
    currencies = {p.currency for p in run.prices.values() if p.currency}
    if len(currencies) > 1:
        raise CurrencyMismatch(currencies)
    currency = currencies.pop() if currencies else (book.currency or "")
    return WhatIf(
        configuration=config,
        currency=currency,
        cost=cost,
        allocated_cost=allocated_cost,
        delta=cost - allocated_cost,
        prices=tuple(run.prices.values()),
        assumptions=tuple(dict.fromkeys(run.assumptions)),
        unknowns=tuple(dict.fromkeys(run.unknowns)),
        ptu=sizing,
    )


def _checked(config: Configuration) -> Configuration:
    if not config.model.strip():
        raise InvalidInput("model", "a model is required")
    if config.mode not in PRICED_MODES:
        raise InvalidInput("sku", f"mode {config.mode.value} cannot be priced")
    provisioned = config.mode is Mode.PROVISIONED
    if config.ptu is not None and not provisioned:
        raise InvalidInput("ptu", "a capacity is only for provisioned configurations")
    if config.reservation is not None:
        if not provisioned:
            raise InvalidInput("reservation", "a reservation is only for provisioned ones")
        try:
            ReservationTerm.parse(config.reservation)
        except ValueError as error:
            raise InvalidInput("reservation", str(error)) from None
    if config.ptu is not None and config.ptu <= 0:
        raise InvalidInput("ptu", f"capacity must be a positive number of PTUs, got {config.ptu}")
    return config


def _check_traffic(traffic: Sequence[DailyTraffic]) -> None:
    days = [t.date for t in traffic]
    if len(set(days)) != len(days):
        raise InvalidInput("traffic", "one record per day")
    for t in traffic:
        counts = (t.input_tokens, t.cached_input_tokens, t.output_tokens, t.requests)
        if min(counts) < 0 or (t.peak_tpm is not None and t.peak_tpm < 0):
            raise InvalidInput("traffic", f"negative count on {t.date}")
        if t.cached_input_tokens > t.input_tokens:
            raise InvalidInput("traffic", f"cached input above input on {t.date}")


class _Run:
    """What one what-if collects: the prices used (summed per what and source) and the notes."""

    def __init__(self, book: PriceBook, region: str, cost_type: CostType) -> None:
        self.book = book
        self.region = region
        self.cost_type = cost_type
        self.prices: dict[tuple[str, PriceSource], PriceUsed] = {}
        self.assumptions: list[str] = []
        self.unknowns: list[str] = []

    def charge(self, what: str, price: Price, quantity: Decimal) -> Decimal:
        cost = price.amount * quantity
        key = (what, price.source)
        seen = self.prices.get(key)
        total_q = quantity + (seen.quantity if seen else ZERO)
        total_c = cost + (seen.cost if seen else ZERO)
        self.prices[key] = PriceUsed(
            what=what,
            amount=total_c / total_q if total_q else price.amount,
            unit=price.base,
            source=price.source,
            currency=price.currency,
            quantity=total_q,
            cost=total_c,
        )
        return cost


def _tokens(
    run: _Run,
    traffic: Sequence[DailyTraffic],
    model: str,
    version: str | None,
    deployment_type: DeploymentType,
    mode: Mode,
) -> Decimal:
    """The pay-as-you-go cost of the traffic (module docstring); InvalidInput without prices."""
    where = f"{model} {deployment_type.value} {mode.value} in {run.region}"
    meters = {
        kind: _candidates(run.book, model, version, kind, deployment_type, mode, run.region)
        for kind in (TokenKind.INPUT, TokenKind.CACHED_INPUT, TokenKind.OUTPUT)
    }
    for kind in (TokenKind.INPUT, TokenKind.OUTPUT):
        if not meters[kind]:
            field = _missing_field(run.book, model, version, run.region)
            raise InvalidInput(field, f"no {kind.value} token price for {where}")
    total = ZERO
    cached_total = input_total = 0
    for day in sorted(traffic, key=lambda t: t.date):
        input_price = _day_price(run, meters[TokenKind.INPUT], day.date, version)
        output_price = _day_price(run, meters[TokenKind.OUTPUT], day.date, version)
        cached_price = _day_price(run, meters[TokenKind.CACHED_INPUT], day.date, version)
        if input_price is None or output_price is None:
            raise InvalidInput("sku", f"no token price for {where} on {day.date}")
        if cached_price is None:
            uncached = Decimal(day.input_tokens)
            if day.cached_input_tokens:
                run.assumptions.append(
                    f"{model} has no cached-input price in {run.region}: cached tokens priced "
                    "as input"
                )
        else:
            uncached = Decimal(day.uncached_input_tokens)
            total += run.charge("cached-input", cached_price, Decimal(day.cached_input_tokens))
        total += run.charge("input", input_price, uncached)
        total += run.charge("output", output_price, Decimal(day.output_tokens))
        cached_total += day.cached_input_tokens
        input_total += day.input_tokens
    if input_total:
        share = Decimal(cached_total) / input_total * 100
        run.assumptions.append(f"cache share kept as observed: {share:.1f}% of input tokens")
    return total


def _candidates(
    book: PriceBook,
    model: str,
    version: str | None,
    kind: TokenKind,
    deployment_type: DeploymentType,
    mode: Mode,
    region: str,
) -> list[tuple[RetailPriceItem, MeterInfo]]:
    """The region's consumption items of the configuration's meter of `kind` (module docstring)."""
    wanted, where = model.strip().lower(), region.strip().lower()
    fits = [
        (listed.item, listed.info)
        for found in book.consumption.values()
        for listed in found
        if listed.info is not None
        and listed.info.model.lower() == wanted
        and listed.info.kind is kind
        and listed.info.deployment_type is deployment_type
        and listed.info.mode is mode
        and listed.item.arm_region_name.strip().lower() == where
        and _version_fits(listed.info, version)
    ]
    versioned = [fit for fit in fits if fit[1].version]
    return versioned or fits


def _version_fits(info: MeterInfo, version: str | None) -> bool:
    if version is None or not info.version:
        return True
    return bool(version) and info.matches_version(version)


def _day_price(
    run: _Run,
    candidates: Sequence[tuple[RetailPriceItem, MeterInfo]],
    day: date,
    version: str | None,
) -> Price | None:
    """The day's price of the meters: effective ones first; the newest list price when none is in
    force that day; InvalidInput `version` when the meters disagree."""
    meter_ids = {meter_key(item.meter_id): item.meter_id for item, _ in candidates}
    found = _priced(run, meter_ids.values(), day)
    if not found:
        found = _priced(run, meter_ids.values(), None)
        if found:
            run.assumptions.append(f"no list price in force on {day}: the newest list price used")
    effective = [p for p in found if p.source is PriceSource.EFFECTIVE]
    found = effective or found
    if len({(p.amount, p.currency) for p in found}) > 1:
        named = "the version" if version is None else f"version {version!r}"
        raise InvalidInput("version", f"{named} has meters priced differently; name one")
    return found[0] if found else None


def _priced(run: _Run, meter_ids: Iterable[str], day: date | None) -> list[Price]:
    prices = [run.book.price(meter_id, day, run.cost_type, run.region) for meter_id in meter_ids]
    return [p for p in prices if p is not None and p.base is BaseUnit.TOKEN]


def _missing_field(book: PriceBook, model: str, version: str | None, region: str) -> str:
    """Which field a missing token price is about: the model has no meter in the region at all,
    none of its meters fit the version, or it has none of the deployment type and mode."""
    wanted, where = model.strip().lower(), region.strip().lower()
    infos = [
        listed.info
        for found in book.consumption.values()
        for listed in found
        if listed.info is not None
        and listed.info.model.lower() == wanted
        and listed.item.arm_region_name.strip().lower() == where
        and listed.info.mode in PRICED_MODES
    ]
    if not infos:
        return "model"
    versioned = [info for info in infos if info.version]
    if version and versioned and not any(info.matches_version(version) for info in versioned):
        return "version"
    return "sku"


def _provisioned(
    run: _Run, traffic: Sequence[DailyTraffic], config: Configuration, version: str | None
) -> tuple[Decimal, PtuSizing]:
    model, dtype, region = config.model, config.deployment_type, run.region
    facts = ptu_facts(model)
    step = facts.step(dtype) if facts else None
    if facts is not None and step is None:
        raise InvalidInput("sku", f"{model} has no {dtype.value} provisioned deployment")
    needed = None
    if facts is not None and step is not None:
        needed = size_ptu(model, dtype, _peak_load(run, traffic, model))
    if config.ptu is not None:
        capacity = config.ptu
        if step is not None and step.round_up(capacity) != capacity:
            raise InvalidInput(
                "ptu",
                f"{capacity} PTUs cannot be deployed for {model} {dtype.value}: minimum "
                f"{step.minimum}, then steps of {step.increment}",
            )
        if facts is None:
            run.unknowns.append(f"no PTU facts for {model}: capacity not checked, peak not sized")
    elif needed is None:
        raise InvalidInput("model", f"no PTU sizing facts for {model}: give a capacity (ptu)")
    else:
        capacity = needed
    if needed is not None and needed > capacity:
        run.assumptions.append(
            f"the observed peak needs {needed} PTUs: traffic above {capacity} PTUs would be "
            "throttled or spill over to a pay-as-you-go deployment, not priced here"
        )
    elif needed is not None:
        run.assumptions.append(f"no spillover: {capacity} PTUs cover the observed peak")
    days = sorted({t.date for t in traffic})
    hours = len(days) * HOURS_PER_DAY
    run.assumptions.append(
        f"{capacity} PTUs held {HOURS_PER_DAY} hours on each of {len(days)} days"
    )
    if run.book.family_of(model) is None:
        raise InvalidInput("model", f"no PTU price for {model}: its family is not known")
    configured = config.reservation is not None
    term = DEFAULT_TERM if config.reservation is None else ReservationTerm.parse(config.reservation)
    hourly_cost = ZERO
    reserved: Decimal | None = ZERO
    for day in days:
        hourly = run.book.ptu_hourly(model, dtype, region, day, run.cost_type)
        if hourly is None:
            raise InvalidInput("sku", f"no {dtype.value} PTU price for {model} in {region}")
        hourly_cost += run.charge("ptu-hour", hourly, Decimal(capacity * HOURS_PER_DAY))
        per_hour = run.book.ptu_reservation(model, dtype, region, term, day)
        if per_hour is None and configured:
            raise InvalidInput(
                "reservation", f"no {term.value} PTU reservation price for {model} in {region}"
            )
        if per_hour is None or reserved is None:
            reserved = None
            continue
        reserved += run.charge(
            f"ptu-reservation-{term.value}", per_hour, Decimal(capacity * HOURS_PER_DAY)
        )
    if reserved is None:
        run.unknowns.append(f"no {term.value} PTU reservation price for {model} in {region}")
    cost = reserved if configured and reserved is not None else hourly_cost
    payg = _pay_as_you_go(run, traffic, model, version, dtype)
    break_even = cost / payg if payg else None
    return cost, PtuSizing(
        capacity=capacity,
        needed=needed,
        hours=hours,
        hourly_cost=hourly_cost,
        reserved_cost=reserved,
        reservation=term.value,
        pay_as_you_go_cost=payg,
        break_even_utilization=break_even,
    )


def _pay_as_you_go(
    run: _Run,
    traffic: Sequence[DailyTraffic],
    model: str,
    version: str | None,
    dtype: DeploymentType,
) -> Decimal | None:
    """The Standard cost of the same traffic, in a side run (its prices are not the result's)."""
    side = _Run(run.book, run.region, run.cost_type)
    try:
        return _tokens(side, traffic, model, version, dtype, Mode.STANDARD)
    except InvalidInput:
        run.unknowns.append(
            f"no {dtype.value} standard price for {model} in {run.region}: no break-even"
        )
        return None


def _peak_load(run: _Run, traffic: Sequence[DailyTraffic], model: str) -> Decimal:
    """The highest day's peak load in input-TPM equivalents (module docstring)."""
    peak = ZERO
    missing = 0
    unweighted = False
    for day in traffic:
        tokens = day.input_tokens + day.output_tokens
        if not tokens:
            continue
        if day.peak_tpm is None:
            missing += 1
            rate = Decimal(tokens) / MINUTES_PER_DAY
        else:
            rate = Decimal(day.peak_tpm)
        scale = rate / tokens
        load = input_tpm_equivalent(
            model,
            day.input_tokens * scale,
            day.output_tokens * scale,
            day.cached_input_tokens * scale,
        )
        if load is None:
            unweighted = True
            load = (day.uncached_input_tokens + day.output_tokens) * scale
        peak = max(peak, load)
    if missing and missing == sum(1 for d in traffic if d.input_tokens + d.output_tokens):
        run.unknowns.append("no peak TPM known: capacity sized from the average TPM")
    elif missing:
        run.unknowns.append(f"no peak TPM on {missing} days: their average TPM used")
    if unweighted:
        run.unknowns.append(
            f"the PTU weight of {model}'s output tokens is unknown: counted as input tokens"
        )
    return peak
