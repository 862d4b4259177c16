"""ARM listings of Cognitive Services accounts and their deployments, rendered from `Deployment`s.

Shapes follow the ListDeployments example (2024-10-01) and the accounts list; both lists are paged
with a `nextLink` carrying `$skipToken` and an api-version the client is expected to replace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.adapters.formats.deployments_json import arm_timestamp
from shared.core.inventory import Deployment
from tests.doubles.server import RecordedRequest, Reply

NEXT_LINK_API_VERSION = "2023-05-01"


@dataclass(frozen=True)
class DoubleAccount:
    """A Cognitive Services account the ARM double lists (deployments add theirs implicitly)."""

    account_id: str
    kind: str = "OpenAI"
    location: str = "eastus"

    @property
    def name(self) -> str:
        return self.account_id.rstrip("/").split("/")[-1]

    @property
    def subscription_id(self) -> str:
        return self.account_id.strip("/").split("/")[1]


@dataclass
class ArmDouble:
    deployments: Sequence[Deployment]
    accounts: Sequence[DoubleAccount]
    page_size: int = 100
    base_url: str = ""

    def all_accounts(self) -> list[DoubleAccount]:
        """Listed accounts first, then those of the deployments; one per id, case-insensitively."""
        out: dict[str, DoubleAccount] = {}
        for account in self.accounts:
            out.setdefault(account.account_id.lower(), account)
        for dep in self.deployments:
            location = dep.account_location or "eastus"
            out.setdefault(
                dep.account_id.lower(), DoubleAccount(dep.account_id, "OpenAI", location)
            )
        return list(out.values())

    def list_accounts(self, request: RecordedRequest, subscription_id: str) -> Reply:
        items = [
            _account_json(a)
            for a in self.all_accounts()
            if a.subscription_id.lower() == subscription_id.lower()
        ]
        return self._page(request, items)

    def list_deployments(self, request: RecordedRequest, account_path: str) -> Reply:
        account = next(
            (a for a in self.all_accounts() if a.account_id.lower() == account_path.lower()), None
        )
        if account is None:
            body = {"error": {"code": "ResourceNotFound", "message": f"{account_path} not found"}}
            return Reply.json(404, body)
        items = [
            _deployment_json(account, d)
            for d in self.deployments
            if d.account_id.lower() == account.account_id.lower()
        ]
        return self._page(request, items)

    def _page(self, request: RecordedRequest, items: list[dict[str, Any]]) -> Reply:
        raw = request.param("$skipToken") or "0"
        offset = int(raw) if raw.isdigit() else 0
        page: dict[str, Any] = {"value": items[offset : offset + self.page_size]}
        if offset + self.page_size < len(items):
            page["nextLink"] = (
                f"{self.base_url}{request.path}?api-version={NEXT_LINK_API_VERSION}"
                f"&$skipToken={offset + self.page_size}"
            )
        return Reply.json(200, page)


def _account_json(account: DoubleAccount) -> dict[str, Any]:
    return {
        "id": account.account_id,
        "name": account.name,
        "type": "Microsoft.CognitiveServices/accounts",
        "location": account.location,
        "kind": account.kind,
        "sku": {"name": "S0"},
        "etag": '"00000000-0000-0000-0000-000000000000"',
        "properties": {
            "endpoint": f"https://{account.name.lower()}.openai.azure.com/",
            "provisioningState": "Succeeded",
            "customSubDomainName": account.name.lower(),
            "publicNetworkAccess": "Enabled",
        },
    }


def _deployment_json(account: DoubleAccount, dep: Deployment) -> dict[str, Any]:
    return {
        "id": f"{account.account_id}/deployments/{dep.name}",
        "name": dep.name,
        "type": "Microsoft.CognitiveServices/accounts/deployments",
        "sku": {"name": dep.sku, "capacity": dep.capacity},
        "properties": {
            "model": {"format": dep.model_format, "name": dep.model, "version": dep.model_version},
            "versionUpgradeOption": "OnceNewDefaultVersionAvailable",
            "raiPolicyName": "Microsoft.DefaultV2",
            "provisioningState": "Succeeded",
            "rateLimits": [
                {"key": "request", "renewalPeriod": 10, "count": max(dep.capacity, 1)},
                {"key": "token", "renewalPeriod": 60, "count": max(dep.capacity, 1) * 1000},
            ],
        },
        "systemData": _system_data(dep),
    }


def _system_data(dep: Deployment) -> dict[str, str]:
    """ARM's systemData, with the deployment's times written as ARM does (7 fraction digits)."""
    data = {"createdBy": "someone@example.com", "createdByType": "User"}
    if dep.created_at is not None:
        data["createdAt"] = arm_timestamp(dep.created_at)
    if dep.modified_at is not None:
        data["lastModifiedBy"] = "someone@example.com"
        data["lastModifiedByType"] = "User"
        data["lastModifiedAt"] = arm_timestamp(dep.modified_at)
    return data
