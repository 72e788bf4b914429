"""CSV parsing rules of the ingestion pipeline (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.csv_orders import CorruptFileError, aggregate_csv, cleaned_csv


def test_valid_and_invalid_rows_are_counted():
    data = (
        "\ufefforder_id, SKU ,quantity,unit_price\r\n"
        "o1,A-1,2,1.25\r\n"
        "o2,A-1,0,1\r\n"  # zero quantity
        "o3,A-1,1,1.001\r\n"  # sub-cent price
        "o4,a-1,1,1\r\n"  # lower-case SKU
        "../x,A-1,1,1\r\n"  # order id with a path
        "o5,B,1,NaN\r\n"
        "\r\n"
        "o6,B,3,2\r\n"
    ).encode()
    result = aggregate_csv(data)
    assert (result.rows, result.valid, result.invalid) == (7, 2, 5)
    assert result.invalid_lines == [3, 4, 5, 6, 7]
    assert result.quantity == 5
    assert result.amount == Decimal("8.50")
    assert cleaned_csv(result) == b"order_id,sku,quantity,unit_price\no1,A-1,2,1.25\no6,B,3,2.00\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"\xc3\x28", "not UTF-8"),
        (b"id,sku\n1,2\n", "header must be"),
        (b'order_id,sku,quantity,unit_price\n"unterminated,A,1,1\n' + b"x" * 10, "malformed"),
    ],
)
def test_corrupt_files_are_rejected_with_a_reason(data, message):
    with pytest.raises(CorruptFileError, match=message):
        aggregate_csv(data)
