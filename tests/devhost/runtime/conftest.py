"""The engine on a fresh task hub of the session's Azurite, running the patterns fixture app in-process."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devhost.protocol import HistoryEvent, InstanceRecord, RuntimeStatus
from devhost.runtime.client import Client
from devhost.runtime.clock import Clock
from devhost.runtime.engine import Engine
from devhost.storage import RequestCounter, StorageClients
from devhost.tracking import TaskHub
from devhost.worker import ClientBindingFactory, Invoker, LoadedApp, load_app, load_app_settings
from tests.devhost.fixtures import FIXTURES_DIR

pytestmark = pytest.mark.azurite


def sdk_input(value: object) -> str:
    """How the host stores an input sent by the SDK client (the JSON string of the JSON text)."""
    return json.dumps(json.dumps(value))


@dataclass
class Finished:
    record: InstanceRecord
    history: list[HistoryEvent]


@dataclass
class Running:
    """An engine with everything it runs on; `stop()` tears it down."""

    engine: Engine
    client: Client
    hub: TaskHub
    counter: RequestCounter
    clock: Clock
    clients: StorageClients
    invoker: Invoker
    timer_task: asyncio.Task[None]

    async def stop(self, *, delete_hub: bool = True) -> None:
        self.timer_task.cancel()
        await self.engine.close()
        self.invoker.close()
        if delete_hub:
            await self.hub.delete()
        await self.clients.close()

    async def wait(self, instance_id: str, timeout_s: float = 10.0) -> Finished:
        """Poll until the instance has finished and its writes are done; returns its record and history."""
        deadline = time.monotonic() + timeout_s
        while True:
            view = await self.client.get_instance(instance_id, with_history=True)
            if view is not None and view.history is not None and view.record.runtime_status.is_terminal:
                state = await self.engine.instance(instance_id)
                if not state.draining and state.committer is None:  # its Instances row is written
                    return Finished(view.record, view.history)
            if time.monotonic() > deadline:
                status = view.record.runtime_status if view else None
                raise AssertionError(f"{instance_id} did not finish in {timeout_s} s (status {status})")
            await asyncio.sleep(0.02)

    async def wait_until(self, instance_id: str, status: RuntimeStatus, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            view = await self.client.get_instance(instance_id, with_history=False)
            if view is not None and view.record.runtime_status is status:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{instance_id} never reached {status.name}")


async def assert_stored_as_shown(running: Running, instance_id: str, view: Finished) -> None:
    """The History table holds the history the client was shown, and the Instances row says Completed."""
    stored = await running.hub.history.load_history(instance_id)
    assert stored.events == view.history
    record = await running.hub.instances.get_instance(instance_id)
    assert record is not None
    assert record.runtime_status is RuntimeStatus.Completed


@pytest.fixture(scope="module")
def patterns_app(storage_connection_string: str) -> Iterator[LoadedApp]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATTERNS_HUB", "unused")
        settings = load_app_settings(FIXTURES_DIR / "patterns_app")
    loaded = load_app(settings)
    yield loaded
    loaded.unload()


async def start_engine(loaded: LoadedApp, connection: str, hub_name: str, clock: Clock) -> Running:
    counter = RequestCounter()
    clients = await StorageClients.open(connection, counter=counter)
    hub = TaskHub(clients, hub_name)
    await hub.create_if_missing()
    binding = ClientBindingFactory("http://localhost:7071", "http://127.0.0.1:17071/durabletask/", hub_name)
    invoker = Invoker(client_binding=binding, max_workers=4, function_directory=str(loaded.settings.app_dir))
    engine = Engine(hub, loaded.registry, invoker, clock, max_concurrent_activities=4)
    timer_task = asyncio.create_task(engine.timers.run())
    return Running(engine, Client(engine), hub, counter, clock, clients, invoker, timer_task)


@pytest.fixture
async def running(patterns_app: LoadedApp, storage_connection_string: str) -> AsyncIterator[Running]:
    hub_name = "T" + uuid.uuid4().hex[:12]
    started = await start_engine(patterns_app, storage_connection_string, hub_name, Clock())
    yield started
    await started.stop()


def hold_appends(running: Running, before: Callable[[int], Awaitable[None]]) -> list[int]:
    """Run `before(call number)` ahead of every History append; returns the event counts written."""
    history = running.hub.history
    real_append = history.append_episode
    written: list[int] = []

    async def append(instance_id: str, execution_id: str, start: int, events: Any, etag: Any) -> str:
        await before(len(written))
        etag_after = await real_append(instance_id, execution_id, start, events, etag)
        written.append(len(events))
        return etag_after

    history.append_episode = append  # type: ignore[method-assign,assignment]
    return written


def hold_status_writes(running: Running, before: Callable[[int], Awaitable[None]]) -> list[RuntimeStatus]:
    """Run `before(call number)` ahead of every Instances upsert; returns the statuses written."""
    instances = running.hub.instances
    real_upsert = instances.upsert_instance
    written: list[RuntimeStatus] = []
    calls = 0

    async def upsert(record: Any, *, replace: bool = False) -> None:
        nonlocal calls
        calls += 1
        await before(calls - 1)
        await real_upsert(record, replace=replace)
        written.append(record.runtime_status)

    instances.upsert_instance = upsert  # type: ignore[method-assign]
    return written


@dataclass
class ActivityGates:
    """Activities held until the gate of their input opens; `ran` lists the inputs of those that ran."""

    gates: dict[Any, asyncio.Event]
    ran: list[Any]

    def open(self, value: Any) -> None:
        self.gates[value].set()


def gate_activities(running: Running, held_inputs: Iterable[Any]) -> ActivityGates:
    """Make every activity whose input is one of `held_inputs` wait until its gate opens."""
    gated = ActivityGates({value: asyncio.Event() for value in held_inputs}, [])
    real_call = running.invoker.call_activity

    async def gated_call(spec: Any, payload: str | None) -> Any:
        value = None if payload is None else json.loads(payload)
        if value in gated.gates:
            await gated.gates[value].wait()
        gated.ran.append(value)
        return await real_call(spec, payload)

    running.invoker.call_activity = gated_call  # type: ignore[method-assign]
    return gated


async def until(check: Callable[[], object], what: str, timeout_s: float = 10.0) -> None:
    """Poll `check` until it is true; AssertionError naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def until_uncommitted(running: Running, instance_id: str, episodes: int) -> None:
    """Wait until at least `episodes` episodes of the instance ran ahead of their checkpoint."""
    state = await running.engine.instance(instance_id)
    await until(
        lambda: len(state.uncommitted) >= episodes, f"{episodes} episodes to run ahead of their checkpoint"
    )
