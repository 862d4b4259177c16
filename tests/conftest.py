"""Session-wide test setup: loopback-only network, no managed-identity probing, Azurite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.doubles.fixtures import NetworkGuard, azure_tls, network_guard, serve_azure

__all__ = ["azure_tls", "network_guard", "serve_azure"]

# No credential may probe the instance metadata endpoint, in any test.
os.environ["AZURE_TOKEN_CREDENTIALS"] = "EnvironmentCredential"


@pytest.fixture(autouse=True)
def _loopback_only(network_guard: NetworkGuard) -> None:
    """Every test runs with the network guard: a connection or lookup beyond loopback fails it."""


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
