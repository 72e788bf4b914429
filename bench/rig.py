"""The devhost's engine in this process on a fresh task hub, with a way to await an instance's completion.

Composed the way `devhost.host.DevHost` composes it (same settings, same limits) minus the HTTP servers,
so that scenarios measure the engine and its storage, not HTTP. Completion is observed where a client
would first see it: when the terminal Instances row has been written (`CompletionWatch`), so no polling
adds latency or storage requests.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from devhost.protocol import InstanceRecord, RuntimeStatus
from devhost.runtime.client import Client
from devhost.runtime.clock import Clock
from devhost.runtime.engine import Engine
from devhost.storage import RequestCounter, StorageClients, Table
from devhost.tracking import TaskHub
from devhost.tracking.instances import InstanceStore
from devhost.tracking.payloads import LargePayloads
from devhost.worker import AppSettings, ClientBindingFactory, Invoker, LoadedApp, load_app, load_app_settings
from tests.support.azurite import PROJECT_ROOT

BENCH_APPS = Path(__file__).resolve().parent / "apps"
CHAINS_APP = BENCH_APPS / "chains"
PROJECT_APP = PROJECT_ROOT
"""This project's own function app."""
APP_BLOB_CONNECTION = "WorkflowStorage"
"""The setting the project's activities read their blob connection from (`activities.blob_store`)."""
DEFAULT_TIMEOUT_S = 300.0


class BenchError(RuntimeError):
    """A scenario could not be measured (an instance failed or did not finish in time)."""


def new_hub_name() -> str:
    return "Bench" + uuid.uuid4().hex[:12]


def sdk_input(value: object) -> str:
    """The input text the host stores for a value the SDK client sends (`start_new(..., value)`)."""
    return json.dumps(json.dumps(value))


def bench_settings(app_dir: Path, connection: str, hub_name: str) -> AppSettings:
    """The app's settings with the benchmark's storage and task hub (the process environment is untouched)."""
    environ = {"AzureWebJobsStorage": connection, "BENCH_HUB": hub_name, "TASKHUB_NAME": hub_name}
    return load_app_settings(app_dir, environ=environ)


@contextmanager
def app_blob_storage(connection: str) -> Iterator[None]:
    """Point the project app's own blob connection at `connection` (the app reads it from the environment)."""
    previous = os.environ.get(APP_BLOB_CONNECTION)
    os.environ[APP_BLOB_CONNECTION] = connection
    try:
        yield
    finally:
        if previous is None:
            del os.environ[APP_BLOB_CONNECTION]
        else:
            os.environ[APP_BLOB_CONNECTION] = previous


class CompletionWatch(InstanceStore):
    """The hub's Instances store, resolving a future when a watched instance's terminal row is written."""

    def __init__(self, table: Table, payloads: LargePayloads, hub: str) -> None:
        super().__init__(table, payloads, hub)
        self._waiting: dict[str, asyncio.Future[InstanceRecord]] = {}

    async def upsert_instance(self, record: InstanceRecord, *, replace: bool = False) -> None:
        await super().upsert_instance(record, replace=replace)
        future = self._waiting.get(record.instance_id)
        if record.runtime_status.is_terminal and future is not None and not future.done():
            future.set_result(record)

    def watch(self, instance_id: str) -> asyncio.Future[InstanceRecord]:
        """The future of the instance's terminal record (call it before starting the instance)."""
        return self._waiting.setdefault(instance_id, asyncio.get_running_loop().create_future())

    def forget(self, instance_id: str) -> None:
        self._waiting.pop(instance_id, None)


@dataclass
class Rig:
    """A running engine: start instances with `client`, await them with `run` or `completed`."""

    engine: Engine
    client: Client
    hub: TaskHub
    counter: RequestCounter
    completions: CompletionWatch
    settings: AppSettings

    async def start(self, name: str, input_text: str | None = None) -> str:
        """Start an instance with a new id; `completed(id)` then awaits its end."""
        instance_id = uuid.uuid4().hex
        self.completions.watch(instance_id)
        return await self.client.start(name, instance_id, input_text)

    async def completed(self, instance_id: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> InstanceRecord:
        """The terminal record; BenchError unless the instance Completed within `timeout_s`."""
        try:
            record = await asyncio.wait_for(asyncio.shield(self.completions.watch(instance_id)), timeout_s)
        except TimeoutError as exc:
            raise BenchError(f"instance {instance_id} did not finish within {timeout_s} s") from exc
        self.completions.forget(instance_id)
        if record.runtime_status is not RuntimeStatus.Completed:
            raise BenchError(f"instance {instance_id} ended {record.runtime_status.name}: {record.output}")
        return record

    async def run(self, name: str, input_text: str | None = None) -> InstanceRecord:
        """Start one instance and await its completion."""
        return await self.completed(await self.start(name, input_text))


@asynccontextmanager
async def running_engine(app_dir: Path, connection: str) -> AsyncIterator[Rig]:
    """The engine on a fresh task hub of `connection`, running the app in `app_dir`; deletes the hub after."""
    hub_name = new_hub_name()
    settings = bench_settings(app_dir, connection, hub_name)
    loaded: LoadedApp = load_app(settings)
    counter = RequestCounter()
    clients = await StorageClients.open(connection, counter=counter)
    hub = TaskHub(clients, hub_name)
    watch = CompletionWatch(hub.instances.table, hub.payloads, hub_name)
    hub.instances = watch
    binding = ClientBindingFactory("http://localhost:7071", "http://127.0.0.1:17071/durabletask/", hub_name)
    invoker = Invoker(
        client_binding=binding,
        max_workers=settings.max_concurrent_activities,
        function_directory=str(settings.app_dir),
        function_timeout_s=settings.function_timeout_s,
    )
    engine = Engine(
        hub, loaded.registry, invoker, Clock(), max_concurrent_activities=settings.max_concurrent_activities
    )
    rig = Rig(engine, Client(engine), hub, counter, watch, settings)
    await hub.create_if_missing()
    timers = asyncio.create_task(engine.timers.run())
    try:
        yield rig
    finally:
        timers.cancel()
        await asyncio.gather(timers, return_exceptions=True)
        await engine.close()
        invoker.close()
        await hub.delete()
        await clients.close()
        loaded.unload()
