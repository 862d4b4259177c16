"""Every registered function: binding metadata, and invocations via azure-functions objects."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NoReturn, cast
from urllib.parse import urlencode

import azure.functions as func
import pytest
from azure.functions.queue import QueueMessage as HostQueueMessage  # what the host passes
from azure.functions.timer import TimerRequest
from azure.storage.queue import QueueClient

import function_app
from functions import composition
from shared.core.costs import CostType
from shared.core.period import BillingPeriod
from shared.demo.sample_tenant import SampleTenant
from shared.errors import SourceError
from tests.doubles.fixtures import NetworkGuard
from tests.live_tenant import billed_at_subscription_scope

ROOT = Path(__file__).resolve().parents[2]

# get_functions() indexes the app once (a second call reports duplicate names), as the host does.
FUNCTIONS = {f.get_function_name(): f for f in function_app.app.get_functions()}


def registered(name: str) -> func.Function:
    return FUNCTIONS[name]


def trigger_of(name: str) -> dict[str, Any]:
    """The binding metadata of the function's trigger, as the host reads it."""
    trigger = registered(name).get_trigger()
    assert trigger is not None, f"{name} has no trigger"
    return trigger.get_dict_repr()


def test_exactly_the_expected_functions_are_registered() -> None:
    names = set(FUNCTIONS)
    expected = {"http_app_func", "collect_costs", "collect_usage", "collect_inventory",
                "collect_telemetry", "allocate_period", "refresh_prices",
                "ingest_export"}  # fmt: skip
    assert names == expected


@pytest.mark.parametrize(
    ("name", "setting"),
    [("collect_costs", "%COSTS_SCHEDULE%"), ("collect_usage", "%USAGE_SCHEDULE%"),
     ("collect_inventory", "%INVENTORY_SCHEDULE%"),
     ("collect_telemetry", "%TELEMETRY_SCHEDULE%")],
)  # fmt: skip
def test_timers_take_their_schedule_from_app_settings(name: str, setting: str) -> None:
    trigger = trigger_of(name)
    assert trigger["type"] == "timerTrigger" and trigger["schedule"] == setting


def test_the_queue_trigger_reads_the_allocation_queue_with_the_storage_connection() -> None:
    trigger = trigger_of("allocate_period")
    assert trigger["type"] == "queueTrigger"
    assert trigger["queueName"] == "%ALLOCATION_QUEUE%"
    assert trigger["connection"] == "AzureWebJobsStorage"


def test_the_http_api_is_one_asgi_function_that_needs_a_function_key() -> None:
    trigger = trigger_of("http_app_func")
    assert trigger["type"] == "httpTrigger" and trigger["route"] == "/{*route}"
    assert trigger["authLevel"] is func.AuthLevel.FUNCTION


# The host runs every invocation of a worker on one event loop; so do the tests.
LOOP = asyncio.new_event_loop()


def host_context(invocation_id: str, function_name: str) -> func.Context:
    """The invocation context the host passes, as far as `AsgiMiddleware` reads it.

    The middleware reads each attribute with getattr (a missing one is None), so a namespace of
    them stands in for a `func.Context`; no trace or retry context, as on a first attempt.
    """
    context = SimpleNamespace(
        invocation_id=invocation_id,
        function_name=function_name,
        function_directory=".",
        trace_context=None,
        retry_context=None,
    )
    return cast(func.Context, context)


def test_importing_the_app_builds_neither_the_api_nor_the_services() -> None:
    """A cold start indexes the functions only (benchmark e): FastAPI, the storage SDKs, the
    container and the services are imported by the first request or invocation that needs them."""
    script = (
        "import sys, function_app\n"
        "heavy = ['fastapi', 'azure.data.tables', 'azure.storage.queue', 'azure.identity',\n"
        "         'shared.bootstrap', 'shared.services', 'shared.entrypoints.http.app', 'numpy']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, check=True, timeout=120)  # fmt: skip
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


# What a caller the host let through sends: the host checked the key's value (AuthLevel.FUNCTION).
KEYED = {"x-functions-key": "a-key-the-host-checked"}


def call_http(path: str, headers: dict[str, str] | None = None, **params: str) -> func.HttpResponse:
    """One GET through the registered HTTP function, as the host invokes it (with a key)."""
    handler = registered("http_app_func").get_user_function()
    url = f"http://localhost{path}" + (f"?{urlencode(params)}" if params else "")
    sent = KEYED if headers is None else headers
    req = func.HttpRequest("GET", url, params=params, headers=sent, body=b"")
    return LOOP.run_until_complete(handler(req, host_context("test", "http_app_func")))


def test_a_request_without_a_credential_is_refused_before_any_route_runs() -> None:
    composition.reset()
    for path in ("/api/health", "/api/unit-costs", "/api/openapi.json", "/api/nowhere"):
        resp = call_http(path, headers={}, period="2026-10")
        assert resp.status_code == 401, path
        assert resp.mimetype == "application/problem+json"
        assert json.loads(resp.get_body())["title"] == "Unauthorized"
        assert resp.headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert composition.container.cache_info().currsize == 0  # refused before building anything
    blank = call_http("/api/health", headers={"x-functions-key": " "}, code="")
    assert blank.status_code == 401  # an empty key is no credential


def test_a_function_key_or_an_entra_principal_lets_a_request_through() -> None:
    principal = {"X-MS-CLIENT-PRINCIPAL-ID": "00000000-0000-0000-0000-000000000001"}
    assert call_http("/api/health").status_code == 200  # x-functions-key header
    assert call_http("/api/health", headers={}, code="a-key").status_code == 200  # ?code=
    assert call_http("/api/health", headers=principal).status_code == 200  # App Service Auth


def test_every_period_figure_says_where_it_comes_from(live: SampleTenant) -> None:
    tenant = live
    run_the_timers_and_the_queue(tenant)
    for path in ("/api/unit-costs", "/api/daily", "/api/reconciliation", "/api/insights"):
        body = json.loads(call_http(path, period=str(tenant.period), costType="actual").get_body())
        seen = body["provenance"]
        assert (seen["costType"], seen["status"]) == ("actual", "closed"), path
        assert seen["publishedAt"].endswith("Z") and len(seen["catalogueVersion"]) == 12
        stamps = {s["source"]: s["lastCollectedAt"] for s in seen["sources"]}
        assert all(stamps[s] for s in ("costs-actual", "costs-amortized", "usage", "inventory"))
        assert stamps["prices"] is None  # the timer that refreshes prices has not run
    unit = json.loads(
        call_http("/api/unit-costs", period=str(tenant.period), costType="actual").get_body()
    )
    listed = json.loads(call_http("/api/periods").get_body())["periods"]
    item = next(p for p in listed if (p["period"], p["costType"]) == (str(tenant.period), "actual"))
    assert item["provenance"] == unit["provenance"]  # built from the summaries the list read
    insights = json.loads(call_http("/api/insights", period=str(tenant.period)).get_body())
    assert insights["findings"] and all(
        "provenance" not in (f["whatIf"] or {}) for f in insights["findings"]
    )
    share = unit["provenance"]["allocatedShare"]
    assert abs(share - unit["allocatedCost"] / unit["billedCost"]) < 0.0001


def test_an_unchanged_read_is_a_304_and_a_changed_one_is_not(live: SampleTenant) -> None:
    tenant = live
    run_the_timers_and_the_queue(tenant)

    first = call_http("/api/unit-costs", period=str(tenant.period))
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag.startswith('"')
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = call_http("/api/unit-costs", {**KEYED, "If-None-Match": tag}, period=str(tenant.period))
    assert again.status_code == 304 and again.get_body() == b""
    assert again.headers["ETag"] == tag
    other = call_http(
        "/api/unit-costs", {**KEYED, "If-None-Match": tag}, period=str(tenant.period),
        costType="actual",
    )  # fmt: skip
    assert other.status_code == 200 and other.headers["ETag"] != tag


def run_the_timers_and_the_queue(tenant: SampleTenant) -> None:
    """The three collection timers, then the allocation of the tenant's period from the queue."""
    timer = TimerRequest(past_due=False)
    for name in ("collect_inventory", "collect_costs", "collect_usage"):
        registered(name).get_user_function()(timer)
    message = func.QueueMessage(body=json.dumps({"period": str(tenant.period)}).encode())
    registered("allocate_period").get_user_function()(message)


def test_the_triggers_collect_allocate_and_serve_one_period(live: SampleTenant) -> None:
    tenant = live
    run_the_timers_and_the_queue(tenant)

    resp = call_http("/api/unit-costs", period=str(tenant.period), costType="actual")
    assert resp.status_code == 200
    body = json.loads(resp.get_body())
    assert (body["costType"], body["status"]) == ("actual", "closed")  # the sample month is past
    billed = billed_at_subscription_scope(tenant, CostType.ACTUAL)
    assert body["billedCost"] == float(round(billed, 2))
    assert round(body["allocatedCost"] + body["unallocatedCost"], 2) == body["billedCost"]
    assert {d["deployment"] for d in body["deployments"]} >= {"chat-prod", "chat-test"}


def poison_queue(storage_env: dict[str, str]) -> list[dict]:
    """What `allocation-requests-poison` holds, decoded as the Functions host would."""
    raw = QueueClient.from_connection_string(
        storage_env["AzureWebJobsStorage"], "allocation-requests-poison"
    )
    return [json.loads(base64.b64decode(m.content)) for m in raw.receive_messages(max_messages=32)]


def test_a_bad_queue_message_is_poisoned_at_once_with_its_reason_and_the_trigger_returns(
    live: SampleTenant, storage_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    handler = registered("allocate_period").get_user_function()
    huge = json.dumps({"period": "9" * 65536}).encode()
    bad = [b'{"period": "2026-13"}', b'{"month": "2026-10"}', huge]
    with caplog.at_level(logging.WARNING):
        for n, body in enumerate(bad):
            # Returning normally is what makes the host delete the message instead of retrying.
            assert handler(HostQueueMessage(id=f"m{n}", body=body, dequeue_count=1)) is None

    poisoned = poison_queue(storage_env)
    assert [(p["messageId"], p["errorType"]) for p in poisoned] == [
        ("m0", "InvalidInput"), ("m1", "InvalidInput"), ("m2", "InvalidInput"),
    ]  # fmt: skip
    assert poisoned[0]["reason"] == "period: month must be 01..12, got '2026-13'"
    assert poisoned[0]["message"] == '{"period": "2026-13"}'
    assert poisoned[1]["reason"] == "period: missing"
    assert poisoned[2]["reason"].endswith("\u2026 (65536 chars)")
    assert len(poisoned[2]["reason"]) < 100
    assert len(poisoned[2]["message"]) == 4096 and poisoned[2]["messageLength"] == len(huge)
    assert all(p["failedAt"].endswith("Z") and p["dequeueCount"] == 1 for p in poisoned)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3 and all("\n" not in w and len(w) < 300 for w in warnings)
    assert "allocation_requests" in composition.container().built()  # built once, on first use


def test_a_transient_error_in_the_queue_trigger_propagates_for_the_host_to_retry(
    live: SampleTenant, storage_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(period: BillingPeriod) -> NoReturn:
        raise SourceError(f"cost query for {period} failed")

    monkeypatch.setattr(composition.container().queued_allocation, "allocate", failing)
    handler = registered("allocate_period").get_user_function()
    with pytest.raises(SourceError, match="2026-10"):
        handler(HostQueueMessage(id="m1", body=b'{"period": "2026-10"}', dequeue_count=1))
    assert poison_queue(storage_env) == []


def test_http_errors_are_problem_bodies_not_stack_traces(live: SampleTenant) -> None:
    assert call_http("/api/unit-costs", period="2026-10").status_code == 404  # never allocated
    # The HTTP cold start built the stores only: no live sources, no meter catalogue.
    assert composition.container().built() == {"stores", "views"}
    resp = call_http("/api/unit-costs", period="not-a-month")
    assert resp.status_code == 400
    assert json.loads(resp.get_body())["field"] == "period"
    assert call_http("/api/health").status_code == 200


def test_the_trailing_window_ends_today_and_spans_the_lookback_and_every_open_month() -> None:
    window = composition.trailing_window(35, date(2026, 11, 20))
    assert window.end - timedelta(days=1) == date(2026, 11, 20)
    assert window.start == date(2026, 10, 17)  # 35 days, today included; October is closed by then
    # On 5 November October is still open: all of it is re-read, not just the last 35 days.
    assert composition.trailing_window(35, date(2026, 11, 5)).start == date(2026, 10, 1)


def test_an_identity_based_cold_start_builds_the_stores_without_a_storage_call(
    monkeypatch: pytest.MonkeyPatch, network_guard: NetworkGuard
) -> None:
    # In Azure the tables and the queue come from the Bicep: building the stores must not call
    # storage (a create call to these hosts would be blocked and recorded by the network guard).
    monkeypatch.delenv("AzureWebJobsStorage", raising=False)
    monkeypatch.setenv("AzureWebJobsStorage__tableServiceUri", "https://st.table.core.windows.net")
    monkeypatch.setenv("AzureWebJobsStorage__queueServiceUri", "https://st.queue.core.windows.net")
    composition.reset()
    try:
        assert composition.container().views is not None
        # The read side, its stores and their credential, and nothing else: no source, no catalogue.
        assert composition.container().built() == {"credential", "stores", "views"}
    finally:
        composition.reset()
    assert not network_guard.blocked
