"""Live per-deployment usage from Azure Monitor `metrics:getBatch`, through `MetricsClient`.

Accounts are batched by subscription and region, at most 50 per call, resource ids lower-cased as
the API requires. One call asks for ProcessedPromptTokens, GeneratedTokens and AzureOpenAIRequests,
`Total`, split by `ModelDeploymentName eq '*'` with a high `top` (the API returns only 10 series per
metric without it). Interval is `P1D` with `starttime` at UTC midnight: daily buckets start at the
query start, so each bucket is exactly one UTC day, with 24 times fewer points than `PT1H` (the
batch API has no paging). The raw JSON goes through `MetricsClient.send_request` to the same
parser as a saved metrics file. 429 and 529 (the metrics throttling status) are retried, bounded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError
from azure.core.rest import HttpRequest, HttpResponse
from azure.monitor.querymetrics import MetricsClient

from shared.adapters.azure.http_errors import describe_error
from shared.adapters.formats.metrics_json import (
    INPUT_METRIC,
    OUTPUT_METRIC,
    REQUESTS_METRIC,
    UTILIZATION_METRIC,
    parse_metrics_response,
)
from shared.core.arm_ids import parse_account_id
from shared.core.period import DateWindow
from shared.core.usage import UsageRecord
from shared.errors import InvalidInput, SourceError, ThrottledError

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
RETRYABLE_STATUS = frozenset({429, 503, 529})
DEFAULT_MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 60.0


def regional_endpoint(region: str) -> str:
    """`https://{region}.metrics.monitor.azure.com` for an ARM location (`East US` -> `eastus`)."""
    name = region.replace(" ", "").lower() or "global"
    return f"https://{name}.metrics.monitor.azure.com"


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
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        top: int = DEFAULT_TOP,
        audience: str | None = None,
    ) -> None:
        if max_attempts < 1 or top < 1:
            raise ValueError("max_attempts and top must be at least 1")
        self._credential = credential
        self._endpoint = metrics_endpoint.rstrip("/") if metrics_endpoint else None
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._top = top
        self._audience = audience

    def fetch(self, window: DateWindow, accounts: Sequence[tuple[str, str]]) -> list[UsageRecord]:
        """Usage of every account's deployments on the days of `window`, or an error."""
        records: list[UsageRecord] = []
        for (subscription_id, region), ids in _batches(accounts).items():
            endpoint = self._endpoint or regional_endpoint(region)
            options: dict[str, Any] = {"retry_status": 0}  # status retries are ours (429/529)
            if self._audience:
                options["audience"] = self._audience
            with MetricsClient(endpoint, self._credential, **options) as client:
                for start in range(0, len(ids), BATCH_SIZE):
                    batch = ids[start : start + BATCH_SIZE]
                    payload = self._post(client, subscription_id, batch, window)
                    records.extend(self._records(payload, batch, window))
        return records

    def _records(
        self, payload: Mapping[str, Any], batch: Sequence[str], window: DateWindow
    ) -> list[UsageRecord]:
        original = {account.lower(): account for account in batch}
        try:
            parsed = parse_metrics_response(payload)
        except InvalidInput as err:
            raise SourceError(f"metrics batch: {err}") from err
        self._check_not_truncated(payload)
        out = []
        for record in parsed:
            account = original.get(record.account_id.lower())
            if account is None:
                raise SourceError(
                    f"metrics batch answered for an unasked resource {record.account_id}"
                )
            if record.date in window:
                out.append(replace(record, account_id=account))
        return out

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
        self, client: MetricsClient, subscription_id: str, batch: Sequence[str], window: DateWindow
    ) -> Mapping[str, Any]:
        request = HttpRequest(
            "POST",
            f"/subscriptions/{subscription_id}/metrics:getBatch",
            params=batch_params(window, self._top),
            json={"resourceids": [account.lower() for account in batch]},
        )
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = client.send_request(request)
            except AzureError as err:
                raise SourceError(f"metrics batch for {subscription_id} failed: {err}") from err
            if response.status_code in RETRYABLE_STATUS:
                wait = _retry_after(response, attempt)
                if attempt == self._max_attempts:
                    raise ThrottledError(
                        f"metrics batch for {subscription_id} still throttled "
                        f"({response.status_code}) after {attempt} attempt(s)",
                        wait,
                    )
                self._sleep(wait)
                continue
            if response.status_code != 200:
                raise SourceError(
                    f"metrics batch for {subscription_id}: {describe_error(response)}"
                )
            try:
                payload = json.loads(response.text())
            except ValueError as err:
                raise SourceError("metrics batch: response is not JSON") from err
            if not isinstance(payload, Mapping):
                raise SourceError("metrics batch: response is not a JSON object")
            return payload
        raise AssertionError("unreachable")  # pragma: no cover


def _batches(accounts: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    """Account ids grouped by (subscription, region), first-seen order, duplicates dropped."""
    groups: dict[tuple[str, str], list[str]] = {}
    seen: set[str] = set()
    for account_id, region in accounts:
        ref = parse_account_id(account_id, "accounts")
        if ref.norm in seen:
            continue
        seen.add(ref.norm)
        key = (ref.subscription_id.lower(), region.replace(" ", "").lower())
        groups.setdefault(key, []).append(account_id)
    return groups


def _retry_after(response: HttpResponse, attempt: int) -> float:
    raw = (response.headers.get("Retry-After") or "").strip()
    try:
        return float(raw)
    except ValueError:
        return min(BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


def _midnight(day: date) -> str:
    return f"{day.isoformat()}T00:00:00.000Z"
