"""`python -m shared.cli demo` end to end: files -> Azurite -> queue -> allocation -> HTTP API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from shared.api.presenter import API_NAMES
from shared.core.costs import CostType
from shared.sample_tenant import SampleTenant, generate
from tests.e2e.expectation import expected_costs

ROOT = Path(__file__).resolve().parents[2]
CENT = Decimal("0.01")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, SampleTenant]]:
    out = tmp_path_factory.mktemp("tenant")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "shared.cli", "demo", "--out", str(out), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                pytest.fail("demo exited early:\n" + "".join(lines))
            lines.append(line)
            if "API served at" in line:
                break
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        # The generator is deterministic: the same tenant the demo collected, as ground truth.
        yield base, "".join(lines), generate(out / "truth")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout:
            proc.stdout.close()


def test_the_demo_prints_a_per_deployment_table_and_where_the_api_is(demo) -> None:
    _, output, _ = demo
    expected = ("chat-prod", "chat-test", "chat-ptu", "cost/1K tokens", "cost/request", "PTU idle",
                "Unallocated by reason", "account-level-charge", "no-matching-deployment",
                "no-usage", "unused-reservation", "2026-10 (amortized cost",
                "actual cost for 2026-10", "0 flagged", "API served at")  # fmt: skip
    for text in expected:
        assert text in output


@pytest.mark.parametrize("cost_type", [CostType.ACTUAL, CostType.AMORTIZED])
def test_the_api_matches_an_independent_expectation_to_the_cent(demo, cost_type) -> None:
    base, _, tenant = demo
    params = {"period": str(tenant.period), "costType": API_NAMES[cost_type]}
    body = httpx.get(f"{base}/api/unit-costs", params=params).json()
    assert body["costType"] == API_NAMES[cost_type]
    expected, unallocated = expected_costs(tenant, cost_type)
    got = {d["deploymentId"].lower(): Decimal(str(d["cost"])) for d in body["deployments"]}
    assert set(expected) <= set(got)
    for dep_id, cost in expected.items():
        assert abs(got[dep_id] - cost) <= CENT, dep_id
    assert abs(Decimal(str(body["unallocatedCost"])) - unallocated) <= CENT
    billed = Decimal(str(body["billedCost"]))
    assert billed == tenant.billed(cost_type).quantize(CENT)
    allocated, left = Decimal(str(body["allocatedCost"])), Decimal(str(body["unallocatedCost"]))
    assert allocated + left == billed
    assert sum(Decimal(str(d["cost"])) for d in body["deployments"]) == allocated


def test_showback_is_the_default_and_the_ptu_deployment_shows_used_and_idle(demo) -> None:
    base, _, tenant = demo
    body = httpx.get(f"{base}/api/unit-costs", params={"period": str(tenant.period)}).json()
    assert body["costType"] == "amortized" and body["status"] in ("open", "closed")
    ptu = next(d for d in body["deployments"] if d["deployment"] == "chat-ptu")
    assert ptu["provisionedCost"] == ptu["cost"] > 0
    used, idle = Decimal(str(ptu["provisionedUsedCost"])), Decimal(str(ptu["provisionedIdleCost"]))
    assert used > 0 and idle > 0
    assert abs(used + idle - Decimal(str(ptu["cost"]))) <= CENT
    reasons = {item["reason"] for item in body["unallocated"]}
    assert "unused-reservation" in reasons and "reservation-purchase" not in reasons
    params = {"period": str(tenant.period), "costType": "actual"}
    actual = httpx.get(f"{base}/api/unit-costs", params=params).json()
    assert "reservation-purchase" in {item["reason"] for item in actual["unallocated"]}


def test_the_api_reports_observed_tokens_and_unit_costs(demo) -> None:
    base, _, tenant = demo
    body = httpx.get(f"{base}/api/unit-costs", params={"period": str(tenant.period)}).json()
    prod = next(d for d in body["deployments"] if d["deployment"] == "chat-prod")
    usage = [u for u in tenant.usage if u.deployment == "chat-prod"]
    assert prod["inputTokens"] == sum(u.input_tokens for u in usage)
    assert prod["outputTokens"] == sum(u.output_tokens for u in usage)
    assert prod["requests"] == sum(u.requests for u in usage)
    per_1k = Decimal(str(prod["costPer1kTokens"]))
    exact = Decimal(str(prod["cost"])) * 1000 / (prod["inputTokens"] + prod["outputTokens"])
    assert abs(per_1k - exact) < Decimal("0.00001")
    one = httpx.get(f"{base}/api/deployments/{prod['key']}/unit-costs",
                    params={"period": str(tenant.period)}).json()  # fmt: skip
    assert one["deploymentId"] == prod["deploymentId"] and one["cost"] == prod["cost"]


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/api/unit-costs", {"period": "2026-13"}, 400, "period"),
        ("/api/unit-costs", {"period": "last month"}, 400, "period"),
        ("/api/unit-costs", {}, 400, "period"),
        ("/api/unit-costs", {"period": "2026-10", "costType": "blended"}, 400, "costType"),
        ("/api/unit-costs", {"period": "1999-01"}, 400, "period"),
        ("/api/unit-costs", {"period": "2030-01"}, 404, "period"),
        ("/api/deployments/nope~nope~0000000000/unit-costs", {"period": "2026-10"}, 404,
         "deployment"),
    ],
)  # fmt: skip
def test_bad_requests_get_a_problem_body_naming_the_field(
    demo, path, params, status, field
) -> None:
    base, _, _ = demo
    resp = httpx.get(f"{base}{path}", params=params)
    assert resp.status_code == status
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["field"] == field and "Traceback" not in resp.text
