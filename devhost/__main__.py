"""`python -m devhost [--port N] [--time-skipping] [--verbose] [APP_DIR]`: run a Durable app locally."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from devhost.host import DEFAULT_PORT, DEFAULT_RPC_PORT, DevHost, HostOptions, StartupError
from devhost.storage import StorageError
from devhost.tracking import HubBusyError
from devhost.worker import WorkerError, load_app_settings

logger = logging.getLogger("devhost")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devhost",
        description="Run a Python v2-model Durable Functions app locally, with its state in Azure Storage.",
    )
    parser.add_argument("app_dir", nargs="?", default=".", help="the app folder (with host.json); default: .")
    parser.add_argument("--port", type=int, default=None, help=f"HTTP port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--rpc-port", type=int, default=DEFAULT_RPC_PORT, help="durable client RPC port (a free one if taken)"
    )
    parser.add_argument(
        "--time-skipping",
        action="store_true",
        help="when nothing but durable timers is pending, jump the clock to the next timer",
    )
    parser.add_argument("--verbose", action="store_true", help="debug logging")
    return parser.parse_args(argv)


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )
    if not verbose:
        for noisy in ("azure", "aiohttp.access"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


async def serve(args: argparse.Namespace) -> int:
    try:
        settings = load_app_settings(Path(args.app_dir))
        port = args.port or settings.local_http_port or DEFAULT_PORT
    except WorkerError as exc:
        logger.error("devhost cannot start: %s", exc)
        return 1
    host = DevHost(settings, HostOptions(port=port, rpc_port=args.rpc_port, time_skipping=args.time_skipping))
    try:
        await host.start()
    except (WorkerError, StartupError, HubBusyError, StorageError, OSError) as exc:
        logger.error("devhost cannot start: %s", exc)
        await host.stop()  # release whatever was acquired (the lease above all)
        return 1
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, host.stopped.set)
    await host.stopped.wait()
    logger.info("stopping")
    await host.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(args.verbose)
    return asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
