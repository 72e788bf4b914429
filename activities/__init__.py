"""Activities: the steps that touch the outside world, grouped by the system they talk to."""

from activities import approvals, devices, ingestion, orders, payments, shipping

BLUEPRINTS = (orders.bp, payments.bp, shipping.bp, approvals.bp, ingestion.bp, devices.bp)
