"""The SDK's history timestamps, parsed once per distinct text instead of on every replay.

Each replay builds the SDK's `HistoryEvent` objects afresh from the whole history, and each one parses
its `Timestamp` with `dateutil.parser.parse`, a general-purpose parser that costs tens of microseconds a
call: more than half of an episode's CPU for short chains, growing with the history. The texts repeat
from one episode to the next (every past event is replayed again), so the devhost gives the SDK's
`HistoryEvent` module a memoized `parse` with the same answers: a timestamp text is parsed by dateutil
the first time and the resulting (immutable) datetime is handed out again after that. User code sees
equal datetimes, with the same tzinfo dateutil gives (`tzlocal()` where the local zone is UTC).

Only one-argument calls with a `str` are memoized; anything else goes to dateutil as it is.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dateutil import parser as dateutil_parser

dateutil_parse: Callable[..., Any] = dateutil_parser.parse

SDK_HISTORY_EVENT_MODULE = "azure.durable_functions.models.history.HistoryEvent"
"""The module, not the class of the same name its package exports (hence `import_module`)."""

DISTINCT_TIMESTAMPS_KEPT = 16_384
"""Bounded (least recently used go first): a few MB, more than the distinct texts of a long history."""


@functools.lru_cache(maxsize=DISTINCT_TIMESTAMPS_KEPT)
def _parse_text(text: str) -> datetime:
    parsed: datetime = dateutil_parse(text)
    return parsed


def parse_timestamp(timestr: Any, *args: Any, **kwargs: Any) -> Any:
    """`dateutil.parser.parse`, memoized for the SDK's one-argument calls on a `str`."""
    if args or kwargs or type(timestr) is not str:
        return dateutil_parse(timestr, *args, **kwargs)
    return _parse_text(timestr)


def memoize_history_timestamps() -> None:
    """Make the SDK's `HistoryEvent` parse its timestamps with `parse_timestamp` (idempotent)."""
    module = importlib.import_module(SDK_HISTORY_EVENT_MODULE)
    if getattr(module, "dt_parse", None) not in (dateutil_parse, parse_timestamp):
        raise RuntimeError(f"{SDK_HISTORY_EVENT_MODULE}.dt_parse is not dateutil's parse (SDK changed?)")
    setattr(module, "dt_parse", parse_timestamp)  # noqa: B010  # a module attribute mypy cannot see
