"""make_credential against the fake Entra of the HTTPS double, and the loopback guard itself."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import DefaultAzureCredential

from shared.adapters.azure.credentials import make_credential, needs_instance_discovery_off
from tests.doubles import AzureDouble
from tests.doubles.fixtures import NetworkGuard, RunningDouble

ARM_SCOPE = "https://management.azure.com/.default"
Serve = Callable[[AzureDouble], RunningDouble]


@pytest.mark.parametrize(
    ("authority", "off"),
    [
        ("https://127.0.0.1:8443", True),
        ("https://login.contoso.example/", True),
        ("https://login.microsoftonline.com", False),
        ("login.microsoftonline.com", False),
        ("https://LOGIN.microsoftonline.us/", False),
        ("login.chinacloudapi.cn", False),
        ("", False),
    ],
)
def test_instance_discovery_is_turned_off_only_for_hosts_that_are_not_microsoft_entra(
    authority: str, off: bool
) -> None:
    assert needs_instance_discovery_off(authority) is off


def test_the_credential_gets_a_token_from_the_fake_entra_without_leaving_loopback(
    serve_azure: Serve, network_guard: NetworkGuard
) -> None:
    azure = serve_azure(AzureDouble())
    credential = make_credential()
    try:
        token = credential.get_token(ARM_SCOPE)
    finally:
        credential.close()  # type: ignore[attr-defined]

    assert token.token.startswith("double-")
    assert azure.double.entra.audience_of(f"Bearer {token.token}") == "https://management.azure.com"
    paths = [r.path for r in azure.double.requests]
    assert paths[0].endswith("/v2.0/.well-known/openid-configuration")
    assert paths[-1].endswith("/oauth2/v2.0/token")
    assert network_guard.blocked == []


def test_the_authority_is_read_from_the_environment_mapping_given(
    serve_azure: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    azure = serve_azure(AzureDouble())
    monkeypatch.delenv("AZURE_AUTHORITY_HOST")

    credential = make_credential({"AZURE_AUTHORITY_HOST": azure.authority_host})
    try:
        assert credential.get_token(ARM_SCOPE).token.startswith("double-")
    finally:
        credential.close()  # type: ignore[attr-defined]


def test_without_turning_instance_discovery_off_msal_would_call_login_microsoftonline_com(
    serve_azure: Serve, network_guard: NetworkGuard
) -> None:
    """Why make_credential passes disable_instance_discovery for a non-Microsoft authority."""
    azure = serve_azure(AzureDouble())
    credential = DefaultAzureCredential(authority=azure.authority_host, retry_total=0)
    try:
        with pytest.raises(ClientAuthenticationError):
            credential.get_token(ARM_SCOPE)
    finally:
        credential.close()

    assert "login.microsoftonline.com" in network_guard.blocked
    network_guard.blocked.clear()  # seen and refused, as intended


def test_a_wrong_client_secret_is_an_authentication_error(
    serve_azure: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_azure(AzureDouble())
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-the-secret")
    credential = make_credential()
    try:
        with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
            credential.get_token(ARM_SCOPE)
    finally:
        credential.close()  # type: ignore[attr-defined]


def test_the_network_guard_refuses_anything_beyond_loopback(network_guard: NetworkGuard) -> None:
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("203.0.113.7", 443))
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("management.azure.com", 443)

    assert network_guard.blocked == ["203.0.113.7:443", "management.azure.com"]
    network_guard.blocked.clear()
