"""In-memory state of the orchestration instances this devhost is working on.

The History table is the source of truth; this is its cache while the devhost owns the task hub (the
lease guarantees no other writer), so an episode needs no history reload. `record` and `history` are
what is committed (what clients see); episodes executed but not yet written are in `uncommitted`
(see `devhost.runtime.pipeline`), and the next episode runs on `working_history`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from devhost.protocol import EpisodeResult, HistoryEvent, InstanceRecord, RuntimeStatus

if TYPE_CHECKING:
    from devhost.runtime.inbox import FailedEpisode
    from devhost.runtime.pacing import FanInPace
    from devhost.runtime.pipeline import Uncommitted


@dataclass
class Inbound:
    """An event waiting for the instance's next episode; `done` resolves once an episode committed it."""

    event: HistoryEvent
    execution_id: str | None = None
    done: asyncio.Future[None] | None = None
    abandoned: bool = False
    """The client gave up on it while its write was unconfirmed: it is dropped unless that write landed."""


@dataclass
class InstanceState:
    """One instance: its record, its current execution's history and the events waiting for it."""

    instance_id: str
    record: InstanceRecord | None = None
    history: list[HistoryEvent] = field(default_factory=list)
    etag: str | None = None
    loaded: bool = False
    inbox: list[Inbound] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    draining: bool = False
    retries: deque[FailedEpisode] = field(default_factory=deque)
    """Failed episodes to run again, oldest first, each alone and at its original time."""
    uncommitted: list[Uncommitted] = field(default_factory=list)
    committer: asyncio.Task[None] | None = None
    awaiting_row: list[Uncommitted] = field(default_factory=list)
    """Episodes whose History rows landed and whose Instances row is not written yet (in order)."""
    row_writer: asyncio.Task[None] | None = None
    """The one task writing the Instances row (so upserts stay in order, whichever committer ran)."""
    commit_failure: Exception | None = None
    """Why the last group of uncommitted episodes could not be written (they are to be rolled back)."""
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when an event arrives or a write ends: the drain loop may have work again."""
    episode_queued: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when an episode joins `uncommitted` or `settled()` asks for the written state: the committer
    stops waiting for an Instances write or a hold."""
    awaits_more_results: bool = False
    """Its last episode took in activity results only and scheduled nothing (a fan-in, see pacing.py)."""
    fan_in_pace: FanInPace | None = None
    """Its next episode waits for more results until then (see pacing.py)."""
    flush_requested: bool = False
    """Someone waits for the committed state (`CheckpointWriter.settled`): no group is held back."""

    @property
    def working_record(self) -> InstanceRecord | None:
        """The record as the last executed episode left it (committed or not)."""
        return self.uncommitted[-1].record if self.uncommitted else self.record

    @property
    def working_history(self) -> list[HistoryEvent]:
        """The committed history followed by the events of every uncommitted episode."""
        if not self.uncommitted:
            return self.history
        return self.history + [event for episode in self.uncommitted for event in episode.events]

    @property
    def busy(self) -> bool:
        """Something is queued, running, being written (History or Instances) or waiting to be retried."""
        if self.inbox or self.draining or self.uncommitted or self.retries or self.lock.locked():
            return True
        return bool(self.awaiting_row) or self.row_being_written

    @property
    def row_being_written(self) -> bool:
        """The Instances-row writer is at work (see `checkpoints.py`)."""
        return self.row_writer is not None and not self.row_writer.done()

    @property
    def execution_id(self) -> str | None:
        return self.record.execution_id if self.record else None

    @property
    def is_terminal(self) -> bool:
        return self.record is not None and self.record.runtime_status.is_terminal


def apply_result(record: InstanceRecord, result: EpisodeResult, now: datetime) -> None:
    """Bring an Instances record up to date with an episode's outcome."""
    record.runtime_status = result.status
    record.last_updated_time = now
    if result.ran_orchestrator:
        record.custom_status = result.custom_status
    if result.status in {RuntimeStatus.Completed, RuntimeStatus.Failed, RuntimeStatus.Terminated}:
        record.output = result.output
        record.completed_time = now
