"""Session-wide test setup: loopback-only network, no managed-identity probing, Azurite."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from shared.demo.azurite import running_azurite, sigterm_as_exit
from tests import processes
from tests.doubles.fixtures import NetworkGuard, azure_tls, network_guard, serve_azure
from tests.storage import clear_storage

__all__ = ["azure_tls", "network_guard", "serve_azure"]

# No credential may probe the instance metadata endpoint, in any test.
os.environ["AZURE_TOKEN_CREDENTIALS"] = "EnvironmentCredential"


@pytest.fixture(autouse=True)
def _loopback_only(network_guard: NetworkGuard) -> None:
    """Every test runs with the network guard: a connection or lookup beyond loopback fails it."""


_SIGTERM_AS_CTRL_C = pytest.StashKey[contextlib.ExitStack]()


def pytest_configure(config: pytest.Config) -> None:
    # SIGTERM interrupts the run as Ctrl-C does, so fixtures still stop what they started; and
    # the session fails if a process it started outlives it (tests/processes.py).
    stack = config.stash[_SIGTERM_AS_CTRL_C] = contextlib.ExitStack()
    stack.enter_context(sigterm_as_exit(KeyboardInterrupt))
    processes.pytest_configure(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SIGTERM_AS_CTRL_C in config.stash:
        config.stash[_SIGTERM_AS_CTRL_C].close()


@pytest.fixture(scope="session")
def azurite() -> Iterator[object]:
    with sigterm_as_exit(KeyboardInterrupt), running_azurite() as instance:
        yield instance


@pytest.fixture
def storage_env(azurite: object, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Settings for a clean Azurite: every table and queue of earlier tests is gone."""
    conn = azurite.connection_string  # type: ignore[attr-defined]
    clear_storage(conn)
    env = {"AzureWebJobsStorage": conn, "ALLOCATION_QUEUE": "allocation-requests"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
