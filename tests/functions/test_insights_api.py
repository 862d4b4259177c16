"""GET /api/insights and `cli insights` through the app (in process), over a published October
in memory, priced with the catalogue of tests/unit/test_what_if.py.

One deployment, chat (gpt-4o 2024-11-20 GlobalStandard, eastus2), on 10 days of the same steady
traffic: 1,000,000 input tokens (none cached), 100,000 output, 1,000 requests a day, billed at
list prices: input 2.50 + output 1.00 = 3.50 a day, 35.00 allocated. On Global Batch (half the
prices: 0.00125 and 0.005 per 1K) the same traffic costs 1.75 a day, 17.50: a batch-candidate
saving 17.50 a month. Besides, its version is retiring; nothing else fires: no peers or history
(no bloat), 1,000 input tokens a request (under the 1,024 of prompt caching), no cheaper model of
gpt-4o in the catalogue.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlparse

import httpx
import pytest

from shared.adapters.storage.allocation_tables import AllocationTables
from shared.adapters.storage.costs_table import CostsTable
from shared.adapters.storage.inventory_table import InventoryTable
from shared.adapters.storage.usage_table import UsageTable
from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.catalogue import RetailPriceItem
from shared.core.costs import CostType
from shared.core.findings import Thresholds
from shared.core.inventory import InventorySnapshot
from shared.core.period import BillingPeriod
from shared.core.views import PeriodQuery
from shared.entrypoints.cli.commands.insights import render_insights
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import ApiParts
from shared.entrypoints.http.schemas.insights import Insights
from shared.services.insights import InsightsService
from shared.services.use_cases import UseCaseService
from shared.services.views import ViewService
from tests.asgi import money, read, send
from tests.builders import ACC, OTHER, publication, use, use_case_body
from tests.fakes import MemoryTableGateway
from tests.unit.test_what_if import CHAT, IN, ITEMS, OUT, bill

OCT = BillingPeriod(2026, 10)
TODAY = date(2026, 11, 20)
DAYS = [OCT.start + timedelta(days=i) for i in range(10)]


class FixedItems:
    def items(self) -> list[RetailPriceItem]:
        return list(ITEMS)


class Api:
    def __init__(self, thresholds: Thresholds | None = None) -> None:
        gateway = MemoryTableGateway()
        usage = [use("chat", 1_000_000, 100_000, 1_000, day) for day in DAYS]
        lines = [
            b
            for day in DAYS
            for b in (bill(IN, "2.50", "1000", day), bill(OUT, "1.00", "100", day))
        ]
        snapshot = InventorySnapshot.on(date(2026, 9, 1), (CHAT,))
        results = AllocationTables(gateway)
        results.publish(publication(lines, usage, 1, (snapshot,), OCT, CostType.AMORTIZED))
        usage_table = UsageTable(gateway)
        usage_table.replace_window(OCT.window, [ACC], usage)
        costs = CostsTable(gateway)
        costs.replace_window(OCT.window, CostType.AMORTIZED, lines)
        views = ViewService(results, lambda: TODAY)
        inventory = InventoryTable(gateway)
        inventory.save(snapshot)
        use_cases = UseCaseTable(gateway)
        # A slice of chat's callers: a member of support-bot, not claimed whole (no `useCase`).
        UseCaseService(use_cases, inventory).put("support-bot", use_case_body(
            "support-bot", {"deployment": CHAT.key, "callers": {"apimSubscriptions": ["bot"]}}
        ))  # fmt: skip
        self.service = InsightsService(
            results, usage_table, costs, FixedItems(), inventory, use_cases,
            thresholds or Thresholds(), lambda: TODAY,
        )  # fmt: skip
        self.app = create_api(ApiParts(views=lambda: views, insights=lambda: self.service))

    def send(self, path: str) -> httpx.Response:
        return send(self.app, "GET", path)

    def get(self, query: str) -> Any:
        return read(self.app, f"/api/insights?{query}")


@pytest.fixture(scope="module")
def api() -> Api:
    return Api()


def test_steady_traffic_is_a_batch_candidate_saving_its_hand_computed_half(api: Api) -> None:
    body = api.get("period=2026-10")
    assert (body["period"], body["costType"], body["currency"]) == ("2026-10", "amortized", "USD")
    assert body["deploymentsExamined"] == 1 and body["asOf"] == "2026-11-20"
    # gpt-4o 2024-11-20 retired on 2026-10-01 (shared/core/model_retirements.py): a risk, no
    # saving, as its successor (gpt-5.1) has no price in this catalogue.
    assert [f["type"] for f in body["findings"]] == ["batch-candidate", "retiring-version"]
    assert money(body["findings"][1]["monthlySaving"]) == 0
    found = body["findings"][0]
    assert found["alternativeTo"] == ["retiring-version"] and found["useCase"] is None
    assert found["rank"] == 1 and found["key"] == CHAT.key and found["deployment"] == "chat"
    assert money(found["monthlySaving"]) == Decimal("17.50")
    assert money(body["upperBoundMonthlySaving"]) == Decimal("17.50")
    assert found["confidence"] == "low"
    evidence = {e["name"]: e["value"] for e in found["evidence"]}
    assert evidence["allocated cost"] == "35.00" and evidence["batch cost"] == "17.50"
    priced = found["whatIf"]
    assert money(priced["cost"]) == Decimal("17.50") and money(priced["delta"]) == Decimal("-17.50")
    assert priced["configuration"]["sku"] == "GlobalBatch"


def test_the_what_if_url_prices_the_same_alternative_again(api: Api) -> None:
    found = api.get("period=2026-10")["findings"][0]
    url = urlparse(found["whatIfUrl"])
    assert url.path == "/api/what-if"
    params = dict(parse_qsl(url.query))
    assert params["sku"] == "GlobalBatch" and params["deployment"] == CHAT.key
    # The what-if route is not served by this app: the service prices it the same way.
    assert params["model"] == "gpt-4o" and params["costType"] == "amortized"


def test_a_type_filter_keeps_only_those_types(api: Api) -> None:
    assert api.get("period=2026-10&type=idle-ptu")["findings"] == []
    assert len(api.get("period=2026-10&type=batch-candidate,idle-ptu")["findings"]) == 1


def test_thresholds_from_the_settings_decide(api: Api) -> None:
    strict = Api(Thresholds(batch_min_days=11))  # 10 days observed: not steady enough yet
    assert [f["type"] for f in strict.get("period=2026-10")["findings"]] == ["retiring-version"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "period"),
        ("period=2026-13", "period"),
        ("period=2026-10&costType=list", "costType"),
        ("period=2026-10&type=cheap", "type"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(api: Api, query: str, field: str) -> None:
    response = api.send(f"/api/insights?{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field


def test_a_period_never_allocated_is_404_not_an_empty_list(api: Api) -> None:
    response = api.send("/api/insights?period=2026-09")
    assert response.status_code == 404 and response.json()["field"] == "period"


def test_the_cli_text_lists_the_findings_with_their_evidence(api: Api) -> None:
    text = render_insights(api.service.run(PeriodQuery.parse("2026-10", None)))
    assert "2 over 1 deployments, up to 17.50 USD a month" in text
    assert "batch-candidate" in text and "batch cost: 17.50" in text
    assert "priced by: what-if deployment=" in text and "sku=GlobalBatch" in text


# --- the response model, pages and filters --------------------------------------------------------


def test_the_answer_validates_against_its_model(api: Api) -> None:
    body = api.get("period=2026-10")
    assert Insights.model_validate(body).model_dump(mode="json", by_alias=True) == body
    assert (body["totalItems"], body["continuationToken"], body["nextLink"]) == (2, None, None)


def test_the_findings_come_in_pages_in_their_rank_order(api: Api) -> None:
    first = api.get("period=2026-10&limit=1")
    assert [(f["rank"], f["type"]) for f in first["findings"]] == [(1, "batch-candidate")]
    assert first["totalItems"] == 2 and first["upperBoundMonthlySaving"] == 17.5  # of them all
    link = urlparse(first["nextLink"])
    assert dict(parse_qsl(link.query)) == {
        "period": "2026-10", "limit": "1", "continuationToken": first["continuationToken"],
    }  # fmt: skip
    second = api.send(f"{link.path}?{link.query}").json()
    assert [(f["rank"], f["type"]) for f in second["findings"]] == [(2, "retiring-version")]
    assert (second["continuationToken"], second["nextLink"]) == (None, None)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("continuationToken=bm90LW91cnM", "continuationToken"),
        ("limit=0", "limit"),
        ("limit=-1", "limit"),
        ("useCase=", "useCase"),
        ("sku=%20%20", "sku"),
        ("model=" + "m" * 201, "model"),
    ],
)
def test_a_bad_page_or_filter_is_a_400_naming_it(api: Api, query: str, field: str) -> None:
    response = api.send(f"/api/insights?period=2026-10&{query}")
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field


def test_a_token_of_other_filters_is_a_400_naming_the_token(api: Api) -> None:
    token = api.get("period=2026-10&limit=1")["continuationToken"]
    response = api.send(
        f"/api/insights?period=2026-10&limit=1&model=gpt-4o&continuationToken={token}"
    )
    assert response.status_code == 400 and response.json()["field"] == "continuationToken"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("account=acc", ["batch-candidate", "retiring-version"]),
        (f"account={ACC.upper()}", ["batch-candidate", "retiring-version"]),
        (f"account={OTHER}", []),
        ("model=GPT-4O", ["batch-candidate", "retiring-version"]),
        ("model=gpt-4.1", []),
        ("sku=GlobalStandard", ["batch-candidate", "retiring-version"]),
        ("sku=GlobalBatch", []),  # the alternative's SKU is not the deployment's
        ("useCase=support-bot", ["batch-candidate", "retiring-version"]),  # a caller slice
        ("owner=support-platform", ["batch-candidate", "retiring-version"]),
        ("owner=nobody", []),
        ("useCase=support-bot&type=retiring-version", ["retiring-version"]),
    ],
)
def test_the_filters_keep_the_findings_of_the_deployments_that_pass(
    api: Api, query: str, expected: list[str]
) -> None:
    body = api.get(f"period=2026-10&{query}")
    assert [f["type"] for f in body["findings"]] == expected
    assert [f["rank"] for f in body["findings"]] == list(range(1, len(expected) + 1))
    assert body["totalItems"] == len(expected) and body["deploymentsExamined"] == 1
    assert money(body["upperBoundMonthlySaving"]) == (
        Decimal("17.50") if "batch-candidate" in expected else 0
    )
