"""Live costs from the Cost Management Query API, through `azure-mgmt-costmanagement`.

One query per scope and calendar month (1 QPU each), daily, grouped by resource and meter. Pages
are followed by re-POSTing the identical body to `properties.nextLink` as given (an absolute URL on
the ARM host that served the page; relative links resolve against `arm_endpoint`). Responses are
read with `json.loads(..., parse_float=Decimal)` so money stays exact. The whole window is fetched
before anything is returned: any failure raises and nothing partial leaves this module.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError
from azure.core.rest import HttpRequest
from azure.mgmt.costmanagement import CostManagementClient

from shared.adapters.azure.http_errors import describe_error
from shared.adapters.formats.cost_query_rows import parse_query_rows
from shared.core.costs import CostLine, CostType, merge_cost_lines
from shared.core.period import DateWindow
from shared.errors import InvalidInput, SourceError, ThrottledError

API_VERSION = "2025-03-01"
# Dimensions valid in both the EA and the MCA grouping lists (see azure-cost-facts addendum).
GROUPING: tuple[str, ...] = ("ResourceId", "ResourceGuid", "Meter", "ChargeType", "PricingModel")
# Azure OpenAI was billed under "Cognitive Services" and moved to "Foundry Models": ask for both.
SERVICE_NAMES: tuple[str, ...] = ("Cognitive Services", "Foundry Models")
RETRY_AFTER_HEADERS: tuple[str, ...] = (
    "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
    "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after",
    "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after",
    "x-ms-ratelimit-microsoft.costmanagement-client-retry-after",
    "Retry-After",
)
RETRYABLE_STATUS = frozenset({429, 503})
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_MAX_WAIT_SECONDS = 120.0
DEFAULT_WAIT_SECONDS = 10.0


def query_body(window: DateWindow, cost_type: CostType) -> dict[str, Any]:
    """The Query API body for one window of at most a month; `to` is the last day (inclusive)."""
    last_day = window.end - timedelta(days=1)
    return {
        "type": cost_type.value,
        "timeframe": "Custom",
        "timePeriod": {"from": _midnight(window.start), "to": _midnight(last_day)},
        "dataset": {
            "granularity": "Daily",
            "aggregation": {
                "totalCost": {"name": "Cost", "function": "Sum"},
                "totalQuantity": {"name": "UsageQuantity", "function": "Sum"},
            },
            "grouping": [{"type": "Dimension", "name": name} for name in GROUPING],
            "filter": {
                "dimensions": {
                    "name": "ServiceName",
                    "operator": "In",
                    "values": list(SERVICE_NAMES),
                }
            },
        },
    }


def retry_after_seconds(headers: Mapping[str, str], default: float) -> float:
    """The longest wait any Cost Management or standard retry-after header asks for."""
    waits = []
    for name in RETRY_AFTER_HEADERS:
        raw = (headers.get(name) or "").strip()
        try:
            waits.append(float(raw))
        except ValueError:
            continue
    return max(waits) if waits else default


class CostManagementSource:
    """A `CostSource` (shared/services/ports.py) over the Query API for the given scopes."""

    def __init__(
        self,
        credential: TokenCredential,
        scopes: Sequence[str],
        arm_endpoint: str,
        cost_type: CostType = CostType.ACTUAL,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._credential = credential
        self._scopes = tuple("/" + scope.strip().strip("/") for scope in scopes if scope.strip())
        self._arm_endpoint = arm_endpoint.rstrip("/")
        self._cost_type = cost_type
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._max_wait = max_wait_seconds

    @property
    def cost_type(self) -> CostType:
        return self._cost_type

    def fetch(self, window: DateWindow) -> list[CostLine]:
        """All cost lines of `window` over every scope, or an error; never a part of them."""
        lines: list[CostLine] = []
        # Status retries are ours (429/503 with Cost Management headers); azure-core keeps
        # retrying connection and read errors.
        with CostManagementClient(
            self._credential, base_url=self._arm_endpoint, retry_status=0
        ) as client:
            for scope in self._scopes:
                for chunk in window.month_chunks():
                    lines.extend(self._query(client, scope, chunk))
        return merge_cost_lines(lines)

    def _query(self, client: CostManagementClient, scope: str, chunk: DateWindow) -> list[CostLine]:
        body = query_body(chunk, self._cost_type)
        url: str | None = (
            f"{scope}/providers/Microsoft.CostManagement/query?api-version={API_VERSION}"
        )
        lines: list[CostLine] = []
        pages = 0
        followed: set[str] = set()
        while url:
            if url in followed:
                raise SourceError(f"cost query for {scope}: nextLink repeats itself")
            followed.add(url)
            payload = self._post(client, url, body)
            if payload is None:  # 204 No Content: nothing for this scope and month
                break
            pages += 1
            props = payload.get("properties") if isinstance(payload, dict) else None
            if not isinstance(props, dict):
                raise SourceError(f"cost query for {scope}: response has no properties")
            rows = props.get("rows") or []
            try:
                page = parse_query_rows(props.get("columns") or [], rows, self._cost_type)
            except InvalidInput as err:
                raise SourceError(f"cost query for {scope}, page {pages}: {err}") from err
            # Rows outside the month asked for would overwrite another window's stored lines.
            lines.extend(line for line in page if line.date in chunk)
            url = _next_link(props.get("nextLink"), scope)
        return lines

    def _post(self, client: CostManagementClient, url: str, body: dict[str, Any]) -> Any:
        """One page: retried on throttling, parsed with Decimal; None for 204."""
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = client.send_request(HttpRequest("POST", url, json=body))
            except AzureError as err:
                raise SourceError(f"cost query {_path(url)} failed: {err}") from err
            status = response.status_code
            if status in RETRYABLE_STATUS:
                wait = retry_after_seconds(response.headers, DEFAULT_WAIT_SECONDS * attempt)
                if attempt == self._max_attempts or wait > self._max_wait:
                    raise ThrottledError(
                        f"cost query {_path(url)} still throttled ({status}) after {attempt} "
                        f"attempt(s); the service asks to wait {wait:g} s",
                        wait,
                    )
                self._sleep(wait)
                continue
            if status == 204:
                return None
            if status != 200:
                raise SourceError(f"cost query {_path(url)} failed: {describe_error(response)}")
            try:
                return json.loads(response.text(), parse_float=Decimal)
            except ValueError as err:
                raise SourceError(f"cost query {_path(url)}: response is not JSON") from err
        raise AssertionError("unreachable")  # pragma: no cover


def _next_link(raw: object, scope: str) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise SourceError(f"cost query for {scope}: nextLink is not a string")
    scheme = urlparse(raw).scheme
    if scheme and scheme != "https":
        raise SourceError(f"cost query for {scope}: refusing a non-https nextLink")
    return raw


def _path(url: str) -> str:
    return urlparse(url).path or url


def _midnight(day: date) -> str:
    return f"{day.isoformat()}T00:00:00+00:00"
