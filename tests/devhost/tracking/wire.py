"""Rows in the form of the dtfx-wire captures: `Edm.DateTime` values as text plus `<name>@odata.type`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from azure.data.tables import EdmType, EntityProperty


def as_captured(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row we built (`(text, EdmType)` values) or read back (SDK values) in the captures' JSON form."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, EntityProperty):
            out[key], out[f"{key}@odata.type"] = str(value.value), EdmType(value.edm_type).value
        elif isinstance(value, tuple):
            out[key], out[f"{key}@odata.type"] = value[0], value[1].value
        elif hasattr(value, "tables_service_value"):
            out[key], out[f"{key}@odata.type"] = value.tables_service_value, "Edm.DateTime"
        else:
            out[key] = value
    return out


def typed(row: Mapping[str, Any]) -> dict[str, tuple[str, Any]]:
    """Values with their Python type, since `True == 1` would hide an Edm.Boolean/Edm.Int32 mix-up."""
    return {key: (type(value).__name__, value) for key, value in row.items()}
