"""Parsing, validating and aggregating the order-line CSV files of the ingestion pipeline (pure).

A file is *corrupt* when it cannot be read as UTF-8 CSV with the expected header; a corrupt file fails
on its own and is listed in the pipeline summary. Inside a readable file, bad rows are counted as
invalid and left out of the cleaned copy.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from pydantic import TypeAdapter, ValidationError

from domain.models import Identifier, Sku

EXPECTED_HEADER = ("order_id", "sku", "quantity", "unit_price")
_identifier = TypeAdapter(Identifier)
_sku = TypeAdapter(Sku)
_CENT = Decimal("0.01")


class CorruptFileError(ValueError):
    """The file is not a readable order-line CSV."""


@dataclass
class FileAggregate:
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    quantity: int = 0
    amount: Decimal = Decimal("0")
    invalid_lines: list[int] = field(default_factory=list)
    cleaned: list[tuple[str, str, int, Decimal]] = field(default_factory=list)


def _parse_row(row: list[str]) -> tuple[str, str, int, Decimal] | None:
    if len(row) != len(EXPECTED_HEADER):
        return None
    order_id, sku, quantity_text, price_text = (cell.strip() for cell in row)
    try:
        _identifier.validate_python(order_id)
        _sku.validate_python(sku)
        quantity = int(quantity_text)
        price = Decimal(price_text)
        in_cents = price.is_finite() and price.quantize(_CENT) == price
    except (ValidationError, ValueError, InvalidOperation):
        return None
    if not in_cents or quantity <= 0 or price <= 0:
        return None
    return order_id, sku, quantity, price


def aggregate_csv(data: bytes, max_invalid_lines: int = 20) -> FileAggregate:
    """Validate every row; raises CorruptFileError when the file as a whole is unreadable."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorruptFileError(f"not UTF-8 text (byte {exc.start})") from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise CorruptFileError("empty file")
        if tuple(cell.strip().lower() for cell in header) != EXPECTED_HEADER:
            raise CorruptFileError(f"header must be {','.join(EXPECTED_HEADER)}")
        result = FileAggregate()
        for line_number, row in enumerate(reader, start=2):
            if not row:
                continue
            result.rows += 1
            parsed = _parse_row(row)
            if parsed is None:
                result.invalid += 1
                if len(result.invalid_lines) < max_invalid_lines:
                    result.invalid_lines.append(line_number)
                continue
            result.valid += 1
            result.quantity += parsed[2]
            result.amount += parsed[2] * parsed[3]
            result.cleaned.append(parsed)
    except csv.Error as exc:
        raise CorruptFileError(f"malformed CSV: {exc}") from exc
    return result


def cleaned_csv(aggregate: FileAggregate) -> bytes:
    """The valid rows as a normalised CSV file."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPECTED_HEADER)
    for order_id, sku, quantity, price in aggregate.cleaned:
        writer.writerow((order_id, sku, quantity, f"{price:.2f}"))
    return out.getvalue().encode()
