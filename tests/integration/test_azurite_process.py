"""Azurite's process dies with its owner; SIGTERM unwinds; a session leaking processes fails."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from shared.demo.azurite import (
    SIGTERM_EXIT_CODE,
    Terminated,
    die_with_parent,
    running_azurite,
    sigterm_as_exit,
)
from tests import processes

ROOT = Path(__file__).resolve().parents[2]
needs_proc = pytest.mark.skipif(not processes.supported(), reason="reads /proc (Linux)")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@needs_proc
def test_running_azurite_leads_its_own_group_and_leaves_nothing_behind() -> None:
    with running_azurite() as azurite:
        proc = processes.read(azurite.process.pid)
        assert (
            proc is not None and proc.pgid == proc.pid
        )  # a process group (and session) of its own
        assert os.getsid(proc.pid) == proc.pid
        ports = (azurite.blob_port, azurite.queue_port, azurite.table_port)
        assert all(_listening(port) for port in ports)
        workdir = azurite.workdir
    assert azurite.process.returncode is not None  # reaped by stop()
    assert not processes.is_running(proc)
    assert not [p for p in processes.group(proc.pid) if p.alive]
    assert not any(_listening(port) for port in ports)
    assert not workdir.exists()


@needs_proc
def test_running_azurite_is_stopped_when_the_block_raises() -> None:
    with pytest.raises(LookupError), running_azurite() as azurite:
        proc = processes.read(azurite.process.pid)
        raise LookupError("boom")
    assert proc is not None and not processes.is_running(proc)


def test_stop_is_idempotent() -> None:
    with running_azurite() as azurite:
        pass
    azurite.stop()  # an existing caller's explicit stop after the block
    assert azurite.process.returncode is not None


def test_sigterm_raises_a_system_exit_in_the_block_and_the_handler_is_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    cleaned = []
    with pytest.raises(Terminated) as raised, sigterm_as_exit():
        try:
            signal.raise_signal(signal.SIGTERM)
            for _ in range(10_000):  # the handler runs at the next bytecode boundary
                pass
        finally:
            cleaned.append(True)
    assert isinstance(raised.value, SystemExit) and raised.value.code == SIGTERM_EXIT_CODE
    assert cleaned == [True]
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigterm_can_act_as_ctrl_c() -> None:
    with pytest.raises(KeyboardInterrupt), sigterm_as_exit(KeyboardInterrupt):
        signal.raise_signal(signal.SIGTERM)
        for _ in range(10_000):
            pass


def test_a_second_sigterm_while_unwinding_gets_the_previous_handler() -> None:
    seen: list[int] = []

    def record(signum: int, frame: object) -> None:
        seen.append(signum)

    saved = signal.signal(signal.SIGTERM, record)
    try:
        with pytest.raises(Terminated), sigterm_as_exit():
            try:
                signal.raise_signal(signal.SIGTERM)
                for _ in range(10_000):
                    pass
            finally:
                signal.raise_signal(signal.SIGTERM)  # during cleanup: not a second Terminated
                for _ in range(10_000):
                    pass
        assert seen == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is record
    finally:
        signal.signal(signal.SIGTERM, saved)


def test_outside_the_main_thread_nothing_changes() -> None:
    before = signal.getsignal(signal.SIGTERM)
    seen: list[object] = []

    def worker() -> None:
        with sigterm_as_exit():
            seen.append(signal.getsignal(signal.SIGTERM))
        seen.append(die_with_parent())

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=10)
    assert seen == [before, None]


@needs_proc
def test_a_child_started_with_die_with_parent_gets_sigterm_when_its_parent_is_killed() -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import subprocess, sys, time
            from shared.demo.azurite import die_with_parent
            child = subprocess.Popen(["sleep", "120"], preexec_fn=die_with_parent())
            print(child.pid, flush=True)
            time.sleep(120)
        """)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert owner.stdout is not None
        child = processes.read(int(owner.stdout.readline()))
        assert child is not None and processes.is_running(child)
    finally:
        owner.kill()
        owner.wait(timeout=30)
        owner.stdout.close()  # type: ignore[union-attr]
    assert not processes.wait_until_gone([child], timeout=30)


# The session guard (tests/processes.py), run on a pytest session of its own.

_INNER_CONFTEST = """
from tests.processes import LeakGuard

# Starts its arguments as a process and exits without waiting for it: an orphan.
SPAWN = (
    "import subprocess as s, sys;"
    "print(s.Popen(sys.argv[1:], stdout=s.DEVNULL, stderr=s.DEVNULL).pid)"
)

def pytest_configure(config):
    config.pluginmanager.register(LeakGuard(grace=0.5), "process-leak-guard")
"""


def _inner_session(tmp_path: Path, test_source: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text(_INNER_CONFTEST)
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(test_source))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_inner.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


@needs_proc
def test_the_guard_fails_a_session_that_leaves_a_process_running_and_kills_it(
    tmp_path: Path,
) -> None:
    pid_file = tmp_path / "orphan.pid"
    result = _inner_session(tmp_path, f"""
        import subprocess, sys
        from conftest import SPAWN

        def test_leaves_an_orphan():
            # The intermediate exits at once: its `sleep` is an orphan, adopted by pytest.
            spawn = [sys.executable, "-c", SPAWN, "sleep", "120"]
            out = subprocess.run(spawn, capture_output=True, text=True)
            open({str(pid_file)!r}, "w").write(out.stdout)
    """)  # fmt: skip
    pid = int(pid_file.read_text())
    try:
        assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
        assert "1 passed" in result.stdout
        assert "outlived it" in result.stdout and "sleep 120" in result.stdout
        left = processes.read(pid)
        assert left is None or not left.alive
    finally:
        left = processes.read(pid)
        if left is not None and left.alive and processes.cmdline(pid) == "sleep 120":
            os.kill(pid, signal.SIGKILL)
            processes.wait_until_gone([left], timeout=30)


@needs_proc
def test_the_guard_ignores_reaped_children_zombies_and_orphans_that_ended(
    tmp_path: Path,
) -> None:
    result = _inner_session(tmp_path, """
        import os, subprocess, sys, time
        from conftest import SPAWN
        from tests import processes

        def test_children_that_ended():
            subprocess.run(["true"], check=True)  # started and reaped
            if os.fork() == 0:  # a zombie nobody reaps
                os._exit(0)
            spawn = [sys.executable, "-c", SPAWN, "true"]
            out = subprocess.run(spawn, capture_output=True, text=True)
            pid = int(out.stdout)  # adopted by pytest, which leaves it a zombie once it ends
            deadline = time.monotonic() + 30
            while (proc := processes.read(pid)) is not None and proc.alive:
                assert time.monotonic() < deadline
                time.sleep(0.01)
    """)  # fmt: skip
    assert result.returncode == pytest.ExitCode.OK, result.stdout + result.stderr
    assert "outlived" not in result.stdout + result.stderr
