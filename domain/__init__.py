"""The shop's domain: function names, request and message models, errors, settings.

Shared by the HTTP API, the orchestrators and the activities; imports nothing from them.
"""
