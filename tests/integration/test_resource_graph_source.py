"""ResourceGraphInventorySource against the HTTPS Resource Graph double, through the real
`ResourceGraphClient`: the same inventory as the ARM listing in two paged queries, the quota
headers honoured, throttling retried."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.core.credentials import AccessToken, TokenCredential

from shared.adapters.azure.arm_inventory import ArmInventorySource
from shared.adapters.azure.resource_graph import (
    DEPLOYMENTS_QUERY,
    GraphQuotaPacer,
    ResourceGraphInventorySource,
    resets_after_seconds,
)
from shared.core.inventory import Deployment
from shared.errors import SourceError
from tests.doubles import AzureDouble, DoubleAccount
from tests.doubles.fixtures import RunningDouble

SUB = "6f1c2a3b-0000-4000-8000-00000000d001"
SUB_2 = "6f1c2a3b-0000-4000-8000-00000000d002"
ACCOUNTS = "providers/Microsoft.CognitiveServices/accounts"
PROD = f"/subscriptions/{SUB}/resourceGroups/rg-ai/{ACCOUNTS}/aoai-prod"
FOUNDRY = f"/subscriptions/{SUB}/resourceGroups/rg-ai/{ACCOUNTS}/foundry-hub"
SPEECH = f"/subscriptions/{SUB}/resourceGroups/rg-ai/{ACCOUNTS}/speech"
DEV = f"/subscriptions/{SUB_2}/resourceGroups/rg-dev/{ACCOUNTS}/aoai-dev"
OTHER = "6f1c2a3b-0000-4000-8000-00000000d0ff"  # a subscription not collected
CREATED = datetime(2026, 10, 14, 9, 30, 12, 123456, tzinfo=UTC)

Serve = Callable[[AzureDouble], RunningDouble]
Credential = Callable[[RunningDouble], TokenCredential]


def deployment(
    account: str, name: str, sku: str = "GlobalStandard", capacity: int = 100
) -> Deployment:
    location = "swedencentral" if account == FOUNDRY else "eastus2"
    return Deployment(
        account, name, "gpt-4o", "2024-08-06", sku, capacity, "OpenAI", location,
        created_at=CREATED, modified_at=CREATED if name.endswith("1") else None,
    )  # fmt: skip


def tenant() -> AzureDouble:
    prod = [deployment(PROD, f"chat-{i:02d}") for i in range(7)]
    foundry = [deployment(FOUNDRY, "rag-ptu", "GlobalProvisionedManaged", 50)]
    dev = [deployment(DEV, "chat-dev-1", "Standard", 10)]
    speech = [deployment(SPEECH, "whisper")]  # an account of another kind: left out
    other = [deployment(f"/subscriptions/{OTHER}/resourceGroups/x/{ACCOUNTS}/elsewhere", "c")]
    accounts = [
        DoubleAccount(FOUNDRY, "AIServices", "swedencentral"),
        DoubleAccount(SPEECH, "SpeechServices"),
        DoubleAccount(PROD, "OpenAI", "eastus2"),
        DoubleAccount(DEV, "OpenAI", "eastus2"),
    ]
    return AzureDouble(
        deployments=prod + foundry + dev + speech + other,
        accounts=accounts,
        arm_page_size=3,
        graph_page_size=4,
    )


def no_sleep(seconds: float) -> None:
    del seconds


def test_resource_graph_and_the_arm_listing_give_the_same_inventory(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(tenant())
    credential = credential_for(azure)

    graph = ResourceGraphInventorySource(credential, [SUB, SUB_2], azure.arm_endpoint).fetch()
    arm = ArmInventorySource(credential, [SUB, SUB_2], azure.arm_endpoint).fetch()

    assert graph == arm  # the same deployments, fields and order
    assert len(graph) == 9 and {d.account_id for d in graph} == {PROD, FOUNDRY, DEV}
    assert {d.account_location for d in graph if d.account_id == FOUNDRY} == {"swedencentral"}
    assert all(d.created_at == CREATED for d in graph)  # systemData carried over
    assert [d.modified_at is not None for d in graph if d.account_id == DEV] == [True]


def test_two_paged_queries_list_the_whole_tenant_following_skip_tokens(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(tenant())

    ResourceGraphInventorySource(credential_for(azure), [SUB, SUB_2], azure.arm_endpoint).fetch()

    queries = azure.double.graph_queries()
    bodies = [q.json() for q in queries]
    accounts = [b for b in bodies if "accounts/deployments" not in b["query"]]
    deployments = [b for b in bodies if b["query"] == DEPLOYMENTS_QUERY]
    # 3 accounts of the two subscriptions (the speech account filtered by ARG), 4 rows a page:
    # one page; 10 deployment rows (the speech one included, dropped by the source): 3 pages.
    assert len(accounts) == 1 and len(deployments) == 3
    assert [b["options"].get("$skipToken") is None for b in deployments] == [True, False, False]
    assert all(sorted(b["subscriptions"]) == sorted([SUB, SUB_2]) for b in bodies)
    assert {q.param("api-version") for q in queries} == {"2024-04-01"}
    assert azure.double.arm_listings() == []  # no per-account ARM call


def test_the_call_count_does_not_grow_with_accounts_as_the_arm_listing_does(
    serve_azure: Serve, credential_for: Credential
) -> None:
    many = [
        deployment(f"/subscriptions/{SUB}/resourceGroups/rg/{ACCOUNTS}/a{n:02d}", f"d{d}")
        for n in range(30)
        for d in range(3)
    ]
    azure = serve_azure(AzureDouble(deployments=many))
    credential = credential_for(azure)

    graph = ResourceGraphInventorySource(credential, [SUB], azure.arm_endpoint).fetch()
    graph_calls = len(azure.double.graph_queries())
    arm = ArmInventorySource(credential, [SUB], azure.arm_endpoint, concurrency=4).fetch()

    assert graph == arm and len(graph) == 90
    assert graph_calls == 2  # accounts, deployments
    assert len(azure.double.arm_listings()) == 1 + 30  # the accounts list, one per account


def test_a_used_up_quota_waits_for_its_reset_before_the_next_query(
    serve_azure: Serve, credential_for: Credential
) -> None:
    double = tenant()
    double.graph.quota = 2  # the second answer says none is left
    azure = serve_azure(double)
    waits: list[float] = []
    pacer = GraphQuotaPacer(waits.append, clock=lambda: 0.0)

    ResourceGraphInventorySource(
        credential_for(azure), [SUB, SUB_2], azure.arm_endpoint, pacer=pacer, sleep=no_sleep
    ).fetch()

    assert len(azure.double.graph_queries()) == 4
    assert waits == [5.0]  # after the second answer (00:00:05 to the reset); the window refilled


def test_the_quota_headers_are_read_as_arg_writes_them() -> None:
    assert resets_after_seconds({"x-ms-user-quota-resets-after": "00:00:03"}) == 3.0
    assert resets_after_seconds({"x-ms-user-quota-resets-after": "01:02:03.5"}) == 3723.5
    assert resets_after_seconds({"x-ms-user-quota-resets-after": "soon"}) is None
    assert resets_after_seconds({}) is None


def test_injected_throttling_is_retried_to_the_same_inventory(
    serve_azure: Serve, credential_for: Credential
) -> None:
    faulty = tenant()
    faulty.graph.fault_rate = 0.3
    azure = serve_azure(faulty)
    credential = credential_for(azure)
    expected = ArmInventorySource(credential, [SUB, SUB_2], azure.arm_endpoint).fetch()

    found = ResourceGraphInventorySource(
        credential, [SUB, SUB_2], azure.arm_endpoint, sleep=no_sleep
    ).fetch()

    assert found == expected and len(found) == 9
    assert faulty.graph.faults >= 1  # some queries were refused and retried
    assert len(azure.double.graph_queries()) == 4 + faulty.graph.faults


def test_a_rejected_token_raises_source_error(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(tenant())
    credential = credential_for(azure)

    class WrongAudience:
        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            del scopes
            return credential.get_token("https://metrics.monitor.azure.com/.default", **kwargs)

    with pytest.raises(SourceError, match="InvalidAuthenticationTokenAudience"):
        ResourceGraphInventorySource(WrongAudience(), [SUB], azure.arm_endpoint).fetch()


def test_pages_of_one_row_are_followed_to_the_end(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(tenant())
    azure.double.graph.page_size = 1
    azure.double.graph.quota = 1000
    source = ResourceGraphInventorySource(credential_for(azure), [SUB], azure.arm_endpoint)

    assert len(source.fetch()) == 8
    # 2 account rows and 9 deployment rows of SUB (the speech account's one included): 11 pages.
    assert len(azure.double.graph_queries()) == 2 + 9


def test_no_subscription_makes_no_query(serve_azure: Serve, credential_for: Credential) -> None:
    azure = serve_azure(tenant())
    assert ResourceGraphInventorySource(credential_for(azure), [], azure.arm_endpoint).fetch() == []
    assert azure.double.graph_queries() == []
