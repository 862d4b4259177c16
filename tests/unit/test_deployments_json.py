"""parse_deployments: ARM deployment JSON (list responses, bare lists, single objects)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.formats.deployments_json import parse_deployments
from shared.core.inventory import Deployment
from shared.errors import InvalidInput

PAYLOADS = Path("/work/shared/payloads/azure-api")
EXAMPLE_ACCOUNT = (
    "/subscriptions/subscriptionId/resourceGroups/resourceGroupName"
    "/providers/Microsoft.CognitiveServices/accounts/accountName"
)
EXAMPLE = Deployment(
    account_id=EXAMPLE_ACCOUNT,
    name="deploymentName",
    model="ada",
    model_version="1",
    sku="Standard",
    capacity=1,
    model_format="OpenAI",
)


def response_body(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())["responses"]["200"]["body"]


def item(name: str = "chat", **fields: Any) -> dict[str, Any]:
    return {
        "id": f"{EXAMPLE_ACCOUNT}/deployments/{name}",
        "name": name,
        "sku": {"name": "GlobalStandard", "capacity": 250},
        "properties": {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-08-06"}},
        **fields,
    }


def test_the_list_deployments_example_is_read() -> None:
    payload = response_body("cognitiveservices-ListDeployments.2024-10-01.example.json")

    assert parse_deployments(payload) == [EXAMPLE]


def test_a_single_deployment_as_returned_by_get_is_read() -> None:
    payload = response_body("cognitiveservices-GetDeployment.2025-06-01.example.json")

    assert parse_deployments(payload) == [EXAMPLE]


def test_a_bare_list_is_read_and_the_account_location_is_carried() -> None:
    (dep,) = parse_deployments([item()], account_location="swedencentral")

    assert dep.account_location == "swedencentral"
    assert (dep.name, dep.model, dep.model_version, dep.sku, dep.capacity) == (
        "chat",
        "gpt-4o",
        "2024-08-06",
        "GlobalStandard",
        250,
    )


def test_the_account_is_the_deployment_id_before_deployments_kept_as_returned() -> None:
    lower = item(id=f"{EXAMPLE_ACCOUNT.lower()}/deployments/chat")

    (dep,) = parse_deployments({"value": [lower]})

    assert dep.account_id == EXAMPLE_ACCOUNT.lower()
    assert dep.account.name == "accountname"


def test_the_name_falls_back_to_the_last_segment_of_the_id() -> None:
    nameless = item("rag-ptu")
    del nameless["name"]

    assert parse_deployments([nameless])[0].name == "rag-ptu"


@pytest.mark.parametrize(("capacity", "expected"), [(None, 0), ("10", 10), (10.0, 10), (50, 50)])
def test_capacity_is_a_whole_number(capacity: object, expected: int) -> None:
    payload = item(sku={"name": "GlobalProvisionedManaged", "capacity": capacity})

    assert parse_deployments([payload])[0].capacity == expected


def test_a_fractional_capacity_is_refused() -> None:
    with pytest.raises(InvalidInput, match="capacity"):
        parse_deployments([item(sku={"name": "Standard", "capacity": 1.5})])


def test_missing_sku_and_model_give_empty_fields_not_errors() -> None:
    (dep,) = parse_deployments([{"id": f"{EXAMPLE_ACCOUNT}/deployments/bare"}])

    assert (dep.sku, dep.capacity, dep.model, dep.model_version, dep.model_format) == (
        "",
        0,
        "",
        "",
        "",
    )


@pytest.mark.parametrize(
    "bad_id",
    [
        "",
        EXAMPLE_ACCOUNT,
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/x/deployments/d",
    ],
)
def test_an_id_that_is_not_a_cognitive_services_deployment_is_refused(bad_id: str) -> None:
    with pytest.raises(InvalidInput, match=r"value\[0\]\.id"):
        parse_deployments([item(id=bad_id)])


def test_an_empty_listing_gives_no_deployments() -> None:
    assert parse_deployments({"value": []}) == []


def test_a_value_that_is_not_a_list_is_refused() -> None:
    with pytest.raises(InvalidInput, match="value"):
        parse_deployments({"value": "nope"})
