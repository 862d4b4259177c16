"""The settings the code reads, the Bicep app settings and local.settings.sample.json agree.

The code's list is `shared.settings.SETTING_NAMES`; nothing here repeats it. Storage is the one
setting with two forms: the connection string `AzureWebJobsStorage` locally (Azurite), and the
identity-based family `AzureWebJobsStorage__*` in Azure, which Bicep must use instead.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from bicep_query import REPO_ROOT, Call, Expr, Ref, load

from shared import settings
from shared.adapters.storage.allocation_queue import poison_queue_name
from shared.bootstrap import EVERY_TABLE

# The identity-based form of AzureWebJobsStorage: what the code reads, then what the host needs.
STORAGE_IDENTITY_FAMILY = {
    settings.STORAGE_TABLE_URI: "read by the code (tables)",
    settings.STORAGE_QUEUE_URI: "read by the code (allocation queue)",
    settings.STORAGE_CLIENT_ID: "read by the code; the host's user-assigned identity",
    f"{settings.STORAGE}__blobServiceUri": "host storage: keys, timer and singleton leases",
    f"{settings.STORAGE}__credential": "host: authenticate with a managed identity",
}

# Settings Bicep sets although the code does not read them, each with its reason.
PLATFORM_SETTINGS = {
    "APPLICATIONINSIGHTS_CONNECTION_STRING": "the host sends logs and traces to App Insights",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "telemetry signed by the identity (no local auth)",
    "AZURE_CLIENT_ID": "DefaultAzureCredential picks the user-assigned identity",
    "AZURE_TOKEN_CREDENTIALS": "DefaultAzureCredential tries ManagedIdentityCredential only",
}

# Settings of local.settings.sample.json that Azure does not take, each with its reason.
LOCAL_ONLY_SETTINGS = {
    "FUNCTIONS_WORKER_RUNTIME": "Core Tools needs it; Flex sets functionAppConfig.runtime instead",
    "AzureWebJobsFeatureFlags": "EnableWorkerIndexing for old Core Tools; Azure indexes by default",
}

# Settings Flex Consumption rejects or ignores, and the storage connection string (a secret).
FORBIDDEN_IN_AZURE = {
    settings.STORAGE: "a connection string carries the account key; use the identity family",
    "FUNCTIONS_WORKER_RUNTIME": "replaced by functionAppConfig.runtime on Flex Consumption",
    "FUNCTIONS_EXTENSION_VERSION": "not supported on Flex Consumption",
    "WEBSITE_RUN_FROM_PACKAGE": "replaced by functionAppConfig.deployment on Flex Consumption",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING": "Azure Files content share: not on Flex",
    "WEBSITE_CONTENTSHARE": "Azure Files content share: not on Flex",
}


def bicep_settings() -> dict[str, Any]:
    app_settings = load("app/api.bicep").variables()["appSettings"]
    assert isinstance(app_settings, dict)
    return app_settings


def sample_settings() -> dict[str, str]:
    sample = json.loads((REPO_ROOT / "local.settings.sample.json").read_text(encoding="utf-8"))
    values = sample["Values"]
    assert isinstance(values, dict)
    return values


def code_settings() -> tuple[str, ...]:
    assert settings.SETTING_NAMES, "shared.settings.SETTING_NAMES is empty"
    return settings.SETTING_NAMES


@pytest.mark.parametrize("name", code_settings())
def test_every_setting_the_code_reads_is_set_by_bicep(name: str) -> None:
    bicep = bicep_settings()
    if name == settings.STORAGE:
        missing = set(STORAGE_IDENTITY_FAMILY) - set(bicep)
        assert not missing, f"identity-based storage settings missing: {sorted(missing)}"
    else:
        assert name in bicep


@pytest.mark.parametrize("name", code_settings())
def test_every_setting_the_code_reads_is_in_local_settings_sample(name: str) -> None:
    assert name in sample_settings()


def test_bicep_sets_no_setting_that_the_code_or_the_platform_list_does_not_explain() -> None:
    explained = set(code_settings()) | set(STORAGE_IDENTITY_FAMILY) | set(PLATFORM_SETTINGS)
    assert set(bicep_settings()) - explained == set()


def test_the_sample_holds_no_setting_that_the_code_or_the_local_list_does_not_explain() -> None:
    explained = set(code_settings()) | set(LOCAL_ONLY_SETTINGS)
    assert set(sample_settings()) - explained == set()


def test_every_allow_listed_setting_is_still_used() -> None:
    assert set(PLATFORM_SETTINGS) <= set(bicep_settings())
    assert set(LOCAL_ONLY_SETTINGS) <= set(sample_settings())


@pytest.mark.parametrize("name", sorted(FORBIDDEN_IN_AZURE))
def test_bicep_does_not_set_what_flex_consumption_or_identity_only_storage_forbids(
    name: str,
) -> None:
    assert name not in bicep_settings(), FORBIDDEN_IN_AZURE[name]


def _default_in_main(api_param: str) -> Any:
    """The value main.bicep gives an api.bicep parameter, through main's own parameter defaults."""
    passed = load("main.bicep").module("api").params[api_param]
    if isinstance(passed, Ref) and passed.text in load("main.bicep").params():
        return load("main.bicep").params()[passed.text].default
    return passed


def _deployed_default(name: str) -> Any:
    """The value Bicep deploys for a setting when every parameter keeps its default."""
    expression = bicep_settings()[name]
    if isinstance(expression, Ref) and expression.text in load("app/api.bicep").params():
        return _default_in_main(expression.text)
    if isinstance(expression, Call) and expression.name == "string" and len(expression.args) == 1:
        (argument,) = expression.args
        if isinstance(argument, Ref) and argument.text in load("app/api.bicep").params():
            inner = _default_in_main(argument.text)
            return str(inner) if isinstance(inner, (int, str)) else expression
    return expression


def test_bicep_defaults_equal_the_sample_values_wherever_both_are_literals() -> None:
    compared = []
    sample = sample_settings()
    for name in code_settings():
        deployed = _deployed_default(name) if name in bicep_settings() else None
        if isinstance(deployed, str) and sample.get(name):
            assert deployed == sample[name], name
            compared.append(name)
    assert {
        settings.COSTS_SCHEDULE,
        settings.USAGE_SCHEDULE,
        settings.INVENTORY_SCHEDULE,
        settings.PRICES_SCHEDULE,
        settings.TELEMETRY_SCHEDULE,
        settings.RETAIL_PRICES_ENDPOINT,
        settings.LOGS_ENDPOINT,
        settings.ALLOCATION_QUEUE,
        settings.LOOKBACK_DAYS,
    } <= set(compared)


@pytest.mark.parametrize(
    ("name", "parameter"),
    [
        (settings.COSTS_SCHEDULE, "costsSchedule"),
        (settings.USAGE_SCHEDULE, "usageSchedule"),
        (settings.INVENTORY_SCHEDULE, "inventorySchedule"),
        (settings.PRICES_SCHEDULE, "pricesSchedule"),
        (settings.TELEMETRY_SCHEDULE, "telemetrySchedule"),
        (settings.RETAIL_PRICES_ENDPOINT, "retailPricesEndpoint"),
        (settings.LOGS_ENDPOINT, "logsEndpoint"),
    ],
)
def test_each_schedule_and_endpoint_setting_comes_from_a_main_parameter_with_one_default(
    name: str, parameter: str
) -> None:
    assert bicep_settings()[name] == Ref(parameter)
    assert load("main.bicep").module("api").params[parameter] == Ref(parameter)
    main_default = load("main.bicep").params()[parameter].default
    assert main_default == load("app/api.bicep").params()[parameter].default
    assert main_default == sample_settings()[name]


def test_the_retail_prices_endpoint_defaults_to_the_code_default() -> None:
    default = load("main.bicep").params()["retailPricesEndpoint"].default
    assert default == settings.DEFAULT_RETAIL_PRICES_ENDPOINT == "https://prices.azure.com"


def test_the_logs_endpoint_defaults_to_the_code_default() -> None:
    default = load("main.bicep").params()["logsEndpoint"].default
    assert default == settings.DEFAULT_LOGS_ENDPOINT == "https://api.loganalytics.io"


@pytest.mark.parametrize(
    ("name", "api_param", "workspace", "given"),
    [
        (
            settings.APIM_WORKSPACE_ID,
            "apimWorkspaceCustomerId",
            "apimWorkspace",
            "hasApimWorkspace",
        ),
        (
            settings.APPINSIGHTS_WORKSPACE_ID,
            "appInsightsWorkspaceCustomerId",
            "appInsightsWorkspace",
            "hasAppInsightsWorkspace",
        ),
    ],
)
def test_each_workspace_id_setting_is_the_customer_id_of_the_workspace_given_by_resource_id(
    name: str, api_param: str, workspace: str, given: str
) -> None:
    # The code takes the workspace's customer id (a GUID), not its ARM id; empty when none.
    assert bicep_settings()[name] == Ref(api_param)
    assert load("app/api.bicep").params()[api_param].default == ""
    assert sample_settings()[name] == ""
    passed = load("main.bicep").module("api").params[api_param]
    assert isinstance(passed, Expr)
    assert " ".join(passed.text.split()) == f"{given} ? {workspace}.properties.customerId : ''"
    main = load("main.bicep")
    assert main.variables()[given] == Expr(f"!empty({workspace}ResourceId)")
    assert main.params()[f"{workspace}ResourceId"].default == ""
    (existing,) = [r for r in main.resources() if r.symbol == workspace]
    assert existing.existing
    assert existing.source.startswith("Microsoft.OperationalInsights/workspaces@")
    assert existing.condition == Expr(f"({given})")


def test_inventory_is_collected_hourly_by_default() -> None:
    seconds, minutes, hours, *_ = load("main.bicep").params()["inventorySchedule"].default.split()
    assert (seconds, hours) == ("0", "*"), "one snapshot an hour: provisioned hours need it"
    assert minutes.isdigit()


def test_bicep_creates_the_allocation_queue_the_code_uses_and_its_poison_queue() -> None:
    storage = load("main.bicep").module("storage").params
    queues = [queue["name"] for queue in storage["queueServices"]["queues"]]
    # The poison queue is named as the code and the Functions host name it: `{queue}-poison`.
    poison = poison_queue_name("${allocationQueueName}")
    assert queues == [Ref("allocationQueueName"), Expr(f"'{poison}'")]
    assert load("main.bicep").params()["allocationQueueName"].default == (
        settings.DEFAULT_ALLOCATION_QUEUE
    )
    assert bicep_settings()[settings.ALLOCATION_QUEUE] == Ref("allocationQueueName")


def test_bicep_creates_every_table_the_code_writes() -> None:
    tables = load("main.bicep").module("storage").params["tableServices"]["tables"]
    assert tables.iterable == Ref("tableNames")
    assert tables.body == {"name": Ref(tables.variable)}
    assert sorted(load("main.bicep").variables()["tableNames"]) == sorted(EVERY_TABLE)
