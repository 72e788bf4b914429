"""The dashboard's pure modules (timeline, progress, formatting) run in the browser on crafted inputs."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.dashboard.conftest import Host

pytestmark = [pytest.mark.azurite, pytest.mark.e2e]

# historyEvents as the status API renders them: scheduling events folded into their completions.
HISTORY = [
    {"EventType": "ExecutionStarted", "Timestamp": "2024-05-01T10:00:00Z", "FunctionName": "parent"},
    {
        "EventType": "TaskCompleted",
        "Timestamp": "2024-05-01T10:00:02.5000000Z",
        "ScheduledTime": "2024-05-01T10:00:00.5Z",
        "FunctionName": "step_one",
        "Result": 1,
    },
    {
        "EventType": "TaskFailed",
        "Timestamp": "2024-05-01T10:00:04Z",
        "ScheduledTime": "2024-05-01T10:00:03Z",
        "FunctionName": "step_two",
        "Reason": "boom",
        "Details": "trace",
    },
    {"EventType": "TimerCreated", "Timestamp": "2024-05-01T10:00:04Z", "FireAt": "2024-05-01T10:00:09Z"},
    {"EventType": "TimerFired", "Timestamp": "2024-05-01T10:00:09.1Z", "FireAt": "2024-05-01T10:00:09Z"},
    {"EventType": "TimerCreated", "Timestamp": "2024-05-01T10:00:10Z", "FireAt": "2024-05-04T10:00:10Z"},
    {
        "EventType": "SubOrchestrationInstanceCreated",
        "Timestamp": "2024-05-01T10:00:10Z",
        "Name": "child",
        "InstanceId": "parent:child",
    },
    {
        "EventType": "EventRaised",
        "Timestamp": "2024-05-01T10:00:12Z",
        "Name": "Approval",
        "Input": {"ok": True},
    },
]
NOW_MS = 1714557620000  # 2024-05-01T10:00:20Z


def run_module(page: Page, module: str, expression: str, argument: Any = None) -> Any:
    """Evaluate `expression` (a function of the module `m` and `argument`) in the dashboard page."""
    script = f"async ([argument]) => ({expression})(await import('./{module}'), argument)"
    return page.evaluate(script, [argument])


@pytest.fixture
def dashboard(page: Page, sample_host: Host) -> Page:
    page.goto(sample_host.dashboard)
    page.get_by_role("heading", name="Orchestration instances").wait_for()
    return page


def test_the_timeline_pairs_work_with_its_completion(dashboard: Page) -> None:
    status = {"name": "parent", "runtimeStatus": "Running", "historyEvents": HISTORY}
    timeline = run_module(
        dashboard,
        "timeline.js",
        "(m, a) => m.buildTimeline(a.status, a.now)",
        {"status": status, "now": NOW_MS},
    )

    start = 1714557600000
    assert (timeline["start"], timeline["end"]) == (start, NOW_MS)
    rows = [
        (row["kind"], row["name"], row["start"] - start, row["end"] - start, row["state"])
        for row in timeline["rows"]
    ]
    assert rows == [
        ("orchestration", "parent", 0, 20_000, "running"),
        ("activity", "step_one", 500, 2_500, "completed"),
        ("activity", "step_two", 3_000, 4_000, "failed"),
        ("timer", "timer", 4_000, 9_100, "fired"),
        ("timer", "timer", 10_000, 20_000, "pending"),
        ("suborchestration", "child", 10_000, 20_000, "running"),
        ("event", "Approval", 12_000, 12_000, "instant"),
    ]
    pending_timer = timeline["rows"][4]
    assert pending_timer["clipped"] is True
    assert timeline["rows"][5]["instanceId"] == "parent:child"


def test_a_finished_execution_ends_the_chart_and_cancels_unfired_timers(dashboard: Page) -> None:
    finished = [
        *HISTORY,
        {"EventType": "ExecutionTerminated", "Timestamp": "2024-05-01T10:00:15Z", "Input": "stop"},
    ]
    status = {"name": "parent", "runtimeStatus": "Terminated", "historyEvents": finished}
    timeline = run_module(
        dashboard,
        "timeline.js",
        "(m, a) => m.buildTimeline(a.status, a.now)",
        {"status": status, "now": NOW_MS},
    )

    start = 1714557600000
    assert timeline["end"] - start == 15_000
    states = {
        (row["kind"], row["start"] - start): (row["state"], row["end"] - start) for row in timeline["rows"]
    }
    assert states[("orchestration", 0)] == ("cancelled", 15_000)
    assert states[("timer", 10_000)] == ("cancelled", 15_000)
    assert states[("suborchestration", 10_000)] == ("unfinished", 15_000)
    assert states[("lifecycle", 15_000)] == ("instant", 15_000)
    failures = run_module(dashboard, "timeline.js", "(m, a) => m.failures(a)", status)
    assert failures == [
        {
            "kind": "activity",
            "name": "step_two",
            "reason": "boom",
            "details": "trace",
            "at": "2024-05-01T10:00:04Z",
        }
    ]


def test_progress_pairs_are_found_in_custom_status(dashboard: Page) -> None:
    found = run_module(
        dashboard,
        "progress.js",
        "(m, a) => a.map((status) => m.findProgress(status))",
        [
            {"step": "x", "files_done": 3, "files_total": 10, "batches_done": 1, "batches_total": 4},
            {"rowsDone": 5, "rowsTotal": 5},
            {"done": 12, "total": 10},
            {"files_done": 3, "files_total": 0},
            {"files_done": "3", "files_total": 10},
            "text",
            None,
            [1, 2],
        ],
    )
    assert found == [
        [{"label": "files", "done": 3, "total": 10}, {"label": "batches", "done": 1, "total": 4}],
        [{"label": "rows", "done": 5, "total": 5}],
        [{"label": "progress", "done": 10, "total": 10}],
        [],
        [],
        [],
        [],
        [],
    ]


def test_times_and_durations_read_the_hosts_formats(dashboard: Page) -> None:
    durations = run_module(
        dashboard,
        "format.js",
        "(m, a) => a.map(m.formatDuration)",
        [0, 850, 1234, 12_345, 245_000, 7_380_000, 273_600_000],
    )
    assert durations == ["0 ms", "850 ms", "1.23 s", "12.3 s", "4 min 05 s", "2 h 03 min", "3 d 04 h"]
    parsed = run_module(
        dashboard,
        "format.js",
        "(m, a) => a.map(m.parseTime)",
        ["2024-05-01T10:00:00.1234567Z", "2024-05-01T10:00:00Z"],
    )
    assert parsed == [1714557600123, 1714557600000]
