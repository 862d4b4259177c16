"""GET /api/unit-costs (its deployments a page at a time, filtered), /api/deployments/{key}/
unit-costs, /api/reconciliation and /api/health through the app, against their declared models.

The November of tests/functions/test_economics_api.py (billed 111.50: allocated 109.00, the
2.50 of an unknown meter unallocated), its inventory grown by two deployments that carry no cost:

- acc: chat-prod 33.33 and chat-test 66.67 (gpt-4o GlobalStandard), mini 0.00 (gpt-4o-mini);
- other: solo 9.00 (gpt-4o GlobalStandard), ptu 0.00 (gpt-4o GlobalProvisionedManaged).

Sorted by key: acc~chat-prod, acc~chat-test, acc~mini, other~ptu, other~solo. Use cases:
support-bot (owner support) has chat-prod whole and chat-test's slice; billing (owner finance)
a slice of chat-test; queried (owner x) nothing.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import httpx
import pytest

from shared.adapters.storage.allocation_tables import AllocationTables
from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.inventory import InventorySnapshot
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import ApiParts
from shared.entrypoints.http.schemas.health import Health
from shared.entrypoints.http.schemas.reconciliation import Reconciliation
from shared.entrypoints.http.schemas.unit_costs import DeploymentUnitCosts, UnitCosts
from shared.services.views import ViewService
from tests.asgi import read, send
from tests.builders import NOV, OTHER, days, dep, line, month_of_lines, month_of_usage, use
from tests.builders import publication as published
from tests.fakes import MemoryTableGateway
from tests.functions.served import served_as
from tests.functions.test_economics_api import CHAT, SOLO, TEST, TODAY, entry, push_use_case
from tests.unit.catalogue_double import GPT4O_IN

MINI = dep("mini", model="gpt-4o-mini", version="2024-07-18")
PTU = dep("ptu", sku="GlobalProvisionedManaged", account=OTHER)
KEYS = [CHAT.key, TEST.key, MINI.key, PTU.key, SOLO.key]  # sorted
PERIOD = "period=2026-11&costType=actual"
TOTALS = {"billedCost": 111.5, "allocatedCost": 109.0, "unallocatedCost": 2.5}


class Api:
    def __init__(self, *, use_cases: bool = True) -> None:
        gateway = MemoryTableGateway()
        lines = [
            *month_of_lines(),
            line("m-unknown", "2.50"),
            *(line(GPT4O_IN.meter_id, "3.00", d, OTHER) for d in days(NOV, 3)),
        ]
        usage = [*month_of_usage(), *(use("solo", 100, 0, 1, d, OTHER) for d in days(NOV, 3))]
        snapshot = InventorySnapshot.on(date(2026, 10, 1), (CHAT, TEST, SOLO, MINI, PTU))
        results = AllocationTables(gateway)
        results.publish(published(lines, usage, 1, (snapshot,)))
        stored = UseCaseTable(MemoryTableGateway())
        stored.put(push_use_case("support-bot", "support", entry(CHAT), entry(TEST, "a")))
        stored.put(push_use_case("billing", "finance", entry(TEST, "zzz")))
        stored.put(push_use_case("queried", "x"))
        views = ViewService(results, lambda: TODAY, stored if use_cases else None)
        self.app = create_api(ApiParts(views=lambda: views))

    def send(self, path: str) -> httpx.Response:
        return send(self.app, "GET", path)

    def get(self, path: str) -> Any:
        return read(self.app, path)


@pytest.fixture(scope="module")
def api() -> Api:
    return Api()


def keys(body: dict[str, Any]) -> list[str]:
    return [d["key"] for d in body["deployments"]]


def problem_field(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    field: str = response.json()["field"]
    return field


# --- the declared models ----------------------------------------------------------------------


def test_the_period_and_a_deployment_are_served_as_their_declared_models(api: Api) -> None:
    period = served_as(api.send(f"/api/unit-costs?{PERIOD}"), UnitCosts, "GET", "/api/unit-costs")
    assert [d.key for d in period.deployments] == KEYS
    assert (period.total_items, period.continuation_token, period.next_link) == (5, None, None)
    assert period.provenance is None and period.status == "open"  # as of 20 Nov
    route = "/api/deployments/{key}/unit-costs"
    one = served_as(
        api.send(f"/api/deployments/{SOLO.key.upper()}/unit-costs?{PERIOD}"),
        DeploymentUnitCosts,
        "GET",
        route,
    )
    assert (one.key, one.cost, one.cost_per_1k_tokens) == (SOLO.key, 9.0, 30.0)  # 9 / 300 x 1000
    served = api.get(f"/api/deployments/{MINI.key}/unit-costs?{PERIOD}")
    assert served["costPer1kTokens"] is None and served["provisionedIdleCost"] is None  # nulls


def test_the_reconciliation_and_the_health_are_served_as_their_declared_models(
    api: Api,
) -> None:
    report = served_as(
        api.send(f"/api/reconciliation?{PERIOD}"), Reconciliation, "GET", "/api/reconciliation"
    )
    assert (report.period, report.cost_type, report.status, report.closes_on) == (
        "2026-11", "actual", "open", "2026-12-06",
    )  # fmt: skip
    assert report.summary.cost == 111.5
    assert served_as(api.send("/api/health"), Health, "GET", "/api/health").status == "ok"


# --- pages ------------------------------------------------------------------------------------


def test_two_deployments_a_page_serve_each_once_in_key_order_with_the_periods_totals(
    api: Api,
) -> None:
    seen: list[str] = []
    url: str | None = f"/api/unit-costs?{PERIOD}&limit=2"
    pages = 0
    while url is not None:
        body = api.get(url.removeprefix("http://api"))
        assert {k: body[k] for k in TOTALS} == TOTALS  # the period's, on every page
        assert [u["cost"] for u in body["unallocated"]] == [2.5]  # whole, on every page
        assert body["totalItems"] == 5
        seen += keys(body)
        pages += 1
        url = body["nextLink"]
        assert (url is None) == (body["continuationToken"] is None)
    assert (seen, pages) == (KEYS, 3)


def test_a_page_after_a_token_starts_after_its_last_key(api: Api) -> None:
    first = api.get(f"/api/unit-costs?{PERIOD}&limit=3")
    assert keys(first) == KEYS[:3]
    token = first["continuationToken"]
    assert (
        first["nextLink"] == f"http://api/api/unit-costs?{PERIOD}&limit=3&continuationToken={token}"
    )
    rest = api.get(f"/api/unit-costs?{PERIOD}&limit=3&continuationToken={token}")
    assert keys(rest) == KEYS[3:] and rest["continuationToken"] is None
    # The page size may change between pages: the token holds the last key, not an offset.
    one = api.get(f"/api/unit-costs?{PERIOD}&limit=1&continuationToken={token}")
    assert keys(one) == KEYS[3:4]


def test_a_tampered_token_or_one_of_other_filters_is_a_400_naming_it(api: Api) -> None:
    token = api.get(f"/api/unit-costs?{PERIOD}&limit=1")["continuationToken"]
    raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**raw, "s": "0" * 16}).encode()).decode()
    for bad in (token[:-3] + "xyz", "not-a-token", forged, "W1tbW1tbW1s", "x" * 5000):
        response = api.send(f"/api/unit-costs?{PERIOD}&limit=1&continuationToken={bad}")
        assert problem_field(response) == "continuationToken", bad
    other = api.send(f"/api/unit-costs?{PERIOD}&limit=1&account=acc&continuationToken={token}")
    assert problem_field(other) == "continuationToken"
    basis = api.send(f"/api/unit-costs?period=2026-11&limit=1&continuationToken={token}")
    assert problem_field(basis) == "continuationToken"  # the default basis is another query


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "1.5", "ten", "²", "1" * 30])
def test_a_limit_out_of_range_is_a_400_naming_it(api: Api, limit: str) -> None:
    assert problem_field(api.send(f"/api/unit-costs?{PERIOD}&limit={limit}")) == "limit"


# --- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("account=ACC", [CHAT.key, TEST.key, MINI.key]),
        (f"account={OTHER.upper()}", [PTU.key, SOLO.key]),  # the ARM id, any case
        ("model=gpt-4o-MINI", [MINI.key]),
        ("sku=globalprovisionedmanaged", [PTU.key]),
        ("model=gpt-4o&sku=GlobalStandard", [CHAT.key, TEST.key, SOLO.key]),
        ("useCase=support-bot", [CHAT.key, TEST.key]),  # whole and sliced
        ("useCase=billing", [TEST.key]),
        ("owner=finance", [TEST.key]),
        ("owner=support&account=acc&model=gpt-4o", [CHAT.key, TEST.key]),
    ],
)
def test_filters_keep_exactly_the_deployments_passing_each_one(
    api: Api, query: str, expected: list[str]
) -> None:
    body = api.get(f"/api/unit-costs?{PERIOD}&{query}")
    assert keys(body) == expected
    assert body["totalItems"] == len(expected)
    assert {k: body[k] for k in TOTALS} == TOTALS
    assert len(body["unallocated"]) == 1


@pytest.mark.parametrize(
    "query", ["model=gpt-5", "useCase=queried", "owner=nobody", "account=acc&sku=Standard"]
)
def test_a_filter_that_matches_nothing_is_an_empty_list_with_the_periods_totals(
    api: Api, query: str
) -> None:
    body = api.get(f"/api/unit-costs?{PERIOD}&{query}")
    assert (body["deployments"], body["totalItems"], body["nextLink"]) == ([], 0, None)
    assert {k: body[k] for k in TOTALS} == TOTALS
    UnitCosts.model_validate(body)


def test_filtered_pages_are_pages_of_the_filtered_list(api: Api) -> None:
    first = api.get(f"/api/unit-costs?{PERIOD}&model=gpt-4o&limit=2")
    assert (keys(first), first["totalItems"]) == ([CHAT.key, TEST.key], 4)
    rest = api.get(first["nextLink"].removeprefix("http://api"))
    assert keys(rest) == [PTU.key, SOLO.key] and rest["nextLink"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [("model=", "model"), ("account=%20", "account"), (f"sku={'x' * 201}", "sku"),
     ("useCase=", "useCase"), ("owner=", "owner")],
)  # fmt: skip
def test_a_bad_filter_is_a_400_naming_it(api: Api, query: str, field: str) -> None:
    assert problem_field(api.send(f"/api/unit-costs?{PERIOD}&{query}")) == field


def test_without_use_case_definitions_the_use_case_filters_keep_nothing() -> None:
    bare = Api(use_cases=False)
    assert bare.get(f"/api/unit-costs?{PERIOD}&owner=support")["deployments"] == []
    assert keys(bare.get(f"/api/unit-costs?{PERIOD}&model=gpt-4o-mini")) == [MINI.key]
