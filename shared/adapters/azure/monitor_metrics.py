"""Live per-deployment usage from Azure Monitor `metrics:getBatch`, through `MetricsClient`.

Accounts are batched by subscription and region, at most 50 per call, resource ids lower-cased as
the API requires. One call asks for ProcessedPromptTokens, GeneratedTokens and AzureOpenAIRequests,
`Total`, split by `ModelDeploymentName eq '*'` with a high `top` (the API returns only 10 series per
metric without it). Interval is `P1D` with `starttime` at UTC midnight: daily buckets start at the
query start, so each bucket is exactly one UTC day, with 24 times fewer points than `PT1H` (the
batch API has no paging). The raw JSON goes through `MetricsClient.send_request` to the same
parser as a saved metrics file. Throttling (429, 503, and 529: the metrics backend's own) is
retried, bounded, by the client's `SourceRetryPolicy` (shared/adapters/azure/calls.py).

Each batch gets one more call, made first: `TokenTransaction` at `PT1M` over the same window and
resources, whose minute buckets also start at UTC midnight, reduced to each deployment's peak
tokens per minute per UTC day (`parse_peak_tpm`) and attached to that day's record (a day with
tokens but no minute data keeps None; minute data of a day with no record is dropped). Made first
so that, as Azure only adds late minutes, a day's minutes never hold more than its later totals.
It has the same `top`, truncation check, retries and error mapping, and if it fails the fetch
fails: records that silently lost their peaks would replace stored ones.

Batches run `concurrency` at a time (shared/adapters/azure/fan_out.py), one client per regional
endpoint shared by its batches; the records come back in batch order, all of them or an error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import replace
from datetime import date
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest, HttpResponse
from azure.monitor.querymetrics import MetricsClient

from shared.adapters.azure.calls import CallOptions, RetryRules, mapped, read_json, send
from shared.adapters.azure.fan_out import check_concurrency, fan_out
from shared.adapters.formats.metrics_json import (
    INPUT_METRIC,
    OUTPUT_METRIC,
    PEAK_INTERVAL,
    PEAK_METRIC,
    REQUESTS_METRIC,
    UTILIZATION_METRIC,
    DailyPeak,
    attach_peaks,
    parse_metrics_response,
    parse_peak_tpm,
)
from shared.core.arm_ids import parse_account_id
from shared.core.period import DateWindow
from shared.core.resource_id import id_key
from shared.core.usage import UsageRecord
from shared.errors import ConfigurationError, SourceError

API_VERSION = "2024-02-01"
METRIC_NAMESPACE = "Microsoft.CognitiveServices/accounts"
METRIC_NAMES: tuple[str, ...] = (
    INPUT_METRIC,
    OUTPUT_METRIC,
    REQUESTS_METRIC,
    UTILIZATION_METRIC,
)
DEPLOYMENT_FILTER = "ModelDeploymentName eq '*'"
INTERVAL = "P1D"
DEFAULT_TOP = 1000
BATCH_SIZE = 50
# 429, 503 and 529, five attempts, waited as `Retry-After` asks, else 2 s, 4 s, ... up to 60 s.
RETRY = RetryRules(
    frozenset({429, 503, 529}),
    max_attempts=5,
    first_wait_seconds=2.0,
    max_backoff_seconds=60.0,
    max_wait_seconds=120.0,  # a longer Retry-After is given up at once: the function has 10 min
)


def regional_endpoint(region: str) -> str:
    """`https://{region}.metrics.monitor.azure.com` for an ARM location (`East US` -> `eastus`)."""
    name = region.replace(" ", "").lower() or "global"
    return f"https://{name}.metrics.monitor.azure.com"


def peak_params(window: DateWindow, top: int) -> dict[str, str]:
    """Query parameters of the peaks call: `TokenTransaction` totals per minute over `window`."""
    return {
        **batch_params(window, top),
        "metricnames": PEAK_METRIC,
        "interval": PEAK_INTERVAL,
        "aggregation": "total",
    }


def batch_params(window: DateWindow, top: int) -> dict[str, str]:
    """Query parameters of one getBatch call for `window` (UTC days, end excluded)."""
    return {
        "api-version": API_VERSION,
        "metricnamespace": METRIC_NAMESPACE,
        "metricnames": ",".join(METRIC_NAMES),
        "starttime": _midnight(window.start),
        "endtime": _midnight(window.end),
        "interval": INTERVAL,
        "aggregation": "total,average",
        "filter": DEPLOYMENT_FILTER,
        "top": str(top),
    }


class MonitorUsageSource:
    """A `UsageSource` (shared/services/ports.py) over the metrics batch API."""

    def __init__(
        self,
        credential: TokenCredential,
        metrics_endpoint: str | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = RETRY.max_attempts,
        top: int = DEFAULT_TOP,
        audience: str | None = None,
        transport: HttpTransport[HttpRequest, HttpResponse] | None = None,
        concurrency: int = 1,
    ) -> None:
        if top < 1:
            raise ConfigurationError("top", f"must be at least 1, not {top}")
        self._calls = CallOptions(replace(RETRY, max_attempts=max_attempts), sleep, transport)
        self._credential = credential
        self._endpoint = metrics_endpoint.rstrip("/") if metrics_endpoint else None
        self._top = top
        self._audience = audience
        self._concurrency = check_concurrency(concurrency, "concurrency")

    def fetch(self, window: DateWindow, accounts: Sequence[tuple[str, str]]) -> list[UsageRecord]:
        """Usage of every account's deployments on the days of `window`, or an error."""
        calls: list[tuple[str, str, list[str]]] = []  # (endpoint, subscription, batch)
        for (subscription_id, region), ids in _batches(accounts).items():
            endpoint = self._endpoint or regional_endpoint(region)
            for start in range(0, len(ids), BATCH_SIZE):
                calls.append((endpoint, subscription_id, ids[start : start + BATCH_SIZE]))
        with ExitStack() as stack:
            clients: dict[str, MetricsClient] = {}
            for endpoint in dict.fromkeys(e for e, _, _ in calls):
                options = self._calls.client_kwargs()
                if self._audience:
                    options["audience"] = self._audience
                clients[endpoint] = stack.enter_context(
                    MetricsClient(endpoint, self._credential, **options)
                )

            def batch(call: tuple[str, str, list[str]]) -> list[UsageRecord]:
                endpoint, subscription_id, ids = call
                client = clients[endpoint]
                peaks = self._peaks(client, subscription_id, ids, window)
                params = batch_params(window, self._top)
                what = f"metrics batch for {subscription_id}"
                payload = self._post(client, subscription_id, ids, params, what)
                return self._records(payload, ids, window, peaks)

            parts = fan_out(batch, calls, self._concurrency)
        return [record for part in parts for record in part]

    def _peaks(
        self, client: MetricsClient, subscription_id: str, batch: Sequence[str], window: DateWindow
    ) -> list[DailyPeak]:
        """The batch's peak tokens per minute per account, deployment and UTC day."""
        what = f"metrics batch for {subscription_id} (peak tokens per minute)"
        payload = self._post(client, subscription_id, batch, peak_params(window, self._top), what)
        with mapped("metrics batch (peak tokens per minute)"):
            parsed = parse_peak_tpm(payload)
        self._check_not_truncated(payload)
        asked = {id_key(account) for account in batch}
        for peak in parsed:
            _check_asked(asked, peak)
        return parsed

    def _records(
        self,
        payload: Mapping[str, Any],
        batch: Sequence[str],
        window: DateWindow,
        peaks: Sequence[DailyPeak],
    ) -> list[UsageRecord]:
        original = {id_key(account): account for account in batch}
        with mapped("metrics batch"):
            parsed = parse_metrics_response(payload)
        self._check_not_truncated(payload)
        out = []
        for record in parsed:
            account = original.get(id_key(record.account_id))
            if account is None:
                raise SourceError(
                    f"metrics batch answered for an unasked resource {record.account_id}"
                )
            if record.date in window:
                out.append(replace(record, account_id=account))
        return attach_peaks(out, peaks)

    def _check_not_truncated(self, payload: Mapping[str, Any]) -> None:
        """A metric with exactly `top` series may have lost some: refuse rather than undercount."""
        for item in payload.get("values") or []:
            for metric in item.get("value") or []:
                if len(metric.get("timeseries") or []) >= self._top:
                    raise SourceError(
                        f"metrics batch: {item.get('resourceid')} returned {self._top} series "
                        "(the top limit); raise top to collect every deployment"
                    )

    def _post(
        self,
        client: MetricsClient,
        subscription_id: str,
        batch: Sequence[str],
        params: Mapping[str, str],
        what: str,
    ) -> Mapping[str, Any]:
        request = HttpRequest(
            "POST",
            f"/subscriptions/{subscription_id}/metrics:getBatch",
            params=dict(params),
            json={"resourceids": [id_key(account) for account in batch]},
        )
        payload = read_json(send(client, request, what).text(), what)
        if not isinstance(payload, Mapping):
            raise SourceError(f"{what}: response is not a JSON object")
        return payload


def _check_asked(asked: set[str], peak: DailyPeak) -> None:
    if id_key(peak.account_id) not in asked:
        raise SourceError(
            f"metrics batch (peak tokens per minute) answered for an unasked resource "
            f"{peak.account_id}"
        )


def _batches(accounts: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    """Account ids grouped by (subscription, region), first-seen order, duplicates dropped."""
    groups: dict[tuple[str, str], list[str]] = {}
    seen: set[str] = set()
    for account_id, region in accounts:
        ref = parse_account_id(account_id, "accounts")
        if ref.norm in seen:
            continue
        seen.add(ref.norm)
        key = (id_key(ref.subscription_id), region.replace(" ", "").lower())
        groups.setdefault(key, []).append(account_id)
    return groups


def _midnight(day: date) -> str:
    return f"{day.isoformat()}T00:00:00.000Z"
