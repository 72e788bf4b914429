"""The `inventory` entity, driven through the SDK's own entity handle with the host's batch JSON."""

from __future__ import annotations

import json

import pytest


def _batch(state: dict | None, *operations: tuple[str, object]) -> str:
    """The host's entity batch request (durable-protocol.md §5.1): inputs are JSON text, encoded twice."""
    return json.dumps(
        {
            "self": {"name": "inventory", "key": "WIDGET-1"},
            "exists": state is not None,
            "state": json.dumps(state) if state is not None else None,
            "batch": [
                {"name": name, "input": json.dumps(json.dumps(payload)), "isSignal": False}
                for name, payload in operations
            ],
        }
    )


def _run(user_function, state: dict | None, *operations: tuple[str, object]) -> tuple[dict, list]:
    response = json.loads(user_function("inventory")(_batch(state, *operations)))
    results = [(r["isError"], json.loads(r["result"])) for r in response["results"]]
    return json.loads(response["entityState"]), results


def test_restock_reserve_release_commit(user_function):
    state, results = _run(
        user_function,
        None,
        ("restock", {"quantity": 10}),
        ("reserve", {"order_id": "o1", "quantity": 4}),
        ("reserve", {"order_id": "o1", "quantity": 4}),  # the same order again: no second reservation
        ("reserve", {"order_id": "o2", "quantity": 7}),  # not enough left
        ("reserve", {"order_id": "o3", "quantity": 6}),
        ("release", {"order_id": "o1"}),
        ("commit", {"order_id": "o3"}),
        ("get", None),
    )
    assert [value for _, value in results] == [
        {"available": 10},
        {"reserved": True, "available": 6},
        {"reserved": True, "available": 6},
        {"reserved": False, "available": 6},
        {"reserved": True, "available": 0},
        {"released": 4, "available": 4},
        {"committed": 6, "available": 4},
        {"available": 4, "reservations": {}},
    ]
    assert state == {"available": 4, "reservations": {}}


@pytest.mark.parametrize(
    ("operation", "payload", "message"),
    [
        ("restock", {"quantity": -5}, "quantity"),
        ("reserve", {"order_id": "../x", "quantity": 1}, "order_id"),
        ("explode", {}, "unknown inventory operation"),
    ],
)
def test_bad_operations_fail_alone_and_leave_the_state_unchanged(user_function, operation, payload, message):
    state, results = _run(
        user_function, {"available": 3, "reservations": {}}, (operation, payload), ("get", None)
    )
    (failed, error), (ok, value) = results
    assert failed
    assert message in error
    assert not ok
    assert value == {"available": 3, "reservations": {}}
    assert state == {"available": 3, "reservations": {}}
