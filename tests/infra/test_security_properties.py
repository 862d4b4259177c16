"""No key or secret anywhere: shared keys off, identity-based connections, HTTPS only, TLS 1.2."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from bicep_query import INFRA, Call, Expr, Ref, bicep_files, load

from shared import settings

SECRET_MARKERS = (
    "listKeys",
    "listkeys",
    "listConnectionStrings",
    "getSecret",
    "AccountKey=",
    "SharedAccessSignature",
    "SharedAccessKey",
    "InstrumentationKey=",
    "@secure",
    "connectionString:",
)


def storage_params() -> dict[str, Any]:
    return load("main.bicep").module("storage").params


def site_params() -> dict[str, Any]:
    return load("app/api.bicep").module("functionApp").params


def app_settings() -> dict[str, Any]:
    found = load("app/api.bicep").variables()["appSettings"]
    assert isinstance(found, dict)
    return found


def test_the_storage_account_refuses_shared_keys_and_public_blobs() -> None:
    params = storage_params()
    assert params["allowSharedKeyAccess"] is False
    assert params["defaultToOAuthAuthentication"] is True
    assert params["allowBlobPublicAccess"] is False


def test_the_storage_account_accepts_https_only_with_tls_1_2_at_least() -> None:
    params = storage_params()
    assert params["supportsHttpsTrafficOnly"] is True
    assert params["minimumTlsVersion"] == "TLS1_2"


def test_the_function_app_is_https_only_with_tls_1_2_and_no_ftp() -> None:
    params = site_params()
    assert params["httpsOnly"] is True
    assert params["siteConfig"]["minTlsVersion"] == "1.2"
    assert params["siteConfig"]["scmMinTlsVersion"] == "1.2"
    assert params["siteConfig"]["ftpsState"] == "Disabled"


def test_the_function_app_has_no_publishing_passwords() -> None:
    policies = site_params()["basicPublishingCredentialsPolicies"]
    assert {policy["name"]: policy["allow"] for policy in policies} == {"ftp": False, "scm": False}


def test_the_function_app_runs_as_the_user_assigned_identity_only() -> None:
    identities = site_params()["managedIdentities"]
    assert identities == {
        "systemAssigned": False,
        "userAssignedResourceIds": [Ref("identityResourceId")],
    }


def test_the_deployment_package_is_read_with_the_user_assigned_identity() -> None:
    storage = site_params()["functionAppConfig"]["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["authentication"] == {
        "type": "UserAssignedIdentity",
        "userAssignedIdentityResourceId": Ref("identityResourceId"),
    }


def test_every_storage_connection_is_identity_based() -> None:
    prefix = settings.STORAGE
    storage = {k: v for k, v in app_settings().items() if k.startswith(prefix)}
    assert prefix not in storage, "no connection string"
    assert all(key.startswith(f"{prefix}__") for key in storage)
    assert storage[f"{prefix}__credential"] == "managedidentity"
    assert storage[settings.STORAGE_CLIENT_ID] == Ref("identityClientId")
    for service in ("blob", "queue", "table"):
        uri = storage[f"{prefix}__{service}ServiceUri"]
        assert uri == Ref(f"storage.properties.primaryEndpoints.{service}")


def test_the_code_authenticates_as_the_same_user_assigned_identity() -> None:
    values = app_settings()
    assert values["AZURE_CLIENT_ID"] == Ref("identityClientId")
    assert values["AZURE_TOKEN_CREDENTIALS"] == "ManagedIdentityCredential"
    assert load("main.bicep").module("api").params["identityClientId"] == Ref(
        "identity.outputs.clientId"
    )
    assert load("main.bicep").module("api").params["identityResourceId"] == Ref(
        "identity.outputs.resourceId"
    )


def test_application_insights_takes_entra_id_telemetry_only() -> None:
    assert load("main.bicep").module("appInsights").params["disableLocalAuth"] is True
    authentication = app_settings()["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]
    assert authentication == Expr("'ClientId=${identityClientId};Authorization=AAD'")


def test_application_insights_writes_to_the_log_analytics_workspace() -> None:
    params = load("main.bicep").module("appInsights").params
    assert params["workspaceResourceId"] == Ref("logAnalytics.outputs.resourceId")


def test_the_event_grid_topic_disables_local_auth_and_old_tls() -> None:
    params = load("main.bicep").module("eventGridTopic").params
    assert params["disableLocalAuth"] is True
    assert params["minimumTlsVersionAllowed"] == "1.2"
    assert params["inputSchema"] == "CloudEventSchemaV1_0"


# The one secret a deployment may take: a webhook URL that carries its signature (a Teams
# workflow, Power Automate or Logic App trigger URL), given by you for the target events and
# passed only to the Event Grid subscription (tests/infra/test_target_events_infra.py).
SECURE_PARAMS = {"main.bicep": {"targetEventsWebhookUrl"}, "app/events.bicep": {"webhookUrl"}}


def _without_allowed_secure_params(path: Path, text: str) -> str:
    allowed = SECURE_PARAMS.get(path.relative_to(INFRA).as_posix(), set())
    for name in allowed:
        text = re.sub(rf"@secure\(\)\n(@description\('[^\n]*'\)\n)param {name} ", r"\1", text)
    return text


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: p.relative_to(INFRA).as_posix())
def test_no_template_reads_writes_or_passes_a_key_or_secret(path: Path) -> None:
    text = _without_allowed_secure_params(path, path.read_text(encoding="utf-8"))
    found = [marker for marker in SECRET_MARKERS if marker in text]
    assert not found, f"{path.name}: {found}"


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: p.relative_to(INFRA).as_posix())
def test_the_only_secure_parameters_are_the_target_events_webhook_url(path: Path) -> None:
    relative = path.relative_to(INFRA).as_posix()
    secure = {
        name for name, param in load(relative).params().items() if "@secure()" in param.decorators
    }
    assert secure == SECURE_PARAMS.get(relative, set())
    for name in secure:  # never an output, never an app setting
        assert not re.search(rf"^output .*\b{name}\b", path.read_text(), re.MULTILINE), name
        assert Ref(name) not in app_settings().values()


def test_no_app_setting_is_a_literal_that_looks_like_a_secret() -> None:
    for name, value in app_settings().items():
        if isinstance(value, str):
            assert not re.search(r"(?i)(key|secret|password|sig)=", value), name


def test_the_http_api_keeps_function_keys_and_optionally_adds_entra_id() -> None:
    (auth,) = [r for r in load("app/api.bicep").resources() if r.symbol == "entraAuth"]
    assert auth.source.startswith("Microsoft.Web/sites/config@")
    assert auth.condition == Expr("(enableEntraAuth)")
    assert auth.body["name"] == "authsettingsV2"
    assert auth.body["parent"] == Ref("site")
    assert auth.body["properties"] == Ref("entraAuthSettings")
    entra = load("app/api.bicep").variables()["entraAuthSettings"]
    assert entra["globalValidation"] == {
        "requireAuthentication": True,
        "unauthenticatedClientAction": "Return401",
    }
    aad = entra["identityProviders"]["azureActiveDirectory"]
    assert set(aad["registration"]) == {"clientId", "openIdIssuer"}, "no client secret setting"
    assert load("main.bicep").params()["enableEntraAuth"].default is False


def test_cost_scope_roles_apply_to_the_deployment_subscription_when_none_is_given() -> None:
    scopes = load("main.bicep").variables()["effectiveCostScopes"]
    assert scopes == Expr("!empty(costScopes) ? costScopes : [subscription().id]")
    assert load("main.bicep").module("api").params["costScopes"] == Ref("effectiveCostScopes")
    assert app_settings()[settings.COST_SCOPES] == Call(
        "join(costScopes, ',')", name="join", args=(Ref("costScopes"), ",")
    )
