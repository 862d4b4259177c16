"""Live deployment inventory from ARM, through `azure-mgmt-cognitiveservices`.

Lists the Cognitive Services accounts of each subscription (kinds `OpenAI` and `AIServices`) and
each account's deployments; the SDK pager follows `nextLink`. Every SDK deployment model is turned
back into its REST JSON (`Model.serialize(keep_readonly=True)`; `as_dict()` would give Python
attribute names) and read by the same parser as a saved deployments file. Throttling (429 with
`Retry-After`) and transient statuses are retried by the client's `SourceRetryPolicy`
(shared/adapters/azure/calls.py), as many times as azure-core's default policy would.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from azure.core.credentials import TokenCredential
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest, HttpResponse
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

from shared.adapters.azure.calls import TRANSIENT_STATUSES, CallOptions, RetryRules, mapped
from shared.adapters.formats.deployments_json import parse_deployments
from shared.core.arm_ids import parse_account_id
from shared.core.inventory import Deployment

ACCOUNT_KINDS = frozenset({"openai", "aiservices"})
# azure-core's defaults for a GET: three status retries, 0.8 s doubling, at most 120 s.
RETRY = RetryRules(
    TRANSIENT_STATUSES,
    max_attempts=4,
    first_wait_seconds=0.8,
    max_backoff_seconds=120.0,
)


class ArmInventorySource:
    """An `InventorySource` (shared/services/ports.py) over ARM for the given subscriptions."""

    def __init__(
        self,
        credential: TokenCredential,
        subscription_ids: Sequence[str],
        arm_endpoint: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = RETRY.max_attempts,
        transport: HttpTransport[HttpRequest, HttpResponse] | None = None,
    ) -> None:
        self._calls = CallOptions(replace(RETRY, max_attempts=max_attempts), sleep, transport)
        self._credential = credential
        self._subscription_ids = tuple(s.strip() for s in subscription_ids if s.strip())
        self._arm_endpoint = arm_endpoint.rstrip("/")

    def fetch(self) -> list[Deployment]:
        """Every deployment of every OpenAI / AIServices account, or an error; never a part."""
        deployments: list[Deployment] = []
        for subscription_id in self._subscription_ids:
            with mapped(f"ARM inventory of subscription {subscription_id}"):
                deployments.extend(self._subscription(subscription_id))
        return deployments

    def _subscription(self, subscription_id: str) -> list[Deployment]:
        found: list[Deployment] = []
        with CognitiveServicesManagementClient(
            self._credential,
            subscription_id,
            base_url=self._arm_endpoint,
            **self._calls.client_kwargs(),
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
