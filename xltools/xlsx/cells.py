"""The one place for A1 arithmetic (after XlsxWriter's utility module): rows and columns are 0-based."""
from __future__ import annotations

from functools import lru_cache

from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name, xl_range, xl_range_abs, xl_rowcol_to_cell

__all__ = ["a1", "a1_abs", "a1_row_abs", "span", "span_abs", "col_name", "rowcol", "quote_sheet", "sheet_ref"]


@lru_cache(maxsize=65536)
def a1(row: int, col: int) -> str:
    return xl_rowcol_to_cell(row, col)


def a1_abs(row: int, col: int) -> str:
    return xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)


def a1_row_abs(row: int, col: int) -> str:
    """"E$4": the row fixed, the column relative (a rule over a block comparing each cell with its total)."""
    return xl_rowcol_to_cell(row, col, row_abs=True)


def span(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    return xl_range(first_row, first_col, last_row, last_col)


def span_abs(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    return xl_range_abs(first_row, first_col, last_row, last_col)


def col_name(col: int) -> str:
    return xl_col_to_name(col)


@lru_cache(maxsize=65536)
def rowcol(ref: str) -> tuple[int, int]:
    """"B12" -> (11, 1).  Cached: the same references recur in every workbook read."""
    return xl_cell_to_rowcol(ref.replace("$", ""))


def quote_sheet(name: str) -> str:
    """Sheet name as a formula prefix: always quoted, quotes doubled (safe for Chinese and spaces)."""
    return "'" + name.replace("'", "''") + "'"


def sheet_ref(sheet: str, ref: str) -> str:
    return f"{quote_sheet(sheet)}!{ref}"
