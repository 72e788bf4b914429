"""Errors the protocol layer raises when its *caller* breaks the contract.

    ProtocolError               base, carries a stable dotted `code`
    ├── HistoryError            the history handed in is not a valid execution history
    └── PayloadError            a payload from the SDK or the caller is not what the protocol defines

Failures of *user code* (an orchestrator that raises, an unknown activity, a non-deterministic replay)
are never raised: they end the orchestration as Failed, exactly like the real host.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Base of every error the protocol layer raises; `code` is stable and machine-readable."""

    code = "protocol.error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class HistoryError(ProtocolError):
    """The past history or the inbound events cannot belong to one running execution."""

    code = "protocol.history"


class PayloadError(ProtocolError):
    """A JSON payload (entity batch result, stored input, timestamp) does not have the defined shape."""

    code = "protocol.payload"
