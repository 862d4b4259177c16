"""Pytest fixtures: a loopback-only network guard and the Azure double served over HTTPS.

Import them into a conftest (`from tests.doubles.fixtures import network_guard, serve_azure`).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.doubles.azure import AzureDouble, sdk_environment
from tests.doubles.server import HttpsDoubleServer

# Variables that could send the SDKs elsewhere (proxies, other credentials, other CA bundles).
_CLEARED_ENV = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "CURL_CA_BUNDLE",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_USERNAME",
    "AZURE_PASSWORD",
    "AZURE_FEDERATED_TOKEN_FILE",
    "IDENTITY_ENDPOINT",
    "MSI_ENDPOINT",
)


@dataclass
class NetworkGuard:
    """Every non-loopback address or host name something tried to reach during the test."""

    blocked: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunningDouble:
    """An `AzureDouble` being served, and where."""

    double: AzureDouble
    base_url: str
    ca_path: Path

    @property
    def arm_endpoint(self) -> str:
        return self.base_url

    @property
    def metrics_endpoint(self) -> str:
        return self.base_url

    @property
    def authority_host(self) -> str:
        return self.base_url


def is_loopback(host: object) -> bool:
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Refuse (and fail the test on) any connection or name lookup beyond 127.0.0.1 / ::1."""
    with loopback_only(monkeypatch) as guard:
        yield guard


@contextlib.contextmanager
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """The guard of `network_guard` for a block (a fixture of a wider scope: its own
    `pytest.MonkeyPatch.context()`): a connection or lookup beyond loopback fails it."""
    guard = NetworkGuard()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            guard.blocked.append(f"{address[0]}:{address[1]}")
            raise ConnectionRefusedError(f"network_guard: {address[0]} is not loopback")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not is_loopback(host):
            guard.blocked.append(str(host))
            raise socket.gaierror(socket.EAI_NONAME, f"network_guard: {host} is not loopback")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield guard
    assert not guard.blocked, f"a request tried to leave loopback: {guard.blocked}"


@pytest.fixture(scope="session")
def azure_tls() -> tuple[trustme.CA, trustme.LeafCert]:
    """A throw-away CA and its certificate for 127.0.0.1 / localhost."""
    ca = trustme.CA()
    return ca, ca.issue_cert("127.0.0.1", "localhost", "::1")


@pytest.fixture
def serve_azure(
    azure_tls: tuple[trustme.CA, trustme.LeafCert],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    network_guard: NetworkGuard,
) -> Iterator[Callable[[AzureDouble], RunningDouble]]:
    """Start an `AzureDouble` on https://127.0.0.1:<port> and point the SDKs' environment at it.

    Sets REQUESTS_CA_BUNDLE and SSL_CERT_FILE (the test CA), AZURE_TOKEN_CREDENTIALS=
    EnvironmentCredential, AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET (the double's
    fake service principal) and AZURE_AUTHORITY_HOST (the double's fake Entra); clears proxies.
    """
    del network_guard  # requested for its side effect: nothing leaves loopback
    ca, leaf = azure_tls
    servers: list[HttpsDoubleServer] = []

    def start(double: AzureDouble) -> RunningDouble:
        if servers:
            raise RuntimeError("serve_azure serves one double per test")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(context)
        server = HttpsDoubleServer(double.handle, context)
        double.bind(server.base_url)
        server.start()
        servers.append(server)
        ca_path = tmp_path / "azure-double-ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        for name in _CLEARED_ENV:
            monkeypatch.delenv(name, raising=False)
        env = sdk_environment(double, server.base_url, ca_path)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return RunningDouble(double, server.base_url, ca_path)

    yield start
    for server in servers:
        server.stop()
