"""The devhost's error base and the errors the management API maps to HTTP status codes.

    DevhostError                 stable dotted `code`, `http_status` the API answers with
    ├── BadRequestError          400: an argument is wrong (the host's ArgumentException)
    ├── InstanceNotFoundError    404: no such instance / entity
    ├── InstanceGoneError        410: the instance is in a state the operation does not accept
    └── OperationFailedError     500: the host's other exceptions (e.g. starting over a running instance)

Layer-specific errors (storage, tracking, worker, protocol) keep their own bases; the runtime
translates them at its boundary.
"""

from __future__ import annotations


class DevhostError(Exception):
    """Base of the management API's errors; `code` is stable, `http_status` is what the API answers."""

    code = "devhost.error"
    http_status = 500

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class BadRequestError(DevhostError):
    code = "devhost.bad_request"
    http_status = 400


class InstanceNotFoundError(DevhostError):
    code = "devhost.not_found"
    http_status = 404


class InstanceGoneError(DevhostError):
    code = "devhost.gone"
    http_status = 410


class OperationFailedError(DevhostError):
    code = "devhost.operation_failed"
    http_status = 500
