"""Query-string values read the way the extension reads them (.NET `TryParse` rules, lenient by design).

`HttpApiHandler` looks values up in a `NameValueCollection` (keys case-insensitive, repeated keys
joined with ","), and parses with `bool.TryParse`, `int.TryParse`, `double.TryParse`,
`DateTime.TryParse` and `Enum.TryParse`: a value that does not parse is treated as absent, never as
an error. The SDK sends `True`/`False` for flags and `%Y-%m-%dT%H:%M:%S.%fZ` for times.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone

from multidict import MultiMapping

from devhost.protocol import RuntimeStatus

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_FLOAT = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")
_ISO_DATE = re.compile(
    r"\s*(?P<year>\d{1,4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:[Tt ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?)?"
    r"\s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?\s*"
)
_SLASH_DATE = re.compile(  # the invariant culture's M/d/yyyy [H:mm[:ss]]
    r"\s*(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})"
    r"(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?\s*"
)


class QueryValues:
    """A request's query string as the host's `NameValueCollection` sees it."""

    def __init__(self, query: MultiMapping[str]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in query.items():
            self._values.setdefault(name.lower(), []).append(value)

    def get(self, name: str) -> str | None:
        """`collection[name]`: every value of the key joined with ",", or None when absent."""
        values = self._values.get(name.lower())
        return None if values is None else ",".join(values)

    def all(self, name: str) -> list[str]:
        """`collection.GetValues(name)`: each value of the key (empty when absent)."""
        return list(self._values.get(name.lower(), ()))


def parse_bool(text: str | None) -> bool | None:
    """`bool.TryParse`: "true"/"false" in any case, surrounding white space allowed."""
    if text is None:
        return None
    return {"true": True, "false": False}.get(text.strip().lower())


def parse_int(text: str | None) -> int | None:
    """`int.TryParse` (Int32, optional sign, surrounding white space)."""
    if text is None or not _INTEGER.fullmatch(text):
        return None
    value = int(text)
    return value if _INT32_MIN <= value <= _INT32_MAX else None


def parse_seconds(text: str | None) -> float | None:
    """`double.TryParse` of a duration in seconds (finite values only: `TimeSpan.FromSeconds` needs them)."""
    if text is None or not _FLOAT.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def parse_datetime(text: str | None) -> datetime | None:
    """`DateTime.TryParse` for the forms clients send: ISO 8601 (any fraction length, `Z`, offsets, a
    short year as Python's strftime writes years before 1000) and `M/d/yyyy [H:mm[:ss]]`.

    Returns an aware UTC datetime; a time without zone is taken as UTC (the host's local time zone).
    """
    if text is None:
        return None
    match = _ISO_DATE.fullmatch(text) or _SLASH_DATE.fullmatch(text)
    if match is None:
        return None
    parts = match.groupdict()
    fraction = (parts.get("fraction") or "").ljust(6, "0")[:6]
    try:
        moment = datetime(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"]),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            int(fraction),
            tzinfo=_zone(parts.get("zone")),
        )
    except ValueError:
        return None
    return moment.astimezone(UTC)


def parse_statuses(values: Iterable[str]) -> tuple[RuntimeStatus, ...]:
    """`Enum.TryParse` of each comma-separated item (exact names or numbers); unknown items are skipped."""
    statuses: list[RuntimeStatus] = []
    for value in values:
        for item in value.split(","):
            status = _status(item.strip())
            if status is not None:
                statuses.append(status)
    return tuple(statuses)


def _status(item: str) -> RuntimeStatus | None:
    if item in RuntimeStatus.__members__:
        return RuntimeStatus[item]
    number = parse_int(item)
    if number is None:
        return None
    try:
        return RuntimeStatus(number)
    except ValueError:
        return None


def _zone(text: str | None) -> timezone:
    if not text or text in "Zz":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return timezone(sign * offset)
