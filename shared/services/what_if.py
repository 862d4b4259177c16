"""The what-if of one deployment and period: its observed traffic re-priced under another
configuration (shared/core/what_if.py), against the cost allocated to it.

- the deployment is one of the live allocation's (NotFound `deployment`), its region its
  account's location;
- the traffic is its daily traffic (shared/core/traffic.py: Azure Monitor usage with its peak
  tokens per minute, cached input tokens from the allocated cached-input cost);
- the allocated cost is the sum of its published rows;
- the configuration defaults to the deployment's own model, version and SKU for what is not
  given (and its own capacity when the whole configuration is its own provisioned one); a SKU
  is an ARM SKU name (SKU_TYPES), any other is InvalidInput `sku`.
"""

from __future__ import annotations

from shared.core.inventory import SKU_TYPES, Deployment
from shared.core.meters import Mode
from shared.core.money import ZERO
from shared.core.price_book import PriceBook
from shared.core.resource_id import same_id
from shared.core.traffic import TrafficIndex
from shared.core.views import PeriodQuery
from shared.core.what_if import Configuration, what_if
from shared.core.what_if_views import WhatIfView, own_configuration, what_if_view
from shared.errors import InvalidInput, NotFound
from shared.services.ports import CostStore, PublishedDailyRows, RetailItemsSource, UsageStore
from shared.services.views import live_days

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
        days = live_days(self._results, query)
        deployment = next((d for d in days.deployments if same_id(d.key, key)), None)
        if deployment is None:
            raise NotFound("deployment", key)
        own = own_configuration(deployment)
        config, sku_name = _configuration(deployment, model, version, sku, ptu, reservation)
        lines = self._costs.lines_for(query.period, query.cost_type)
        book = PriceBook.build(lines, self._items.items())
        usage = self._usage.records_for(query.period)
        found = TrafficIndex.build(usage, days.rows).traffic(deployment, book, query.cost_type)
        traffic, notes = found.days, found.notes
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
