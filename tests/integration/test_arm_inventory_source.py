"""ArmInventorySource against the HTTPS ARM double, through the real Cognitive Services client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from azure.core.credentials import AccessToken, TokenCredential

from shared.adapters.azure.arm_inventory import ArmInventorySource
from shared.core.inventory import Deployment
from shared.errors import SourceError
from tests.doubles import AzureDouble, DoubleAccount
from tests.doubles.fixtures import RunningDouble

SUB = "6f1c2a3b-0000-4000-8000-00000000b001"
SUB_2 = "6f1c2a3b-0000-4000-8000-00000000b002"
ACCOUNTS = "providers/Microsoft.CognitiveServices/accounts"
PROD = f"/subscriptions/{SUB}/resourceGroups/rg-ai/{ACCOUNTS}/aoai-prod"
FOUNDRY = f"/subscriptions/{SUB}/resourceGroups/rg-ai/{ACCOUNTS}/foundry-hub"
SPEECH = f"/subscriptions/{SUB}/resourceGroups/rg-ai/{ACCOUNTS}/speech"
DEV = f"/subscriptions/{SUB_2}/resourceGroups/rg-dev/{ACCOUNTS}/aoai-dev"

Serve = Callable[[AzureDouble], RunningDouble]
Credential = Callable[[RunningDouble], TokenCredential]


def deployment(
    account: str, name: str, sku: str = "GlobalStandard", capacity: int = 100
) -> Deployment:
    location = "swedencentral" if account == FOUNDRY else "eastus2"
    return Deployment(account, name, "gpt-4o", "2024-08-06", sku, capacity, "OpenAI", location)


def test_every_deployment_of_openai_and_ai_services_accounts_is_listed_across_pages(
    serve_azure: Serve, credential_for: Credential
) -> None:
    prod = [deployment(PROD, f"chat-{i:02d}") for i in range(7)]
    foundry = [deployment(FOUNDRY, "rag-ptu", "GlobalProvisionedManaged", 50)]
    dev = [deployment(DEV, "chat-dev", "Standard", 10)]
    accounts = [
        DoubleAccount(FOUNDRY, "AIServices", "swedencentral"),
        DoubleAccount(SPEECH, "SpeechServices"),
    ]
    azure = serve_azure(
        AzureDouble(deployments=prod + foundry + dev, accounts=accounts, arm_page_size=3)
    )

    found = ArmInventorySource(credential_for(azure), [SUB, SUB_2], azure.arm_endpoint).fetch()

    assert sorted(found, key=lambda d: (d.account_id, d.name)) == sorted(
        prod + foundry + dev, key=lambda d: (d.account_id, d.name)
    )
    deployment_pages = [r for r in azure.double.arm_listings() if r.path.endswith("/deployments")]
    prod_pages = [r for r in deployment_pages if "/aoai-prod/" in r.path]
    assert len(prod_pages) == 3  # 7 deployments, 3 per page: the SDK pager followed nextLink
    assert [r.param("$skipToken") for r in prod_pages] == [None, "3", "6"]
    assert not any("/speech/" in r.path for r in deployment_pages)  # other kinds are skipped


def test_the_account_location_is_carried_onto_its_deployments(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(
        AzureDouble(
            deployments=[deployment(FOUNDRY, "rag-ptu", "GlobalProvisionedManaged", 50)],
            accounts=[DoubleAccount(FOUNDRY, "AIServices", "swedencentral")],
        )
    )

    (found,) = ArmInventorySource(credential_for(azure), [SUB], azure.arm_endpoint).fetch()

    assert found.account_location == "swedencentral"
    assert found.sku == "GlobalProvisionedManaged" and found.capacity == 50
    assert found.model_format == "OpenAI"


def test_a_subscription_without_accounts_gives_no_deployments(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(AzureDouble(deployments=[deployment(PROD, "chat")]))

    assert ArmInventorySource(credential_for(azure), [SUB_2], azure.arm_endpoint).fetch() == []


def test_a_rejected_token_raises_source_error(
    serve_azure: Serve, credential_for: Credential
) -> None:
    azure = serve_azure(AzureDouble(deployments=[deployment(PROD, "chat")]))
    credential = credential_for(azure)

    class WrongAudience:
        """Asks the fake Entra for a metrics token and offers it to ARM."""

        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            del scopes
            return credential.get_token("https://metrics.monitor.azure.com/.default", **kwargs)

    with pytest.raises(SourceError, match="InvalidAuthenticationTokenAudience"):
        ArmInventorySource(WrongAudience(), [SUB], azure.arm_endpoint).fetch()
