"""Session-wide test setup: loopback-only network, no managed-identity probing, Azurite."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator

import pytest

# No credential may probe the instance metadata endpoint, in any test.
os.environ["AZURE_TOKEN_CREDENTIALS"] = "EnvironmentCredential"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check(address: object) -> None:
    if not isinstance(address, tuple):
        return  # AF_UNIX and friends
    host = str(address[0])
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host.split("%")[0]).is_loopback:
            return
    except ValueError:
        pass
    raise ConnectionRefusedError(f"tests may only connect to loopback, not {host}")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check(address)
    return _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check(address)
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def azurite() -> Iterator[object]:
    from shared.local.azurite import start_azurite

    instance = start_azurite()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def storage_env(azurite: object, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Settings for a clean Azurite: every table and queue of earlier tests is gone."""
    from azure.data.tables import TableServiceClient
    from azure.storage.queue import QueueServiceClient

    conn = azurite.connection_string  # type: ignore[attr-defined]
    tables = TableServiceClient.from_connection_string(conn)
    for table in tables.list_tables():
        tables.delete_table(table.name)
    queues = QueueServiceClient.from_connection_string(conn)
    for queue in queues.list_queues():
        queues.delete_queue(queue.name)
    env = {"AzureWebJobsStorage": conn, "ALLOCATION_QUEUE": "allocation-requests"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
