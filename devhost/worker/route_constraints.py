"""Inline route constraints of ASP.NET Core route templates (`{id:int}`, `{code:length(5)}`, ...).

The same set the Functions host resolves with the default constraint map. Each constraint is a
predicate over the (already URL-decoded) route value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

RouteConstraint = Callable[[str], bool]

INT32_RANGE = (-(2**31), 2**31 - 1)
INT64_RANGE = (-(2**63), 2**63 - 1)

_INTEGER_RE = re.compile(r"^\s*[+-]?\d+\s*$")
_FLOAT_RE = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
_DECIMAL_RE = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$")
_ALPHA_RE = re.compile(r"^[a-z]*$", re.IGNORECASE)
_HEX = r"[0-9a-fA-F]"
_GUID_D = rf"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
_GUID_RE = re.compile(rf"^\s*(?:{_HEX}{{32}}|{_GUID_D}|\{{{_GUID_D}\}}|\({_GUID_D}\))\s*$")
_DATETIME_FORMATS = ("%m/%d/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%d %B %Y", "%B %d, %Y")


class RouteConstraintError(ValueError):
    """The constraint is unknown or its arguments are invalid."""


def resolve_constraint(name: str, args: tuple[str, ...]) -> RouteConstraint:
    """Build the predicate of constraint `name(args...)`; unknown names are an error, as in the host."""
    key = name.lower()
    if key in _NO_ARG:
        _expect_args(name, args, 0)
        return _NO_ARG[key]
    if key == "regex":
        return _regex(name, args)
    if key in _INT_ARGS:
        return _INT_ARGS[key](name, [_int_arg(name, arg) for arg in args])
    raise RouteConstraintError(
        f"The constraint reference '{name}' could not be resolved to a type: known constraints are "
        f"{', '.join(sorted([*_NO_ARG, 'regex', *_INT_ARGS]))}."
    )


def _integer_in(bounds: tuple[int, int]) -> RouteConstraint:
    def check(value: str) -> bool:
        return bool(_INTEGER_RE.match(value)) and bounds[0] <= int(value) <= bounds[1]

    return check


def _is_bool(value: str) -> bool:
    return value.strip().lower() in ("true", "false")


def _is_datetime(value: str) -> bool:
    text = value.strip()
    try:
        datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        return True
    for fmt in _DATETIME_FORMATS:
        try:
            datetime.strptime(text, fmt)
        except ValueError:
            continue
        return True
    return False


def _is_float(value: str) -> bool:
    return bool(_FLOAT_RE.match(value)) or value.strip() in ("NaN", "Infinity", "-Infinity")


def _is_file(value: str) -> bool:
    last = value.rsplit("/", 1)[-1]
    dot = last.rfind(".")
    return 0 <= dot < len(last) - 1


_NO_ARG: dict[str, RouteConstraint] = {
    "int": _integer_in(INT32_RANGE),
    "long": _integer_in(INT64_RANGE),
    "bool": _is_bool,
    "datetime": _is_datetime,
    "decimal": lambda value: bool(_DECIMAL_RE.match(value)),
    "double": _is_float,
    "float": _is_float,
    "guid": lambda value: bool(_GUID_RE.match(value)),
    "alpha": lambda value: bool(_ALPHA_RE.match(value)),
    "required": lambda value: value != "",
    "file": _is_file,
    "nonfile": lambda value: not _is_file(value),
}


def _length(name: str, bounds: list[int]) -> RouteConstraint:
    if len(bounds) == 1:
        return lambda value: len(value) == bounds[0]
    _expect_args(name, tuple(map(str, bounds)), 2)
    low, high = bounds
    return lambda value: low <= len(value) <= high


def _one_bound(check: Callable[[int, str], bool]) -> Callable[[str, list[int]], RouteConstraint]:
    def build(name: str, bounds: list[int]) -> RouteConstraint:
        _expect_args(name, tuple(map(str, bounds)), 1)
        return lambda value: check(bounds[0], value)

    return build


def _long_value(value: str) -> int | None:
    return int(value) if _integer_in(INT64_RANGE)(value) else None


def _range(name: str, bounds: list[int]) -> RouteConstraint:
    _expect_args(name, tuple(map(str, bounds)), 2)
    low, high = bounds

    def check(value: str) -> bool:
        number = _long_value(value)
        return number is not None and low <= number <= high

    return check


def _at_least(bound: int, value: str) -> bool:
    number = _long_value(value)
    return number is not None and number >= bound


def _at_most(bound: int, value: str) -> bool:
    number = _long_value(value)
    return number is not None and number <= bound


_INT_ARGS: dict[str, Callable[[str, list[int]], RouteConstraint]] = {
    "length": _length,
    "minlength": _one_bound(lambda bound, value: len(value) >= bound),
    "maxlength": _one_bound(lambda bound, value: len(value) <= bound),
    "min": _one_bound(_at_least),
    "max": _one_bound(_at_most),
    "range": _range,
}


def _regex(name: str, args: tuple[str, ...]) -> RouteConstraint:
    pattern = ",".join(args)
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RouteConstraintError(f"Invalid regular expression in constraint '{name}': {exc}") from exc
    return lambda value: compiled.search(value) is not None


def _int_arg(name: str, arg: str) -> int:
    if not _INTEGER_RE.match(arg):
        raise RouteConstraintError(f"Constraint '{name}' expects integer arguments, got '{arg}'.")
    return int(arg)


def _expect_args(name: str, args: tuple[str, ...], count: int) -> None:
    if len(args) != count:
        raise RouteConstraintError(f"Constraint '{name}' takes {count} argument(s), got {len(args)}.")
