"""The usage table's PeakTpm column, on Azurite and on the in-memory gateway alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from azure.data.tables import TableServiceClient

from shared.adapters.storage.table_gateway import AzureTableGateway, Entity, TableGateway
from shared.adapters.storage.table_keys import account_key, day_text
from shared.adapters.storage.usage_table import TABLE, UsageTable
from shared.core.digest import digest
from shared.core.period import BillingPeriod
from shared.core.resource_id import id_key
from shared.core.usage import UsageRecord
from tests.builders import ACC
from tests.fakes import MemoryTableGateway

NOV = BillingPeriod(2026, 11)
DAY = date(2026, 11, 2)


@pytest.fixture(params=[pytest.param("azurite", marks=pytest.mark.azurite), "memory"])
def gateway(request: pytest.FixtureRequest) -> TableGateway:
    if request.param == "memory":
        found: TableGateway = MemoryTableGateway()
    else:
        env = request.getfixturevalue("storage_env")
        service = TableServiceClient.from_connection_string(env["AzureWebJobsStorage"])
        found = AzureTableGateway(service)
    found.ensure([TABLE])
    return found


def stored_rows(gateway: TableGateway) -> list[Entity]:
    return gateway.query(TABLE, f"{NOV}|", f"{NOV}|\uffff")


def test_peaks_round_trip_as_exact_ints_and_an_unknown_peak_as_none(
    gateway: TableGateway,
) -> None:
    table = UsageTable(gateway)
    records = [
        UsageRecord(DAY, ACC, "big", 9_000_000_000, 1, 2, peak_tpm=3_000_000_000),  # > Int32
        UsageRecord(DAY, ACC, "idle", 0, 0, 0, peak_tpm=0),
        UsageRecord(DAY, ACC, "unknown", 10, 5, 1),
    ]

    assert table.replace_window(NOV.window, [ACC], records) == {NOV}

    got = sorted(table.records_for(NOV), key=lambda r: r.deployment)
    assert got == records
    assert all(type(r.peak_tpm) is int for r in got if r.peak_tpm is not None)
    by_name = {row["Deployment"]: row for row in stored_rows(gateway)}
    assert by_name["big"]["PeakTpm"] == 3_000_000_000
    assert "PeakTpm" not in by_name["unknown"]  # no column: None, as rows written before it
    assert table.replace_window(NOV.window, [ACC], records) == set()  # rerun: nothing written


def test_a_row_written_before_peaks_existed_reads_none_and_is_left_alone(
    gateway: TableGateway,
) -> None:
    old: Entity = {  # the entity as the table wrote it before the column
        "PartitionKey": f"{NOV}|{account_key(ACC)}",
        "RowKey": f"{day_text(DAY)}|{digest(id_key('chat'))}",
        "Date": day_text(DAY),
        "AccountId": ACC,
        "Deployment": "chat",
        "InputTokens": 100,
        "OutputTokens": 20,
        "Requests": 3,
        "PtuUtilization": "",
    }
    gateway.write(TABLE, [old], [])
    table = UsageTable(gateway)

    (record,) = table.records_for(NOV)

    assert record == UsageRecord(DAY, ACC, "chat", 100, 20, 3, None, None)
    assert table.replace_window(NOV.window, [ACC], [record]) == set()  # same record: untouched
    assert stored_rows(gateway) == [old]

    peaked = replace(record, peak_tpm=42)
    assert table.replace_window(NOV.window, [ACC], [peaked]) == {NOV}
    assert table.records_for(NOV) == [peaked]
    assert table.replace_window(NOV.window, [ACC], [record]) == {NOV}  # the peak is gone again
    assert stored_rows(gateway) == [old]
