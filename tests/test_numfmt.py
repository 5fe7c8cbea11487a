"""A number as the cell shows it under its number format (table-driven, Excel's display rules)."""
from decimal import Decimal as D

import pytest

from xltools.xlsx.numfmt import shown

CASES = [
    ("0.9", "0%", "90%"), ("0.8634", "0%", "86%"), ("0.8634", "0.00%", "86.34%"), ("0.005", "0%", "1%"),
    ("120", '0"件"', "120件"), ("350", '0"万平方米"', "350万平方米"), ("350", '0.0"万平方米"', "350.0万平方米"),
    ("1112.67", "#,##0.00", "1,112.67"), ("1064.5", "#,##0.00", "1,064.50"), ("12.0", "General", "12"),
    ("12.5", "", "12.5"), ("437", '0"万元"', "437万元"), ("2.5", "0", "3"), ("-2.5", "0", "-3"),
    ("-5", "0;[Red]-0", "-5"), ("-5", '0;"负"0', "负5"), ("0", '0;-0;"—"', "—"), ("0.5", "#.00", ".50"),
    ("1.5", "0.0#", "1.5"), ("1.25", "0.0#", "1.25"), ("3", "0\\元", "3元"), ("100", "[$¥-804]#,##0", "¥100"),
    ("45000", "yyyy-mm-dd", "45000"), ("7", "@", "7"), ("0.05", "0.0%", "5.0%"),
]


@pytest.mark.parametrize("value, code, expected", CASES)
def test_shown(value, code, expected):
    assert shown(D(value), code) == expected
