"""Azure Monitor metrics JSON (saved or live) read into per-deployment daily usage.

Accepts a Metrics - List response (`{"value": [metric, ...]}`; the account is `account_id` or the
prefix of each metric's `id`) and a `metrics:getBatch` response (`{"values": [{"resourceid": ...,
"value": [...]}]}`). One metric family is read: `ProcessedPromptTokens` (input), `GeneratedTokens`
(output), `AzureOpenAIRequests` (requests), plus the `average` of
`AzureOpenAIProvisionedManagedUtilizationV2` (PTU utilization %, averaged over the day's points);
other metrics are ignored (`TokenTransaction` is input
plus output and would double-count). Dimension names are matched case-insensitively (Azure returns
`modeldeploymentname`). Data points are summed into the UTC day of their time stamp; a point
without `total` counts 0. Days on which every count is zero are left out.

`parse_peak_tpm` reads a `TokenTransaction` answer at `PT1M` (its own call, never summed with the
family above) into each day's peak tokens per minute (`DailyPeak`): the highest minute total of
the UTC day, the series of one deployment in any casing added minute by minute. There a point
without `total` is no data (not zero), and a day with no data has no peak. `attach_peaks` puts
them on the day's usage records, as every usage source that reads them does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.core.resource_id import id_key
from shared.core.usage import UsageRecord
from shared.errors import InvalidInput

INPUT_METRIC = "ProcessedPromptTokens"
OUTPUT_METRIC = "GeneratedTokens"
REQUESTS_METRIC = "AzureOpenAIRequests"
METRIC_FIELDS: dict[str, str] = {
    INPUT_METRIC.lower(): "input_tokens",
    OUTPUT_METRIC.lower(): "output_tokens",
    REQUESTS_METRIC.lower(): "requests",
}
UTILIZATION_METRIC = "AzureOpenAIProvisionedManagedUtilizationV2"
PEAK_METRIC = "TokenTransaction"
PEAK_INTERVAL = "PT1M"
DEPLOYMENT_DIMENSION = "modeldeploymentname"
_METRIC_ID_SUFFIX = "/providers/microsoft.insights/metrics/"

_Key = tuple[str, str, date]


def parse_metrics_response(
    payload: Mapping[str, Any], account_id: str | None = None
) -> list[UsageRecord]:
    """Usage per account, deployment and UTC day from a Metrics - List or getBatch response."""
    if not isinstance(payload, Mapping):
        raise InvalidInput("metrics", "expected a JSON object")
    totals: dict[_Key, dict[str, int]] = {}
    names: dict[_Key, tuple[str, str]] = {}
    utilization: dict[_Key, list[Decimal]] = {}
    if "values" in payload:
        for at, item in enumerate(_list(payload.get("values"), "values")):
            if not isinstance(item, Mapping):
                raise InvalidInput(f"values[{at}]", "expected a JSON object")
            resource = account_id or _text(item.get("resourceid"))
            _collect(item.get("value"), f"values[{at}].value", resource, totals, names, utilization)
    elif "value" in payload:
        _collect(payload.get("value"), "value", account_id or "", totals, names, utilization)
    else:
        raise InvalidInput("metrics", "expected a 'value' or 'values' list")
    records = []
    for key in names:
        counts = totals.get(key, {})
        averages = utilization.get(key)
        if not any(counts.values()) and not averages:
            continue
        account, deployment = names[key]
        mean = sum(averages, Decimal(0)) / len(averages) if averages else None
        records.append(
            UsageRecord(
                date=key[2],
                account_id=account,
                deployment=deployment,
                ptu_utilization=mean,
                **counts,
            )
        )
    return sorted(records, key=lambda r: (id_key(r.account_id), id_key(r.deployment), r.date))


@dataclass(frozen=True)
class DailyPeak:
    """The highest per-minute `TokenTransaction` total of one deployment on one UTC day."""

    date: date
    account_id: str
    deployment: str
    peak_tpm: int


def parse_peak_tpm(payload: Mapping[str, Any], account_id: str | None = None) -> list[DailyPeak]:
    """Peak tokens per minute per account, deployment and UTC day, from a `TokenTransaction`
    response at `PT1M` (Metrics - List or getBatch); another interval is an InvalidInput."""
    if not isinstance(payload, Mapping):
        raise InvalidInput("metrics", "expected a JSON object")
    minutes: dict[tuple[str, str], dict[datetime, int]] = {}
    names: dict[tuple[str, str], tuple[str, str]] = {}
    if "values" in payload:
        for at, item in enumerate(_list(payload.get("values"), "values")):
            if not isinstance(item, Mapping):
                raise InvalidInput(f"values[{at}]", "expected a JSON object")
            _check_interval(item.get("interval"), f"values[{at}].interval")
            resource = account_id or _text(item.get("resourceid"))
            _collect_minutes(item.get("value"), f"values[{at}].value", resource, minutes, names)
    elif "value" in payload:
        _check_interval(payload.get("interval"), "interval")
        _collect_minutes(payload.get("value"), "value", account_id or "", minutes, names)
    else:
        raise InvalidInput("metrics", "expected a 'value' or 'values' list")
    peaks: dict[tuple[str, str, date], int] = {}
    for (account, deployment), totals in minutes.items():
        for minute, total in totals.items():
            key = (account, deployment, minute.date())
            if total >= peaks.get(key, 0):
                peaks[key] = total
    return sorted(
        (DailyPeak(day, *names[(account, deployment)], peak) for (account, deployment, day), peak
         in peaks.items()),
        key=lambda p: (id_key(p.account_id), id_key(p.deployment), p.date),
    )  # fmt: skip


def attach_peaks(records: Iterable[UsageRecord], peaks: Iterable[DailyPeak]) -> list[UsageRecord]:
    """The records, each with the peak of its account, deployment and UTC day (ids in any case):
    a record without one gets None, a peak of a day without a record is dropped, and of two peaks
    of one day the later wins."""
    by_day = {(id_key(p.account_id), id_key(p.deployment), p.date): p.peak_tpm for p in peaks}
    return [
        replace(r, peak_tpm=by_day.get((id_key(r.account_id), id_key(r.deployment), r.date)))
        for r in records
    ]


def _check_interval(value: object, field: str) -> None:
    """Minute buckets only: a coarser grain would give the peak of a longer bucket."""
    if value is not None and _text(value).upper() != PEAK_INTERVAL:
        raise InvalidInput(field, f"expected {PEAK_INTERVAL} buckets, not {value!r}")


def _collect_minutes(
    metrics: object,
    field: str,
    resource: str,
    minutes: dict[tuple[str, str], dict[datetime, int]],
    names: dict[tuple[str, str], tuple[str, str]],
) -> None:
    stamps: dict[str, datetime] = {}  # the minutes of one answer repeat in every series
    for at, metric in enumerate(_list(metrics, field)):
        where = f"{field}[{at}]"
        if not isinstance(metric, Mapping):
            raise InvalidInput(where, "expected a metric object")
        if _metric_name(metric).lower() != PEAK_METRIC.lower():
            continue
        _check_success(metric, where)
        account = resource or _account_of(_text(metric.get("id")), f"{where}.id")
        for series_at, series in enumerate(
            _list(metric.get("timeseries") or [], f"{where}.timeseries")
        ):
            deployment = _deployment(series)
            if not deployment:
                continue  # not split by deployment: cannot be attributed
            pair = (id_key(account), id_key(deployment))
            names.setdefault(pair, (account, deployment))
            totals = minutes.setdefault(pair, {})
            data = f"{where}.timeseries[{series_at}].data"
            for point_at, point in enumerate(_list(series.get("data") or [], data)):
                if not isinstance(point, Mapping):
                    raise InvalidInput(f"{data}[{point_at}]", "expected a data point")
                value = point.get("total")
                if value is None:
                    continue  # no data that minute, which is not zero
                text = point.get("timeStamp")
                stamp = stamps.get(text) if isinstance(text, str) else None
                if stamp is None:
                    stamp = _timestamp(text, f"{data}[{point_at}].timeStamp")
                    if isinstance(text, str):
                        stamps[text] = stamp
                count = _whole(value)
                if count is None:
                    count = _count(value, f"{data}[{point_at}].total")
                totals[stamp] = totals.get(stamp, 0) + count


def _whole(value: object) -> int | None:
    """A whole, non-negative JSON number as an int, fast (None: let `_count` judge it)."""
    if type(value) is int and value >= 0:
        return value
    if type(value) is float and value >= 0 and value.is_integer():
        return int(value)
    return None


def _check_success(metric: Mapping[str, Any], where: str) -> None:
    error = _text(metric.get("errorCode")) or "Success"
    if error.lower() != "success":
        raise InvalidInput(f"{where}.errorCode", f"{error}: {_text(metric.get('errorMessage'))}")


def _collect(
    metrics: object,
    field: str,
    resource: str,
    totals: dict[_Key, dict[str, int]],
    names: dict[_Key, tuple[str, str]],
    utilization: dict[_Key, list[Decimal]],
) -> None:
    for at, metric in enumerate(_list(metrics, field)):
        where = f"{field}[{at}]"
        if not isinstance(metric, Mapping):
            raise InvalidInput(where, "expected a metric object")
        name = _metric_name(metric).lower()
        metric_field = METRIC_FIELDS.get(name)
        is_utilization = name == UTILIZATION_METRIC.lower()
        if metric_field is None and not is_utilization:
            continue
        _check_success(metric, where)
        account = resource or _account_of(_text(metric.get("id")), f"{where}.id")
        for series_at, series in enumerate(
            _list(metric.get("timeseries") or [], f"{where}.timeseries")
        ):
            deployment = _deployment(series)
            if not deployment:
                continue  # not split by deployment: cannot be attributed
            series_field = f"{where}.timeseries[{series_at}]"
            if is_utilization:
                for day, average in _averages(series, series_field):
                    key = (id_key(account), id_key(deployment), day)
                    names.setdefault(key, (account, deployment))
                    utilization.setdefault(key, []).append(average)
                continue
            assert metric_field is not None
            for day, count in _points(series, series_field):
                key = (id_key(account), id_key(deployment), day)
                names.setdefault(key, (account, deployment))
                slot = totals.setdefault(
                    key, {"input_tokens": 0, "output_tokens": 0, "requests": 0}
                )
                slot[metric_field] += count


def _points(series: Mapping[str, Any], field: str) -> Iterator[tuple[date, int]]:
    for at, point in enumerate(_list(series.get("data") or [], f"{field}.data")):
        if not isinstance(point, Mapping):
            raise InvalidInput(f"{field}.data[{at}]", "expected a data point")
        stamp = _timestamp(point.get("timeStamp"), f"{field}.data[{at}].timeStamp")
        yield stamp.date(), _count(point.get("total"), f"{field}.data[{at}].total")


def _averages(series: Mapping[str, Any], field: str) -> Iterator[tuple[date, Decimal]]:
    """The `average` of each data point that has one (minutes without traffic have none)."""
    for at, point in enumerate(_list(series.get("data") or [], f"{field}.data")):
        if not isinstance(point, Mapping):
            raise InvalidInput(f"{field}.data[{at}]", "expected a data point")
        value = point.get("average")
        if value is None:
            continue
        stamp = _timestamp(point.get("timeStamp"), f"{field}.data[{at}].timeStamp")
        yield stamp.date(), _percent(value, f"{field}.data[{at}].average")


def _percent(value: object, field: str) -> Decimal:
    try:
        number = Decimal(str(value)) if not isinstance(value, bool) else Decimal("NaN")
    except InvalidOperation:
        raise InvalidInput(field, f"not a number: {value!r}") from None
    if not number.is_finite() or number < 0:
        raise InvalidInput(field, f"not a percentage: {value!r}")
    return number


def _metric_name(metric: Mapping[str, Any]) -> str:
    name = metric.get("name")
    return _text(name.get("value")) if isinstance(name, Mapping) else _text(name)


def _deployment(series: object) -> str:
    if not isinstance(series, Mapping):
        raise InvalidInput("timeseries", "expected a time series object")
    for entry in series.get("metadatavalues") or []:
        if not isinstance(entry, Mapping):
            continue
        name = entry.get("name")
        key = _text(name.get("value")) if isinstance(name, Mapping) else _text(name)
        if key.lower() == DEPLOYMENT_DIMENSION:
            return _text(entry.get("value"))
    return ""


def _account_of(metric_id: str, field: str) -> str:
    cut = id_key(metric_id).rfind(_METRIC_ID_SUFFIX)
    if cut <= 0:
        raise InvalidInput(field, "no account id given and none in the metric id")
    return metric_id[:cut]


def _timestamp(value: object, field: str) -> datetime:
    text = _text(value)
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(field, f"not a time stamp: {value!r}") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC)


def _count(value: object, field: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        raise InvalidInput(field, f"not a number: {value!r}")
    try:
        number = Decimal(value) if isinstance(value, int | Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(field, f"not a number: {value!r}") from None
    if not number.is_finite() or number < 0:
        raise InvalidInput(field, f"not a count: {value!r}")
    return int(number.to_integral_value())


def _list(value: object, field: str) -> Sequence[Any]:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise InvalidInput(field, "expected a list")
    return value


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()
