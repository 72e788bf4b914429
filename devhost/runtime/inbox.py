"""An instance's inbox between episodes: the next batch, a failed batch's retry, settling, withdrawing.

Each inbound event carries a future that resolves once an episode has recorded it in history (what a
client operation waits for). A failed episode's events stay in the inbox and are retried on their own;
a client operation that gives up during a storage outage takes its event back out if no episode holds
it (`withdraw`), so the operation it answers 503 for has no effect; if a write whose outcome is not
known yet holds it, the event is dropped unless that write landed (`abandon`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from devhost.runtime.instances import Inbound, InstanceState
from devhost.storage import StorageUnavailableError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FailedEpisode:
    """A failed attempt: the episode's events and the time it ran at (None when no episode ran, e.g.
    the state could not be loaded), whether storage was unavailable, how many retries came before, and
    whether to pause before the retry (not when the episode only has to wait for earlier writes)."""

    batch: list[Inbound] | None
    now: datetime | None
    attempt: int
    storage_down: bool
    pause: bool = True


def failed_again(
    previous: FailedEpisode | None, batch: list[Inbound], now: datetime, *, storage_down: bool
) -> FailedEpisode:
    """What to retry after a failed attempt: the episode it ran, else the one that failed before."""
    attempt = 0 if previous is None else previous.attempt + 1
    if batch:
        return FailedEpisode(batch, now, attempt, storage_down)
    if previous is None:
        return FailedEpisode(None, None, attempt, storage_down)
    return FailedEpisode(previous.batch, previous.now, attempt, storage_down)


def take_batch(state: InstanceState, retry: FailedEpisode | None) -> list[Inbound]:
    """The next episode's events: the whole inbox, or what is left of a failed episode's events."""
    if retry is None or retry.batch is None:
        batch, state.inbox = state.inbox, []
        return batch
    again = {id(item) for item in retry.batch}
    batch = [item for item in state.inbox if id(item) in again]
    state.inbox = [item for item in state.inbox if id(item) not in again]
    return batch


def settle(batch: list[Inbound]) -> None:
    """The batch is recorded: release whoever waits for it."""
    for item in batch:
        if item.done is not None and not item.done.done():
            item.done.set_result(None)


def abandon(state: InstanceState, done: asyncio.Future[None]) -> None:
    """The client gives up on an event that a write in flight holds: if that write turns out not to have
    landed, the event is dropped with it (`requeue`) instead of running again."""
    for episode in state.uncommitted:
        for item in episode.batch:
            if item.done is done:
                item.abandoned = True


def requeue(state: InstanceState, items: list[Inbound]) -> None:
    """Put the events of episodes that were not written back at the head of the inbox, minus the
    abandoned ones (their clients were told they may not take effect)."""
    kept = []
    for item in items:
        if item.abandoned:
            if item.done is not None:
                item.done.cancel()
        else:
            kept.append(item)
    state.inbox[:0] = kept


def withdraw(state: InstanceState, done: asyncio.Future[None]) -> bool:
    """Take the queued event whose future is `done` out of the inbox; False if an episode holds it."""
    queued = [item for item in state.inbox if item.done is done]
    if not queued:
        return False
    state.inbox.remove(queued[0])
    done.cancel()
    return True


def log_failed_episode(instance_id: str, exc: Exception, attempt: int) -> None:
    """A storage outage is logged once by `STORAGE_HEALTH`; anything else is logged at every retry."""
    if isinstance(exc, StorageUnavailableError):
        logger.debug("episode of %s waits for storage (retry %d): %s", instance_id, attempt + 1, exc)
    else:
        logger.error("episode of %s failed; its events will be retried", instance_id, exc_info=exc)
