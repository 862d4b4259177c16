"""Least privilege: every role is a known built-in role, named in a comment, granted in one file.

Built-in role definition ids are the same in every tenant. Each row of BUILT_IN_ROLES gives the
role's name and where its id was confirmed: the Microsoft Learn page of built-in roles for its
category, and a second independent source (the `builtInRoleNames` table of an Azure Verified
Module, an official Azure sample, or azure-rbac-catalog.org, which mirrors the role JSON).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bicep_query import INFRA, Call, Declaration, Expr, Ref, bicep_files, guids_in, load
from bicep_query import object_comments as comments_of

LEARN = "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles"
LOG_ANALYTICS_READER = "73c42c96-874c-492b-b04d-ab87d138a893"
AVM = "https://github.com/Azure/bicep-registry-modules/blob/main/avm/res"
CATALOG = "https://azure-rbac-catalog.org/roles"
APPINSIGHTS_ENTRA_INGESTION = (
    "https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication"
)

BUILT_IN_ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "72fafb9e-0641-4937-9268-a91bfd8191a3": (
        "Cost Management Reader",
        (
            f"{LEARN}/management-and-governance#cost-management-reader",
            f"{CATALOG}/72fafb9e-0641-4937-9268-a91bfd8191a3/cost-management-reader",
        ),
    ),
    "43d0d8ad-25c7-4714-9337-8ba259a9fe05": (
        "Monitoring Reader",
        (
            f"{LEARN}/monitor#monitoring-reader",
            f"{AVM}/operational-insights/workspace/main.bicep (builtInRoleNames)",
        ),
    ),
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": (
        "Reader",
        (f"{LEARN}/general#reader", f"{AVM}/storage/storage-account/main.bicep (builtInRoleNames)"),
    ),
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": (
        "Storage Table Data Contributor",
        (
            f"{LEARN}/storage#storage-table-data-contributor",
            f"{AVM}/storage/storage-account/main.bicep (builtInRoleNames)",
        ),
    ),
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": (
        "Storage Queue Data Contributor",
        (
            f"{LEARN}/storage#storage-queue-data-contributor",
            f"{AVM}/storage/storage-account/main.bicep (builtInRoleNames)",
        ),
    ),
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": (
        "Storage Blob Data Owner",
        (
            f"{LEARN}/storage#storage-blob-data-owner",
            f"{AVM}/storage/storage-account/main.bicep (builtInRoleNames)",
            "https://github.com/Azure-Samples/fastapi-on-azure-functions/blob/main/infra/app/rbac.bicep",
        ),
    ),
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": (
        "Storage Blob Data Reader",
        (
            f"{LEARN}/storage#storage-blob-data-reader",
            f"{AVM}/storage/storage-account/main.bicep (builtInRoleNames)",
        ),
    ),
    "d5a91429-5739-47e2-a06b-3470a27159e7": (
        "EventGrid Data Sender",
        (
            f"{LEARN}/integration#eventgrid-data-sender",
            f"{AVM}/event-grid/topic/main.bicep (builtInRoleNames)",
            f"{CATALOG}/d5a91429-5739-47e2-a06b-3470a27159e7/eventgrid-data-sender",
        ),
    ),
    "3913510d-42f4-4e42-8a64-420c390055eb": (
        "Monitoring Metrics Publisher",
        (
            f"{LEARN}/monitor#monitoring-metrics-publisher",
            # Why it is granted: with local auth disabled, the identity that sends telemetry needs
            # this role on the Application Insights resource (it publishes all telemetry).
            APPINSIGHTS_ENTRA_INGESTION,
            f"{CATALOG}/3913510d-42f4-4e42-8a64-420c390055eb/monitoring-metrics-publisher",
            "https://github.com/Azure-Samples/fastapi-on-azure-functions/blob/main/infra/app/rbac.bicep",
        ),
    ),
    "73c42c96-874c-492b-b04d-ab87d138a893": (
        "Log Analytics Reader",
        (
            f"{LEARN}/monitor#log-analytics-reader",
            f"{CATALOG}/73c42c96-874c-492b-b04d-ab87d138a893/log-analytics-reader",
        ),
    ),
    # Known so that they can be refused by id as well as by name.
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": (
        "Owner",
        (
            f"{LEARN}/privileged#owner",
            f"{AVM}/storage/storage-account/main.bicep (builtInRoleNames)",
        ),
    ),
    "b24988ac-6180-42a0-ab88-20f7382dd24c": (
        "Contributor",
        (
            f"{LEARN}/privileged#contributor",
            f"{AVM}/storage/storage-account/main.bicep (builtInRoleNames)",
        ),
    ),
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": (
        "User Access Administrator",
        (
            f"{LEARN}/privileged#user-access-administrator",
            f"{AVM}/event-grid/topic/main.bicep (builtInRoleNames)",
        ),
    ),
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": (
        "Role Based Access Control Administrator",
        (
            f"{LEARN}/privileged#role-based-access-control-administrator",
            f"{AVM}/event-grid/topic/main.bicep (builtInRoleNames)",
        ),
    ),
}

FORBIDDEN_ROLES = {
    "Owner",
    "Contributor",
    "User Access Administrator",
    "Role Based Access Control Administrator",
}

# What the issue grants, and to which scope: (role, what the scope is).
EXPECTED_GRANTS = {
    ("Cost Management Reader", "each cost subscription"),
    ("Monitoring Reader", "each cost subscription"),
    ("Reader", "each cost subscription"),
    ("Storage Table Data Contributor", "storageAccountResourceId"),
    ("Storage Queue Data Contributor", "storageAccountResourceId"),
    ("Storage Blob Data Owner", "storageAccountResourceId"),
    ("Storage Blob Data Reader", "costExportsStorageAccountResourceId"),
    ("EventGrid Data Sender", "eventGridTopicResourceId"),
    ("Monitoring Metrics Publisher", "applicationInsightsResourceId"),
    ("Log Analytics Reader", "apimWorkspaceResourceId"),
    ("Log Analytics Reader", "appInsightsWorkspaceResourceId"),
    ("Log Analytics Reader", "each outcome workspace"),
}

# The Log Analytics workspaces the identity reads: assignment -> (resourceId, the resource group
# it is deployed to, its condition or loop).
WORKSPACE_READERS: dict[str, tuple[Any, Any, Any]] = {
    "logAnalyticsReader": (
        Ref("apimWorkspaceResourceId"),
        Call(
            "resourceGroup(apimWorkspaceSubscriptionId, apimWorkspaceResourceGroupName)",
            name="resourceGroup",
            args=(Ref("apimWorkspaceSubscriptionId"), Ref("apimWorkspaceResourceGroupName")),
        ),
        Expr("(hasApimWorkspace)"),
    ),
    "appInsightsLogAnalyticsReader": (
        Ref("appInsightsWorkspaceResourceId"),
        Call(
            "resourceGroup(appInsightsWorkspaceSubscriptionId,"
            " appInsightsWorkspaceResourceGroupName)",
            name="resourceGroup",
            args=(
                Ref("appInsightsWorkspaceSubscriptionId"),
                Ref("appInsightsWorkspaceResourceGroupName"),
            ),
        ),
        Expr("(grantsAppInsightsWorkspace)"),
    ),
    "outcomeLogAnalyticsReader": (
        Ref("workspaceResourceId"),
        Call(
            "resourceGroup(split(workspaceResourceId, '/')[2], split(workspaceResourceId, '/')[4])",
            name="resourceGroup",
            args=(
                Expr("split(workspaceResourceId, '/')[2]"),
                Expr("split(workspaceResourceId, '/')[4]"),
            ),
        ),
        Ref("outcomeOnlyWorkspaceResourceIds"),
    ),
}

SUBSCRIPTION_ROLE_MODULE = "br/public:avm/res/authorization/role-assignment/sub-scope:"
RESOURCE_ROLE_MODULE = "br/public:avm/ptn/authorization/resource-role-assignment:"
RBAC = "app/rbac.bicep"


def role_ids() -> dict[str, str]:
    """The `roles` table of rbac.bicep: key -> role definition GUID."""
    roles = load(RBAC).variables()["roles"]
    assert isinstance(roles, dict) and roles
    return {key: str(guid).lower() for key, guid in roles.items()}


def role_assignments() -> list[Declaration]:
    rbac = load(RBAC)
    found = rbac.modules_from(SUBSCRIPTION_ROLE_MODULE) + rbac.modules_from(RESOURCE_ROLE_MODULE)
    assert len(found) == len(rbac.modules()), "rbac.bicep holds only role assignments"
    return found


def role_reference(assignment: Declaration) -> Any:
    """The role argument: `roleDefinitionIdOrName` (sub-scope) or `roleDefinitionId` (resource)."""
    params = assignment.params
    return params.get("roleDefinitionIdOrName", params.get("roleDefinitionId"))


def role_of(assignment: Declaration) -> str:
    """The role name an assignment grants, through its `roles.<key>` reference."""
    reference = role_reference(assignment)
    assert isinstance(reference, Ref) and reference.text.startswith("roles."), assignment.symbol
    return BUILT_IN_ROLES[role_ids()[reference.text.removeprefix("roles.")]][0]


def scope_of(assignment: Declaration) -> str:
    if assignment.source.startswith(SUBSCRIPTION_ROLE_MODULE):
        assert assignment.loop == Ref("costSubscriptionIds")
        assert assignment.body["scope"] == Call(
            "subscription(subscriptionId)", name="subscription", args=(Ref("subscriptionId"),)
        )
        return "each cost subscription"
    resource = assignment.params["resourceId"]
    assert isinstance(resource, Ref)
    if assignment.loop is not None:
        assert assignment.loop == Ref("outcomeOnlyWorkspaceResourceIds"), assignment.symbol
        assert resource == Ref("workspaceResourceId"), assignment.symbol
        return "each outcome workspace"
    return resource.text


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: p.relative_to(INFRA).as_posix())
def test_every_guid_in_the_templates_is_a_known_built_in_role(path: Path) -> None:
    assert guids_in(path) <= set(BUILT_IN_ROLES)


def test_every_role_id_is_commented_with_the_name_of_that_built_in_role() -> None:
    comments = comments_of(load(RBAC).variable_node("roles"))
    for key, guid in role_ids().items():
        assert guid in BUILT_IN_ROLES, f"{key}: {guid} is not a known built-in role"
        assert comments[key] == (BUILT_IN_ROLES[guid][0],), key


def test_no_owner_contributor_or_access_administrator_role_is_used() -> None:
    used = {BUILT_IN_ROLES[guid][0] for path in bicep_files() for guid in guids_in(path)}
    assert used
    assert not used & FORBIDDEN_ROLES
    for path in bicep_files():
        text = path.read_text(encoding="utf-8")
        for name in FORBIDDEN_ROLES:
            assert f"'{name}'" not in text, f"{path.name} names the {name} role"


def test_every_role_source_table_row_has_a_learn_page_and_a_second_source() -> None:
    for guid, (name, sources) in BUILT_IN_ROLES.items():
        assert sources[0].startswith(LEARN), name
        assert len(sources) >= 2, name
        assert guid == guid.lower()


def test_all_role_assignments_live_in_the_rbac_file() -> None:
    for path in bicep_files():
        if path == INFRA / RBAC:
            continue
        text = path.read_text(encoding="utf-8")
        assert "Microsoft.Authorization/roleAssignments" not in text, path.name
        assert "role-assignment" not in text, path.name
        assert "roleAssignments" not in text, f"{path.name} passes roleAssignments to a module"
        assert not guids_in(path), path.name


def test_the_function_identity_gets_exactly_the_roles_of_the_issue() -> None:
    granted = {(role_of(a), scope_of(a)) for a in role_assignments()}
    assert granted == EXPECTED_GRANTS


def test_each_assignment_is_named_guid_of_scope_principal_and_its_own_role() -> None:
    for assignment in role_assignments():
        name: Any = assignment.params["name"]
        role = role_reference(assignment)
        assert isinstance(name, Call) and name.name == "guid", assignment.symbol
        scope, principal, role_in_name = name.args
        assert principal == Ref("principalId"), assignment.symbol
        assert role_in_name == role, assignment.symbol
        if assignment.source.startswith(RESOURCE_ROLE_MODULE):
            assert scope == assignment.params["resourceId"], assignment.symbol
        else:
            assert scope == Expr("'/subscriptions/${subscriptionId}'"), assignment.symbol


def test_each_assignment_is_commented_with_its_role_name() -> None:
    for assignment in role_assignments():
        role = role_of(assignment)
        assert assignment.comments, assignment.symbol
        assert assignment.comments[0].startswith(f"{role}: "), assignment.symbol
        if "roleName" in assignment.params:
            assert assignment.params["roleName"] == role, assignment.symbol


def test_every_assignment_goes_to_the_function_identity_as_a_service_principal() -> None:
    assert load(RBAC).variables()["principalType"] == "ServicePrincipal"
    for assignment in role_assignments():
        assert assignment.params["principalId"] == Ref("principalId"), assignment.symbol
        assert assignment.params["principalType"] == Ref("principalType"), assignment.symbol
    rbac = load("main.bicep").module("rbac").params
    assert rbac["principalId"] == Ref("identity.outputs.principalId")


def test_each_workspace_reader_is_granted_only_when_its_workspace_is_given() -> None:
    conditional = {a.symbol: a.condition for a in role_assignments() if a.condition is not None}
    assert conditional == {
        "logAnalyticsReader": Expr("(hasApimWorkspace)"),
        "appInsightsLogAnalyticsReader": Expr("(grantsAppInsightsWorkspace)"),
        "storageBlobDataReader": Expr("(hasExportAccount)"),
    }
    variables = load(RBAC).variables()
    assert variables["hasExportAccount"] == Expr("!empty(costExportsStorageAccountResourceId)")
    assert variables["hasApimWorkspace"] == Expr("!empty(apimWorkspaceResourceId)")
    assert variables["hasAppInsightsWorkspace"] == Expr("!empty(appInsightsWorkspaceResourceId)")
    # A workspace that also holds the APIM logs already has its (one) assignment.
    assert variables["grantsAppInsightsWorkspace"] == Expr(
        "hasAppInsightsWorkspace && appInsightsWorkspaceKey != apimWorkspaceKey"
    )
    assert variables["apimWorkspaceKey"] == Call(
        "toLower(apimWorkspaceResourceId)", name="toLower", args=(Ref("apimWorkspaceResourceId"),)
    )
    assert variables["appInsightsWorkspaceKey"] == Call(
        "toLower(appInsightsWorkspaceResourceId)",
        name="toLower",
        args=(Ref("appInsightsWorkspaceResourceId"),),
    )
    for param in ("apimWorkspaceResourceId", "appInsightsWorkspaceResourceId"):
        assert load(RBAC).params()[param].default == ""
    assert load(RBAC).params()["outcomeWorkspaceResourceIds"].default == []


@pytest.mark.parametrize("symbol", sorted(WORKSPACE_READERS))
def test_each_workspace_reader_is_log_analytics_reader_on_that_workspace_resource_only(
    symbol: str,
) -> None:
    resource_id, resource_group, condition_or_loop = WORKSPACE_READERS[symbol]
    (assignment,) = [a for a in role_assignments() if a.symbol == symbol]
    assert assignment.source.startswith(RESOURCE_ROLE_MODULE)
    # The role: Log Analytics Reader by its built-in id (read only; no workspace write or purge).
    assert role_reference(assignment) == Ref("roles.logAnalyticsReader")
    assert role_ids()["logAnalyticsReader"] == LOG_ANALYTICS_READER
    assert BUILT_IN_ROLES[LOG_ANALYTICS_READER][0] == "Log Analytics Reader"
    assert assignment.params["roleName"] == "Log Analytics Reader"
    # The scope: that one workspace resource, deployed to the workspace's own resource group.
    assert assignment.params["resourceId"] == resource_id
    assert assignment.body["scope"] == resource_group
    assert assignment.params["name"] == Call(
        f"guid({resource_id.text}, principalId, roles.logAnalyticsReader)",
        name="guid",
        args=(resource_id, Ref("principalId"), Ref("roles.logAnalyticsReader")),
    )
    assert (assignment.loop or assignment.condition) == condition_or_loop


def test_the_workspace_scopes_are_read_from_the_workspace_resource_ids() -> None:
    variables = load(RBAC).variables()

    def source(name: str) -> str:
        found = variables[name]
        assert isinstance(found, Expr), name
        return " ".join(found.text.split())

    for prefix, given in (
        ("apimWorkspace", "hasApimWorkspace"),
        ("appInsightsWorkspace", "hasAppInsightsWorkspace"),
    ):
        resource_id = f"{prefix}ResourceId"
        assert source(f"{prefix}SubscriptionId") == (
            f"{given} ? split({resource_id}, '/')[2] : subscription().subscriptionId"
        )
        assert source(f"{prefix}ResourceGroupName") == (
            f"{given} ? split({resource_id}, '/')[4] : resourceGroupName"
        )


def test_each_outcome_workspace_is_granted_once_and_none_granted_already() -> None:
    chosen = load(RBAC).variables()["outcomeOnlyWorkspaceResourceIds"]
    assert isinstance(chosen, Call) and chosen.name == "filter"
    each_once, keep = chosen.args
    # Lower-cased and trimmed, then deduplicated (union of one array keeps each value once).
    assert each_once == Call(
        "union(map(outcomeWorkspaceResourceIds, id => toLower(trim(id))), [])",
        name="union",
        args=(
            Call(
                "map(outcomeWorkspaceResourceIds, id => toLower(trim(id)))",
                name="map",
                args=(Ref("outcomeWorkspaceResourceIds"), Expr("id => toLower(trim(id))")),
            ),
            [],
        ),
    )
    # No empty entry, and not the APIM or App Insights workspace: those have their assignment.
    assert keep == Expr(
        "id => !empty(id) && !contains([apimWorkspaceKey, appInsightsWorkspaceKey], id)"
    )


def test_main_passes_every_workspace_to_the_rbac_file() -> None:
    rbac = load("main.bicep").module("rbac").params
    for param in (
        "apimWorkspaceResourceId",
        "appInsightsWorkspaceResourceId",
        "outcomeWorkspaceResourceIds",
    ):
        assert rbac[param] == Ref(param)
        assert load("main.bicep").params()[param].default == load(RBAC).params()[param].default


def test_only_the_subscriptions_among_the_cost_scopes_are_granted_by_bicep() -> None:
    main = load("main.bicep")
    assert main.module("rbac").params["costSubscriptionIds"] == Ref("costSubscriptionIds")
    ids = main.variables()["costSubscriptionIds"]
    assert isinstance(ids, Call) and ids.name == "map"
    assert ids.args[0] == Ref("subscriptionCostScopes")
    chosen = main.variables()["subscriptionCostScopes"]
    assert isinstance(chosen, Call) and chosen.name == "filter"
    assert chosen.args[0] == Ref("effectiveCostScopes")
    loops = {a.symbol: a.loop for a in role_assignments() if a.loop is not None}
    assert loops == {
        **dict.fromkeys(
            ("costManagementReader", "monitoringReader", "reader"), Ref("costSubscriptionIds")
        ),
        "outcomeLogAnalyticsReader": Ref("outcomeOnlyWorkspaceResourceIds"),
    }


def test_the_metrics_publisher_role_is_granted_because_telemetry_local_auth_is_off() -> None:
    """Granted beyond the issue's list: without it no telemetry arrives once local auth is off."""
    publisher = [a for a in role_assignments() if role_of(a) == "Monitoring Metrics Publisher"]
    assert [scope_of(a) for a in publisher] == ["applicationInsightsResourceId"]
    assert load("main.bicep").module("appInsights").params["disableLocalAuth"] is True
    assert load("main.bicep").module("rbac").params["applicationInsightsResourceId"] == Ref(
        "appInsights.outputs.resourceId"
    )
    assert APPINSIGHTS_ENTRA_INGESTION in BUILT_IN_ROLES["3913510d-42f4-4e42-8a64-420c390055eb"][1]
