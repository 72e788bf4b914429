"""The reader of a task hub's control queues `<hub>-control-NN`: what real clients send reaches the engine.

Each queue is polled with its own back-off (`polling.Backoff`); a poll that finds messages makes every
queue fast again, since a client that writes one message usually writes more. The reader starts idle:
`start()` creates the queues and polls each once (messages written while the devhost was down are
taken at once), then the queues are polled at the idle interval, spread evenly over time.

A message is hidden for the visibility timeout when received, handed to `MessageDispatcher`, and
deleted only when its disposition allows: at once, once the episode that records it has committed,
or never (it is made visible again after a delay, to be retried). A message seen again while its
episode is still pending (its visibility timeout ran out) is not applied twice: only its pop receipt
is renewed. A crash before the delete lets the message come back after the visibility timeout; a
start is then recognised as applied, an event is delivered again (as with the real provider).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from devhost.messaging.dispatch import Disposition, MessageDispatcher
from devhost.messaging.partitions import control_queue_names
from devhost.messaging.polling import Backoff, PollingOptions
from devhost.runtime.engine import Engine
from devhost.storage import Queue, ReceivedMessage, StorageClients, StorageError
from devhost.worker import AppSettings

logger = logging.getLogger(__name__)

RETRY_AFTER_ERROR_S = 5
"""A message whose handling failed (storage trouble) is visible again after this delay."""
STOP_GRACE_S = 2.0
"""On stop, how long deletes of already committed messages may still take."""


@dataclass
class _Watched:
    queue: Queue
    backoff: Backoff
    due: float = 0.0


class ControlQueueReader:
    """Polls the control queues and applies their messages; `await start()`, then `await stop()`."""

    def __init__(
        self,
        engine: Engine,
        queues: Sequence[Queue],
        options: PollingOptions,
        *,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._dispatcher = MessageDispatcher(engine)
        self._options = options
        self._watched = [
            _Watched(queue, Backoff(options.min_interval_s, options.max_interval_s, rng=rng))
            for queue in queues
        ]
        self._in_flight: dict[str, ReceivedMessage] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None

    @classmethod
    def for_settings(
        cls, engine: Engine, storage: StorageClients, settings: AppSettings
    ) -> ControlQueueReader:
        """The reader of the app's task hub, as host.json configures it."""
        names = control_queue_names(settings.hub_name, settings.partition_count)
        return cls(engine, [storage.queue(name) for name in names], PollingOptions.from_settings(settings))

    async def start(self) -> None:
        """Create the control queues if needed, take what is on them, then keep polling in the background."""
        await asyncio.gather(*(watched.queue.create_if_missing() for watched in self._watched))
        found = await asyncio.gather(*(self._poll(watched.queue) for watched in self._watched))
        now = asyncio.get_running_loop().time()
        if any(found):
            self._reset(now)
        else:
            spacing = self._options.max_interval_s / len(self._watched)
            for index, watched in enumerate(self._watched):
                watched.due = now + (index + 1) * spacing
        self._loop = asyncio.create_task(self._run(), name="control-queue-reader")

    async def stop(self) -> None:
        """Stop polling; deletes of committed messages get `STOP_GRACE_S` to finish."""
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
            self._loop = None
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=STOP_GRACE_S)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self) -> None:
        clock = asyncio.get_running_loop()
        while True:
            now = clock.time()
            due = [watched for watched in self._watched if watched.due <= now]
            if not due:
                await asyncio.sleep(min(watched.due for watched in self._watched) - now)
                continue
            found = await asyncio.gather(*(self._poll(watched.queue) for watched in due))
            now = clock.time()
            if any(found):
                self._reset(now)
                continue
            for watched in due:
                watched.due = now + watched.backoff.grow()

    def _reset(self, now: float) -> None:
        for watched in self._watched:
            watched.due = now + watched.backoff.reset()

    async def _poll(self, queue: Queue) -> int:
        """Receive one batch from `queue` and hand each new message on; how many messages came."""
        try:
            messages = await queue.receive(visibility_timeout_s=self._options.visibility_timeout_s)
        except StorageError as exc:
            logger.warning("cannot poll %s: %s", queue.name, exc)
            return 0
        except Exception:  # the polling loop must outlive anything one poll runs into
            logger.exception("cannot poll %s", queue.name)
            return 0
        for message in messages:
            if message.id in self._in_flight:  # back after its visibility timeout: keep the new receipt
                self._in_flight[message.id] = message
                continue
            await self._handle(queue, message)
        return len(messages)

    async def _handle(self, queue: Queue, message: ReceivedMessage) -> None:
        try:
            disposition = await self._dispatcher.dispatch(
                message.text, dequeue_count=message.dequeue_count, queue_name=queue.name
            )
        except Exception:  # storage trouble or a bug: never lose the message, never stop the reader
            logger.exception("%s: message %s could not be handled; retrying later", queue.name, message.id)
            disposition = Disposition.defer(RETRY_AFTER_ERROR_S)
        if disposition.retry_after_s is not None:
            self._spawn(self._hide(queue, message, disposition.retry_after_s))
        elif disposition.committed is not None:
            self._in_flight[message.id] = message
            self._spawn(self._delete_when(queue, message.id, disposition.committed))
        else:
            self._spawn(self._delete(queue, message))

    async def _delete_when(self, queue: Queue, message_id: str, committed: asyncio.Future[None]) -> None:
        await asyncio.wait({committed})
        message = self._in_flight.pop(message_id)
        if not committed.cancelled():
            await self._delete(queue, message)

    async def _delete(self, queue: Queue, message: ReceivedMessage) -> None:
        try:
            await queue.delete(message)
        except StorageError as exc:
            logger.warning("%s: message %s not deleted (%s); it will come back", queue.name, message.id, exc)

    async def _hide(self, queue: Queue, message: ReceivedMessage, delay_s: int) -> None:
        try:
            await queue.hide(message, delay_s)
        except StorageError as exc:
            logger.warning("%s: message %s not deferred (%s)", queue.name, message.id, exc)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("control-queue bookkeeping failed", exc_info=task.exception())
