"""One HTTP transport for every storage client of a process (tables and queues).

azure-core's default `RequestsTransport` gives each client its own `requests.Session`, whose
connection pool keeps 10 connections per host. The HTTP API runs its sync routes on anyio's
threadpool (40 threads), so under load more than 10 threads talk to the table endpoint at once:
urllib3 opens extra connections, logs "Connection pool is full, discarding connection" and closes
them after one request, and the churn of short-lived loopback connections is what made a few
requests of a 100-client load test fail. One shared session, with a pool larger than the
threadpool, keeps every connection alive and reused.

The session is mounted as azure-core mounts its own (no urllib3 retries: the SDK's retry policy
is the one that retries), and the transport does not own it, so a client's `close()` cannot
close it under the other clients.

`TableService` is the table service client the stores use: azure-data-tables'
`get_table_client` builds a new pipeline over the service's own policy objects on every call,
re-linking their `next` while other threads' requests walk the same objects; under concurrent
requests one of them then fails with "'_SansIOHTTPPolicyRunner' object has no attribute 'next'"
(the load test's HTTP 500s). Here each table gets one client, made once, with policies of its
own (over the shared transport), and every thread shares it.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import requests
from azure.core.pipeline.transport import RequestsTransport
from azure.data.tables import TableClient, TableServiceClient
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

POOL_MAXSIZE = 64  # connections kept per host: more than anyio's 40 worker threads
BLOCKSIZE = 32768  # bytes per socket read, as azure-core's own adapter sets


class _PooledAdapter(HTTPAdapter):
    """An adapter with a large pool, no retries of its own and azure-core's larger reads."""

    def __init__(self, pool_maxsize: int) -> None:
        super().__init__(
            pool_connections=4,  # hosts kept: the table, queue and blob endpoints
            pool_maxsize=pool_maxsize,
            max_retries=Retry(total=False, redirect=False, raise_on_status=False),
        )

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, blocksize=BLOCKSIZE, **pool_kwargs)


def pooled_session(pool_maxsize: int = POOL_MAXSIZE) -> requests.Session:
    """A session keeping up to `pool_maxsize` connections per host alive."""
    session = requests.Session()
    adapter = _PooledAdapter(pool_maxsize)
    for prefix in ("http://", "https://"):
        session.mount(prefix, adapter)
    return session


@cache
def shared_transport() -> RequestsTransport:
    """The process's one storage transport (made on first use: nothing opens at import)."""
    return RequestsTransport(session=pooled_session(), session_owner=False)


class TableService(TableServiceClient):
    """A table service client whose `get_table_client` answers one client per table, built once
    with its own pipeline (policies not shared with the service's or another table's), so that
    threads may use the stores at once."""

    def __init__(self, endpoint: str, **kwargs: Any) -> None:
        super().__init__(endpoint, **kwargs)
        self._transport = kwargs.get("transport") or shared_transport()
        self._tables: dict[str, TableClient] = {}
        self._lock = threading.Lock()

    def get_table_client(self, table_name: str, **kwargs: Any) -> TableClient:
        if kwargs:  # a client of its own settings: the SDK's way
            return super().get_table_client(table_name, **kwargs)
        with self._lock:
            client = self._tables.get(table_name)
            if client is None:
                client = TableClient(
                    self.url,
                    table_name=table_name,
                    credential=self.credential,
                    api_version=self.api_version,
                    transport=self._transport,
                    location_mode=self._location_mode,
                    _hosts=self._hosts,
                )
                self._tables[table_name] = client
            return client
