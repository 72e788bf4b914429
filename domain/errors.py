"""Domain errors with stable codes, and reading those codes back from a failed task.

Only a message crosses the activity-to-orchestrator boundary: the SDK raises a plain `Exception` whose
text is `"Activity function '<name>' failed: <Type>: <message> \\n <details>"`. Every domain error puts
its code in square brackets at the start of its message, so `failure_code()` can recover it from that
text wherever the error surfaces (activity, sub-orchestration or entity call).
"""

from __future__ import annotations

import re
from typing import ClassVar

_CODE_PATTERN = re.compile(r"\[([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)\]")


class DomainError(Exception):
    """Base of the app's errors; `code` is stable and dotted (`payment.declined`)."""

    default_code: ClassVar[str] = "domain.error"

    def __init__(self, message: str, code: str | None = None) -> None:
        self.code = code or self.default_code
        self.reason = message
        super().__init__(f"[{self.code}] {message}")


class TransientError(DomainError):
    """A failure that may succeed when retried (a gateway timeout, storage briefly unavailable)."""

    default_code = "transient.unavailable"


class GatewayUnavailableError(TransientError):
    """A simulated payment or shipping gateway failed this attempt."""

    default_code = "gateway.unavailable"


class ShippingFailedError(DomainError):
    """The shipping gateway rejected the shipment permanently."""

    default_code = "shipping.failed"


class InvalidOrderError(DomainError):
    """The order fails validation (checked again inside the workflow, not only at the API)."""

    default_code = "order.invalid"


class DuplicateOrderError(DomainError):
    """A receipt already exists for this order id: it was processed before."""

    default_code = "order.duplicate"


class OrderFailedError(DomainError):
    """Raised by the order workflow after compensation, so the instance ends as Failed with a reason."""

    default_code = "order.failed"


class InvalidInputError(DomainError):
    """An activity or entity received input that does not match its model."""

    default_code = "input.invalid"


def failure_code(error: BaseException | str) -> str | None:
    """The first domain code found in an error's text, or None for a failure that carries none."""
    match = _CODE_PATTERN.search(str(error))
    return match.group(1) if match else None


def failure_reason(error: BaseException | str) -> str:
    """A one-line human reason: the domain message when there is one, else the first line of the text."""
    text = str(error)
    match = _CODE_PATTERN.search(text)
    if match:
        rest = text[match.end() :].strip()
        return rest.split("\n", 1)[0].strip() or text
    return text.strip().split("\n", 1)[0].strip()
