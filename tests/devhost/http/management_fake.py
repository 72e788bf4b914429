"""An in-memory stand-in for the engine's `Operations`, and a server with the management routes on it.

It pins the HTTP mapping only (codes, headers, bodies, the payload text handed to the engine); the
real engine is tested end to end elsewhere. Every call is recorded in `calls` as `(method, args...)`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from devhost.errors import BadRequestError, InstanceGoneError, InstanceNotFoundError, OperationFailedError
from devhost.http.management import add_management_routes
from devhost.protocol import HistoryEvent, InstanceRecord, RuntimeStatus
from devhost.runtime.operations import InstanceQuery, InstanceView, Operations

HUB = "TestHubName"
CONNECTION = "Storage"
WEBHOOK_BASE = "/runtime/webhooks/durabletask"
RPC_BASE = "/durabletask"
CREATED = datetime(2024, 5, 1, 10, 0, 0, 250000, tzinfo=UTC)
_RUNNING_STATES = frozenset(
    {RuntimeStatus.Running, RuntimeStatus.Pending, RuntimeStatus.Suspended, RuntimeStatus.ContinuedAsNew}
)

Call = tuple[object, ...]


@dataclass
class FakeEngine:
    """Instances in a dict; orchestrator and entity function names it knows (lower-case)."""

    orchestrators: set[str] = field(default_factory=lambda: {"hello_orchestrator", "approval"})
    entity_functions: set[str] = field(default_factory=lambda: {"counter"})
    instances: dict[str, InstanceRecord] = field(default_factory=dict)
    histories: dict[str, list[HistoryEvent]] = field(default_factory=dict)
    entity_states: dict[tuple[str, str], str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    finish_on_read: dict[str, tuple[int, RuntimeStatus, str | None]] = field(default_factory=dict)
    """instance id -> (n, status, output): the n-th status read of the instance finds it finished so."""

    def add(self, instance_id: str, status: RuntimeStatus, **fields: object) -> InstanceRecord:
        """Put an instance in a given state (created `CREATED` + its position, for ordering)."""
        created = CREATED + timedelta(minutes=len(self.instances))
        record = InstanceRecord(
            instance_id=instance_id,
            name=str(fields.pop("name", "hello_orchestrator")),
            execution_id=uuid.uuid4().hex,
            runtime_status=status,
            created_time=created,
            last_updated_time=created + timedelta(seconds=5),
        )
        self.instances[instance_id] = replace(record, **fields)  # type: ignore[arg-type]
        return self.instances[instance_id]

    def set_status(self, instance_id: str, status: RuntimeStatus, output: str | None = None) -> None:
        record = self.instances[instance_id]
        self.instances[instance_id] = replace(record, runtime_status=status, output=output)

    def _finish_when_due(self, instance_id: str) -> None:
        due = self.finish_on_read.get(instance_id)
        reads = len(self.engine_calls("get_instance"))
        if due is not None and reads >= due[0] and instance_id in self.instances:
            self.set_status(instance_id, due[1], due[2])

    def _known(self, instance_id: str) -> InstanceRecord:
        record = self.instances.get(instance_id)
        if record is None:
            raise InstanceNotFoundError(f"No instance with ID '{instance_id}' found.")
        return record

    async def start(self, name: str, instance_id: str | None, input_text: str | None) -> str:
        self.calls.append(("start", name, instance_id, input_text))
        if name.lower() not in self.orchestrators:
            known = ", ".join(f"'{known}'" for known in sorted(self.orchestrators))
            raise BadRequestError(
                f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator function. "
                f"Additional info: The following are the known orchestrator functions: {known}."
            )
        instance_id = instance_id or uuid.uuid4().hex
        existing = self.instances.get(instance_id)
        if existing is not None and existing.runtime_status in _RUNNING_STATES:
            raise OperationFailedError(f"An instance with ID '{instance_id}' already exists.")
        self.add(instance_id, RuntimeStatus.Pending, name=name, input=input_text)
        return instance_id

    async def get_instance(self, instance_id: str, *, with_history: bool) -> InstanceView | None:
        self.calls.append(("get_instance", instance_id, with_history))
        self._finish_when_due(instance_id)
        record = self.instances.get(instance_id)
        if record is None:
            return None
        return InstanceView(record, self.histories.get(instance_id, []) if with_history else None)

    async def query_instances(self, query: InstanceQuery) -> tuple[list[InstanceRecord], str | None]:
        self.calls.append(("query_instances", query))
        matching = [record for record in self.instances.values() if _matches(record, query)]
        start = int(query.continuation_token or 0)
        page = matching[start : start + query.top]
        more = start + query.top < len(matching)
        return page, str(start + query.top) if more else None

    async def raise_event(self, instance_id: str, event_name: str, input_text: str | None) -> None:
        self.calls.append(("raise_event", instance_id, event_name, input_text))
        if self._known(instance_id).runtime_status.is_terminal:
            raise InstanceGoneError(f"Instance '{instance_id}' is finished.")

    async def terminate(self, instance_id: str, reason: str | None) -> None:
        self.calls.append(("terminate", instance_id, reason))
        self._known(instance_id)
        self.set_status(instance_id, RuntimeStatus.Terminated, reason)

    async def suspend(self, instance_id: str, reason: str | None) -> None:
        self.calls.append(("suspend", instance_id, reason))
        self._known(instance_id)
        self.set_status(instance_id, RuntimeStatus.Suspended)

    async def resume(self, instance_id: str, reason: str | None) -> None:
        self.calls.append(("resume", instance_id, reason))
        self._known(instance_id)
        self.set_status(instance_id, RuntimeStatus.Running)

    async def rewind(self, instance_id: str, reason: str | None) -> None:
        self.calls.append(("rewind", instance_id, reason))
        if self._known(instance_id).runtime_status is not RuntimeStatus.Failed:
            raise OperationFailedError(
                "The rewind operation is only supported on failed orchestration instances."
            )
        self.set_status(instance_id, RuntimeStatus.Running)

    async def restart(self, instance_id: str, *, new_instance_id: bool) -> str:
        self.calls.append(("restart", instance_id, new_instance_id))
        record = self.instances.get(instance_id)
        if record is None:
            raise BadRequestError(f"An orchestration with the instanceId {instance_id} was not found.")
        return await self.start(record.name, None if new_instance_id else instance_id, record.input)

    async def purge_instance(self, instance_id: str) -> int:
        self.calls.append(("purge_instance", instance_id))
        return 1 if self.instances.pop(instance_id, None) is not None else 0

    async def purge_instances(self, query: InstanceQuery) -> int:
        self.calls.append(("purge_instances", query))
        doomed = [
            key
            for key, record in self.instances.items()
            if _matches(record, query) and record.runtime_status.is_terminal
        ]
        for key in doomed:
            del self.instances[key]
        return len(doomed)

    async def signal_entity(
        self, entity_name: str, entity_key: str, operation: str, input_text: str | None
    ) -> None:
        self.calls.append(("signal_entity", entity_name, entity_key, operation, input_text))
        if entity_name.lower() not in self.entity_functions:
            raise BadRequestError(
                f"The function '{entity_name}' doesn't exist, is disabled, or is not an entity function. "
                "Additional info: The following are the known entity functions: 'counter'."
            )

    async def read_entity(self, entity_name: str, entity_key: str) -> str | None:
        self.calls.append(("read_entity", entity_name, entity_key))
        return self.entity_states.get((entity_name, entity_key))

    def engine_calls(self, method: str) -> list[Call]:
        """The recorded calls of one method, without the method name."""
        return [call[1:] for call in self.calls if call[0] == method]

    def queries(self, method: str) -> list[InstanceQuery]:
        """The queries passed to `query_instances` or `purge_instances`."""
        found = [call[0] for call in self.engine_calls(method)]
        assert all(isinstance(query, InstanceQuery) for query in found)
        return found  # type: ignore[return-value]


def _matches(record: InstanceRecord, query: InstanceQuery) -> bool:
    return (
        (query.created_from is None or record.created_time >= query.created_from)
        and (query.created_to is None or record.created_time <= query.created_to)
        and (not query.statuses or record.runtime_status in query.statuses)
        and record.instance_id.startswith(query.instance_id_prefix or "")
    )


@contextlib.asynccontextmanager
async def serve(engine: Operations) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """The management routes on both bases (public webhook path and RPC path) of one test server."""
    app = web.Application()
    for base in (WEBHOOK_BASE, RPC_BASE):
        add_management_routes(app, engine, base_path=base, hub_name=HUB, connection_name=CONNECTION)
    async with TestClient(TestServer(app)) as client:
        yield client
