"""Integration fixtures: credentials for the HTTPS Azure double (served by `serve_azure`), and
the Retail Prices double (`serve_prices`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme
from azure.core.credentials import TokenCredential

from shared.adapters.azure.credentials import make_credential
from tests.doubles.fixtures import RunningDouble
from tests.doubles.retail_prices import RetailPricesDouble, RunningPrices, prices_server


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


@pytest.fixture
def serve_prices(
    azure_tls: tuple[trustme.CA, trustme.LeafCert], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[RetailPricesDouble], RunningPrices]]:
    """A starter of Retail Prices doubles on loopback HTTPS, trusted by the SDKs."""
    with prices_server(azure_tls, tmp_path, monkeypatch) as start:
        yield start
