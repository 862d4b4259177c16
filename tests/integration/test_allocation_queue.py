"""The allocation queue adapter against Azurite: Base64 as the Functions host speaks it, the poison
queue `{queue}-poison` with the reason, and storage that cannot be reached as StorageUnavailable."""

from __future__ import annotations

import base64
import json
import socket
from datetime import UTC, datetime, timedelta

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueClient, QueueServiceClient

from shared.adapters.storage.allocation_queue import StorageAllocationQueue
from shared.adapters.storage.table_gateway import AzureTableGateway
from shared.bootstrap import build_stores
from shared.core.period import BillingPeriod
from shared.core.requests import AllocationRequest
from shared.core.shards import shard_plan
from shared.demo.azurite import DEV_ACCOUNT, DEV_KEY
from shared.errors import StorageUnavailable
from shared.services.allocation_requests import AllocationRequestService
from shared.settings import Settings
from tests.fakes import FakeAllocator

OCT = BillingPeriod(2026, 10)
NOW = datetime(2026, 11, 20, 8, tzinfo=UTC)


def raw(storage_env: dict[str, str], name: str) -> QueueClient:
    return QueueClient.from_connection_string(storage_env["AzureWebJobsStorage"], name)


def encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_ensure_creates_the_queue_and_its_poison_queue(storage_env: dict[str, str]) -> None:
    build_stores(Settings.from_env(storage_env))
    service = QueueServiceClient.from_connection_string(storage_env["AzureWebJobsStorage"])
    names = {q.name for q in service.list_queues()}
    assert {"allocation-requests", "allocation-requests-poison"} <= names


def test_a_bad_message_is_readable_from_the_poison_queue_with_its_reason(
    storage_env: dict[str, str],
) -> None:
    stores = build_stores(Settings.from_env(storage_env))
    queue = raw(storage_env, "allocation-requests")
    huge = json.dumps({"period": "2026-1" + "0" * 40000})  # 48 KB at most, once in Base64
    queue.send_message(encoded('{"period": "2026-13"}'))
    stores.queue.enqueue([OCT])
    queue.send_message("{not base64}")  # a producer that forgot the host's encoding
    queue.send_message(encoded(huge))
    allocator = FakeAllocator()

    drained = AllocationRequestService(allocator, stores.queue, lambda: NOW).drain()

    assert drained.periods == [OCT] and allocator.done == [OCT]
    assert list(queue.receive_messages()) == []  # every message handled, none left to retry
    poisoned = [
        json.loads(base64.b64decode(m.content))
        for m in raw(storage_env, "allocation-requests-poison").receive_messages(max_messages=32)
    ]
    assert [p["errorType"] for p in poisoned] == ["InvalidInput"] * 3
    first, undecodable, long = poisoned
    assert first["reason"] == "period: month must be 01..12, got '2026-13'"
    assert first["message"] == '{"period": "2026-13"}'
    assert first["failedAt"] == "2026-11-20T08:00:00Z" and first["dequeueCount"] == 1
    assert first["messageId"]
    assert undecodable["reason"].startswith("message: not Base64")
    assert undecodable["message"] == "{not base64}"
    assert long["reason"].endswith("\u2026 (40006 chars)") and len(long["reason"]) < 100
    assert len(long["message"]) == 4096 and long["messageLength"] == len(huge)
    assert [p.reason for p in drained.poisoned] == [p["reason"] for p in poisoned]


def test_storage_that_cannot_be_reached_raises_storage_unavailable_naming_the_endpoint() -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conn = (
        f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
        f"QueueEndpoint=http://127.0.0.1:{port}/{DEV_ACCOUNT};"
        f"TableEndpoint=http://127.0.0.1:{port}/{DEV_ACCOUNT};"
    )
    # No SDK retries: the queue client's own back-off would take over a minute.
    client = QueueClient.from_connection_string(conn, "allocation-requests", retry_total=0)
    poison = QueueClient.from_connection_string(conn, "allocation-requests-poison", retry_total=0)
    queue = StorageAllocationQueue(client, poison)
    with pytest.raises(StorageUnavailable) as err:
        queue.enqueue([OCT])
    assert err.value.endpoint == f"http://127.0.0.1:{port}/{DEV_ACCOUNT}/allocation-requests"
    assert "Connection refused" in err.value.reason and DEV_KEY not in str(err.value)
    assert err.value.retryable

    gateway = AzureTableGateway(TableServiceClient.from_connection_string(conn, retry_total=0))
    with pytest.raises(StorageUnavailable, match=f"storage http://127.0.0.1:{port}/"):
        gateway.query("costs", "a", "b")


def test_shard_requests_go_out_in_the_hosts_encoding_and_a_delayed_one_waits(
    storage_env: dict[str, str],
) -> None:
    stores = build_stores(Settings.from_env(storage_env))
    first, second = shard_plan(["a~1", "b~2"], 1)
    stores.queue.send([AllocationRequest(OCT, first)])
    stores.queue.send([AllocationRequest(OCT, second)], timedelta(minutes=5))

    visible = list(raw(storage_env, "allocation-requests").receive_messages(max_messages=32))
    assert len(visible) == 1  # the delayed one is not visible yet
    assert AllocationRequest.from_json(base64.b64decode(visible[0].content)) == AllocationRequest(
        OCT, first
    )
