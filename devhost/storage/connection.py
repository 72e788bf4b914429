"""Parses an Azure Storage connection string (`AzureWebJobsStorage`) into endpoints and a credential.

Supports what the Functions host accepts for a storage account with a key or SAS: explicit
`BlobEndpoint`/`QueueEndpoint`/`TableEndpoint`, `DefaultEndpointsProtocol` + `AccountName` +
`EndpointSuffix`, and `UseDevelopmentStorage=true` (Azurite on its default ports 10000-10002 with the
public development account, optionally behind `DevelopmentStorageProxyUri`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential

from devhost.storage.errors import StorageConfigurationError

# Azurite's documented development account (public, not a secret).
DEV_ACCOUNT_NAME = "devstoreaccount1"
DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
DEV_PORTS = {"blob": 10000, "queue": 10001, "table": 10002}
_DEV_HOST = "http://127.0.0.1"
_SERVICES = ("blob", "queue", "table")


@dataclass(frozen=True)
class StorageAccount:
    """Where the three services of one account live, and how to authenticate to them."""

    name: str
    blob_endpoint: str
    queue_endpoint: str
    table_endpoint: str
    credential: AzureNamedKeyCredential | AzureSasCredential = field(repr=False)


def parse_connection_string(text: str) -> StorageAccount:
    """A `StorageAccount` from a connection string; raises `StorageConfigurationError` if unusable."""
    settings = _split(text)
    if settings.get("usedevelopmentstorage", "").lower() == "true":
        return _development_account(settings.get("developmentstorageproxyuri"))
    name = settings.get("accountname", "")
    endpoints = {service: _endpoint(settings, service, name) for service in _SERVICES}
    return StorageAccount(
        name=name or _name_from_endpoint(endpoints["table"]),
        blob_endpoint=endpoints["blob"],
        queue_endpoint=endpoints["queue"],
        table_endpoint=endpoints["table"],
        credential=_credential(settings, name),
    )


def _split(text: str) -> dict[str, str]:
    settings: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise StorageConfigurationError(f"connection string segment {key.strip()!r} has no '='")
        settings[key.strip().lower()] = value.strip()
    if not settings:
        raise StorageConfigurationError("the storage connection string is empty")
    return settings


def _development_account(proxy: str | None) -> StorageAccount:
    host = (proxy or _DEV_HOST).rstrip("/")
    urls = {service: f"{host}:{port}/{DEV_ACCOUNT_NAME}" for service, port in DEV_PORTS.items()}
    return StorageAccount(
        name=DEV_ACCOUNT_NAME,
        blob_endpoint=urls["blob"],
        queue_endpoint=urls["queue"],
        table_endpoint=urls["table"],
        credential=AzureNamedKeyCredential(DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY),
    )


def _endpoint(settings: dict[str, str], service: str, name: str) -> str:
    explicit = settings.get(f"{service}endpoint")
    if explicit:
        return explicit.rstrip("/")
    if not name:
        raise StorageConfigurationError(
            f"the connection string has neither {service.title()}Endpoint nor AccountName"
        )
    protocol = settings.get("defaultendpointsprotocol", "https")
    suffix = settings.get("endpointsuffix", "core.windows.net")
    return f"{protocol}://{name}.{service}.{suffix}"


def _name_from_endpoint(url: str) -> str:
    """Account name from `https://<name>.table...` or a path-style `http://host:port/<name>` endpoint."""
    host, _, path = url.partition("://")[2].partition("/")
    return path.split("/")[0] if path else host.split(".")[0]


def _credential(settings: dict[str, str], name: str) -> AzureNamedKeyCredential | AzureSasCredential:
    key = settings.get("accountkey")
    if key:
        if not name:
            raise StorageConfigurationError("the connection string has an AccountKey but no AccountName")
        return AzureNamedKeyCredential(name, key)
    sas = settings.get("sharedaccesssignature")
    if sas:
        return AzureSasCredential(sas.lstrip("?"))
    raise StorageConfigurationError("the connection string has neither AccountKey nor SharedAccessSignature")
