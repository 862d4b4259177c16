"""The `runs` table on Azurite and in memory (the same semantics), and the health route over it:
a run's records as the collection service writes them, read back whole."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from azure.data.tables import TableServiceClient

from shared.adapters.storage.run_records_table import TABLE, RunRecordsTable
from shared.adapters.storage.table_gateway import AzureTableGateway, TableGateway
from shared.core.run_records import RunStatus, failed, started, succeeded
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import ApiParts
from shared.errors import InvalidInput, StorageUnavailable
from shared.services.health import HealthService
from shared.services.views import ViewService
from tests.fakes import MemoryTableGateway

T0 = datetime(2026, 11, 20, 6, 5, 1, 250000, tzinfo=UTC)

pytestmark = pytest.mark.azurite


@pytest.fixture
def gateways(storage_env: dict[str, str]) -> list[TableGateway]:
    service = TableServiceClient.from_connection_string(storage_env["AzureWebJobsStorage"])
    found: list[TableGateway] = [AzureTableGateway(service), MemoryTableGateway()]
    for gateway in found:
        gateway.ensure([TABLE])
    return found


def test_a_task_record_is_replaced_by_each_write_and_read_back_whole(
    gateways: list[TableGateway],
) -> None:
    for gateway in gateways:
        table = RunRecordsTable(gateway)
        first = succeeded(started("costs", T0, None), T0 + timedelta(seconds=9), {"cost lines": 12})
        table.save(first)
        running = started("costs", T0 + timedelta(hours=4), table.get("costs"))
        table.save(running)
        assert table.get("costs") == running  # replaced, the last success kept
        assert running.last_success == first.last_success and running.finished_at is None
        broken = failed(running, T0 + timedelta(hours=4, seconds=3), "SourceError: HTTP 503")
        table.save(broken)
        table.save(succeeded(started("usage", T0, None), T0 + timedelta(seconds=2), {}))

        assert [r.task for r in table.all()] == ["costs", "usage"]
        assert table.all()[0] == broken and broken.status is RunStatus.FAILED
        assert table.get("telemetry") is None


def test_an_unreadable_row_is_a_clear_error(gateways: list[TableGateway]) -> None:
    for gateway in gateways:
        gateway.write(TABLE, [{"PartitionKey": "task", "RowKey": "costs", "Status": "??"}], [])
        with pytest.raises(InvalidInput, match="runs row 'costs'"):
            RunRecordsTable(gateway).all()


def served_health(service: HealthService | None) -> httpx.Response:
    views = ViewService(None)  # type: ignore[arg-type]  # the health route reads no view
    app = create_api(ApiParts(views=lambda: views, health=(lambda: service) if service else None))
    transport = httpx.ASGITransport(app=app)

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/api/health")

    return asyncio.run(get())


def test_the_health_route_names_the_stale_sources_from_the_stored_records(
    gateways: list[TableGateway],
) -> None:
    table = RunRecordsTable(gateways[0])
    table.save(succeeded(started("costs", T0, None), T0 + timedelta(seconds=9), {"cost lines": 1}))
    old = succeeded(started("usage", T0 - timedelta(days=3), None), T0 - timedelta(days=3), {})
    table.save(old)
    service = HealthService(table, timedelta(hours=24), clock=lambda: T0 + timedelta(hours=1))

    body = served_health(service).json()

    assert body["status"] == "ok" and body["staleAfterHours"] == 24
    assert body["stale"] == ["inventory", "telemetry", "usage"]
    costs = next(s for s in body["sources"] if s["source"] == "costs")
    assert costs["status"] == "succeeded" and costs["lastSuccess"].startswith("2026-11-20T06:05:10")
    assert body["note"] is None


def test_the_health_route_still_answers_ok_when_the_records_cannot_be_read() -> None:
    class Down:
        def all(self) -> list[object]:
            raise StorageUnavailable("127.0.0.1:1", "unreachable")

    response = served_health(HealthService(Down(), timedelta(hours=24)))  # type: ignore[arg-type]

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["sources"] == [] and "unreachable" in body["note"]
