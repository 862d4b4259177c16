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
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
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
        error = _text(metric.get("errorCode")) or "Success"
        if error.lower() != "success":
            raise InvalidInput(
                f"{where}.errorCode", f"{error}: {_text(metric.get('errorMessage'))}"
            )
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
