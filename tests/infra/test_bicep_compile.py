"""The templates compile and lint clean with the real Bicep CLI, and keep the project's conventions."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.infra import toolchain
from tests.infra.toolchain import INFRA, MAIN_BICEP, BicepCli, diagnostics

MODULE_REFERENCE = re.compile(r"^module\s+\w+\s+'([^']+)'", re.MULTILINE)
UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")


def _templates(template: dict[str, Any], path: str = "main") -> Iterator[tuple[str, dict[str, Any]]]:
    """main.json and every module template nested in it, with a readable path."""
    yield path, template
    resources = template.get("resources", [])
    for resource in resources.values() if isinstance(resources, dict) else resources:
        if resource["type"] == "Microsoft.Resources/deployments":
            yield from _templates(resource["properties"]["template"], f"{path}/{resource['name']}")


def test_main_builds_with_no_errors_or_warnings(main_build: subprocess.CompletedProcess[str]) -> None:
    assert main_build.returncode == 0, main_build.stderr
    assert diagnostics(main_build) == []
    assert main_build.stdout.lstrip().startswith("{")


def test_lint_reports_nothing(bicep: BicepCli) -> None:
    # Linting main.bicep lints every module it composes (a finding in a module is reported too).
    result = bicep.run("lint", MAIN_BICEP)
    assert result.returncode == 0, result.stderr
    assert diagnostics(result) == []


def test_every_module_is_composed_by_main_and_none_comes_from_a_registry() -> None:
    references = set(MODULE_REFERENCE.findall(MAIN_BICEP.read_text()))
    on_disk = {path.relative_to(INFRA).as_posix() for path in (INFRA / "modules").glob("*.bicep")}
    assert references == on_disk, "every module must be used by main.bicep (so build and lint cover it)"
    for path in INFRA.rglob("*.bicep"):
        assert not re.search(r"'(br|ts)[:/]", path.read_text()), f"{path.name}: registry modules need network"


def test_every_parameter_and_output_is_described(compiled_main: dict[str, Any]) -> None:
    undocumented = [
        f"{path}: {kind} {name}"
        for path, template in _templates(compiled_main)
        for kind in ("parameters", "outputs")
        for name, definition in template.get(kind, {}).items()
        if not definition.get("metadata", {}).get("description", "").strip()
    ]
    assert undocumented == []


def test_main_outputs_are_upper_snake_for_azd(compiled_main: dict[str, Any]) -> None:
    outputs = compiled_main["outputs"]
    assert outputs, "azd reads the deployment's outputs into the environment"
    assert [name for name in outputs if not UPPER_SNAKE.match(name)] == []
    assert all(definition["type"] == "string" for definition in outputs.values())


def test_compiler_resolution_prefers_path_then_the_shared_copy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shared = tmp_path / "shared-bicep"
    shared.write_text("#!/bin/sh\n")
    shared.chmod(0o755)
    monkeypatch.setattr(toolchain, "SHARED_BICEP", shared)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert toolchain.find_bicep() == BicepCli((str(shared),))
    on_path = tmp_path / "bin" / "bicep"
    on_path.parent.mkdir()
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert toolchain.find_bicep() == BicepCli((str(on_path),))


def test_a_missing_compiler_fails_the_tests_instead_of_skipping(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(toolchain, "SHARED_BICEP", tmp_path / "missing")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="No Bicep CLI"):
        toolchain.find_bicep()
