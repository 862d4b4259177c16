"""The ordinary mistakes that used to erase or half-store a month, on the real adapters: each is
refused with one line naming the source, and the stored tables keep every byte and ETag."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient

from shared import cli
from shared.adapters.azure.credentials import make_credential
from shared.adapters.azure.monitor_metrics import MonitorUsageSource
from shared.bootstrap import (
    ALL_TABLES,
    build_allocation_requests,
    build_stores,
    live_collection,
)
from shared.core.costs import CostType
from shared.core.period import midnight_utc
from shared.core.reports import PeriodReport
from shared.demo.sample_tenant import SampleTenant
from shared.errors import SourceError
from shared.services.collectors import UsageCollector
from shared.settings import Settings
from tests.doubles.azure import AzureDouble
from tests.doubles.fixtures import RunningDouble
from tests.live_tenant import serve_tenant

pytestmark = pytest.mark.azurite
Tables = dict[str, dict[tuple[str, str], tuple[str, str | None]]]


def tables(conn: str) -> Tables:
    """Every entity of every table with its ETag: a rewrite shows even if nothing changed."""
    service = TableServiceClient.from_connection_string(conn)
    return {
        name: {
            (r["PartitionKey"], r["RowKey"]): (repr(sorted(r.items())), r.metadata["etag"])
            for r in service.get_table_client(name).list_entities()
        }
        for name in ALL_TABLES
    }


def window_args(tenant: SampleTenant) -> list[str]:
    last = tenant.period.end - timedelta(days=1)
    return ["--since", str(tenant.period.start), "--until", str(last)]


@pytest.fixture
def collected(
    tmp_path: Path,
    serve_azure: Callable[[AzureDouble], RunningDouble],
    monkeypatch: pytest.MonkeyPatch,
    storage_env: dict[str, str],
) -> tuple[SampleTenant, RunningDouble, str]:
    """The sample tenant collected live and allocated once."""
    tenant, running = serve_tenant(tmp_path, serve_azure, monkeypatch, page_size=400)
    assert cli.main(["collect", *window_args(tenant)]) == 0
    assert not build_allocation_requests(build_stores(Settings.from_env())).drain().poisoned
    return tenant, running, storage_env["AzureWebJobsStorage"]


def queued(conn: str) -> int:
    stores = build_stores(Settings.from_env({"AzureWebJobsStorage": conn}))
    return len(stores.queue.receive(max_messages=32, visibility_timeout=1))


def test_a_cost_source_answering_nothing_is_refused_and_erases_nothing(
    collected: tuple[SampleTenant, RunningDouble, str], capsys: pytest.CaptureFixture[str]
) -> None:
    tenant, running, conn = collected
    before = tables(conn)
    running.double.costs.costs = []  # Cost Management answers an empty month
    assert cli.main(["collect", *window_args(tenant)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert (
        len(err) == 1 and "costs (ActualCost) answered 0 rows for 2026-10-01..2026-10-31" in err[0]
    )
    assert "--allow-shrink" in err[0]
    assert tables(conn) == before
    assert queued(conn) == 0


def test_a_live_collection_without_cost_scopes_fails_at_start(
    collected: tuple[SampleTenant, RunningDouble, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tenant, _running, conn = collected
    before = tables(conn)
    monkeypatch.delenv("COST_SCOPES")
    assert cli.main(["collect", *window_args(tenant)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: setting COST_SCOPES: required for a live collection")
    assert "Traceback" not in err
    assert tables(conn) == before


def test_a_failing_metrics_api_stores_nothing_of_the_costs_or_the_inventory(
    collected: tuple[SampleTenant, RunningDouble, str],
) -> None:
    tenant, running, conn = collected
    before = tables(conn)
    restated = running.double.costs.costs[:-40]  # a collection that would change the month
    running.double.costs.costs = restated
    running.double.metrics.throttle_first_n = 10**6
    running.double.metrics.throttle_status = 503
    settings = Settings.from_env()
    stores = build_stores(settings)
    credential = make_credential()  # the environment points it at the double's Entra
    service = live_collection(settings, stores, credential)
    usage = next(c for c in service.collectors if isinstance(c, UsageCollector))
    usage.source = MonitorUsageSource(  # the same adapter, without waiting between retries
        credential, settings.metrics_endpoint, sleep=lambda _s: None, max_attempts=2
    )
    window = tenant.period.window
    with pytest.raises(SourceError):
        service.collect_all(window, midnight_utc(window.start))
    assert tables(conn) == before
    assert queued(conn) == 0


@pytest.mark.parametrize("mistake", ["mistyped folder", "header-only export"])
def test_file_collections_that_would_erase_the_month_are_refused(
    tmp_path: Path,
    storage_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    mistake: str,
) -> None:
    from shared.demo.sample_tenant import generate

    tenant = generate(tmp_path / "tenant")
    folder = tmp_path / "tenant"
    assert cli.main(["collect", *window_args(tenant), "--from-files", str(folder)]) == 0
    conn = storage_env["AzureWebJobsStorage"]
    assert not build_allocation_requests(build_stores(Settings.from_env())).drain().poisoned
    before = tables(conn)
    if mistake == "mistyped folder":
        target = tmp_path / "tennant"
    else:
        target = tmp_path / "emptied"
        shutil.copytree(folder, target)
        for export in (target / "costs").glob("*.csv*"):
            header = export.read_text(encoding="utf-8-sig").splitlines()[0]
            export.write_text(header + "\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["collect", *window_args(tenant), "--from-files", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert ("tennant" in err[0]) if mistake == "mistyped folder" else ("answered 0 rows" in err[0])
    assert tables(conn) == before
    assert queued(conn) == 0
    stores = build_stores(Settings.from_env())
    report = stores.results.report(tenant.period, CostType.ACTUAL)
    assert isinstance(report, PeriodReport) and report.billed > 0
