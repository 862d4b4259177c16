"""The what-if against the running demo: every non-provisioned deployment priced as its own
configuration reproduces its allocated cost within 1 % (allocation splits each token meter's
daily cost by the tokens it drives; the what-if prices those tokens at the tenant's effective
prices of the same lines)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from shared.core.inventory import SKU_TYPES
from shared.core.meters import Mode
from shared.demo.azurite import SIGTERM_EXIT_CODE
from shared.demo.sample_tenant import generate
from tests.e2e.test_demo import RunningDemo

PRICED = (Mode.STANDARD, Mode.BATCH)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    out = tmp_path_factory.mktemp("tenant")
    running = RunningDemo(out)
    try:
        running.wait_served()
        yield running.base, str(generate(out / "truth").period)
    finally:
        code = running.stop(signal.SIGTERM)
    assert code == SIGTERM_EXIT_CODE, running.output


def test_every_pay_as_you_go_deployment_reproduces_its_allocated_cost(
    demo: tuple[str, str],
) -> None:
    base, period = demo
    body = httpx.get(f"{base}/api/unit-costs", params={"period": period}, timeout=30).json()
    checked = 0
    for d in body["deployments"]:
        sku = SKU_TYPES.get(d["sku"].lower())
        if sku is None or sku[1] not in PRICED or not d["outputTokens"]:  # embeddings: none
            continue
        params = {"deployment": d["key"], "period": period, "model": d["model"]}
        response = httpx.get(f"{base}/api/what-if", params=params, timeout=30)
        assert response.status_code == 200, (d["deployment"], response.text)
        found = response.json()
        allocated, cost = Decimal(str(found["allocatedCost"])), Decimal(str(found["cost"]))
        assert abs(cost - allocated) <= allocated / 100 + Decimal("0.01"), (d["deployment"], found)
        checked += 1
    assert checked


# Findings whose saving is the allocated cost less their what-if's cost.
PRICED_AGAINST_ALLOCATED = {
    "idle-ptu", "ptu-cheaper", "regional-costlier", "batch-candidate", "cheaper-model",
}  # fmt: skip


def test_the_findings_are_ranked_and_each_what_if_prices_the_same_again(
    demo: tuple[str, str],
) -> None:
    base, period = demo
    response = httpx.get(f"{base}/api/insights", params={"period": period}, timeout=60)
    assert response.status_code == 200, response.text
    body = response.json()
    findings = body["findings"]
    assert findings and body["deploymentsExamined"] >= len({f["key"] for f in findings})
    savings = [Decimal(str(f["monthlySaving"])) for f in findings]
    assert savings == sorted(savings, reverse=True) and min(savings) >= 0
    assert [f["rank"] for f in findings] == list(range(1, len(findings) + 1))
    best: dict[str, Decimal] = {}
    for f, saving in zip(findings, savings, strict=True):
        best[f["key"]] = max(best.get(f["key"], Decimal(0)), saving)
        if f["whatIfUrl"] is None:
            continue
        again = httpx.get(f"{base}{f['whatIfUrl']}", timeout=30)
        assert again.status_code == 200, (f["type"], again.text)
        assert again.json()["cost"] == f["whatIf"]["cost"], f["type"]
        if f["type"] in PRICED_AGAINST_ALLOCATED:
            priced = f["whatIf"]
            delta = Decimal(str(priced["allocatedCost"])) - Decimal(str(priced["cost"]))
            assert abs(delta - saving) <= Decimal("0.01"), f
    assert Decimal(str(body["upperBoundMonthlySaving"])) == sum(best.values(), Decimal(0))
    assert {"batch-candidate", "regional-costlier"} <= {f["type"] for f in findings}
