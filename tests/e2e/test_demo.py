"""`python -m shared.cli demo` end to end: files -> Azurite -> queue -> allocation -> HTTP API."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from shared.core.costs import CostType
from shared.demo.azurite import SIGTERM_EXIT_CODE, die_with_parent
from shared.demo.sample_tenant import SampleTenant, generate
from shared.entrypoints.http.presenter import API_NAMES
from tests import processes
from tests.e2e.expectation import expected_costs

ROOT = Path(__file__).resolve().parents[2]
CENT = Decimal("0.01")
Demo = tuple[str, str, SampleTenant]  # the API's base URL, the demo's output, the tenant's truth


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningDemo:
    """`python -m shared.cli demo` as a subprocess; its output is read as it comes."""

    def __init__(self, out: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shared.cli", "demo", "--out", str(out), "--port",
             str(self.port)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=die_with_parent(),  # a killed test run takes the demo (and Azurite) along
        )  # fmt: skip
        self.lines: list[str] = []
        self._served = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if "API served at" in line:
                self._served.set()
        self._served.set()  # end of output: wait_served() stops waiting either way

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_served(self, timeout: float = 120) -> None:
        if not self._served.wait(timeout) or "API served at" not in self.output:
            pytest.fail("the demo did not get to serving its API:\n" + self.output)
        for _ in range(100):
            try:
                if httpx.get(f"{self.base}/api/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail("the demo's API did not answer /api/health")

    def azurite(self) -> processes.Proc:
        """The Azurite the demo started: its child process running node_modules' azurite."""
        found = [
            p for p in processes.children(self.proc.pid) if "azurite" in processes.cmdline(p.pid)
        ]
        assert len(found) == 1, [processes.cmdline(p.pid) for p in found]
        return found[0]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int | None:
        """Send `sig` and wait for the exit status (None: it had to be killed)."""
        code: int | None = None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        if self.proc.stdout:
            self.proc.stdout.close()
        return code


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    out = tmp_path_factory.mktemp("tenant")
    running = RunningDemo(out)
    try:
        running.wait_served()
        # The generator is deterministic: the same tenant the demo collected, as ground truth.
        yield running.base, running.output, generate(out / "truth")
    finally:
        code = running.stop(signal.SIGTERM)
    assert code == SIGTERM_EXIT_CODE, running.output


def test_the_demo_prints_a_per_deployment_table_and_where_the_api_is(demo: Demo) -> None:
    _, output, _ = demo
    expected = ("chat-prod", "chat-test", "chat-ptu", "cost/1K tokens", "cost/request", "PTU idle",
                "Unallocated by reason", "account-level-charge", "no-matching-deployment",
                "no-usage", "unused-reservation", "2026-10 (amortized cost",
                "actual cost for 2026-10", "0 flagged", "API served at")  # fmt: skip
    for text in expected:
        assert text in output


@pytest.mark.parametrize("cost_type", [CostType.ACTUAL, CostType.AMORTIZED])
def test_the_api_matches_an_independent_expectation_to_the_cent(
    demo: Demo, cost_type: CostType
) -> None:
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


def test_showback_is_the_default_and_the_ptu_deployment_shows_used_and_idle(demo: Demo) -> None:
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


def test_the_api_reports_observed_tokens_and_unit_costs(demo: Demo) -> None:
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
    demo: Demo, path: str, params: dict[str, str], status: int, field: str
) -> None:
    base, _, _ = demo
    resp = httpx.get(f"{base}{path}", params=params)
    assert resp.status_code == status
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["field"] == field and "Traceback" not in resp.text


needs_proc = pytest.mark.skipif(not processes.supported(), reason="reads /proc (Linux)")


@needs_proc
def test_sigterm_stops_the_demo_cleanly_and_its_azurite_with_it(tmp_path: Path) -> None:
    running = RunningDemo(tmp_path / "tenant")
    try:
        running.wait_served()
        azurite = running.azurite()
        assert azurite.pgid == azurite.pid  # Azurite leads a process group of its own
    finally:
        code = running.stop(signal.SIGTERM)
    assert code == SIGTERM_EXIT_CODE, running.output  # exited after its cleanup, not killed
    assert "Traceback" not in running.output
    # The demo waited for Azurite before exiting: nothing of its process group is left.
    assert not processes.is_running(azurite)
    assert not [p for p in processes.group(azurite.pid) if p.alive]


@needs_proc
def test_a_sigkilled_demo_takes_its_azurite_down_all_the_same(tmp_path: Path) -> None:
    running = RunningDemo(tmp_path / "tenant")
    try:
        running.wait_served()
        azurite = running.azurite()
        workdir = Path(os.readlink(f"/proc/{azurite.pid}/cwd"))
    finally:
        code = running.stop(signal.SIGKILL)
    assert code == -signal.SIGKILL  # no cleanup ran in the demo
    try:
        # Only the parent-death signal stops Azurite now (the session adopts it as an orphan).
        assert not processes.wait_until_gone([azurite], timeout=30)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # what the demo's stop() would have removed
