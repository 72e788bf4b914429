"""The idle back-off: the provider's schedule, capped so that all control queues together stay in budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devhost.messaging import Backoff, PollingOptions
from devhost.messaging.polling import (
    IDLE_POLLS_PER_MINUTE,
    MIN_INTERVAL_S,
    default_max_interval_s,
    parse_timespan_s,
)
from devhost.worker import load_app_settings
from devhost.worker.errors import AppConfigError
from tests.devhost.fixtures import write_app


def _middle() -> float:
    return 0.5  # factor 1.0: the schedule without randomization


def test_the_schedule_is_the_providers_exponential_back_off() -> None:
    backoff = Backoff(0.05, 30.0, rng=_middle)
    assert backoff.reset() == 0.05
    intervals = [round(backoff.grow(), 4) for _ in range(12)]
    # 50 ms + 2^(k-1) x 50 ms until the cap
    assert intervals == [0.1, 0.15, 0.25, 0.45, 0.85, 1.65, 3.25, 6.45, 12.85, 25.65, 30.0, 30.0]


def test_each_step_is_randomized_by_twenty_percent() -> None:
    low, high = Backoff(0.05, 30.0, rng=lambda: 0.0), Backoff(0.05, 30.0, rng=lambda: 1.0)
    low.reset()
    high.reset()
    for exponent in range(1, 6):
        step = 2 ** (exponent - 1) * 0.05
        assert low.grow() == pytest.approx(0.05 + 0.8 * step)
        assert high.grow() == pytest.approx(0.05 + 1.2 * step)


def test_messages_reset_the_interval_and_it_starts_idle() -> None:
    backoff = Backoff(0.05, 80.0, rng=_middle)
    assert backoff.interval_s == 80.0  # a fresh reader is idle until a poll finds messages
    assert backoff.grow() == 80.0
    backoff.reset()
    assert backoff.interval_s == 0.05
    assert backoff.grow() == pytest.approx(0.1)


@pytest.mark.parametrize("partitions", [1, 2, 4, 7, 16])
def test_idle_polling_of_all_queues_costs_three_requests_a_minute(partitions: int) -> None:
    cap = default_max_interval_s(partitions)
    assert partitions * 60.0 / cap == IDLE_POLLS_PER_MINUTE
    # a devhost idle for ten minutes after the back-off has settled
    polls = 0
    for _ in range(partitions):
        backoff, elapsed = Backoff(MIN_INTERVAL_S, cap, rng=_middle), 0.0
        while elapsed + backoff.interval_s <= 600.0:
            elapsed += backoff.grow()
            polls += 1
    assert polls / 10 <= IDLE_POLLS_PER_MINUTE


def test_returning_to_idle_after_a_message_takes_about_a_dozen_polls_per_queue() -> None:
    backoff = Backoff(MIN_INTERVAL_S, default_max_interval_s(4), rng=_middle)
    backoff.reset()
    polls, elapsed = 0, 0.0
    while backoff.interval_s < backoff.maximum_s:
        elapsed += backoff.interval_s
        backoff.grow()
        polls += 1
    assert polls == 12
    assert 100 < elapsed < 110


def _settings(
    tmp_path: Path, provider: dict[str, Any] | None, partitions: int | None = None
) -> PollingOptions:
    app = write_app(tmp_path / "app", "")
    storage: dict[str, Any] = dict(provider or {})
    if partitions is not None:
        storage["partitionCount"] = partitions
    host = {"version": "2.0", "extensions": {"durableTask": {"storageProvider": storage}}}
    (app / "host.json").write_text(json.dumps(host))
    return PollingOptions.from_settings(load_app_settings(app, {}))


def test_options_default_to_the_budget_for_the_partition_count(tmp_path: Path) -> None:
    assert _settings(tmp_path, None) == PollingOptions(4, 80.0)
    assert _settings(tmp_path, None, partitions=2) == PollingOptions(2, 40.0)


def test_max_queue_polling_interval_from_host_json_is_the_per_queue_cap(tmp_path: Path) -> None:
    options = _settings(tmp_path, {"MaxQueuePollingInterval": "00:00:02"})
    assert options.max_interval_s == 2.0
    assert options.visibility_timeout_s == 300


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:30", 30.0), ("00:01:00", 60.0), ("1.00:00:00", 86400.0), ("00:00:00.5", 0.5), ("0:0:1", 1.0)],
)
def test_time_spans_in_dotnet_format(text: str, seconds: float) -> None:
    assert parse_timespan_s(text, "x") == seconds


@pytest.mark.parametrize("value", ["30", "00:00:00.01", "soon", 30, None])
def test_invalid_intervals_are_configuration_errors(value: object) -> None:
    with pytest.raises(AppConfigError) as caught:
        parse_timespan_s(value, "maxQueuePollingInterval")
    assert caught.value.code == "worker.app_config.polling_interval"
    assert "maxQueuePollingInterval" in caught.value.message


def test_a_backoff_needs_a_sane_range() -> None:
    with pytest.raises(ValueError, match="minimum"):
        Backoff(1.0, 0.5)
