"""Request strategies for every operation of the OpenAPI document.

Two families:
- `from_schema()`: requests the document describes (valid path values, bodies from the schemas, some
  seeded ids): the API may accept or refuse them, but never with a 5xx or an undocumented status;
- `refused()`: requests that must not change anything. Each has a part that makes refusal certain:
  a path value outside its pattern (percent-encoded, or raw `/`, `..`, `?`, `#`, `%2F`), a body broken
  in one place, malformed or not JSON, the wrong content type, an oversized body, a method the path
  does not serve; or it targets what cannot take it: an unknown instance, an order id that exists, a
  finished instance to terminate, a running one to purge. GETs are included as they are read-only.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from hypothesis import strategies as st

from api.responses import MAX_BODY_BYTES
from tests.fuzz.operations import Operation, Seeds, operations
from tests.fuzz.schemas import Schema, SchemaStrategies, hostile_strings
from tests.fuzz.wire import RawRequest

JSON = (("content-type", "application/json"),)
WRONG_CONTENT_TYPES = (
    "text/plain",
    "text/html",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/octet-stream",
    "application/jsonx",
    "json",
    "application/json-patch",
)
# Appended raw to a fresh id: every one splits the path, cuts it short or leaves `.`, `%`, `/` in the
# decoded value, which no id pattern allows, so the request reaches no route or is refused.
RAW_TRICKS = (
    "/..",
    "/../x",
    "/",
    "?",
    "?x=1",
    "#",
    "#x",
    "..",
    "%2F",
    "%2f..%2f",
    "%252F",
    "%00",
    "%",
    "%G0",
)
OTHER_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Operations that act on something that must already exist: a fresh id gets 404.
NEED_EXISTING = frozenset({"decide_approval", "stop_device_monitor", "terminate_instance", "purge_instance"})


def _encode(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _is_json_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except ValueError:
        return False


class RequestStrategies:
    def __init__(self, document: dict[str, Any], seeds: Seeds) -> None:
        self.operations = operations(document)
        self.seeds = seeds
        self.schemas = SchemaStrategies(document["components"]["schemas"])
        self._paths = {(op.path, op.method) for op in self.operations}

    def fresh(self, schema: Schema) -> st.SearchStrategy[str]:
        """A valid path value that names nothing seeded."""
        values: st.SearchStrategy[str] = self.schemas.valid(schema)
        return values.filter(lambda value: "seed" not in value.lower())

    def _fresh_values(self, op: Operation) -> st.SearchStrategy[dict[str, str]]:
        return st.fixed_dictionaries({name: self.fresh(schema) for name, schema in op.parameters.items()})

    def _body(self, op: Operation) -> st.SearchStrategy[bytes]:
        return self.schemas.valid(op.body).map(_json) if op.body else st.just(b"")

    # Requests the document describes

    def from_schema(self) -> st.SearchStrategy[RawRequest]:
        return st.sampled_from(self.operations).flatmap(self._described)

    def _described(self, op: Operation) -> st.SearchStrategy[RawRequest]:
        seeded = self.seeds.ids()
        values = st.fixed_dictionaries(
            {
                name: st.one_of(self.schemas.valid(schema), st.sampled_from(seeded.get(name, ["x"])))
                for name, schema in op.parameters.items()
            }
        )
        query = st.dictionaries(st.sampled_from(op.query), st.text(max_size=20)) if op.query else st.just({})
        body = self._body(op) if op.body_required else st.one_of(st.just(b""), self._body(op))
        return st.builds(
            lambda given, asked, raw: RawRequest(
                op.operation_id,
                "from schema",
                op.method,
                op.target({k: _encode(v) for k, v in given.items()}, urllib.parse.urlencode(asked)),
                JSON,
                raw,
            ),
            values,
            query,
            body,
        )

    # Requests that must change nothing

    def refused(self) -> st.SearchStrategy[RawRequest]:
        return st.sampled_from(self.operations).flatmap(
            lambda op: st.one_of([strategy(op) for strategy in self._refusals(op)])
        )

    def _refusals(self, op: Operation) -> list[Any]:
        kinds: list[Any] = [self._wrong_method]
        if op.parameters:
            kinds += [self._hostile_path, self._raw_path_trick]
        if op.body is not None:
            kinds += [self._broken_body, self._malformed_body, self._wrong_content_type, self._oversized]
        if op.operation_id in NEED_EXISTING:
            kinds.append(self._unknown_target)
        if op.operation_id in self.seeds.refusing_targets():
            kinds.append(self._seeded_target)
        if op.method == "GET":
            kinds.append(self._read)
        return kinds

    def _request(
        self, op: Operation, kind: str, values: dict[str, str], body: bytes, **options: Any
    ) -> RawRequest:
        return RawRequest(
            op.operation_id,
            kind,
            options.pop("method", op.method),
            options.pop("target", None) or op.target(values),
            options.pop("headers", JSON),
            body,
            must_reject=options.pop("must_reject", True),
        )

    def _hostile_path(self, op: Operation) -> st.SearchStrategy[RawRequest]:
        """One path value outside its pattern (control characters, unicode, `..`, very long...), encoded."""

        @st.composite
        def build(draw: st.DrawFn) -> RawRequest:
            values = draw(self._fresh_values(op))
            name = draw(st.sampled_from(sorted(op.parameters)))
            pattern = op.parameters[name]["pattern"]
            values[name] = draw(hostile_strings(pattern, st.sampled_from(self._seed_bases(name))))
            encoded = {key: _encode(value) for key, value in values.items()}
            return self._request(op, "hostile path", encoded, draw(self._body(op)))

        return build()

    def _seed_bases(self, name: str) -> list[str]:
        return self.seeds.ids().get(name, ["seed"])

    def _raw_path_trick(self, op: Operation) -> st.SearchStrategy[RawRequest]:
        """A fresh id with `/`, `..`, `?`, `#` or an encoded slash appended as is (not re-encoded)."""

        @st.composite
        def build(draw: st.DrawFn) -> RawRequest:
            values = {key: _encode(value) for key, value in draw(self._fresh_values(op)).items()}
            name = draw(st.sampled_from(sorted(op.parameters)))
            tail = draw(st.from_regex(r"[a-z0-9]{0,8}", fullmatch=True))
            values[name] += draw(st.sampled_from(RAW_TRICKS)) + tail
            # A read that a cut-short path turns into another read is fine; anything else must be refused.
            return self._request(
                op, "raw path trick", values, draw(self._body(op)), must_reject=op.method != "GET"
            )

        return build()

    def _broken_body(self, op: Operation) -> st.SearchStrategy[RawRequest]:
        assert op.body is not None
        return st.builds(
            lambda values, body: self._request(op, "broken body", values, _json(body)),
            self._any_values(op),
            self.schemas.broken(op.body),
        )

    def _malformed_body(self, op: Operation) -> st.SearchStrategy[RawRequest]:
        """Bytes that are not a JSON object (never blank: a blank body is valid where it is optional)."""
        valid = self._body(op)
        malformed = st.one_of(
            st.binary(min_size=1, max_size=200),
            valid.map(lambda raw: raw[: max(1, len(raw) // 2)]),
            valid.map(lambda raw: raw.replace(b'"', b"'")),
            valid.map(lambda raw: b"\xff\xfe" + raw),
            st.sampled_from((b"[]", b"null", b"1", b'"x"', b"NaN", b"{", b"}", b"{,}", b"\x00", b"[{}]")),
        ).filter(lambda raw: bool(raw.strip()) and not _is_json_object(raw))
        return st.builds(
            lambda values, raw: self._request(op, "malformed body", values, raw),
            self._any_values(op),
            malformed,
        )

    def _wrong_content_type(self, op: Operation) -> st.SearchStrategy[RawRequest]:
        return st.builds(
            lambda values, raw, kind: self._request(
                op, "wrong content type", values, raw, headers=(("content-type", kind),)
            ),
            self._any_values(op),
            self._body(op).filter(bool),
            st.sampled_from(WRONG_CONTENT_TYPES),
        )

    def _oversized(self, op: Operation) -> st.SearchStrategy[RawRequest]:
        return st.builds(
            lambda values, size: self._request(
                op, "oversized body", values, b'{"pad": "' + b"x" * size + b'"}'
            ),
            self._any_values(op),
            st.integers(min_value=MAX_BODY_BYTES, max_value=4 * MAX_BODY_BYTES),
        )

    def _any_values(self, op: Operation) -> st.SearchStrategy[dict[str, str]]:
        """Encoded path values, fresh or seeded (the body alone makes these requests fail)."""
        seeded = self.seeds.ids()
        return st.fixed_dictionaries(
            {
                name: st.one_of(self.fresh(schema), st.sampled_from(seeded.get(name, ["x"]))).map(_encode)
                for name, schema in op.parameters.items()
            }
        )

    def _unknown_target(self, op: Operation) -> st.SearchStrategy[RawRequest]:
        return st.builds(
            lambda values, raw: self._request(op, "unknown target", values, raw),
            self._fresh_values(op).map(lambda values: {k: _encode(v) for k, v in values.items()}),
            self._body(op),
        )

    def _seeded_target(self, op: Operation) -> st.SearchStrategy[RawRequest]:
        """A valid request for something seeded that cannot take it (an order id in use, ...)."""
        targets = self.seeds.refusing_targets()[op.operation_id]

        @st.composite
        def build(draw: st.DrawFn) -> RawRequest:
            values = {k: _encode(v) for k, v in draw(self._fresh_values(op)).items()}
            body = draw(self.schemas.valid(op.body)) if op.body else None
            for name, choices in targets.items():
                if name in values:
                    values[name] = _encode(draw(st.sampled_from(choices)))
                elif isinstance(body, dict):
                    body[name] = draw(st.sampled_from(choices))
            raw = _json(body) if body is not None else b""
            return self._request(op, "seeded target", values, raw)

        return build()

    def _wrong_method(self, op: Operation) -> st.SearchStrategy[RawRequest]:
        served = {method for path, method in self._paths if path == op.path}
        return st.builds(
            lambda values, method: self._request(op, "wrong method", values, b"{}", method=method),
            self._any_values(op),
            st.sampled_from([m for m in OTHER_METHODS if m not in served]),
        )

    def _read(self, op: Operation) -> st.SearchStrategy[RawRequest]:
        """A GET with any path values and any query: read-only, whatever it answers."""
        values = st.fixed_dictionaries(
            {
                name: st.one_of(self.fresh(schema), hostile_strings(schema["pattern"])).map(_encode)
                for name, schema in op.parameters.items()
            }
        )
        noise = st.text(max_size=30)
        query = st.dictionaries(st.one_of(st.sampled_from(op.query or ("x",)), noise), noise, max_size=4)
        return st.builds(
            lambda given, asked: self._request(
                op,
                "read",
                given,
                b"",
                target=op.target(given, urllib.parse.urlencode(asked)),
                must_reject=False,
            ),
            values,
            query,
        )
