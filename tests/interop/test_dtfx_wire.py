"""The real client's messages, read raw off the queue: the devhost parses and rewrites them byte for byte."""

from __future__ import annotations

import uuid

import pytest
from azure.storage.queue import QueueClient

from devhost.messaging import build_message, control_queue_for, parse_message, serialize_message
from tests.interop.dtfx import Dtfx
from tests.support.azurite import Azurite

pytestmark = pytest.mark.azurite


def test_start_raise_and_terminate_messages_of_the_real_client(dtfx_runs: None, azurite: Azurite) -> None:
    hub = "Wire" + uuid.uuid4().hex[:10]  # no host serves it: the messages stay on the queue
    client = Dtfx(azurite.connection_string, hub)
    instance_id = "wire-" + uuid.uuid4().hex[:8]
    execution_id = client.start("hello_sequence", instance_id, '{"city":"Zürich","note":"\\u2028"}')
    client.raise_event(instance_id, "Decision", '{"approved":true}')
    client.terminate(instance_id, "cancelled by user")

    queue_name = control_queue_for(hub, instance_id, 4)
    with QueueClient.from_connection_string(azurite.connection_string, queue_name) as queue:
        texts = [message.content for message in queue.peek_messages(max_messages=32)]
    assert len(texts) == 3, f"expected start, raise and terminate on {queue_name}"

    parsed = [parse_message(text) for text in texts]
    assert [serialize_message(message) for message in parsed] == texts
    tasks = [message.task_message for message in parsed]
    assert all(task is not None and task.instance_id == instance_id for task in tasks)
    start, raised, terminated = tasks
    assert start is not None
    assert raised is not None
    assert terminated is not None
    assert start.execution_id == execution_id
    # Newtonsoft keeps non-ASCII as is but escapes U+2028 (in the input JSON, then in the envelope).
    assert start.event["Input"] == '{"city":"Zürich","note":"\\u2028"}'
    assert (raised.execution_id, raised.event["Name"], raised.event["Input"]) == (
        None,
        "Decision",
        '{"approved":true}',
    )
    assert terminated.event["Input"] == "cancelled by user"
    # What the devhost would write for the same events is what the real client wrote.
    for message, task in zip(parsed, tasks, strict=True):
        assert task is not None
        rebuilt = build_message(
            task.event,
            instance_id=task.instance_id,
            execution_id=task.execution_id,
            activity_id=message.activity_id,
            sequence_number=message.document["SequenceNumber"],
        )
        assert serialize_message(rebuilt) == serialize_message(message)
