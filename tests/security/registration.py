"""The app's HTTP functions as the host indexes them, without `FunctionApp.get_functions()`.

`get_functions()` may run only once per app (the second call sees every name as a duplicate), and the
app tests' session fixture owns that call; building each registered function, as `get_functions()`
does, gives the same triggers with the app's default auth level applied.
"""

from __future__ import annotations

import azure.functions as func
from azure.functions.decorators.http import HttpTrigger

import function_app


def http_triggers() -> dict[str, HttpTrigger]:
    """Every HTTP-triggered function of the app, by function name."""
    app = function_app.app
    built: list[func.Function] = [builder.build(app.auth_level) for builder in app._function_builders]
    return {
        str(function.get_function_name()): trigger
        for function in built
        if isinstance(trigger := function.get_trigger(), HttpTrigger)
    }
