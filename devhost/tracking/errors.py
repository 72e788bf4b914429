"""Errors of the task hub's tracking store, with stable codes (storage failures stay `StorageError`s)."""

from __future__ import annotations

from typing import ClassVar


class TrackingError(Exception):
    """A task-hub level failure; `code` is stable."""

    code: ClassVar[str] = "tracking.error"


class InvalidTaskHubNameError(TrackingError):
    """Task hub names are 3-45 letters and digits, starting with a letter."""

    code = "taskhub.invalid_name"


class HubBusyError(TrackingError):
    """Another live process holds the task hub's app lease."""

    code = "taskhub.busy"

    def __init__(self, message: str, *, owner: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.owner = owner or {}


class HistoryFormatError(TrackingError):
    """A history event dict or History row does not have the shape the provider uses."""

    code = "history.invalid_event"
