"""The what-if view as the API's response model (nothing rounded here:
shared/core/what_if_views.py; a rounded Decimal is the JSON number of the same decimal)."""

from __future__ import annotations

from shared.core.what_if_views import (
    CapacityView,
    ConfigurationView,
    PriceUsedView,
    TrafficView,
    WhatIfView,
)
from shared.entrypoints.http.presenter import cost_type_name, number, optional
from shared.entrypoints.http.schemas.what_if import (
    WhatIf,
    WhatIfCapacity,
    WhatIfConfiguration,
    WhatIfPrice,
    WhatIfTraffic,
)


def what_if(view: WhatIfView) -> WhatIf:
    """GET /api/what-if."""
    return WhatIf(
        key=view.key,
        deployment_id=view.deployment_id,
        period=str(view.period),
        cost_type=cost_type_name(view.cost_type),
        region=view.region,
        currency=view.currency,
        current=configuration(view.current),
        configuration=configuration(view.configuration),
        cost=number(view.cost),
        allocated_cost=number(view.allocated_cost),
        delta=number(view.delta),
        delta_percent=optional(view.delta_percent),
        traffic=_traffic(view.traffic),
        prices=[_price(p) for p in view.prices],
        capacity=None if view.capacity is None else _capacity(view.capacity),
        assumptions=list(view.assumptions),
        unknowns=list(view.unknowns),
    )


def configuration(view: ConfigurationView) -> WhatIfConfiguration:
    return WhatIfConfiguration(
        model=view.model,
        version=view.version,
        sku=view.sku,
        deployment_type=view.deployment_type,
        mode=view.mode,
        ptu=view.ptu,
        reservation=view.reservation,
    )


def _traffic(view: TrafficView) -> WhatIfTraffic:
    return WhatIfTraffic(
        days=view.days,
        input_tokens=view.input_tokens,
        cached_input_tokens=view.cached_input_tokens,
        output_tokens=view.output_tokens,
        requests=view.requests,
        cache_share=optional(view.cache_share),
    )


def _price(view: PriceUsedView) -> WhatIfPrice:
    return WhatIfPrice(
        what=view.what,
        amount=number(view.amount),
        unit=view.unit,
        source=view.source,
        currency=view.currency,
        quantity=number(view.quantity),
        cost=number(view.cost),
    )


def _capacity(view: CapacityView) -> WhatIfCapacity:
    return WhatIfCapacity(
        ptu=view.capacity,
        needed=view.needed,
        hours=view.hours,
        hourly_cost=number(view.hourly_cost),
        reserved_cost=optional(view.reserved_cost),
        reservation=view.reservation,
        pay_as_you_go_cost=optional(view.pay_as_you_go_cost),
        break_even_utilization=optional(view.break_even_utilization),
    )
