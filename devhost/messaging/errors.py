"""Errors of the messaging layer: control-queue messages the devhost cannot apply.

MessagingError              base, stable dotted `code`
└── InvalidMessageError     a message that is not a valid provider message (or not one the devhost
                            takes); `instance_id` names its instance when the message revealed it
"""

from __future__ import annotations


class MessagingError(Exception):
    """Base of the messaging layer's errors; `code` is stable and machine-readable."""

    code = "messaging.error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidMessageError(MessagingError):
    """The message cannot be applied; it is logged, removed, and its instance (if known) fails."""

    code = "messaging.invalid"

    def __init__(self, message: str, *, code: str | None = None, instance_id: str | None = None) -> None:
        super().__init__(message, code=code)
        self.instance_id = instance_id
