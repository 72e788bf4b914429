"""Housekeeping triggers."""

from maintenance import retention

BLUEPRINTS = (retention.bp,)
