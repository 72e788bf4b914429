"""The engine on a fresh task hub (the runtime tests' fixtures) with a control-queue reader on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from devhost.messaging import ControlQueueReader, PollingOptions, control_queue_names
from tests.devhost.messaging.client import QueueClientSide
from tests.devhost.runtime.conftest import Running, patterns_app, running

__all__ = ["patterns_app", "running"]

FAST = PollingOptions(partition_count=4, max_interval_s=0.2)
"""Idle polling every 200 ms, so that tests need not wait for the 80 s default."""


@pytest.fixture
def client_side(running: Running, storage_connection_string: str) -> QueueClientSide:
    """Writes messages and rows to the running engine's task hub as a real DTFx client does."""
    return QueueClientSide(running.hub, running.clients, storage_connection_string)


@pytest.fixture
async def reader(running: Running) -> AsyncIterator[ControlQueueReader]:
    """A started reader of the hub's four control queues, polling fast."""
    names = control_queue_names(running.hub.names.hub, FAST.partition_count)
    started = ControlQueueReader(running.engine, [running.clients.queue(n) for n in names], FAST)
    await started.start()
    yield started
    await started.stop()
