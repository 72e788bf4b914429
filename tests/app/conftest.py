"""Fixtures for the app's tests: the indexed function app and direct access to user functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import azure.functions as func
import pytest

import function_app


@pytest.fixture(scope="session")
def app_functions() -> dict[str, func.Function]:
    """Every function of the app by name (`get_functions()` may be called only once per app)."""
    return {str(f.get_function_name()): f for f in function_app.app.get_functions()}


@pytest.fixture(scope="session")
def user_function(app_functions: dict[str, func.Function]) -> Callable[[str], Any]:
    """The callable the worker invokes for a function (for activities: the plain user function)."""

    def lookup(name: str) -> Any:
        return app_functions[name].get_user_function()

    return lookup
