"""Live deployment inventory from Azure Resource Graph, through `azure-mgmt-resourcegraph`.

Two queries for the whole tenant, whatever its size (azure-usage-facts 3.4): one lists every
Cognitive Services account of the subscriptions (kinds `OpenAI` and `AIServices`, with their
location), one every deployment (`resources | where type =~
'microsoft.cognitiveservices/accounts/deployments'`), each ordered by id and paged with
`$skipToken` (1,000 rows a page, ARG's most). A deployment row carries the same `id`, `name`,
`sku`, `properties` and `systemData` as the ARM deployments list, so it goes through the same
parser (shared/adapters/formats/deployments_json.py) with its account's location, and the
inventory is the one `ArmInventorySource` (shared/adapters/azure/arm_inventory.py, the fallback
behind `INVENTORY_SOURCE=arm`) lists with one call per account; both sort it the same way.

ARG's first-party list of supported types does not name `accounts/deployments` (facts 3.4): a
tenant whose graph lacks them answers accounts without deployments, which the inventory's shrink
check refuses where deployments are stored; such a tenant sets `INVENTORY_SOURCE=arm`.

Quota: every answer carries `x-ms-user-quota-remaining` (queries left in the window) and
`x-ms-user-quota-resets-after` (`hh:mm:ss`); a query with none left waits for the reset
(`GraphQuotaPacer`, shared by the queries of a source). Throttling (429, with those headers or
`Retry-After`) and transient statuses are retried by the client's `SourceRetryPolicy`
(shared/adapters/azure/calls.py). A page that says it is truncated without a `$skipToken`, or a
repeated token, fails the fetch: nothing partial leaves this module.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest, HttpResponse
from azure.mgmt.resourcegraph import ResourceGraphClient
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

from shared.adapters.azure.arm_inventory import ACCOUNT_KINDS, inventory_order
from shared.adapters.azure.calls import TRANSIENT_STATUSES, CallOptions, RetryRules, mapped
from shared.adapters.formats.deployments_json import parse_deployments
from shared.core.inventory import Deployment
from shared.core.resource_id import id_key
from shared.errors import SourceError, ThrottledError

API_VERSION = "2024-04-01"
PAGE_SIZE = 1000  # ARG answers at most 1,000 rows a page
ACCOUNTS_TYPE = "microsoft.cognitiveservices/accounts"
DEPLOYMENTS_TYPE = "microsoft.cognitiveservices/accounts/deployments"
_KINDS = ", ".join(f"'{kind}'" for kind in sorted(ACCOUNT_KINDS))
ACCOUNTS_QUERY = (
    f"resources | where type =~ '{ACCOUNTS_TYPE}' | where kind in~ ({_KINDS}) "
    "| project id, name, kind, location, subscriptionId | order by id asc"
)
DEPLOYMENTS_QUERY = (
    f"resources | where type =~ '{DEPLOYMENTS_TYPE}' "
    "| project id, name, type, sku, properties, systemData | order by id asc"
)
QUOTA_REMAINING = "x-ms-user-quota-remaining"
QUOTA_RESETS_AFTER = "x-ms-user-quota-resets-after"
MAX_QUOTA_WAIT_SECONDS = 60.0
# 429 (ARG's throttling) and azure-core's transient statuses, on a POST: five attempts.
RETRY = RetryRules(
    TRANSIENT_STATUSES,
    max_attempts=5,
    first_wait_seconds=1.0,
    max_backoff_seconds=30.0,
    max_wait_seconds=120.0,
)
_HMS = re.compile(r"^(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)$")


def resets_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`x-ms-user-quota-resets-after` (`hh:mm:ss`) in seconds; None when absent or malformed."""
    found = _HMS.match((headers.get(QUOTA_RESETS_AFTER) or "").strip())
    if found is None:
        return None
    hours, minutes, seconds = found.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


class GraphQuotaPacer:
    """The user's ARG quota as last answered: when no query is left, the next one waits for the
    window to reset (thread-safe; ThrottledError when that is longer than `max_wait_seconds`)."""

    def __init__(
        self,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_wait_seconds: float = MAX_QUOTA_WAIT_SECONDS,
    ) -> None:
        self._sleep = sleep
        self._clock = clock
        self._max_wait = max_wait_seconds
        self._lock = threading.Lock()
        self._left: int | None = None
        self._resets_at = 0.0

    def observe(self, headers: Mapping[str, str]) -> None:
        raw = (headers.get(QUOTA_REMAINING) or "").strip()
        resets = resets_after_seconds(headers)
        with self._lock:
            self._left = int(raw) if raw.isdigit() else None
            if resets is not None:
                self._resets_at = self._clock() + resets

    def wait(self) -> float:
        with self._lock:
            wait = (
                self._resets_at - self._clock() if self._left is not None and self._left < 1 else 0
            )
            if wait > self._max_wait:
                seconds = math.ceil(wait)
                raise ThrottledError(
                    f"Resource Graph quota used up; retry after {seconds} s", float(seconds)
                )
            if self._left is not None:
                self._left = None if self._left < 1 else self._left - 1
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)


class GraphQuotaPolicy(HTTPPolicy[HttpRequest, HttpResponse]):
    """Each attempt (`per_retry_policies`) waits for the quota, and every answer reports it."""

    def __init__(self, pacer: GraphQuotaPacer) -> None:
        super().__init__()
        self._pacer = pacer

    def send(
        self, request: PipelineRequest[HttpRequest]
    ) -> PipelineResponse[HttpRequest, HttpResponse]:
        self._pacer.wait()
        response: PipelineResponse[Any, Any] = self.next.send(request)
        self._pacer.observe(response.http_response.headers)
        return response


class ResourceGraphInventorySource:
    """An `InventorySource` (shared/services/ports.py) over Resource Graph for the given
    subscriptions: two paged queries per collection."""

    def __init__(
        self,
        credential: TokenCredential,
        subscription_ids: Sequence[str],
        arm_endpoint: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = RETRY.max_attempts,
        transport: HttpTransport[HttpRequest, HttpResponse] | None = None,
        page_size: int = PAGE_SIZE,
        pacer: GraphQuotaPacer | None = None,
    ) -> None:
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be from 1 to {PAGE_SIZE}, not {page_size}")
        self._calls = CallOptions(replace(RETRY, max_attempts=max_attempts), sleep, transport)
        self._credential = credential
        self._subscription_ids = tuple(s.strip() for s in subscription_ids if s.strip())
        self._arm_endpoint = arm_endpoint.rstrip("/")
        self._page_size = page_size
        self._pacer = pacer or GraphQuotaPacer(sleep)

    def fetch(self) -> list[Deployment]:
        """Every deployment of every OpenAI / AIServices account, or an error; never a part."""
        if not self._subscription_ids:
            return []
        with ResourceGraphClient(
            self._credential,
            base_url=self._arm_endpoint,
            api_version=API_VERSION,
            per_retry_policies=[GraphQuotaPolicy(self._pacer)],
            **self._calls.client_kwargs(),
        ) as client:
            accounts = self._query(client, ACCOUNTS_QUERY, "accounts")
            rows = self._query(client, DEPLOYMENTS_QUERY, "deployments")
        locations: dict[str, str] = {}
        for at, account in enumerate(accounts):
            account_id = _text(account, "id", f"accounts row {at}")
            locations[id_key(account_id)] = str(account.get("location") or "")
        by_account: dict[str, list[Mapping[str, Any]]] = {}
        for at, row in enumerate(rows):
            deployment_id = id_key(_text(row, "id", f"deployments row {at}"))
            account_key, sep, _ = deployment_id.rpartition("/deployments/")
            if sep and account_key in locations:  # other kinds' deployments are left out
                by_account.setdefault(account_key, []).append(row)
        found: list[Deployment] = []
        for account_key, items in by_account.items():
            with mapped(f"Resource Graph deployments of {account_key}"):
                found.extend(parse_deployments(items, locations[account_key]))
        return inventory_order(found)

    def _query(self, client: ResourceGraphClient, query: str, what: str) -> list[Mapping[str, Any]]:
        rows: list[Mapping[str, Any]] = []
        token: str | None = None
        seen: set[str] = set()
        page = 0
        while True:
            page += 1
            request = QueryRequest(
                query=query,
                subscriptions=list(self._subscription_ids),
                options=QueryRequestOptions(
                    skip_token=token, top=self._page_size, result_format="objectArray"
                ),
            )
            with mapped(f"Resource Graph query of {what}, page {page}"):
                answer = client.resources(request)
            data = answer.data
            if not isinstance(data, list) or not all(isinstance(r, Mapping) for r in data):
                raise SourceError(f"Resource Graph query of {what}: data is not a list of rows")
            rows.extend(data)
            token = answer.skip_token or None
            if token is None:
                if str(answer.result_truncated).lower() == "true":
                    raise SourceError(
                        f"Resource Graph query of {what}: truncated without a $skipToken"
                    )
                return rows
            if token in seen:
                raise SourceError(f"Resource Graph query of {what}: $skipToken repeats itself")
            seen.add(token)


def _text(row: Mapping[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SourceError(f"Resource Graph {where}: no {key}")
    return value.strip()
