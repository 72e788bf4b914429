"""The compiled ARM template deploys the app securely: identity-only access, least privilege, TLS 1.2, FC1.

The assertions run on what `bicep build` produced, resolved the way Azure would resolve it (arm.py),
so they hold for what is actually deployed, not for what the Bicep source seems to say.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import pytest

from tests.infra.arm import Opaque, Scope
from tests.infra.stand_ins import SUBSCRIPTION_ID, Deploy
from tests.infra.toolchain import REPO

STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
STORAGE_QUEUE_DATA_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88"
STORAGE_TABLE_DATA_CONTRIBUTOR = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"
MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"
STORAGE_DATA_ROLES = {STORAGE_BLOB_DATA_OWNER, STORAGE_QUEUE_DATA_CONTRIBUTOR, STORAGE_TABLE_DATA_CONTRIBUTOR}
ROLE_DEFINITIONS = f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/"
CONTAINERS = {
    "app-package",
    "receipts",
    "payments",
    "shipments",
    "notifications",
    "ingestion-input",
    "ingestion-output",
    "telemetry",
}
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
DEVELOPER = "11111111-2222-3333-4444-555555555555"


def _reference(resource_type: str, name: str, api_version: str) -> str:
    """The expression Bicep emits for a runtime property of a resource (an endpoint, a client id)."""
    return f"reference(resourceId('{resource_type}', parameters('{name}')), '{api_version}')"


IDENTITY = _reference("Microsoft.ManagedIdentity/userAssignedIdentities", "name", "2023-01-31")
STORAGE = _reference("Microsoft.Storage/storageAccounts", "storageAccountName", "2024-01-01")
INSIGHTS = _reference("Microsoft.Insights/components", "applicationInsightsName", "2020-02-02")


def _all(scope: Scope, resource_type: str) -> list[tuple[Scope, dict[str, Any]]]:
    return [(inner, resource) for inner, resource in scope.resources() if resource["type"] == resource_type]


def _one(scope: Scope, resource_type: str) -> dict[str, Any]:
    """The single resource of that type, resolved."""
    found = _all(scope, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
    inner, resource = found[0]
    resolved: dict[str, Any] = inner.resolve(resource)
    return resolved


def _app_settings(scope: Scope) -> dict[str, Any]:
    site = _one(scope, "Microsoft.Web/sites")
    return {setting["name"]: setting["value"] for setting in site["properties"]["siteConfig"]["appSettings"]}


def _role_assignments(scope: Scope) -> list[tuple[str, str, Any, str]]:
    """(role definition GUID, scope, principal id, principal type) of every role assignment."""
    granted = []
    for inner, resource in _all(scope, "Microsoft.Authorization/roleAssignments"):
        properties = inner.resolve(resource["properties"])
        definition = properties["roleDefinitionId"]
        assert definition.startswith(ROLE_DEFINITIONS), definition
        granted.append(
            (
                definition.removeprefix(ROLE_DEFINITIONS),
                inner.resolve(resource["scope"]),
                properties["principalId"],
                properties["principalType"],
            )
        )
    return granted


def test_no_keys_sas_or_connection_strings_anywhere(compiled_main: dict[str, Any]) -> None:
    text = json.dumps(compiled_main)
    assert not re.search(r"\blist[A-Z]\w*\(", text), "list*() returns keys or secrets"
    for secret_marker in (
        "AccountKey",
        "SharedAccessSignature",
        "DefaultEndpointsProtocol",
        "InstrumentationKey",
    ):
        assert secret_marker not in text
    assert "securestring" not in text.lower(), "nothing secret is passed around"


def test_storage_account_accepts_entra_id_over_tls12_only(deploy: Deploy) -> None:
    account = _one(deploy(), "Microsoft.Storage/storageAccounts")["properties"]
    assert account["allowSharedKeyAccess"] is False
    assert account["defaultToOAuthAuthentication"] is True
    assert account["allowBlobPublicAccess"] is False
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["supportsHttpsTrafficOnly"] is True
    assert account["isLocalUserEnabled"] is False
    assert account["allowCrossTenantReplication"] is False


def test_private_containers_for_the_workflows_and_the_package(deploy: Deploy) -> None:
    scope = deploy()
    account = _one(scope, "Microsoft.Storage/storageAccounts")["name"]
    containers = [
        inner.resolve(resource)
        for inner, resource in _all(scope, "Microsoft.Storage/storageAccounts/blobServices/containers")
    ]
    assert sorted(container["name"] for container in containers) == sorted(
        f"{account}/default/{name}" for name in CONTAINERS
    )
    assert all(container["properties"]["publicAccess"] == "None" for container in containers)
    package = _one(scope, "Microsoft.Web/sites")["properties"]["functionAppConfig"]["deployment"]["storage"]
    assert package["type"] == "blobContainer"
    assert package["value"] == Opaque(
        f"format('{{0}}{{1}}', {STORAGE}.primaryEndpoints.blob, parameters('deploymentContainerName'))"
    )
    api = next(
        resource
        for _, resource in _all(scope, "Microsoft.Resources/deployments")
        if resource["name"] == "api"
    )
    assert scope.resolve(api["properties"]["parameters"]["deploymentContainerName"]["value"]) == "app-package"


def test_identity_gets_exactly_the_data_roles_and_metrics_publisher(deploy: Deploy) -> None:
    scope = deploy()
    account = _one(scope, "Microsoft.Storage/storageAccounts")["name"]
    insights = _one(scope, "Microsoft.Insights/components")["name"]
    identity = Opaque(f"{IDENTITY}.principalId")
    assert sorted(_role_assignments(scope)) == sorted(
        [
            (
                STORAGE_BLOB_DATA_OWNER,
                f"Microsoft.Storage/storageAccounts/{account}",
                identity,
                "ServicePrincipal",
            ),
            (
                STORAGE_QUEUE_DATA_CONTRIBUTOR,
                f"Microsoft.Storage/storageAccounts/{account}",
                identity,
                "ServicePrincipal",
            ),
            (
                STORAGE_TABLE_DATA_CONTRIBUTOR,
                f"Microsoft.Storage/storageAccounts/{account}",
                identity,
                "ServicePrincipal",
            ),
            (
                MONITORING_METRICS_PUBLISHER,
                f"Microsoft.Insights/components/{insights}",
                identity,
                "ServicePrincipal",
            ),
        ],
        key=str,
    )


def test_deploying_principal_gets_the_storage_data_roles_only_when_given(deploy: Deploy) -> None:
    scope = deploy(principalId=DEVELOPER, principalType="User")
    account = _one(scope, "Microsoft.Storage/storageAccounts")["name"]
    developer = [grant for grant in _role_assignments(scope) if grant[2] == DEVELOPER]
    assert sorted(developer) == sorted(
        (role, f"Microsoft.Storage/storageAccounts/{account}", DEVELOPER, "User")
        for role in STORAGE_DATA_ROLES
    )
    assert len(_role_assignments(scope)) == 7
    assert len(_role_assignments(deploy(principalId=""))) == 4


def test_no_other_role_is_referenced(compiled_main: dict[str, Any]) -> None:
    intended = STORAGE_DATA_ROLES | {MONITORING_METRICS_PUBLISHER}
    assert set(GUID.findall(json.dumps(compiled_main))) == intended


def test_function_app_is_https_only_tls12_without_ftp_or_basic_auth(deploy: Deploy) -> None:
    scope = deploy()
    site = _one(scope, "Microsoft.Web/sites")
    assert site["kind"] == "functionapp,linux"
    assert site["properties"]["httpsOnly"] is True
    config = site["properties"]["siteConfig"]
    assert (config["minTlsVersion"], config["scmMinTlsVersion"], config["ftpsState"]) == (
        "1.2",
        "1.2",
        "Disabled",
    )
    policies = {
        inner.resolve(resource["name"]): inner.resolve(resource["properties"])["allow"]
        for inner, resource in _all(scope, "Microsoft.Web/sites/basicPublishingCredentialsPolicies")
    }
    assert policies == {f"{site['name']}/ftp": False, f"{site['name']}/scm": False}


def test_function_app_runs_as_the_user_assigned_identity(deploy: Deploy) -> None:
    scope = deploy()
    identity_id = (
        "Microsoft.ManagedIdentity/userAssignedIdentities/"
        + _one(scope, "Microsoft.ManagedIdentity/userAssignedIdentities")["name"]
    )
    site = _one(scope, "Microsoft.Web/sites")
    assert site["identity"] == {"type": "UserAssigned", "userAssignedIdentities": {identity_id: {}}}
    authentication = site["properties"]["functionAppConfig"]["deployment"]["storage"]["authentication"]
    assert authentication == {"type": "UserAssignedIdentity", "userAssignedIdentityResourceId": identity_id}


def test_flex_consumption_plan_and_the_python_the_app_is_tested_on(deploy: Deploy) -> None:
    scope = deploy()
    plan = _one(scope, "Microsoft.Web/serverfarms")
    assert plan["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    assert plan["properties"]["reserved"] is True
    site = _one(scope, "Microsoft.Web/sites")
    assert site["properties"]["serverFarmId"] == f"Microsoft.Web/serverfarms/{plan['name']}"
    tested_on = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mypy"]["python_version"]
    assert site["properties"]["functionAppConfig"]["runtime"] == {"name": "python", "version": tested_on}


def test_connections_are_identity_based(deploy: Deploy) -> None:
    settings = _app_settings(deploy())
    for connection in ("AzureWebJobsStorage", "WorkflowStorage"):
        assert connection not in settings, f"{connection} must not be a connection string"
        assert settings[f"{connection}__credential"] == "managedidentity"
        assert settings[f"{connection}__clientId"] == Opaque(f"{IDENTITY}.clientId")
    assert settings["WorkflowStorage__blobServiceUri"] == Opaque(f"{STORAGE}.primaryEndpoints.blob")
    for service in ("blob", "queue", "table"):
        assert settings[f"AzureWebJobsStorage__{service}ServiceUri"] == Opaque(
            f"{STORAGE}.primaryEndpoints.{service}"
        )
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == Opaque(
        "format('ClientId={0};Authorization=AAD', parameters('identityClientId'))"
    )
    # Only locates the component: it accepts no telemetry without the identity's Entra token.
    assert settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] == Opaque(f"{INSIGHTS}.ConnectionString")


def test_app_settings_are_exactly_the_ones_the_app_reads(deploy: Deploy) -> None:
    settings = _app_settings(deploy())
    assert (settings["APPROVAL_THRESHOLD"], settings["RETENTION_DAYS"]) == ("1000", "30")
    tuned = _app_settings(deploy(approvalThreshold="250", retentionDays="7"))
    assert (tuned["APPROVAL_THRESHOLD"], tuned["RETENTION_DAYS"]) == ("250", "7")
    # Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME and friends: the runtime is in functionAppConfig.
    assert set(settings) == {
        "TASKHUB_NAME",
        "APPROVAL_THRESHOLD",
        "RETENTION_DAYS",
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__tableServiceUri",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "WorkflowStorage__blobServiceUri",
        "WorkflowStorage__credential",
        "WorkflowStorage__clientId",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    }


@pytest.mark.parametrize("environment", ["dev", "Prod-West.2", "a", "x" * 64])
def test_names_are_valid_and_distinct_per_environment(deploy: Deploy, environment: str) -> None:
    scope = deploy(environmentName=environment)
    hub = _app_settings(scope)["TASKHUB_NAME"]
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{2,44}", hub), hub
    assert re.fullmatch(r"[a-z0-9]{3,24}", _one(scope, "Microsoft.Storage/storageAccounts")["name"])
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{0,58}[a-z0-9]", _one(scope, "Microsoft.Web/sites")["name"])
    assert hub != _app_settings(deploy(environmentName=environment + "2"))["TASKHUB_NAME"]


def test_telemetry_needs_entra_id(deploy: Deploy) -> None:
    scope = deploy()
    workspace = _one(scope, "Microsoft.OperationalInsights/workspaces")
    insights = _one(scope, "Microsoft.Insights/components")["properties"]
    assert insights["DisableLocalAuth"] is True
    assert insights["WorkspaceResourceId"] == f"Microsoft.OperationalInsights/workspaces/{workspace['name']}"
    assert workspace["properties"]["features"]["disableLocalAuth"] is True


def test_every_resource_is_in_the_chosen_location_and_tagged(deploy: Deploy) -> None:
    scope = deploy(environmentName="qa", location="northeurope")
    located = [inner.resolve(resource) for inner, resource in scope.resources() if "location" in resource]
    assert sorted(resource["type"] for resource in located) == [
        "Microsoft.Insights/components",
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "Microsoft.OperationalInsights/workspaces",
        "Microsoft.Storage/storageAccounts",
        "Microsoft.Web/serverfarms",
        "Microsoft.Web/sites",
    ]
    for resource in located:
        assert resource["location"] == "northeurope", resource["type"]
        assert resource["tags"]["azd-env-name"] == "qa", resource["type"]
