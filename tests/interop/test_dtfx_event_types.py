"""Every history event type the devhost writes, read back by the real engine's client (`dtfx inspect`).

Each scenario drives the devhost through its own management API until the instance ends. The real
client must then read the status, output and history that the devhost's status API reports, and each
history event exactly as the devhost reads its own rows back; together the scenarios must leave every
event type the devhost writes (`written_events`) in some history.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from devhost.protocol.payloads import parse_to_jtoken
from devhost.protocol.types import EventType
from devhost.storage import StorageClients
from devhost.tracking import TaskHub
from tests.e2e.clients import TERMINAL_STATUSES, ManagementApi, wait_for_deadline_timer
from tests.interop.dtfx import Dtfx
from tests.interop.instances import assert_read_as_the_devhost_shows_it, new_id, wait_status
from tests.interop.written_events import history_builders, written_event_types
from tests.support.azurite import Azurite

pytestmark = pytest.mark.azurite

NOT_IN_ANY_HISTORY = {
    EventType.ContinueAsNew: (
        "it ends an execution that continues as new, and only the next execution is written "
        "(from RowKey 0 over the old rows, as the provider does)"
    ),
}
"""Types the devhost builds that no History row keeps, and why."""

INSPECTIONS_AT_ONCE = 4


@dataclass(frozen=True)
class Scenario:
    orchestrator: str
    body: Any
    ends: str
    """The runtime status the instance ends with."""


SCENARIOS = {
    "suspended, resumed, raised": Scenario("approval", None, "Completed"),
    "terminated": Scenario("approval", None, "Terminated"),
    "entity signalled and called": Scenario("counter_user", None, "Completed"),
    "timer fired": Scenario("short_timer", None, "Completed"),
    "activity failed": Scenario("failing_activity", None, "Failed"),
    "sub-orchestrations completed and failed": Scenario("parent", None, "Completed"),
    "rewound twice": Scenario("fragile", None, "Completed"),
    "continued as new": Scenario("countdown", "1", "Completed"),
}
CHILDREN = {"child completed": "Completed", "child failed": "Failed"}
"""The two sub-orchestrations of `parent`, in the order it creates them, and how each ends."""
ENDS = {label: scenario.ends for label, scenario in SCENARIOS.items()} | CHILDREN


def lifecycle(management: ManagementApi, instance_id: str, operation: str) -> None:
    result = management.call("POST", f"instances/{instance_id}/{operation}?reason=by+the+interop+test")
    assert result.status == 202, f"{operation} {instance_id}: {result.status} {result.body!r}"


def inspect_all(dtfx: Dtfx, ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    """`dtfx inspect` of each instance, by label (a few processes at once)."""
    with ThreadPoolExecutor(INSPECTIONS_AT_ONCE) as pool:
        return dict(zip(ids, pool.map(dtfx.inspect, ids.values()), strict=True))


@pytest.fixture(scope="module")
def inspected(dtfx: Dtfx, management: ManagementApi) -> dict[str, dict[str, Any]]:
    """What `dtfx inspect` reads of each scenario's instance (and of `parent`'s children) once it ended."""
    ids = {label: new_id(scenario.orchestrator) for label, scenario in SCENARIOS.items()}
    for label, scenario in SCENARIOS.items():
        started = management.start(scenario.orchestrator, ids[label], scenario.body)
        assert started.status == 202, f"start {label}: {started.status} {started.body!r}"

    paused, stopped = ids["suspended, resumed, raised"], ids["terminated"]
    for instance_id in (paused, stopped):
        wait_for_deadline_timer(management, instance_id)
    lifecycle(management, stopped, "terminate")
    lifecycle(management, paused, "suspend")
    wait_status(management, paused, {"Suspended"})
    lifecycle(management, paused, "resume")
    wait_status(management, paused, {"Running"})
    raised = management.raise_event(paused, "Decision", {"ok": True})
    assert raised.status == 202, f"raise {paused}: {raised.status} {raised.body!r}"
    for _ in range(2):  # `flaky` fails its first two attempts: each rewind runs it once more
        wait_status(management, ids["rewound twice"], {"Failed"})
        lifecycle(management, ids["rewound twice"], "rewind")

    for label, instance_id in ids.items():
        ended = wait_status(management, instance_id, set(TERMINAL_STATUSES))
        assert ended["runtimeStatus"] == ENDS[label], f"{label}: {ended}"
    found = inspect_all(dtfx, ids)
    children = [
        event["InstanceId"]
        for event in found["sub-orchestrations completed and failed"]["history"]
        if event["EventType"] == EventType.SubOrchestrationInstanceCreated
    ]
    assert len(children) == len(CHILDREN), children
    return found | inspect_all(dtfx, dict(zip(CHILDREN, children, strict=True)))


@pytest.fixture(scope="module")
async def devhost_hub(azurite: Azurite, interop_hub: str) -> AsyncIterator[TaskHub]:
    """The devhost's own reader of the task hub the devhost serves."""
    clients = await StorageClients.open(azurite.connection_string)
    try:
        yield TaskHub(clients, interop_hub)
    finally:
        await clients.close()


@pytest.mark.parametrize("label", list(ENDS))
async def test_dtfx_reads_the_status_and_history_the_devhost_reports(
    label: str, inspected: dict[str, dict[str, Any]], management: ManagementApi, devhost_hub: TaskHub
) -> None:
    found = inspected[label]
    instance_id = found["state"]["instanceId"]
    shown = assert_read_as_the_devhost_shows_it(found, management, instance_id)
    assert shown["runtimeStatus"] == ENDS[label]
    # Event by event, member by member, the real client reads the rows as the devhost reads them back.
    stored = await devhost_hub.history.load_history(instance_id)
    assert stored.execution_id == found["state"]["executionId"]
    assert found["history"] == stored.events


def test_every_event_type_the_devhost_writes_is_read_back_by_dtfx(
    inspected: dict[str, dict[str, Any]],
) -> None:
    unclear = {
        name: sorted(t.name for t in types) for name, types in history_builders().items() if len(types) != 1
    }
    assert not unclear, f"history builders that do not name exactly one EventType: {unclear}"
    written = written_event_types()
    assert set(NOT_IN_ANY_HISTORY) <= written, "NOT_IN_ANY_HISTORY names a type the devhost no longer builds"
    seen = {EventType(event["EventType"]) for found in inspected.values() for event in found["history"]}
    missing = sorted(t.name for t in written - seen - set(NOT_IN_ANY_HISTORY))
    assert not missing, f"no scenario leaves these written types in a history read by dtfx: {missing}"
    unexpected = sorted(t.name for t in seen - written)
    assert not unexpected, f"dtfx read types the devhost does not build: {unexpected}"
    kept = {t.name: NOT_IN_ANY_HISTORY[t] for t in seen & set(NOT_IN_ANY_HISTORY)}
    assert not kept, f"found in a history although {kept}"
    # The instance did continue as new (started with "1", it now runs with 0), leaving no ContinueAsNew.
    assert parse_to_jtoken(inspected["continued as new"]["state"]["input"]) in (0, "0")
