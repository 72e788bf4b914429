"""Writing an instance's checkpoints: groups of uncommitted episodes -> one History batch each, then the
Instances row, then the work they start (see `pipeline.py` for why episodes run ahead of this).

Write order of a group (the invariant crash recovery relies on): its History rows in one entity-group
batch with the sentinel ETag; then the Instances upsert that shows it, which runs beside the next
group's batch and may also show the groups written meanwhile (only the order of the upserts matters:
each after the batches it shows and after the previous one); then the work others can see and the
answers to the client operations that sent its events.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable

from devhost.protocol import HistoryEvent
from devhost.runtime.backoff import Backoff
from devhost.runtime.inbox import FailedEpisode, log_failed_episode, requeue, settle
from devhost.runtime.instances import InstanceState
from devhost.runtime.pipeline import CHECKPOINT_HOLD_S, SATURATED_CHECKPOINT_HOLD_S, Uncommitted, group_events
from devhost.storage import StorageUnavailableError
from devhost.tracking import TaskHub

logger = logging.getLogger(__name__)


class CheckpointWriter:
    """Writes the uncommitted episodes of each instance, and undoes them when a write certainly failed."""

    def __init__(
        self,
        hub: TaskHub,
        backoff: Backoff,
        on_written: Callable[[str, Uncommitted], None],
        track: Callable[[asyncio.Task[None]], None],
        *,
        saturated: Callable[[], bool],
        hold_s: float = CHECKPOINT_HOLD_S,
        saturated_hold_s: float = SATURATED_CHECKPOINT_HOLD_S,
    ) -> None:
        self.hold_s = hold_s
        self.saturated_hold_s = saturated_hold_s
        self._saturated = saturated
        self._hub = hub
        self._backoff = backoff
        self._on_written = on_written
        self._track = track

    async def settled(self, state: InstanceState) -> None:
        """Wait until every episode run for the instance is written, its Instances row included (the
        caller holds its lock); a group that could not be written is rolled back (its events are back
        in the inbox)."""
        state.flush_requested = True  # a held group is written now (no new one starts: we hold the lock)
        state.episode_queued.set()
        try:
            while True:
                if state.committer is not None:
                    await asyncio.shield(state.committer)
                elif state.row_being_written:
                    assert state.row_writer is not None
                    await asyncio.shield(state.row_writer)
                else:
                    break
        finally:
            state.flush_requested = False
        if state.commit_failure is not None:
            self.roll_back(state)

    async def write_all(self, state: InstanceState) -> None:
        """Write the uncommitted episodes, each time as one group, until none is left (see pipeline.py).
        A group that only its own activities wait for is held first (`_hold`).

        The Instances row is written beside the next group's History batch: only the order of the
        upserts matters (each one after the batches of the episodes it shows). Groups whose batches
        landed while an upsert was in flight share the next one, which shows the latest of them. So
        does a group whose batch landed when the next group was already waiting to be written (the
        row then trails History by that one batch, never by two). An episode that finishes while an
        upsert is in flight is written at once, not after it. One task per instance writes the row
        (`InstanceState.row_writer`), so its upserts stay in order even when a committer ended on a
        failed write and the next one starts while the row is still being written.
        """
        deferred = False  # the last group's row waits for the next group's batch
        try:
            while state.uncommitted or state.row_being_written:
                if not state.uncommitted:
                    assert state.row_writer is not None
                    await _row_written_or_episode_queued(state, state.row_writer)
                    continue
                await self._hold(state)
                group = list(state.uncommitted)
                new_events = group_events(group)
                try:
                    await self.append(state, group[0].record.execution_id, len(state.history), new_events)
                except Exception as exc:
                    state.commit_failure = exc
                    break
                del state.uncommitted[: len(group)]
                state.history.extend(new_events)
                state.record = group[-1].record
                state.awaiting_row.extend(group)
                if not state.row_being_written:
                    deferred = bool(state.uncommitted) and not deferred
                    if not deferred:
                        self._start_row_writer(state)
            if state.awaiting_row and not state.row_being_written:  # a failed write ended the loop
                self._start_row_writer(state)
            # No await between the loop's last look at `uncommitted` and `finally`: an episode added
            # meanwhile would see a committer and never be written.
        finally:
            state.committer = None
            state.wake.set()

    async def _hold(self, state: InstanceState) -> None:
        """Let the group grow while only its own activities wait for it (see pipeline.py): for `hold_s`
        at most, or `saturated_hold_s` while every activity slot is taken. Each episode that joins the
        group and may still be held keeps the hold going."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while not state.flush_requested and all(episode.may_be_held for episode in state.uncommitted):
            limit = self.saturated_hold_s if self._saturated() else self.hold_s
            remaining = started + limit - loop.time()
            if remaining <= 0:
                return
            state.episode_queued.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(state.episode_queued.wait(), remaining)

    def _start_row_writer(self, state: InstanceState) -> None:
        state.row_writer = asyncio.ensure_future(self._write_rows(state))
        self._track(state.row_writer)

    async def _write_rows(self, state: InstanceState) -> None:
        """Upsert the Instances row as the latest episode awaiting it left it, then start the work of
        every episode it covers; again while more landed meanwhile."""
        while state.awaiting_row:
            episodes = list(state.awaiting_row)
            del state.awaiting_row[:]
            record = episodes[-1].record
            await self._backoff.until_stored(
                f"status of {state.instance_id}",
                functools.partial(self._hub.instances.upsert_instance, record),
            )
            for episode in episodes:
                settle(episode.batch)  # recorded: the client operations that sent these events are done
                self._on_written(state.instance_id, episode)

    def roll_back(self, state: InstanceState) -> None:
        """Undo the uncommitted episodes after their write certainly failed: their events go back to the
        inbox (where a client that gives up during an outage can take its event back), each to run again
        alone at its original time; after a failure other than an outage (a conflicting writer) the
        instance is reloaded first."""
        failure, state.commit_failure = state.commit_failure, None
        storage_down = isinstance(failure, StorageUnavailableError)
        episodes, state.uncommitted = state.uncommitted, []
        for episode in episodes:
            episode.speculation.discarded = True
        requeue(state, [item for episode in episodes for item in episode.batch])
        state.retries.extendleft(
            FailedEpisode(episode.batch, episode.now, 0, storage_down=storage_down)
            for episode in reversed(episodes)
        )
        if not storage_down:
            state.loaded = False
        if failure is not None:
            log_failed_episode(state.instance_id, failure, 0)

    async def append(
        self,
        state: InstanceState,
        execution_id: str,
        start: int,
        new_events: list[HistoryEvent],
    ) -> None:
        """Write an episode's History rows.

        A batch that certainly did nothing raises (the episodes are retried from the inbox). One that
        may have been applied although no answer came back is checked here once storage answers: rows
        found in the History table count as written, and missing ones make it a certain failure.
        """
        attempt = 0
        unsure = False
        while True:
            try:
                if not unsure:
                    state.etag = await self._hub.history.append_episode(
                        state.instance_id, execution_id, start, new_events, state.etag
                    )
                    break
                stored = await self._hub.history.load_history(state.instance_id)
                state.etag = stored.etag
                if stored.execution_id == execution_id and len(stored.events) == start + len(new_events):
                    break
            except StorageUnavailableError as exc:
                if not (unsure or exc.maybe_applied):
                    raise
                logger.debug("checkpoint of %s may be written (%s); checking", state.instance_id, exc)
                unsure = True
                await self._backoff.pause(attempt)
                attempt += 1
                continue
            lost = StorageUnavailableError(f"the checkpoint of {state.instance_id} was not written")
            lost.maybe_applied = False
            raise lost  # a certain failure now: the episodes run again from the inbox
        self._backoff.succeeded(attempt)


async def _row_written_or_episode_queued(state: InstanceState, row_writer: asyncio.Task[None]) -> None:
    """Wait until the Instances write ends or another episode is queued for writing, whichever is first."""
    state.episode_queued.clear()
    queued = asyncio.ensure_future(state.episode_queued.wait())
    try:
        await asyncio.wait([row_writer, queued], return_when=asyncio.FIRST_COMPLETED)
    finally:
        queued.cancel()
