"""Live deployment inventory from ARM, through `azure-mgmt-cognitiveservices`.

Lists the Cognitive Services accounts of each subscription (kinds `OpenAI` and `AIServices`) and
each account's deployments; the SDK pager follows `nextLink`. Every SDK deployment model is turned
back into its REST JSON (`Model.serialize(keep_readonly=True)`; `as_dict()` would give Python
attribute names) and read by the same parser as a saved deployments file.
"""

from __future__ import annotations

from collections.abc import Sequence

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

from shared.adapters.formats.deployments_json import parse_deployments
from shared.core.arm_ids import parse_account_id
from shared.core.inventory import Deployment
from shared.errors import InvalidInput, SourceError

ACCOUNT_KINDS = frozenset({"openai", "aiservices"})


class ArmInventorySource:
    """An `InventorySource` (shared/services/ports.py) over ARM for the given subscriptions."""

    def __init__(
        self,
        credential: TokenCredential,
        subscription_ids: Sequence[str],
        arm_endpoint: str,
    ) -> None:
        self._credential = credential
        self._subscription_ids = tuple(s.strip() for s in subscription_ids if s.strip())
        self._arm_endpoint = arm_endpoint.rstrip("/")

    def fetch(self) -> list[Deployment]:
        """Every deployment of every OpenAI / AIServices account, or an error; never a part."""
        deployments: list[Deployment] = []
        for subscription_id in self._subscription_ids:
            try:
                deployments.extend(self._subscription(subscription_id))
            except AzureError as err:
                raise SourceError(
                    f"ARM inventory of subscription {subscription_id}: {err}"
                ) from err
            except InvalidInput as err:
                raise SourceError(
                    f"ARM inventory of subscription {subscription_id}: {err}"
                ) from err
        return deployments

    def _subscription(self, subscription_id: str) -> list[Deployment]:
        found: list[Deployment] = []
        with CognitiveServicesManagementClient(
            self._credential, subscription_id, base_url=self._arm_endpoint
        ) as client:
            for account in client.accounts.list():
                if (account.kind or "").lower() not in ACCOUNT_KINDS or not account.id:
                    continue
                ref = parse_account_id(account.id)
                items = [
                    item.serialize(keep_readonly=True)
                    for item in client.deployments.list(ref.resource_group, ref.name)
                ]
                found.extend(parse_deployments({"value": items}, account.location or ""))
        return found
