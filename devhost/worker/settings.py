"""The app's own configuration: host.json, local.settings.json and the app settings they name.

Read once at start-up into a frozen `AppSettings`. Like Core Tools, `Values` from local.settings.json
become environment variables unless a variable of that name is already set; the app itself reads
them from `os.environ`. Section and property names in host.json are matched case-insensitively, as the
Functions host's configuration system does.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from devhost.timers import parse_timespan
from devhost.worker.errors import AppConfigError

logger = logging.getLogger(__name__)

HOST_JSON = "host.json"
LOCAL_SETTINGS_JSON = "local.settings.json"
SCRIPT_FILE_SETTING = "PYTHON_SCRIPT_FILE_NAME"
DEFAULT_SCRIPT_FILE = "function_app.py"
DEFAULT_HUB_NAME = "TestHubName"
DEFAULT_CONNECTION_NAME = "Storage"
DEFAULT_ROUTE_PREFIX = "api"
DEFAULT_PARTITION_COUNT = 4
MAX_PARTITION_COUNT = 16
CONCURRENCY_PER_CORE = 10
# The host's `functionTimeout` default outside the (Windows) Consumption plan, so also under `func start`.
DEFAULT_FUNCTION_TIMEOUT_S = 30 * 60.0
_MIN_FUNCTION_TIMEOUT = timedelta(seconds=1)
_NO_FUNCTION_TIMEOUT = timedelta(days=-1)  # "-1": no limit (Premium and Dedicated plans)

_HUB_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{2,44}$")
_SETTING_REF_RE = re.compile(r"%([^%]+)%")


@dataclass(frozen=True)
class AppSettings:
    """Everything the devhost needs from the app's configuration files and environment.

    Attributes:
        app_dir: absolute path of the app (the folder holding host.json).
        script_file: the module file the worker imports (`PYTHON_SCRIPT_FILE_NAME`, default function_app.py).
        hub_name: `extensions.durableTask.hubName` with `%Setting%` references resolved.
        connection_name: the Durable storage connection name (`storageProvider.connectionName`, default
            "Storage"), as reported in management URLs.
        storage_connection_string: the value of that connection (`AzureWebJobs<name>`, then `<name>`),
            i.e. `AzureWebJobsStorage` by default; None when unset.
        partition_count: `storageProvider.partitionCount` (1..16, default 4).
        max_concurrent_activities / max_concurrent_orchestrators: host.json limits, default 10 x cores.
        route_prefix: `extensions.http.routePrefix` without surrounding slashes (default "api"; may be "").
        local_http_port: `Host.LocalHttpPort` from local.settings.json, if given.
        durable_task: the raw `extensions.durableTask` section (read-only), for options not modelled here.
        function_timeout_s: host.json `functionTimeout` in seconds (default 30 min; None for "-1", no limit).
    """

    app_dir: Path
    script_file: str
    hub_name: str
    connection_name: str
    storage_connection_string: str | None
    partition_count: int
    max_concurrent_activities: int
    max_concurrent_orchestrators: int
    route_prefix: str
    local_http_port: int | None
    durable_task: Mapping[str, Any]
    function_timeout_s: float | None = DEFAULT_FUNCTION_TIMEOUT_S


def load_app_settings(app_dir: Path | str, environ: MutableMapping[str, str] | None = None) -> AppSettings:
    """Read host.json and local.settings.json of `app_dir`, export local `Values` into `environ`.

    `environ` defaults to `os.environ` (the app reads its settings from there). Variables already set
    win over local.settings.json, as with `func start`.
    """
    env: MutableMapping[str, str] = os.environ if environ is None else environ
    root = Path(app_dir).resolve()
    host_json = _read_json_object(root / HOST_JSON, required=True)
    _check_host_json_version(host_json)
    local = _read_json_object(root / LOCAL_SETTINGS_JSON, required=False)
    _export_values(local, env)

    durable = _section(host_json, "extensions", "durableTask")
    provider = _section(durable, "storageProvider")
    connection_name = _optional_str(provider, "connectionName") or _optional_str(
        provider, "connectionStringName"
    )
    connection_name = connection_name or DEFAULT_CONNECTION_NAME
    cores = os.cpu_count() or 1
    return AppSettings(
        app_dir=root,
        script_file=env.get(SCRIPT_FILE_SETTING) or DEFAULT_SCRIPT_FILE,
        hub_name=_hub_name(durable, env),
        connection_name=connection_name,
        storage_connection_string=resolve_connection(connection_name, env),
        partition_count=_partition_count(provider),
        max_concurrent_activities=_positive_int(
            durable, "maxConcurrentActivityFunctions", CONCURRENCY_PER_CORE * cores
        ),
        max_concurrent_orchestrators=_positive_int(
            durable, "maxConcurrentOrchestratorFunctions", CONCURRENCY_PER_CORE * cores
        ),
        route_prefix=_route_prefix(host_json),
        local_http_port=_local_http_port(local),
        durable_task=MappingProxyType(dict(durable)),
        function_timeout_s=_function_timeout(host_json),
    )


def resolve_setting_references(text: str, environ: Mapping[str, str]) -> str:
    """Replace every `%Name%` in `text` by the app setting `Name`, like the WebJobs name resolver."""

    def _lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        value = environ.get(name)
        if value is None:
            raise AppConfigError(
                f"'%{name}%' does not resolve to a value: app setting '{name}' is not set.",
                code="worker.app_config.unresolved_setting",
            )
        return value

    return _SETTING_REF_RE.sub(_lookup, text)


def resolve_connection(name: str, environ: Mapping[str, str]) -> str | None:
    """The value of connection `name`: `AzureWebJobs<name>` first, then `<name>` (WebJobs convention)."""
    return environ.get(f"AzureWebJobs{name}") or environ.get(name)


def _read_json_object(path: Path, *, required: bool) -> Mapping[str, Any]:
    if not path.is_file():
        if required:
            raise AppConfigError(
                f"Unable to find {path.name} in {path.parent}: not a Functions app folder.",
                code="worker.app_config.missing_host_json",
            )
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise AppConfigError(
            f"{path} is not valid JSON: {exc}", code="worker.app_config.invalid_json"
        ) from exc
    if not isinstance(data, dict):
        raise AppConfigError(f"{path} must contain a JSON object.", code="worker.app_config.invalid_json")
    return data


def _check_host_json_version(host_json: Mapping[str, Any]) -> None:
    version = _get(host_json, "version")
    if version is None:
        raise AppConfigError(
            "The host.json file is missing the required 'version' property.",
            code="worker.app_config.host_json_version",
        )
    if str(version) != "2.0":
        raise AppConfigError(
            f"'{version}' is an invalid value for host.json 'version' property. It must be '2.0'.",
            code="worker.app_config.host_json_version",
        )


def _export_values(local: Mapping[str, Any], environ: MutableMapping[str, str]) -> None:
    if _get(local, "IsEncrypted") is True:
        raise AppConfigError(
            "local.settings.json is encrypted (IsEncrypted: true); decrypt it with "
            "'func settings decrypt' first.",
            code="worker.app_config.encrypted_settings",
        )
    values = _get(local, "Values") or {}
    if not isinstance(values, dict):
        raise AppConfigError(
            "local.settings.json 'Values' must be an object.", code="worker.app_config.values"
        )
    for name, raw in values.items():
        if name in environ:
            logger.warning(
                "Skipping '%s' from local settings as it's already defined in the environment.", name
            )
            continue
        if raw is not None:
            environ[name] = _setting_text(raw)


def _setting_text(raw: object) -> str:
    """Values are strings; other JSON scalars are converted the way .NET would print them."""
    if isinstance(raw, bool):
        return "True" if raw else "False"
    return raw if isinstance(raw, str) else json.dumps(raw)


def _hub_name(durable: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    raw = _optional_str(durable, "hubName")
    hub = resolve_setting_references(raw, environ) if raw else DEFAULT_HUB_NAME
    if not _HUB_NAME_RE.match(hub):
        raise AppConfigError(
            f"Task hub name '{hub}' should contain only alphanumeric characters, start with a letter, "
            "and have length between 3 and 45.",
            code="worker.app_config.hub_name",
        )
    return hub


def _partition_count(provider: Mapping[str, Any]) -> int:
    count = _positive_int(provider, "partitionCount", DEFAULT_PARTITION_COUNT)
    if count > MAX_PARTITION_COUNT:
        raise AppConfigError(
            f"partitionCount must be between 1 and {MAX_PARTITION_COUNT}, got {count}.",
            code="worker.app_config.partition_count",
        )
    return count


def _route_prefix(host_json: Mapping[str, Any]) -> str:
    http = _section(host_json, "extensions", "http")
    prefix = _get(http, "routePrefix")
    if prefix is None:
        return DEFAULT_ROUTE_PREFIX
    if not isinstance(prefix, str):
        raise AppConfigError(
            "extensions.http.routePrefix must be a string.", code="worker.app_config.route_prefix"
        )
    return prefix.strip("/")


def _local_http_port(local: Mapping[str, Any]) -> int | None:
    port = _get(_section(local, "Host"), "LocalHttpPort")
    if port is None:
        return None
    if isinstance(port, bool) or not isinstance(port, int | str) or not str(port).isdigit():
        raise AppConfigError(
            f"local.settings.json Host.LocalHttpPort must be a port number, got {port!r}.",
            code="worker.app_config.port",
        )
    return int(port)


def _function_timeout(host_json: Mapping[str, Any]) -> float | None:
    """`functionTimeout`, a TimeSpan text, validated as the host does (`ScriptJobHostOptionsSetup`)."""
    raw = _get(host_json, "functionTimeout")
    if raw is None:
        return DEFAULT_FUNCTION_TIMEOUT_S
    span = parse_timespan(raw) if isinstance(raw, str) else None
    if span is None:
        raise AppConfigError(
            f'functionTimeout must be a TimeSpan such as "00:05:00", got {raw!r}.',
            code="worker.app_config.function_timeout",
        )
    if span == _NO_FUNCTION_TIMEOUT:
        return None
    if span < _MIN_FUNCTION_TIMEOUT:
        raise AppConfigError(
            "FunctionTimeout must be greater than 00:00:01 and less than 10675199.02:48:05.4775807.",
            code="worker.app_config.function_timeout",
        )
    return span.total_seconds()


def _positive_int(section: Mapping[str, Any], key: str, default: int) -> int:
    value = _get(section, key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AppConfigError(
            f"{key} must be a positive integer, got {value!r}.", code="worker.app_config.limit"
        )
    return value


def _optional_str(section: Mapping[str, Any], key: str) -> str | None:
    value = _get(section, key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise AppConfigError(f"{key} must be a string, got {value!r}.", code="worker.app_config.type")
    return value


def _section(root: Mapping[str, Any], *path: str) -> Mapping[str, Any]:
    node: Mapping[str, Any] = root
    for key in path:
        child = _get(node, key)
        if child is None:
            return {}
        if not isinstance(child, dict):
            raise AppConfigError(f"'{key}' must be a JSON object.", code="worker.app_config.type")
        node = child
    return node


def _get(section: Mapping[str, Any], key: str) -> Any:
    """Case-insensitive lookup, as .NET configuration keys are."""
    if key in section:
        return section[key]
    folded = key.casefold()
    return next((value for name, value in section.items() if name.casefold() == folded), None)
