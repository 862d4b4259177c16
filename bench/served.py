"""What the HTTP benchmarks run against: Azurite holding the demo's sample tenant (as `make demo`
leaves it: files collected, use cases and targets applied, telemetry and outcomes collected from
the local Log Analytics double, 2026-10 allocated), and `python -m shared.cli serve` on a free
loopback port over it, as a child process.

Everything is on loopback: Azurite, the logs double (HTTPS, its own CA, a static token) and the
served API. The child gets the Azurite connection string and `AZURE_TOKEN_CREDENTIALS` (as the
tests set it), so nothing could reach Azure even if a credential were built.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.demo.azurite import REPO_ROOT, die_with_parent
from shared.demo.sample_tenant import SampleTenant
from shared.entrypoints.cli.sample_pipeline import allocate_sample
from shared.settings import APIM_WORKSPACE_ID, LOGS_ENDPOINT, STORAGE

SERVE_START_TIMEOUT = 60.0


def load_demo(out: Path, connection_string: str) -> SampleTenant:
    """The demo's pipeline into the (empty) storage at `connection_string` (as `make demo`)."""
    tenant, _ = allocate_sample(out, connection_string)
    return tenant


@dataclass(frozen=True)
class Served:
    """A running `serve`: its base URL and the file its stderr goes to (while it runs)."""

    base_url: str
    stderr: Path

    def warnings(self) -> list[str]:
        """The lines the server wrote to stderr (warnings, tracebacks) so far."""
        return [line for line in self.stderr.read_text(errors="replace").splitlines() if line]


@contextlib.contextmanager
def serving(connection_string: str) -> Iterator[Served]:
    """`python -m shared.cli serve` over the storage at `connection_string` on a free loopback
    port, until the block ends (then SIGTERM, and SIGKILL after 10 s)."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            STORAGE: connection_string,
            "AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for name in ("COST_SCOPES", "EVENTGRID_TOPIC_ENDPOINT", LOGS_ENDPOINT, APIM_WORKSPACE_ID):
        env.pop(name, None)  # nothing configured that could point anywhere but loopback
    workdir = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    stderr = workdir / "serve.stderr"
    with stderr.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "shared.cli", "serve", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
            preexec_fn=die_with_parent(),
        )
    served = Served(f"http://127.0.0.1:{port}", stderr)
    try:
        _wait_healthy(process, served)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_healthy(process: subprocess.Popen[bytes], served: Served) -> None:
    deadline = time.monotonic() + SERVE_START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited early: {' / '.join(served.warnings()[-5:])}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{served.base_url}/api/health", timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise TimeoutError("serve did not answer /api/health in time")
        time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
