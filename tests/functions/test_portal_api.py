"""GET /api/periods, the daily series and the dashboard's files through the app (in process,
httpx.ASGITransport), over published allocations in memory.

November (tests/builders.py `month_of_lines`, `month_of_usage`, plus an account of its own, as
tests/functions/test_economics_api.py):

- account acc, 1..5 Nov, each day 10.00 of gpt-4o input and 10.00 of output; chat-prod 750 in /
  100 out / 10 requests a day, chat-test 1500 / 200 / 10: chat-prod carries 6.666.. a day
  (33.333.. in all), chat-test 13.333.. (66.666..);
- account other, 1..3 Nov, 3.00 of input a day, all to `solo` (100 input tokens, 1 request a
  day on those days; none on 4 and 5 Nov);
- 3 Nov, 2.50 on a meter nobody knows: unallocated. Billed 111.50 = 109.00 + 2.50; the
  deployments rounded toward 109.00: chat-prod 33.33, chat-test 66.67, solo 9.00.

October is allocated in amortized cost too (its own lines), and September found no cost lines
(published as nothing to publish): it is not listed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shared.adapters.storage.allocation_tables import AllocationTables
from shared.adapters.storage.usage_table import UsageTable
from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.costs import CostType
from shared.core.inventory import InventorySnapshot
from shared.core.period import BillingPeriod
from shared.core.use_cases import DeploymentEntry, Outcome, OutcomeSource, SourceType, UseCase
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import ApiParts
from shared.entrypoints.http.routes.dashboard import CHART_JS
from shared.services.economics import EconomicsService
from shared.services.periods import PeriodService
from shared.services.series import SeriesService
from shared.services.views import ViewService
from tests.asgi import read, send
from tests.builders import (
    DEPLOYMENTS,
    NOV,
    OCT,
    OTHER,
    days,
    dep,
    line,
    month_of_lines,
    month_of_usage,
    publication,
    use,
)
from tests.fakes import MemoryCallerUsage, MemoryOutcomes, MemoryTableGateway
from tests.unit.catalogue_double import GPT4O_IN

TODAY = date(2026, 11, 20)
CHAT, TEST = DEPLOYMENTS
SOLO = dep("solo", account=OTHER)
PERIOD = "period=2026-11&costType=actual"


def cents(value: object) -> Decimal:
    return Decimal(str(value))


class Api:
    def __init__(self) -> None:
        gateway = MemoryTableGateway()
        lines = [
            *month_of_lines(),
            line("m-unknown", "2.50"),  # 3 Nov, unallocated
            *(line(GPT4O_IN.meter_id, "3.00", d, OTHER) for d in days(NOV, 3)),
        ]
        usage = [*month_of_usage(), *(use("solo", 100, 0, 1, d, OTHER) for d in days(NOV, 3))]
        snapshot = InventorySnapshot.on(date(2026, 10, 1), (CHAT, TEST, SOLO))
        results = AllocationTables(gateway)
        results.publish(publication(lines, usage, 1, (snapshot,)))
        october = month_of_lines(OCT, 2, "4.00", CostType.AMORTIZED)
        results.publish(
            publication(october, month_of_usage(OCT, 2), 1, (snapshot,), OCT, CostType.AMORTIZED)
        )
        results.publish_no_data(BillingPeriod(2026, 9), CostType.ACTUAL, "no cost lines", 1)
        store = UsageTable(gateway)
        store.replace_window(NOV.window, [CHAT.account_id, SOLO.account_id], usage)
        use_cases = UseCaseTable(MemoryTableGateway())
        outcome = Outcome("resolved query", OutcomeSource(SourceType.PUSH))
        entry = DeploymentEntry(CHAT.key, CHAT.deployment_id, ())
        use_cases.put(UseCase("support-bot", "support", "CC-1", outcome, (entry,)))
        outcomes = MemoryOutcomes()
        outcomes.add_events("support-bot", [])
        economics = EconomicsService(
            results, store, MemoryCallerUsage(), outcomes, use_cases, lambda: TODAY
        )
        self.economics = economics
        views = ViewService(results, lambda: TODAY)
        periods = PeriodService(results, lambda: TODAY)
        series = SeriesService(results, store, economics, lambda: TODAY)
        self.app = create_api(
            ApiParts(views=lambda: views, periods=lambda: periods, series=lambda: series)
        )

    def send(self, path: str, **kw: Any) -> httpx.Response:
        return send(self.app, "GET", path, **kw)

    def get(self, path: str) -> Any:
        return read(self.app, path)


@pytest.fixture(scope="module")
def api() -> Api:
    return Api()


def assert_problem(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field, response.json()


# --- GET /api/periods -------------------------------------------------------------------------


def test_the_periods_are_listed_newest_first_with_the_totals_of_their_unit_costs(api: Api) -> None:
    body = api.get("/api/periods")
    assert [(p["period"], p["costType"]) for p in body["periods"]] == [
        ("2026-11", "actual"),
        ("2026-10", "amortized"),
    ]  # September found no cost lines: nothing allocated, not listed
    nov = body["periods"][0]
    assert nov == {
        "period": "2026-11", "costType": "actual", "currency": "USD", "status": "open",
        "closesOn": "2026-12-06", "provenance": None, "billedCost": 111.5,
        "allocatedCost": 109.0, "unallocatedCost": 2.5,
    }  # fmt: skip
    unit_costs = api.get(f"/api/unit-costs?{PERIOD}")
    for field in ("billedCost", "allocatedCost", "unallocatedCost"):
        assert nov[field] == unit_costs[field]
    oct_ = body["periods"][1]
    assert (oct_["billedCost"], oct_["status"]) == (16.0, "closed")  # 2 days x 8.00; closed 6 Nov
    assert (body["totalItems"], body["continuationToken"], body["nextLink"]) == (2, None, None)


def test_the_periods_come_a_page_at_a_time_and_the_next_link_gives_the_rest(api: Api) -> None:
    first = api.get("/api/periods?limit=1")
    assert [p["period"] for p in first["periods"]] == ["2026-11"]
    assert first["totalItems"] == 2 and first["continuationToken"]
    link = httpx.URL(first["nextLink"])
    assert link.params["continuationToken"] == first["continuationToken"]
    second = api.get(f"{link.path}?{link.query.decode()}")
    assert [p["period"] for p in second["periods"]] == ["2026-10"]
    assert (second["continuationToken"], second["nextLink"]) == (None, None)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=lots", "limit"),
        ("continuationToken=nope", "continuationToken"),
    ],
)
def test_a_bad_page_is_a_400_naming_its_parameter(api: Api, query: str, field: str) -> None:
    assert_problem(api.send(f"/api/periods?{query}"), 400, field)


# --- GET /api/daily ---------------------------------------------------------------------------


def test_the_tenant_days_split_each_day_billed_into_allocated_and_unallocated(api: Api) -> None:
    body = api.get(f"/api/daily?{PERIOD}")
    assert (body["period"], body["costType"], body["status"], body["closesOn"]) == (
        "2026-11", "actual", "open", "2026-12-06",
    )  # fmt: skip
    assert (body["billedCost"], body["allocatedCost"], body["unallocatedCost"]) == (
        111.5, 109.0, 2.5,
    )  # fmt: skip
    # days 1..5 (the last allocated day), not the 30 days of November
    assert [(d["date"], d["billedCost"], d["allocatedCost"], d["unallocatedCost"])
            for d in body["days"]] == [
        ("2026-11-01", 23.0, 23.0, 0.0),
        ("2026-11-02", 23.0, 23.0, 0.0),
        ("2026-11-03", 25.5, 23.0, 2.5),
        ("2026-11-04", 20.0, 20.0, 0.0),
        ("2026-11-05", 20.0, 20.0, 0.0),
    ]  # fmt: skip
    for field in ("billedCost", "allocatedCost", "unallocatedCost"):
        assert sum(cents(d[field]) for d in body["days"]) == cents(body[field])


# --- GET /api/deployments/{key}/daily -------------------------------------------------------


def test_a_deployments_days_sum_to_its_cost_in_the_unit_costs(api: Api) -> None:
    body = api.get(f"/api/deployments/{CHAT.key}/daily?{PERIOD}")
    assert (body["key"], body["deployment"], body["model"], body["cost"]) == (
        CHAT.key, "chat-prod", "gpt-4o", 33.33,
    )  # fmt: skip
    listed = api.get(f"/api/unit-costs?{PERIOD}")
    assert body["cost"] == next(d["cost"] for d in listed["deployments"] if d["key"] == CHAT.key)
    # 6.666.. a day toward 33.33: three cents to the first three days (equal remainders)
    assert [d["cost"] for d in body["days"]] == [6.67, 6.67, 6.67, 6.66, 6.66]
    day = body["days"][0]
    assert (day["inputTokens"], day["outputTokens"], day["requests"]) == (750, 100, 10)
    # the exact 6.666.. / 850 tokens x 1000 and / 10 requests, to 1e-8
    assert (day["costPer1kTokens"], day["costPerRequest"]) == (7.84313725, 0.66666667)


def test_a_day_without_usage_has_no_unit_costs_rather_than_zero(api: Api) -> None:
    body = api.get(f"/api/deployments/{SOLO.key.upper()}/daily?{PERIOD}")  # any case
    assert body["cost"] == 9.0
    assert [d["cost"] for d in body["days"]] == [3.0, 3.0, 3.0, 0.0, 0.0]
    assert body["days"][0]["costPer1kTokens"] == 30.0  # 3.00 / 100 tokens x 1000
    for day in body["days"][3:]:  # no Azure Monitor record on 4 and 5 Nov
        assert day["inputTokens"] is day["outputTokens"] is day["requests"] is None
        assert day["costPer1kTokens"] is day["costPerRequest"] is None


# --- GET /api/use-cases/{name}/daily --------------------------------------------------------


def test_a_use_cases_days_are_its_economics_days(api: Api) -> None:
    body = api.get(f"/api/use-cases/support-bot/daily?{PERIOD}")
    assert (body["useCase"], body["outcomeUnit"], body["cost"], body["outcomes"]) == (
        "support-bot", "resolved query", 33.33, None,
    )  # fmt: skip
    economics = api.get(f"/api/deployments/{CHAT.key}/daily?{PERIOD}")
    assert [d["cost"] for d in body["days"]] == [d["cost"] for d in economics["days"]]
    assert all(d["outcomes"] is None and d["costPerOutcome"] is None for d in body["days"])
    assert body["days"][0]["inputTokens"] == 750


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/api/daily", 400, "period"),
        ("/api/daily?period=2026-13", 400, "period"),
        ("/api/daily?period=2026-11&costType=blended", 400, "costType"),
        ("/api/daily?period=2026-11", 404, "period"),  # November is allocated in actual only
        ("/api/daily?period=2026-09&costType=actual", 404, "period"),  # nothing to publish
        ("/api/deployments/nope~nope~0000000000/daily?period=2026-11&costType=actual", 404,
         "deployment"),
        ("/api/deployments/x/daily?period=26-11", 400, "period"),
        ("/api/use-cases/nobody/daily?period=2026-11&costType=actual", 404, "useCase"),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_and_what_is_unknown_a_404_naming_the_field(
    api: Api, path: str, status: int, field: str
) -> None:
    assert_problem(api.send(path), status, field)


def test_the_routes_are_described_with_their_json_names(api: Api) -> None:
    spec = api.get("/api/openapi.json")
    for path in ("/api/periods", "/api/daily", "/api/deployments/{key}/daily",
                 "/api/use-cases/{name}/daily", "/api/dashboard"):  # fmt: skip
        assert "get" in spec["paths"][path], path
    day = spec["components"]["schemas"]["DeploymentDay"]["properties"]
    assert {"costPer1kTokens", "costPerRequest", "inputTokens"} <= set(day)
    responses = spec["paths"]["/api/daily"]["get"]["responses"]
    assert {"200", "400", "404", "503"} <= set(responses)


# --- the dashboard's files ------------------------------------------------------------------


def test_the_dashboard_serves_chart_js_for_good_and_no_other_file(api: Api) -> None:
    """The page and the files it loads: tests/functions/test_static_pages.py."""
    chart = api.send(f"/api/dashboard/{CHART_JS}")
    assert "Chart.js v4.6.1" in chart.text[:200] and "immutable" in chart.headers["cache-control"]
    assert_problem(api.send("/api/dashboard/..%2F..%2Fbootstrap.py"), 404, "asset")
    assert_problem(api.send("/api/dashboard/vendor/chart.js.LICENSE.md"), 404, "asset")
