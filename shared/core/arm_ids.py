"""ARM ids of Cognitive Services accounts and deployments, and the table keys made from them."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from shared.core.digest import ARM_KEY_DIGITS, digest
from shared.core.resource_id import id_key
from shared.errors import InvalidInput

_ACCOUNT = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)"
    r"/providers/microsoft\.cognitiveservices/accounts/(?P<account>[^/]+)"
    r"(?:/deployments/(?P<deployment>[^/]+))?/?$",
    re.IGNORECASE,
)
_UNSAFE = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class AccountRef:
    """A Cognitive Services account, parsed from its ARM id (compared case-insensitively).

    A value: `id` and `norm` are rendered once per instance (cached, derived from the fields
    only), and `parse_account_id` answers one instance per id text, so a hot loop that asks a
    deployment for its account and ids does not parse or format them again.
    """

    subscription_id: str
    resource_group: str
    name: str

    @functools.cached_property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.CognitiveServices/accounts/{self.name}"
        )

    @functools.cached_property
    def norm(self) -> str:
        """The id's `id_key`: the form used for matching and hashing."""
        return id_key(self.id)

    @property
    def key(self) -> str:
        """A Table-safe, stable key: readable name plus a short hash of the full id."""
        return f"{_safe(self.name)}~{digest(self.norm, length=ARM_KEY_DIGITS)}"


def parse_account_id(resource_id: str, field: str = "resourceId") -> AccountRef:
    """The account of an account or deployment id; raises InvalidInput for any other id."""
    account = _parsed_account(resource_id)
    if account is None:
        raise InvalidInput(field, f"not a Cognitive Services account id: {resource_id!r}")
    return account


@functools.lru_cache(maxsize=1 << 16)
def _parsed_account(resource_id: str) -> AccountRef | None:
    """Each id text parsed once (a bounded cache: a tenant has far fewer accounts and
    deployments than its bound; AccountRef is immutable, so sharing one is safe)."""
    match = _ACCOUNT.match((resource_id or "").strip())
    if not match:
        return None
    return AccountRef(match.group("sub"), match.group("rg"), match.group("account"))


def is_account_id(resource_id: str) -> bool:
    match = _ACCOUNT.match((resource_id or "").strip())
    return match is not None and match.group("deployment") is None


def deployment_id(account_id: str, deployment: str) -> str:
    """The ARM id of a deployment of an account, the account id spelled as given."""
    return f"{account_id}/deployments/{deployment}"


def deployment_key(account: AccountRef, deployment: str) -> str:
    """A Table- and URL-safe key for a deployment; the full ARM id is kept as a property."""
    hashed = digest(id_key(deployment_id(account.id, deployment)), length=ARM_KEY_DIGITS)
    return f"{_safe(account.name)}~{_safe(deployment)}~{hashed}"


def deployment_key_of(resource_id: str) -> str:
    """The key of a deployment given its full ARM id."""
    match = _ACCOUNT.match((resource_id or "").strip())
    if not match or not match.group("deployment"):
        raise InvalidInput("deploymentId", f"not a deployment id: {resource_id!r}")
    account = AccountRef(match.group("sub"), match.group("rg"), match.group("account"))
    return deployment_key(account, match.group("deployment"))


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", id_key(text)).strip("_") or "_"
