"""HTTP trigger route templates with the Functions host's (ASP.NET Core) rules: parsing and matching.

Template syntax: literal segments (matched case-insensitively), `{name}`, optional `{name?}`, defaults
`{name=value}`, constraints `{id:int}`/`{id:length(5)}`/`{x:regex(^a+$)}` (several may be chained),
catch-all `{*rest}`/`{**rest}` in the last segment, complex segments such as `{name}.{ext}`, and
`{{`/`}}` for literal braces. Route values are URL-decoded (an encoded `/` stays `%2F`); a trailing
slash on the request path is ignored. `RouteTemplate.precedence` orders candidates like ASP.NET Core's
inbound precedence (literal > complex > constrained parameter > parameter > catch-all, per segment).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from devhost.worker.route_constraints import RouteConstraint, RouteConstraintError, resolve_constraint

_NAME_END = ":=?"
_ENCODED_SLASH_RE = re.compile("%2F", re.IGNORECASE)


class RouteTemplateError(ValueError):
    """The route template is malformed or uses an unknown constraint."""


@dataclass(frozen=True)
class Parameter:
    """One `{...}` route parameter."""

    name: str
    constraints: tuple[RouteConstraint, ...] = ()
    default: str | None = None
    optional: bool = False
    catch_all: bool = False

    def accepts(self, value: str) -> bool:
        """All constraints hold for `value`."""
        return all(check(value) for check in self.constraints)


Part = str | Parameter


@dataclass(frozen=True)
class Segment:
    """A path segment of the template: literal text and parameters."""

    parts: tuple[Part, ...]
    pattern: re.Pattern[str] | None = None

    @property
    def parameter(self) -> Parameter | None:
        """The parameter when the segment is exactly one parameter."""
        only = self.parts[0] if len(self.parts) == 1 else None
        return only if isinstance(only, Parameter) else None

    @property
    def precedence(self) -> int:
        """ASP.NET Core inbound precedence digit: lower is tried first."""
        parameter = self.parameter
        if parameter is None:
            return 1 if len(self.parts) == 1 else 2
        if parameter.catch_all:
            return 5
        return 3 if parameter.constraints else 4


@dataclass(frozen=True)
class RouteTemplate:
    """A parsed route template; `match` returns the route values or None."""

    text: str
    segments: tuple[Segment, ...]

    @property
    def precedence(self) -> tuple[int, ...]:
        """Per-segment precedence digits, compared lexicographically."""
        return tuple(segment.precedence for segment in self.segments)

    def match(self, path: str) -> dict[str, str] | None:
        """Match a raw (still percent-encoded) request path relative to the site root."""
        values = split_path(path)
        if values is None:
            return None
        route_values: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            parameter = segment.parameter
            if parameter is not None and parameter.catch_all:
                rest = "/".join(values[index:])
                return route_values if _bind(parameter, rest, route_values) else None
            if index >= len(values):
                return route_values if _bind_missing(self.segments[index:], route_values) else None
            if not _match_segment(segment, values[index], route_values):
                return None
        return route_values if len(values) == len(self.segments) else None


def parse_route_template(text: str) -> RouteTemplate:
    """Parse a route template; raises RouteTemplateError with the reason."""
    trimmed = text.strip()
    trimmed = trimmed[2:] if trimmed.startswith("~/") else trimmed.lstrip("/")
    raw_segments = trimmed.split("/") if trimmed else []
    if any(raw == "" for raw in raw_segments):
        raise RouteTemplateError(f"The route template '{text}' contains an empty segment.")
    segments = tuple(_parse_segment(raw, text) for raw in raw_segments)
    _validate(segments, text)
    return RouteTemplate(text, segments)


def split_path(path: str) -> list[str] | None:
    """Split a raw request path into decoded segments (trailing slash ignored); None if malformed."""
    trimmed = path.lstrip("/")
    if trimmed.endswith("/"):
        trimmed = trimmed[:-1]
    if not trimmed:
        return []
    return [unquote(_ENCODED_SLASH_RE.sub("%252F", raw)) for raw in trimmed.split("/")]


def _match_segment(segment: Segment, value: str, route_values: dict[str, str]) -> bool:
    parameter = segment.parameter
    if parameter is not None:
        return value != "" and _bind(parameter, value, route_values)
    if segment.pattern is None:
        literal = segment.parts[0]
        return isinstance(literal, str) and literal.casefold() == value.casefold()
    found = segment.pattern.fullmatch(value)
    if found is None:
        return False
    parameters = [part for part in segment.parts if isinstance(part, Parameter)]
    return all(_bind(p, found.group(i + 1) or "", route_values) for i, p in enumerate(parameters))


def _bind(parameter: Parameter, value: str, route_values: dict[str, str]) -> bool:
    if value == "":
        if parameter.default is not None:
            route_values[parameter.name] = parameter.default
        return True
    if not parameter.accepts(value):
        return False
    route_values[parameter.name] = value
    return True


def _bind_missing(segments: Sequence[Segment], route_values: dict[str, str]) -> bool:
    for segment in segments:
        parameter = segment.parameter
        if parameter is None or not (
            parameter.optional or parameter.catch_all or parameter.default is not None
        ):
            return False
        if parameter.default is not None:
            route_values[parameter.name] = parameter.default
    return True


def _parse_segment(raw: str, template: str) -> Segment:
    parts: list[Part] = []
    literal: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if raw.startswith("{{", index) or raw.startswith("}}", index):
            literal.append(char)
            index += 2
        elif char == "{":
            if literal:
                parts.append("".join(literal))
                literal = []
            body, index = _read_parameter(raw, index + 1, template)
            parts.append(_parse_parameter(body, template))
        elif char == "}":
            raise RouteTemplateError(f"Unbalanced '}}' in route template '{template}'.")
        else:
            literal.append(char)
            index += 1
    if literal:
        parts.append("".join(literal))
    return Segment(tuple(parts), _complex_pattern(parts, template) if len(parts) > 1 else None)


def _read_parameter(raw: str, start: int, template: str) -> tuple[str, int]:
    body: list[str] = []
    index = start
    while index < len(raw):
        if raw.startswith("}}", index) or raw.startswith("{{", index):
            body.append(raw[index])
            index += 2
        elif raw[index] == "}":
            return "".join(body), index + 1
        elif raw[index] == "{":
            raise RouteTemplateError(f"Unescaped '{{' inside a parameter of route template '{template}'.")
        else:
            body.append(raw[index])
            index += 1
    raise RouteTemplateError(f"Missing '}}' in route template '{template}'.")


def _parse_parameter(body: str, template: str) -> Parameter:
    catch_all = body.startswith("*")
    rest = body.lstrip("*") if catch_all else body
    if catch_all and len(body) - len(rest) > 2:
        raise RouteTemplateError(f"Invalid catch-all parameter '{{{body}}}' in route template '{template}'.")
    end = next((i for i, char in enumerate(rest) if char in _NAME_END), len(rest))
    name, rest = rest[:end], rest[end:]
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise RouteTemplateError(f"Invalid parameter name '{name}' in route template '{template}'.")
    constraints: list[RouteConstraint] = []
    while rest.startswith(":"):
        constraint, rest = _read_constraint(rest[1:], template)
        constraints.append(constraint)
    optional = rest.endswith("?")
    rest = rest[:-1] if optional else rest
    default: str | None = None
    if rest.startswith("="):
        default = rest[1:]
    elif rest:
        raise RouteTemplateError(f"Invalid parameter '{{{body}}}' in route template '{template}'.")
    if optional and (default is not None or catch_all):
        raise RouteTemplateError(
            "An optional parameter cannot have a default value or be a catch-all: "
            f"'{{{body}}}' in '{template}'."
        )
    return Parameter(name, tuple(constraints), default, optional, catch_all)


def _read_constraint(text: str, template: str) -> tuple[RouteConstraint, str]:
    match = re.match(r"[A-Za-z]+", text)
    if match is None:
        raise RouteTemplateError(f"Invalid inline constraint in route template '{template}'.")
    name, rest = match.group(0), text[match.end() :]
    args: tuple[str, ...] = ()
    if rest.startswith("("):
        close = next((i for i in range(len(rest)) if rest[i] == ")" and _at_end(rest, i + 1)), -1)
        if close < 0:
            raise RouteTemplateError(f"Unclosed '(' in constraint '{name}' of route template '{template}'.")
        args = tuple(arg.strip() for arg in rest[1:close].split(",")) if close > 1 else ()
        rest = rest[close + 1 :]
    try:
        return resolve_constraint(name, args), rest
    except RouteConstraintError as exc:
        raise RouteTemplateError(f"{exc} (route template '{template}')") from exc


def _at_end(text: str, index: int) -> bool:
    return index == len(text) or text[index] in _NAME_END


def _complex_pattern(parts: Sequence[Part], template: str) -> re.Pattern[str]:
    """Regex of a segment mixing literals and parameters (`{name}.{ext?}`, `v{major}-{minor}`).

    Greedy groups give ASP.NET Core's right-to-left literal search; an optional parameter must be last
    and follow a '.' literal, which becomes optional with it.
    """
    pieces: list[str] = []
    for index, part in enumerate(parts):
        previous = parts[index - 1] if index else None
        if isinstance(part, str):
            pieces.append(re.escape(part))
            continue
        if isinstance(previous, Parameter) or part.catch_all or part.default is not None:
            raise RouteTemplateError(
                "A path segment containing several parameters needs literals between them and cannot "
                f"hold catch-all or default parameters: '{template}'."
            )
        if not part.optional:
            pieces.append("(.+)")
        elif index == len(parts) - 1 and previous == "." and index >= 2:
            # `{name}.{ext?}`: the extension follows the last '.', and the '.' goes with it.
            pieces[-2:] = ["(.+?)", r"(?:\.([^.]+))?"]
        else:
            raise RouteTemplateError(
                f"In a complex segment an optional parameter must come last, after a '.': '{template}'."
            )
    return re.compile("".join(pieces), re.IGNORECASE | re.DOTALL)


def _validate(segments: Sequence[Segment], template: str) -> None:
    names: set[str] = set()
    seen_optional = False
    for index, segment in enumerate(segments):
        for part in segment.parts:
            if not isinstance(part, Parameter):
                continue
            if part.name.casefold() in names:
                raise RouteTemplateError(f"The route parameter name '{part.name}' appears more than once.")
            names.add(part.name.casefold())
            if part.catch_all and index != len(segments) - 1:
                raise RouteTemplateError(f"A catch-all parameter can only be the last segment: '{template}'.")
        parameter = segment.parameter
        skippable = parameter is not None and (
            parameter.optional or parameter.catch_all or parameter.default is not None
        )
        if seen_optional and not skippable:
            raise RouteTemplateError(
                f"An optional parameter must be at the end of the template: '{template}'."
            )
        seen_optional = seen_optional or (parameter is not None and parameter.optional)
