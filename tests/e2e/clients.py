"""Clients of the app under test, over HTTP only: its `/api` routes, the Durable management API, the
devhost's clock route, and checks of their answers. Standard library only, like the harness.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.e2e.harness import HttpResult, poll_until, request

API_PREFIX = "/api"
WEBHOOK_PREFIX = "/runtime/webhooks/durabletask"
CLOCK_PATH = "/admin/devhost/clock"
CONTINUATION_HEADER = "x-ms-continuation-token"
TERMINAL_STATUSES = frozenset({"Completed", "Failed", "Terminated", "Canceled"})
# The host's check-status payload (`CreateCheckStatusResponse`); the SDK's adds `rewindPostUri`.
CHECK_STATUS_KEYS = frozenset(
    {
        "id",
        "statusQueryGetUri",
        "sendEventPostUri",
        "terminatePostUri",
        "purgeHistoryDeleteUri",
        "restartPostUri",
        "suspendPostUri",
        "resumePostUri",
    }
)


@dataclass(frozen=True)
class AppApi:
    """The app's own routes under `/api`, and its compact instance status (`runtime_status`, ...)."""

    base_url: str

    def call(self, method: str, path: str, body: Any = None, **options: Any) -> HttpResult:
        return request(method, f"{self.base_url}{API_PREFIX}/{path}", body, **options)

    def start(self, path: str, body: Any) -> dict[str, Any]:
        """POST to a starter route; asserts the 202 check-status answer and returns its payload."""
        result = self.call("POST", path, body)
        assert result.status == 202, f"POST {path}: {result.status} {result.body!r}"
        payload: dict[str, Any] = result.json()
        assert result.headers["location"] == payload["statusQueryGetUri"]
        return payload

    def restock(self, sku: str, quantity: int) -> None:
        result = self.call("POST", f"inventory/{sku}/restock", {"quantity": quantity})
        assert result.status == 202, f"restock {sku}: {result.status} {result.body!r}"
        assert result.json() == {"sku": sku, "restocking": quantity}

    def wait_stock(self, sku: str, available: int) -> None:
        """Poll `GET /api/inventory/{sku}` until `available` units are in stock and nothing is reserved
        (entity signals are one-way, so the read-back may lag)."""
        expected = (200, {"sku": sku, "available": available, "reservations": {}})
        seen: list[tuple[int, Any]] = []

        def check() -> bool:
            result = self.call("GET", f"inventory/{sku}")
            seen.append((result.status, result.json()))
            return seen[-1] == expected

        try:
            poll_until(check, what=f"inventory {sku} to be {expected[1]}")
        except AssertionError as error:
            raise AssertionError(f"{error}; last answer: {seen[-1]}") from None

    def instance(self, instance_id: str) -> dict[str, Any] | None:
        """`GET /api/instances/{id}`; None when the app answers 404."""
        result = self.call("GET", f"instances/{instance_id}")
        if result.status == 404:
            return None
        assert result.status == 200, f"GET instances/{instance_id}: {result.status} {result.body!r}"
        status: dict[str, Any] = result.json()
        return status

    def wait(
        self,
        instance_id: str,
        condition: Callable[[dict[str, Any]], bool],
        *,
        what: str,
        timeout_s: float = 30.0,
        between: Callable[[], object] | None = None,
    ) -> dict[str, Any]:
        """Poll the instance until `condition(status)`; the timeout message shows the last status seen."""
        seen: list[dict[str, Any] | None] = [None]

        def check() -> dict[str, Any] | None:
            seen[0] = self.instance(instance_id)
            return seen[0] if seen[0] is not None and condition(seen[0]) else None

        try:
            result: dict[str, Any] = poll_until(
                check, timeout_s=timeout_s, what=f"{instance_id}: {what}", between=between
            )
        except AssertionError as error:
            raise AssertionError(f"{error}; last status: {seen[0]}") from None
        return result

    def wait_done(
        self, instance_id: str, *, timeout_s: float = 30.0, between: Callable[[], object] | None = None
    ) -> dict[str, Any]:
        """Poll until the instance reaches a final status (Completed, Failed, Terminated, Canceled)."""
        return self.wait(
            instance_id,
            lambda status: status["runtime_status"] in TERMINAL_STATUSES,
            what="a final status",
            timeout_s=timeout_s,
            between=between,
        )


def is_empty_404(result: HttpResult) -> bool:
    """The host's answer for an unknown instance, entity or route: 404 without a body."""
    return (result.status, result.body) == (404, b"")


def api_error(result: HttpResult, status: int, code: str) -> dict[str, Any]:
    """Assert the app's JSON error `{"error": {"code", "message", "details"}}`; returns the inner object."""
    assert result.status == status, f"expected {status} {code}, got {result.status} {result.body!r}"
    assert result.headers.get("content-type", "").startswith("application/json"), result.headers
    error: dict[str, Any] = result.json()["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str), error
    assert error["message"], error
    assert isinstance(error["details"], list), error
    return error


@dataclass(frozen=True)
class ManagementApi:
    """The Durable extension's management API under `/runtime/webhooks/durabletask`."""

    base_url: str

    def url(self, path: str, **query: str) -> str:
        suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
        return f"{self.base_url}{WEBHOOK_PREFIX}/{path}{suffix}"

    def call(self, method: str, path: str, body: Any = None, **options: Any) -> HttpResult:
        return request(method, f"{self.base_url}{WEBHOOK_PREFIX}/{path}", body, **options)

    def start(self, name: str, instance_id: str, body: Any = None) -> HttpResult:
        """`POST orchestrators/{name}/{instance_id}` with `body` as the input."""
        return self.call("POST", f"orchestrators/{name}/{instance_id}", body)

    def raise_event(self, instance_id: str, event: str, body: Any, **options: Any) -> HttpResult:
        return self.call("POST", f"instances/{instance_id}/raiseEvent/{event}", body, **options)

    def history(self, instance_id: str) -> list[dict[str, Any]]:
        """The instance's `historyEvents` with results (`showHistory`, `showHistoryOutput`); a Pending
        instance has none yet."""
        result = request(
            "GET", self.url(f"instances/{instance_id}", showHistory="true", showHistoryOutput="true")
        )
        assert result.status in (200, 202), f"status of {instance_id}: {result.status} {result.body!r}"
        status = result.json()
        if status["runtimeStatus"] == "Pending":
            assert "historyEvents" not in status, status
            return []
        events: list[dict[str, Any]] = status["historyEvents"]
        return events

    def list_all(self, **query: str) -> list[dict[str, Any]]:
        """Every instance `GET instances/` returns for the query, following continuation tokens."""
        found: list[dict[str, Any]] = []
        token = ""
        while True:
            headers = {CONTINUATION_HEADER: token} if token else {}
            page = request("GET", self.url("instances/", **query), headers=headers)
            assert page.status == 200, f"GET instances/: {page.status} {page.body!r}"
            found.extend(page.json())
            token = page.headers.get(CONTINUATION_HEADER, "")
            if not token:
                return found


@dataclass(frozen=True)
class DevhostClock:
    """The devhost-only `/admin/devhost/clock` route: fire durable timers instead of waiting for them."""

    base_url: str

    def available(self) -> bool:
        return request("GET", self.base_url + CLOCK_PATH).status != 404

    def to_next_timer(self) -> dict[str, Any]:
        """Jump to the earliest pending durable timer (no-op when none is pending) and fire what is due."""
        return self._checked(request("POST", self.base_url + CLOCK_PATH, {"to_next_timer": True}))

    def advance(self, seconds: float) -> dict[str, Any]:
        return self._checked(request("POST", self.base_url + CLOCK_PATH, {"advance_seconds": seconds}))

    @staticmethod
    def _checked(result: HttpResult) -> dict[str, Any]:
        assert result.status == 200, f"clock route: {result.status} {result.body!r}"
        state: dict[str, Any] = result.json()
        return state


# The app's approval workflow, started directly, is the management tests' subject: it asks for a decision,
# then waits for an `ApprovalDecision` event (racing a one-hour timer).
APPROVAL_WORKFLOW = "approval_workflow"
DECISION_EVENT = "ApprovalDecision"


def approval_input(order_id: str) -> dict[str, Any]:
    return {"order_id": order_id, "amount": "10.00", "currency": "EUR", "timeout_s": 3600}


def wait_for_deadline_timer(management: ManagementApi, instance_id: str) -> None:
    """Wait until an approval has asked for a decision and armed its deadline timer, so it is waiting
    for the event (the SDK hands an event raised *before* the wait to every later wait for that name:
    azure-functions-durable-python#507)."""
    poll_until(
        lambda: any(e["EventType"] == "TimerCreated" for e in management.history(instance_id)),
        what=f"{instance_id} to wait for a decision",
    )


def start_waiting_approval(management: ManagementApi, instance_id: str) -> None:
    """Start an approval and wait until it waits for a decision."""
    started = management.start(APPROVAL_WORKFLOW, instance_id, approval_input(instance_id))
    assert started.status == 202, started
    wait_for_deadline_timer(management, instance_id)


def decide_approval(management: ManagementApi, instance_id: str) -> HttpResult:
    """Raise a valid decision (approved by `ops`) as a raw JSON object, which the workflow gets as a dict."""
    return management.raise_event(instance_id, DECISION_EVENT, {"approved": True, "approver": "ops"})
