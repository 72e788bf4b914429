"""Connection strings as the Functions host accepts them for `AzureWebJobsStorage`."""

from __future__ import annotations

import pytest
from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential

from devhost.storage import StorageConfigurationError, parse_connection_string
from devhost.storage.connection import DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME


def test_development_storage_uses_azurite_default_ports_and_the_dev_account() -> None:
    account = parse_connection_string("UseDevelopmentStorage=true")

    assert account.name == DEV_ACCOUNT_NAME
    assert account.blob_endpoint == "http://127.0.0.1:10000/devstoreaccount1"
    assert account.queue_endpoint == "http://127.0.0.1:10001/devstoreaccount1"
    assert account.table_endpoint == "http://127.0.0.1:10002/devstoreaccount1"
    assert isinstance(account.credential, AzureNamedKeyCredential)
    assert account.credential.named_key == (DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY)


def test_development_storage_behind_a_proxy_keeps_the_ports() -> None:
    account = parse_connection_string("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://azurite")

    assert account.table_endpoint == "http://azurite:10002/devstoreaccount1"


def test_explicit_endpoints_win_and_keys_keep_their_padding() -> None:
    text = (
        "DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=a2V5==;"
        "BlobEndpoint=http://127.0.0.1:5/acct/;QueueEndpoint=http://127.0.0.1:6/acct;"
        "TableEndpoint=http://127.0.0.1:7/acct;"
    )
    account = parse_connection_string(text)

    assert account.blob_endpoint == "http://127.0.0.1:5/acct"
    assert account.queue_endpoint == "http://127.0.0.1:6/acct"
    assert account.table_endpoint == "http://127.0.0.1:7/acct"
    assert isinstance(account.credential, AzureNamedKeyCredential)
    assert account.credential.named_key.key == "a2V5=="


def test_account_name_and_suffix_build_the_public_endpoints() -> None:
    account = parse_connection_string(
        "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=k;EndpointSuffix=core.chinacloudapi.cn"
    )

    assert account.blob_endpoint == "https://shop.blob.core.chinacloudapi.cn"
    assert account.table_endpoint == "https://shop.table.core.chinacloudapi.cn"


def test_keys_are_case_insensitive() -> None:
    account = parse_connection_string("accountname=shop;ACCOUNTKEY=k")

    assert account.queue_endpoint == "https://shop.queue.core.windows.net"


def test_a_sas_connection_string_gives_a_sas_credential_and_the_name_from_the_endpoint() -> None:
    account = parse_connection_string(
        "BlobEndpoint=https://shop.blob.core.windows.net;QueueEndpoint=https://shop.queue.core.windows.net;"
        "TableEndpoint=https://shop.table.core.windows.net;SharedAccessSignature=?sv=2022&sig=abc"
    )

    assert account.name == "shop"
    assert isinstance(account.credential, AzureSasCredential)
    assert account.credential.signature == "sv=2022&sig=abc"


def test_the_key_never_appears_in_the_repr() -> None:
    account = parse_connection_string("AccountName=shop;AccountKey=very-secret")

    assert "very-secret" not in repr(account)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("AccountName=shop", "neither AccountKey nor SharedAccessSignature"),
        ("AccountKey=k", "neither BlobEndpoint nor AccountName"),
        ("AccountName=shop;garbage", "has no '='"),
    ],
)
def test_unusable_connection_strings_are_refused_with_a_coded_error(text: str, message: str) -> None:
    with pytest.raises(StorageConfigurationError, match=message) as caught:
        parse_connection_string(text)

    assert caught.value.code == "storage.invalid_connection_string"
