"""The devhost's clock: real UTC time, or virtual time that skips ahead to the next durable timer.

In time-skipping mode the clock runs at real speed until nothing but timers is pending; then the
engine calls `skip_to(next_fire_at)` and the clock jumps, so a 72-hour approval timeout fires at once and
the history records the same timestamps a real run would (the episode that delivers a `TimerFired`
is stamped at or after its `FireAt`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Monotonic-ish UTC time with an optional forward offset."""

    def __init__(self, *, time_skipping: bool = False) -> None:
        self.time_skipping = time_skipping
        self._offset = timedelta(0)
        self._last = datetime.min.replace(tzinfo=UTC)

    def now(self) -> datetime:
        """The current (possibly virtual) UTC time; never goes backwards within a process."""
        moment = datetime.now(UTC) + self._offset
        if moment <= self._last:
            moment = self._last + timedelta(microseconds=1)
        self._last = moment
        return moment

    def skip_to(self, moment: datetime) -> None:
        """Jump forward so that `now()` is at least `moment` (automatically in time-skipping mode, or on
        request through the clock route)."""
        gap = moment - (datetime.now(UTC) + self._offset)
        if gap > timedelta(0):
            self._offset += gap

    def seconds_until(self, moment: datetime) -> float:
        return max(0.0, (moment - (datetime.now(UTC) + self._offset)).total_seconds())
