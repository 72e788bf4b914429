"""`Edm.DateTime` values: between .NET JSON timestamps, table properties and Python datetimes.

History events carry timestamps as Newtonsoft prints a UTC `DateTime` ("2024-05-01T10:00:00.1234567Z",
trailing zero fractions trimmed, "…T10:00:00Z" for whole seconds). Tables store them as `Edm.DateTime`
with 7 fractional digits, like the provider. Both directions are string operations, so the 100 ns
precision survives the round trip (a Python datetime would keep only microseconds).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from azure.data.tables import EdmType

from devhost.tracking.errors import HistoryFormatError

_FRACTION_DIGITS = 7


def json_to_edm(text: str) -> tuple[str, EdmType]:
    """A table property for a .NET JSON timestamp: `("…T10:00:00.1000000Z", Edm.DateTime)`."""
    return edm_text(text), EdmType.DATETIME


def edm_text(text: str) -> str:
    """A .NET JSON or ISO-8601 timestamp as 7-digit UTC `Edm.DateTime` text."""
    if len(text) >= 20 and text[-1] == "Z" and text[10] == "T":
        head, dot, fraction = text[:-1].partition(".")
        if len(head) == 19 and (not dot or (fraction.isdigit() and len(fraction) <= _FRACTION_DIGITS)):
            return f"{head}.{fraction:0<{_FRACTION_DIGITS}}Z"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise HistoryFormatError(f"invalid timestamp {text!r}") from exc
    return datetime_to_edm_text(parsed)


def edm_to_json(value: Any) -> str:
    """The .NET JSON text of an `Edm.DateTime` property as azure-data-tables reads it."""
    raw = getattr(value, "tables_service_value", None) or (
        datetime_to_edm_text(value) if isinstance(value, datetime) else str(value)
    )
    head, _, fraction = raw.rstrip("Z").partition(".")
    fraction = fraction.rstrip("0")
    return f"{head}.{fraction}Z" if fraction else f"{head}Z"


def datetime_to_edm_text(value: datetime) -> str:
    """7-digit UTC `Edm.DateTime` text of a datetime (naive values are taken as UTC)."""
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond:06d}0Z"


def datetime_to_edm(value: datetime) -> tuple[str, EdmType]:
    """A table property for a datetime."""
    return datetime_to_edm_text(value), EdmType.DATETIME


def edm_to_datetime(value: datetime) -> datetime:
    """A plain aware UTC datetime from an `Edm.DateTime` property (microsecond precision)."""
    return datetime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
        tzinfo=UTC,
    )


def utc_now_edm() -> tuple[str, EdmType]:
    """`DateTime.UtcNow` as a table property."""
    return datetime_to_edm(datetime.now(UTC))
