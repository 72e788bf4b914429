"""Instance ids as PartitionKeys, exactly like DurableTask.AzureStorage `KeySanitation`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devhost.tracking import escape_partition_key, history_row_key, unescape_partition_key


@pytest.mark.parametrize(
    ("instance_id", "partition_key"),
    [
        ("681a27e1b68d49f5a51d6ff812cf53d7", "681a27e1b68d49f5a51d6ff812cf53d7"),
        ("a99b5eadc93943bfb41f87db6a953f48:0", "a99b5eadc93943bfb41f87db6a953f48:0"),
        ("orders/2024#1?x", "orders^02024^21^3x"),
        ("a^b\\c", "a^^b^1c"),
        ("tab\there\nnl", "tab^\u00c9here^\u00canl"),
        ("\x00\x1f\x7f\x9f", "^\u00c0^\u00df^\u013f^\u015f"),
        ("ünïcødé ✓ 🚀", "ünïcødé ✓ 🚀"),
        ("@counter@c1", "@counter@c1"),
    ],
)
def test_escaping_matches_the_provider(instance_id: str, partition_key: str) -> None:
    assert escape_partition_key(instance_id) == partition_key
    assert unescape_partition_key(partition_key) == instance_id


def test_unknown_escapes_unescape_like_the_provider() -> None:
    # KeySanitation.UnescapePartitionKey: an escaped char below U+00C0 is kept, above it is shifted back.
    assert unescape_partition_key("^x^\u00c1") == "x\x01"


@given(st.text())
def test_any_instance_id_round_trips_and_never_contains_forbidden_key_characters(instance_id: str) -> None:
    key = escape_partition_key(instance_id)

    assert unescape_partition_key(key) == instance_id
    assert not set(key) & {"/", "\\", "#", "?"}
    assert all(not (ord(c) <= 0x1F or 0x7F <= ord(c) <= 0x9F) for c in key)


def test_row_keys_are_sixteen_upper_case_hex_digits() -> None:
    assert history_row_key(0) == "0000000000000000"
    assert history_row_key(10) == "000000000000000A"
    assert history_row_key(0x12) == "0000000000000012"
    assert history_row_key(2**40 + 255) == "00000100000000FF"
