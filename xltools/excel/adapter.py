"""The workbook open in Excel, read through xlwings into the neutral :class:`~xltools.xlsx.package.Book`
that :func:`xltools.api.check_book` consumes — so a button checks exactly what the CLI checks.

Per sheet: two bulk reads of the used range (``.value`` with Excel errors as text, ``.formula``),
its visibility; for the workbook: the defined names.  Cell by cell only where it matters and is
cheap: number formats of the numeric target/actual cells of a template (``95%`` typed as 0.95 is
a percentage), and merged areas in the first columns of a foreign layout (its 一级/二级指标).
Only the xlwings API is used (no ``.api``), so the same code runs on Windows and macOS.
"""
from __future__ import annotations

import datetime as _dt
import re

from ..xlsx.cells import rowcol
from ..xlsx.package import DEFAULT_LIMITS, Book, CellData, Grid, Limits, parse_ref

#: Defined names whose numeric cells need their number format (percent detection).
FORMAT_NAMES = ("XL_IND_TARGET", "XL_IND_ACTUAL", "XL_IND_IN1", "XL_IND_IN2")
#: Columns and rows of a foreign layout searched for merged areas (the 一级/二级指标 columns).
MERGE_COLUMNS = 8
MERGE_ROWS = 2000
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})
_EPOCH = _dt.datetime(1899, 12, 30)
_ADDRESS = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def book_from_xlwings(wb, limits: Limits = DEFAULT_LIMITS) -> Book:
    """Read the xlwings workbook ``wb`` (e.g. ``xw.Book.caller()``) into a :class:`Book`."""
    names = defined_names(wb)
    book = Book(path=str(wb.fullname), sheets={}, names=names,
                has_vba=str(wb.fullname).lower().endswith((".xlsm", ".xlam", ".xlsb")))
    xl_sheets = {}
    for sheet in wb.sheets:
        grid = Grid(sheet.name, state=sheet_state(sheet.visible))
        read_sheet(sheet, grid, limits)
        book.sheets[sheet.name] = grid
        xl_sheets[sheet.name] = sheet
    read_number_formats(book, xl_sheets)
    if "XL_IND_KEY" not in names:  # a foreign layout: its reader follows merged 一级/二级 cells
        for name, grid in book.sheets.items():
            if grid.state == "visible":
                read_merges(xl_sheets[name], grid)
    return book


def sheet_state(visible) -> str:
    """xlwings gives a bool on macOS and Excel's XlSheetVisibility on Windows (-1, 0, 2)."""
    if visible == 2:  # True == 1, never 2
        return "veryHidden"
    return "visible" if visible else "hidden"


def defined_names(wb) -> dict[str, tuple[str, int, int, int, int]]:
    """Workbook-scope names that refer to a range (sheet-scope names come as ``Sheet!Name``)."""
    out = {}
    for name in wb.names:
        text = name.name
        if "!" in text:
            continue
        parsed = parse_ref(str(name.refers_to or ""))
        if parsed:
            out[text] = parsed
    return out


def read_sheet(sheet, grid: Grid, limits: Limits) -> None:
    used = sheet.used_range
    top, left = used.row - 1, used.column - 1
    rows, cols = used.shape
    keep = min(rows, limits.max_rows, max(1, limits.max_cells // max(1, cols)))
    if keep < rows:
        grid.truncated = True
        used = sheet.range((used.row, used.column), (used.row + keep - 1, used.column + cols - 1))
        rows = keep
    values = as_2d(used.options(ndim=2, err_to_str=True).value, rows, cols)
    formulas = as_2d(used.formula, rows, cols)
    for i in range(rows):
        for j in range(cols):
            cell = to_cell_data(values[i][j], formulas[i][j])
            if cell is not None:
                r, c = top + i, left + j
                grid.cells[(r, c)] = cell
                grid.max_row, grid.max_col = max(grid.max_row, r), max(grid.max_col, c)


def as_2d(data, rows: int, cols: int) -> list[list]:
    """A range's ``.value``/``.formula`` as rows of cells, whatever shape xlwings returned."""
    if not isinstance(data, (list, tuple)):
        return [[data]]
    if data and not isinstance(data[0], (list, tuple)):
        return [list(data)] if rows == 1 else [[x] for x in data]
    return [list(r) for r in data] or [[None] * cols]


def to_cell_data(value, formula) -> CellData | None:
    """One cell as the file reader would give it: formulas without '=', errors flagged."""
    text = formula if isinstance(formula, str) else ""
    f = text[1:] if text.startswith("=") and len(text) > 1 else None
    error = False
    if isinstance(value, _dt.datetime):
        value = (value - _EPOCH).total_seconds() / 86400
    elif isinstance(value, _dt.date):
        value = float((value - _EPOCH.date()).days)
    elif isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    elif isinstance(value, str):
        if value in EXCEL_ERRORS:
            error = True
        elif value == "":
            value = None
    if value is None and f is None:
        return None
    return CellData(value, f, "General", error)


def read_number_formats(book: Book, xl_sheets: dict) -> None:
    """Number formats of the numeric cells under :data:`FORMAT_NAMES` (one call per column when
    the column is uniform, else one per numeric cell)."""
    for name in FORMAT_NAMES:
        ref = book.names.get(name)
        if ref is None or ref[0] not in xl_sheets:
            continue
        sheet_name, r1, c1, r2, c2 = ref
        grid, sheet = book.sheets[sheet_name], xl_sheets[sheet_name]
        for c in range(c1, c2 + 1):
            numeric = [r for r in range(r1, r2 + 1) if _is_number(grid.get(r, c).value)]
            if not numeric:
                continue
            uniform = sheet.range((r1 + 1, c + 1), (r2 + 1, c + 1)).number_format
            for r in numeric:
                fmt = uniform if isinstance(uniform, str) and uniform else sheet.range((r + 1, c + 1)).number_format
                grid.cells[(r, c)].fmt = fmt or "General"


def _is_number(value) -> bool:
    return isinstance(value, float) and not isinstance(value, bool)


def read_merges(sheet, grid: Grid) -> None:
    """Merged areas that cover an empty cell in the first :data:`MERGE_COLUMNS` columns."""
    covered: set[tuple[int, int]] = set()
    last = min(grid.max_row, MERGE_ROWS)
    if last < 0:
        return
    columns = [c for c in range(min(grid.max_col, MERGE_COLUMNS - 1) + 1)
               if sheet.range((1, c + 1), (last + 1, c + 1)).merge_cells is not False]  # Excel: None when mixed
    for r in range(last + 1):
        for c in columns:
            if (r, c) in grid.cells or (r, c) in covered:
                continue
            cell = sheet.range((r + 1, c + 1))
            if not cell.merge_cells:
                continue
            area = parse_address(cell.merge_area.address)
            if area is None:
                continue
            grid.merged.append(area)
            covered.update((rr, cc) for rr in range(area[0], area[2] + 1) for cc in range(area[1], area[3] + 1))


def parse_address(address: str) -> tuple[int, int, int, int] | None:
    """"$B$12:$B$15" -> (11, 1, 14, 1)."""
    m = _ADDRESS.match(address.strip())
    if not m:
        return None
    r1, c1 = rowcol(f"{m.group(1)}{m.group(2)}")
    r2, c2 = rowcol(f"{m.group(3)}{m.group(4)}") if m.group(3) else (r1, c1)
    return r1, c1, r2, c2
