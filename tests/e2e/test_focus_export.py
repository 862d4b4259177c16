"""The FOCUS 1.3 allocated export end to end on Azurite: the sample tenant's files collected, its
use cases applied and 2026-10 allocated through the CLI, then `export focus` (CLI) and
GET /api/exports/focus (the HTTP app over the same storage) give the same file, whose sums equal
the API's totals (GET /api/unit-costs billedCost / allocatedCost / unallocatedCost) to the cent
in both price bases, and the bill exactly. A stored line changed after the allocation makes the
export refuse (503, Retry-After) until the period is allocated again."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pytest

from shared import cli
from shared.bootstrap import Container
from shared.core.costs import CostType
from shared.core.money import money_context
from shared.core.rounding import RoundedTotals, round_amount
from shared.demo.sample_tenant import SampleTenant, generate
from shared.demo.sample_use_cases import write_use_cases
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import from_container
from shared.settings import Settings
from tests.asgi import send
from tests.e2e.test_refused_collections import window_args

pytestmark = pytest.mark.azurite


@dataclass(frozen=True)
class Allocated:
    tenant: SampleTenant
    period: str
    container: Container


@pytest.fixture
def allocated(tmp_path: Path, storage_env: dict[str, str]) -> Iterator[Allocated]:
    tenant = generate(tmp_path / "tenant")
    period = str(tenant.period)
    folder = str(tmp_path / "tenant")
    assert cli.main(["collect", *window_args(tenant), "--from-files", folder]) == 0
    assert cli.main(["apply", "--file", str(write_use_cases(tmp_path / "defs"))]) == 0
    assert cli.main(["allocate", "--period", period]) == 0
    yield Allocated(tenant, period, Container(Settings.from_env()))


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def totals(rows: list[dict[str, str]], metric: str) -> RoundedTotals:
    """The canonical rounded totals of the rows' exact sums, as the API rounds its own."""
    allocated = [Decimal(r[metric]) for r in rows if r["AllocatedResourceId"]]
    rest = [Decimal(r[metric]) for r in rows if not r["AllocatedResourceId"]]
    return RoundedTotals.of_parts(allocated, rest)


def test_the_cli_and_the_api_export_the_same_file_whose_sums_are_the_apis_totals(
    allocated: Allocated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "focus.csv"
    assert cli.main(["export", "focus", "--period", allocated.period, "--out", str(out)]) == 0
    assert f"{out}: " in capsys.readouterr().out and not out.with_name("focus.csv.partial").exists()
    app = create_api(from_container(lambda: allocated.container))
    response = send(app, "GET", f"/api/exports/focus?period={allocated.period}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="focus-1.3-allocated-{allocated.period}.csv"'
    )
    assert response.content == out.read_bytes()
    rows = read_csv(out.read_text(encoding="utf-8"))
    assert rows and any(r["x_UseCase"] for r in rows) and any(r["x_UseCaseCallers"] for r in rows)
    for metric, basis in (("BilledCost", "actual"), ("EffectiveCost", "amortized")):
        api = send(app, "GET", f"/api/unit-costs?period={allocated.period}&costType={basis}")
        assert api.status_code == 200, api.text
        body = api.json()
        shown = RoundedTotals(
            *(Decimal(str(body[k])) for k in ("billedCost", "allocatedCost", "unallocatedCost"))
        )
        assert totals(rows, metric) == shown, metric
        assert round_amount(sum((Decimal(r[metric]) for r in rows), Decimal(0))) == shown.billed
    # ... and the bill itself, exactly: the sample tenant's two exports.
    with money_context():
        for metric, lines in (
            ("BilledCost", allocated.tenant.cost_lines),
            ("EffectiveCost", allocated.tenant.amortized_lines),
        ):
            exact = sum((Decimal(r[metric]) for r in rows), Decimal(0))
            assert exact == sum((ln.cost for ln in lines), Decimal(0)), metric
    bases = {r["x_ChargeType"] for r in rows}
    assert {"Usage", "Purchase", "UnusedReservation"} <= bases


def test_a_bad_or_unallocated_period_is_a_problem_naming_period(allocated: Allocated) -> None:
    app = create_api(from_container(lambda: allocated.container))
    for query, status in (("period=2026-13", 400), ("", 400), ("period=2026-09", 404)):
        response = send(app, "GET", f"/api/exports/focus?{query}")
        assert response.status_code == status, (query, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["field"] == "period", response.json()


def test_a_line_restated_after_the_allocation_refuses_the_export_until_allocated_again(
    allocated: Allocated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    costs = allocated.container.stores.costs
    period = allocated.tenant.period
    lines = costs.lines_for(period, CostType.ACTUAL)
    first = lines[0]
    restated = [replace(first, cost=first.cost + Decimal("0.01")), *lines[1:]]
    assert costs.replace_window(period.window, CostType.ACTUAL, restated) == {period}
    app = create_api(from_container(lambda: allocated.container))
    response = send(app, "GET", f"/api/exports/focus?period={period}")
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] and "changed since" in response.json()["detail"]
    out = tmp_path / "stale.csv"
    assert cli.main(["export", "focus", "--period", str(period), "--out", str(out)]) != 0
    assert "changed since" in capsys.readouterr().err and not out.exists()
    assert cli.main(["allocate", "--period", str(period)]) == 0
    assert send(app, "GET", f"/api/exports/focus?period={period}").status_code == 200
