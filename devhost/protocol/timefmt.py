"""Timestamps and durations in the exact text forms .NET (Newtonsoft) uses on the Durable wire.

History `Timestamp`/`FireAt` values are UTC round-trip text with up to 7 fractional digits and trailing
zeros trimmed (`2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.1234567Z`). Python datetimes carry
microseconds, so formatting is a pure function of the datetime: the same datetime always yields the
same text. Persist the *text* of every event: the SDK's deterministic clock reads it back on replay.
"""

from __future__ import annotations

from datetime import UTC, datetime

from devhost.protocol.errors import PayloadError


def _seconds_text(utc: datetime) -> str:
    # Not strftime: it does not zero-pad years before 1000 on every platform.
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise PayloadError(f"naive datetime {moment!r}: protocol times must be timezone-aware")
    return moment.astimezone(UTC)


def format_timestamp(moment: datetime) -> str:
    """`DateTime` (Kind Utc) as Newtonsoft writes it: `yyyy-MM-ddTHH:mm:ss.FFFFFFFZ`."""
    utc = _as_utc(moment)
    text = _seconds_text(utc)
    if utc.microsecond:
        text += "." + f"{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def format_round_trip(moment: datetime) -> str:
    """.NET `ToString("o")` of a UTC `DateTime`: always 7 fractional digits (`...T10:00:00.0000000Z`)."""
    utc = _as_utc(moment)
    return f"{_seconds_text(utc)}.{utc.microsecond:06d}0Z"


def format_status_time(moment: datetime) -> str:
    """Status API `createdTime`/`lastUpdatedTime`: `ToString("s") + "Z"`, fractions dropped."""
    return _seconds_text(_as_utc(moment)) + "Z"


def parse_timestamp(text: str) -> datetime:
    """Parse history timestamp text back to an aware UTC datetime (a 7th fractional digit is dropped).

    Text without an offset (.NET `DateTimeKind.Unspecified`, e.g. `0001-01-01T00:00:00`) is read as UTC.
    """
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise PayloadError(f"not an ISO-8601 timestamp: {text!r}") from exc
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
