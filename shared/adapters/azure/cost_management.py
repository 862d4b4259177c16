"""Live costs from the Cost Management Query API, through `azure-mgmt-costmanagement`.

One query per scope and calendar month (1 QPU each), daily, grouped by resource and meter. Pages
are followed by re-POSTing the identical body to `properties.nextLink` as given (an absolute URL on
the ARM host that served the page; relative links resolve against `arm_endpoint`). Responses are
read with `json.loads(..., parse_float=Decimal)` so money stays exact. Throttling (429 and 503,
with the Cost Management retry-after headers) is retried by the client's `SourceRetryPolicy`
(shared/adapters/azure/calls.py), and every query waits for the QPU budget the answers before it
said was left (`QpuPacer`, shared/adapters/azure/qpu_pacing.py). The queries of the scopes and
months run `concurrency` at a time (shared/adapters/azure/fan_out.py), one client and one pacer
between them, so the tenant's QPU budget and a throttled answer's retry-after hold across them.
The whole window is fetched before anything is returned: any failure raises and nothing partial
leaves this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlparse

from azure.core.credentials import TokenCredential
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest, HttpResponse
from azure.mgmt.costmanagement import CostManagementClient

from shared.adapters.azure.calls import CallOptions, RetryRules, mapped, read_json, send
from shared.adapters.azure.fan_out import check_concurrency, fan_out
from shared.adapters.azure.qpu_pacing import QpuPacer, QpuPacingPolicy
from shared.adapters.formats.cost_query_rows import parse_query_rows
from shared.core.costs import CostLine, CostType, merge_cost_lines
from shared.core.period import DateWindow
from shared.core.service_names import AI_SERVICE_NAMES
from shared.errors import SourceError

API_VERSION = "2025-03-01"
# Dimensions valid in both the EA and the MCA grouping lists (see azure-cost-facts addendum).
GROUPING: tuple[str, ...] = ("ResourceId", "ResourceGuid", "Meter", "ChargeType", "PricingModel")
# Azure OpenAI was billed under "Cognitive Services" and moved to "Foundry Models": ask for both.
SERVICE_NAMES: tuple[str, ...] = AI_SERVICE_NAMES
# 429 and 503, waited as the retry-after headers ask (else 10 s, 20 s, ...), five attempts; a
# wait beyond two minutes is given up on at once.
RETRY = RetryRules(
    frozenset({429, 503}),
    max_attempts=5,
    first_wait_seconds=10.0,
    exponential=False,
    max_wait_seconds=120.0,
)


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


class CostManagementSource:
    """A `CostSource` (shared/services/ports.py) over the Query API for the given scopes; the
    sources of one tenant share one `pacer` (the QPU quota is the tenant's)."""

    def __init__(
        self,
        credential: TokenCredential,
        scopes: Sequence[str],
        arm_endpoint: str,
        cost_type: CostType = CostType.ACTUAL,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = RETRY.max_attempts,
        max_wait_seconds: float = RETRY.max_wait_seconds,
        transport: HttpTransport[HttpRequest, HttpResponse] | None = None,
        pacer: QpuPacer | None = None,
        concurrency: int = 1,
    ) -> None:
        rules = replace(RETRY, max_attempts=max_attempts, max_wait_seconds=max_wait_seconds)
        self._calls = CallOptions(rules, sleep, transport)
        self._pacer = pacer or QpuPacer(sleep)
        self._credential = credential
        self._scopes = tuple("/" + scope.strip().strip("/") for scope in scopes if scope.strip())
        self._arm_endpoint = arm_endpoint.rstrip("/")
        self._cost_type = cost_type
        self._concurrency = check_concurrency(concurrency, "concurrency")

    @property
    def cost_type(self) -> CostType:
        return self._cost_type

    def fetch(self, window: DateWindow) -> list[CostLine]:
        """All cost lines of `window` over every scope, or an error; never a part of them."""
        lines: list[CostLine] = []
        with CostManagementClient(
            self._credential,
            base_url=self._arm_endpoint,
            per_retry_policies=[QpuPacingPolicy(self._pacer)],
            **self._calls.client_kwargs(),
        ) as client:
            queries = [(scope, chunk) for scope in self._scopes for chunk in window.month_chunks()]
            for part in fan_out(lambda q: self._query(client, *q), queries, self._concurrency):
                lines.extend(part)
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
            payload = _post(client, url, body)
            if payload is None:  # 204 No Content: nothing for this scope and month
                break
            pages += 1
            props = payload.get("properties") if isinstance(payload, dict) else None
            if not isinstance(props, dict):
                raise SourceError(f"cost query for {scope}: response has no properties")
            rows = props.get("rows") or []
            with mapped(f"cost query for {scope}, page {pages}"):
                page = parse_query_rows(props.get("columns") or [], rows, self._cost_type)
            # Rows outside the month asked for would overwrite another window's stored lines.
            lines.extend(line for line in page if line.date in chunk)
            url = _next_link(props.get("nextLink"), scope)
        return lines


def _post(client: CostManagementClient, url: str, body: dict[str, Any]) -> Any:
    """One page (retried on throttling by the client's policy), parsed with Decimal; None for
    204."""
    what = f"cost query {_path(url)}"
    response = send(client, HttpRequest("POST", url, json=body), what, accept=(200, 204))
    return None if response.status_code == 204 else read_json(response.text(), what, exact=True)


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
