"""Requests racing for one instance: one wins, the others get a 409, none a 500.

The API checks an instance's status, then acts; two requests can pass the check together. The host
then refuses the loser's start (the instance exists and runs) or event (the instance has finished),
and the SDK reports that as a bare exception: the API must answer it as the conflict it is.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.clients import AppApi, api_error
from tests.e2e.harness import HttpResult

pytestmark = [pytest.mark.azurite, pytest.mark.e2e]
RACERS = 8


def race(call: Callable[[], HttpResult]) -> list[HttpResult]:
    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(lambda _: call(), range(RACERS)))


def test_concurrent_starts_of_one_device_monitor_start_it_once(api: AppApi, unique_name: str) -> None:
    path = f"devices/{unique_name}/monitor"
    results = race(lambda: api.call("POST", path, {"threshold": 5, "interval_s": 86400}))

    assert sorted(result.status for result in results) == [202] + [409] * (RACERS - 1), results
    for result in results:
        if result.status == 409:
            api_error(result, 409, "monitor.running")
    started = api.instance(f"monitor-{unique_name}")
    assert started is not None
    assert started["runtime_status"] in {"Pending", "Running"}


def test_concurrent_orders_with_one_id_place_it_once(api: AppApi, unique_name: str) -> None:
    sku = unique_name.upper()
    api.restock(sku, 10)
    api.wait_stock(sku, 10)
    order = {
        "order_id": unique_name,
        "customer_id": "c-1",
        "lines": [{"sku": sku, "quantity": 1, "unit_price": 5}],
    }
    results = race(lambda: api.call("POST", "orders", order))

    assert sorted(result.status for result in results) == [202] + [409] * (RACERS - 1), results
    for result in results:
        if result.status == 409:
            api_error(result, 409, "order.exists")
    assert api.wait_done(f"order-{unique_name}")["runtime_status"] == "Completed"
    api.wait_stock(sku, 9)  # charged and reserved once


def test_concurrent_stops_of_one_monitor_stop_it_without_a_server_error(
    api: AppApi, unique_name: str
) -> None:
    api.start(f"devices/{unique_name}/monitor", {"threshold": 5, "interval_s": 86400})
    api.wait(f"monitor-{unique_name}", lambda s: s["runtime_status"] == "Running", what="running")
    results = race(lambda: api.call("POST", f"devices/{unique_name}/monitor/stop"))

    statuses = {result.status for result in results}
    assert 202 in statuses, results
    assert statuses <= {202, 409}, results
    for result in results:
        if result.status == 409:
            api_error(result, 409, "instance.not_running")
    final = api.wait_done(f"monitor-{unique_name}")
    assert final["runtime_status"] == "Completed"
    assert final["output"]["stopped"] == "stop requested"
