"""Error responses of the Durable management API: ASP.NET Web API `HttpError` bodies, and exceptions to them.

The extension answers errors with `request.CreateErrorResponse(...)`, whose JSON body is an `HttpError`:
`{"Message": ...}` alone, or with the exception's details when one is passed
(`ExceptionMessage`, `ExceptionType`, `StackTrace`; the SDK's `start_new` reads `ExceptionMessage`
on 400). `error_response` is the one place exceptions become responses, like the catch blocks of
`HttpApiHandler.HandleRequestAsync`: an argument error (`BadRequestError`, the host's
`ArgumentException`, `http_status` 400) answers 400, not-found and gone (404, 410) answer their code
with an empty body, anything else answers 500. Storage that does not answer (`StorageUnavailableError`,
after the storage clients' own retries, about 3 s) answers 503 with an `HttpError` body and
`Retry-After`, instead of the host's 500: the caller can tell "try again" from "broken".
"""

from __future__ import annotations

import logging
import traceback

from aiohttp import web

from devhost.errors import DevhostError
from devhost.protocol import to_compact_json
from devhost.storage import StorageUnavailableError

logger = logging.getLogger(__name__)

ARGUMENTS_INCORRECT = "One or more of the arguments submitted is incorrect"
SOMETHING_WENT_WRONG = "Something went wrong while processing your request"
STORAGE_UNAVAILABLE = "The task hub's storage is unavailable; retry the request later"
RETRY_AFTER_S = 5
ARGUMENT_EXCEPTION = "System.ArgumentException"
INVALID_OPERATION_EXCEPTION = "System.InvalidOperationException"
JSON_READER_EXCEPTION = "Newtonsoft.Json.JsonReaderException"
_EMPTY_BODY_STATUSES = frozenset({404, 410})  # InstanceNotFoundError, InstanceGoneError


def json_response(value: object, *, status: int = 200) -> web.Response:
    """A JSON body as the host's formatter writes it (compact, UTF-8, nulls kept)."""
    return web.json_response(value, status=status, dumps=to_compact_json)


def http_error(
    status: int, message: str, exc: BaseException | None = None, *, exception_type: str | None = None
) -> web.Response:
    """`CreateErrorResponse(status, message[, exception])`; `exception_type` names the .NET type reported."""
    body: dict[str, str | None] = {"Message": message}
    if exc is not None:
        body["ExceptionMessage"] = exc.message if isinstance(exc, DevhostError) else str(exc)
        body["ExceptionType"] = exception_type or _exception_type(exc)
        body["StackTrace"] = "".join(traceback.format_tb(exc.__traceback__)) or None
    return json_response(body, status=status)


def error_response(exc: Exception) -> web.Response:
    """The response for an exception that escaped a management handler."""
    if isinstance(exc, StorageUnavailableError):  # the outage itself is logged once (STORAGE_HEALTH)
        logger.debug("answering 503: %s", exc)
        response = http_error(503, STORAGE_UNAVAILABLE, exc)
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response
    status = exc.http_status if isinstance(exc, DevhostError) else 500
    if status == 400:
        return http_error(400, ARGUMENTS_INCORRECT, exc)
    if status in _EMPTY_BODY_STATUSES:
        return web.Response(status=status)
    if isinstance(exc, DevhostError):
        logger.warning("management operation failed (%s): %s", exc.code, exc.message)
    else:
        logger.exception("management request failed unexpectedly")
    return http_error(500, SOMETHING_WENT_WRONG, exc)


def _exception_type(exc: BaseException) -> str:
    if not isinstance(exc, DevhostError):
        return f"{type(exc).__module__}.{type(exc).__qualname__}"
    return ARGUMENT_EXCEPTION if exc.http_status == 400 else INVALID_OPERATION_EXCEPTION
