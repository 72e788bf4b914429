"""Control-queue choice: FNV-1a of the instance id, as the real provider picked the captured queues."""

from __future__ import annotations

import pytest

from devhost.messaging import (
    control_queue_for,
    control_queue_name,
    control_queue_names,
    fnv1a_32,
    partition_index,
)
from tests.devhost.messaging.wire import client_messages, queue_writes


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"", 0x811C9DC5), (b"a", 0xE40C292C), (b"foobar", 0xBF9CF968)],
)
def test_fnv1a_32_matches_the_published_test_vectors(data: bytes, expected: int) -> None:
    assert fnv1a_32(data) == expected


@pytest.mark.parametrize(
    ("instance_id", "index"),
    [("inst2", 1), ("wf-42", 1), ("681a27e1b68d49f5a51d6ff812cf53d7", 0)],
)
def test_the_reference_examples(instance_id: str, index: int) -> None:
    assert partition_index(instance_id, 4) == index


def test_every_captured_control_message_is_on_the_queue_its_instance_hashes_to() -> None:
    checked = 0
    for capture, hub in (("hello3-requests.json", "Pub2"), ("patterns-requests.json", "Pat1")):
        for queue, message in queue_writes(capture):
            if "-control-" not in queue or message["TaskMessage"] is None:
                continue
            instance_id = message["TaskMessage"]["OrchestrationInstance"]["InstanceId"]
            assert control_queue_for(hub, instance_id, 4) == queue, instance_id
            checked += 1
    assert checked >= 10


def test_the_client_messages_go_to_the_queue_of_wf_42() -> None:
    ids = {m["TaskMessage"]["OrchestrationInstance"]["InstanceId"] for m in client_messages()}
    assert {control_queue_for("Pub3", i, 4) for i in ids} == {"pub3-control-01"}


def test_utf8_bytes_are_hashed_and_the_count_is_respected() -> None:
    assert fnv1a_32("é".encode()) != fnv1a_32("é".encode("latin-1"))
    assert partition_index("é", 16) == fnv1a_32(b"\xc3\xa9") % 16
    assert {partition_index(f"id-{n}", 3) for n in range(50)} == {0, 1, 2}
    assert partition_index("anything", 1) == 0
    with pytest.raises(ValueError, match="at least 1"):
        partition_index("x", 0)


def test_queue_names_are_lower_case_with_two_digits() -> None:
    assert control_queue_name("MyHub", 3) == "myhub-control-03"
    assert control_queue_names("Hub", 12)[-1] == "hub-control-11"
    assert len(control_queue_names("Hub", 4)) == 4
