"""The demo's Log Analytics query API: the simulated workspaces (log_analytics_workspace.py)
served on https://127.0.0.1:<ephemeral port> with a throw-away CA (trustme), and a static
credential for the LogsQueryClient (the double accepts any bearer token).

The demo points `LOGS_ENDPOINT` at `base_url` and gives the client `transport`, which trusts
`ca_path` only and ignores proxy settings; nothing reaches real Azure or a metadata endpoint.
The transport's session is not owned by it: every client the sources open and close shares
it (a `RequestsTransport` that owns its session cannot be opened again once a client closed it),
and it is closed when the double stops.
"""

from __future__ import annotations

import ssl
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import trustme
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import RequestsTransport

from shared.demo.https_double import HttpsDoubleServer
from shared.demo.log_analytics_workspace import LogAnalyticsWorkspace, LogsApi

DEMO_TOKEN = "demo-token-for-the-local-workspace-double"  # not a secret: any bearer passes


class StaticCredential:
    """A `TokenCredential` answering one fixed token, valid for an hour from each call."""

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        del scopes, claims, tenant_id, enable_cae, kwargs
        return AccessToken(DEMO_TOKEN, int(time.time()) + 3600)


@dataclass(frozen=True)
class RunningLogsApi:
    """The served API: its base URL (`LOGS_ENDPOINT`), the CA that signed its certificate (a PEM
    file, present while it runs), a transport trusting that CA, and the application (its
    recorded requests)."""

    base_url: str
    ca_path: Path
    transport: RequestsTransport
    api: LogsApi


@contextmanager
def running_logs_api(workspaces: Mapping[str, LogAnalyticsWorkspace]) -> Iterator[RunningLogsApi]:
    """Serve `workspaces` (by workspace id) until the block ends."""
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    api = LogsApi(workspaces)
    server = HttpsDoubleServer(api.handle, context)
    with (
        tempfile.TemporaryDirectory(prefix="logs-double-") as folder,
        requests.Session() as session,
    ):
        ca_path = Path(folder) / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        session.trust_env = False  # no proxy, no REQUESTS_CA_BUNDLE: loopback, this CA only
        transport = RequestsTransport(
            session=session, session_owner=False, connection_verify=str(ca_path)
        )
        server.start()
        try:
            yield RunningLogsApi(server.base_url, ca_path, transport, api)
        finally:
            server.stop()
