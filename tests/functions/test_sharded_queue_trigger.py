"""The sample tenant's period allocated by the queue trigger shard by shard (one account per
shard): the period's message fans out into shard messages on the real queue, each is handled as
the host delivers it, and the API then serves what the unsharded allocation served."""

from __future__ import annotations

import base64
import json

import azure.functions as func
import pytest
from azure.data.tables import TableClient
from azure.functions.queue import QueueMessage as HostQueueMessage
from azure.storage.queue import QueueClient

from functions import composition
from shared.demo.sample_tenant import SampleTenant
from tests.functions.test_functions import call_http, registered, run_the_timers_and_the_queue

ROUTES = ("/api/unit-costs", "/api/daily", "/api/reconciliation")


def served(tenant: SampleTenant) -> dict[tuple[str, str], object]:
    """Each route's body for both price bases, without the publication's time."""
    bodies: dict[tuple[str, str], object] = {}
    for path in ROUTES:
        for basis in ("actual", "amortized"):
            resp = call_http(path, period=str(tenant.period), costType=basis)
            assert resp.status_code == 200, (path, basis, resp.get_body())
            body = json.loads(resp.get_body())
            body["provenance"].pop("publishedAt")
            bodies[(path, basis)] = body
    return bodies


def shard_messages(storage_env: dict[str, str]) -> list[HostQueueMessage]:
    """What the queue holds, as the host would deliver it (decoded, with an id and a count)."""
    queue = QueueClient.from_connection_string(
        storage_env["AzureWebJobsStorage"], "allocation-requests"
    )
    found = []
    for message in queue.receive_messages(max_messages=32):
        body = base64.b64decode(message.content)
        found.append(HostQueueMessage(id=message.id, body=body, dequeue_count=1))
        queue.delete_message(message)
    return found


def test_the_queue_trigger_allocates_a_sharded_period_as_the_whole_one(
    live: SampleTenant, storage_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = live
    run_the_timers_and_the_queue(tenant)
    whole = served(tenant)
    shard_messages(storage_env)  # what the timers enqueued: already allocated above

    monkeypatch.setenv("ALLOCATION_SHARD_ACCOUNTS", "1")
    composition.reset()
    handler = registered("allocate_period").get_user_function()
    handler(func.QueueMessage(body=json.dumps({"period": str(tenant.period)}).encode()))
    messages = shard_messages(storage_env)
    shards = [json.loads(m.get_body())["shard"] for m in messages]
    assert [s["index"] for s in shards] == [0, 1, 2]  # three accounts, one per shard
    assert {s["count"] for s in shards} == {3} and len({s["plan"] for s in shards}) == 1
    for message in messages:
        handler(message)

    assert served(tenant) == whole
    assert shard_messages(storage_env) == []  # nothing left to do, nothing sent again
    summaries = TableClient.from_connection_string(storage_env["AzureWebJobsStorage"], "periods")
    for basis in ("ActualCost", "AmortizedCost"):  # published anew, from the three shards' parts
        summary = summaries.get_entity(basis, str(tenant.period))
        assert summary["Shards"].value == 3 and len(json.loads(summary["Parts"])) == 3
