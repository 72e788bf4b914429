"""In-memory state of the orchestration instances this devhost is working on.

The History table is the source of truth; this is its cache while the devhost owns the task hub (the
lease guarantees no other writer), so an episode needs no history reload: one batch append and one
Instances upsert are its only storage requests.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from devhost.protocol import EpisodeResult, HistoryEvent, InstanceRecord, RuntimeStatus


@dataclass
class Inbound:
    """An event waiting for the instance's next episode; `done` resolves once an episode committed it."""

    event: HistoryEvent
    execution_id: str | None = None
    done: asyncio.Future[None] | None = None


@dataclass
class InstanceState:
    """One instance: its record, its current execution's history and the events waiting for it."""

    instance_id: str
    record: InstanceRecord | None = None
    history: list[HistoryEvent] = field(default_factory=list)
    etag: str | None = None
    loaded: bool = False
    inbox: list[Inbound] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    draining: bool = False

    @property
    def execution_id(self) -> str | None:
        return self.record.execution_id if self.record else None

    @property
    def is_terminal(self) -> bool:
        return self.record is not None and self.record.runtime_status.is_terminal


def apply_result(record: InstanceRecord, result: EpisodeResult, now: datetime) -> None:
    """Bring an Instances record up to date with an episode's outcome."""
    record.runtime_status = result.status
    record.last_updated_time = now
    if result.ran_orchestrator:
        record.custom_status = result.custom_status
    if result.status in {RuntimeStatus.Completed, RuntimeStatus.Failed, RuntimeStatus.Terminated}:
        record.output = result.output
        record.completed_time = now
