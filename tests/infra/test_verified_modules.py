"""Every Azure Verified Module is used at a version whose parameters and outputs were checked.

The Bicep CLI cannot run offline, so nothing compiles the templates here. Instead, each module
reference, every parameter passed to it and every output read from it were checked by hand
against the module's source (Azure/bicep-registry-modules) and against official azd samples that
deploy the same version. This table records that check; a new module, a version bump or a new
parameter fails here until someone checks it again and adds it with its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from bicep_query import INFRA, BicepFile, bicep_files

AVM = "https://github.com/Azure/bicep-registry-modules/blob/main/avm"
TIMER_SAMPLE = (
    "https://github.com/Azure-Samples/functions-quickstart-python-azd-timer/blob/"
    "05d91bcc809ff5f002f70389201856818fbd88db/infra/main.bicep"
)
HTTP_SAMPLE = (
    "https://github.com/Azure-Samples/functions-quickstart-python-http-azd/blob/"
    "0bb0f1062c51605e3fdeea59c4f669b550acf92e/infra/main.bicep"
)


@dataclass(frozen=True)
class VerifiedModule:
    """What was checked for one module version, and where."""

    params: frozenset[str]
    outputs: frozenset[str]
    sources: tuple[str, ...]


def _verified(params: str, outputs: str, *sources: str) -> VerifiedModule:
    return VerifiedModule(frozenset(params.split()), frozenset(outputs.split()), sources)


VERIFIED: dict[str, VerifiedModule] = {
    "avm/res/managed-identity/user-assigned-identity:0.4.1": _verified(
        "name location tags",
        "resourceId clientId principalId",
        f"{AVM}/res/managed-identity/user-assigned-identity/main.bicep (params, outputs)",
        TIMER_SAMPLE,
    ),
    "avm/res/operational-insights/workspace:0.11.1": _verified(
        "name location tags dataRetention",
        "resourceId name",
        f"{AVM}/res/operational-insights/workspace/main.bicep (dataRetention, outputs)",
        f"{TIMER_SAMPLE} (same version, same parameters)",
    ),
    "avm/res/insights/component:0.6.0": _verified(
        "name location tags workspaceResourceId disableLocalAuth",
        "resourceId name",
        f"{AVM}/res/insights/component/CHANGELOG.md (0.6.0: no breaking change)",
        f"{TIMER_SAMPLE} (same version, disableLocalAuth: true)",
    ),
    "avm/res/storage/storage-account:0.32.1": _verified(
        "name location tags kind skuName allowSharedKeyAccess defaultToOAuthAuthentication"
        " allowBlobPublicAccess supportsHttpsTrafficOnly minimumTlsVersion dnsEndpointType"
        " publicNetworkAccess networkAcls blobServices queueServices tableServices",
        "resourceId name",
        f"{AVM}/res/storage/storage-account/main.bicep (0.32.x: TLS1_3 and SecuredByPerimeter"
        " allowed; networkAclsType, blobServiceType, queueServiceType, tableServiceType)",
        f"{AVM}/res/storage/storage-account/CHANGELOG.md (0.32.1 only publishes child modules)",
        f"{AVM}/res/storage/storage-account/queue-service/main.bicep (queueType: name)",
        f"{AVM}/res/storage/storage-account/table-service/main.bicep (tables[].name)",
    ),
    "avm/res/event-grid/topic:0.9.1": _verified(
        "name location tags inputSchema disableLocalAuth minimumTlsVersionAllowed"
        " publicNetworkAccess",
        "resourceId name",
        f"{AVM}/res/event-grid/topic/main.bicep (inputSchema, minimumTlsVersionAllowed)",
        f"{AVM}/res/event-grid/topic/CHANGELOG.md (0.9.1 changes only lock and endpoint types)",
    ),
    "avm/res/web/serverfarm:0.1.1": _verified(
        "name location tags sku reserved",
        "resourceId",
        f"{TIMER_SAMPLE} (FC1 FlexConsumption, reserved: true)",
        HTTP_SAMPLE,
    ),
    "avm/res/web/site:0.15.1": _verified(
        "name location tags kind serverFarmResourceId httpsOnly clientAffinityEnabled"
        " managedIdentities functionAppConfig siteConfig basicPublishingCredentialsPolicies"
        " appSettingsKeyValuePairs",
        "name defaultHostname",
        f"{AVM}/res/web/site/main.bicep (0.13-0.15 line: functionAppConfig passed to the site,"
        " appSettingsKeyValuePairs merged into the current settings; renamed to `configs` later)",
        "https://github.com/Azure-Samples/functions-quickstart-python-http-azd"
        " infra/app/api.bicep (web/site 0.15.1 with functionAppConfig and"
        " appSettingsKeyValuePairs)",
    ),
    "avm/res/authorization/role-assignment/sub-scope:0.1.1": _verified(
        "name roleDefinitionIdOrName principalId principalType description",
        "",
        f"{AVM}/res/authorization/role-assignment/sub-scope/main.bicep (a GUID is accepted)",
        f"{AVM}/res/authorization/role-assignment/sub-scope/CHANGELOG.md (0.1.1: recompiled)",
    ),
    "avm/ptn/authorization/resource-role-assignment:0.1.2": _verified(
        "resourceId name roleDefinitionId roleName principalId principalType description",
        "",
        f"{AVM}/ptn/authorization/resource-role-assignment/main.bicep (a GUID is accepted)",
        f"{AVM}/ptn/authorization/resource-role-assignment/CHANGELOG.md (0.1.2: first version)",
    ),
}

REGISTRY = "br/public:"


def registry_modules() -> list[tuple[str, str, str, frozenset[str]]]:
    """(file, symbol, `path:version`, parameters passed) of every registry module."""
    return [
        (path.name, module.symbol, module.source.removeprefix(REGISTRY), frozenset(module.params))
        for path in bicep_files()
        for module in BicepFile.parse(path).modules()
        if module.source.startswith(REGISTRY)
    ]


def outputs_read() -> dict[str, set[str]]:
    """`path:version` -> outputs that the templates read from modules of that source."""
    read: dict[str, set[str]] = {}
    for path in bicep_files():
        parsed = BicepFile.parse(path)
        text = path.read_text(encoding="utf-8")
        for module in parsed.modules():
            if not module.source.startswith(REGISTRY):
                continue
            found = re.findall(rf"\b{re.escape(module.symbol)}\.outputs\.(\w+)", text)
            read.setdefault(module.source.removeprefix(REGISTRY), set()).update(found)
    return read


def test_every_registry_module_is_a_verified_module_version() -> None:
    unverified = {source for _, _, source, _ in registry_modules()} - set(VERIFIED)
    assert not unverified, f"check these against the module source first: {sorted(unverified)}"


def test_every_verified_module_version_is_still_used() -> None:
    assert {source for _, _, source, _ in registry_modules()} == set(VERIFIED)


@pytest.mark.parametrize(
    ("file", "symbol", "source", "params"),
    registry_modules(),
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_every_parameter_passed_to_a_module_was_verified_for_that_version(
    file: str, symbol: str, source: str, params: frozenset[str]
) -> None:
    unknown = params - VERIFIED[source].params
    assert not unknown, f"{file}: {symbol} passes unverified parameters {sorted(unknown)}"


def test_every_output_read_from_a_module_was_verified_for_that_version() -> None:
    for source, read in outputs_read().items():
        unknown = read - VERIFIED[source].outputs
        assert not unknown, f"{source}: unverified outputs {sorted(unknown)}"


def test_every_verification_names_at_least_two_sources() -> None:
    for source, verified in VERIFIED.items():
        assert len(verified.sources) >= 2, source
        assert all(s.startswith("https://github.com/") for s in verified.sources), source


def test_the_pinned_site_module_takes_app_settings_as_key_value_pairs() -> None:
    site = [
        m
        for m in BicepFile.parse(INFRA / "app" / "api.bicep").modules()
        if m.symbol == "functionApp"
    ]
    (module,) = site
    assert module.source == f"{REGISTRY}avm/res/web/site:0.15.1"
    assert "appSettingsKeyValuePairs" in module.params and "configs" not in module.params
