"""Storage requests of an idle devhost: the whole host (lease, timers, HTTP) serving this project's app."""

from __future__ import annotations

import asyncio

from bench.report import Metric
from bench.rig import PROJECT_APP, app_blob_storage, bench_settings, new_hub_name
from bench.sizes import Sizes
from devhost.host import DevHost, HostOptions
from devhost.messaging.polling import PollingOptions
from devhost.tracking.lease import RENEW_INTERVAL_S
from tests.support.azurite import free_port


async def idle_requests(connection: str, sizes: Sizes) -> list[Metric]:
    """Requests counted while the started host has nothing to do, extrapolated to one minute."""
    with app_blob_storage(connection):
        settings = bench_settings(PROJECT_APP, connection, new_hub_name())
        polling = PollingOptions.from_settings(settings)
        host = DevHost(settings, HostOptions(port=free_port(), rpc_port=free_port()))
        await host.start()
        try:
            startup = host.counter.reset()
            await asyncio.sleep(sizes.idle_seconds)
            idle = host.counter.snapshot()
        finally:
            await host.stop()  # the scenario's Azurite goes away with its task hub
    return [
        Metric(
            "idle_requests_per_min",
            idle["total"] * 60 / sizes.idle_seconds,
            "requests/min",
            {
                "window_s": sizes.idle_seconds,
                "requests_in_window": idle,
                "startup_requests": startup,
                "control_queues": polling.partition_count,
                "max_queue_polling_interval_s": polling.max_interval_s,
                "lease_renew_interval_s": RENEW_INTERVAL_S,
                "expected_steady_state_per_min": {
                    "control_queue_polls": round(polling.partition_count * 60 / polling.max_interval_s, 2),
                    "lease_renewals": round(60 / RENEW_INTERVAL_S, 2),
                },
                "app": "this project's function_app.py on the full DevHost (lease, timers, HTTP servers)",
            },
        )
    ]
