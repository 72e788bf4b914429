"""The management API's restart, purge (one and by filter) and entity routes (durable-protocol.md §6.3)."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta

import pytest

from tests.e2e.clients import (
    APPROVAL_WORKFLOW,
    CHECK_STATUS_KEYS,
    AppApi,
    DevhostClock,
    ManagementApi,
    approval_input,
    decide_approval,
    is_empty_404,
)
from tests.e2e.harness import poll_until, request

pytestmark = pytest.mark.azurite

PURGE_FROM_REQUIRED = "Please provide value for 'createdTimeFrom' parameter."


def completed(api: AppApi, management: ManagementApi, instance_id: str) -> str:
    """Start an approval, decide it, wait for Completed; returns its `createdTime`."""
    assert management.start(APPROVAL_WORKFLOW, instance_id, approval_input(instance_id)).status == 202
    assert decide_approval(management, instance_id).status == 202
    status = api.wait_done(instance_id)
    assert status["runtime_status"] == "Completed", status
    created: str = request("GET", management.url(f"instances/{instance_id}")).json()["createdTime"]
    return created


def later(status_time: str, seconds: int) -> str:
    moment = datetime.strptime(status_time, "%Y-%m-%dT%H:%M:%SZ") + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_restart(api: AppApi, management: ManagementApi, unique_name: str, janitor: list[str]) -> None:
    completed(api, management, unique_name)

    same_id = request(
        "POST", management.url(f"instances/{unique_name}/restart", restartWithNewInstanceId="false")
    )
    new_id = request("POST", management.url(f"instances/{unique_name}/restart"))

    assert same_id.status == 202, same_id
    assert set(same_id.json()) == CHECK_STATUS_KEYS
    assert same_id.json()["id"] == unique_name
    assert same_id.headers["location"] == same_id.json()["statusQueryGetUri"]
    janitor.append(unique_name)
    rerun = api.wait(unique_name, lambda s: s["runtime_status"] == "Running", what="the restarted run")
    assert rerun["custom_status"]["step"] == "awaiting_decision"
    assert new_id.status == 202, new_id
    fresh = new_id.json()["id"]
    janitor.append(fresh)
    assert re.fullmatch(r"[0-9a-f]{32}", fresh)
    fresh_status = request("GET", management.url(f"instances/{fresh}")).json()
    assert (fresh_status["name"], fresh_status["input"]) == (APPROVAL_WORKFLOW, approval_input(unique_name))
    unknown = request("POST", management.url(f"instances/{unique_name}-missing/restart"))
    assert unknown.status == 400
    assert unknown.json()["Message"] == "InstanceId does not match a valid orchestration instance."


def test_purge_one_instance(api: AppApi, management: ManagementApi, unique_name: str) -> None:
    completed(api, management, unique_name)

    purged = request("DELETE", management.url(f"instances/{unique_name}"))

    assert (purged.status, purged.json()) == (200, {"instancesDeleted": 1})
    assert is_empty_404(request("GET", management.url(f"instances/{unique_name}")))
    assert is_empty_404(request("DELETE", management.url(f"instances/{unique_name}")))


def test_purge_by_filter(
    api: AppApi, management: ManagementApi, unique_name: str, janitor: list[str]
) -> None:
    older = f"{unique_name}-older"
    completed(api, management, older)
    time.sleep(1.1)  # created times have whole seconds: keep `older` out of the window below
    done = [f"{unique_name}-{n}" for n in range(2)]
    window_from = completed(api, management, done[0])
    completed(api, management, done[1])
    running = f"{unique_name}-running"
    assert management.start(APPROVAL_WORKFLOW, running, approval_input(running)).status == 202
    janitor.append(running)
    api.wait(running, lambda s: s["runtime_status"] == "Running", what="Running")
    window_to = later(request("GET", management.url(f"instances/{running}")).json()["createdTime"], 1)
    query = {"createdTimeFrom": window_from, "createdTimeTo": window_to, "runtimeStatus": "Completed"}

    missing_from = request("DELETE", management.url("instances/", runtimeStatus="Completed"))
    purged = request("DELETE", management.url("instances/", **query))
    nothing_left = request("DELETE", management.url("instances/", **query))

    assert (missing_from.status, missing_from.json()) == (400, PURGE_FROM_REQUIRED)
    assert (purged.status, purged.json()) == (200, {"instancesDeleted": 2})
    assert is_empty_404(nothing_left)
    for instance_id in done:
        assert is_empty_404(request("GET", management.url(f"instances/{instance_id}")))
    assert request("GET", management.url(f"instances/{running}")).json()["runtimeStatus"] == "Running"
    assert request("GET", management.url(f"instances/{older}")).json()["runtimeStatus"] == "Completed"


@pytest.mark.devhost_clock
def test_purge_by_filter_runs_up_to_the_hosts_now_by_default(
    api: AppApi, management: ManagementApi, clock: DevhostClock, unique_name: str
) -> None:
    """Without `createdTimeTo` the window ends at the host's now, which on the devhost is its own clock
    (here moved an hour ahead of the wall clock, as earlier timer skips do)."""
    clock.advance(3600)
    created = completed(api, management, unique_name)

    purged = request(
        "DELETE", management.url("instances/", createdTimeFrom=created, runtimeStatus="Completed")
    )

    assert purged.status == 200, f"the instance created at {created} was not purged: {purged}"
    assert purged.json()["instancesDeleted"] >= 1
    assert is_empty_404(request("GET", management.url(f"instances/{unique_name}")))


def test_entity_signal_and_read(api: AppApi, management: ManagementApi, unique_name: str) -> None:
    """Python entities decode an operation's input twice (the SDK client sends JSON text as a JSON
    string), so a raw signal must do the same: `"{\\"quantity\\": 5}"`."""
    sku = unique_name.upper()
    url = management.url(f"entities/inventory/{sku}", op="restock")
    assert is_empty_404(request("GET", management.url(f"entities/inventory/{sku}")))

    signalled = request("POST", url, json.dumps({"quantity": 5}))
    any_case = request(
        "POST", management.url(f"entities/Inventory/{sku}", op="restock"), json.dumps({"quantity": 2})
    )

    assert (signalled.status, signalled.body) == (202, b"")
    assert any_case.status == 202

    def state() -> object:
        result = request("GET", management.url(f"entities/inventory/{sku}"))
        return result.json() if result.status == 200 else None

    poll_until(lambda: state() == {"available": 7, "reservations": {}}, what="7 in stock")
    assert api.call("GET", f"inventory/{sku}").json() == {"sku": sku, "available": 7, "reservations": {}}
    listed = request("GET", management.url("entities/inventory", fetchState="true"))
    assert listed.status == 200
    mine = [e for e in listed.json() if e["entityId"] == {"name": "inventory", "key": sku}]
    assert [e["state"] for e in mine] == [{"available": 7, "reservations": {}}]
    # Operations the entity cannot apply (an input the SDK cannot decode, `delete`, which the entity
    # does not implement) change nothing; signals to one entity run in order, so a later valid one
    # shows they have been processed.
    assert request("POST", url, {"quantity": 100}).status == 202
    assert request("POST", url, raw=b"ten", headers={"content-type": "text/plain"}).status == 202
    assert request("DELETE", management.url(f"entities/inventory/{sku}")).status == 202
    assert request("POST", url, json.dumps({"quantity": 1})).status == 202
    poll_until(lambda: state() == {"available": 8, "reservations": {}}, what="8 in stock")


def test_entity_errors(management: ManagementApi, unique_name: str) -> None:
    sku = unique_name.upper()

    unknown_entity = request(
        "POST", management.url(f"entities/no_such_entity/{sku}", op="restock"), {"quantity": 1}
    )
    bad_json = request(
        "POST",
        management.url(f"entities/inventory/{sku}", op="restock"),
        raw=b"{quantity",
        headers={"content-type": "application/json"},
    )

    assert unknown_entity.status == 400
    assert set(unknown_entity.json()) == {"Message"}
    assert "doesn't exist, is disabled, or is not an entity function" in unknown_entity.json()["Message"]
    assert bad_json.status == 400
    assert bad_json.json()["Message"].startswith("Could not parse JSON content: ")
    assert is_empty_404(request("GET", management.url(f"entities/inventory/{sku}")))
    assert is_empty_404(request("GET", management.url("entities/inventory/$")))
    assert is_empty_404(request("GET", management.url(f"entities/no_such_entity/{sku}")))
