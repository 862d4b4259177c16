"""Start and stop Azurite (the npm package installed by `make`) on free loopback ports."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Azurite's documented, public development account (not a secret).
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Azurite:
    process: subprocess.Popen[bytes]
    workdir: Path
    blob_port: int
    queue_port: int
    table_port: int

    @property
    def connection_string(self) -> str:
        host = "http://127.0.0.1"
        return (
            f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
            f"BlobEndpoint={host}:{self.blob_port}/{DEV_ACCOUNT};"
            f"QueueEndpoint={host}:{self.queue_port}/{DEV_ACCOUNT};"
            f"TableEndpoint={host}:{self.table_port}/{DEV_ACCOUNT};"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)


def azurite_binary(root: Path = REPO_ROOT) -> Path:
    binary = root / "node_modules" / ".bin" / "azurite"
    if not binary.exists():
        raise FileNotFoundError(f"{binary} is missing: run `make setup` (npm ci) first")
    return binary


def start_azurite(root: Path = REPO_ROOT, timeout: float = 30.0) -> Azurite:
    """Start an in-memory Azurite on three free loopback ports and wait until it listens."""
    blob, queue, table = _free_ports(3)
    workdir = Path(tempfile.mkdtemp(prefix="azurite-"))
    args = [
        str(azurite_binary(root)),
        "--silent",
        "--inMemoryPersistence",
        "--disableTelemetry",
        "--skipApiVersionCheck",
        "--loose",
        "--blobHost", "127.0.0.1", "--blobPort", str(blob),
        "--queueHost", "127.0.0.1", "--queuePort", str(queue),
        "--tableHost", "127.0.0.1", "--tablePort", str(table),
    ]  # fmt: skip
    log = workdir / "azurite.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(args, cwd=workdir, stdout=subprocess.DEVNULL, stderr=sink)
    azurite = Azurite(process, workdir, blob, queue, table)
    deadline = time.monotonic() + timeout
    while not all(_listening(p) for p in (blob, queue, table)):
        if process.poll() is not None:
            err = log.read_text(errors="replace")
            azurite.stop()
            raise RuntimeError(f"Azurite exited early: {err.strip()}")
        if time.monotonic() > deadline:
            azurite.stop()
            raise TimeoutError("Azurite did not start listening in time")
        time.sleep(0.1)
    return azurite


def _free_ports(count: int) -> list[int]:
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0
