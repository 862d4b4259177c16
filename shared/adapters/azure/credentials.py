"""The credential every live adapter uses: `DefaultAzureCredential`, safe for custom authorities.

Set `AZURE_TOKEN_CREDENTIALS` (e.g. `EnvironmentCredential`, `ManagedIdentityCredential`, `dev`)
so the chain never probes what it should not. When `AZURE_AUTHORITY_HOST` names a host that is not
a Microsoft Entra cloud (a loopback fake Entra in tests), MSAL would still call
login.microsoftonline.com for instance discovery; that call is turned off for such hosts only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlparse

from azure.core.credentials import TokenCredential
from azure.identity import AzureAuthorityHosts, DefaultAzureCredential

AUTHORITY_HOST = "AZURE_AUTHORITY_HOST"


def microsoft_authority_hosts() -> frozenset[str]:
    """The Entra hosts of the Azure clouds (`azure.identity.AzureAuthorityHosts`)."""
    # vars() and not getattr(): the class meta warns on the retired AZURE_GERMANY name.
    return frozenset(
        value.lower()
        for name, value in vars(AzureAuthorityHosts).items()
        if name.isupper() and isinstance(value, str)
    )


def authority_hostname(authority: str) -> str:
    """The lower-cased host of an authority given as `host`, `host:port` or an https URL."""
    text = authority.strip()
    parsed = urlparse(text if "://" in text else f"https://{text}")
    return (parsed.hostname or "").lower()


def needs_instance_discovery_off(authority: str) -> bool:
    """True when `authority` is set and is not one of the Microsoft Entra cloud hosts."""
    host = authority_hostname(authority) if authority.strip() else ""
    return bool(host) and host not in microsoft_authority_hosts()


def make_credential(env: Mapping[str, str] | None = None) -> TokenCredential:
    """A `DefaultAzureCredential` for the authority in `env` (default: the process environment).

    The chain itself still reads `AZURE_TOKEN_CREDENTIALS` and the `EnvironmentCredential`
    variables from the process environment, as azure-identity always does.
    """
    env = os.environ if env is None else env
    authority = (env.get(AUTHORITY_HOST) or "").strip()
    if not authority:
        return DefaultAzureCredential()
    if needs_instance_discovery_off(authority):
        return DefaultAzureCredential(authority=authority, disable_instance_discovery=True)
    return DefaultAzureCredential(authority=authority)
