"""Where the real engine's client cannot run, the interop tests fail with a message saying so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.interop.dtfx import DtfxUnavailableError, check_runnable

CONNECTION = "UseDevelopmentStorage=true"


def test_a_missing_tool_is_reported_with_where_it_was_looked_for(tmp_path: Path) -> None:
    missing = tmp_path / "dtfx"
    with pytest.raises(DtfxUnavailableError, match="missing or not executable") as caught:
        check_runnable(CONNECTION, missing)
    assert str(missing) in str(caught.value)


def test_a_tool_that_does_not_run_is_reported_with_its_output(tmp_path: Path) -> None:
    broken = tmp_path / "dtfx"
    broken.write_text("#!/bin/sh\necho 'cannot execute binary file' >&2\nexit 126\n")
    broken.chmod(0o755)
    with pytest.raises(DtfxUnavailableError, match=r"cannot run \(exit 126\): cannot execute binary file"):
        check_runnable(CONNECTION, broken)
