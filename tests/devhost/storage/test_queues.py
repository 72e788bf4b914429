"""The queue wrapper against Azurite: plain UTF-8 text, visibility, delete by pop receipt."""

from __future__ import annotations

import pytest

from devhost.storage import Queue, StorageClients

pytestmark = pytest.mark.azurite


@pytest.fixture
async def queue(storage: StorageClients, unique_name: str) -> Queue:
    queue = storage.queue(unique_name)
    await queue.create_if_missing()
    return queue


async def test_messages_are_plain_text_and_hidden_while_received(queue: Queue) -> None:
    body = '{"$type":"DurableTask.AzureStorage.MessageData","Ünïcode":"✓"}'
    message_id = await queue.send(body)

    received = await queue.receive(visibility_timeout_s=30)
    again = await queue.receive(visibility_timeout_s=30)

    assert [(m.id, m.text, m.dequeue_count) for m in received] == [(message_id, body, 1)]
    assert again == []
    assert await queue.delete(received[0]) is True
    assert await queue.delete(received[0]) is False


async def test_hide_extends_the_lease_on_a_message_with_a_new_pop_receipt(queue: Queue) -> None:
    await queue.send("work")
    [message] = await queue.receive(visibility_timeout_s=30)

    hidden = await queue.hide(message, visibility_timeout_s=0)
    [redelivered] = await queue.receive(visibility_timeout_s=30)

    assert hidden.pop_receipt != message.pop_receipt
    assert redelivered.text == "work"
    assert redelivered.dequeue_count == 2


async def test_delayed_messages_stay_invisible(queue: Queue) -> None:
    await queue.send("later", visibility_timeout_s=60)
    await queue.send("now")

    assert [m.text for m in await queue.receive()] == ["now"]


async def test_create_and_delete_are_idempotent(storage: StorageClients, unique_name: str) -> None:
    queue = storage.queue(unique_name + "q")

    await queue.create_if_missing()
    await queue.create_if_missing()

    assert await queue.delete_if_exists() is True
    assert await queue.delete_if_exists() is False
