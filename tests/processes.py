"""Processes seen through /proc (Linux), and a pytest plugin failing a session that leaks some.

The plugin (registered by tests/conftest.py, or `-p tests.processes`) makes pytest a child
subreaper, so whatever a test starts stays pytest's descendant even once its own parent has died
(an Azurite whose demo was SIGKILLed, say). When the session ends, after every fixture's
teardown, any live descendant that was not there at the start is reported, killed, and turns the
exit status into a failure. Without /proc (not Linux) the plugin does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

PROC = Path("/proc")
_PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>


@dataclass(frozen=True)
class Proc:
    """One process, as /proc/<pid>/stat shows it. `(pid, start)` identifies it across pid reuse."""

    pid: int
    ppid: int
    pgid: int
    state: str
    start: int  # clock ticks after boot

    @property
    def key(self) -> tuple[int, int]:
        return self.pid, self.start

    @property
    def alive(self) -> bool:
        return self.state not in ("Z", "X")  # zombies and the dead have stopped running


def supported() -> bool:
    return sys.platform.startswith("linux") and (PROC / "self" / "stat").exists()


def read(pid: int) -> Proc | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    fields = text[text.rindex(")") + 2 :].split()
    return Proc(pid, int(fields[1]), int(fields[2]), fields[0], int(fields[19]))


def table() -> list[Proc]:
    found = []
    for entry in os.scandir(PROC):
        if entry.name.isdigit() and (proc := read(int(entry.name))) is not None:
            found.append(proc)
    return found


def children(pid: int) -> list[Proc]:
    return [p for p in table() if p.ppid == pid]


def descendants(pid: int | None = None) -> list[Proc]:
    root = os.getpid() if pid is None else pid
    procs = table()
    by_parent: dict[int, list[Proc]] = {}
    for proc in procs:
        by_parent.setdefault(proc.ppid, []).append(proc)
    found, todo = [], [root]
    while todo:
        for child in by_parent.get(todo.pop(), []):
            found.append(child)
            todo.append(child.pid)
    return found


def group(pgid: int) -> list[Proc]:
    return [p for p in table() if p.pgid == pgid]


def is_running(proc: Proc) -> bool:
    """Whether that very process (not a later one with its pid) is still running."""
    now = read(proc.pid)
    return now is not None and now.start == proc.start and now.alive


def cmdline(pid: int) -> str:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip() or "?"


def reap(pids: Iterable[int]) -> None:
    """Collect the exit status of those of `pids` that are zombie children of this process."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)


def wait_until_gone(procs: Iterable[Proc], timeout: float) -> list[Proc]:
    """Wait up to `timeout` for `procs` to stop running (reaping our zombies); the survivors."""
    left = list(procs)
    deadline = time.monotonic() + timeout
    while True:
        reap(p.pid for p in left)
        left = [p for p in left if is_running(p)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def become_subreaper() -> bool:
    """Adopt the orphans among our descendants (Linux `PR_SET_CHILD_SUBREAPER`)."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    return prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


class LeakGuard:
    """Fails the session when a process it started outlives all its fixtures."""

    def __init__(self, grace: float = 5.0) -> None:
        self.grace = grace  # for processes that are exiting when the session ends
        self.baseline: set[tuple[int, int]] = set()
        self.leaked: list[tuple[Proc, str]] = []

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        become_subreaper()
        self.baseline = {p.key for p in descendants()}

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(
        self, session: pytest.Session, exitstatus: int
    ) -> Generator[None, object, object]:
        result = yield  # every other sessionfinish has run: session fixtures are torn down
        self.check(session)
        return result

    def check(self, session: pytest.Session) -> None:
        started = [p for p in descendants() if p.alive and p.key not in self.baseline]
        survivors = wait_until_gone(started, self.grace)
        if not survivors:
            return
        self.leaked = [(p, cmdline(p.pid)) for p in survivors]
        for proc in survivors:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(proc.pid, signal.SIGTERM)
        for proc in wait_until_gone(survivors, self.grace):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(proc.pid, signal.SIGKILL)
        wait_until_gone(survivors, self.grace)
        self.report(session)
        if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def report(self, session: pytest.Session) -> None:
        lines = [f"pid {p.pid} (parent {p.ppid}): {cmd}" for p, cmd in self.leaked]
        title = f"{len(lines)} process(es) started by the session outlived it (now killed)"
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            print(f"ERROR: {title}", *lines, sep="\n", file=sys.stderr)
            return
        reporter.write_line("")
        reporter.write_sep("=", f"ERROR: {title}", red=True, bold=True)
        for line in lines:
            reporter.write_line(line, red=True)


def pytest_configure(config: pytest.Config) -> None:
    """Registers the guard once (from `-p tests.processes` or a conftest calling this)."""
    if supported() and not config.pluginmanager.has_plugin("process-leak-guard"):
        config.pluginmanager.register(LeakGuard(), "process-leak-guard")
