"""Azure Monitor `metrics:getBatch`, rendered from daily usage records.

Each day's counts are spread evenly over its 24 UTC hours, and buckets of the requested interval
start at `starttime` (as Azure aligns them), so a P1D query that starts at noon straddles days.
Series are split by `ModelDeploymentName` only when the filter asks; the dimension comes back
lower-cased; without `top` only 10 series per metric are returned (the largest totals first).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.core.usage import UsageRecord
from tests.doubles.server import RecordedRequest, Reply

NAMESPACE = "Microsoft.CognitiveServices/accounts"
UTILIZATION = "AzureOpenAIProvisionedManagedUtilizationV2"  # a Percent metric: `average` only
METRICS: dict[str, tuple[str, str]] = {
    # REST name -> (localized name, description)
    "ProcessedPromptTokens": ("Processed Prompt Tokens", "Number of prompt tokens processed."),
    "GeneratedTokens": ("Generated Completion Tokens", "Number of generated tokens."),
    "AzureOpenAIRequests": (
        "Azure OpenAI Requests",
        "Number of calls made to the Azure OpenAI API.",
    ),
    "TokenTransaction": ("Processed Inference Tokens", "Prompt tokens plus generated tokens."),
    UTILIZATION: (
        "Provisioned-managed Utilization V2",
        "Utilization % for a provisoned-managed deployment.",
    ),
}
DEFAULT_TOP = 10
MAX_RESOURCES = 50
_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


def _value(record: UsageRecord, metric: str) -> int:
    return {
        "ProcessedPromptTokens": record.input_tokens,
        "GeneratedTokens": record.output_tokens,
        "AzureOpenAIRequests": record.requests,
        "TokenTransaction": record.input_tokens + record.output_tokens,
    }[metric]


def _hour_share(total: int, hour: int) -> int:
    return total // 24 + (1 if hour < total % 24 else 0)


class BadMetricsQuery(Exception):
    """Answered with a 400 and the wrapped error body getBatch uses."""


@dataclass
class MetricsDouble:
    usage: Sequence[UsageRecord]
    regions: Mapping[str, str]
    throttle_first_n: int = 0
    throttle_status: int = 529
    _requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, request: RecordedRequest, subscription_id: str) -> Reply:
        with self._lock:
            self._requests += 1
            if self._requests <= self.throttle_first_n:
                body = {
                    "error": {
                        "code": "TooManyRequests",
                        "message": "The metrics backend is throttling.",
                    }
                }
                return Reply.json(self.throttle_status, body)
        try:
            return Reply.json(200, self._batch(request, subscription_id))
        except BadMetricsQuery as err:
            return Reply.json(400, {"error": {"code": "BadRequest", "message": str(err)}})

    def _batch(self, request: RecordedRequest, subscription_id: str) -> dict[str, Any]:
        if request.param("timespan") is not None:
            raise BadMetricsQuery(
                "Detected invalid time range parameters for API version 2024-02-01. "
                "Please use only starttime and endtime to specify a time range."
            )
        if not request.param("api-version"):
            raise BadMetricsQuery("The api-version query parameter is required.")
        if (request.param("metricnamespace") or "").lower() != NAMESPACE.lower():
            raise BadMetricsQuery(
                f"Metric namespace not found: {request.param('metricnamespace')!r}"
            )
        names = [n for n in (request.param("metricnames") or "").split(",") if n]
        known = {m.lower(): m for m in METRICS}
        if not names or any(n.lower() not in known for n in names):
            raise BadMetricsQuery(
                f"Failed to find metric configuration for {names}; "
                f"valid metrics: {', '.join(METRICS)}"
            )
        if "total" not in (request.param("aggregation") or "").lower().split(","):
            raise BadMetricsQuery("This double serves the 'total' aggregation only")
        start = _instant(request.param("starttime"), "starttime")
        end = _instant(request.param("endtime"), "endtime")
        step = _interval(request.param("interval") or "PT1M")
        split, only = _deployment_filter(request.param("filter"))
        top = int(request.param("top") or DEFAULT_TOP)
        body = request.json() or {}
        resource_ids = body.get("resourceids") if isinstance(body, dict) else None
        if not isinstance(resource_ids, list) or not 0 < len(resource_ids) <= MAX_RESOURCES:
            raise BadMetricsQuery(f"resourceids must list 1 to {MAX_RESOURCES} resources")
        for rid in resource_ids:
            if rid != rid.lower():
                raise BadMetricsQuery(f"resourceids must be lower case: {rid}")
            parts = str(rid).strip("/").split("/")
            if len(parts) < 2 or parts[1] != subscription_id.lower():
                raise BadMetricsQuery(f"{rid} is not in subscription {subscription_id}")
        values = []
        for rid in resource_ids:
            metrics = [
                self._metric(rid, known[n.lower()], start, end, step, split, only, top)
                for n in names
            ]
            values.append(
                {
                    "starttime": _stamp(start),
                    "endtime": _stamp(end),
                    "interval": request.param("interval") or "PT1M",
                    "value": metrics,
                    "namespace": NAMESPACE.lower(),
                    "resourceregion": self.regions.get(rid, "eastus"),
                    "resourceid": rid,
                }
            )
        return {"values": values}

    def _metric(
        self,
        rid: str,
        metric: str,
        start: datetime,
        end: datetime,
        step: timedelta,
        split: bool,
        only: frozenset[str] | None,
        top: int,
    ) -> dict[str, Any]:
        records = [
            r
            for r in self.usage
            if r.account_id.lower() == rid
            and start.date() <= r.date < (end + timedelta(days=1)).date()
            and (only is None or r.deployment.lower() in only)
            and (metric != UTILIZATION or r.ptu_utilization is not None)
        ]
        groups: dict[str, list[UsageRecord]] = {}
        for record in records:
            groups.setdefault(record.deployment if split else "", []).append(record)
        series = [
            (name, self._points(recs, metric, start, end, step)) for name, recs in groups.items()
        ]
        series.sort(key=lambda s: (-sum(p.get("total", 0) for p in s[1]), s[0]))
        localized, description = METRICS[metric]
        return {
            "id": f"{rid}/providers/Microsoft.Insights/metrics/{metric}",
            "type": "Microsoft.Insights/metrics",
            "name": {"value": metric, "localizedValue": localized},
            "displayDescription": description,
            "unit": "Percent" if metric == UTILIZATION else "Count",
            "timeseries": [
                {
                    "metadatavalues": [
                        {
                            "name": {
                                "value": "modeldeploymentname",
                                "localizedValue": "modeldeploymentname",
                            },
                            "value": name,
                        }
                    ]
                    if split
                    else [],
                    "data": points,
                }
                for name, points in series[:top]
            ],
            "errorCode": "Success",
        }

    def _points(
        self,
        records: list[UsageRecord],
        metric: str,
        start: datetime,
        end: datetime,
        step: timedelta,
    ) -> list[dict[str, Any]]:
        if metric == UTILIZATION:
            return _average_points(records, start, end, step)
        hourly: dict[datetime, int] = {}
        for record in records:
            midnight = datetime(record.date.year, record.date.month, record.date.day, tzinfo=UTC)
            total = _value(record, metric)
            for hour in range(24):
                at = midnight + timedelta(hours=hour)
                hourly[at] = hourly.get(at, 0) + _hour_share(total, hour)
        points = []
        bucket = start
        while bucket < end:
            upper = min(bucket + step, end)
            hours = [h for h in hourly if bucket <= h < upper]
            point: dict[str, Any] = {"timeStamp": _stamp(bucket)}
            if hours:
                point["total"] = sum(hourly[h] for h in hours)
            points.append(point)
            bucket = upper
        return points


def _average_points(
    records: list[UsageRecord], start: datetime, end: datetime, step: timedelta
) -> list[dict[str, Any]]:
    """Each record's utilization held for its day's 24 hours; a bucket averages its hours."""
    hourly: dict[datetime, list[float]] = {}
    for record in records:
        midnight = datetime(record.date.year, record.date.month, record.date.day, tzinfo=UTC)
        for hour in range(24):
            hourly.setdefault(midnight + timedelta(hours=hour), []).append(
                float(record.ptu_utilization or 0)
            )
    points = []
    bucket = start
    while bucket < end:
        upper = min(bucket + step, end)
        values = [v for h, vs in hourly.items() if bucket <= h < upper for v in vs]
        point: dict[str, Any] = {"timeStamp": _stamp(bucket)}
        if values:
            point["average"] = sum(values) / len(values)
        points.append(point)
        bucket = upper
    return points


def _instant(text: str | None, name: str) -> datetime:
    if not text:
        raise BadMetricsQuery(f"{name} is required by this double")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadMetricsQuery(f"{name} is not a time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _interval(text: str) -> timedelta:
    match = _DURATION.match(text.upper())
    if not match or not any(match.groups()):
        raise BadMetricsQuery(f"This double does not serve interval {text!r}")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    step = timedelta(days=days, hours=hours, minutes=minutes)
    if step < timedelta(hours=1) or step % timedelta(hours=1):
        raise BadMetricsQuery(f"This double serves whole-hour intervals only, not {text!r}")
    return step


def _deployment_filter(text: str | None) -> tuple[bool, frozenset[str] | None]:
    """(split by deployment?, only these deployments or None for all)."""
    if not text:
        return False, None
    wanted: set[str] = set()
    for clause in re.split(r"\s+or\s+", text.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.match(clause)
        if not match or match.group(1).lower() != "modeldeploymentname":
            raise BadMetricsQuery(f"This double filters on ModelDeploymentName only: {text!r}")
        wanted.add(match.group(2).lower())
    return True, None if "*" in wanted else frozenset(wanted)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
