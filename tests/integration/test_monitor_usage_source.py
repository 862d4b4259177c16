"""MonitorUsageSource against the HTTPS metrics double, through the real MetricsClient."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from azure.core.credentials import TokenCredential
from azure.monitor.querymetrics import MetricsClient

from shared.adapters.azure.monitor_metrics import MonitorUsageSource
from shared.core.period import DateWindow
from shared.core.usage import UsageRecord
from shared.errors import ThrottledError
from tests.doubles import AzureDouble
from tests.doubles.fixtures import RunningDouble

SUB = "6f1c2a3b-0000-4000-8000-00000000c001"
SUB_2 = "6f1c2a3b-0000-4000-8000-00000000c002"
ACCOUNTS = "providers/Microsoft.CognitiveServices/accounts"
PROD = f"/subscriptions/{SUB}/resourceGroups/RG-AI/{ACCOUNTS}/AOAI-Prod"
WINDOW = DateWindow(date(2026, 11, 1), date(2026, 11, 4))

Serve = Callable[[AzureDouble], RunningDouble]
Credential = Callable[[RunningDouble], TokenCredential]


def account(n: int, sub: str = SUB) -> str:
    return f"/subscriptions/{sub}/resourceGroups/rg/{ACCOUNTS}/a{n}"


def usage_of(account_id: str, deployments: int, days: int = 3) -> list[UsageRecord]:
    """Counts that do not divide by 24, so an hour-misaligned bucket would show it."""
    return [
        UsageRecord(
            date=WINDOW.start + timedelta(days=day),
            account_id=account_id,
            deployment=f"chat-{n:02d}",
            input_tokens=1000 * (n + 1) + 7 * day + 5,
            output_tokens=300 * (n + 1) + day + 1,
            requests=10 * (n + 1) + day + 1,
        )
        for n in range(deployments)
        for day in range(days)
    ]


def test_usage_of_every_deployment_is_collected_beyond_the_ten_series_default(
    serve_azure: Serve, credential_for: Credential
) -> None:
    usage = usage_of(PROD, deployments=12)
    azure = serve_azure(AzureDouble(usage=usage))
    source = MonitorUsageSource(credential_for(azure), azure.metrics_endpoint, sleep=lambda s: None)

    records = source.fetch(WINDOW, [(PROD, "eastus2")])

    assert sorted(records, key=lambda r: (r.deployment, r.date)) == sorted(
        usage, key=lambda r: (r.deployment, r.date)
    )
    (batch,) = azure.double.metrics_batches()
    assert batch.param("top") == "1000"


def test_without_top_the_batch_api_returns_only_ten_series_per_metric(
    serve_azure: Serve, credential_for: Credential
) -> None:
    """The trap the source avoids, shown with the SDK's typed call and no `max_results`."""
    azure = serve_azure(AzureDouble(usage=usage_of(PROD, deployments=12)))
    start = datetime(2026, 11, 1, tzinfo=UTC)

    with MetricsClient(azure.metrics_endpoint, credential_for(azure)) as client:
        (result,) = client.query_resources(
            resource_ids=[PROD.lower()],
            metric_namespace="Microsoft.CognitiveServices/accounts",
            metric_names=["ProcessedPromptTokens"],
            timespan=(start, start + timedelta(days=3)),
            granularity=timedelta(days=1),
            aggregations=["Total"],
            filter="ModelDeploymentName eq '*'",
        )

    assert len(result.metrics[0].timeseries) == 10
    assert set(result.metrics[0].timeseries[0].metadata_values) == {"modeldeploymentname"}


def test_one_batch_asks_for_one_metric_family_daily_from_utc_midnight_with_lower_cased_ids(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(AzureDouble(usage=usage_of(PROD, deployments=1)))
    source = MonitorUsageSource(credential_for(azure), azure.metrics_endpoint)

    records = source.fetch(WINDOW, [(PROD, "East US 2")])

    (batch,) = azure.double.metrics_batches()
    assert batch.path == f"/subscriptions/{SUB.lower()}/metrics:getBatch"
    assert batch.json() == {"resourceids": [PROD.lower()]}
    assert batch.param("metricnames") == (
        "ProcessedPromptTokens,GeneratedTokens,AzureOpenAIRequests,"
        "AzureOpenAIProvisionedManagedUtilizationV2"
    )
    assert batch.param("metricnamespace") == "Microsoft.CognitiveServices/accounts"
    assert batch.param("aggregation") == "total,average"
    assert batch.param("interval") == "P1D"
    assert batch.param("starttime") == "2026-11-01T00:00:00.000Z"
    assert batch.param("endtime") == "2026-11-04T00:00:00.000Z"
    assert batch.param("filter") == "ModelDeploymentName eq '*'"
    assert batch.param("timespan") is None
    assert {r.account_id for r in records} == {PROD}  # as the caller named it, not lower-cased


def test_accounts_are_batched_by_subscription_and_region_at_most_fifty_per_call(
    serve_azure: Serve, credential_for: Credential
) -> None:
    east = [(account(n), "eastus") for n in range(51)]
    west = [(account(100), "westus")]
    other_sub = [(account(200, SUB_2), "eastus")]
    usage = usage_of(account(50), 1) + usage_of(account(100), 1) + usage_of(account(200, SUB_2), 1)
    azure = serve_azure(AzureDouble(usage=usage))
    source = MonitorUsageSource(credential_for(azure), azure.metrics_endpoint)

    records = source.fetch(WINDOW, east + west + other_sub)

    sizes = [len(b.json()["resourceids"]) for b in azure.double.metrics_batches()]
    assert sizes == [50, 1, 1, 1]
    assert sorted((r.account_id, r.date) for r in records) == sorted(
        (r.account_id, r.date) for r in usage
    )


def test_no_accounts_means_no_calls_and_no_usage(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(AzureDouble(usage=usage_of(PROD, 1)))

    assert MonitorUsageSource(credential_for(azure), azure.metrics_endpoint).fetch(WINDOW, []) == []
    assert azure.double.metrics_batches() == []


@pytest.mark.parametrize("status", [529, 429])
def test_throttled_batches_are_retried_with_backoff_then_succeed(
    serve_azure: Serve, credential_for: Credential, status: int
) -> None:
    usage = usage_of(PROD, 2)
    azure = serve_azure(
        AzureDouble(usage=usage, metrics_throttle_first_n=2, metrics_throttle_status=status)
    )
    sleeps: list[float] = []
    source = MonitorUsageSource(credential_for(azure), azure.metrics_endpoint, sleep=sleeps.append)

    records = source.fetch(WINDOW, [(PROD, "eastus2")])

    assert len(records) == len(usage)
    assert sleeps == [2.0, 4.0]
    assert len(azure.double.metrics_batches()) == 3


def test_throttling_past_the_budget_raises_throttled_error(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(AzureDouble(usage=usage_of(PROD, 1), metrics_throttle_first_n=100))
    sleeps: list[float] = []
    source = MonitorUsageSource(
        credential_for(azure), azure.metrics_endpoint, sleep=sleeps.append, max_attempts=3
    )

    with pytest.raises(ThrottledError, match="529"):
        source.fetch(WINDOW, [(PROD, "eastus2")])

    assert len(sleeps) == 2
    assert len(azure.double.metrics_batches()) == 3


def test_the_token_is_asked_for_the_metrics_audience(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(AzureDouble(usage=usage_of(PROD, 1)))

    MonitorUsageSource(credential_for(azure), azure.metrics_endpoint).fetch(WINDOW, [(PROD, "x")])

    (token_request,) = azure.double.token_requests()
    assert b"scope=https%3A%2F%2Fmetrics.monitor.azure.com%2F.default" in token_request.body


def test_ptu_utilization_is_read_as_the_daily_average_per_deployment(
    serve_azure: Serve, credential_for: Credential
) -> None:
    ptu = [
        UsageRecord(WINDOW.start, PROD, "ptu", 500, 100, 5, Decimal("62.5")),
        UsageRecord(WINDOW.start + timedelta(days=1), PROD, "ptu", 0, 0, 0, Decimal("12.25")),
    ]
    azure = serve_azure(AzureDouble(usage=[*usage_of(PROD, deployments=1), *ptu]))
    source = MonitorUsageSource(credential_for(azure), azure.metrics_endpoint)

    records = source.fetch(WINDOW, [(PROD, "East US 2")])

    got = {(r.deployment, r.date): r.ptu_utilization for r in records}
    assert got[("ptu", WINDOW.start)] == Decimal("62.5")
    assert got[("ptu", WINDOW.start + timedelta(days=1))] == Decimal("12.25")
    assert got[("chat-00", WINDOW.start)] is None
    idle_day = [r for r in records if r.deployment == "ptu" and r.input_tokens == 0]
    assert len(idle_day) == 1  # a day with utilization but no tokens is still a record
