"""Durable entities."""

from entities import inventory

BLUEPRINTS = (inventory.bp,)
