"""MonitorUsageSource against the HTTPS metrics double, through the real MetricsClient."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from azure.core.credentials import TokenCredential
from azure.monitor.querymetrics import MetricsClient

from shared.adapters.azure.monitor_metrics import MonitorUsageSource
from shared.core.period import DateWindow
from shared.core.usage import UsageRecord
from shared.demo.sample_tenant import generate
from shared.errors import SourceError, ThrottledError
from tests.doubles import AzureDouble
from tests.doubles.fixtures import RunningDouble
from tests.doubles.metrics import MINUTES_PER_DAY, MetricsDouble

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


def with_served_peaks(metrics: MetricsDouble, usage: list[UsageRecord]) -> list[UsageRecord]:
    """The records with the peak of the minutes the double serves for them."""
    return [replace(u, peak_tpm=max(v or 0 for v in metrics.served_minutes(u))) for u in usage]


def test_usage_of_every_deployment_is_collected_beyond_the_ten_series_default(
    serve_azure: Serve, credential_for: Credential
) -> None:
    usage = usage_of(PROD, deployments=12)
    azure = serve_azure(AzureDouble(usage=usage))
    source = MonitorUsageSource(credential_for(azure), azure.metrics_endpoint, sleep=lambda s: None)

    records = source.fetch(WINDOW, [(PROD, "eastus2")])

    expected = with_served_peaks(azure.double.metrics, usage)
    assert all(u.peak_tpm for u in expected)
    assert sorted(records, key=lambda r: (r.deployment, r.date)) == sorted(
        expected, key=lambda r: (r.deployment, r.date)
    )
    peaks, daily = azure.double.metrics_batches()
    assert peaks.param("top") == daily.param("top") == "1000"  # both calls: every deployment


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

    peaks, batch = azure.double.metrics_batches()
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
    # The peaks call, made first: the same resources, window, filter and top, minute buckets.
    assert peaks.path == batch.path and peaks.json() == batch.json()
    assert peaks.param("metricnames") == "TokenTransaction"
    assert peaks.param("interval") == "PT1M"
    assert peaks.param("aggregation") == "total"
    for name in ("metricnamespace", "starttime", "endtime", "filter", "top", "api-version"):
        assert peaks.param(name) == batch.param(name), name


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

    batches = azure.double.metrics_batches()
    sizes = [len(b.json()["resourceids"]) for b in batches]
    assert sizes == [50, 50, 1, 1, 1, 1, 1, 1]  # one more call per account batch: its peaks
    assert [b.param("interval") for b in batches] == ["PT1M", "P1D"] * 4
    assert all(b.json() == d.json() for b, d in zip(batches[::2], batches[1::2], strict=True))
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
    assert all(r.peak_tpm for r in records)
    assert sleeps == [2.0, 4.0]
    assert [b.param("interval") for b in azure.double.metrics_batches()] == ["PT1M"] * 3 + ["P1D"]


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
    assert [b.param("interval") for b in azure.double.metrics_batches()] == ["PT1M"] * 3


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


# --- peak tokens per minute: TokenTransaction at PT1M, one more call per account batch ---------

DAY_1, DAY_2 = WINDOW.start, WINDOW.start + timedelta(days=1)


def minutes(**at: int | None) -> tuple[int | None, ...]:
    """A day of minutes without data except `m<minute>=total`."""
    values: list[int | None] = [None] * MINUTES_PER_DAY
    for name, total in at.items():
        values[int(name[1:])] = total
    return tuple(values)


def test_the_peak_is_the_highest_minute_total_of_each_utc_day(
    serve_azure: Serve, credential_for: Credential
) -> None:
    usage = usage_of(PROD, deployments=2, days=2)
    azure = serve_azure(AzureDouble(usage=usage))
    served = azure.double.metrics.minutes
    # 23:59 of day 1 is its peak; 00:00 of day 2 is day 2's: the buckets start at UTC midnight.
    served[(PROD.lower(), "chat-00", DAY_1)] = minutes(m0=5, m600=40, m1439=90)
    served[(PROD.lower(), "chat-00", DAY_2)] = minutes(m0=70, m1=3, m1439=None)
    served[(PROD.lower(), "chat-01", DAY_1)] = minutes(m720=1_234_567)

    records = MonitorUsageSource(credential_for(azure), azure.metrics_endpoint).fetch(
        WINDOW, [(PROD, "eastus2")]
    )

    peaks = {(r.deployment, r.date): r.peak_tpm for r in records}
    assert peaks == {
        ("chat-00", DAY_1): 90,
        ("chat-00", DAY_2): 70,
        ("chat-01", DAY_1): 1_234_567,
        ("chat-01", DAY_2): max(v or 0 for v in azure.double.metrics.served_minutes(usage[3])),
    }
    assert [(r.input_tokens, r.output_tokens) for r in records] == [
        (u.input_tokens, u.output_tokens) for u in sorted(usage, key=lambda u: u.deployment)
    ]  # the daily totals are the daily call's, whatever the minutes say


def test_minutes_without_a_total_are_no_data_and_a_day_without_data_has_no_peak(
    serve_azure: Serve, credential_for: Credential
) -> None:
    usage = usage_of(PROD, deployments=1, days=3)
    azure = serve_azure(AzureDouble(usage=usage))
    served = azure.double.metrics.minutes
    served[(PROD.lower(), "chat-00", DAY_1)] = minutes()  # tokens, but no minute data
    served[(PROD.lower(), "chat-00", DAY_2)] = minutes(m5=0, m6=0)  # data: zero
    third = WINDOW.start + timedelta(days=2)
    served[(PROD.lower(), "chat-00", third)] = minutes(m100=None, m101=17, m102=None)

    records = MonitorUsageSource(credential_for(azure), azure.metrics_endpoint).fetch(
        WINDOW, [(PROD, "eastus2")]
    )

    assert [(r.date, r.peak_tpm) for r in records] == [(DAY_1, None), (DAY_2, 0), (third, 17)]
    (peaks, _) = azure.double.metrics_batches()
    assert peaks.param("interval") == "PT1M"


def test_one_deployment_served_in_two_casings_peaks_at_its_busiest_minute_summed(
    serve_azure: Serve, credential_for: Credential
) -> None:
    """Dimension values are case-insensitive: two series of one deployment add up per minute."""
    upper = UsageRecord(DAY_1, PROD, "Chat", 600, 0, 6)
    lower = UsageRecord(DAY_1, PROD, "chat", 400, 0, 4)
    azure = serve_azure(AzureDouble(usage=[upper, lower]))  # each series: the default minutes

    (record,) = MonitorUsageSource(credential_for(azure), azure.metrics_endpoint).fetch(
        WINDOW, [(PROD, "eastus2")]
    )

    each = [azure.double.metrics.served_minutes(r) for r in (upper, lower)]
    summed = max((a or 0) + (b or 0) for a, b in zip(*each, strict=True))
    assert record.total_tokens == 1000
    assert record.peak_tpm == summed
    assert summed > max(max(v or 0 for v in m) for m in each)  # not the peak of one series


def test_a_failing_peaks_call_fails_the_fetch_and_the_daily_call_is_not_made(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(AzureDouble(usage=usage_of(PROD, 2)))
    azure.double.metrics.fail_interval = "PT1M"

    with pytest.raises(SourceError, match=r"peak tokens per minute\) failed: HTTP 500"):
        MonitorUsageSource(credential_for(azure), azure.metrics_endpoint).fetch(
            WINDOW, [(PROD, "eastus2")]
        )

    assert [b.param("interval") for b in azure.double.metrics_batches()] == ["PT1M"]


def test_a_failing_peaks_call_of_a_later_batch_fails_the_whole_fetch(
    serve_azure: Serve, credential_for: Credential
) -> None:
    """No partial answer: the first batch's records are not returned without the second's."""
    accounts = [(account(n), "eastus") for n in range(51)]
    azure = serve_azure(AzureDouble(usage=usage_of(account(50), 1)))
    azure.double.metrics.fail_interval = "PT1M"
    azure.double.metrics.fail_after_n = 1

    with pytest.raises(SourceError, match="HTTP 500"):
        MonitorUsageSource(credential_for(azure), azure.metrics_endpoint).fetch(WINDOW, accounts)

    assert [b.param("interval") for b in azure.double.metrics_batches()] == ["PT1M", "P1D", "PT1M"]


def test_a_peaks_answer_with_as_many_series_as_top_is_refused(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(AzureDouble(usage=usage_of(PROD, deployments=3)))
    source = MonitorUsageSource(credential_for(azure), azure.metrics_endpoint, top=3)

    with pytest.raises(SourceError, match="returned 3 series"):
        source.fetch(WINDOW, [(PROD, "eastus2")])

    (peaks,) = azure.double.metrics_batches()
    assert (peaks.param("interval"), peaks.param("top")) == ("PT1M", "3")


def test_the_sample_tenants_minutes_give_its_simulated_peaks(
    tmp_path: Path, serve_azure: Serve, credential_for: Credential
) -> None:
    """The demo's per-minute profile, served in the real format, read back by the real client."""
    tenant = generate(tmp_path / "tenant")
    accounts = sorted({(d.account.id, d.account_location) for d in tenant.deployments})
    azure = serve_azure(AzureDouble(usage=tenant.usage))
    window = tenant.period.window

    records = MonitorUsageSource(credential_for(azure), azure.metrics_endpoint).fetch(
        window, accounts
    )

    got = {(r.account_id.lower(), r.deployment, r.date): r for r in records}
    observed = [u for u in tenant.usage if u.total_tokens or u.ptu_utilization is not None]
    assert len(got) == len(observed)
    for u in observed:
        record = got[(u.account_id.lower(), u.deployment, u.date)]
        assert (record.total_tokens, record.peak_tpm) == (u.total_tokens, u.peak_tpm), u
    assert sum(1 for u in observed if u.peak_tpm) > 300
    assert len(azure.double.metrics_batches()) == 4  # two account batches, each with its peaks
