"""host.json and local.settings.json -> AppSettings, and local Values -> environment."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from devhost.worker import AppConfigError, load_app_settings, resolve_setting_references


def _app(tmp_path: Path, host: dict[str, Any], local: dict[str, Any] | None = None) -> Path:
    (tmp_path / "host.json").write_text(json.dumps(host), encoding="utf-8")
    if local is not None:
        (tmp_path / "local.settings.json").write_text(json.dumps(local), encoding="utf-8")
    return tmp_path


def test_defaults_match_the_host(tmp_path: Path) -> None:
    settings = load_app_settings(_app(tmp_path, {"version": "2.0"}), {})

    assert settings.app_dir == tmp_path.resolve()
    assert settings.script_file == "function_app.py"
    assert settings.hub_name == "TestHubName"
    assert settings.connection_name == "Storage"
    assert settings.storage_connection_string is None
    assert settings.partition_count == 4
    assert settings.max_concurrent_activities == 10 * (os.cpu_count() or 1)
    assert settings.max_concurrent_orchestrators == 10 * (os.cpu_count() or 1)
    assert settings.route_prefix == "api"
    assert settings.local_http_port is None
    assert dict(settings.durable_task) == {}


def test_durable_and_http_sections_are_read_case_insensitively(tmp_path: Path) -> None:
    host = {
        "Version": "2.0",
        "extensions": {
            "DurableTask": {
                "HubName": "OrdersHub",
                "maxConcurrentActivityFunctions": 3,
                "MaxConcurrentOrchestratorFunctions": 2,
                "storageProvider": {"partitionCount": 7, "connectionName": "DurableStorage"},
            },
            "http": {"routePrefix": "/v1/"},
        },
    }
    env = {"AzureWebJobsDurableStorage": "UseDevelopmentStorage=true"}

    settings = load_app_settings(_app(tmp_path, host), env)

    assert settings.hub_name == "OrdersHub"
    assert settings.max_concurrent_activities == 3
    assert settings.max_concurrent_orchestrators == 2
    assert settings.partition_count == 7
    assert settings.connection_name == "DurableStorage"
    assert settings.storage_connection_string == "UseDevelopmentStorage=true"
    assert settings.route_prefix == "v1"
    assert settings.durable_task["HubName"] == "OrdersHub"


def test_empty_route_prefix_serves_functions_at_the_root(tmp_path: Path) -> None:
    host = {"version": "2.0", "extensions": {"http": {"routePrefix": ""}}}

    assert load_app_settings(_app(tmp_path, host), {}).route_prefix == ""


def test_hub_name_resolves_app_setting_references(tmp_path: Path) -> None:
    host = {"version": "2.0", "extensions": {"durableTask": {"hubName": "%HUB_NAME%"}}}

    settings = load_app_settings(_app(tmp_path, host, {"Values": {"HUB_NAME": "FromSettings"}}), {})

    assert settings.hub_name == "FromSettings"


def test_unresolvable_hub_setting_is_a_config_error(tmp_path: Path) -> None:
    host = {"version": "2.0", "extensions": {"durableTask": {"hubName": "%MISSING_HUB%"}}}

    with pytest.raises(AppConfigError, match="MISSING_HUB") as raised:
        load_app_settings(_app(tmp_path, host), {})
    assert raised.value.code == "worker.app_config.unresolved_setting"


@pytest.mark.parametrize("hub", ["ab", "1hub", "my-hub", "h" * 46])
def test_invalid_hub_names_are_rejected_like_the_extension(tmp_path: Path, hub: str) -> None:
    host = {"version": "2.0", "extensions": {"durableTask": {"hubName": hub}}}

    with pytest.raises(AppConfigError, match="should contain only alphanumeric characters"):
        load_app_settings(_app(tmp_path, host), {})


def test_local_values_are_exported_without_overriding_the_environment(tmp_path: Path) -> None:
    local = {
        "IsEncrypted": False,
        "Values": {
            "AzureWebJobsStorage": "UseDevelopmentStorage=true",
            "FUNCTIONS_WORKER_RUNTIME": "python",
            "ALREADY_SET": "from-file",
            "FLAG": True,
            "COUNT": 3,
        },
        "Host": {"LocalHttpPort": 7072},
    }
    env = {"ALREADY_SET": "from-environment"}

    settings = load_app_settings(_app(tmp_path, {"version": "2.0"}, local), env)

    assert env == {
        "ALREADY_SET": "from-environment",
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "FUNCTIONS_WORKER_RUNTIME": "python",
        "FLAG": "True",
        "COUNT": "3",
    }
    assert settings.storage_connection_string == "UseDevelopmentStorage=true"
    assert settings.local_http_port == 7072


def test_script_file_name_comes_from_the_app_setting(tmp_path: Path) -> None:
    local = {"Values": {"PYTHON_SCRIPT_FILE_NAME": "main_app.py"}}

    assert load_app_settings(_app(tmp_path, {"version": "2.0"}, local), {}).script_file == "main_app.py"


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ({}, "missing the required 'version' property"),
        ({"version": "1.0"}, "'1.0' is an invalid value for host.json 'version'"),
        (
            {"version": "2.0", "extensions": {"durableTask": {"maxConcurrentActivityFunctions": 0}}},
            "positive",
        ),
        (
            {"version": "2.0", "extensions": {"durableTask": {"storageProvider": {"partitionCount": 17}}}},
            "1 and 16",
        ),
        ({"version": "2.0", "extensions": {"http": {"routePrefix": 5}}}, "routePrefix must be a string"),
    ],
)
def test_invalid_host_json_is_a_config_error(tmp_path: Path, host: dict[str, Any], message: str) -> None:
    with pytest.raises(AppConfigError, match=message):
        load_app_settings(_app(tmp_path, host), {})


def test_missing_host_json_means_no_app(tmp_path: Path) -> None:
    with pytest.raises(AppConfigError, match=r"Unable to find host\.json") as raised:
        load_app_settings(tmp_path, {})
    assert raised.value.code == "worker.app_config.missing_host_json"


def test_malformed_json_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text("{not json", encoding="utf-8")

    with pytest.raises(AppConfigError, match=r"host\.json is not valid JSON"):
        load_app_settings(tmp_path, {})


def test_encrypted_local_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AppConfigError, match="encrypted"):
        load_app_settings(_app(tmp_path, {"version": "2.0"}, {"IsEncrypted": True, "Values": {}}), {})


def test_setting_references_are_replaced_inside_text() -> None:
    env = {"MINUTES": "5", "HOUR": "2"}

    assert resolve_setting_references("0 */%MINUTES% %HOUR% * * *", env) == "0 */5 2 * * *"
    assert resolve_setting_references("no references", {}) == "no references"
