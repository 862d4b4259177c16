"""The what-if of one deployment and period: its observed traffic re-priced under another
configuration (shared/core/what_if.py), against the cost allocated to it.

- the deployment is one of the live allocation's (NotFound `deployment`), its region its
  account's location;
- the traffic is its Azure Monitor usage per day (input tokens include the cached ones); the
  cached input tokens of a day are its allocated cached-input cost of that day / the tenant's
  effective price per token of that meter that day (the price book of the period's cost lines:
  exact); the peak TPM is unknown (None): a provisioned configuration is sized from the average;
- the allocated cost is the sum of its published rows;
- the configuration defaults to the deployment's own model, version and SKU for what is not
  given (and its own capacity when the whole configuration is its own provisioned one); a SKU
  is an ARM SKU name (SKU_TYPES), any other is InvalidInput `sku`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from shared.core.inventory import SKU_TYPES, Deployment
from shared.core.meters import Mode, TokenKind
from shared.core.money import ZERO, in_money_context
from shared.core.price_book import PriceBook
from shared.core.reports import PeriodDays, Unpublished
from shared.core.resource_id import id_key, same_id
from shared.core.usage import merge_usage
from shared.core.views import PeriodQuery
from shared.core.what_if import Configuration, DailyTraffic, what_if
from shared.core.what_if_views import ConfigurationView, WhatIfView, what_if_view
from shared.errors import InvalidInput, NotFound
from shared.services.ports import CostStore, PublishedDailyRows, RetailItemsSource, UsageStore
from shared.services.views import not_allocated

SKU_NAMES = ", ".join(sorted(SKU_TYPES))


class WhatIfService:
    def __init__(
        self,
        results: PublishedDailyRows,
        usage: UsageStore,
        costs: CostStore,
        items: RetailItemsSource,
    ) -> None:
        self._results = results
        self._usage = usage
        self._costs = costs
        self._items = items

    def run(
        self,
        key: str,
        query: PeriodQuery,
        model: str | None = None,
        version: str | None = None,
        sku: str | None = None,
        ptu: int | None = None,
        reservation: str | None = None,
    ) -> WhatIfView:
        """The deployment's traffic of the period priced under the configuration (module
        docstring); InvalidInput naming `model`, `version`, `sku`, `ptu` or `reservation`."""
        if model is not None and not model.strip():
            raise InvalidInput("model", "a model name is required")
        days = self._days(query)
        deployment = next((d for d in days.deployments if same_id(d.key, key)), None)
        if deployment is None:
            raise NotFound("deployment", key)
        own = _own(deployment)
        config, sku_name = _configuration(deployment, model, version, sku, ptu, reservation)
        lines = self._costs.lines_for(query.period, query.cost_type)
        book = PriceBook.build(lines, self._items.items())
        traffic, notes = self._traffic(deployment, days, book, query)
        rows = [r for r in days.rows if r.deployment_key and same_id(r.deployment_key, key)]
        allocated = sum((r.cost for r in rows), ZERO)
        result = what_if(
            traffic,
            deployment,
            allocated,
            config,
            book,
            deployment.account_location,
            query.cost_type,
        )
        return what_if_view(
            result, deployment, own, sku_name, traffic, query.period, query.cost_type,
            notes,
        )  # fmt: skip

    @in_money_context
    def _traffic(
        self,
        deployment: Deployment,
        days: PeriodDays,
        book: PriceBook,
        query: PeriodQuery,
    ) -> tuple[tuple[DailyTraffic, ...], tuple[str, ...]]:
        wanted = id_key(deployment.deployment_id)
        usage = [
            r
            for r in merge_usage(self._usage.records_for(query.period))
            if id_key(r.deployment_id) == wanted
        ]
        cached_cost: dict[tuple[date, str], Decimal] = defaultdict(lambda: ZERO)
        for row in days.rows:
            if (
                row.kind is TokenKind.CACHED_INPUT
                and row.deployment_key
                and same_id(row.deployment_key, deployment.key)
            ):
                cached_cost[(row.date, row.meter_id)] += row.cost
        cached: dict[date, Decimal] = defaultdict(lambda: ZERO)
        notes: list[str] = []
        for (day, meter_id), cost in cached_cost.items():
            price = book.effective(meter_id, day, query.cost_type)
            if price is None or price.amount <= 0:
                notes.append(
                    f"cached input tokens of {day} unknown (no effective price of meter "
                    f"{meter_id}): counted as uncached input"
                )
                continue
            cached[day] += cost / price.amount
        traffic = tuple(
            DailyTraffic(
                date=r.date,
                input_tokens=r.input_tokens,
                cached_input_tokens=min(r.input_tokens, int(cached[r.date].to_integral_value())),
                output_tokens=r.output_tokens,
                requests=r.requests,
            )
            for r in sorted(usage, key=lambda r: r.date)
        )
        if cached:
            notes.append(
                "cached input tokens: the allocated cached-input cost of each day / the "
                "tenant's effective price per token of its meter that day"
            )
        return traffic, tuple(notes)

    def _days(self, query: PeriodQuery) -> PeriodDays:
        found = self._results.days(query.period, query.cost_type)
        if found is None or isinstance(found, Unpublished):
            raise not_allocated(query, found)
        return found


def _own(deployment: Deployment) -> ConfigurationView:
    dtype, mode = deployment.sku_type or (None, None)
    ptu = deployment.capacity if mode is Mode.PROVISIONED else None
    return ConfigurationView(
        deployment.model, deployment.model_version, deployment.sku, dtype, mode, ptu, None
    )


def _configuration(
    deployment: Deployment,
    model: str | None,
    version: str | None,
    sku: str | None,
    ptu: int | None,
    reservation: str | None,
) -> tuple[Configuration, str]:
    """The configuration asked for, the deployment's own for what is not given."""
    sku_name = sku.strip() if sku is not None else deployment.sku
    found = SKU_TYPES.get(sku_name.lower())
    if found is None:
        raise InvalidInput("sku", f"expected one of {SKU_NAMES} (any case), got {sku_name!r}")
    name = model.strip() if model is not None else deployment.model
    own_model = name.lower() == deployment.model.strip().lower()
    if version is not None and not version.strip():
        version = None
    if version is None and own_model:
        version = deployment.model_version
    own_sku = found == deployment.sku_type
    if ptu is None and found[1] is Mode.PROVISIONED and own_model and own_sku:
        ptu = deployment.capacity or None
    return Configuration(name, version, found[0], found[1], ptu, reservation), sku_name


def parse_ptu(text: str | None) -> int | None:
    """A capacity in PTUs: a positive whole number (None when not given)."""
    if text is None or not text.strip():
        return None
    try:
        value = int(text.strip())
    except ValueError:
        raise InvalidInput("ptu", f"expected a whole number of PTUs, got {text!r}") from None
    if value <= 0:
        raise InvalidInput("ptu", f"capacity must be a positive number of PTUs, got {value}")
    return value
