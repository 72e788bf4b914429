"""The task hub's app lease on Azurite: one holder, renewal, release, dead holders, expiry."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import Callable

import pytest

from devhost.storage import BlobContainer, StorageClients
from devhost.tracking import HubBusyError, TaskHub

pytestmark = pytest.mark.azurite

WAIT_S = 10.0


async def _eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.05)


def _lease_container(storage: StorageClients, hub: TaskHub) -> BlobContainer:
    return storage.container(hub.names.lease_container)


async def _owner(storage: StorageClients, hub: TaskHub) -> dict[str, object]:
    owner: dict[str, object] = json.loads(
        await _lease_container(storage, hub).download(hub.names.lease_info_blob)
    )
    return owner


async def test_a_second_devhost_is_refused_until_the_first_releases(
    hub: TaskHub, storage: StorageClients
) -> None:
    first, second = hub.lease(duration_s=15, renew_interval_s=5), hub.lease(duration_s=15, renew_interval_s=5)

    await first.acquire()
    with pytest.raises(HubBusyError) as busy:
        await second.acquire()
    owner_while_first = await _owner(storage, hub)
    await first.release()
    await second.acquire()

    assert busy.value.code == "taskhub.busy"
    assert busy.value.owner["ProcessId"] == os.getpid()
    assert f"process {os.getpid()} on {socket.gethostname()}" in str(busy.value)
    assert owner_while_first["OwnerId"] == first.lease_id
    assert (first.held, second.held) == (False, True)
    assert (await _owner(storage, hub))["OwnerId"] == second.lease_id
    await second.release()


async def test_the_lease_of_a_dead_process_on_this_host_is_broken_at_once(
    hub: TaskHub, storage: StorageClients
) -> None:
    lost: list[str] = []
    crashed = hub.lease(duration_s=60, renew_interval_s=0.2, on_lost=lambda: lost.append("lost"))
    await crashed.acquire()
    finished = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await finished.wait()  # reaped: its pid now belongs to no process
    owner = await _owner(storage, hub) | {"ProcessId": finished.pid}
    await _lease_container(storage, hub).upload(hub.names.lease_info_blob, json.dumps(owner).encode())

    async with hub.lease(duration_s=15, renew_interval_s=5) as restarted:
        await _eventually(crashed.lost.is_set, "the old holder notices it lost the lease")
        assert restarted.held
        assert (await _owner(storage, hub))["OwnerId"] == restarted.lease_id

    assert lost == ["lost"]
    assert not crashed.held


async def test_the_lease_is_renewed_in_the_background(hub: TaskHub, storage: StorageClients) -> None:
    async with hub.lease(duration_s=15, renew_interval_s=0.2) as lease:
        storage.counter.reset()
        await _eventually(lambda: storage.counter.count("blob") >= 2, "two renewals were sent")

        assert lease.held
        assert not lease.lost.is_set()


async def test_acquire_creates_the_lease_container_if_the_hub_was_never_created(
    storage: StorageClients, unique_name: str
) -> None:
    hub = TaskHub(storage, unique_name)

    async with hub.lease(duration_s=15, renew_interval_s=5) as lease:
        assert lease.held

    await hub.delete()


@pytest.mark.parametrize(("duration_s", "renew_interval_s"), [(10, 5.0), (61, 25.0), (15, 15.0), (60, 0.0)])
def test_lease_timings_outside_what_azure_allows_are_refused(
    hub: TaskHub, duration_s: int, renew_interval_s: float
) -> None:
    with pytest.raises(ValueError, match="lease"):
        hub.lease(duration_s=duration_s, renew_interval_s=renew_interval_s)


@pytest.mark.slow
async def test_a_killed_holder_on_another_host_frees_the_hub_when_its_lease_expires(
    hub: TaskHub, storage: StorageClients
) -> None:
    container = _lease_container(storage, hub)
    await container.acquire_lease(str(uuid.uuid4()), 15)
    elsewhere = {
        "OwnerId": "x",
        "Host": "another-host",
        "ProcessId": 1,
        "AcquiredAt": "2024-05-01T10:00:00+00:00",
    }
    await container.upload(hub.names.lease_info_blob, json.dumps(elsewhere).encode())
    acquired_at = time.monotonic()
    lease = hub.lease(duration_s=15, renew_interval_s=5)

    with pytest.raises(HubBusyError, match="process 1 on another-host"):
        await lease.acquire()
    await asyncio.sleep(15.5 - (time.monotonic() - acquired_at))
    await lease.acquire()

    assert lease.held
    await lease.release()
