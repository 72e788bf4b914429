"""Durable Workflows: the function app, composed from blueprints, each covering one concern.

This module only puts the app together; the workflows live in `orchestrators/`, the steps that touch
the outside world in `activities/`, the inventory entity in `entities/`, the HTTP API in `api/`, and
housekeeping in `maintenance/`.
"""

import azure.durable_functions as df
import azure.functions as func

import activities
import api
import entities
import maintenance
import orchestrators

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)

for blueprint in (
    *api.BLUEPRINTS,
    *orchestrators.BLUEPRINTS,
    *activities.BLUEPRINTS,
    *entities.BLUEPRINTS,
    *maintenance.BLUEPRINTS,
):
    app.register_functions(blueprint)
