"""ResourceGraphInventorySource over an in-memory transport (the real ResourceGraphClient): the
answers Azure could give that must fail the fetch rather than store part of an inventory, and
the quota pacer's waits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.rest import HttpRequest, HttpResponse

from shared.adapters.azure.resource_graph import (
    QUOTA_REMAINING,
    QUOTA_RESETS_AFTER,
    GraphQuotaPacer,
    ResourceGraphInventorySource,
)
from shared.errors import SourceError, ThrottledError
from tests.unit.azure_memory import (
    MemoryCredential,
    MemoryResponse,
    MemoryTransport,
    Reply,
    error_reply,
)

ARM = "https://management.azure.com"
SUB = "00000000-0000-0000-0000-00000000aaaa"
ACCOUNT = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a"
QUOTA = {QUOTA_REMAINING: "14", QUOTA_RESETS_AFTER: "00:00:05"}


class GeneratedResponse(MemoryResponse):
    """A replayed answer as a generated SDK operation's deserializer reads it (its `body`)."""

    def body(self) -> bytes:
        return self.content


class GraphTransport(MemoryTransport):
    """The in-memory transport, answering what `ResourceGraphClient.resources` deserializes."""

    def send(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        answer = super().send(request, **kwargs)
        wrapped = GeneratedResponse.__new__(GeneratedResponse)
        wrapped.__dict__.update(vars(answer))
        return wrapped


def page(data: list[dict[str, Any]], token: str | None = None, truncated: str = "false") -> Reply:
    body: dict[str, Any] = {"totalRecords": len(data), "count": len(data), "data": data,
                            "facets": [], "resultTruncated": truncated}  # fmt: skip
    if token:
        body["$skipToken"] = token
    return Reply(200, body, QUOTA)


def account_row() -> dict[str, Any]:
    return {"id": ACCOUNT, "name": "a", "kind": "OpenAI", "location": "eastus2",
            "subscriptionId": SUB}  # fmt: skip


def deployment_row(name: str) -> dict[str, Any]:
    return {
        "id": f"{ACCOUNT}/deployments/{name}", "name": name,
        "type": "microsoft.cognitiveservices/accounts/deployments",
        "sku": {"name": "GlobalStandard", "capacity": 10},
        "properties": {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"}},
        "systemData": {"createdAt": "2026-10-01T08:00:00.0000000Z"},
    }  # fmt: skip


def source(
    transport: MemoryTransport, waits: list[float] | None = None
) -> ResourceGraphInventorySource:
    sleep = waits.append if waits is not None else lambda s: None
    return ResourceGraphInventorySource(
        MemoryCredential(), [SUB], ARM, transport=transport, sleep=sleep
    )


def test_the_rows_become_deployments_with_their_accounts_location() -> None:
    transport = GraphTransport(page([account_row()]), page([deployment_row("chat")]))
    (found,) = source(transport).fetch()
    assert (found.account_id, found.name, found.account_location) == (ACCOUNT, "chat", "eastus2")
    assert found.created_at is not None and found.capacity == 10
    body = json.loads(transport.requests[0].content)
    assert body["options"] == {
        "$top": 1000,
        "resultFormat": "objectArray",
        "allowPartialScopes": False,
    }
    assert body["subscriptions"] == [SUB] and "accounts" in body["query"]


def test_a_truncated_answer_without_a_skip_token_fails_the_fetch() -> None:
    transport = GraphTransport(page([account_row()]), page([deployment_row("x")], None, "true"))
    with pytest.raises(SourceError, match="truncated without a \\$skipToken"):
        source(transport).fetch()


def test_a_skip_token_that_repeats_fails_the_fetch() -> None:
    transport = GraphTransport(
        page([account_row()]),
        page([deployment_row("x")], "t1"),
        page([deployment_row("y")], "t1"),
    )
    with pytest.raises(SourceError, match="repeats itself"):
        source(transport).fetch()


def test_a_row_without_an_id_or_data_that_is_not_rows_fails_the_fetch() -> None:
    with pytest.raises(SourceError, match="no id"):
        source(GraphTransport(page([{"name": "a"}]), page([]))).fetch()
    bad = Reply(200, {"totalRecords": 1, "count": 1, "data": {"columns": []}}, QUOTA)
    with pytest.raises(SourceError, match="not a list of rows"):
        source(GraphTransport(bad)).fetch()


def test_throttling_is_retried_with_its_retry_after_then_gives_up_as_throttled() -> None:
    throttled = error_reply(429, "RateLimiting", "Too many requests", **{"Retry-After": "2"})
    waits: list[float] = []
    transport = GraphTransport(throttled, page([account_row()]), page([]))
    assert source(transport, waits).fetch() == []
    assert 2.0 in waits
    always = GraphTransport(*[throttled] * 5)
    with pytest.raises(ThrottledError, match="still throttled after 5 attempt"):
        source(always).fetch()


def test_the_quota_pacer_waits_for_the_reset_and_refuses_a_long_one() -> None:
    waits: list[float] = []
    now = [10.0]
    pacer = GraphQuotaPacer(waits.append, lambda: now[0], max_wait_seconds=60)
    pacer.observe({QUOTA_REMAINING: "1", QUOTA_RESETS_AFTER: "00:00:04"})
    assert pacer.wait() == 0.0  # one left: this query takes it
    assert pacer.wait() == 4.0 and waits == [4.0]  # none left: wait for the reset
    pacer.observe({QUOTA_REMAINING: "0", QUOTA_RESETS_AFTER: "00:05:00"})
    with pytest.raises(ThrottledError, match="retry after 300 s"):
        pacer.wait()
