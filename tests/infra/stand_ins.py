"""Deterministic stand-ins for what only Azure knows when it deploys (subscription, uniqueString...).

With them the tests resolve resource names and ids to concrete strings, as one real deployment would.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from tests.infra.arm import Scope

SUBSCRIPTION_ID = "00000000-0000-0000-0000-00000000aaaa"
TENANT_ID = "00000000-0000-0000-0000-00000000bbbb"
RESOURCE_GROUP = "rg-workflows-test"
LOCATION = "swedencentral"
# uniqueString() returns 13 characters of this alphabet (a base32 of a 64-bit hash).
UNIQUE_STRING_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"

# deploy(**parameters) -> the compiled main.bicep as deployed with those parameters (see conftest.py).
Deploy = Callable[..., Scope]


def _unique_string(*parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return "".join(UNIQUE_STRING_ALPHABET[byte % 32] for byte in digest[:13])


RUNTIME_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "uniqueString": _unique_string,
    "subscription": lambda: {"id": f"/subscriptions/{SUBSCRIPTION_ID}", "subscriptionId": SUBSCRIPTION_ID},
    "tenant": lambda: {"tenantId": TENANT_ID},
    "resourceGroup": lambda: {
        "id": f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}",
        "name": RESOURCE_GROUP,
        "location": LOCATION,
    },
    "subscriptionResourceId": lambda resource_type, name: (
        f"/subscriptions/{SUBSCRIPTION_ID}/providers/{resource_type}/{name}"
    ),
}
