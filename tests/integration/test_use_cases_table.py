"""The `usecases` table and the inventory's known deployments on Azurite, as in memory: a stored
use case reads back exact, the same set twice writes nothing (ETags stay), a put or a delete
touches one row only."""

from __future__ import annotations

from datetime import date

import pytest
from azure.data.tables import TableServiceClient

from shared.adapters.storage.inventory_table import InventoryTable
from shared.adapters.storage.table_gateway import AzureTableGateway, TableGateway
from shared.adapters.storage.use_cases_table import TABLE, UseCaseTable
from shared.core.inventory import InventorySnapshot
from shared.core.use_cases import known_index, parse_document
from tests.builders import OTHER, dep, use_case_body
from tests.fakes import MemoryTableGateway

pytestmark = pytest.mark.azurite
CHAT, TEST, GONE = dep("chat-prod"), dep("chat-test"), dep("retired", account=OTHER)


@pytest.fixture
def gateways(storage_env: dict[str, str]) -> list[TableGateway]:
    service = TableServiceClient.from_connection_string(storage_env["AzureWebJobsStorage"])
    found: list[TableGateway] = [AzureTableGateway(service), MemoryTableGateway()]
    for gw in found:
        gw.ensure([TABLE, "inventory"])
    return found


def test_use_cases_round_trip_and_rewrite_nothing(gateways: list[TableGateway]) -> None:
    known = known_index((d.deployment_id, d.key) for d in (CHAT, TEST))
    doc = {"useCases": [
        use_case_body("b", {"deployment": CHAT.key, "callers": {"appRoles": ["x", "y"]}}),
        use_case_body("a", {"deployment": TEST.deployment_id}, description="ünïcode"),
    ]}  # fmt: skip
    use_cases, problems = parse_document(doc, known)
    assert problems == []
    for gw in gateways:
        table = UseCaseTable(gw)
        assert table.replace_all(use_cases)
        assert table.all() == sorted(use_cases, key=lambda u: u.name)
        assert table.get("b") == use_cases[0] and table.get("zzz") is None
        etags = {name: gw.get(TABLE, "usecase", name) for name in ("a", "b")}
        assert not table.replace_all(use_cases)
        assert not table.put(use_cases[1])
        assert {name: gw.get(TABLE, "usecase", name) for name in ("a", "b")} == etags
        assert table.delete("a") and not table.delete("a")
        assert [u.name for u in table.all()] == ["b"]
        assert gw.get(TABLE, "usecase", "b") == etags["b"]


def test_known_deployments_are_every_snapshots_once_each(gateways: list[TableGateway]) -> None:
    for gw in gateways:
        inventory = InventoryTable(gw)
        assert inventory.known_deployments() == []
        inventory.save(InventorySnapshot.on(date(2026, 10, 1), (CHAT, GONE)))
        inventory.save(InventorySnapshot.on(date(2026, 10, 9), (CHAT, TEST)))
        found = inventory.known_deployments()
        assert sorted(d.key for d in found) == sorted(d.key for d in (CHAT, TEST, GONE))
