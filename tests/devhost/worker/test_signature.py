"""The worker's load-time signature checks, on small apps written for each case."""

from __future__ import annotations

from pathlib import Path

import pytest

from devhost.worker import FunctionLoadError
from tests.devhost.fixtures import loaded_app, write_app

_HEADER = """
import typing

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp()
"""


def _load(tmp_path: Path, body: str) -> FunctionLoadError | None:
    app_dir = write_app(tmp_path, _HEADER + body)
    try:
        with loaded_app(app_dir):
            return None
    except FunctionLoadError as error:
        return error


@pytest.mark.parametrize(
    ("annotation", "shown"),
    [
        ("typing.Optional[str]", "typing.Optional[str]"),
        ("str | None", "str | None"),
        ("dict[str, int]", "dict[str, int]"),
        ("typing.Union[str, int]", "typing.Union[str, int]"),
    ],
)
def test_activity_input_annotations_that_are_not_types_are_refused(
    tmp_path: Path, annotation: str, shown: str
) -> None:
    error = _load(
        tmp_path,
        f"""
@app.activity_trigger(input_name="value")
def act(value: {annotation}) -> str:
    return "x"
""",
    )

    assert error is not None
    assert (
        error.message
        == f"cannot load the act function: binding value has invalid non-type annotation {shown}"
    )
    assert error.code == "worker.function_load.signature"


@pytest.mark.parametrize("annotation", ["dict", "typing.Dict[str, int]", "typing.List[str]", "object"])
def test_activity_input_accepts_classes_and_typing_generics(tmp_path: Path, annotation: str) -> None:
    body = f"""
@app.activity_trigger(input_name="value")
def act(value: {annotation}) -> {annotation}:
    return value
"""
    assert _load(tmp_path, body) is None


def test_orchestrator_context_must_be_named_context(tmp_path: Path) -> None:
    error = _load(
        tmp_path,
        """
@app.orchestration_trigger(context_name="ctx")
def orch(ctx: df.DurableOrchestrationContext):
    return None
""",
    )

    assert error is not None
    assert 'the "context" parameter is expected to be of type azure.functions.Context' in error.message


def test_entity_context_must_be_named_context(tmp_path: Path) -> None:
    error = _load(
        tmp_path,
        """
@app.entity_trigger(context_name="ctx")
def counter(ctx: df.DurableEntityContext) -> None:
    return None
""",
    )

    assert error is not None
    assert error.message == (
        "cannot load the counter function: the following parameters are declared as bindings but are not "
        "present in Python: {'ctx'}"
    )


def test_python_parameters_without_binding_are_refused(tmp_path: Path) -> None:
    error = _load(
        tmp_path,
        """
@app.activity_trigger(input_name="value")
def act(value: str, extra: str) -> str:
    return value
""",
    )

    assert error is not None
    assert (
        "the following parameters are declared in Python but not in the function definition" in error.message
    )
    assert "{'extra'}" in error.message


def test_http_return_annotation_must_fit_the_http_binding(tmp_path: Path) -> None:
    error = _load(
        tmp_path,
        """
@app.route(route="x")
def handler(req: func.HttpRequest) -> dict:
    return {}
""",
    )

    assert error is not None
    assert error.message.endswith('Python return annotation "dict" does not match binding type "http"')


def test_http_return_annotation_none_is_refused(tmp_path: Path) -> None:
    error = _load(
        tmp_path,
        """
@app.route(route="x")
def handler(req: func.HttpRequest) -> typing.Optional[func.HttpResponse]:
    return None
""",
    )

    assert error is not None
    assert "has invalid non-type return annotation" in error.message


def test_http_trigger_annotation_must_be_an_http_request(tmp_path: Path) -> None:
    error = _load(
        tmp_path,
        """
@app.route(route="x")
def handler(req: int) -> str:
    return "x"
""",
    )

    assert error is not None
    assert 'binding decorator "httpTrigger" does not match its Python annotation "int"' in error.message


def test_context_parameter_must_be_annotated_as_context(tmp_path: Path) -> None:
    error = _load(
        tmp_path,
        """
@app.route(route="x")
def handler(req: func.HttpRequest, context: str) -> str:
    return "x"
""",
    )

    assert error is not None
    assert (
        "the \"context\" parameter is expected to be of type azure.functions.Context, got <class 'str'>"
        in (error.message)
    )


def test_unresolvable_annotation_is_a_load_error(tmp_path: Path) -> None:
    error = _load(
        tmp_path,
        """
@app.activity_trigger(input_name="value")
def act(value: "NotDefinedAnywhere") -> str:
    return "x"
""",
    )

    assert error is not None
    assert "NameError" in error.message
    assert "NotDefinedAnywhere" in error.message


def test_context_parameter_and_client_are_recognised(tmp_path: Path) -> None:
    app_dir = write_app(
        tmp_path,
        _HEADER
        + """
@app.route(route="x")
@app.durable_client_input(client_name="starter")
async def handler(
    req: func.HttpRequest, starter: df.DurableOrchestrationClient, context: func.Context
) -> str:
    return "x"


@app.activity_trigger(input_name="value")
async def act(value: str) -> str:
    return value
""",
    )
    with loaded_app(app_dir) as app:
        http = app.registry.http_functions[0].function
        activity = app.registry.activities["act"].function

        assert (http.requires_context, http.is_async, http.trigger_param) == (True, True, "req")
        assert (activity.requires_context, activity.is_async) == (False, True)
