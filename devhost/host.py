"""Put the devhost together: storage, task hub lease, the loaded app, the engine and the HTTP servers.

Two listeners, as on the real host: the public one (`http://localhost:<port>`: the app's HTTP triggers
under the route prefix and the management API under `/runtime/webhooks/durabletask`) and the local
RPC one the SDK's durable client talks to (`rpcBaseUrl`, `http://127.0.0.1:17071/durabletask/`, or a
free port when 17071 is taken).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from devhost.http.clock import add_clock_routes
from devhost.http.dashboard import add_dashboard_routes
from devhost.http.functions import FunctionsHttpHandler, add_function_routes, describe_functions
from devhost.http.management import add_management_routes
from devhost.messaging import ControlQueueReader
from devhost.runtime.client import Client
from devhost.runtime.clock import Clock
from devhost.runtime.engine import Engine
from devhost.runtime.recovery import recover
from devhost.runtime.schedules import run_schedule
from devhost.storage import RequestCounter, StorageClients
from devhost.tracking import HubBusyError, HubLease, TaskHub
from devhost.worker import WEBHOOK_PATH, AppSettings, ClientBindingFactory, Invoker, LoadedApp, load_app

logger = logging.getLogger(__name__)

DEFAULT_PORT = 7071
DEFAULT_RPC_PORT = 17071
RPC_BASE_PATH = "/durabletask"
MAX_REQUEST_BYTES = 100 * 1024 * 1024


class StartupError(RuntimeError):
    """The devhost cannot start; the message says why (bad app, storage down, hub taken)."""


@dataclass(frozen=True)
class HostOptions:
    port: int = DEFAULT_PORT
    rpc_port: int = DEFAULT_RPC_PORT
    bind: str = "127.0.0.1"
    time_skipping: bool = False


class DevHost:
    """One running devhost; `await start()`, then `await stop()`."""

    def __init__(self, settings: AppSettings, options: HostOptions) -> None:
        self.settings = settings
        self.options = options
        self.counter = RequestCounter()
        self.clock = Clock(time_skipping=options.time_skipping)
        self._runners: list[web.AppRunner] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._clients: StorageClients | None = None
        self._lease: HubLease | None = None
        self._loaded: LoadedApp | None = None
        self._invoker: Invoker | None = None
        self.engine: Engine | None = None
        self._control_queues: ControlQueueReader | None = None
        self.stopped = asyncio.Event()

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.options.port}"

    async def start(self) -> None:
        settings = self.settings
        if not settings.storage_connection_string:
            raise StartupError(
                f"No storage connection: set AzureWebJobs{settings.connection_name} (AzureWebJobsStorage) "
                "in local.settings.json or the environment, e.g. UseDevelopmentStorage=true for Azurite."
            )
        self._clients = await StorageClients.open(settings.storage_connection_string, counter=self.counter)
        hub = TaskHub(self._clients, settings.hub_name)
        await hub.create_if_missing()
        self._lease = hub.lease(on_lost=self._lease_lost)
        try:
            await self._lease.acquire()
        except HubBusyError as exc:
            self._lease = None
            raise StartupError(f"task hub '{settings.hub_name}' is in use: {exc}") from exc
        self._loaded = load_app(settings)
        rpc_socket = _bind(self.options.bind, self.options.rpc_port)
        rpc_base = f"http://127.0.0.1:{rpc_socket.getsockname()[1]}{RPC_BASE_PATH}/"
        binding = ClientBindingFactory(self.origin, rpc_base, settings.hub_name, settings.connection_name)
        self._invoker = Invoker(
            client_binding=binding,
            max_workers=settings.max_concurrent_activities,
            function_directory=str(settings.app_dir),
            function_timeout_s=settings.function_timeout_s,
        )
        registry = self._loaded.registry
        engine = Engine(
            hub,
            registry,
            self._invoker,
            self.clock,
            max_concurrent_activities=settings.max_concurrent_activities,
        )
        self.engine = engine
        if self.options.time_skipping:
            engine.on_idle = self._schedule_skip
        client = Client(engine)
        self._tasks.append(asyncio.create_task(engine.timers.run()))
        await recover(engine)
        # What real clients (a DTFx TaskHubClient) write to the control queues reaches the engine too.
        self._control_queues = ControlQueueReader.for_settings(engine, self._clients, settings)
        await self._control_queues.start()

        public = web.Application(client_max_size=MAX_REQUEST_BYTES)
        add_clock_routes(public, self.clock, engine.timers)
        add_management_routes(
            public,
            client,
            base_path=WEBHOOK_PATH,
            hub_name=settings.hub_name,
            connection_name=settings.connection_name,
        )
        add_dashboard_routes(public)
        add_function_routes(public, FunctionsHttpHandler(registry, self._invoker))
        rpc = web.Application(client_max_size=MAX_REQUEST_BYTES)
        add_management_routes(
            rpc,
            client,
            base_path=RPC_BASE_PATH,
            hub_name=settings.hub_name,
            connection_name=settings.connection_name,
        )
        await self._serve(public, web.TCPSite, host=self.options.bind, port=self.options.port)
        await self._serve(rpc, web.SockSite, sock=rpc_socket)
        for spec in registry.timers:
            self._tasks.append(asyncio.create_task(run_schedule(spec, self._invoker)))
        self._announce(rpc_base)

    async def _serve(self, app: web.Application, site_type: type[web.BaseSite], **site_args: object) -> None:
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        self._runners.append(runner)
        await site_type(runner, **site_args).start()  # type: ignore[arg-type]

    def _announce(self, rpc_base: str) -> None:
        assert self._loaded is not None
        lines = describe_functions(self._loaded.registry, self.origin, self.settings.route_prefix)
        width = max((len(name) for name in lines), default=0)
        listing = "\n".join(f"        {name.ljust(width)}: {line}" for name, line in lines.items())
        logger.info(
            "Functions:\n%s\n\nTask hub %s on %s; management API %s%s; durable client RPC %s%s",
            listing,
            self.settings.hub_name,
            self._clients.account.name if self._clients else "?",
            self.origin,
            WEBHOOK_PATH,
            rpc_base,
            " (time-skipping clock)" if self.options.time_skipping else "",
        )

    def _schedule_skip(self) -> None:
        asyncio.get_running_loop().call_soon(self._skip_if_idle)

    def _skip_if_idle(self) -> None:
        engine = self.engine
        if engine is None or not engine.idle:
            return
        upcoming = engine.timers.next_fire_at()
        if upcoming is not None:
            self.clock.skip_to(upcoming)
            engine.timers.wake()

    def _lease_lost(self) -> None:
        logger.error("lost the task hub lease: another host took over; stopping")
        self.stopped.set()

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        if self._control_queues is not None:
            await self._control_queues.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.engine is not None:
            await self.engine.close()
        if self._invoker is not None:
            self._invoker.close()
        if self._lease is not None:
            with contextlib.suppress(Exception):
                await self._lease.release()
        await _close_sdk_http_session()
        if self._loaded is not None:
            self._loaded.unload()
        if self._clients is not None:
            await self._clients.close()
        self.stopped.set()


async def _close_sdk_http_session() -> None:
    """The Durable SDK's durable client keeps one aiohttp session per process, closed only at exit; the
    Python worker never closes it, but the devhost stops cleanly, so it closes it (private SDK helper)."""
    with contextlib.suppress(ImportError):
        from azure.durable_functions.models.utils.http_utils import _close_session

        await _close_session()


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on `port`, or on a free port when that one is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.bind((host, 0))
    return sock


def app_dir_of(path: str | None) -> Path:
    return Path(path or ".").resolve()
