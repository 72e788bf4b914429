"""azure.yaml, main.parameters.json, main.bicep, the app and infra/README.md agree with each other."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml  # type: ignore[import-untyped]

from activities import blob_store
from tests.infra.stand_ins import Deploy
from tests.infra.toolchain import INFRA, REPO


def _azure_yaml() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO / "azure.yaml").read_text())
    return document


def test_azure_yaml_deploys_the_repo_root_as_the_python_function_service_api() -> None:
    document = _azure_yaml()
    assert document["services"] == {"api": {"project": ".", "language": "python", "host": "function"}}
    infra = document["infra"]
    assert infra["provider"] == "bicep"
    assert (REPO / infra["path"] / f"{infra['module']}.bicep").is_file()
    assert (REPO / "function_app.py").is_file(), "the service project must be the function app's root"


def test_the_function_app_carries_the_azd_service_tag(deploy: Deploy) -> None:
    [service] = _azure_yaml()["services"]
    sites = [
        inner.resolve(r["tags"]) for inner, r in deploy().resources() if r["type"] == "Microsoft.Web/sites"
    ]
    assert [tags["azd-service-name"] for tags in sites] == [service]


def test_parameters_file_feeds_every_required_parameter_from_azd(compiled_main: dict[str, Any]) -> None:
    given = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    declared = compiled_main["parameters"]
    assert set(given) <= set(declared), "the parameters file names a parameter main.bicep does not have"
    required = {name for name, definition in declared.items() if "defaultValue" not in definition}
    assert required <= set(given)
    assert given["environmentName"]["value"] == "${AZURE_ENV_NAME}"
    for name, entry in given.items():
        assert re.fullmatch(r"\$\{AZURE_[A-Z_]+(=[^}]*)?\}", entry["value"]), f"{name} is not fed by azd"


def test_readme_uses_only_outputs_main_bicep_has(compiled_main: dict[str, Any]) -> None:
    readme = (INFRA / "README.md").read_text()
    outputs = set(compiled_main["outputs"])
    used = set(re.findall(r"azd env get-value (\w+)", readme)) | set(
        re.findall(r"\$\(output (\w+)\)", readme)
    )
    assert {"SERVICE_API_NAME", "SERVICE_API_URI", "AZURE_RESOURCE_GROUP"} <= used
    assert used <= outputs
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", readme.split("## Outputs")[1].split("\n## ")[0]))
    assert documented == outputs, "the Outputs table lists exactly main.bicep's outputs"


def test_readme_covers_deploy_keys_cost_and_teardown() -> None:
    readme = (INFRA / "README.md").read_text()
    for step in (
        "azd up",
        "az deployment group create",
        "az functionapp deployment source config-zip",
        "az functionapp keys list",
        "x-functions-key",
        "?code=",
        "## What it costs at rest",
        "azd down",
        "az group delete",
    ):
        assert step in readme, step


def test_every_container_the_app_writes_to_is_created(deploy: Deploy) -> None:
    created = {
        str(inner.resolve(r["name"])).rsplit("/", 1)[-1]
        for inner, r in deploy().resources()
        if r["type"] == "Microsoft.Storage/storageAccounts/blobServices/containers"
    }
    used_by_app = {
        value
        for name, value in vars(blob_store).items()
        if name.isupper() and isinstance(value, str) and re.fullmatch(r"[a-z0-9](-?[a-z0-9])+", value)
    }
    assert used_by_app, "activities/blob_store.py names its containers as constants"
    assert used_by_app <= created


def test_funcignore_keeps_development_files_out_of_the_package() -> None:
    ignored = {line.strip().rstrip("/") for line in (REPO / ".funcignore").read_text().splitlines()}
    assert {"infra", "tests", "devhost", ".venv", "node_modules", "local.settings.json"} <= ignored
