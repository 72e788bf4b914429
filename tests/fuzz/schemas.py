"""Hypothesis strategies from the JSON Schemas of an OpenAPI document: values a schema accepts, and
values it refuses for a reason a strict validator cannot miss.

Covers the subset pydantic emits: `$ref`, `anyOf`, `enum`, objects with `additionalProperties: false`,
arrays with bounds, strings with `pattern`/length/`date-time`, bounded integers and numbers, booleans,
null. "Accepted by the schema" is not "accepted by the model" (the schema cannot say "two decimal
places"), which is fine for fuzzing; the *broken* values are refused by both.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC
from typing import Any

from hypothesis import strategies as st

Schema = dict[str, Any]
MAX_LIST = 4  # arrays are generated short; `maxItems` is tested by the broken values
# Hostile strings for identifier-like fields (see `hostile_strings`).
TRICKS = (
    "..",
    ".",
    "../x",
    "..\\x",
    "/",
    "%2F",
    "%252F",
    "#",
    "?",
    "?x=1",
    ":approval",
    "@inventory@",
    "@",
    "\\",
    "*",
    "\x00",
    "\n",
    "\r\n",
    "\t",
    " ",
    "\x7f",
    "\u202e",  # right-to-left override
    "\ufeff",  # byte-order mark
    "\u200b",  # zero-width space
    "\uff0f",  # fullwidth solidus
    "\u2215",  # division slash
    "\uff4f",  # fullwidth o
    "\u0430",  # Cyrillic a
    "e\u0301",  # combining acute
    "\U0001d552",  # mathematical double-struck a
    "\U0001f600",
)


class SchemaStrategies:
    """Strategies for the schemas of one document (`components` resolves `$ref`)."""

    def __init__(self, components: dict[str, Schema]) -> None:
        self._components = components

    def resolve(self, schema: Schema) -> Schema:
        while "$ref" in schema:
            schema = {**self._components[schema["$ref"].rsplit("/", 1)[-1]], **_without(schema, "$ref")}
        return schema

    def valid(self, schema: Schema) -> st.SearchStrategy[Any]:
        """Values the schema accepts."""
        schema = self.resolve(schema)
        if "anyOf" in schema:
            return st.one_of([self.valid(option) for option in schema["anyOf"]])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        kind = schema.get("type")
        if kind == "object":
            properties = schema.get("properties", {})
            required = set(schema.get("required", []))
            return st.fixed_dictionaries(
                {name: self.valid(sub) for name, sub in properties.items() if name in required},
                optional={name: self.valid(sub) for name, sub in properties.items() if name not in required},
            )
        if kind == "array":
            return st.lists(
                self.valid(schema.get("items", {})),
                min_size=schema.get("minItems", 0),
                max_size=min(schema.get("maxItems", MAX_LIST), max(MAX_LIST, schema.get("minItems", 0))),
            )
        return _scalar(schema)

    def broken(self, schema: Schema) -> st.SearchStrategy[Any]:
        """A value the schema accepts with exactly one thing made invalid, somewhere inside it."""
        return self.valid(schema).flatmap(lambda value: self._break(value, schema))

    def _break(self, value: Any, schema: Schema) -> st.SearchStrategy[Any]:
        schema = self.resolve(schema)
        options: list[st.SearchStrategy[Any]] = [st.just(_wrong_type(schema))]
        if schema.get("type") == "object" and isinstance(value, dict):
            options.extend(self._broken_objects(value, schema))
        elif schema.get("type") == "array" and isinstance(value, list):
            options.extend(self._broken_arrays(value, schema))
        elif "anyOf" not in schema:
            options.extend(_broken_scalars(schema))
        return st.one_of(options)

    def _broken_objects(self, value: dict[str, Any], schema: Schema) -> list[st.SearchStrategy[Any]]:
        properties: dict[str, Schema] = schema.get("properties", {})
        options = []
        if schema.get("additionalProperties") is False:
            unknown = st.text(min_size=1, max_size=12).filter(lambda name: name not in properties)
            options.append(st.builds(lambda name, extra: {**value, name: extra}, unknown, st.integers()))
        for name in schema.get("required", []):
            options.append(st.just(_without(value, name)))
        for name, item in value.items():
            options.append(self._break(item, properties[name]).map(functools.partial(_replaced, value, name)))
        return options

    def _broken_arrays(self, value: list[Any], schema: Schema) -> list[st.SearchStrategy[Any]]:
        options: list[st.SearchStrategy[Any]] = []
        if schema.get("minItems", 0) > 0:
            options.append(st.just([]))
        if value and "maxItems" in schema:
            options.append(st.just((value * (schema["maxItems"] + 1))[: schema["maxItems"] + 1]))
        for index, item in enumerate(value):
            broken = self._break(item, schema.get("items", {}))
            options.append(broken.map(functools.partial(_replaced_item, value, index)))
        return options


def _replaced(mapping: dict[str, Any], key: str, item: Any) -> dict[str, Any]:
    return {**mapping, key: item}


def _replaced_item(items: list[Any], index: int, item: Any) -> list[Any]:
    return [*items[:index], item, *items[index + 1 :]]


def _without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: item for name, item in mapping.items() if name != key}


def _string(schema: Schema) -> st.SearchStrategy[str]:
    if "pattern" in schema:
        return st.from_regex(str(schema["pattern"]), fullmatch=True).filter(
            lambda text: schema.get("minLength", 0) <= len(text) <= schema.get("maxLength", 10**6)
        )
    if schema.get("format") == "date-time":
        return st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat())
    return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 40))


def _scalar(schema: Schema) -> st.SearchStrategy[Any]:
    kind = schema.get("type")
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        low = schema.get("minimum", _after(schema.get("exclusiveMinimum"), 1))
        high = schema.get("maximum", _after(schema.get("exclusiveMaximum"), -1))
        return st.integers(min_value=low, max_value=high)
    if kind == "number":
        return st.floats(
            min_value=schema.get("minimum", schema.get("exclusiveMinimum")),
            max_value=schema.get("maximum", schema.get("exclusiveMaximum")),
            exclude_min="exclusiveMinimum" in schema,
            exclude_max="exclusiveMaximum" in schema,
            allow_nan=False,
            allow_infinity=False,
        )
    simple = {"boolean": st.booleans(), "null": st.none()}
    return simple.get(str(kind), st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)))


def _after(bound: float | None, step: int) -> int | None:
    return None if bound is None else int(bound) + step


def _wrong_type(schema: Schema) -> Any:
    """A value no type the schema allows can take (pydantic's lax mode converts much, not a container)."""
    return {"unexpected": [1]} if schema.get("type") == "array" else [{"unexpected": 1}]


def _broken_scalars(schema: Schema) -> list[st.SearchStrategy[Any]]:
    """Out-of-range numbers, over-long and too-short strings, strings outside the pattern."""
    options: list[st.SearchStrategy[Any]] = []
    for bound, step in (("minimum", -1), ("maximum", 1)):
        if bound in schema:
            options.append(st.just(schema[bound] + step))
    for bound in ("exclusiveMinimum", "exclusiveMaximum"):
        if bound in schema:
            options.append(st.just(schema[bound]))
    if schema.get("type") == "string":
        if "maxLength" in schema:
            options.append(st.just("x" * (schema["maxLength"] + 1)))
        if schema.get("minLength", 0) > 0:
            options.append(st.just(""))
        if "pattern" in schema:
            options.append(hostile_strings(schema["pattern"]))
        if "enum" in schema:
            options.append(st.text(max_size=8).filter(lambda text: text not in schema["enum"]))
    return options


def hostile_strings(pattern: str, base: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    """Strings outside `pattern`: path tricks, control characters, look-alikes, unicode, very long."""
    base = base if base is not None else st.from_regex(pattern, fullmatch=True).map(lambda text: text[:16])
    trick = st.sampled_from(TRICKS)
    candidates = st.one_of(
        trick,
        st.tuples(base, trick, st.text(max_size=8)).map("".join),
        st.tuples(trick, base).map("".join),
        st.text(min_size=1, max_size=40),
        st.integers(min_value=129, max_value=3000).map(lambda size: "a" * size),
        st.tuples(base, st.sampled_from(("-", "_", "A"))).map(lambda parts: parts[0] + parts[1] * 200),
    )
    return candidates.filter(lambda text: re.fullmatch(pattern, text) is None)
