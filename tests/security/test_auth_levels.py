"""Every HTTP route needs a function key in Azure: auth level FUNCTION, deliberately, with no exception.

Even `health` and `openapi.json` need one: nothing probes them without a key (the platform checks the
app's health itself), and the API's description is for its callers only. Locally no host checks keys.
"""

from __future__ import annotations

import azure.functions as func

import function_app
from api import openapi, routes
from tests.security.registration import http_triggers

# Routes deliberately open to anonymous callers, with the reason: none.
ANONYMOUS_BY_DESIGN: dict[str, str] = {}


def test_the_apps_default_auth_level_is_function() -> None:
    assert function_app.app.auth_level == func.AuthLevel.FUNCTION


def test_every_http_route_requires_a_function_key() -> None:
    triggers = http_triggers()
    assert triggers, "the app registers no HTTP function"
    levels = {name: trigger.auth_level for name, trigger in triggers.items()}
    expected = {
        name: func.AuthLevel.ANONYMOUS if name in ANONYMOUS_BY_DESIGN else func.AuthLevel.FUNCTION
        for name in triggers
    }
    assert levels == expected


def test_the_openapi_document_asks_for_a_function_key_on_every_operation() -> None:
    document = openapi.document(routes.bp)
    assert document["security"] == [{"functionKeyHeader": []}, {"functionKeyQuery": []}]
    schemes = document["components"]["securitySchemes"]
    assert schemes["functionKeyHeader"] == {"type": "apiKey", "in": "header", "name": "x-functions-key"}
    assert schemes["functionKeyQuery"] == {"type": "apiKey", "in": "query", "name": "code"}
    overridden = {
        operation["operationId"]
        for by_method in document["paths"].values()
        for operation in by_method.values()
        if "security" in operation
    }
    assert overridden == set(ANONYMOUS_BY_DESIGN)
