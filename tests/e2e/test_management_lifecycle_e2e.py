"""The management API's instance operations (durable-protocol.md §6.3): raise event, terminate, suspend,
resume, rewind, each with its 404 (unknown) and 410 (finished) answers."""

from __future__ import annotations

import pytest

from tests.e2e.clients import (
    DECISION_EVENT,
    AppApi,
    ManagementApi,
    decide_approval,
    is_empty_404,
    start_waiting_approval,
)
from tests.e2e.harness import request

pytestmark = pytest.mark.azurite

TEXT = {"content-type": "text/plain"}


def test_raise_event(api: AppApi, management: ManagementApi, unique_name: str, janitor: list[str]) -> None:
    janitor.append(unique_name)
    start_waiting_approval(management, unique_name)
    url = management.url(f"instances/{unique_name}/raiseEvent/{DECISION_EVENT}")

    as_text = request("POST", url, raw=b'{"approved": true, "approver": "ops"}', headers=TEXT)
    bad_json = request("POST", url, raw=b"{approved", headers={"content-type": "application/json"})
    raised = decide_approval(management, unique_name)

    assert (as_text.status, as_text.json()) == (
        400,
        {"Message": "Only application/json request content is supported"},
    )
    assert (bad_json.status, bad_json.json()["Message"]) == (400, "Invalid JSON content")
    assert (raised.status, raised.body) == (202, b"")
    done = api.wait_done(unique_name)
    assert (done["runtime_status"], done["output"]["decided_by"]) == ("Completed", "ops")
    gone = decide_approval(management, unique_name)
    gone_as_text = request("POST", url, raw=b"x", headers=TEXT)
    assert (gone.status, gone.body) == (410, b"")
    assert gone_as_text.status == 410
    assert is_empty_404(decide_approval(management, f"{unique_name}-missing"))


def test_terminate(api: AppApi, management: ManagementApi, unique_name: str, janitor: list[str]) -> None:
    janitor.append(unique_name)
    start_waiting_approval(management, unique_name)

    terminated = request(
        "POST", management.url(f"instances/{unique_name}/Terminate", reason="customer cancelled")
    )

    assert (terminated.status, terminated.body) == (202, b"")
    status = api.wait_done(unique_name)
    assert (status["runtime_status"], status["output"]) == ("Terminated", "customer cancelled")
    again = request("POST", management.url(f"instances/{unique_name}/terminate"))
    assert (again.status, again.body) == (410, b"")
    assert is_empty_404(request("POST", management.url(f"instances/{unique_name}-missing/terminate")))


def test_suspend_buffers_events_until_resume(
    api: AppApi, management: ManagementApi, unique_name: str, janitor: list[str]
) -> None:
    janitor.append(unique_name)
    start_waiting_approval(management, unique_name)

    suspended = request("POST", management.url(f"instances/{unique_name}/suspend", reason="audit"))

    assert suspended.status == 202
    api.wait(unique_name, lambda s: s["runtime_status"] == "Suspended", what="Suspended")
    assert decide_approval(management, unique_name).status == 202
    held = api.wait(unique_name, lambda s: s["runtime_status"] == "Suspended", what="still Suspended")
    assert held["custom_status"]["step"] == "awaiting_decision"

    resumed = request("POST", management.url(f"instances/{unique_name}/resume", reason="audit done"))

    assert resumed.status == 202
    done = api.wait_done(unique_name)
    assert (done["runtime_status"], done["output"]["decided_by"]) == ("Completed", "ops")
    for operation in ("suspend", "resume"):
        finished = request("POST", management.url(f"instances/{unique_name}/{operation}"))
        assert (finished.status, finished.body) == (410, b"")
        assert is_empty_404(request("POST", management.url(f"instances/{unique_name}-missing/{operation}")))


def test_rewind_refusals(
    api: AppApi, management: ManagementApi, unique_name: str, janitor: list[str]
) -> None:
    janitor.append(unique_name)
    start_waiting_approval(management, unique_name)

    running = request("POST", management.url(f"instances/{unique_name}/rewind", reason="retry"))

    assert running.status == 500
    assert decide_approval(management, unique_name).status == 202
    api.wait_done(unique_name)
    completed = request("POST", management.url(f"instances/{unique_name}/rewind"))
    assert (completed.status, completed.body) == (410, b"")
    assert is_empty_404(request("POST", management.url(f"instances/{unique_name}-missing/rewind")))
