"""The dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) over the
running demo (tests/e2e/test_demo.py `RunningDemo`: the sample tenant collected into Azurite,
allocated from the queue, the whole API served on 127.0.0.1): its charts hold the API's numbers
(read back from each Chart.js instance), its figures show them, a failed call is shown as an
error (never as 0), and a screenshot is saved as tests/artifacts/dashboard.png.

The browser (tests/e2e/browser.py) reaches loopback only: any other request is aborted and
fails the test."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, Route

from shared.demo.azurite import SIGTERM_EXIT_CODE
from tests.e2e.browser import TIMEOUT_MS, Browser, chromium, require_chromium, screenshot
from tests.e2e.test_demo import RunningDemo

KEY = "a-function-key"  # the local API takes any; the page must pass it on to every call
TOP_DEPLOYMENTS, TOP_FINDINGS = 5, 5


def open_dashboard(browser: Browser) -> Page:
    """The dashboard opened with the key, once it drew everything it fetched."""
    page = browser.open(f"/api/dashboard?code={KEY}")
    ready(page)
    return page


def ready(page: Page) -> None:
    """Wait until the page drew everything it fetched (a selector: the page's CSP forbids the
    eval that wait_for_function needs)."""
    page.locator("body[data-state=ready]").wait_for(timeout=TIMEOUT_MS)


def chart(page: Page, canvas: str) -> dict[str, Any]:
    """The labels and datasets of the Chart.js chart drawn on `canvas` (null: none drawn)."""
    found: dict[str, Any] = page.evaluate(
        """id => {
            const c = Chart.getChart(document.getElementById(id));
            return c ? {labels: c.data.labels, datasets: c.data.datasets.map(
                d => ({label: d.label, data: d.data}))} : null;
        }""",
        canvas,
    )
    return found


def path_is(path: str) -> Callable[[str], bool]:
    return lambda url: urlsplit(url).path == path


def series(found: dict[str, Any]) -> dict[str, list[Any]]:
    return {d["label"]: d["data"] for d in found["datasets"]}


def dollars(value: float) -> str:
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def exact(value: object) -> Decimal:
    return Decimal(str(value))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()  # before the demo's minute of collection and allocation
    running = RunningDemo(tmp_path_factory.mktemp("tenant"))
    try:
        running.wait_served()
        yield running.base
    finally:
        code = running.stop(signal.SIGTERM)
    assert code == SIGTERM_EXIT_CODE, running.output


@pytest.fixture(scope="module")
def browser(demo: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with chromium(tmp_path_factory.mktemp("chromium-profile"), demo) as found:
        yield found


class Api:
    """The API's JSON, as the test reads it itself."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=60)

    def get(self, path: str, **params: str) -> Any:
        response = self.client.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        return response.json()


@pytest.fixture(scope="module")
def api(demo: str) -> Iterator[Api]:
    found = Api(demo)
    yield found
    found.client.close()


def test_the_dashboard_charts_the_numbers_of_the_api(browser: Browser, api: Api) -> None:
    page = open_dashboard(browser)
    periods = api.get("/api/periods")["periods"]
    period = periods[0]["period"]  # the newest, picked by default; amortized by default
    basis = {p["costType"]: p for p in periods if p["period"] == period}
    assert set(basis) == {"actual", "amortized"}
    query = {"period": period, "costType": "amortized"}
    unit_costs = api.get("/api/unit-costs", **query)
    screenshot(page, "dashboard")

    assert page.locator("#period").input_value() == period
    assert page.locator("[data-basis=amortized]").get_attribute("aria-pressed") == "true"
    # The figures shown, and the totals of both price bases (the chart's two groups of bars)
    shown = basis["amortized"]
    for name in ("billed", "allocated", "unallocated"):
        assert page.locator(f"#kpi-{name}").inner_text() == dollars(shown[f"{name}Cost"])
    totals = chart(page, "chart-totals")
    assert totals["labels"] == ["Actual cost", "Amortized cost"]
    assert series(totals) == {
        label: [basis["actual"][field], basis["amortized"][field]]
        for label, field in (("Billed", "billedCost"), ("Allocated", "allocatedCost"),
                             ("Unallocated", "unallocatedCost"))
    }  # fmt: skip

    # Cost per deployment per day: the top five deployments' days, the others, the unallocated
    daily = api.get("/api/daily", **query)
    top = sorted((d for d in unit_costs["deployments"] if d["cost"] > 0),
                 key=lambda d: -d["cost"])[:TOP_DEPLOYMENTS]  # fmt: skip
    days = chart(page, "chart-daily")
    assert days["labels"] == [d["date"] for d in daily["days"]] and days["labels"]
    drawn = series(days)
    for dep in top:
        own = api.get(f"/api/deployments/{dep['key']}/daily", **query)
        assert drawn[dep["deployment"]] == [d["cost"] for d in own["days"]], dep["deployment"]
    assert drawn["Unallocated"] == [d["unallocatedCost"] for d in daily["days"]]
    (other,) = [label for label in drawn if label.startswith("Other deployments")]
    for i, day in enumerate(daily["days"]):  # every day's stack is its billed cost
        expected = exact(day["allocatedCost"]) - sum(exact(drawn[d["deployment"]][i]) for d in top)
        assert exact(drawn[other][i]) == expected, day["date"]

    # Unit costs per deployment (most expensive first; no tokens: no bar, labelled no data)
    unit = chart(page, "chart-unit")
    ranked = sorted(
        unit_costs["deployments"],
        key=lambda d: -(-1 if d["costPer1kTokens"] is None else d["costPer1kTokens"]),
    )
    assert unit["datasets"][0]["data"] == [d["costPer1kTokens"] for d in ranked]
    assert unit["labels"] == [
        d["deployment"] + (" (no data)" if d["costPer1kTokens"] is None else "") for d in ranked
    ]

    # PTU used vs idle
    ptu = series(chart(page, "chart-ptu"))
    provisioned = [d for d in unit_costs["deployments"] if d["provisionedCost"] > 0]
    assert provisioned
    assert ptu["Used"] == [d["provisionedUsedCost"] for d in provisioned]
    assert ptu["Idle"] == [d["provisionedIdleCost"] for d in provisioned]

    # The unallocated cost by reason, and the largest lines as text
    reasons: dict[str, Decimal] = {}
    for line in unit_costs["unallocated"]:
        reasons[line["reason"]] = reasons.get(line["reason"], Decimal(0)) + exact(line["cost"])
    unallocated = chart(page, "chart-unallocated")
    assert dict(zip(unallocated["labels"], map(exact, unallocated["datasets"][0]["data"]),
                    strict=True)) == reasons  # fmt: skip
    assert sum(reasons.values()) == exact(unit_costs["unallocatedCost"])
    largest = max(unit_costs["unallocated"], key=lambda line: line["cost"])
    assert dollars(largest["cost"]) in page.locator("#unallocated-lines").inner_text()

    # Cost per outcome of each live use case (a planned one has no cost yet)
    listed = api.get("/api/use-cases")["useCases"]
    live = [u["name"] for u in listed if u.get("status") != "planned"]
    outcomes = chart(page, "chart-use-cases")
    assert [label[0] for label in outcomes["labels"]] == live
    assert outcomes["datasets"][0]["data"] == [
        api.get(f"/api/use-cases/{name}/unit-costs", **query)["costPerOutcome"] for name in live
    ]

    # Each target's state for the period, and its observed value against its threshold
    targets = api.get("/api/targets")["targets"]
    assert targets
    for target in targets:
        status = api.get(f"/api/targets/{target['id']}/status")
        (evaluation,) = [p for p in status["periods"] if p["period"] == period]
        item = page.locator(f'[data-target="{target["id"]}"]')
        assert item.locator(".state").inner_text() == evaluation["state"]
        assert f"{evaluation['observed']} / {status['threshold']}" in item.inner_text()

    # The top findings' monthly savings
    insights = api.get("/api/insights", **query)
    found = chart(page, "chart-insights")
    assert found["datasets"][0]["data"] == [
        f["monthlySaving"] for f in insights["findings"][:TOP_FINDINGS]
    ]
    assert (
        dollars(insights["upperBoundMonthlySaving"]) in page.locator("#insights-sub").inner_text()
    )

    assert page.locator("#errors").is_hidden()
    assert browser.problems == [] and browser.blocked == []
    calls = [u for u in browser.requests if urlsplit(u).path.startswith("/api/")]
    assert len(calls) > 10
    assert all(parse_qs(urlsplit(u).query).get("code") == [KEY] for u in calls), calls
    page.close()


def test_the_price_basis_switch_redraws_the_period_in_actual_cost(
    browser: Browser, api: Api
) -> None:
    page = open_dashboard(browser)
    period = page.locator("#period").input_value()
    page.locator("[data-basis=actual]").click()
    ready(page)
    assert "costType=actual" in page.url and f"period={period}" in page.url
    unit_costs = api.get("/api/unit-costs", period=period, costType="actual")
    assert page.locator("#kpi-billed").inner_text() == dollars(unit_costs["billedCost"])
    assert page.locator("#kpi-unallocated").inner_text() == dollars(unit_costs["unallocatedCost"])
    # Actual cost: the reservation's purchase stays unallocated (amortized: spread, unused part)
    labels = chart(page, "chart-unallocated")["labels"]
    assert "reservation-purchase" in labels
    daily = api.get("/api/daily", period=period, costType="actual")
    drawn = series(chart(page, "chart-daily"))
    assert drawn["Unallocated"] == [d["unallocatedCost"] for d in daily["days"]]
    assert browser.problems == [] and browser.blocked == []
    page.close()


def test_a_failed_call_is_shown_as_an_error_and_missing_data_as_no_data(browser: Browser) -> None:
    """The insights answer 503 and the tenant's days 404: the banner names the failure, the
    insights card has no chart, the daily card says no data; the other cards are drawn."""

    def unavailable(route: Route) -> None:
        route.fulfill(
            status=503, content_type="application/problem+json",
            body='{"type": "about:blank", "title": "Service unavailable", "status": 503, '
            '"detail": "storage unavailable"}',
        )  # fmt: skip

    def missing(route: Route) -> None:
        route.fulfill(
            status=404, content_type="application/problem+json",
            body='{"title": "Not found", "status": 404, "detail": "period not found: 2026-10",'
            ' "field": "period"}',
        )  # fmt: skip

    insights, daily = path_is("/api/insights"), path_is("/api/daily")
    browser.context.route(insights, unavailable)
    browser.context.route(daily, missing)
    try:
        page = open_dashboard(browser)
        banner = page.locator("#errors")
        assert banner.is_visible()
        assert "GET /api/insights: 503 storage unavailable" in banner.inner_text()
        assert chart(page, "chart-insights") is None
        insights_note = page.locator('[data-note="insights"]')
        assert "Could not load" in insights_note.inner_text()
        assert "error" in (insights_note.get_attribute("class") or "")
        assert chart(page, "chart-daily") is None
        assert "No data" in page.locator('[data-note="daily"]').inner_text()
        assert chart(page, "chart-unit") is not None  # the other cards still show
        page.close()
    finally:
        browser.context.unroute(insights, unavailable)
        browser.context.unroute(daily, missing)
    # the browser logs the two failed loads; nothing else went wrong
    assert all("status of 503" in p or "status of 404" in p for p in browser.problems)
    browser.problems.clear()
