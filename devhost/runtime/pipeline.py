"""Episodes run ahead of their checkpoints: what is executed in memory but not yet written to History.

An instance's episodes run one after another in memory. The checkpoints they produce are written by one
committer task per instance, in order, and as a group: every episode that finished while the previous
write was in flight goes into the next entity-group batch (group commit). A chain of quick activities
therefore costs one History batch and one Instances upsert per *write*, not per step, and its latency is
the replay time plus a few round trips, not a round trip per step.

What may happen before an episode's checkpoint is written (speculatively) is limited to what a crash
already allows: its activities start (they run at least once anyway; after a crash the replay schedules
them again), and the next episode runs on top of it in memory. Everything another party can observe
waits for the checkpoint: the Instances row, the client operations that sent its events, timers,
children, the parent's notification. Entity requests are sent before the episode is committed, as
always (entities skip request ids they have processed), so an episode that sends any is never built
upon before it is written: a re-run after a failed write must reuse its time, hence its request ids.
Nor is one that scheduled nothing new (`Uncommitted.can_be_built_upon`): running ahead pays when the
next step is waiting to start, not while a fan-in collects its results.

An episode's checkpoint may also be *held* for a moment (`CHECKPOINT_HOLD_S`): when every episode of
the group only started activities and took in only its own start and activity results (`may_be_held`:
no timer, child, entity request, raised event or other client operation, nothing another party waits to
see written), the write waits while those activities run, and the episode that takes in a result joins
the group. A chain of quick activities is thus written as one batch when it ends or reaches a step that
others wait for, not one batch per round trip. This changes nothing a crash could not already do: the
activities run at least once, and a re-run after a crash schedules them again; a crash just finds up to
`CHECKPOINT_HOLD_S` more of such work undone. A caller that needs the committed state
(`CheckpointWriter.settled`) ends the hold at once.

While every activity slot is taken, the hold lasts up to `SATURATED_CHECKPOINT_HOLD_S` (the idea of
PostgreSQL's `commit_delay`, which only applies while other transactions are active): the host is then
limited by its own work, each write takes CPU from the activities queued for a slot (Azurite's and the
storage client's), and the group's next result is late anyway. 500 HelloCities5 started at once then
cost about 3 requests an instance instead of 7 to 8, and a crash under such load re-runs up to that many
seconds of activities.

A write that may have been applied although no answer came back is checked and retried in place (its
rows are fixed); one that certainly failed (storage unreachable, or a conflicting writer) rolls every
uncommitted episode back: their events return to the inbox, each to be re-run alone at its original
time, and the results of activities they started are dropped when they arrive (the re-run schedules
those activities again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from devhost.protocol import (
    ACTIVITY_RESULTS,
    EpisodeResult,
    EventType,
    ExecutionInfo,
    HistoryEvent,
    InstanceRecord,
    RuntimeStatus,
)
from devhost.runtime.instances import Inbound

CHECKPOINT_HOLD_S = 0.05
"""How long a checkpoint that nobody waits for may wait for the next episode of its chain (see above)."""
SATURATED_CHECKPOINT_HOLD_S = 5.0
"""The same while every activity slot is taken (see above)."""

_OWN_INPUTS = ACTIVITY_RESULTS | {EventType.ExecutionStarted}
"""The events an episode may take in and still be held: its start and its activities' results."""


@dataclass
class Speculation:
    """Shared by the activities an uncommitted episode started: discarded if the episode is rolled back."""

    discarded: bool = False


@dataclass
class Uncommitted:
    """An episode executed in memory whose History rows are not written yet."""

    execution: ExecutionInfo
    result: EpisodeResult
    batch: list[Inbound]
    now: datetime
    record: InstanceRecord
    """The Instances record as this episode leaves it (a copy: the committed one is untouched)."""
    speculation: Speculation = field(default_factory=Speculation)

    @property
    def events(self) -> list[HistoryEvent]:
        return self.result.new_events

    @property
    def can_be_built_upon(self) -> bool:
        """Whether the next episode may run before this one is written (see module docstring): only
        after an episode that scheduled new work. One that only took in results (a fan-in still
        waiting) is followed by the next episode once it is written, so the results that arrive
        meanwhile are taken in together rather than each replaying the whole history."""
        result = self.result
        scheduled = result.activities or result.timers or result.sub_orchestrations
        return result.status is RuntimeStatus.Running and not result.entity_messages and bool(scheduled)

    @property
    def may_be_held(self) -> bool:
        """Whether only its own activities wait for this episode's checkpoint (see module docstring)."""
        result = self.result
        if not self.can_be_built_upon or result.timers or result.sub_orchestrations:
            return False
        return all(item.event["EventType"] in _OWN_INPUTS for item in self.batch)


def group_events(group: list[Uncommitted]) -> list[HistoryEvent]:
    """The History rows of a group of consecutive episodes, in order: one checkpoint."""
    return [event for episode in group for event in episode.events]
