"""Route templates with the Functions host's ASP.NET Core rules, without any HTTP server."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devhost.worker import RouteTable, RouteTemplateError, parse_route_template


def _match(template: str, path: str) -> dict[str, str] | None:
    return parse_route_template(template).match(path)


@pytest.mark.parametrize(
    ("template", "path", "values"),
    [
        ("api/hello", "/api/hello", {}),
        ("api/hello", "/API/Hello", {}),
        ("api/hello", "/api/hello/", {}),
        ("api/hello", "/api/hello/x", None),
        ("api/hello", "/api", None),
        ("api/users/{id}", "/api/users/42", {"id": "42"}),
        ("api/users/{id}", "/api/users/", None),
        ("api/users/{id}", "/api/users/a%20b", {"id": "a b"}),
        ("api/users/{id}", "/api/users/a%2Fb", {"id": "a%2Fb"}),
        ("api/users/{id}/orders/{order}", "/api/users/1/orders/2", {"id": "1", "order": "2"}),
        ("api/pages/{page?}", "/api/pages", {}),
        ("api/pages/{page?}", "/api/pages/3", {"page": "3"}),
        ("api/greet/{lang=en}", "/api/greet", {"lang": "en"}),
        ("api/greet/{lang=en}", "/api/greet/fr", {"lang": "fr"}),
        ("api/files/{*path}", "/api/files", {}),
        ("api/files/{*path}", "/api/files/a/b%20c/d.txt", {"path": "a/b c/d.txt"}),
        ("api/files/{**path}", "/api/files/x/y", {"path": "x/y"}),
        ("api/{name}.{ext}", "/api/report.tar.gz", {"name": "report.tar", "ext": "gz"}),
        ("api/{name}.{ext?}", "/api/report", {"name": "report"}),
        ("api/{name}.{ext?}", "/api/report.pdf", {"name": "report", "ext": "pdf"}),
        ("api/{name}.{ext?}", "/api/report.tar.gz", {"name": "report.tar", "ext": "gz"}),
        ("api/v{major}-{minor}", "/api/V2-1", {"major": "2", "minor": "1"}),
        ("api/{{literal}}", "/api/%7Bliteral%7D", {}),
        ("", "/", {}),
        ("{*all}", "/anything/at/all", {"all": "anything/at/all"}),
    ],
)
def test_templates_match_like_aspnet_core(template: str, path: str, values: dict[str, str] | None) -> None:
    assert _match(template, path) == values


@pytest.mark.parametrize(
    ("constraint", "accepted", "rejected"),
    [
        ("int", ["42", "-7", "2147483647"], ["4.2", "abc", "2147483648"]),
        ("long", ["9223372036854775807"], ["9223372036854775808", "1e3"]),
        ("bool", ["true", "False"], ["yes", "1"]),
        (
            "guid",
            ["c9a646d3-9c61-4cb7-bfcd-ee2522c8f633", "C9A646D39C614CB7BFCDEE2522C8F633"],
            ["c9a646d3", "xyz"],
        ),
        ("alpha", ["abcXYZ"], ["abc1", "a-b"]),
        ("length(5)", ["abcde"], ["abcd", "abcdef"]),
        ("length(2,3)", ["ab", "abc"], ["a", "abcd"]),
        ("minlength(2)", ["ab", "abcdef"], ["a"]),
        ("maxlength(2)", ["a", "ab"], ["abc"]),
        ("min(10)", ["10", "999"], ["9", "x"]),
        ("max(10)", ["10", "-1"], ["11"]),
        ("range(1,3)", ["1", "3"], ["0", "4", "two"]),
        ("regex(^\\d{{3}}$)", ["123"], ["12", "1234"]),
        ("double", ["1.5", "-2e3", "7"], ["1.2.3", "abc"]),
        ("decimal", ["1.5", "7"], ["1e3"]),
        ("datetime", ["2024-05-01", "2024-05-01T10:00:00"], ["yesterday"]),
        ("file", ["a.txt", "b.tar.gz"], ["readme", "trailing."]),
        ("nonfile", ["readme"], ["a.txt"]),
    ],
)
def test_inline_constraints(constraint: str, accepted: list[str], rejected: list[str]) -> None:
    template = parse_route_template(f"api/x/{{value:{constraint}}}")

    for value in accepted:
        assert template.match(f"/api/x/{value}") == {"value": value}, value
    for value in rejected:
        assert template.match(f"/api/x/{value}") is None, value


def test_chained_constraints_and_optional_constraint() -> None:
    template = parse_route_template("api/{code:alpha:length(3)?}")

    assert template.match("/api/abc") == {"code": "abc"}
    assert template.match("/api") == {}
    assert template.match("/api/ab1") is None
    assert template.match("/api/abcd") is None


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("api/{id:number}", "constraint reference 'number' could not be resolved"),
        ("api/{id", "Missing '}'"),
        ("api/id}", "Unbalanced"),
        ("api/{*rest}/more", "catch-all parameter can only be the last segment"),
        ("api/{a?}/b", "optional parameter must be at the end"),
        ("api/{id}/{ID}", "appears more than once"),
        ("api//x", "empty segment"),
        ("api/{a}{b}", "needs literals between them"),
        ("api/{a?}-{b}", "optional parameter must come last"),
        ("api/{a=1?}", "cannot have a default value"),
        ("api/{1abc}", "Invalid parameter name"),
        ("api/{id:length(x)}", "expects integer arguments"),
        ("api/{id:min(1,2)}", "takes 1 argument"),
        ("api/{id:regex(()}", "Invalid regular expression"),
        ("api/{id:length(5}", "Unclosed"),
    ],
)
def test_malformed_templates_are_refused(template: str, reason: str) -> None:
    with pytest.raises(RouteTemplateError, match=reason.replace("(", r"\(").replace("?", r"\?")):
        parse_route_template(template)


def test_route_table_prefers_literals_then_constraints_then_parameters_then_catch_all() -> None:
    table: RouteTable[str] = RouteTable()
    table.add(parse_route_template("api/items/{*rest}"), None, "catch-all")
    table.add(parse_route_template("api/items/{name}"), None, "parameter")
    table.add(parse_route_template("api/items/{id:int}"), None, "constrained")
    table.add(parse_route_template("api/items/latest"), None, "literal")

    def target(path: str) -> str | None:
        found = table.match("GET", path)
        return None if found is None else found[0]

    assert target("/api/items/latest") == "literal"
    assert target("/api/items/12") == "constrained"
    assert target("/api/items/widget") == "parameter"
    assert target("/api/items/a/b") == "catch-all"


def test_route_table_filters_methods_case_insensitively() -> None:
    table: RouteTable[str] = RouteTable()
    table.add(parse_route_template("api/orders"), ["get"], "list")
    table.add(parse_route_template("api/orders"), ["POST"], "create")

    assert table.match("GET", "/api/orders") == ("list", {})
    assert table.match("post", "/api/orders") == ("create", {})
    assert table.match("DELETE", "/api/orders") is None
    assert table.match("HEAD", "/api/orders") is None


_SEGMENT = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", min_size=1, max_size=8
)


@given(st.lists(_SEGMENT, min_size=1, max_size=5))
def test_literal_templates_match_their_own_path_in_any_case(segments: list[str]) -> None:
    template = parse_route_template("/".join(segments))

    assert template.match("/" + "/".join(segments).upper()) == {}
    assert template.match("/" + "/".join(segments) + "/extra") is None


@given(st.lists(_SEGMENT, min_size=1, max_size=4), st.text(min_size=1, max_size=12))
def test_parameter_values_are_decoded_from_their_percent_encoding(prefix: list[str], value: str) -> None:
    template = parse_route_template("/".join(prefix) + "/{value}")
    encoded = quote(value, safe="")
    expected = value.replace("/", "%2F")

    assert template.match("/" + "/".join(prefix) + "/" + encoded) == {"value": expected}
