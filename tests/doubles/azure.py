"""One Azure double built from domain records: Entra, Cost Management, ARM, Monitor metrics and,
when given one, the Log Analytics query API (`logs`, shared/demo/log_analytics_workspace.py) and
an Event Grid topic (`events`, `POST /api/events`, shared/demo/event_receiver.py).

Every Azure endpoint checks the bearer token and its audience (ARM for cost and inventory, the
metrics audience for getBatch, the double's own URL for Log Analytics: `LogsQueryClient` asks for
its endpoint as the audience; the topic checks its own, `https://eventgrid.azure.net`, through
the Entra double's `audience_of`, which the double hands it). Every request is recorded in
`requests`, in arrival order. Azure Resource Graph (`graph`, tests/doubles/resource_graph.py)
answers from the ARM double's accounts and deployments.

With `latency_seconds`, every Azure call (not the token requests) is answered that much later;
`open_calls` counts the Azure calls being answered at once, and `max_open_calls` the most seen,
by endpoint (`cost`, `metrics`, `arm`, `graph`), so tests see that calls overlap without a clock.

With `faults` (tests/doubles/faults.py), a share of the Azure calls of every endpoint it covers
(`cost`, `metrics`, `arm`, `graph`, `logs`; the Event Grid topic, `events`, only when named) is
answered 429 or 503, or its connection dropped, before the endpoint sees it; `faults.counts`
says how many of each. Token requests are never faulted.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from shared.core.costs import CostLine
from shared.core.inventory import Deployment
from shared.core.usage import UsageRecord
from shared.demo.event_receiver import EventReceiver
from shared.demo.log_analytics_workspace import LogsApi
from tests.doubles.arm import ArmDouble, DoubleAccount
from tests.doubles.cost_query import QPU_RETRY_AFTER, CostQueryDouble
from tests.doubles.entra import ARM_AUDIENCES, METRICS_AUDIENCE, FakeEntra
from tests.doubles.faults import Faults, faulted
from tests.doubles.metrics import MetricsDouble
from tests.doubles.resource_graph import ResourceGraphDouble
from tests.doubles.server import RecordedRequest, Reply

TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "00000000-1111-2222-3333-444444444444"
CLIENT_SECRET = "double-client-secret"

_COST_QUERY = re.compile(r"^(?P<scope>/.+?)/providers/microsoft\.costmanagement/query/?$", re.I)
_GET_BATCH = re.compile(r"^/subscriptions/(?P<sub>[^/]+)/metrics:getbatch/?$", re.I)
_ACCOUNTS = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/providers/microsoft\.cognitiveservices/accounts/?$", re.I
)
_GRAPH = re.compile(r"^/providers/microsoft\.resourcegraph/resources/?$", re.I)
_DEPLOYMENTS = re.compile(
    r"^(?P<account>/subscriptions/[^/]+/resourcegroups/[^/]+/providers/"
    r"microsoft\.cognitiveservices/accounts/[^/]+)/deployments/?$",
    re.I,
)


class AzureDouble:
    """The Azure side of the integration tests; serve it with the `serve_azure` fixture."""

    def __init__(
        self,
        costs: Sequence[CostLine] = (),
        deployments: Sequence[Deployment] = (),
        usage: Sequence[UsageRecord] = (),
        *,
        accounts: Sequence[DoubleAccount] = (),
        page_size: int = 1000,
        arm_page_size: int = 100,
        lowercase_resource_ids: bool = True,
        throttle_first_n: int = 0,
        throttle_status: int = 429,
        retry_after_header: str = QPU_RETRY_AFTER,
        retry_after_value: str = "1",
        throttle_after_pages: int | None = None,
        fail_after_pages: int | None = None,
        no_content_when_empty: bool = False,
        metrics_throttle_first_n: int = 0,
        metrics_throttle_status: int = 529,
        tenant_id: str = TENANT_ID,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        logs: LogsApi | None = None,
        events: EventReceiver | None = None,
        graph_page_size: int = 1000,
        fault_rate: float = 0.0,
        latency_seconds: float = 0.0,
        faults: Faults | None = None,
    ) -> None:
        self.entra = FakeEntra(tenant_id, client_id, client_secret)
        self.costs = CostQueryDouble(
            list(costs),
            page_size=page_size,
            lowercase_resource_ids=lowercase_resource_ids,
            throttle_first_n=throttle_first_n,
            throttle_status=throttle_status,
            retry_after_header=retry_after_header,
            retry_after_value=retry_after_value,
            throttle_after_pages=throttle_after_pages,
            fail_after_pages=fail_after_pages,
            no_content_when_empty=no_content_when_empty,
        )
        self.arm = ArmDouble(list(deployments), list(accounts), page_size=arm_page_size)
        regions = {a.account_id.lower(): a.location for a in self.arm.all_accounts()}
        self.metrics = MetricsDouble(
            list(usage),
            regions,
            throttle_first_n=metrics_throttle_first_n,
            throttle_status=metrics_throttle_status,
            fault_rate=fault_rate,
        )
        self.graph = ResourceGraphDouble(self.arm, page_size=graph_page_size, fault_rate=fault_rate)
        self.latency_seconds = latency_seconds
        self.faults = faults or Faults()
        self.open_calls: dict[str, int] = {}
        self.max_open_calls: dict[str, int] = {}
        self.logs = logs
        self.events = events
        if events is not None and events.token_audience is None:
            events.token_audience = self.entra.audience_of  # the topic checks the audience itself
        self.base_url = ""
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()

    def bind(self, base_url: str) -> None:
        """Tell every part the https://127.0.0.1:<port> it is served on (for links)."""
        self.base_url = base_url
        self.entra.base_url = base_url
        self.costs.base_url = base_url
        self.arm.base_url = base_url

    def handle(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
        if self.entra.handles(request):
            return self.entra.handle(request)
        endpoint = endpoint_of(request.path)
        with self._lock:
            self.open_calls[endpoint] = self.open_calls.get(endpoint, 0) + 1
            self.max_open_calls[endpoint] = max(
                self.max_open_calls.get(endpoint, 0), self.open_calls[endpoint]
            )
        try:
            if self.latency_seconds:
                time.sleep(self.latency_seconds)
            source = self.source_of(request)
            named = self.faults.endpoints is not None and source in self.faults.endpoints
            if source != "events" or named:  # the topic is no source: faulted only when named
                kind = self.faults.draw(source, request)
                if kind is not None:
                    return faulted(kind, source)
            return self._azure(request)
        finally:
            with self._lock:
                self.open_calls[endpoint] -= 1

    def _azure(self, request: RecordedRequest) -> Reply:
        audience = self.entra.audience_of(request.headers.get("authorization"))
        if (match := _COST_QUERY.match(request.path)) and request.method == "POST":
            return self._authorized(audience, ARM_AUDIENCES) or self.costs.handle(
                request, match.group("scope")
            )
        if (match := _GET_BATCH.match(request.path)) and request.method == "POST":
            return self._authorized(audience, {METRICS_AUDIENCE}) or self.metrics.handle(
                request, match.group("sub")
            )
        if self.logs is not None and self.logs.handles(request):
            return self._authorized(audience, {self.base_url}) or self.logs.handle(request)
        if self.events is not None and self.events.handles(request):
            return self.events.handle(request)
        if _GRAPH.match(request.path) and request.method == "POST":
            return self._authorized(audience, ARM_AUDIENCES) or self.graph.handle(request)
        if (match := _ACCOUNTS.match(request.path)) and request.method == "GET":
            return self._authorized(audience, ARM_AUDIENCES) or self.arm.list_accounts(
                request, match.group("sub")
            )
        if (match := _DEPLOYMENTS.match(request.path)) and request.method == "GET":
            return self._authorized(audience, ARM_AUDIENCES) or self.arm.list_deployments(
                request, match.group("account")
            )
        body = {"error": {"code": "NotFound", "message": f"{request.method} {request.path}"}}
        return Reply.json(404, body)

    def source_of(self, request: RecordedRequest) -> str:
        """The endpoint a request is for, as `faults` names them: `endpoint_of`'s, and `logs`
        and `events` for Log Analytics and the topic."""
        if self.logs is not None and self.logs.handles(request):
            return "logs"
        if self.events is not None and self.events.handles(request):
            return "events"
        return endpoint_of(request.path)

    # Recorded traffic, by endpoint.
    def cost_queries(self) -> list[RecordedRequest]:
        return [r for r in self.requests if _COST_QUERY.match(r.path)]

    def metrics_batches(self) -> list[RecordedRequest]:
        return [r for r in self.requests if _GET_BATCH.match(r.path)]

    def arm_listings(self) -> list[RecordedRequest]:
        return [r for r in self.requests if _ACCOUNTS.match(r.path) or _DEPLOYMENTS.match(r.path)]

    def graph_queries(self) -> list[RecordedRequest]:
        return [r for r in self.requests if _GRAPH.match(r.path)]

    def azure_calls(self) -> list[RecordedRequest]:
        """Every request but Entra's: what a collection cycle costs in Azure calls."""
        return [r for r in self.requests if not self.entra.handles(r)]

    def token_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.lower().endswith("/oauth2/v2.0/token")]

    @staticmethod
    def _authorized(audience: str | None, allowed: set[str] | frozenset[str]) -> Reply | None:
        if audience is None:
            body = {
                "error": {
                    "code": "AuthenticationFailed",
                    "message": "Missing or unknown bearer token.",
                }
            }
            return Reply.json(401, body)
        if audience not in allowed:
            message = f"The access token audience {audience} is not valid for this endpoint."
            return Reply.json(
                401, {"error": {"code": "InvalidAuthenticationTokenAudience", "message": message}}
            )
        return None


def sdk_environment(double: AzureDouble, base_url: str, ca_path: Path) -> dict[str, str]:
    """The environment pointing the Azure SDKs at `double` served on `base_url` over HTTPS
    signed by the CA in `ca_path` (its Entra app, no proxy for loopback)."""
    return {
        "REQUESTS_CA_BUNDLE": str(ca_path),
        "SSL_CERT_FILE": str(ca_path),
        "NO_PROXY": "127.0.0.1,localhost",
        "AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
        "AZURE_TENANT_ID": double.entra.tenant_id,
        "AZURE_CLIENT_ID": double.entra.client_id,
        "AZURE_CLIENT_SECRET": double.entra.client_secret,
        "AZURE_AUTHORITY_HOST": base_url,
    }


def endpoint_of(path: str) -> str:
    """Which API a request is for, as `max_open_calls` counts them."""
    if _COST_QUERY.match(path):
        return "cost"
    if _GET_BATCH.match(path):
        return "metrics"
    if _GRAPH.match(path):
        return "graph"
    if _ACCOUNTS.match(path) or _DEPLOYMENTS.match(path):
        return "arm"
    return "other"
