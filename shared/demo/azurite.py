"""Start and stop Azurite (the npm package installed by `make`) on free loopback ports.

Azurite dies with its owner. `node_modules/.bin/azurite` is a symlink to a node script
(`#!/usr/bin/env node`), so the process started here is node itself (env execs it in place).
It runs in a process group of its own, which `Azurite.stop()` terminates as a whole; on Linux
it also gets a parent-death signal, so it stops even when its owner is SIGKILLed. Python's
default reaction to SIGTERM skips `finally` blocks: run code that owns an Azurite under
`sigterm_as_exit()` so that a SIGTERM unwinds it (and stops Azurite) like Ctrl-C does.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import FrameType

# Azurite's documented, public development account (not a secret).
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
REPO_ROOT = Path(__file__).resolve().parents[2]

# The exit status of a process stopped by SIGTERM after its cleanup ran (as 130 is for Ctrl-C).
SIGTERM_EXIT_CODE = 128 + signal.SIGTERM
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class Terminated(SystemExit):
    """Raised in the main thread by `sigterm_as_exit()` when the process receives SIGTERM."""

    def __init__(self, code: int = SIGTERM_EXIT_CODE) -> None:
        super().__init__(code)


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

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate Azurite's whole process group, wait, and kill what is left after `timeout`."""
        try:
            _stop_group(self.process, timeout)
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)


def azurite_binary(root: Path = REPO_ROOT) -> Path:
    binary = root / "node_modules" / ".bin" / "azurite"
    if not binary.exists():
        raise FileNotFoundError(f"{binary} is missing: run `make setup` (npm ci) first")
    return binary


def start_azurite(root: Path = REPO_ROOT, timeout: float = 30.0) -> Azurite:
    """Start an in-memory Azurite on three free loopback ports and wait until it listens.

    The caller owns it: call `stop()` (or use `running_azurite()`). Started from the main
    thread on Linux, it also receives SIGTERM when the calling process dies, however it dies.
    """
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
    try:
        with log.open("wb") as sink:
            process = subprocess.Popen(
                args,
                cwd=workdir,
                stdout=subprocess.DEVNULL,
                stderr=sink,
                start_new_session=True,
                preexec_fn=die_with_parent(),
            )
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    azurite = Azurite(process, workdir, blob, queue, table)
    try:
        deadline = time.monotonic() + timeout
        while not all(_listening(p) for p in (blob, queue, table)):
            if process.poll() is not None:
                err = log.read_text(errors="replace")
                raise RuntimeError(f"Azurite exited early: {err.strip()}")
            if time.monotonic() > deadline:
                raise TimeoutError("Azurite did not start listening in time")
            time.sleep(0.1)
    except BaseException:  # a failed start, Ctrl-C or SIGTERM: nothing may outlive us
        azurite.stop()
        raise
    return azurite


@contextlib.contextmanager
def running_azurite(root: Path = REPO_ROOT, timeout: float = 30.0) -> Iterator[Azurite]:
    """`start_azurite()` for the duration of a with-block, stopped however the block ends."""
    azurite = start_azurite(root, timeout)
    try:
        yield azurite
    finally:
        azurite.stop()


@contextlib.contextmanager
def sigterm_as_exit(
    exception: Callable[[], BaseException] = Terminated,
) -> Iterator[None]:
    """For the duration of the block, SIGTERM raises `exception()` in the main thread.

    The default, `Terminated`, is a `SystemExit` with status 143, so `finally` blocks and
    context managers run and the interpreter exits without a traceback; pass
    `KeyboardInterrupt` to make SIGTERM act as Ctrl-C does. A second SIGTERM, while the first
    one unwinds, gets the previous disposition (by default: the process dies at once; a child
    Azurite still stops thanks to its parent-death signal). The previous handler is restored
    when the block ends. Outside the main thread, where Python cannot handle signals, this does
    nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is None:  # installed outside Python: nothing we could restore
        previous = signal.SIG_DFL
    fired = False

    def handle(signum: int, frame: FrameType | None) -> None:
        nonlocal fired
        if fired:
            signal.signal(signal.SIGTERM, previous)
            signal.raise_signal(signal.SIGTERM)
            return
        fired = True
        raise exception()

    signal.signal(signal.SIGTERM, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A `preexec_fn` making the child receive `sig` when its parent dies (Linux), else None.

    Linux sends the signal when the *thread* that forked the child exits, so it is only set up
    from the main thread (whose end is the process's end).
    """
    prctl = _prctl()
    if prctl is None or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()

    def preexec() -> None:  # runs in the child, between fork and exec
        prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(128 + sig)

    return preexec


@cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl, resolved in the parent: a child must not load libraries after fork."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


def _stop_group(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM the group led by `process`, SIGKILL it after `timeout`, then reap the leader.

    The group is signalled only while the leader is unreaped (still holding its pid, so the
    group id cannot name anybody else); whatever of the group outlives the leader is killed.
    """
    if process.returncode is not None:
        return
    if not hasattr(os, "killpg"):  # no process groups (Windows)
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        return
    _signal_group(process.pid, signal.SIGTERM)
    if not _exited(process, timeout):
        _signal_group(process.pid, signal.SIGKILL)
        _exited(process, timeout)
    _signal_group(process.pid, signal.SIGKILL)  # the leader's children, if it left any
    process.wait(timeout)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _exited(process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait until `process` has exited, without reaping it where the platform allows that."""
    if not hasattr(os, "waitid"):
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            if os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                return True
        except ChildProcessError:  # reaped elsewhere
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


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
