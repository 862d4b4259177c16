"""Azure Resource Graph `POST /providers/Microsoft.ResourceGraph/resources`, rendered from the ARM
double's accounts and deployments (no code shared with the adapter).

It answers the subset of KQL the product sends, and refuses anything else with ARG's
`InvalidQuery` error: `resources`, then `| where type =~ '<type>'`, `| where kind in~ ('a', ...)`,
`| project col, ...` and `| order by id asc|desc`. Rows are what ARG returns for a resource
(lower-cased `type`, `resourceGroup` and `subscriptionId`, `tenantId`, `sku`, `properties`,
`systemData`, `tags`, ...), only of the subscriptions the body names. Pages hold `options.$top`
rows (at most 1,000, and at most `page_size`); a next page is asked with the `$skipToken` the
answer carried, which is bound to the query and subscriptions that issued it. Every answer carries
the user quota headers (`x-ms-user-quota-remaining`, `x-ms-user-quota-resets-after`); with
`fault_rate`, that share of the requests is answered 429 or 503 (never the same request twice
in a row, `Retry-After: 0`), seeded so a run is repeatable.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from shared.core.inventory import Deployment
from tests.doubles.arm import ArmDouble, DoubleAccount, _account_json, _deployment_json
from tests.doubles.server import RecordedRequest, Reply

API_VERSIONS = frozenset({"2021-03-01", "2022-10-01", "2024-04-01"})
MAX_TOP = 1000
QUOTA = 15  # queries per 5 s window (azure-usage-facts 2.4)
RESETS_AFTER = "00:00:05"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
_WHERE_TYPE = re.compile(r"^where\s+type\s*=~\s*'([^']+)'$", re.I)
_WHERE_KIND = re.compile(r"^where\s+kind\s+in~\s*\(([^)]*)\)$", re.I)
_PROJECT = re.compile(r"^project\s+(.+)$", re.I)
_ORDER = re.compile(r"^order\s+by\s+id(?:\s+(asc|desc))?$", re.I)


class InvalidQuery(Exception):
    """Answered with ARG's 400 `BadRequest` / `InvalidQuery` body."""


@dataclass
class ResourceGraphDouble:
    arm: ArmDouble
    page_size: int = MAX_TOP
    fault_rate: float = 0.0
    fault_seed: int = 14
    quota: int = QUOTA
    _used: int = 0
    _rng: random.Random = field(default_factory=random.Random)
    _faulted_last: set[str] = field(default_factory=set)
    faults: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng.seed(self.fault_seed)

    def handle(self, request: RecordedRequest) -> Reply:
        body = request.json() if request.body else None
        key = hashlib.sha256(request.body or b"").hexdigest()
        with self._lock:
            if self._fault(key):
                status = self._rng.choice((429, 503))
                headers = {"Retry-After": "0", **self._quota_headers(throttled=status == 429)}
                code = "RateLimiting" if status == 429 else "ServiceUnavailable"
                message = "Please provide below info when asking for support: timestamp = ..."
                return Reply.json(status, {"error": {"code": code, "message": message}}, headers)
            headers = self._quota_headers()
        if request.param("api-version") not in API_VERSIONS:
            return _bad(
                "InvalidApiVersionParameter", f"api-version {request.param('api-version')!r}"
            )
        try:
            page = self._page(body)
        except InvalidQuery as err:
            return _bad(
                "InvalidQuery", f"Query is invalid. Please refer to the documentation: {err}"
            )
        return Reply.json(200, page, headers)

    def _fault(self, key: str) -> bool:
        """This request is one of the faulted share (never the same one twice in a row)."""
        if self.fault_rate <= 0:
            return False
        if key in self._faulted_last:
            self._faulted_last.discard(key)
            return False
        if self._rng.random() < self.fault_rate:
            self._faulted_last.add(key)
            self.faults += 1
            return True
        return False

    def _quota_headers(self, throttled: bool = False) -> dict[str, str]:
        """The quota left in the window; a window used up starts again on the next request (as
        if the client waited for the reset it was told). Called under the lock."""
        if self._used >= self.quota:
            self._used = 0
        if throttled:  # an injected 429: none left, and the window resets at once
            self._used = self.quota
            return {"x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:00"}
        self._used += 1
        return {
            "x-ms-user-quota-remaining": str(self.quota - self._used),
            "x-ms-user-quota-resets-after": RESETS_AFTER,
        }

    def _page(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            raise InvalidQuery("the body must hold a query")
        subscriptions = body.get("subscriptions")
        if not isinstance(subscriptions, list) or not subscriptions:
            raise InvalidQuery("this double answers subscription-scoped queries only")
        options = body.get("options") or {}
        top = int(options.get("$top") or MAX_TOP)
        if not 1 <= top <= MAX_TOP:
            raise InvalidQuery(f"$top must be from 1 to {MAX_TOP}")
        if options.get("resultFormat", "objectArray") != "objectArray":
            raise InvalidQuery("this double answers resultFormat objectArray only")
        rows = self._rows(body["query"], {str(s).lower() for s in subscriptions})
        scope = hashlib.sha256(
            json.dumps([body["query"], sorted(subscriptions)]).encode()
        ).hexdigest()[:16]
        offset = _offset(options.get("$skipToken"), scope)
        size = min(top, self.page_size)
        data = rows[offset : offset + size]
        page: dict[str, Any] = {
            "totalRecords": len(rows),
            "count": len(data),
            "data": data,
            "facets": [],
            "resultTruncated": "false",
        }
        if offset + size < len(rows):
            token = base64.b64encode(f"{scope}:{offset + size}".encode()).decode()
            page["$skipToken"] = token
        return page

    def _rows(self, query: str, subscriptions: set[str]) -> list[dict[str, Any]]:
        stages = [s.strip() for s in query.split("|")]
        if not stages or stages[0].lower() != "resources":
            raise InvalidQuery("the query must start with the resources table")
        rows = [r for r in self._all_rows() if r["subscriptionId"] in subscriptions]
        for stage in stages[1:]:
            if m := _WHERE_TYPE.match(stage):
                rows = [r for r in rows if r["type"] == m.group(1).lower()]
            elif m := _WHERE_KIND.match(stage):
                kinds = {k.strip().strip("'").lower() for k in m.group(1).split(",")}
                rows = [r for r in rows if str(r.get("kind") or "").lower() in kinds]
            elif m := _PROJECT.match(stage):
                columns = [c.strip() for c in m.group(1).split(",")]
                for column in columns:
                    if not re.fullmatch(r"\w+", column):
                        raise InvalidQuery(f"this double projects plain columns only: {column!r}")
                rows = [{c: r.get(c) for c in columns} for r in rows]
            elif m := _ORDER.match(stage):
                rows.sort(key=lambda r: str(r.get("id", "")).lower())
                if (m.group(1) or "asc").lower() == "desc":
                    rows.reverse()
            else:
                raise InvalidQuery(f"this double does not answer {stage!r}")
        return rows

    def _all_rows(self) -> list[dict[str, Any]]:
        by_account: dict[str, list[Deployment]] = {}
        for dep in self.arm.deployments:
            by_account.setdefault(dep.account_id.lower(), []).append(dep)
        rows = []
        for account in self.arm.all_accounts():
            rows.append(_row(_account_json(account), account, account.kind))
            for dep in by_account.get(account.account_id.lower(), []):
                rows.append(_row(_deployment_json(account, dep), account, ""))
        return rows


def _row(resource: dict[str, Any], account: DoubleAccount, kind: str) -> dict[str, Any]:
    """A resource as ARG's `resources` table holds it."""
    parts = account.account_id.strip("/").split("/")
    return {
        "id": resource["id"],
        "name": resource["name"],
        "type": str(resource["type"]).lower(),
        "tenantId": TENANT,
        "kind": kind,
        "location": account.location,
        "resourceGroup": parts[3].lower(),
        "subscriptionId": parts[1].lower(),
        "managedBy": "",
        "sku": resource.get("sku"),
        "plan": None,
        "properties": resource.get("properties"),
        "tags": {},
        "identity": None,
        "zones": None,
        "extendedLocation": None,
        "systemData": resource.get("systemData"),
    }


def _offset(token: object, scope: str) -> int:
    if token in (None, ""):
        return 0
    try:
        issued, offset = base64.b64decode(str(token), validate=True).decode().split(":")
        if issued != scope:
            raise ValueError("issued for another query")
        return int(offset)
    except ValueError:
        raise InvalidQuery(f"invalid $skipToken {token!r}") from None


def _bad(code: str, message: str) -> Reply:
    body = {
        "error": {
            "code": "BadRequest",
            "message": "Please provide below info when asking for support: timestamp = ...",
            "details": [{"code": code, "message": message}],
        }
    }
    return Reply.json(400, body)
