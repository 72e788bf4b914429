"""The Durable extension's management API (durable-protocol.md §6.3): start, status, list, unmatched routes.

The approval workflow is the subject: started directly, it waits for an `ApprovalDecision` event.
"""

from __future__ import annotations

import json
import re

import pytest
from azure.storage.blob import BlobServiceClient

from tests.e2e.clients import (
    APPROVAL_WORKFLOW,
    CHECK_STATUS_KEYS,
    DECISION_EVENT,
    AppApi,
    ManagementApi,
    approval_input,
    decide_approval,
    is_empty_404,
    start_waiting_approval,
)
from tests.e2e.harness import request

pytestmark = pytest.mark.azurite

ARGUMENTS_INCORRECT = "One or more of the arguments submitted is incorrect"
STATUS_KEYS = {
    "name",
    "instanceId",
    "runtimeStatus",
    "input",
    "customStatus",
    "output",
    "createdTime",
    "lastUpdatedTime",
}
STATUS_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_start_answers_202_with_the_check_status_links(
    app_base_url: str, api: AppApi, management: ManagementApi, unique_name: str, janitor: list[str]
) -> None:
    result = management.start(APPROVAL_WORKFLOW, unique_name, approval_input(unique_name))
    janitor.append(unique_name)

    assert result.status == 202, result
    links = result.json()
    assert set(links) == CHECK_STATUS_KEYS
    assert links["id"] == unique_name
    assert result.headers["location"] == links["statusQueryGetUri"]
    assert result.headers["retry-after"] == "10"
    status_uri = links["statusQueryGetUri"]
    assert status_uri.startswith(f"{app_base_url}/runtime/webhooks/durabletask/instances/{unique_name}?")
    assert "taskHub=" in status_uri
    assert "connection=" in status_uri
    assert "/raiseEvent/{eventName}?" in links["sendEventPostUri"]
    assert "/terminate?reason={text}&" in links["terminatePostUri"]
    assert request("GET", status_uri).status in (200, 202)

    raised = request(
        "POST",
        links["sendEventPostUri"].replace("{eventName}", DECISION_EVENT),
        {"approved": True, "approver": "ops"},
    )

    assert raised.status == 202
    assert api.wait_done(unique_name)["output"]["decided_by"] == "ops"
    finished = request("GET", status_uri)
    assert (finished.status, finished.json()["runtimeStatus"]) == (200, "Completed")


def test_start_without_an_instance_id_generates_one(
    management: ManagementApi, janitor: list[str], unique_name: str
) -> None:
    result = request(
        "POST", management.url(f"orchestrators/{APPROVAL_WORKFLOW}"), approval_input(unique_name)
    )

    assert result.status == 202, result
    instance_id = result.json()["id"]
    janitor.append(instance_id)
    assert re.fullmatch(r"[0-9a-f]{32}", instance_id)
    terminated = request("POST", result.json()["terminatePostUri"].replace("{text}", "done"))
    assert terminated.status == 202


def test_refused_starts_answer_400_and_start_nothing(management: ManagementApi, unique_name: str) -> None:
    before = {s["instanceId"] for s in management.list_all(showInput="false")}

    unknown = management.start("no_such_workflow", unique_name, approval_input(unique_name))
    not_an_orchestrator = management.start("request_approval", unique_name, approval_input(unique_name))
    url = management.url(f"orchestrators/{APPROVAL_WORKFLOW}/{unique_name}")
    bad_json = request("POST", url, raw=b"{not json", headers={"content-type": "application/json"})
    at_sign = management.start(APPROVAL_WORKFLOW, f"%40{unique_name}", approval_input(unique_name))
    too_long = management.start(APPROVAL_WORKFLOW, "x" * 257, approval_input(unique_name))
    wrong_method = request("GET", url)

    for refused in (unknown, not_an_orchestrator):
        assert refused.status == 400, refused
        assert refused.json()["Message"] == ARGUMENTS_INCORRECT
        assert (
            "doesn't exist, is disabled, or is not an orchestrator function"
            in refused.json()["ExceptionMessage"]
        )
        assert APPROVAL_WORKFLOW in refused.json()["ExceptionMessage"]
    assert (bad_json.status, bad_json.json()["Message"]) == (400, "Invalid JSON content")
    assert at_sign.status == 400
    assert at_sign.json()["Message"] == ARGUMENTS_INCORRECT
    assert too_long.status == 400
    assert too_long.json()["ExceptionMessage"] == "Instance ID lengths must not exceed 256 characters."
    assert is_empty_404(wrong_method)
    assert {s["instanceId"] for s in management.list_all(showInput="false")} == before


def test_start_can_wait_for_completion(
    management: ManagementApi, unique_name: str, janitor: list[str], workflow_blobs: BlobServiceClient
) -> None:
    """`?timeout=&pollingInterval=` (seconds): the output when Completed in time, the status when it
    failed, the check-status answer when it is still running."""
    wait = {"timeout": "10", "pollingInterval": "0.05"}
    done_id, failed_id, waiting_id = (f"{unique_name}-{n}" for n in ("done", "failed", "waiting"))
    janitor.append(waiting_id)
    workflow_blobs.create_container(unique_name)  # an empty source: the ingestion completes at once
    nothing_to_ingest = {"container": unique_name, "prefix": "none/"}

    done = request(
        "POST", management.url(f"orchestrators/ingestion_workflow/{done_id}", **wait), nothing_to_ingest
    )
    failed = request("POST", management.url(f"orchestrators/{APPROVAL_WORKFLOW}/{failed_id}", **wait), {})
    waiting = request(
        "POST",
        management.url(
            f"orchestrators/{APPROVAL_WORKFLOW}/{waiting_id}", timeout="0.3", pollingInterval="0.1"
        ),
        approval_input(waiting_id),
    )

    assert done.status == 200, done
    assert (done.json()["files"], done.json()["summary"]) == (0, f"ingestion-output/{done_id}/summary.json")
    assert failed.status == 200, failed
    assert (failed.json()["instanceId"], failed.json()["runtimeStatus"]) == (failed_id, "Failed")
    assert waiting.status == 202, waiting
    assert set(waiting.json()) == CHECK_STATUS_KEYS
    assert waiting.json()["id"] == waiting_id


def test_starting_a_running_id_fails_and_a_finished_one_starts_over(
    api: AppApi, management: ManagementApi, unique_name: str, janitor: list[str]
) -> None:
    janitor.append(unique_name)
    start_waiting_approval(management, unique_name)

    again = management.start(APPROVAL_WORKFLOW, unique_name, approval_input(unique_name))

    assert again.status == 500
    assert again.json()["Message"] == "Something went wrong while processing your request"
    assert decide_approval(management, unique_name).status == 202
    first = api.wait_done(unique_name)
    assert first["runtime_status"] == "Completed"
    assert management.start(APPROVAL_WORKFLOW, unique_name, approval_input(unique_name)).status == 202
    restarted = api.wait(unique_name, lambda s: s["runtime_status"] == "Running", what="the new run")
    assert restarted["output"] is None


def test_status_of_a_running_instance(
    management: ManagementApi, unique_name: str, janitor: list[str]
) -> None:
    janitor.append(unique_name)
    start_waiting_approval(management, unique_name)
    url = management.url(f"instances/{unique_name}")

    plain = request("GET", url)

    assert plain.status == 202
    assert (plain.headers["location"], plain.headers["retry-after"]) == (url, "5")
    status = plain.json()
    assert set(status) == STATUS_KEYS
    assert (status["name"], status["instanceId"], status["runtimeStatus"]) == (
        APPROVAL_WORKFLOW,
        unique_name,
        "Running",
    )
    assert status["input"] == approval_input(unique_name)
    assert status["customStatus"] == {"step": "awaiting_decision", "order_id": unique_name}
    assert status["output"] is None
    assert STATUS_TIME.match(status["createdTime"])
    assert STATUS_TIME.match(status["lastUpdatedTime"])
    assert (
        request("GET", management.url(f"instances/{unique_name}", showInput="false")).json()["input"] is None
    )

    events = request("GET", management.url(f"instances/{unique_name}", showHistory="True")).json()[
        "historyEvents"
    ]
    types = [e["EventType"] for e in events]
    assert types[0] == "ExecutionStarted"
    assert events[0]["FunctionName"] == APPROVAL_WORKFLOW
    assert json.loads(events[0]["Input"]) == approval_input(unique_name)  # stored text, not parsed
    assert "TimerCreated" in types
    assert not {"OrchestratorStarted", "OrchestratorCompleted", "TaskScheduled"} & set(types)
    assert all("EventId" not in e and "IsPlayed" not in e for e in events)
    completed = [e for e in events if e["EventType"] == "TaskCompleted"]
    assert [e["FunctionName"] for e in completed] == ["request_approval"]
    assert "ScheduledTime" in completed[0]
    assert "Result" not in completed[0]

    with_output = management.history(unique_name)
    results = [e["Result"] for e in with_output if e["EventType"] == "TaskCompleted"]
    assert results == [f"notifications/approvals/{unique_name}/request.json"]
    without_input = request(
        "GET", management.url(f"instances/{unique_name}", showHistory="true", showInput="false")
    )
    assert all("Input" not in e for e in without_input.json()["historyEvents"])
    assert is_empty_404(request("GET", management.url(f"instances/{unique_name}-missing")))


def test_status_codes_of_finished_instances(api: AppApi, management: ManagementApi, unique_name: str) -> None:
    failed_id = f"{unique_name}-failed"
    assert management.start(APPROVAL_WORKFLOW, failed_id, {"order_id": "no amount"}).status == 202
    assert api.wait_done(failed_id)["runtime_status"] == "Failed"

    failed = request("GET", management.url(f"instances/{failed_id}"))
    as_error = request(
        "GET", management.url(f"instances/{failed_id}", returnInternalServerErrorOnFailure="true")
    )

    assert (failed.status, failed.json()["runtimeStatus"]) == (200, "Failed")
    assert "validation error" in failed.json()["output"]
    assert (as_error.status, as_error.json()) == (500, failed.json())


def test_list_pages_with_continuation_tokens(
    api: AppApi, management: ManagementApi, unique_name: str, janitor: list[str]
) -> None:
    ids = [f"{unique_name}-{n}" for n in range(3)]
    for instance_id in ids:
        assert management.start(APPROVAL_WORKFLOW, instance_id, approval_input(instance_id)).status == 202
        janitor.append(instance_id)
    for instance_id in ids:
        api.wait(instance_id, lambda s: s["runtime_status"] == "Running", what="running")

    first = request("GET", management.url("instances/", instanceIdPrefix=unique_name, top="2"))
    token = first.headers.get("x-ms-continuation-token", "")
    second = request(
        "GET",
        management.url("instances/", instanceIdPrefix=unique_name, top="2"),
        headers={"x-ms-continuation-token": token},
    )

    assert (first.status, len(first.json())) == (200, 2)
    assert token
    assert (second.status, len(second.json())) == (200, 1)
    assert not second.headers.get("x-ms-continuation-token")
    assert sorted(s["instanceId"] for s in first.json() + second.json()) == ids
    assert all(set(s) == STATUS_KEYS for s in first.json())

    def listed(**query: str) -> list[str]:
        return sorted(s["instanceId"] for s in management.list_all(instanceIdPrefix=unique_name, **query))

    assert listed(runtimeStatus="Running") == ids
    assert listed(runtimeStatus="Completed") == []
    assert decide_approval(management, ids[0]).status == 202
    api.wait_done(ids[0])
    assert listed(runtimeStatus="Completed") == ids[:1]
    assert listed(runtimeStatus="Running,Completed") == ids
    assert listed(createdTimeFrom="2999-01-01T00:00:00Z") == []
    assert listed(createdTimeTo="2000-01-01T00:00:00Z") == []
    inputs = [s["input"] for s in management.list_all(instanceIdPrefix=unique_name, showInput="false")]
    assert inputs == [None, None, None]


def test_unmatched_routes_answer_an_empty_404(management: ManagementApi, unique_name: str) -> None:
    assert is_empty_404(request("GET", management.url(f"instances/{unique_name}/terminate")))
    assert is_empty_404(request("POST", management.url(f"instances/{unique_name}/explode")))
    assert is_empty_404(request("PUT", management.url(f"instances/{unique_name}"), {}))
    assert is_empty_404(request("GET", management.url("nothing/here")))
