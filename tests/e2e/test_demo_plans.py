"""The demo's plans against the running demo: the planned contract-review assistant priced and
ranked from the definitions file's plan and the sample tenant's prices (written again here from
the plan's numbers: the traffic rule, docs/use-cases.md#planned-use-cases), and the live support
bot's planned vs actual beside its own unit costs."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shared.core.money import money_context
from shared.core.period import BillingPeriod
from shared.demo.azurite import SIGTERM_EXIT_CODE
from shared.demo.sample_tenant import generate
from shared.demo.sample_tenant_catalogue import METERS
from shared.demo.sample_use_cases import CONTRACT_REVIEW, SUPPORT_BOT, contract_review_plan
from tests.asgi import money
from tests.e2e.test_demo import RunningDemo

# gpt-4o-mini 2024-07-18 GlobalStandard in eastus2: the tenant pays its effective prices.
MINI_INPUT, MINI_CACHED, MINI_OUTPUT = (
    METERS["d11e204d-d190-546c-9927-f9887ce16ed2"],
    METERS["f4b6c31e-baf4-5fbe-b3e1-c6bf31f1a3df"],
    METERS["5ed304ac-5888-55fb-baa2-8780d3698f81"],
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    out = tmp_path_factory.mktemp("tenant")
    running = RunningDemo(out)
    try:
        running.wait_served()
        yield running.base, str(generate(out / "truth").period), running.output
    finally:
        code = running.stop(signal.SIGTERM)
    assert code == SIGTERM_EXIT_CODE, running.output


def get(base: str, path: str, **params: str) -> Any:
    response = httpx.get(f"{base}{path}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_planned_use_case_is_priced_and_ranked_from_its_plan(
    demo: tuple[str, str, str],
) -> None:
    base, period, output = demo
    body = get(base, f"/api/use-cases/{CONTRACT_REVIEW}/plan", period=period)
    assert body["status"] == "planned" and body["plannedVsActual"] is None
    plan = contract_review_plan()
    weights = [Decimal(w) for w in plan["weekdayShape"]]
    start = BillingPeriod.parse(period).start  # the traffic rule, day by day over the period
    days = [d for d in (start + timedelta(n) for n in range(31)) if d.month == start.month]
    outcomes = sum(plan["outcomesPerDay"] * 7 * weights[d.weekday()] / sum(weights) for d in days)
    requests = outcomes * plan["requestsPerOutcome"]
    traffic = body["traffic"]
    assert money(traffic["outcomes"]) == outcomes and traffic["requests"] == requests
    assert traffic["inputTokens"] == requests * plan["inputTokensPerRequest"]
    cached = requests * plan["cachedInputTokensPerRequest"]
    output_tokens = requests * plan["outputTokensPerRequest"]
    assert (traffic["cachedInputTokens"], traffic["outputTokens"]) == (cached, output_tokens)
    priced = [c for c in body["candidates"] if c["priced"]]
    per_outcome = [money(c["costPerOutcome"]) for c in priced]
    assert per_outcome == sorted(per_outcome) and len(priced) == 4
    [unpriced] = [c for c in body["candidates"] if not c["priced"]]
    assert unpriced["rank"] == 5 and unpriced["candidate"] == "gpt-4o 2024-11-20 DataZoneBatch"
    assert unpriced["field"] and unpriced["reason"] and unpriced["cost"] is None
    best = priced[0]
    assert best["candidate"] == "gpt-4o-mini 2024-07-18 GlobalStandard"
    with money_context():
        uncached = traffic["inputTokens"] - cached
        expected = (
            uncached * MINI_INPUT.effective_price / MINI_INPUT.block
            + cached * MINI_CACHED.effective_price / MINI_CACHED.block
            + output_tokens * MINI_OUTPUT.effective_price / MINI_OUTPUT.block
        )
    assert abs(money(best["cost"]) - expected) <= Decimal("0.005")
    ptu = next(c for c in priced if c["configuration"]["ptu"] == 15)
    assert money(ptu["cost"]) == 15 * 260  # a month's reservation, list price
    assert f"Plan of use case {CONTRACT_REVIEW} (planned; legal-platform, CC-3310)" in output
    assert "unpriced (sku): no input token price for gpt-4o data-zone batch" in output
    response = httpx.get(f"{base}/api/use-cases/{CONTRACT_REVIEW}/unit-costs",
                         params={"period": period}, timeout=30)  # fmt: skip
    assert response.status_code == 409 and response.json()["field"] == "useCase"


def test_the_live_support_bot_shows_planned_vs_actual(demo: tuple[str, str, str]) -> None:
    base, period, output = demo
    body = get(base, f"/api/use-cases/{SUPPORT_BOT}/plan", period=period)
    economics = get(base, f"/api/use-cases/{SUPPORT_BOT}/unit-costs", period=period)
    compared = body["plannedVsActual"]
    assert compared is not None and compared["days"] == len(economics["daily"])
    rows = {r["measure"]: r for r in compared["measures"]}
    assert money(rows["cost"]["actual"]) == money(economics["cost"])
    assert rows["outcomes"]["actual"] == economics["outcomes"]
    assert rows["requests"]["actual"] == economics["requests"]
    assert money(rows["costPerOutcome"]["actual"]) == money(economics["costPerOutcome"])
    assert money(rows["cost"]["delta"]) == money(rows["cost"]["actual"]) - money(
        rows["cost"]["planned"]
    )
    assert compared["candidate"] == body["candidates"][0]["candidate"]
    assert f"Plan of use case {SUPPORT_BOT} (live;" in output
    assert "Planned vs actual, 2026-10-01 to 2026-10-31" in output
    showback = get(base, "/api/showback", period=period, by="useCase")
    assert CONTRACT_REVIEW not in {g["name"] for g in showback["groups"]}
