"""`backfill` end to end on Azurite over two months of the sample tenant's files (one subfolder
per period): a run that fails on the second period, or is stopped by a real Ctrl-C, keeps the
first, and the rerun skips it (its stored rows untouched) and does the second; then `report` in
its three formats against the allocated period, each figure as the API serves it. And one live
backfill through the real SDK clients against the HTTPS Azure double, not queried again when
done."""

from __future__ import annotations

import csv
import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import IO, TypeVar

import pytest

from shared import cli
from shared.bootstrap import build_stores
from shared.core.backfill import BackfillResult
from shared.core.period import BillingPeriod
from shared.core.views import PeriodQuery
from shared.demo.sample_tenant import SampleTenant, generate
from shared.demo.sample_use_cases import write_use_cases
from shared.entrypoints.cli.composition import container
from shared.entrypoints.cli.report_rich import money
from shared.entrypoints.http.economics_presenter import showback_json
from shared.entrypoints.http.presenter import unit_costs_json
from shared.settings import Settings
from tests.doubles.azure import AzureDouble
from tests.doubles.fixtures import RunningDouble
from tests.e2e.test_refused_collections import tables
from tests.live_tenant import serve_tenant

pytestmark = pytest.mark.azurite
REPO_ROOT = Path(__file__).resolve().parents[2]
SEP, OCT = BillingPeriod(2026, 9), BillingPeriod(2026, 10)  # both closed: final once collected
BACKFILL = ["backfill", "--from", "2026-09", "--to", "2026-10"]


def backfill_from(folder: Path) -> list[str]:
    return [*BACKFILL, "--from-files", str(folder)]


def september_rows(conn: str) -> dict[str, object]:
    """September's stored inputs, with their ETags: a rewrite shows."""
    stored = tables(conn)
    return {
        name: {key: row for key, row in stored[name].items() if key[0].startswith("2026-09")}
        for name in ("costs", "usage", "inputs")
    }


def test_a_backfill_stopped_by_a_failing_period_resumes_and_its_period_reports(
    tmp_path: Path, storage_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    exports = tmp_path / "exports"
    generate(exports / "2026-09", SEP)
    (exports / "2026-10").mkdir()  # October's files are not there yet: its cost exports fail

    assert cli.main(backfill_from(exports)) == 2
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == (
        f"backfill 2026-09..2026-10 from files in {exports}: 2 periods, 2 to collect, "
        "0 to allocate again, 0 done"
    )
    assert lines[1].startswith("[1/2] 2026-09 collected and allocated (not backfilled yet): ")
    assert "ActualCost published, AmortizedCost published" in lines[1]
    assert lines[2] == "[2/2] 2026-10 failed (not backfilled yet)"
    [error] = err.splitlines()
    assert error.startswith(f"error: 2026-10: {exports / '2026-10' / 'costs'}: no such folder")
    assert error.endswith(
        "1 period finished kept: fix this and run the same command again to resume: "
        "finished periods are skipped"
    )
    conn = storage_env["AzureWebJobsStorage"]
    kept = september_rows(conn)
    assert kept["costs"] and kept["usage"]

    october = generate(exports / "2026-10", OCT)
    assert cli.main(backfill_from(exports)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("2 periods, 1 to collect, 0 to allocate again, 1 done")
    assert lines[1].startswith("[1/2] 2026-09 skipped: done: collected ")
    assert lines[2].startswith("[2/2] 2026-10 collected and allocated (not backfilled yet): ")
    # October's listing is another inventory snapshot, an input of every period: September's
    # allocation is redone from what is stored, in the same run, without reading a source.
    assert lines[3] == "1 period to allocate again, done earlier in this run: 2026-09"
    assert lines[4].startswith("[3/3] 2026-09 allocated again (its inputs changed during this")
    assert lines[5] == "backfill done: 1 collected and allocated, 1 allocated again, 1 skipped"
    assert september_rows(conn) == kept  # September's inputs were not read or written again
    records = build_stores(Settings.from_env()).backfill.records()
    assert sorted(records) == [SEP, OCT]
    assert {r.result for r in records.values()} == {BackfillResult.ALLOCATED}
    assert records[OCT].cost_lines == len(october.cost_lines) + len(october.amortized_lines)

    assert cli.main(backfill_from(exports)) == 0  # nothing left: both skipped
    assert capsys.readouterr().out.splitlines()[-1] == (
        "backfill done: 0 collected and allocated, 0 allocated again, 2 skipped"
    )
    check_reports(october, tmp_path, capsys)


def check_reports(tenant: SampleTenant, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`report` on the allocated October in each format, against the API's own view."""
    query = PeriodQuery(tenant.period)
    served = unit_costs_json(container().views.unit_costs(query))
    period = ["--period", str(tenant.period)]

    assert cli.main(["report", *period]) == 0
    shown = capsys.readouterr().out
    view = container().views.unit_costs(query)
    for dep in view.deployments:
        [line] = [ln for ln in shown.splitlines() if f" {dep.deployment} " in ln]
        assert f" {money(dep.cost)} " in f"{line} "
    assert f"billed {money(view.totals.billed, view.currency)} = " in shown

    assert cli.main(["report", *period, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == served

    assert cli.main(["report", *period, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    deployments = [r for r in rows if r["row"] == "deployment"]
    assert [r["key"] for r in deployments] == [d["key"] for d in served["deployments"]]  # type: ignore[attr-defined]
    assert sum(Decimal(r["cost"]) for r in rows) == Decimal(str(served["billedCost"]))

    assert cli.main(["apply", "--file", str(write_use_cases(tmp_path / "defs"))]) == 0
    capsys.readouterr()
    owners = showback_json(container().economics.showback(query, "owner"))
    assert cli.main(["report", *period, "--by", "owner", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == owners
    assert cli.main(["report", "--showback", "owner", *period, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == owners  # the documented form, same body
    assert cli.main(["report", *period, "--by", "owner"]) == 0
    shown = capsys.readouterr().out
    for group in owners["groups"]:  # type: ignore[attr-defined]
        assert group["name"] in shown and f"{Decimal(str(group['cost'])):,.2f}" in shown
    assert cli.main(["report", *period, "--by", "use-case", "--format", "csv"]) == 0
    names = [r["useCase"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out))]
    assert names and set(names) <= {g["name"] for g in showback_json(
        container().economics.showback(query, "useCase"))["groups"]}  # type: ignore[attr-defined]  # fmt: skip


def test_a_backfill_stopped_by_ctrl_c_exits_130_and_the_rerun_resumes(
    tmp_path: Path, storage_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    exports = tmp_path / "exports"
    generate(exports / "2026-09", SEP)
    october = generate(exports / "2026-10", OCT)
    metrics = october.metrics_files[0]
    saved = metrics.read_bytes()
    metrics.unlink()
    os.mkfifo(metrics)  # October's usage is read from a pipe the test holds: Ctrl-C lands there

    with subprocess.Popen(
        [sys.executable, "-m", "shared.cli", *backfill_from(exports)],
        cwd=REPO_ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as run:
        assert run.stdout is not None and run.stderr is not None
        output = LineReader(run.stdout)
        try:
            seen = [output.next() for _ in range(2)]
            assert seen[1].startswith("[1/2] 2026-09 collected and allocated"), seen
            writer = opened_by_a_reader(metrics)  # October's collection is reading it now
            try:
                # The first asks to stop after October...
                asked = interrupt_until(run, lambda: output.next(timeout=5.0))
                assert (
                    asked.strip() == "stopping after the period at work (Ctrl-C again to stop now)"
                )
                # ...which waits on its usage: the second stops it.
                assert interrupt_until(run, lambda: run.wait(timeout=5.0)) == 130
            finally:
                os.close(writer)
            err = run.stderr.read()
        finally:
            if run.poll() is None:
                run.kill()
    assert err.splitlines() == [
        "interrupted at 2026-10: 1 period of 2 finished; run the same command again to resume: "
        "finished periods are skipped"
    ]

    metrics.unlink()
    metrics.write_bytes(saved)
    assert cli.main(backfill_from(exports)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("[1/2] 2026-09 skipped: done: collected ")
    assert lines[2].startswith("[2/2] 2026-10 collected and allocated")
    assert sorted(build_stores(Settings.from_env()).backfill.records()) == [SEP, OCT]


def test_a_live_backfill_collects_from_azure_through_the_real_sdk_clients(
    tmp_path: Path,
    serve_azure: Callable[[AzureDouble], RunningDouble],
    monkeypatch: pytest.MonkeyPatch,
    storage_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    tenant, running = serve_tenant(tmp_path, serve_azure, monkeypatch, page_size=400)
    assert cli.main(["backfill", "--from", "2026-10", "--to", "2026-10"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "backfill 2026-10..2026-10 from Azure: 1 period, 1 to collect, 0 to allocate again, 0 done"
    )
    assert lines[1].startswith("[1/1] 2026-10 collected and allocated (not backfilled yet): ")
    queried = [q.json()["type"] for q in running.double.cost_queries()]
    assert sorted(set(queried)) == ["ActualCost", "AmortizedCost"]
    report = container().views.unit_costs(PeriodQuery(tenant.period))
    assert report.totals.billed > 0

    assert cli.main(["backfill", "--from", "2026-10", "--to", "2026-10"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("[1/1] 2026-10 skipped: done: ")
    assert len(running.double.cost_queries()) == len(queried)  # no query spent on it again


T = TypeVar("T")


class LineReader:
    """The lines of a child's output, each awaited with a timeout (a bare `readline` would wait
    for ever on a child that never writes)."""

    def __init__(self, stream: IO[str]) -> None:
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        try:
            for line in stream:
                self._lines.put(line)
        except (OSError, ValueError):  # closed under it once the child is gone
            return

    def next(self, timeout: float = 60.0) -> str:
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no line from the child in {timeout} s") from None


def interrupt_until(run: subprocess.Popen[str], answer: Callable[[], T], tries: int = 12) -> T:
    """SIGINT to `run`, again every time `answer` times out, until it answers.

    A signal that lands after the child's last check for signals and before it blocks in
    `read()` runs its Python handler only once that read returns; here it never would (the
    pipe stays silent). Sending it again interrupts the read, and the two run the handler
    once, so a repeat is never taken for a second Ctrl-C."""
    for _ in range(tries):
        run.send_signal(signal.SIGINT)
        try:
            return answer()
        except (TimeoutError, subprocess.TimeoutExpired):
            continue
    raise AssertionError(f"the child did not answer {tries} SIGINTs")


def opened_by_a_reader(fifo: Path, timeout: float = 60) -> int:
    """The write end of `fifo`, once a reader has opened it (it then blocks reading: nothing is
    written until the write end closes)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no reader yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_bad_arguments_are_one_line_without_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "shared.cli", *BACKFILL[:3], "--to", "2026-13"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: argument --to: month must be 01..12, got '2026-13' "
        "(usage: python -m shared.cli backfill --help)"
    ]
    assert done.stdout == ""


def test_a_missing_folder_or_setting_fails_before_any_period(
    tmp_path: Path,
    storage_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(backfill_from(tmp_path / "nowhere")) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"error: --from-files: {tmp_path / 'nowhere'} is not a folder of "
                              "export files\n")  # fmt: skip
    monkeypatch.delenv("COST_SCOPES", raising=False)
    assert cli.main(BACKFILL) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(
        "error: setting COST_SCOPES: required for a live collection"
    )
