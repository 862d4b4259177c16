"""The Cost Management Query API, rendered from cost lines (no code shared with the adapters).

It groups and sums the lines by the requested dimensions, honours `type` (only the lines of that
price basis: ActualCost or AmortizedCost), `timePeriod` (days inclusive; a Daily range longer than
a month is cut to its last month, as Azure does) and the `filter`; a line's `ServiceName` is its
`meter_category`, `Cognitive Services` when blank. Pages carry a `nextLink` with a `$skiptoken` and
an older api-version; the next page must be POSTed with the identical body. Throttling, failures
(of every query, or of one price basis) and 204 are switched on by the owner (`AzureDouble`).
"""

from __future__ import annotations

import base64
import calendar
import json
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from shared.core.costs import CostLine
from shared.core.service_names import COGNITIVE_SERVICES
from tests.doubles.server import RecordedRequest, Reply

QPU_RETRY_AFTER = "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after"
_QPU_REMAINING = "x-ms-ratelimit-microsoft.costmanagement-qpu-remaining"
NEXT_LINK_API_VERSION = "2021-10-01"
DEFAULT_SERVICE_NAME = COGNITIVE_SERVICES
_AGGREGATIONS = {"cost": "cost", "pretaxcost": "cost", "usagequantity": "quantity"}
_SKIPTOKEN_PREFIX = b"\xfb\xff"  # makes the token start with "+/": a client must not mangle it


def _dimension_values(line: CostLine, lowercase_ids: bool) -> dict[str, str]:
    resource = line.account_id.lower() if lowercase_ids else line.account_id
    parts = resource.strip("/").split("/")
    service = line.meter_category or DEFAULT_SERVICE_NAME
    return {
        "ResourceId": resource,
        "ResourceGuid": line.meter_id,
        "MeterId": line.meter_id,
        "Meter": line.meter_name,
        "ChargeType": line.charge_type.value,
        "PricingModel": line.pricing_model.value,
        "ServiceName": service,
        "MeterCategory": service,
        "ServiceTier": line.meter_subcategory,
        "MeterSubcategory": line.meter_subcategory,
        "UnitOfMeasure": line.unit_of_measure,
        "ResourceType": "microsoft.cognitiveservices/accounts" if resource else "",
        "SubscriptionId": parts[1] if len(parts) > 1 else "",
        "ResourceGroupName": parts[3] if len(parts) > 3 else "",
    }


DIMENSIONS: tuple[str, ...] = (
    "ResourceId",
    "ResourceGuid",
    "MeterId",
    "Meter",
    "ChargeType",
    "PricingModel",
    "ServiceName",
    "MeterCategory",
    "ServiceTier",
    "MeterSubcategory",
    "UnitOfMeasure",
    "ResourceType",
    "SubscriptionId",
    "ResourceGroupName",
)


class BadQuery(Exception):
    """The body is not a query this double (or Azure) accepts: answered with a 400."""


@dataclass
class CostQueryDouble:
    """Answers `POST {scope}/providers/Microsoft.CostManagement/query`."""

    costs: Sequence[CostLine]
    page_size: int = 1000
    lowercase_resource_ids: bool = True
    throttle_first_n: int = 0
    throttle_status: int = 429
    retry_after_header: str = QPU_RETRY_AFTER
    retry_after_value: str = "1"
    throttle_after_pages: int | None = None
    fail_after_pages: int | None = None
    no_content_when_empty: bool = False
    failing_cost_types: frozenset[str] = frozenset()  # e.g. {"AmortizedCost"}: answered with 500
    base_url: str = ""
    _cursors: dict[str, tuple[str, str]] = field(default_factory=dict)
    _requests: int = 0
    _pages: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, request: RecordedRequest, scope: str) -> Reply:
        with self._lock:
            self._requests += 1
            if self._requests <= self.throttle_first_n:
                return self._throttled()
            if self.throttle_after_pages is not None and self._pages >= self.throttle_after_pages:
                return self._throttled()
            if self._fails(request):
                return Reply.json(
                    500,
                    {"error": {"code": "InternalServerError", "message": "Something went wrong."}},
                )
            try:
                reply = self._page(request, scope)
            except BadQuery as err:
                return Reply.json(400, {"error": {"code": "BadRequest", "message": str(err)}})
            if reply.status == 200:
                self._pages += 1
            return reply

    def _fails(self, request: RecordedRequest) -> bool:
        if self.fail_after_pages is not None and self._pages >= self.fail_after_pages:
            return True
        if not self.failing_cost_types:
            return False
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return False
        return isinstance(body, dict) and body.get("type") in self.failing_cost_types

    def _throttled(self) -> Reply:
        headers = {
            self.retry_after_header: self.retry_after_value,
            _QPU_REMAINING: "QueriesPerHour:0,QueriesPerMin:0,QueriesPer10Sec:0",
        }
        body = {"error": {"code": "429", "message": "Too many requests. Please retry."}}
        return Reply.json(self.throttle_status, body, headers)

    def _page(self, request: RecordedRequest, scope: str) -> Reply:
        try:
            body = json.loads(request.body or b"null")
        except ValueError as err:
            raise BadQuery(f"Invalid query definition: body is not JSON ({err})") from None
        if not isinstance(body, dict):
            raise BadQuery("Invalid query definition: expected a JSON object")
        canonical = json.dumps(body, sort_keys=True)
        offset = 0
        token = request.param("$skiptoken")
        if token is not None:
            offset = self._resume(token, canonical, scope)
        columns, rows = self._table(body, scope)
        if not rows and self.no_content_when_empty:
            return Reply(204)
        page = rows[offset : offset + self.page_size]
        next_link = None
        if offset + self.page_size < len(rows):
            next_link = self._next_link(scope, canonical, offset + self.page_size)
        query_id = str(uuid.uuid4())
        payload = {
            "id": f"{scope}/providers/Microsoft.CostManagement/query/{query_id}",
            "name": query_id,
            "type": "Microsoft.CostManagement/query",
            "location": None,
            "sku": None,
            "eTag": None,
            "properties": {"nextLink": next_link, "columns": columns, "rows": page},
        }
        headers = {
            "x-ms-ratelimit-microsoft.costmanagement-qpu-consumed": "1",
            _QPU_REMAINING: "QueriesPerHour:597,QueriesPerMin:57,QueriesPer10Sec:9",
            "x-ms-ratelimit-remaining-microsoft.costmanagement-entity-requests": "DefaultQuota:7",
        }
        return Reply.json(200, payload, headers)

    def _next_link(self, scope: str, canonical: str, offset: int) -> str:
        cursor = str(len(self._cursors) + 1)
        self._cursors[cursor] = (canonical, scope.lower())
        token = base64.b64encode(_SKIPTOKEN_PREFIX + f"{cursor}:{offset}".encode()).decode()
        return (
            f"{self.base_url}{scope}/providers/Microsoft.CostManagement/Query"
            f"?api-version={NEXT_LINK_API_VERSION}&$skiptoken={quote(token, safe='')}"
        )

    def _resume(self, token: str, canonical: str, scope: str) -> int:
        try:
            raw = base64.b64decode(token, validate=True)
            cursor, offset = raw.removeprefix(_SKIPTOKEN_PREFIX).decode().split(":")
            expected_body, expected_scope = self._cursors[cursor]
        except (ValueError, KeyError):
            raise BadQuery(f"Invalid skiptoken: {token!r}") from None
        if expected_body != canonical or expected_scope != scope.lower():
            raise BadQuery("The query body differs from the query that issued this skiptoken.")
        return int(offset)

    def _table(
        self, body: Mapping[str, Any], scope: str
    ) -> tuple[list[dict[str, str]], list[list[Any]]]:
        cost_type = body.get("type")
        if cost_type not in ("ActualCost", "AmortizedCost"):
            raise BadQuery(f"Invalid query definition: unsupported type {cost_type!r}")
        if body.get("timeframe") != "Custom":
            raise BadQuery("This double answers timeframe 'Custom' only")
        first, last = _time_period(body.get("timePeriod"))
        dataset = body.get("dataset") or {}
        if dataset.get("granularity") != "Daily":
            raise BadQuery("This double answers granularity 'Daily' only")
        aggregations = _aggregations(dataset.get("aggregation"))
        grouping = _grouping(dataset.get("grouping"))
        condition = dataset.get("filter")
        groups: dict[tuple[Any, ...], list[Decimal]] = {}
        for line in self.costs:
            if line.cost_type.value != cost_type or not first <= line.date <= last:
                continue
            if not _in_scope(line, scope):
                continue
            dims = _dimension_values(line, self.lowercase_resource_ids)
            if condition is not None and not _matches(condition, dims):
                continue
            key = (int(line.date.strftime("%Y%m%d")), *(dims[g] for g in grouping), line.currency)
            sums = groups.setdefault(key, [Decimal(0), Decimal(0)])
            sums[0] += line.cost
            sums[1] += line.quantity
        columns = [{"name": name, "type": "Number"} for name, _ in aggregations]
        columns.append({"name": "UsageDate", "type": "Number"})
        columns.extend({"name": g, "type": "String"} for g in grouping)
        columns.append({"name": "Currency", "type": "String"})
        rows = []
        for key in sorted(groups):
            cost, quantity = groups[key]
            values = [cost if kind == "cost" else quantity for _, kind in aggregations]
            rows.append([*values, *key])
        return columns, rows


def _time_period(period: object) -> tuple[date, date]:
    if not isinstance(period, dict) or "from" not in period or "to" not in period:
        raise BadQuery("Invalid query definition: timePeriod with 'from' and 'to' is required")
    try:
        first = datetime.fromisoformat(str(period["from"]).replace("Z", "+00:00")).date()
        last = datetime.fromisoformat(str(period["to"]).replace("Z", "+00:00")).date()
    except ValueError:
        raise BadQuery(f"Invalid query definition: bad timePeriod {period!r}") from None
    if first > last:
        first, last = last, first  # Azure silently swaps
    earliest = _month_before(last) + timedelta(days=1)
    return max(first, earliest), last  # Daily ranges are cut to one month


def _month_before(day: date) -> date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _aggregations(spec: object) -> list[tuple[str, str]]:
    if not isinstance(spec, dict) or not spec:
        raise BadQuery("Invalid query definition: aggregation is required")
    out = []
    for alias, item in spec.items():
        name = item.get("name") if isinstance(item, dict) else None
        kind = _AGGREGATIONS.get(str(name).lower())
        if kind is None or item.get("function") != "Sum":
            raise BadQuery(f"Invalid query definition: Invalid aggregation '{alias}'")
        out.append((str(name), kind))
    return out


def _grouping(spec: object) -> list[str]:
    known = {d.lower(): d for d in DIMENSIONS}
    if spec is not None and not isinstance(spec, list):
        raise BadQuery("Invalid query definition: grouping must be a list")
    out = []
    for item in spec or []:
        kind, name = (
            (item.get("type"), str(item.get("name", ""))) if isinstance(item, dict) else ("", "")
        )
        if kind != "Dimension" or name.lower() not in known:
            valid = ", ".join(DIMENSIONS)
            raise BadQuery(
                "Invalid query definition: Invalid dataset grouping: "
                f"'{name}'; valid values: {valid}"
            )
        out.append(known[name.lower()])
    return out


def _matches(condition: object, dims: Mapping[str, str]) -> bool:
    if not isinstance(condition, dict):
        raise BadQuery("Invalid query definition: filter must be an object")
    for op, combine in (("and", all), ("or", any)):
        if op in condition:
            parts = condition[op]
            if not isinstance(parts, list) or len(parts) < 2:
                raise BadQuery(f"Invalid query definition: '{op}' needs at least 2 expressions")
            return combine(_matches(part, dims) for part in parts)
    if "tags" in condition:
        return False  # the double's lines carry no tags
    expression = condition.get("dimensions")
    if not isinstance(expression, dict) or expression.get("operator") != "In":
        raise BadQuery("Invalid query definition: unsupported filter")
    wanted = {str(v).lower() for v in expression.get("values") or []}
    name = str(expression.get("name", ""))
    value = next((v for k, v in dims.items() if k.lower() == name.lower()), None)
    if value is None:
        raise BadQuery(f"Invalid query definition: Invalid filter dimension: '{name}'")
    return value.lower() in wanted


def _in_scope(line: CostLine, scope: str) -> bool:
    """Subscription / resource-group scopes hold their resources; other scopes hold everything."""
    norm = scope.strip("/").lower()
    if not norm.startswith("subscriptions/"):
        return True
    resource = line.account_id.strip("/").lower()
    return resource == norm or resource.startswith(norm + "/")
