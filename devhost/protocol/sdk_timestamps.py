"""The SDK's history timestamps, parsed once per distinct text instead of on every replay.

Each replay builds the SDK's `HistoryEvent` objects afresh from the whole history, and each one parses
its `Timestamp` with `dateutil.parser.parse`, a general-purpose parser that costs tens of microseconds a
call: more than half of an episode's CPU for short chains, growing with the history. The texts repeat
from one episode to the next (every past event is replayed again), so the devhost gives the SDK's
`HistoryEvent` module a memoized `parse` with the same answers: a timestamp text is parsed by dateutil
the first time and the resulting (immutable) datetime is handed out again after that. User code sees
equal datetimes, with the same tzinfo dateutil gives (`tzlocal()` where the local zone is UTC).

A text the first time: the host's own format (`yyyy-MM-ddTHH:mm:ss[.fffffff]Z`, which every history
timestamp the devhost writes has) is read by a regular expression into the datetime dateutil would
build, with the tzinfo dateutil gives `Z` on this machine (3 us instead of dateutil's 64 us); any
other text goes to dateutil.

Only one-argument calls with a `str` are memoized; anything else goes to dateutil as it is.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import re
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from dateutil import parser as dateutil_parser

dateutil_parse: Callable[..., Any] = dateutil_parser.parse

SDK_HISTORY_EVENT_MODULE = "azure.durable_functions.models.history.HistoryEvent"
"""The module, not the class of the same name its package exports (hence `import_module`)."""

DISTINCT_TIMESTAMPS_KEPT = 16_384
"""Bounded (least recently used go first): a few MB, more than the distinct texts of a long history."""


_HOST_FORMAT = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,7}))?Z")


@functools.cache
def _zulu() -> tzinfo | None:
    """The tzinfo dateutil gives a `Z` suffix here: `tzlocal()` where the local zone is UTC, else UTC."""
    return dateutil_parse("2000-01-01T00:00:00Z").tzinfo  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=DISTINCT_TIMESTAMPS_KEPT)
def _parse_text(text: str) -> datetime:
    match = _HOST_FORMAT.fullmatch(text)
    if match is not None:
        year, month, day, hour, minute, second, fraction = match.groups()
        microsecond = int((fraction or "").ljust(6, "0")[:6])  # dateutil truncates past 6 digits
        with contextlib.suppress(ValueError):  # no such date: dateutil says so
            return datetime(
                int(year), int(month), int(day), int(hour), int(minute), int(second), microsecond, _zulu()
            )
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
