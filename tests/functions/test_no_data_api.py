"""A period with nothing collected is a 404 that says what is missing, never a $0 report."""

from __future__ import annotations

import asyncio

import httpx

from shared.core.period import BillingPeriod
from shared.entrypoints.http.app import create_app
from shared.services.allocation import AllocationService
from tests.builders import TableStores
from tests.fakes import ListQueue, MemoryTableGateway
from tests.unit.catalogue_double import DictCatalogue

MAY = BillingPeriod(2026, 5)


class Catalogue:
    def current(self) -> DictCatalogue:
        return DictCatalogue()


def get(app: object, **params: str) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return await client.get("/api/unit-costs", params=params)

    return asyncio.run(send())


def test_an_allocated_period_without_costs_answers_404_naming_what_is_missing() -> None:
    stores = TableStores(MemoryTableGateway())
    AllocationService(
        stores.costs, stores.usage, stores.inventory, stores.results, Catalogue(),
        stores.versions, ListQueue(),
    ).allocate(MAY)  # fmt: skip
    app = create_app(lambda: stores.results)
    for cost_type in ("actual", "amortized"):
        response = get(app, period=str(MAY), costType=cost_type)
        assert response.status_code == 404
        body = response.json()
        assert body["field"] == "period"
        assert "no ActualCost lines have been collected" in body["detail"]
    never = get(app, period="2026-04", costType="actual")
    assert never.status_code == 404 and "has not been allocated" in never.json()["detail"]
