"""GET /api/what-if through the app (in process, httpx.ASGITransport), over a published October
in memory: the cost lines, usage and catalogue of tests/unit/test_what_if.py.

One deployment, chat (gpt-4o 2024-11-20 GlobalStandard, eastus2), is given every line:
- 1 Oct: 1,000,000 input tokens (Azure Monitor counts the cached ones in), 100,000 output; the
  bill: input 1.60 for 800K, cached input 0.25 for 200K, output 0.90 for 100K;
- 2 Oct: 2,000,000 input, 300,000 output; input 4.00 for 2,000K, output 2.70 for 300K.
Allocated 9.45. Cached tokens of 1 Oct: 0.25 / (0.25 / 200,000) = 200,000.

gpt-4.1 at list prices (0.002, 0.0005, 0.008 per 1K): 1 Oct 800K x 0.000002 + 200K x
0.0000005 + 100K x 0.000008 = 1.60 + 0.10 + 0.80 = 2.50; 2 Oct 4.00 + 2.40 = 6.40; 8.90 in all.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shared.adapters.storage.allocation_tables import AllocationTables
from shared.adapters.storage.costs_table import CostsTable
from shared.adapters.storage.usage_table import UsageTable
from shared.core.catalogue import RetailPriceItem
from shared.core.costs import CostType
from shared.core.inventory import InventorySnapshot
from shared.core.period import BillingPeriod
from shared.core.views import PeriodQuery
from shared.entrypoints.cli.commands.what_if import render_what_if
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import ApiParts
from shared.entrypoints.http.schemas.what_if import WhatIf
from shared.services.views import ViewService
from shared.services.what_if import WhatIfService
from tests.asgi import money, read, send
from tests.builders import ACC, publication, use
from tests.fakes import MemoryTableGateway
from tests.unit.test_what_if import CHAT, ITEMS, LINES, OCT1, OCT2

OCT = BillingPeriod(2026, 10)
TODAY = date(2026, 11, 20)


class FixedItems:
    def items(self) -> list[RetailPriceItem]:
        return list(ITEMS)


class Api:
    def __init__(self) -> None:
        gateway = MemoryTableGateway()
        usage = [
            use("chat", 1_000_000, 100_000, 50, OCT1),
            use("chat", 2_000_000, 300_000, 90, OCT2),
        ]
        snapshot = InventorySnapshot.on(date(2026, 9, 1), (CHAT,))
        results = AllocationTables(gateway)
        results.publish(publication(LINES, usage, 1, (snapshot,), OCT, CostType.AMORTIZED))
        usage_table = UsageTable(gateway)
        usage_table.replace_window(OCT.window, [ACC], usage)
        costs = CostsTable(gateway)
        costs.replace_window(OCT.window, CostType.AMORTIZED, LINES)
        views = ViewService(results, lambda: TODAY)
        what_if = WhatIfService(results, usage_table, costs, FixedItems())
        self.service = what_if
        self.app = create_api(ApiParts(views=lambda: views, what_if=lambda: what_if))

    def send(self, path: str) -> httpx.Response:
        return send(self.app, "GET", path)

    def get(self, query: str) -> Any:
        return read(self.app, f"/api/what-if?deployment={CHAT.key}&period=2026-10&{query}")


@pytest.fixture(scope="module")
def api() -> Api:
    return Api()


def test_the_own_configuration_reproduces_the_allocated_cost(api: Api) -> None:
    body = api.get("model=gpt-4o")
    assert money(body["allocatedCost"]) == Decimal("9.45")
    assert abs(money(body["cost"]) - Decimal("9.45")) <= Decimal("0.0945")
    assert money(body["delta"]) == 0 and body["deltaPercent"] == 0
    assert body["traffic"]["cachedInputTokens"] == 200_000
    assert body["traffic"]["inputTokens"] == 3_000_000 and body["traffic"]["days"] == 2
    assert body["configuration"] == body["current"] == {
        "model": "gpt-4o", "version": "2024-11-20", "sku": "GlobalStandard",
        "deploymentType": "global", "mode": "standard", "ptu": None, "reservation": None,
    }  # fmt: skip
    assert {p["source"] for p in body["prices"]} == {"effective"}
    by_what = {p["what"]: p for p in body["prices"]}
    assert money(by_what["input"]["amount"]) == Decimal("0.000002")  # 5.60 / 2,800,000
    assert "cache share kept as observed: 6.7% of input tokens" in body["assumptions"]
    assert body["unknowns"] and body["capacity"] is None
    assert (body["region"], body["currency"], body["costType"]) == ("eastus2", "USD", "amortized")


def test_another_model_is_its_hand_computed_list_cost(api: Api) -> None:
    body = api.get("model=gpt-4.1")
    assert money(body["cost"]) == Decimal("8.90") and money(body["delta"]) == Decimal("-0.55")
    assert {p["source"] for p in body["prices"]} == {"list"}
    assert body["configuration"]["version"] is None
    assert any("any version of gpt-4.1" in a for a in body["assumptions"])


def test_batch_and_provisioned_configurations_are_priced(api: Api) -> None:
    batch = api.get("model=gpt-4o&sku=GlobalBatch")
    assert money(batch["cost"]) > 0 and batch["configuration"]["mode"] == "batch"
    ptu = api.get("model=gpt-4o&sku=GlobalProvisionedManaged&reservation=1y")
    capacity = ptu["capacity"]
    assert capacity["ptu"] > 0 and capacity["reservation"] == "1y"
    assert money(ptu["cost"]) == money(capacity["reservedCost"])
    assert capacity["hours"] == 48  # two days held 24 hours
    # 15 PTU (gpt-4o's minimum) x 48 h x 2,652 / 8,760 h of the year from 1 Oct = 217.97
    assert capacity["ptu"] == 15 and money(capacity["reservedCost"]) == Decimal("217.97")
    assert any("average" in u for u in ptu["unknowns"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=2026-10", "model"),
        ("period=2026-10&model=", "model"),
        ("period=2026-10&model=no-such-model", "model"),
        ("period=2026-10&model=gpt-4o&sku=Bogus", "sku"),
        ("period=2026-10&model=gpt-4o&sku=DataZoneStandard", "sku"),
        ("period=2026-10&model=gpt-4o&ptu=abc", "ptu"),
        ("period=2026-10&model=gpt-4o&ptu=0", "ptu"),
        ("period=2026-10&model=gpt-4o&ptu=15", "ptu"),
        ("period=2026-10&model=gpt-4o&reservation=1m", "reservation"),
        ("period=2026-10&model=gpt-4o&sku=GlobalProvisionedManaged&reservation=2y", "reservation"),
        ("period=2026-13&model=gpt-4o", "period"),
        ("model=gpt-4o", "period"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(api: Api, query: str, field: str) -> None:
    response = api.send(f"/api/what-if?deployment={CHAT.key}&{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field


def test_an_unknown_deployment_or_unallocated_period_is_404(api: Api) -> None:
    missing = api.send("/api/what-if?deployment=acc~nobody~0&period=2026-10&model=gpt-4o")
    assert missing.status_code == 404 and missing.json()["field"] == "deployment"
    never = api.send(f"/api/what-if?deployment={CHAT.key}&period=2026-09&model=gpt-4o")
    assert never.status_code == 404 and never.json()["field"] == "period"


def test_the_cli_text_shows_the_cost_the_delta_and_the_assumptions(api: Api) -> None:
    query = PeriodQuery.parse("2026-10", None)
    text = render_what_if(api.service.run(CHAT.key, query, "gpt-4.1"))
    assert "cost 8.90 USD vs allocated 9.45 USD: delta -0.55 USD (-5.8%)" in text
    assert "gpt-4.1 (any version) GlobalStandard" in text and "Assumptions:" in text
    ptu = api.service.run(CHAT.key, query, "gpt-4o", sku="GlobalProvisionedManaged", ptu=None)
    assert "capacity 15 PTU" in render_what_if(ptu)


def test_the_answer_validates_against_its_model(api: Api) -> None:
    for query in ("model=gpt-4.1", "model=gpt-4o&sku=GlobalProvisionedManaged&reservation=1y"):
        body = api.get(query)
        assert WhatIf.model_validate(body).model_dump(mode="json", by_alias=True) == body
