"""The single boundary from azure-core exceptions to coded StorageErrors (Azurite cases: test_tables)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import DecodeError, HttpResponseError, ServiceRequestError, ServiceResponseError

from devhost.storage import (
    StorageBadRequestError,
    StorageConflictError,
    StorageError,
    StorageEtagMismatchError,
    StorageForbiddenError,
    StorageNotFoundError,
    StorageUnavailableError,
    storage_call,
)


def _http_error(status: int, error_code: str) -> HttpResponseError:
    exc = HttpResponseError(f"service said no\nRequestId:1\nErrorCode:{error_code}")
    exc.status_code = status
    exc.error_code = error_code  # type: ignore[attr-defined]  # the storage SDKs add it dynamically
    return exc


@pytest.mark.parametrize(
    ("status", "error_code", "expected", "code"),
    [
        (404, "ResourceNotFound", StorageNotFoundError, "storage.not_found"),
        (409, "EntityAlreadyExists", StorageConflictError, "storage.conflict"),
        (412, "UpdateConditionNotSatisfied", StorageEtagMismatchError, "storage.etag_mismatch"),
        (400, "PropertyValueTooLarge", StorageBadRequestError, "storage.bad_request"),
        (413, "RequestBodyTooLarge", StorageBadRequestError, "storage.bad_request"),
        (403, "AuthorizationFailure", StorageForbiddenError, "storage.forbidden"),
        (408, "OperationTimedOut", StorageUnavailableError, "storage.unavailable"),
        (429, "TooManyRequests", StorageUnavailableError, "storage.unavailable"),
        (500, "InternalError", StorageUnavailableError, "storage.unavailable"),
        (503, "ServerBusy", StorageUnavailableError, "storage.unavailable"),
    ],
)
def test_http_failures_map_to_coded_errors_with_status_and_service_code(
    status: int, error_code: str, expected: type[StorageError], code: str
) -> None:
    with pytest.raises(expected) as caught, storage_call("upsert entity into HubInstances"):
        raise _http_error(status, error_code)

    error = caught.value
    assert error.code == code
    assert error.status_code == status
    assert error.error_code == error_code
    assert (
        str(error) == f"upsert entity into HubInstances failed (HTTP {status}, {error_code}): service said no"
    )
    assert isinstance(error.__cause__, HttpResponseError)


@pytest.mark.parametrize("exc", [ServiceRequestError("refused"), ServiceResponseError("reset by peer")])
def test_transport_failures_are_unavailable_without_a_status(exc: Exception) -> None:
    with pytest.raises(StorageUnavailableError) as caught, storage_call("query HubHistory"):
        raise exc

    assert caught.value.status_code is None
    assert str(caught.value).startswith("query HubHistory failed: ")


def test_other_sdk_errors_stay_generic_storage_errors() -> None:
    with pytest.raises(StorageError) as caught, storage_call("download blob"):
        raise DecodeError("not JSON")

    assert type(caught.value) is StorageError
    assert caught.value.code == "storage.error"


def test_non_sdk_exceptions_pass_through_unchanged() -> None:
    with pytest.raises(KeyError), storage_call("anything"):
        raise KeyError("ours")
