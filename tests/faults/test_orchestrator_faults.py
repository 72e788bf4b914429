"""An orchestrator that raises, or that schedules something else on replay, fails its own instance
only, with the reason in its status; instances running beside it complete.
"""

from __future__ import annotations

import pytest

from tests.faults.conftest import FaultHost, start, wait_finished

pytestmark = [pytest.mark.azurite, pytest.mark.e2e]


def test_an_orchestrator_that_raises_fails_only_its_instance(fault_host: FaultHost) -> None:
    management = fault_host.management
    broken = start(management, "explode_orchestrator")
    healthy = start(management, "call_and_catch", {"activity": "echo", "input": "fine"})

    failed = wait_finished(management, broken)
    assert failed["runtimeStatus"] == "Failed"
    assert failed["output"].startswith("Orchestrator function 'explode_orchestrator' failed:")
    assert "orchestrator gave up: the input is wrong" in failed["output"]
    completed = wait_finished(management, healthy)
    assert (completed["runtimeStatus"], completed["output"]) == ("Completed", {"result": "fine"})


def test_a_non_deterministic_orchestrator_fails_with_the_reason(fault_host: FaultHost) -> None:
    management = fault_host.management
    replayed = start(management, "nondeterministic")
    healthy = start(management, "call_and_catch", {"activity": "echo", "input": "fine"})

    failed = wait_finished(management, replayed)
    assert failed["runtimeStatus"] == "Failed"
    assert failed["output"].startswith("Non-Deterministic workflow detected: ")
    assert "echo" in failed["output"]
    assert wait_finished(management, healthy)["runtimeStatus"] == "Completed"
    # The host goes on starting and finishing orchestrations.
    after = start(management, "call_and_catch", {"activity": "echo", "input": "after"})
    assert wait_finished(management, after)["output"] == {"result": "after"}
