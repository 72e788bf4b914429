"""The task hub's app lease: one devhost at a time works on a task hub.

Same shape as the provider's `AppLeaseManager`: a blob lease on the container `<hub>-applease`
(60 s, renewed every 25 s by default; Azure allows 15-60 s), and the blob `<hub>-appleaseinfo` naming
the owner (`OwnerId`, plus our `Host` and `ProcessId`). A second process gets `HubBusyError`. A holder
that died without releasing loses the lease when it expires; if the info blob shows it ran on this
host and its process is gone, the lease is broken at once so a restarted devhost need not wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from devhost.storage import (
    BlobContainer,
    StorageConflictError,
    StorageError,
    StorageEtagMismatchError,
    StorageNotFoundError,
)
from devhost.tracking.errors import HubBusyError

logger = logging.getLogger(__name__)

LEASE_DURATION_S = 60
RENEW_INTERVAL_S = 25.0
_MIN_LEASE_S, _MAX_LEASE_S = 15, 60
_LEASE_LOST = (StorageConflictError, StorageEtagMismatchError, StorageNotFoundError)


class HubLease:
    """Acquire with `await lease.acquire()` (or `async with`); renewed in the background until released."""

    def __init__(
        self,
        container: BlobContainer,
        info_blob: str,
        *,
        duration_s: int = LEASE_DURATION_S,
        renew_interval_s: float = RENEW_INTERVAL_S,
        on_lost: Callable[[], None] | None = None,
    ) -> None:
        if not _MIN_LEASE_S <= duration_s <= _MAX_LEASE_S:
            raise ValueError(f"blob leases last {_MIN_LEASE_S}-{_MAX_LEASE_S} s, not {duration_s}")
        if not 0 < renew_interval_s < duration_s:
            raise ValueError(
                f"renew interval {renew_interval_s} s must be shorter than the lease ({duration_s} s)"
            )
        self.lease_id = str(uuid.uuid4())
        self.lost = asyncio.Event()
        self._container = container
        self._info_blob = info_blob
        self._duration_s = duration_s
        self._renew_interval_s = renew_interval_s
        self._on_lost = on_lost
        self._renewer: asyncio.Task[None] | None = None
        self._held = False

    @property
    def held(self) -> bool:
        """True between a successful `acquire()` and `release()` or the loss of the lease."""
        return self._held

    async def acquire(self) -> None:
        """Take the lease (HubBusyError if another live process holds it) and start renewing it."""
        if self._held:
            return
        try:
            await self._take()
        except StorageNotFoundError:
            await self._container.create_if_missing()
            await self._take()
        except StorageConflictError:
            owner = await self._read_owner()
            if not _is_dead_local_process(owner):
                raise HubBusyError(
                    f"task hub lease {self._container.name} is held by {_describe(owner)}", owner=owner
                ) from None
            logger.warning("breaking the task hub lease of %s, which is no longer running", _describe(owner))
            await self._container.break_lease()
            await self._take()
        self._held = True
        self.lost.clear()
        await self._write_owner()
        self._renewer = asyncio.create_task(self._renew_forever(), name=f"renew {self._container.name}")
        logger.info("acquired task hub lease %s (%s s)", self._container.name, self._duration_s)

    async def release(self) -> None:
        """Stop renewing and give the lease up so the next devhost can start at once."""
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        if not self._held:
            return
        self._held = False
        try:
            await self._container.release_lease(self.lease_id)
        except StorageError as exc:
            logger.warning("could not release task hub lease %s: %s", self._container.name, exc)

    async def _take(self) -> None:
        await self._container.acquire_lease(self.lease_id, self._duration_s)

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self._renew_interval_s)
            try:
                await self._container.renew_lease(self.lease_id)
            except _LEASE_LOST as exc:
                self._lose(exc)
                return
            except StorageError as exc:
                # Like the provider: an outage is not a lost lease; try again at the next interval.
                logger.warning("could not renew task hub lease %s, retrying: %s", self._container.name, exc)

    def _lose(self, exc: StorageError) -> None:
        self._held = False
        self.lost.set()
        logger.error("lost the task hub lease %s: %s", self._container.name, exc)
        if self._on_lost is not None:
            self._on_lost()

    async def _read_owner(self) -> dict[str, Any]:
        try:
            owner = json.loads(await self._container.download(self._info_blob))
        except (StorageNotFoundError, ValueError):
            return {}
        return owner if isinstance(owner, dict) else {}

    async def _write_owner(self) -> None:
        owner = {
            "OwnerId": self.lease_id,
            "DesiredSwapId": None,
            "Host": socket.gethostname(),
            "ProcessId": os.getpid(),
            "AcquiredAt": datetime.now(UTC).isoformat(),
        }
        await self._container.upload(self._info_blob, json.dumps(owner).encode())

    async def __aenter__(self) -> HubLease:
        await self.acquire()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.release()


def _is_dead_local_process(owner: dict[str, Any]) -> bool:
    pid = owner.get("ProcessId")
    if owner.get("Host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _describe(owner: dict[str, Any]) -> str:
    if not owner:
        return "another process (no owner information)"
    return f"process {owner.get('ProcessId')} on {owner.get('Host')} since {owner.get('AcquiredAt')}"
