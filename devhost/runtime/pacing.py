"""Pacing a fan-in while every activity slot is taken: its results taken in together, not one replay each.

Every episode replays the orchestrator's whole history and takes in the results that arrived since the
last one. While activity slots are free, results are taken in as they come: the orchestrator may be
waiting for the first of them (`task_any`), and an episode costs little then. While every slot is
taken, the host is limited by its own CPU, and a fan-in's episodes compete with the very activities
they wait for (the event loop and the activity threads share one interpreter). So when an instance's
last episode took in activity results only and scheduled nothing (it waits for more of them), its next
episode waits up to `FAN_IN_PACE_S` while it too would take in activity results only, and runs at once
when every result the instance waits for is in. The pipeline benchmark's 100-file fan-ins took about
37 episodes each without this, about 16 with it, and its replays half the CPU.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from devhost.protocol import ACTIVITY_RESULTS, EpisodeResult, EventType, HistoryEvent
from devhost.runtime.instances import Inbound, InstanceState

FAN_IN_PACE_S = 0.25
"""How long a saturated fan-in's next episode may wait for more results (see above)."""


@dataclass(frozen=True)
class FanInPace:
    """A pause of an instance's next episode: until when, and how many results end it sooner."""

    until: float
    outstanding: int


def awaits_more_results(result: EpisodeResult, batch: Iterable[Inbound]) -> bool:
    """Whether an episode was a fan-in step: it took in activity results only and scheduled nothing."""
    if result.status.is_terminal or result.activities or result.timers or result.sub_orchestrations:
        return False
    return _results_only(batch)


def outstanding_results(history: Iterable[HistoryEvent]) -> int:
    """Activities scheduled in `history` whose result it does not hold yet."""
    outstanding = 0
    for event in history:
        if event["EventType"] == EventType.TaskScheduled:
            outstanding += 1
        elif event["EventType"] in ACTIVITY_RESULTS:
            outstanding -= 1
    return outstanding


class FanInPacer:
    """Decides whether an instance's next episode waits for more of its fan-in's results."""

    def __init__(self, saturated: Callable[[], bool], pace_s: float = FAN_IN_PACE_S) -> None:
        self.pace_s = pace_s
        self._saturated = saturated

    def must_wait(self, state: InstanceState) -> bool:
        """Whether the next episode waits (the caller holds the instance's lock); the instance is woken
        when the pace ends."""
        if not (state.awaits_more_results and state.inbox and not state.retries and self._saturated()):
            state.fan_in_pace = None
            return False
        if not _results_only(state.inbox):
            state.fan_in_pace = None
            return False
        loop = asyncio.get_running_loop()
        pace = state.fan_in_pace
        if pace is None:
            pace = state.fan_in_pace = FanInPace(
                loop.time() + self.pace_s, outstanding_results(state.working_history)
            )
            loop.call_later(self.pace_s, state.wake.set)
        if loop.time() >= pace.until or len(state.inbox) >= pace.outstanding:
            state.fan_in_pace = None
            return False
        return True


def _results_only(batch: Iterable[Inbound]) -> bool:
    return all(item.event["EventType"] in ACTIVITY_RESULTS for item in batch)
