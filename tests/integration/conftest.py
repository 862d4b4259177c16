"""Integration fixtures: credentials for the HTTPS Azure double (served by `serve_azure`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from azure.core.credentials import TokenCredential

from shared.adapters.credentials import make_credential
from tests.doubles.fixtures import RunningDouble


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
