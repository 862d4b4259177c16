"""What-if read model: a `WhatIf` (shared/core/what_if.py) rounded once for readers.

Money (costs, the allocated cost, the delta) to cents, half even; the delta is the rounded cost
less the rounded allocated cost, so the three add up as shown. Unit prices (per base unit) to
1e-8; ratios (the cache share, the break-even utilization) to 1e-4; the delta in percent to 0.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shared.core.costs import CostType
from shared.core.inventory import Deployment
from shared.core.meters import DeploymentType, Mode
from shared.core.money import in_money_context
from shared.core.period import BillingPeriod
from shared.core.rounding import round_amount
from shared.core.what_if import DailyTraffic, WhatIf

UNIT_PRICE_QUANTUM = Decimal("1e-8")
RATIO_QUANTUM = Decimal("1e-4")
PERCENT_QUANTUM = Decimal("0.1")


@dataclass(frozen=True)
class ConfigurationView:
    """The configuration priced: the model, version (None: as the module docstring of
    what_if.py says), the ARM SKU name, its deployment type and mode, capacity and term."""

    model: str
    version: str | None
    sku: str
    deployment_type: DeploymentType | None  # None: a SKU that cannot be re-priced
    mode: Mode | None
    ptu: int | None
    reservation: str | None


@dataclass(frozen=True)
class TrafficView:
    """The observed traffic priced: its days and token counts (input includes cached)."""

    days: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    requests: int
    cache_share: Decimal | None  # cached / input, None without input


@dataclass(frozen=True)
class PriceUsedView:
    what: str
    amount: Decimal  # per base unit, to 1e-8
    unit: str
    source: str
    currency: str
    quantity: Decimal
    cost: Decimal  # to cents


@dataclass(frozen=True)
class CapacityView:
    capacity: int
    needed: int | None
    hours: int
    hourly_cost: Decimal
    reserved_cost: Decimal | None
    reservation: str
    pay_as_you_go_cost: Decimal | None
    break_even_utilization: Decimal | None


@dataclass(frozen=True)
class WhatIfView:
    key: str
    deployment_id: str
    period: BillingPeriod
    cost_type: CostType
    region: str
    current: ConfigurationView
    configuration: ConfigurationView
    currency: str
    cost: Decimal
    allocated_cost: Decimal
    delta: Decimal
    delta_percent: Decimal | None  # of the allocated cost, None when it is zero
    traffic: TrafficView
    prices: tuple[PriceUsedView, ...]
    capacity: CapacityView | None
    assumptions: tuple[str, ...]
    unknowns: tuple[str, ...]


def own_configuration(deployment: Deployment) -> ConfigurationView:
    """The deployment's own model, version, SKU and (provisioned) capacity."""
    dtype, mode = deployment.sku_type or (None, None)
    ptu = deployment.capacity if mode is Mode.PROVISIONED else None
    return ConfigurationView(
        deployment.model, deployment.model_version, deployment.sku, dtype, mode, ptu, None
    )


@in_money_context
def what_if_view(
    result: WhatIf,
    deployment: Deployment,
    current: ConfigurationView,
    sku: str,
    traffic: tuple[DailyTraffic, ...],
    period: BillingPeriod,
    cost_type: CostType,
    assumptions: tuple[str, ...] = (),
    unknowns: tuple[str, ...] = (),
) -> WhatIfView:
    """The result rounded (module docstring); `assumptions` and `unknowns` are the service's,
    added before the engine's."""
    config = result.configuration
    cost = round_amount(result.cost)
    allocated = round_amount(result.allocated_cost)
    delta = cost - allocated
    percent = None
    if result.allocated_cost:
        percent = round_amount(result.delta / result.allocated_cost * 100, PERCENT_QUANTUM)
    return WhatIfView(
        key=deployment.key,
        deployment_id=deployment.deployment_id,
        period=period,
        cost_type=cost_type,
        region=deployment.account_location,
        current=current,
        configuration=ConfigurationView(
            config.model,
            config.version,
            sku,
            config.deployment_type,
            config.mode,
            config.ptu if result.ptu is None else result.ptu.capacity,
            config.reservation,
        ),
        currency=result.currency,
        cost=cost,
        allocated_cost=allocated,
        delta=delta,
        delta_percent=percent,
        traffic=_traffic(traffic),
        prices=tuple(
            PriceUsedView(
                what=p.what,
                amount=round_amount(p.amount, UNIT_PRICE_QUANTUM),
                unit=p.unit.value,
                source=p.source.value,
                currency=p.currency,
                quantity=p.quantity,
                cost=round_amount(p.cost),
            )
            for p in result.prices
        ),
        capacity=None if result.ptu is None else _capacity(result),
        assumptions=tuple(dict.fromkeys((*assumptions, *result.assumptions))),
        unknowns=tuple(dict.fromkeys((*unknowns, *result.unknowns))),
    )


def _traffic(traffic: tuple[DailyTraffic, ...]) -> TrafficView:
    inp = sum(t.input_tokens for t in traffic)
    cached = sum(t.cached_input_tokens for t in traffic)
    share = round_amount(Decimal(cached) / inp, RATIO_QUANTUM) if inp else None
    return TrafficView(
        days=len(traffic),
        input_tokens=inp,
        cached_input_tokens=cached,
        output_tokens=sum(t.output_tokens for t in traffic),
        requests=sum(t.requests for t in traffic),
        cache_share=share,
    )


def _capacity(result: WhatIf) -> CapacityView:
    ptu = result.ptu
    assert ptu is not None

    def money(value: Decimal | None) -> Decimal | None:
        return None if value is None else round_amount(value)

    ratio = ptu.break_even_utilization
    return CapacityView(
        capacity=ptu.capacity,
        needed=ptu.needed,
        hours=ptu.hours,
        hourly_cost=round_amount(ptu.hourly_cost),
        reserved_cost=money(ptu.reserved_cost),
        reservation=ptu.reservation,
        pay_as_you_go_cost=money(ptu.pay_as_you_go_cost),
        break_even_utilization=None if ratio is None else round_amount(ratio, RATIO_QUANTUM),
    )
