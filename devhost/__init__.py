"""devhost: a local Durable Functions host for Python v2-model apps, with its state in Azure Storage.

It runs `function_app.py` unmodified, serves its HTTP triggers and the `/runtime/webhooks/durabletask`
management API, and drives orchestrators through the SDK's own replay, as the Functions host with the
Durable extension does. See devhost/README.md for the invariants and the known differences.
"""
