"""Loading apps from disk like the Python worker: discovery, indexing errors and module isolation."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from devhost.worker import FunctionLoadError, load_app, load_app_settings
from tests.devhost.fixtures import FIXTURES_DIR, loaded_app, write_app


def _load_error(app_dir: Path, environ: dict[str, str] | None = None) -> FunctionLoadError:
    """Load `app_dir`, expecting the load to fail."""
    with pytest.raises(FunctionLoadError) as raised, loaded_app(app_dir, environ):
        pass
    return raised.value


def test_plain_app_is_indexed_by_kind() -> None:
    with loaded_app(FIXTURES_DIR / "plain_app", {"OTHER_HUB_SETTING": "OtherHub"}) as app:
        registry = app.registry

        assert app.settings.hub_name == "PlainHub"
        assert sorted(registry.orchestrators) == ["hello_sequence", "renamedorchestrator"]
        assert sorted(spec.durable_name for spec in registry.activities.values()) == [
            "RenamedActivity",
            "echo",
            "fail_always",
            "fail_async",
            "move_point",
            "not_serializable",
            "say_hello",
            "say_hello_async",
            "with_context",
        ]
        assert list(registry.entities) == ["counter"]
        assert [(h.function.name, h.route, h.methods, h.auth_level) for h in registry.http_functions] == [
            ("start_orchestration", "orchestrators/{name}", ("POST",), "ANONYMOUS"),
            ("status_links", "links/{instance_id}", ("GET",), "ANONYMOUS"),
        ]
        assert [(t.function.name, t.schedule_expression, t.run_on_startup) for t in registry.timers] == [
            ("nightly_cleanup", "0 0 2 * * *", False)
        ]
        assert registry.unsupported == ()
        assert [f.name for f in registry.functions][:3] == [
            "start_orchestration",
            "status_links",
            "hello_sequence",
        ]


def test_durable_clients_carry_their_resolved_task_hub() -> None:
    with loaded_app(FIXTURES_DIR / "plain_app", {"OTHER_HUB_SETTING": "OtherHub"}) as app:
        starter, links = app.registry.http_functions

        assert starter.function.durable_client is not None
        assert (starter.function.durable_client.param, starter.function.durable_client.task_hub) == (
            "client",
            None,
        )
        assert links.function.durable_client is not None
        assert links.function.durable_client.task_hub == "OtherHub"


def test_orchestrator_handle_is_the_sdk_handle() -> None:
    with loaded_app(FIXTURES_DIR / "plain_app", {"OTHER_HUB_SETTING": "x"}) as app:
        spec = app.registry.orchestrator("HELLO_SEQUENCE")

        assert spec is not None
        assert spec.durable_name == "hello_sequence"
        assert spec.handle.orchestrator_function.__name__ == "hello_sequence"  # type: ignore[attr-defined]


def test_blueprint_app_imports_its_sibling_modules() -> None:
    with loaded_app(FIXTURES_DIR / "blueprint_app") as app:
        registry = app.registry

        assert list(registry.orchestrators) == ["greeting_workflow"]
        assert list(registry.activities) == ["greet"]
        assert registry.http_functions[0].auth_level == "FUNCTION"
        assert registry.routes.match("POST", "/start/greeting_workflow") is not None
        assert sys.modules["helpers"].SOURCE == "blueprint_app"


def test_two_apps_with_same_module_names_do_not_see_each_other() -> None:
    cached_script = sys.modules.get("function_app")  # the project's own app, if a test imported it
    with loaded_app(FIXTURES_DIR / "blueprint_app") as first:
        first_helpers = sys.modules["helpers"]
        assert first_helpers.SOURCE == "blueprint_app"
    assert "helpers" not in sys.modules
    assert sys.modules.get("function_app") is cached_script

    with loaded_app(FIXTURES_DIR / "http_app") as second:
        assert sys.modules["helpers"].SOURCE == "http_app"
        assert second.module is not first.module
        assert sys.modules["function_app"] is second.module


def test_loading_a_second_app_unloads_the_first() -> None:
    first = load_app(load_app_settings(FIXTURES_DIR / "blueprint_app", {}), {})
    try:
        second = load_app(load_app_settings(FIXTURES_DIR / "http_app", {}), {})
        try:
            assert sys.modules["helpers"].SOURCE == "http_app"
            assert str(FIXTURES_DIR / "blueprint_app") not in sys.path
        finally:
            second.unload()
    finally:
        first.unload()


def test_unload_restores_sys_path_and_shadowed_modules(tmp_path: Path) -> None:
    path_before = list(sys.path)
    cached = type(sys)("helpers")
    sys.modules["helpers"] = cached
    try:
        with loaded_app(FIXTURES_DIR / "blueprint_app"):
            assert sys.modules["helpers"] is not cached
            assert sys.path[0] == str(FIXTURES_DIR / "blueprint_app")
        assert sys.modules["helpers"] is cached
        assert sys.path == path_before
    finally:
        del sys.modules["helpers"]


def test_get_functions_is_called_once(tmp_path: Path) -> None:
    app_dir = write_app(
        tmp_path,
        """
        import azure.functions as func

        CALLS = []


        class CountingApp(func.FunctionApp):
            def get_functions(self):
                CALLS.append(1)
                return super().get_functions()


        app = CountingApp()


        @app.route(route="ping")
        def ping(req: func.HttpRequest) -> str:
            return "pong"
        """,
    )
    with loaded_app(app_dir) as loaded:
        assert loaded.module.CALLS == [1]


def test_import_error_reports_the_traceback_and_leaves_nothing_behind() -> None:
    path_before = list(sys.path)
    cached_script = sys.modules.get("function_app")

    error = _load_error(FIXTURES_DIR / "broken_import_app")

    assert error.code == "worker.function_load.import"
    assert "ModuleNotFoundError: No module named 'missing_dependency_for_devhost_tests'" in error.message
    assert "Traceback (most recent call last)" in error.message
    assert "broken_import_app/function_app.py" in error.message
    assert sys.modules.get("function_app") is cached_script
    assert sys.path == path_before


def test_exception_at_import_time_is_a_load_error(tmp_path: Path) -> None:
    app_dir = write_app(tmp_path, 'raise RuntimeError("configuration missing")\n')

    assert "RuntimeError: configuration missing" in _load_error(app_dir).message


def test_two_function_apps_are_refused_with_the_worker_message() -> None:
    error = _load_error(FIXTURES_DIR / "two_apps")

    assert error.message == "More than one FunctionApp or other top level function app instances are defined."
    assert error.code == "worker.function_load.several_apps"


def test_one_app_under_two_names_counts_twice_as_in_the_worker(tmp_path: Path) -> None:
    app_dir = write_app(tmp_path, "import azure.functions as func\n\napp = func.FunctionApp()\nalias = app\n")

    assert _load_error(app_dir).code == "worker.function_load.several_apps"


def test_module_without_app_is_refused() -> None:
    error = _load_error(FIXTURES_DIR / "no_app")

    assert error.message == "Could not find top level function app instances in function_app.py."
    assert error.code == "worker.function_load.no_app"


def test_duplicate_function_names_are_refused() -> None:
    error = _load_error(FIXTURES_DIR / "duplicate_names")

    assert "Function process does not have a unique function name" in error.message
    assert error.code == "worker.function_load.indexing"


def test_custom_script_file_name(tmp_path: Path) -> None:
    app_dir = write_app(tmp_path, "")
    (app_dir / "main_app.py").write_text(
        "import azure.functions as func\n\napp = func.FunctionApp()\n\n\n"
        "@app.route(route='hi')\ndef hi(req: func.HttpRequest) -> str:\n    return 'hi'\n",
        encoding="utf-8",
    )

    with loaded_app(app_dir, {"PYTHON_SCRIPT_FILE_NAME": "main_app.py"}) as app:
        assert [h.function.name for h in app.registry.http_functions] == ["hi"]
        assert app.module.__name__ == "main_app"


def test_missing_script_file_is_a_load_error(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text('{"version": "2.0"}', encoding="utf-8")

    error = _load_error(tmp_path)

    assert error.message == f"Could not find the app script 'function_app.py' in {tmp_path.resolve()}."


def test_unsupported_triggers_and_bindings_are_listed_not_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app_dir = write_app(
        tmp_path,
        """
        import azure.durable_functions as df
        import azure.functions as func

        app = df.DFApp()


        @app.queue_trigger(arg_name="msg", queue_name="orders", connection="AzureWebJobsStorage")
        def on_order(msg: func.QueueMessage) -> None:
            pass


        @app.activity_trigger(input_name="value")
        @app.queue_output(arg_name="out", queue_name="audit", connection="AzureWebJobsStorage")
        def audit(value: str, out: func.Out[str]) -> None:
            out.set(value)


        @app.activity_trigger(input_name="value")
        def fine(value: str) -> str:
            return value
        """,
    )
    with loaded_app(app_dir) as app:
        unsupported = {u.name: (u.trigger_type, u.reason) for u in app.registry.unsupported}

        assert unsupported["on_order"] == ("queueTrigger", "the 'queueTrigger' trigger is not implemented")
        assert unsupported["audit"][0] == "activityTrigger"
        assert "queue 'out'" in unsupported["audit"][1]
        assert list(app.registry.activities) == ["fine"]
    assert "Function 'on_order' (queueTrigger) is not supported by devhost" in caplog.text
