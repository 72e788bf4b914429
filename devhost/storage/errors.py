"""Storage errors with stable codes, and the one boundary that turns azure-core exceptions into them.

    StorageError                  storage.error          anything else the SDK raises
    ├── StorageNotFoundError      storage.not_found      404
    ├── StorageConflictError      storage.conflict       409 (entity/container exists, lease held...)
    ├── StorageEtagMismatchError  storage.etag_mismatch  412 (a concurrent writer changed the entity)
    ├── StorageBadRequestError    storage.bad_request    other 4xx (invalid key, property too large...)
    ├── StorageForbiddenError     storage.forbidden      401, 403
    ├── StorageUnavailableError   storage.unavailable    connection failures, 408, 429, 5xx after retries
    └── StorageConfigurationError storage.invalid_connection_string  (raised before any request)

Each carries `status_code` (HTTP status from storage, None when no response came back) and
`error_code` (the service's `x-ms-error-code`, e.g. `UpdateConditionNotSatisfied`).
"""

from __future__ import annotations

import enum
from types import TracebackType
from typing import ClassVar

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    IncompleteReadError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

from devhost.storage.health import STORAGE_HEALTH

# No response, or a response cut off mid-body: storage is (momentarily) unreachable.
_TRANSPORT_ERRORS = (ServiceRequestError, ServiceResponseError, IncompleteReadError)
_MAX_DETAIL_CHARS = 300
_NOT_PROCESSED = frozenset({408, 429, 503})  # refused before any work was done


class StorageError(Exception):
    """A storage operation failed; `code` is stable, `status_code`/`error_code` come from the service."""

    code: ClassVar[str] = "storage.error"

    def __init__(
        self, message: str, *, status_code: int | None = None, error_code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_code = error_code


class StorageNotFoundError(StorageError):
    """The table, container, queue, entity, blob or message does not exist."""

    code = "storage.not_found"


class StorageConflictError(StorageError):
    """The resource already exists or is in a conflicting state (for example leased by someone else)."""

    code = "storage.conflict"


class StorageEtagMismatchError(StorageError):
    """An If-Match condition failed: someone else wrote the entity since we read it."""

    code = "storage.etag_mismatch"


class StorageBadRequestError(StorageError):
    """The service rejected the request itself (invalid key or name, property or batch too large)."""

    code = "storage.bad_request"


class StorageForbiddenError(StorageError):
    """The credentials in the connection string were refused."""

    code = "storage.forbidden"


class StorageUnavailableError(StorageError):
    """Storage did not answer, or kept answering with a transient failure after the client's retries.

    `maybe_applied` is False only when the request certainly did nothing (no connection, or refused
    with 408/429/503); otherwise a write may have been applied although no answer came back.
    """

    code = "storage.unavailable"
    maybe_applied = True


class StorageConfigurationError(StorageError):
    """The connection string cannot be used (missing account name, key or endpoint)."""

    code = "storage.invalid_connection_string"


# The SDKs' own classification first: e.g. "queue already exists" arrives as ResourceExistsError with 204.
_CLASS_BY_SDK_ERROR: tuple[tuple[type[AzureError], type[StorageError]], ...] = (
    (ResourceNotFoundError, StorageNotFoundError),
    (ResourceExistsError, StorageConflictError),
    (ResourceModifiedError, StorageEtagMismatchError),
    (ClientAuthenticationError, StorageForbiddenError),
)
_CLASS_BY_STATUS: dict[int, type[StorageError]] = {
    401: StorageForbiddenError,
    403: StorageForbiddenError,
    404: StorageNotFoundError,
    408: StorageUnavailableError,
    409: StorageConflictError,
    412: StorageEtagMismatchError,
    429: StorageUnavailableError,
}


def translate(exc: AzureError, operation: str) -> StorageError:
    """The `StorageError` for an azure-core exception raised while doing `operation`."""
    status: int | None = getattr(exc, "status_code", None)
    error_code = _service_error_code(exc)
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:_MAX_DETAIL_CHARS]
    cls = _error_class(exc, status)
    suffix = f" (HTTP {status}{', ' + error_code if error_code else ''})" if status is not None else ""
    error = cls(f"{operation} failed{suffix}: {detail}", status_code=status, error_code=error_code)
    if isinstance(error, StorageUnavailableError):
        error.maybe_applied = not (isinstance(exc, ServiceRequestError) or status in _NOT_PROCESSED)
    return error


def _error_class(exc: AzureError, status: int | None) -> type[StorageError]:
    if isinstance(exc, _TRANSPORT_ERRORS):
        return StorageUnavailableError
    for sdk_class, storage_class in _CLASS_BY_SDK_ERROR:
        if isinstance(exc, sdk_class):
            return storage_class
    if status is None:
        return StorageError
    exact = _CLASS_BY_STATUS.get(status)
    if exact is not None:
        return exact
    if status >= 500:
        return StorageUnavailableError
    return StorageBadRequestError if status >= 400 else StorageError


def _service_error_code(exc: AzureError) -> str | None:
    code = getattr(exc, "error_code", None)
    if code is None:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
        code = headers.get("x-ms-error-code") if headers is not None else None
    if isinstance(code, enum.Enum):
        code = code.value
    return str(code) if code else None


class _Boundary:
    """Context manager re-raising azure-core exceptions as `StorageError` (see `storage_call`)."""

    __slots__ = ("_operation",)

    def __init__(self, operation: str) -> None:
        self._operation = operation

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            STORAGE_HEALTH.answered()
        elif isinstance(exc, AzureError):
            error = translate(exc, self._operation)
            if isinstance(error, StorageUnavailableError):
                STORAGE_HEALTH.unanswered(str(error))
            else:
                STORAGE_HEALTH.answered()
            raise error from exc


def storage_call(operation: str) -> _Boundary:
    """`with storage_call("upsert entity into XHistory"):` - the single translation boundary for SDK calls."""
    return _Boundary(operation)
