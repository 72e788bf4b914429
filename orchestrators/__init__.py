"""Orchestrators: deterministic workflow code (time from the context, no I/O, ids from `new_uuid`)."""

from orchestrators import approval, devices, ingestion, order

BLUEPRINTS = (order.bp, approval.bp, ingestion.bp, devices.bp)
