"""The storage clients share one pooled transport, and each table gets one client of its own
(azure-data-tables' `get_table_client` re-links the service's policies on every call, which
races between threads)."""

from __future__ import annotations

from shared.adapters.storage.transport import POOL_MAXSIZE, TableService, shared_transport

AZURITE = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
    "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"
)


def test_one_client_per_table_with_its_own_policies_over_the_shared_transport() -> None:
    service = TableService.from_connection_string(AZURITE, transport=shared_transport())
    first = service.get_table_client("costs")
    assert service.get_table_client("costs") is first  # made once, shared by every thread
    other = service.get_table_client("usage")
    assert other is not first and other.table_name == "usage"
    mine = first._client._client._pipeline._impl_policies  # read, not patched
    theirs = other._client._client._pipeline._impl_policies
    assert not {id(p) for p in mine} & {id(p) for p in theirs}  # nothing re-linked under them
    assert first.url == other.url and first.url.startswith("http://127.0.0.1:10002/")


def test_the_transport_keeps_more_connections_than_the_api_has_threads() -> None:
    session = shared_transport().session
    assert session is not None
    adapter = session.get_adapter("http://127.0.0.1/")
    assert adapter._pool_maxsize == POOL_MAXSIZE > 40  # anyio runs 40 threads
    assert shared_transport() is shared_transport()
