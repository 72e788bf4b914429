"""A minimal evaluator for the ARM template expressions the infra tests resolve.

Compiled Bicep passes values between modules as ARM expressions (`[variables('x')]`, `[concat(...)]`).
The tests resolve the deterministic part (parameters, variables, literals and a few pure functions)
and keep what only Azure knows at deployment time (`reference()`, `uniqueString()`, ...) as `Opaque`
text, so they can still assert where such a value comes from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+)|(?P<name>[A-Za-z_][\w]*)|(?P<punct>[(),.\[\]]))"
)
_DEPLOYMENTS = "Microsoft.Resources/deployments/"


@dataclass(frozen=True)
class Opaque:
    """A value only Azure can compute at deployment time, kept as its expression text."""

    expression: str


def _tokenize(text: str) -> list[tuple[str, str, int, int]]:
    tokens: list[tuple[str, str, int, int]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            if text[position:].strip() == "":
                break
            raise ValueError(f"cannot tokenize ARM expression at {position}: {text!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind), match.start(kind), match.end()))
        position = match.end()
    return tokens


def _format(template: str, *args: Any) -> str:
    return re.sub(r"\{(\d+)\}", lambda m: str(args[int(m.group(1))]), template)


def _concat(*args: Any) -> Any:
    if all(isinstance(arg, list) for arg in args):
        return [item for arg in args for item in arg]
    return "".join(str(arg) for arg in args)


# Functions that build arrays and objects accept Opaque members; the others need known arguments.
_CONSTRUCTORS: dict[str, Callable[..., Any]] = {
    "createArray": lambda *args: list(args),
    "createObject": lambda *args: dict(zip(args[::2], args[1::2], strict=True)),
}


def _union(*args: Any) -> Any:
    if all(isinstance(arg, dict) for arg in args):
        return {key: value for arg in args for key, value in arg.items()}
    return list(dict.fromkeys(item for arg in args for item in arg))


_PURE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "union": _union,
    "concat": _concat,
    "format": _format,
    "toLower": lambda value: value.lower(),
    "empty": lambda value: len(value) == 0,
    "length": len,
    # Relative ids (`<type>/<name>`) are enough to tell resources apart in one resource group.
    "resourceId": lambda resource_type, *names: "/".join((resource_type, *names)),
    "not": lambda value: not value,
}


@dataclass
class Scope:
    """One template with the parameter values it is deployed with."""

    template: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    # Stand-ins for deployment-time functions (uniqueString, resourceGroup...), when a test needs values.
    runtime_functions: dict[str, Callable[..., Any]] = field(default_factory=dict)

    def parameter(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        definition = self.template["parameters"][name]
        if "defaultValue" not in definition:
            raise KeyError(f"parameter {name!r} has no value and no default")
        return self.resolve(definition["defaultValue"])

    def variable(self, name: str) -> Any:
        return self.resolve(self.template["variables"][name])

    def resolve(self, value: Any) -> Any:
        """Resolve every expression inside a template value (strings, lists, objects)."""
        if isinstance(value, str) and value.startswith("[") and not value.startswith("[["):
            return self.evaluate(value[1:-1])
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict):
            return {self.resolve(key): self.resolve(item) for key, item in value.items()}
        return value

    def evaluate(self, expression: str) -> Any:
        tokens = _tokenize(expression)
        value, end = self._expression(expression, tokens, 0)
        if end != len(tokens):
            raise ValueError(f"unexpected trailing tokens in {expression!r}")
        return value

    def child(self, deployment: dict[str, Any]) -> Scope:
        """The scope of a nested (module) deployment, its parameters resolved in this scope."""
        properties = deployment["properties"]
        values = {name: self.resolve(entry["value"]) for name, entry in properties["parameters"].items()}
        return Scope(properties["template"], values, self.runtime_functions)

    def resources(self) -> Iterator[tuple[Scope, dict[str, Any]]]:
        """Every resource this template deploys, one per loop iteration, descending into modules.

        Each comes with the scope to resolve it in (inside a loop, `copyIndex()` is that iteration);
        resources whose condition is false are left out, as Azure would.
        """
        declared = self.template.get("resources", [])
        for resource in declared.values() if isinstance(declared, dict) else declared:
            if resource.get("existing"):
                continue
            copy = resource.get("copy")
            scopes = [self._iteration(i) for i in range(self.resolve(copy["count"]))] if copy else [self]
            for scope in scopes:
                if scope.resolve(resource.get("condition", True)) is False:
                    continue
                yield scope, resource
                if resource["type"] == "Microsoft.Resources/deployments":
                    yield from scope.child(resource).resources()

    def _module_result(self, deployment_name: str) -> dict[str, Any]:
        """What `reference()` of a module deployment returns: its outputs, resolved in the module."""
        [deployment] = [
            resource
            for resource in self.template["resources"]
            if resource["type"] == "Microsoft.Resources/deployments" and resource["name"] == deployment_name
        ]
        module = self.child(deployment)
        outputs = module.template.get("outputs", {})
        return {
            "outputs": {name: {"value": module.resolve(output["value"])} for name, output in outputs.items()}
        }

    def _iteration(self, index: int) -> Scope:
        return Scope(self.template, self.parameters, {**self.runtime_functions, "copyIndex": lambda: index})

    def _expression(
        self, source: str, tokens: list[tuple[str, str, int, int]], index: int
    ) -> tuple[Any, int]:
        kind, text, start, _ = tokens[index]
        if kind == "string":
            value: Any = text[1:-1].replace("''", "'")
            index += 1
        elif kind == "number":
            value = int(text)
            index += 1
        elif kind == "name" and tokens[index + 1][1] == "(":
            args: list[Any] = []
            index += 2
            while tokens[index][1] != ")":
                arg, index = self._expression(source, tokens, index)
                args.append(arg)
                if tokens[index][1] == ",":
                    index += 1
            index += 1
            value = self._call(text, args, source[start : tokens[index - 1][3]])
        else:
            raise ValueError(f"unexpected token {text!r} in {source!r}")
        while index < len(tokens) and tokens[index][1] in (".", "["):
            if tokens[index][1] == ".":
                member = tokens[index + 1][1]
                index += 2
                value = (
                    value[member] if isinstance(value, dict) else Opaque(source[start : tokens[index - 1][3]])
                )
            else:
                key, index = self._expression(source, tokens, index + 1)
                index += 1  # the closing bracket
                opaque = isinstance(value, Opaque) or isinstance(key, Opaque)
                value = Opaque(source[start : tokens[index - 1][3]]) if opaque else value[key]
        return value, index

    def _call(self, name: str, args: list[Any], text: str) -> Any:
        if name == "reference" and isinstance(args[0], str) and args[0].startswith(_DEPLOYMENTS):
            return self._module_result(args[0].removeprefix(_DEPLOYMENTS))
        lookups: dict[str, Callable[[str], Any]] = {"parameters": self.parameter, "variables": self.variable}
        if name in lookups:
            return lookups[name](args[0])
        if name in _CONSTRUCTORS:
            return _CONSTRUCTORS[name](*args)
        function = _PURE_FUNCTIONS.get(name) or self.runtime_functions.get(name)
        if function is None or any(isinstance(arg, Opaque) for arg in args):
            return Opaque(text)
        return function(*args)
