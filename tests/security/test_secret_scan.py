"""No credential in the repository except Azurite's documented development key: in any file git tracks
or would add, and in any line a commit ever added. The scanner is tested on synthetic credentials
(assembled at run time, so this file contains none)."""

from __future__ import annotations

import pytest

from tests.security.secrets import (
    AZURITE_DEV_KEY,
    PATTERNS,
    findings_in,
    repository_files,
    scan_files,
    scan_history,
)
from tests.support.azurite import DEV_KEY, PROJECT_ROOT

B64 = "Q3JlZGVudGlhbHNBcmVOb3RGb3JSZXBvc2l0b3JpZXNYWVo"  # base64 text, no secret

SYNTHETIC = {
    "storage account key": "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=" + B64 * 2 + "==;",
    "base64 key (64 bytes)": "key = '" + (B64 * 2)[:86] + "=='",
    "SAS signature": "https://shop.blob.core.windows.net/c?sv=2022-11-02&se=2030&sp=r&sig="
    + B64[:43]
    + "%3D",
    "shared access key": "Endpoint=sb://bus.servicebus.windows.net/;SharedAccessKey=" + B64[:43] + "=",
    "private key": "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow...",
    "AWS access key id": "aws_access_key_id = " + "AKIA" + "QWERTYUIOPASDFGH",
    "bearer token": "Authorization: " + "Bearer " + B64,
    "JSON web token": "eyJ" + "hbGciOiJIUzI1NiJ9" + ".eyJ" + "zdWIiOiIxMjM0In0" + "." + B64[:20],
    "Entra client secret": "client_secret: " + "abc8Q~" + B64[:33],
    "function key": "curl 'https://app.azurewebsites.net/api/orders?" + "code=" + B64 + "=='",
    "instrumentation key": "InstrumentationKey=" + "1234abcd-12ab-34cd-56ef-1234567890ab",
    "GitHub token": "gh" + "p_" + B64[:36],
    "Slack token": "xox" + "b-1234567890-abcdefghij",
    "Google API key": "AI" + "za" + B64[:35],
    "password assignment": 'db_password = "' + "hunter2hunter2" + '"',
}


def test_the_allow_list_is_exactly_azurites_documented_key() -> None:
    assert AZURITE_DEV_KEY == DEV_KEY  # the key the test Azurite uses is the allowed one


@pytest.mark.parametrize(("kind", "text"), SYNTHETIC.items(), ids=SYNTHETIC.keys())
def test_the_scanner_finds_each_kind_of_credential(kind: str, text: str) -> None:
    assert kind in PATTERNS
    assert kind in {found for _, found in findings_in("line one\n" + text)}


def test_every_pattern_has_a_synthetic_credential() -> None:
    assert set(SYNTHETIC) == set(PATTERNS)


def test_azurites_key_is_allowed_and_a_key_differing_by_one_character_is_not() -> None:
    connection = f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AZURITE_DEV_KEY};"
    assert list(findings_in(connection)) == []
    tampered = connection.replace("Eby8", "Eby9")
    assert {kind for _, kind in findings_in(tampered)} == {"storage account key", "base64 key (64 bytes)"}


def test_findings_name_the_line_but_never_the_secret() -> None:
    text = "fine\nfine\n" + SYNTHETIC["AWS access key id"]
    assert list(findings_in(text)) == [(3, "AWS access key id")]


def test_placeholders_and_obvious_test_values_are_not_credentials() -> None:
    text = (
        'f"AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"\n'
        "AccountName=shop;AccountKey=very-secret\n"
        "SharedAccessSignature=?sv=2022&sig=abc\n"
        '"integrity": "sha512-' + (B64 * 2)[:86] + '=="\n'
        "password: ${{ secrets.DB_PASSWORD }}\n"
    )
    assert list(findings_in(text)) == []


def test_no_file_of_the_repository_holds_a_credential() -> None:
    files = repository_files(PROJECT_ROOT)
    assert len(files) > 50, "git ls-files listed almost nothing: is this a git checkout?"
    findings = scan_files(files, PROJECT_ROOT)
    assert not findings, "credentials in the repository:\n" + "\n".join(map(str, findings))


def test_no_commit_ever_added_a_credential() -> None:
    findings = scan_history(PROJECT_ROOT)
    assert not findings, "credentials in the history (rotate them, then rewrite):\n" + "\n".join(
        map(str, findings)
    )
