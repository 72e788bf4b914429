"""Session fixtures: one private Azurite for every test that needs storage.

A missing prerequisite fails the tests that need it (it is never a silent skip): `make test` installs
everything, so a failure here means the install is broken.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support.azurite import Azurite

# The app's storage connections (the host's state store and the workflows' own blob connection).
APP_STORAGE_SETTINGS = ("AzureWebJobsStorage", "WorkflowStorage")


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """A fresh in-memory Azurite for the whole test session."""
    with Azurite() as instance:
        yield instance


@pytest.fixture(scope="session")
def storage_connection_string(azurite: Azurite) -> Iterator[str]:
    """The connection string of the session's Azurite, also exported as the app expects it."""
    with pytest.MonkeyPatch.context() as patch:
        for setting in APP_STORAGE_SETTINGS:
            patch.setenv(setting, azurite.connection_string)
        yield azurite.connection_string


@pytest.fixture
def unique_name() -> str:
    """A short unique lower-case name for a container, task hub or instance id prefix."""
    return "t" + uuid.uuid4().hex[:12]


# Long runs (`make soak`: the 1,000-order load, the 100-workflow crash matrix) only when `-m soak` asks.
SOAK_MARKER = "soak"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SOAK_MARKER in (config.option.markexpr or ""):
        return
    soak = [item for item in items if item.get_closest_marker(SOAK_MARKER)]
    if soak:
        config.hook.pytest_deselected(items=soak)
        items[:] = [item for item in items if not item.get_closest_marker(SOAK_MARKER)]
