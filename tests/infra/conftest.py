"""Fixtures of the infra tests: the Bicep CLI, main.bicep compiled once, and deployments of it to inspect."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.infra.arm import Scope
from tests.infra.stand_ins import LOCATION, RUNTIME_FUNCTIONS, Deploy
from tests.infra.toolchain import MAIN_BICEP, BicepCli, find_bicep


@pytest.fixture(scope="session")
def bicep() -> BicepCli:
    """The Bicep CLI (fails the tests that need it when there is none)."""
    return find_bicep()


@pytest.fixture(scope="session")
def main_build(bicep: BicepCli) -> subprocess.CompletedProcess[str]:
    """`bicep build infra/main.bicep --stdout`, run once: it compiles every module main.bicep uses."""
    return bicep.run("build", MAIN_BICEP, "--stdout")


@pytest.fixture(scope="session")
def compiled_main(main_build: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """infra/main.bicep compiled to an ARM template (its modules are nested in it)."""
    assert main_build.returncode == 0, f"bicep build failed:\n{main_build.stderr}"
    template: dict[str, Any] = json.loads(main_build.stdout)
    return template


@pytest.fixture
def deploy(compiled_main: dict[str, Any]) -> Deploy:
    """Resolve the compiled template as `azd up` would deploy it (environment `dev`), with overrides."""

    def with_parameters(**overrides: Any) -> Scope:
        parameters = {"environmentName": "dev", "location": LOCATION, "principalId": "", **overrides}
        return Scope(compiled_main, parameters, RUNTIME_FUNCTIONS)

    return with_parameters
