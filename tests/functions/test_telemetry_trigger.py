"""The `collect_telemetry` timer through the Functions app: the APIM workspace's LLM logs and the
support bot's outcome query collected with the real LogsQueryClient and credential from the
HTTPS double, then served by the HTTP function (callers, a use case's cost per outcome)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import azure.functions as func
import pytest
from azure.functions.timer import TimerRequest

from functions import composition
from shared.core.callers import CallerKind
from shared.demo.log_analytics_workspace import LogsApi
from shared.demo.sample_tenant import SampleTenant
from shared.demo.sample_tenant_telemetry import SampleTelemetry, generate_telemetry
from shared.demo.sample_use_cases import use_cases_document
from tests.doubles.azure import AzureDouble
from tests.doubles.fixtures import RunningDouble
from tests.functions.test_functions import call_http, registered
from tests.live_tenant import serve_tenant


@pytest.fixture
def logged(
    tmp_path: Path,
    serve_azure: Callable[[AzureDouble], RunningDouble],
    monkeypatch: pytest.MonkeyPatch,
    storage_env: dict[str, str],
) -> Iterator[tuple[SampleTenant, SampleTelemetry]]:
    made: list[SampleTelemetry] = []

    def logs(tenant: SampleTenant) -> LogsApi:
        made.append(generate_telemetry(tenant))
        return LogsApi(made[0].workspaces())

    tenant, running = serve_tenant(tmp_path, serve_azure, monkeypatch, logs=logs)
    monkeypatch.setenv("LOOKBACK_DAYS", "70")  # today is after the sample month
    monkeypatch.setenv("LOGS_ENDPOINT", running.base_url)
    monkeypatch.setenv("APIM_WORKSPACE_ID", made[0].workspace_id)
    composition.reset()
    yield tenant, made[0]
    composition.reset()


def test_the_telemetry_timer_feeds_the_callers_and_the_use_cases_cost_per_outcome(
    logged: tuple[SampleTenant, SampleTelemetry],
) -> None:
    tenant, telemetry = logged
    timer = TimerRequest(past_due=False)
    for name in ("collect_inventory", "collect_costs", "collect_usage"):
        registered(name).get_user_function()(timer)
    composition.container().use_cases.apply(use_cases_document())
    registered("collect_telemetry").get_user_function()(timer)
    message = func.QueueMessage(body=json.dumps({"period": str(tenant.period)}).encode())
    registered("allocate_period").get_user_function()(message)

    period = str(tenant.period)
    listed = json.loads(call_http("/api/unit-costs", period=period).get_body())
    key = next(d["key"] for d in listed["deployments"] if d["deployment"] == telemetry.deployment)
    resp = call_http(f"/api/deployments/{key}/callers", period=period)
    assert resp.status_code == 200, resp.get_body()
    callers = json.loads(resp.get_body())
    assert callers["by"] == CallerKind.APIM_SUBSCRIPTIONS.value
    names = {c["caller"] for c in callers["callers"]}
    assert names == {"support-bot", "summarizer", "playground"}
    expected = {
        n: sum(telemetry.logged(d, n)[0] for d in tenant.period.window.days()) for n in names
    }
    assert all(expected.values())  # every caller has attributable traffic: the check means it
    assert {c["caller"]: c["inputTokens"] for c in callers["callers"]} == expected
    total = sum(c["cost"] for c in callers["callers"]) + callers["unattributed"]["cost"]
    deployment = next(d for d in listed["deployments"] if d["key"] == key)
    assert round(total, 2) == deployment["cost"]  # callers + unattributed = the deployment

    resp = call_http("/api/use-cases/support-bot/unit-costs", period=period)
    assert resp.status_code == 200, resp.get_body()
    bot = json.loads(resp.get_body())
    assert bot["outcomes"] == sum(telemetry.resolved_queries.values())
    assert bot["costPerOutcome"] is not None and bot["reason"] is None
