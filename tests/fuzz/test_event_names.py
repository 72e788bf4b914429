"""Event names come from callers only through the host's management API (`raiseEvent/{name}`): fuzz
them, with odd instance ids, bodies and content types, at an approval waiting for its
`ApprovalDecision`. No 5xx, and none of them decides the approval: it still waits afterwards, and the
real event still decides it."""

from __future__ import annotations

import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.e2e.clients import DECISION_EVENT, AppApi, ManagementApi, decide_approval, start_waiting_approval
from tests.e2e.harness import request
from tests.fuzz.conftest import FUZZ_SETTINGS
from tests.fuzz.schemas import hostile_strings

pytestmark = [pytest.mark.azurite, pytest.mark.e2e]
EXAMPLES = 150
APPROVAL_ID = "event-fuzz"
BODIES = (b'{"approved": true, "approver": "fuzz"}', b"[]", b"null", b"{", b"\xff", b"x" * 70_000)


def _not_the_decision(name: str) -> bool:
    """The host trims `/` off the decoded path: `ApprovalDecision/` is the real event."""
    return name.strip("/").strip().lower() != DECISION_EVENT.lower()


def test_odd_event_names_never_fail_the_host_nor_decide_the_approval(
    api: AppApi, management: ManagementApi
) -> None:
    start_waiting_approval(management, APPROVAL_ID)
    sent: list[int] = []

    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES)
    @given(
        name=hostile_strings(f"^{DECISION_EVENT}$", st.just(DECISION_EVENT)).filter(_not_the_decision),
        instance=st.one_of(st.just(APPROVAL_ID), hostile_strings(f"^{APPROVAL_ID}$", st.just(APPROVAL_ID))),
        body=st.sampled_from(BODIES),
        content_type=st.sampled_from(("application/json", "text/plain", "application/xml")),
    )
    def raise_odd_event(name: str, instance: str, body: bytes, content_type: str) -> None:
        quoted = [urllib.parse.quote(part, safe="") for part in (instance, name)]
        path = "instances/{}/raiseEvent/{}".format(*quoted)
        answer = request("POST", management.url(path), raw=body, headers={"content-type": content_type})
        sent.append(answer.status)
        assert answer.status < 500, (instance, name, body[:80], answer)

    raise_odd_event()

    assert len(sent) >= EXAMPLES
    assert 202 in sent  # some odd names did reach the instance
    waiting = api.instance(APPROVAL_ID)
    assert waiting is not None
    assert waiting["runtime_status"] == "Running"
    assert decide_approval(management, APPROVAL_ID).status == 202
    assert api.wait_done(APPROVAL_ID)["output"]["decided_by"] == "ops"
