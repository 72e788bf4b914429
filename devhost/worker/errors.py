"""Errors raised while reading an app's configuration or loading its functions.

    WorkerError                 base, carries a stable dotted `code`
    ├── AppConfigError          host.json / local.settings.json / app settings are unusable
    └── FunctionLoadError       function_app.py cannot be imported or indexed like the real worker does

Failures *inside* user functions are not raised: the invoker returns them as `FunctionFailed` values.
"""

from __future__ import annotations


class WorkerError(Exception):
    """Base of every error the worker layer raises; `code` is stable and machine-readable."""

    code = "worker.error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class AppConfigError(WorkerError):
    """host.json, local.settings.json or a referenced app setting is missing or invalid."""

    code = "worker.app_config"


class FunctionLoadError(WorkerError):
    """The app cannot be loaded: import failure, no/several apps, invalid function definitions."""

    code = "worker.function_load"
