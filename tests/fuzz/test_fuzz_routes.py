"""Fuzz every route of the API from its own OpenAPI document, over HTTP, against the devhost.

Requests go in batches sent concurrently. Refused-request batches are bracketed by snapshots of
everything a request could change (instances, entities, blobs, stock), which must be identical; the
batches described by the schema may change state, and are sent afterwards. Every answer, in both: no
5xx, a documented status, the `{"error": {...}}` shape for every 4xx of the app, the host's empty 404
where no route serves the path.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import FUZZ_SETTINGS, FuzzTarget
from tests.fuzz.generators import RequestStrategies
from tests.fuzz.state import unchanged
from tests.fuzz.wire import RawRequest, RouteMap, problems

pytestmark = [pytest.mark.azurite, pytest.mark.e2e]

BATCH = 16
REFUSED_BATCHES = 55
DESCRIBED_BATCHES = 30
MIN_REQUESTS = 1000
MIN_PER_OPERATION = 25


@pytest.mark.filterwarnings("ignore:Generating overly large repr")  # oversized bodies in the report
def test_every_route_refuses_bad_input_without_changing_anything_and_never_fails(
    fuzz_target: FuzzTarget,
) -> None:
    strategies = RequestStrategies(fuzz_target.document, fuzz_target.seeds)
    routes = RouteMap(fuzz_target.document)
    state = fuzz_target.state
    sent: Counter[tuple[str, str]] = Counter()

    def exchange(batch: list[RawRequest]) -> None:
        answers = fuzz_target.client.send_all(batch)
        sent.update((request.operation, request.kind) for request in batch)
        found = [
            problem
            for request, answer in zip(batch, answers, strict=True)
            for problem in problems(request, answer, routes)
        ]
        assert not found, "\n".join(found)

    state.settled()

    @settings(FUZZ_SETTINGS, max_examples=REFUSED_BATCHES)
    @given(st.lists(strategies.refused(), min_size=BATCH, max_size=BATCH))
    def refused_batches(batch: list[RawRequest]) -> None:
        before = state.take()
        exchange(batch)
        unchanged(before, state.take(), [request.describe() for request in batch])

    @settings(FUZZ_SETTINGS, max_examples=DESCRIBED_BATCHES)
    @given(st.lists(strategies.from_schema(), min_size=BATCH, max_size=BATCH))
    def described_batches(batch: list[RawRequest]) -> None:
        exchange(batch)

    refused_batches()
    described_batches()

    total = sum(sent.values())
    per_operation = Counter[str]()
    for (operation, _kind), count in sent.items():
        per_operation[operation] += count
    assert total >= MIN_REQUESTS, sent
    assert set(per_operation) == {op.operation_id for op in strategies.operations}, per_operation
    assert min(per_operation.values()) >= MIN_PER_OPERATION, per_operation
