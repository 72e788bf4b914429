"""The Python worker's load-time checks of a function's signature against its bindings.

Reproduces `Registry.add_indexed_function` of azure-functions-python-worker (`functions.py`): parameters
are bound by name, a `context` parameter that is no binding receives a `func.Context`, and every
annotation must be a class or a `typing` generic (`typing.Dict[str, int]`). `Optional[...]`, `X | None`
and builtin generics such as `dict[str, int]` are rejected ("invalid non-type annotation"), and each
annotation must suit its binding's converter (the azure-functions library's own checks are used).
"""

from __future__ import annotations

import collections.abc
import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import azure.functions as func

from devhost.worker.errors import FunctionLoadError

RETURN_BINDING = "$return"

# typing's alias classes are private; the worker tests against them (typing_inspect.is_generic_type).
_ALIAS_TYPES = tuple(
    alias
    for alias in (getattr(typing, "_GenericAlias", None), getattr(typing, "_SpecialGenericAlias", None))
    if alias
)
_NOT_GENERIC_ORIGINS = (typing.Union, tuple, typing.ClassVar, collections.abc.Callable)
# The converter registry the worker consults (binding type -> converter class).
_CONVERTERS: Any = func.get_binding_registry()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class SignatureInfo:
    """What the invoker needs to know about a validated function."""

    requires_context: bool
    is_async: bool


def validate_signature(
    function_name: str, user_function: Callable[..., Any], bindings: Sequence[Mapping[str, Any]]
) -> SignatureInfo:
    """Check `user_function` against its raw bindings as the worker does; raise FunctionLoadError."""
    try:
        params = dict(inspect.signature(user_function).parameters)
        annotations = typing.get_type_hints(user_function)
    except Exception as exc:  # any failure to introspect is a load failure in the worker too
        raise _load_error(function_name, f"{type(exc).__name__}: {exc}") from exc

    bound: dict[str, Mapping[str, Any]] = {}
    return_type: str | None = None
    for binding in bindings:
        name, direction = binding["name"], binding["direction"]
        if direction == "INOUT":
            raise _load_error(function_name, '"inout" bindings are not supported')
        if name == RETURN_BINDING:
            if direction != "OUT":
                raise _load_error(function_name, '"$return" binding must have direction set to "out"')
            return_type = binding["type"]
        else:
            bound[name] = binding

    requires_context = _requires_context(function_name, params, bound, annotations)
    _check_names(function_name, params, bound)
    for name in params:
        if name in annotations:
            _check_parameter(function_name, name, annotations[name], bound[name])
    if return_type is not None and "return" in annotations:
        _check_return(function_name, annotations["return"], return_type)
    return SignatureInfo(requires_context, inspect.iscoroutinefunction(user_function))


def _requires_context(
    function_name: str,
    params: dict[str, inspect.Parameter],
    bound: Mapping[str, Mapping[str, Any]],
    annotations: Mapping[str, Any],
) -> bool:
    if "context" not in params or "context" in bound:
        return False
    params.pop("context")
    annotation = annotations.get("context")
    if "context" in annotations and (not isinstance(annotation, type) or annotation.__name__ != "Context"):
        raise _load_error(
            function_name,
            f'the "context" parameter is expected to be of type azure.functions.Context, got {annotation!r}',
        )
    return True


def _check_names(function_name: str, params: Mapping[str, Any], bound: Mapping[str, Any]) -> None:
    undeclared = set(params) - set(bound)
    if undeclared:
        raise _load_error(
            function_name,
            "the following parameters are declared in Python but not in the function definition "
            f"(function.json or function decorators): {undeclared!r}",
        )
    unbound = set(bound) - set(params)
    if unbound:
        raise _load_error(
            function_name,
            f"the following parameters are declared as bindings but are not present in Python: {unbound!r}",
        )


def _check_parameter(function_name: str, name: str, annotation: Any, binding: Mapping[str, Any]) -> None:
    is_out = _is_out_annotation(annotation)
    py_type = annotation
    if is_out:
        args = typing.get_args(annotation)
        if len(args) != 1:
            raise _load_error(function_name, f"binding {name} has invalid Out annotation {annotation!r}")
        py_type = args[0]
    if not isinstance(py_type, type) and not _is_generic(py_type):
        raise _load_error(function_name, f"binding {name} has invalid non-type annotation {annotation!r}")
    binding_is_out = binding["direction"] == "OUT"
    if binding_is_out and not is_out:
        raise _load_error(
            function_name,
            f'binding {name} is declared to have the "out" direction, but its annotation in Python is not '
            "a subclass of azure.functions.Out",
        )
    if is_out and not binding_is_out:
        raise _load_error(
            function_name,
            f'binding {name} is declared to have the "in" direction in the binding decorator, but its '
            "annotation is azure.functions.Out in Python",
        )
    binding_type = binding["type"]
    effective_type = (
        "generic" if py_type in (str, bytes) and not _has_implicit_output(binding_type) else binding_type
    )
    if not _annotation_fits(effective_type, py_type, output=is_out):
        raise _load_error(
            function_name,
            f'type of {name} binding in the binding decorator "{binding_type}" does not match its Python '
            f'annotation "{getattr(py_type, "__name__", py_type)}"',
        )


def _check_return(function_name: str, annotation: Any, binding_type: str) -> None:
    if _is_out_annotation(annotation):
        raise _load_error(function_name, "return annotation should not be azure.functions.Out")
    if not isinstance(annotation, type):
        raise _load_error(function_name, f"has invalid non-type return annotation {annotation!r}")
    if not _annotation_fits(binding_type, annotation, output=True):
        raise _load_error(
            function_name,
            f'Python return annotation "{annotation.__name__}" does not match binding type "{binding_type}"',
        )


def _annotation_fits(binding_type: str, py_type: Any, *, output: bool) -> bool:
    """The binding converter's own check; bindings without a converter accept str/bytes only."""
    converter = _CONVERTERS.get(binding_type)
    try:
        if converter is None:
            allowed = (str, bytes, bytearray) if output else (str, bytes)
            return isinstance(py_type, type) and issubclass(py_type, allowed)
        check = converter.check_output_type_annotation if output else converter.check_input_type_annotation
        return bool(check(py_type))
    except TypeError:  # issubclass() on a typing generic
        return False


def _has_implicit_output(binding_type: str) -> bool:
    converter = _CONVERTERS.get(binding_type)
    return bool(converter is not None and getattr(converter, "has_implicit_output", lambda: False)())


def _is_out_annotation(annotation: Any) -> bool:
    origin = typing.get_origin(annotation) if _is_generic(annotation) else annotation
    return isinstance(origin, type) and origin.__name__ == "Out"


def _is_generic(annotation: Any) -> bool:
    if isinstance(annotation, type):
        return issubclass(annotation, typing.Generic)
    return isinstance(annotation, _ALIAS_TYPES) and annotation.__origin__ not in _NOT_GENERIC_ORIGINS


def _load_error(function_name: str, message: str) -> FunctionLoadError:
    return FunctionLoadError(
        f"cannot load the {function_name} function: {message}", code="worker.function_load.signature"
    )
