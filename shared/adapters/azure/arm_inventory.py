"""Live deployment inventory from ARM, through `azure-mgmt-cognitiveservices`.

Lists the Cognitive Services accounts of each subscription (kinds `OpenAI` and `AIServices`) and
each account's deployments; the SDK pager follows `nextLink`. Every SDK deployment model is turned
back into its REST JSON (`Model.serialize(keep_readonly=True)`; `as_dict()` would give Python
attribute names) and read by the same parser as a saved deployments file. Throttling (429 with
`Retry-After`) and transient statuses are retried by the client's `SourceRetryPolicy`
(shared/adapters/azure/calls.py), as many times as azure-core's default policy would.

This is one call per account (and one per subscription): the fallback behind
`INVENTORY_SOURCE=arm` of the Resource Graph source (shared/adapters/azure/resource_graph.py),
which lists the same inventory in two queries. Subscriptions, then accounts, are listed
`concurrency` at a time (shared/adapters/azure/fan_out.py); the inventory is sorted by account id
and deployment name (`inventory_order`), as the Resource Graph source sorts it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import replace

from azure.core.credentials import TokenCredential
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest, HttpResponse
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

from shared.adapters.azure.calls import TRANSIENT_STATUSES, CallOptions, RetryRules, mapped
from shared.adapters.azure.fan_out import check_concurrency, fan_out
from shared.adapters.formats.deployments_json import parse_deployments
from shared.core.arm_ids import AccountRef, parse_account_id
from shared.core.inventory import Deployment
from shared.core.resource_id import id_key

ACCOUNT_KINDS = frozenset({"openai", "aiservices"})
# azure-core's defaults for a GET: three status retries, 0.8 s doubling, at most 120 s.
RETRY = RetryRules(
    TRANSIENT_STATUSES,
    max_attempts=4,
    first_wait_seconds=0.8,
    max_backoff_seconds=120.0,
)


def inventory_order(deployments: Iterable[Deployment]) -> list[Deployment]:
    """Deployments by account id (case-insensitively) and name: both inventory sources' order."""
    return sorted(deployments, key=lambda d: (id_key(d.account_id), d.name.lower(), d.name))


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
        concurrency: int = 1,
    ) -> None:
        self._calls = CallOptions(replace(RETRY, max_attempts=max_attempts), sleep, transport)
        self._credential = credential
        self._subscription_ids = tuple(s.strip() for s in subscription_ids if s.strip())
        self._arm_endpoint = arm_endpoint.rstrip("/")
        self._concurrency = check_concurrency(concurrency, "concurrency")

    def fetch(self) -> list[Deployment]:
        """Every deployment of every OpenAI / AIServices account, or an error; never a part."""
        with ExitStack() as stack:
            clients = {
                s: stack.enter_context(
                    CognitiveServicesManagementClient(
                        self._credential,
                        s,
                        base_url=self._arm_endpoint,
                        **self._calls.client_kwargs(),
                    )
                )
                for s in self._subscription_ids
            }

            def accounts(subscription_id: str) -> list[tuple[str, AccountRef, str]]:
                with mapped(f"ARM inventory of subscription {subscription_id}"):
                    return [
                        (subscription_id, parse_account_id(a.id), a.location or "")
                        for a in clients[subscription_id].accounts.list()
                        if (a.kind or "").lower() in ACCOUNT_KINDS and a.id
                    ]

            def deployments(account: tuple[str, AccountRef, str]) -> list[Deployment]:
                subscription_id, ref, location = account
                with mapped(f"ARM inventory of subscription {subscription_id}"):
                    items = [
                        item.serialize(keep_readonly=True)
                        for item in clients[subscription_id].deployments.list(
                            ref.resource_group, ref.name
                        )
                    ]
                    return parse_deployments({"value": items}, location)

            listed = fan_out(accounts, self._subscription_ids, self._concurrency)
            found = fan_out(deployments, [a for part in listed for a in part], self._concurrency)
        return inventory_order(d for part in found for d in part)
