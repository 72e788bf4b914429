"""The external tools the infra tests drive: the Bicep CLI and checkov.

Neither is optional: a missing tool fails the tests with the way to get it (never a skip), because
`make test` is the only place the templates are proven before someone runs `azd up`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
MAIN_BICEP = INFRA / "main.bicep"
SHARED_BICEP = REPO.parent / "shared" / "tools" / "bicep" / "bicep"

# `path(line,col) : Warning rule-id: message` — what `bicep build` and `bicep lint` print per finding.
DIAGNOSTIC = re.compile(
    r"^(?P<path>.+?)\((?P<line>\d+),(?P<col>\d+)\) : (?P<level>Error|Warning|Info) (?P<code>[\w-]+): "
)
TOOL_TIMEOUT_S = 180


@dataclass(frozen=True)
class BicepCli:
    """One way of running the Bicep CLI: a `bicep` executable, or `az bicep` (which takes `--file`)."""

    command: tuple[str, ...]

    @property
    def via_az(self) -> bool:
        return self.command[:2] == ("az", "bicep")

    def run(self, verb: str, path: Path, *options: str) -> subprocess.CompletedProcess[str]:
        target = ("--file", str(path)) if self.via_az else (str(path),)
        return subprocess.run(
            [*self.command, verb, *target, *options],
            capture_output=True,
            text=True,
            timeout=TOOL_TIMEOUT_S,
            check=False,
            cwd=REPO,
        )


def find_bicep() -> BicepCli:
    """`bicep` on PATH, else the project's shared copy, else `az bicep`; fails when there is none."""
    on_path = shutil.which("bicep")
    if on_path:
        return BicepCli((on_path,))
    if SHARED_BICEP.is_file() and os.access(SHARED_BICEP, os.X_OK):
        return BicepCli((str(SHARED_BICEP),))
    az = shutil.which("az")
    if az and subprocess.run([az, "bicep", "version"], capture_output=True, check=False).returncode == 0:
        return BicepCli(("az", "bicep"))
    pytest.fail(
        "No Bicep CLI: put `bicep` on PATH, provide ../shared/tools/bicep/bicep next to the repo, "
        "or install it with `az bicep install`. The infra tests cannot prove the templates without it.",
        pytrace=False,
    )


def diagnostics(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Every error, warning or info finding a Bicep command printed."""
    lines = (result.stdout + "\n" + result.stderr).splitlines()
    return [line for line in lines if DIAGNOSTIC.match(line)]


def run_checkov(directory: Path) -> dict[str, Any]:
    """Scan the Bicep templates under `directory` with checkov (offline) and return its JSON report."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "checkov.main",
            "--directory",
            str(directory),
            "--framework",
            "bicep",
            "--output",
            "json",
            "--skip-download",
            "--compact",
        ],
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_S,
        check=False,
        cwd=REPO,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    if "No module named checkov" in completed.stderr:
        pytest.fail(
            "checkov is not installed: run `make install` (it is pinned in requirements-dev.txt).",
            pytrace=False,
        )
    try:
        report: Any = json.loads(completed.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"checkov printed no JSON report (exit {completed.returncode}):\n{completed.stderr[-4000:]}"
        )
    if not isinstance(report, dict) or report.get("check_type") != "bicep":
        pytest.fail(f"checkov scanned no Bicep templates under {directory}: {str(report)[:2000]}")
    return report
