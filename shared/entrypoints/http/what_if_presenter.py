"""The what-if view as the API's JSON (nothing rounded here: shared/core/what_if_views.py)."""

from __future__ import annotations

from shared.core.what_if_views import (
    CapacityView,
    ConfigurationView,
    PriceUsedView,
    TrafficView,
    WhatIfView,
)
from shared.entrypoints.http.presenter import API_NAMES, Json, number, optional


def what_if_json(view: WhatIfView) -> Json:
    """GET /api/what-if."""
    return {
        "key": view.key,
        "deploymentId": view.deployment_id,
        "period": str(view.period),
        "costType": API_NAMES[view.cost_type],
        "region": view.region,
        "currency": view.currency,
        "current": configuration_json(view.current),
        "configuration": configuration_json(view.configuration),
        "cost": number(view.cost),
        "allocatedCost": number(view.allocated_cost),
        "delta": number(view.delta),
        "deltaPercent": optional(view.delta_percent),
        "traffic": _traffic(view.traffic),
        "prices": [_price(p) for p in view.prices],
        "capacity": None if view.capacity is None else _capacity(view.capacity),
        "assumptions": list(view.assumptions),
        "unknowns": list(view.unknowns),
    }


def configuration_json(view: ConfigurationView) -> Json:
    return {
        "model": view.model,
        "version": view.version,
        "sku": view.sku,
        "deploymentType": None if view.deployment_type is None else view.deployment_type.value,
        "mode": None if view.mode is None else view.mode.value,
        "ptu": view.ptu,
        "reservation": view.reservation,
    }


def _traffic(view: TrafficView) -> Json:
    return {
        "days": view.days,
        "inputTokens": view.input_tokens,
        "cachedInputTokens": view.cached_input_tokens,
        "outputTokens": view.output_tokens,
        "requests": view.requests,
        "cacheShare": optional(view.cache_share),
    }


def _price(view: PriceUsedView) -> Json:
    return {
        "what": view.what,
        "amount": number(view.amount),
        "unit": view.unit,
        "source": view.source,
        "currency": view.currency,
        "quantity": number(view.quantity),
        "cost": number(view.cost),
    }


def _capacity(view: CapacityView) -> Json:
    return {
        "ptu": view.capacity,
        "needed": view.needed,
        "hours": view.hours,
        "hourlyCost": number(view.hourly_cost),
        "reservedCost": optional(view.reserved_cost),
        "reservation": view.reservation,
        "payAsYouGoCost": optional(view.pay_as_you_go_cost),
        "breakEvenUtilization": optional(view.break_even_utilization),
    }
