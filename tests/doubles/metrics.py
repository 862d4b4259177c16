"""Azure Monitor `metrics:getBatch`, rendered from daily usage records.

For whole-hour intervals each day's counts are spread evenly over its 24 UTC hours, and buckets
of the requested interval start at `starttime` (as Azure aligns them), so a P1D query that starts
at noon straddles days. `PT1M` spreads each day's counts over its minutes by the sample tenant's
diurnal profile (shared/demo/sample_tenant_usage.py: the minutes add up to the day's count, and
for the sample tenant's `TokenTransaction` their maximum is its records' `peak_tpm`), unless
`minutes` gives a day's `TokenTransaction` per minute (None: no data); a minute without a value
is a point with only its `timeStamp`, as Azure sends it. A record's `peak_tpm` is never read.
Series are split by `ModelDeploymentName` only when the filter asks; the dimension comes back
lower-cased; without `top` only 10 series per metric are returned (the largest totals first).
`fail_interval` answers the queries of that interval with `fail_status`, after the first
`fail_after_n` of them. With `fault_rate`, that share of the requests is answered 429 or 503
with `Retry-After: 0` (never the same request twice in a row), seeded so a run is repeatable.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from shared.core.usage import UsageRecord
from shared.demo.sample_tenant_usage import MINUTES_PER_DAY, minute_tokens, minute_weights, spread
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
PEAK_METRIC = "TokenTransaction"
DEFAULT_TOP = 10
MAX_RESOURCES = 50
MINUTE = timedelta(minutes=1)
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


Minutes = tuple[int | None, ...]


@dataclass
class MetricsDouble:
    usage: Sequence[UsageRecord]
    regions: Mapping[str, str]
    throttle_first_n: int = 0
    throttle_status: int = 529
    # (lower-cased account id, lower-cased deployment, UTC day) -> TokenTransaction per minute.
    minutes: dict[tuple[str, str, date], Minutes] = field(default_factory=dict)
    fail_interval: str | None = None
    fail_status: int = 500
    fail_after_n: int = 0
    fault_rate: float = 0.0
    fault_seed: int = 14
    faults: int = 0
    _rng: random.Random = field(default_factory=random.Random)
    _faulted_last: set[str] = field(default_factory=set)
    _requests: int = 0
    _failing: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng.seed(self.fault_seed)

    def handle(self, request: RecordedRequest, subscription_id: str) -> Reply:
        with self._lock:
            if (fault := self._fault(request)) is not None:
                return fault
            self._requests += 1
            if self._requests <= self.throttle_first_n:
                body = {
                    "error": {
                        "code": "TooManyRequests",
                        "message": "The metrics backend is throttling.",
                    }
                }
                return Reply.json(self.throttle_status, body)
        interval = (request.param("interval") or "PT1M").upper()
        if self.fail_interval is not None and interval == self.fail_interval.upper():
            with self._lock:
                self._failing += 1
                failing = self._failing > self.fail_after_n
            if failing:
                body = {"error": {"code": "InternalServerError", "message": "Query failed."}}
                return Reply.json(self.fail_status, body)
        try:
            body = self._batch(request, subscription_id)
        except BadMetricsQuery as err:
            return Reply.json(400, {"error": {"code": "BadRequest", "message": str(err)}})
        # No Decimal in it: the C encoder, as a PT1M answer has a point per minute and series.
        return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def _fault(self, request: RecordedRequest) -> Reply | None:
        """A 429 or 503 for the faulted share of the requests (never one request twice in a
        row); None for the others. Called under the lock."""
        if self.fault_rate <= 0:
            return None
        key = hashlib.sha256(request.raw_query.encode() + request.body).hexdigest()
        if key in self._faulted_last:
            self._faulted_last.discard(key)
            return None
        if self._rng.random() >= self.fault_rate:
            return None
        self._faulted_last.add(key)
        self.faults += 1
        status = self._rng.choice((429, 503))
        body = {"error": {"code": "TooManyRequests", "message": "Injected fault."}}
        return Reply.json(status, body, {"Retry-After": "0"})

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
        if step == MINUTE:
            return self._minute_points(records, metric, start, end)
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

    def _minute_points(
        self, records: list[UsageRecord], metric: str, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        """One point per minute of [start, end): each day's minutes, summed over its records."""
        days: dict[date, list[int | None]] = {}
        averages: dict[date, list[float]] = {}
        for record in records:
            if metric == UTILIZATION:
                averages.setdefault(record.date, []).append(float(record.ptu_utilization or 0))
                continue
            slots = days.setdefault(record.date, [None] * MINUTES_PER_DAY)
            for at, value in enumerate(self._minutes_of(record, metric)):
                if value is not None:
                    slots[at] = (slots[at] or 0) + value
        points: list[dict[str, Any]] = []
        for minute, stamp in _minute_stamps(start, end):
            point: dict[str, Any] = {"timeStamp": stamp}
            day, at = minute.date(), minute.hour * 60 + minute.minute
            if metric == UTILIZATION:
                held = averages.get(day)
                if held:
                    point["average"] = sum(held) / len(held)
            else:
                served = days.get(day)
                value = served[at] if served is not None else None
                if value is not None:
                    point["total"] = value
            points.append(point)
        return points

    def served_minutes(self, record: UsageRecord) -> Minutes:
        """The record's `TokenTransaction` per minute as a PT1M query is answered."""
        return self._minutes_of(record, PEAK_METRIC)

    def _minutes_of(self, record: UsageRecord, metric: str) -> Minutes:
        """The record's count of `metric` per minute of its day (None: no data that minute)."""
        account = record.account_id.lower()
        key = (account, record.deployment.lower(), record.date)
        if metric == PEAK_METRIC and key in self.minutes:
            given = self.minutes[key]
            if len(given) != MINUTES_PER_DAY:
                raise ValueError(f"minutes of {key} must list {MINUTES_PER_DAY} values")
            return given
        location = self.regions.get(account, "eastus")
        if metric == PEAK_METRIC:
            shares = minute_tokens(record, location)
        else:
            shares = spread(_value(record, metric), minute_weights(record, location))
        return tuple(share or None for share in shares)  # a minute without calls has no value


@lru_cache(maxsize=8)
def _minute_stamps(start: datetime, end: datetime) -> tuple[tuple[datetime, str], ...]:
    out = []
    minute = start
    while minute < end:
        out.append((minute, _stamp(minute)))
        minute += MINUTE
    return tuple(out)


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
    if step != MINUTE and (step < timedelta(hours=1) or step % timedelta(hours=1)):
        raise BadMetricsQuery(f"This double serves PT1M and whole-hour intervals, not {text!r}")
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
