"""The CLI against storage that is not there: one line on stderr and exit code 2, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from shared.demo.azurite import DEV_ACCOUNT, DEV_KEY

REPO_ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_allocate_with_storage_unreachable_says_so_in_one_line_and_exits_2() -> None:
    port = closed_port()
    endpoints = "".join(
        f"{kind}Endpoint=http://127.0.0.1:{port}/{DEV_ACCOUNT};"
        for kind in ("Blob", "Queue", "Table")
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AzureWebJobsStorage")}
    env["AzureWebJobsStorage"] = (
        f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};{endpoints}"
    )
    done = subprocess.run(
        [sys.executable, "-m", "shared.cli", "allocate", "--period", "2026-10"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"error: storage http://127.0.0.1:{port}/{DEV_ACCOUNT} unreachable (")
    assert "Connection refused" in line
    assert line.endswith("): start Azurite or check AzureWebJobsStorage")
    assert DEV_KEY not in line
    assert done.stdout == ""
