"""Integration fixtures: the HTTPS Azure double, the loopback guard, and credentials for them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from azure.core.credentials import TokenCredential

from shared.adapters.credentials import make_credential
from tests.doubles.fixtures import (
    RunningDouble,
    azure_tls,
    network_guard,
    serve_azure,
)

__all__ = ["azure_tls", "network_guard", "serve_azure"]


@pytest.fixture(autouse=True)
def _loopback_only(network_guard: object) -> None:
    """Every integration test runs with the network guard on."""


@pytest.fixture
def credential_for(serve_azure: object) -> Iterator[Callable[[RunningDouble], TokenCredential]]:
    """`make_credential()` for a served double (call after `serve_azure`); closed afterwards."""
    made: list[TokenCredential] = []

    def build(running: RunningDouble) -> TokenCredential:
        del running  # the environment set by serve_azure already points at it
        credential = make_credential()
        made.append(credential)
        return credential

    yield build
    for credential in made:
        close = getattr(credential, "close", None)
        if close is not None:
            close()
