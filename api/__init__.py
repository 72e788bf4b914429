"""The HTTP API: workflow starters and management routes for the shop's back office."""

from api import routes

BLUEPRINTS = (routes.bp,)
