"""Which instances stay in memory: every one with work in flight, and the most recently used idle ones.

The engine keeps an instance's record and history in memory so that an episode needs no reload. An
instance that has finished (or was never found) only costs memory there, so at most `limit` of them
are kept, the least recently used going first; a later read loads them again from storage.
"""

from __future__ import annotations

from collections import OrderedDict

from devhost.runtime.instances import InstanceState

MAX_CACHED_IDLE = 500


class IdleInstances:
    """Least-recently-used finished or unknown instances, dropped from `states` beyond `limit`."""

    def __init__(self, states: dict[str, InstanceState], limit: int = MAX_CACHED_IDLE) -> None:
        self.limit = limit
        self._states = states
        self._order: OrderedDict[str, None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._order)

    def used(self, state: InstanceState) -> None:
        """Note a use of the instance; if it is idle and too many are, forget the oldest idle ones."""
        if not _idle(state):
            return
        self._order[state.instance_id] = None
        self._order.move_to_end(state.instance_id)
        while len(self._order) > self.limit:
            oldest, _ = self._order.popitem(last=False)
            cached = self._states.get(oldest)
            if cached is not None and _idle(cached):
                del self._states[oldest]

    def holds(self, instance_id: str) -> bool:
        """Whether the instance is in memory."""
        return instance_id in self._states


def _idle(state: InstanceState) -> bool:
    """Finished or unknown, with nothing queued, running or waiting for it."""
    settled = state.record is None or state.record.runtime_status.is_terminal
    return settled and not state.busy
