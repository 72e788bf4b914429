"""App settings read from the environment (Functions app settings, or local.settings.json locally)."""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation

DEFAULT_APPROVAL_THRESHOLD = Decimal("1000")
DEFAULT_APPROVAL_TIMEOUT_S = 72 * 3600
DEFAULT_RETENTION_DAYS = 30


def _read(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def approval_threshold() -> Decimal:
    """Orders whose total exceeds this amount need a human approval (`APPROVAL_THRESHOLD`)."""
    raw = _read("APPROVAL_THRESHOLD")
    try:
        value = Decimal(raw) if raw else DEFAULT_APPROVAL_THRESHOLD
    except InvalidOperation as exc:
        raise ValueError(f"APPROVAL_THRESHOLD must be a number, not {raw!r}") from exc
    if value <= 0:
        raise ValueError("APPROVAL_THRESHOLD must be positive")
    return value


def approval_timeout_s() -> int:
    """How long an approval waits before its reminder, and again before auto-rejecting."""
    raw = _read("APPROVAL_TIMEOUT_SECONDS")
    return int(raw) if raw else DEFAULT_APPROVAL_TIMEOUT_S


def retention_days() -> int:
    """Finished instances older than this are purged by the retention timer (`RETENTION_DAYS`)."""
    raw = _read("RETENTION_DAYS")
    days = int(raw) if raw else DEFAULT_RETENTION_DAYS
    if days < 1:
        raise ValueError("RETENTION_DAYS must be at least 1")
    return days
