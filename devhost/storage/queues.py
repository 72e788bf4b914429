"""Thin async wrapper over one storage queue: UTF-8 text messages (no Base64, as DTFx sends them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from azure.storage.queue.aio import QueueClient

from devhost.storage.errors import StorageConflictError, StorageNotFoundError, storage_call

MAX_RECEIVE_BATCH = 32


@dataclass(frozen=True)
class ReceivedMessage:
    """A message taken from the queue; `pop_receipt` proves we hold it until its visibility timeout."""

    id: str
    pop_receipt: str
    text: str
    dequeue_count: int
    inserted_on: datetime | None


class Queue:
    """One queue of the storage account (one request per method)."""

    __slots__ = ("_client", "name")

    def __init__(self, client: QueueClient) -> None:
        self._client = client
        self.name: str = client.queue_name

    async def create_if_missing(self) -> None:
        """Create the queue (no error if it exists)."""
        try:
            with storage_call(f"create queue {self.name}"):
                await self._client.create_queue()
        except StorageConflictError:
            return

    async def delete_if_exists(self) -> bool:
        """Delete the queue and its messages; False if there was none."""
        try:
            with storage_call(f"delete queue {self.name}"):
                await self._client.delete_queue()
        except StorageNotFoundError:
            return False
        return True

    async def send(
        self, text: str, *, visibility_timeout_s: int | None = None, time_to_live_s: int = -1
    ) -> str:
        """Enqueue `text` (invisible for `visibility_timeout_s` if given, kept forever by default); its id."""
        with storage_call(f"send message to {self.name}"):
            message = await self._client.send_message(
                text, visibility_timeout=visibility_timeout_s, time_to_live=time_to_live_s
            )
        return str(message.id)

    async def receive(
        self, *, max_messages: int = MAX_RECEIVE_BATCH, visibility_timeout_s: int = 300
    ) -> list[ReceivedMessage]:
        """Take up to `max_messages` (at most 32) visible messages, hiding them for `visibility_timeout_s`."""
        count = min(max_messages, MAX_RECEIVE_BATCH)
        with storage_call(f"receive messages from {self.name}"):
            pages = self._client.receive_messages(
                messages_per_page=count, visibility_timeout=visibility_timeout_s
            ).by_page()
            async for page in pages:  # one page is one request; more pages would poll again
                return [
                    ReceivedMessage(m.id, m.pop_receipt or "", m.content, m.dequeue_count or 0, m.inserted_on)
                    async for m in page
                ]
        return []

    async def delete(self, message: ReceivedMessage) -> bool:
        """Delete a received message; False if it was already gone or taken by someone else."""
        try:
            with storage_call(f"delete message from {self.name}"):
                await self._client.delete_message(message.id, message.pop_receipt)
        except StorageNotFoundError:
            return False
        return True

    async def hide(self, message: ReceivedMessage, visibility_timeout_s: int) -> ReceivedMessage:
        """Keep a received message invisible for `visibility_timeout_s` more seconds (new pop receipt)."""
        with storage_call(f"update message in {self.name}"):
            updated = await self._client.update_message(
                message.id, message.pop_receipt, visibility_timeout=visibility_timeout_s
            )
        return ReceivedMessage(
            message.id, updated.pop_receipt or "", message.text, message.dequeue_count, message.inserted_on
        )
