"""Import an app's `function_app.py` the way the Python worker does, and index its functions.

As in the worker's `loader.index_function_app`: the app folder goes first on `sys.path`, the script is
imported under its own name (`function_app`), so the app imports its sibling modules normally and the
`__module__` names the SDK's custom-object serialization relies on are the real ones. Exactly one
module-level `FunctionRegister` must exist, and `app.get_functions()` is called once (it is not
idempotent).

One app is loaded per process at a time. Loading sets aside cached modules that would shadow the
app's own (another app's `function_app` or `helpers`), so two apps never see each other's modules;
`LoadedApp.unload()` (also done implicitly by the next `load_app`) removes the modules the load added
from the app folder, drops its `sys.path` entry and puts the set-aside modules back.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import azure.functions as func

from devhost.worker.errors import FunctionLoadError
from devhost.worker.registry import build_registry
from devhost.worker.settings import AppSettings
from devhost.worker.specs import FunctionRegistry

logger = logging.getLogger(__name__)


@dataclass
class LoadedApp:
    """An imported app: its settings, module, `FunctionRegister` and function registry."""

    settings: AppSettings
    module: ModuleType
    app: func.FunctionRegister
    registry: FunctionRegistry
    _imports: _ImportScope = field(repr=False)

    def unload(self) -> None:
        """Forget the app's modules and path entry; restore what loading displaced. Idempotent."""
        self._imports.close()
        if _CURRENT.get("app") is self:
            del _CURRENT["app"]


# The app currently imported into this process (one at a time, see the module docstring).
_CURRENT: dict[str, LoadedApp] = {}


def load_app(settings: AppSettings, environ: Mapping[str, str] | None = None) -> LoadedApp:
    """Import and index the app described by `settings`; raise FunctionLoadError if it cannot load.

    `environ` resolves `%Setting%` references in bindings (default `os.environ`).
    """
    previous = _CURRENT.get("app")
    if previous is not None:
        logger.debug("Unloading app %s before loading %s", previous.settings.app_dir, settings.app_dir)
        previous.unload()
    script = settings.app_dir / settings.script_file
    if script.suffix != ".py" or not script.is_file():
        raise FunctionLoadError(
            f"Could not find the app script '{settings.script_file}' in {settings.app_dir}.",
            code="worker.function_load.no_script",
        )
    imports = _ImportScope(settings.app_dir)
    try:
        module = imports.import_module(script.stem)
        app = _find_app(module, settings.script_file)
        functions = _get_functions(app)
        registry = build_registry(
            functions, route_prefix=settings.route_prefix, environ=os.environ if environ is None else environ
        )
    except BaseException:
        imports.close()
        raise
    loaded = LoadedApp(settings, module, app, registry, imports)
    _CURRENT["app"] = loaded
    return loaded


def _find_app(module: ModuleType, script_file: str) -> func.FunctionRegister:
    """Exactly one module attribute may be a FunctionRegister (even two names for one app count twice)."""
    found: func.FunctionRegister | None = None
    for name in module.__dir__():
        candidate = getattr(module, name, None)
        if not isinstance(candidate, func.FunctionRegister):
            continue
        if found is not None:
            raise FunctionLoadError(
                f"More than one {type(found).__name__} or other top level function app instances are "
                "defined.",
                code="worker.function_load.several_apps",
            )
        found = candidate
    if found is None:
        raise FunctionLoadError(
            f"Could not find top level function app instances in {script_file}.",
            code="worker.function_load.no_app",
        )
    return found


def _get_functions(app: func.FunctionRegister) -> list[func.Function]:
    try:
        return app.get_functions()
    except (ValueError, TypeError) as exc:
        raise FunctionLoadError(
            f"Worker failed to index functions: {exc}", code="worker.function_load.indexing"
        ) from exc


class _ImportScope:
    """`sys.path` / `sys.modules` bookkeeping for one app folder.

    Cached modules the app folder would provide but that come from elsewhere (another app's
    `helpers`) are set aside, and so is a cached copy of the script module itself, so the app gets a
    fresh `FunctionRegister`. Modules already imported from this very folder stay shared: when the app
    folder is also the project root, `devhost` and friends must keep their identity.
    """

    def __init__(self, app_dir: Path) -> None:
        self._app_dir = app_dir
        self._path_entry = str(app_dir)
        self._names = _top_level_names(app_dir)
        self._displaced: dict[str, ModuleType] = {}
        self._before: frozenset[str] = frozenset()
        self._open = False

    def import_module(self, name: str) -> ModuleType:
        """Import `name` from the app folder, with a FunctionLoadError carrying the traceback on failure."""
        for cached in [m for m in sys.modules if self._provided(m) and (m == name or not self._from_app(m))]:
            self._displaced[cached] = sys.modules.pop(cached)
        self._before = frozenset(sys.modules)
        sys.path.insert(0, self._path_entry)
        self._open = True
        importlib.invalidate_caches()
        try:
            return importlib.import_module(name)
        except Exception as exc:
            details = "".join(traceback.format_exception(exc))
            raise FunctionLoadError(
                f"Worker failed to index functions: error importing {name}.py from {self._app_dir}: "
                f"{type(exc).__name__}: {exc}\n{details}",
                code="worker.function_load.import",
            ) from exc

    def close(self) -> None:
        """Drop the modules this load added from the app folder and restore the displaced ones."""
        if not self._open:
            return
        self._open = False
        for loaded in [m for m in sys.modules if m not in self._before and self._provided(m)]:
            del sys.modules[loaded]
        sys.modules.update(self._displaced)
        self._displaced = {}
        if self._path_entry in sys.path:
            sys.path.remove(self._path_entry)

    def _provided(self, module_name: str) -> bool:
        return module_name.partition(".")[0] in self._names

    def _from_app(self, module_name: str) -> bool:
        origin = getattr(sys.modules.get(module_name), "__file__", None)
        return origin is not None and Path(origin).resolve().is_relative_to(self._app_dir)


def _top_level_names(app_dir: Path) -> frozenset[str]:
    """Module and package names the app folder provides."""
    names = set()
    for entry in app_dir.iterdir():
        if entry.is_file() and entry.suffix == ".py":
            names.add(entry.stem)
        elif entry.is_dir() and entry.name.isidentifier():
            names.add(entry.name)
    return frozenset(name for name in names if not name.startswith("__"))
