"""LibreOffice headless as the tests' reference engine: recalculate workbooks, read the results.

xltools writes workbooks whose formulas have no or stale cached values (XlsxWriter/openpyxl);
LibreOffice recalculates them on load (:mod:`xltools.soffice` sets the profile) and the tests
compare its numbers with Python's.  Test-only: not shipped in the package.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from xltools.soffice import FILTERS, convert, has_image_export, soffice_path, write_profile

__all__ = ["FILTERS", "convert", "formula_cells", "has_image_export", "recalculate", "recalculated_values",
           "soffice_path", "values", "write_profile"]


def recalculate(
    paths: Iterable[Path],
    outdir: Path,
    chunk: int = 100,
    timeout: float = 600,
) -> list[Path]:
    """Load each workbook in LibreOffice, recalculate every formula, save .xlsx."""
    return convert(paths, outdir, "xlsx", chunk=chunk, timeout=timeout)


def formula_cells(original: Path) -> dict[tuple[str, str], str]:
    """Map ``(sheet, "A1")`` -> formula text for every formula cell.

    Reads the original workbook (data_only=False); shared formulas are
    expanded by openpyxl, array formulas are returned as their text.
    """
    import openpyxl

    wb = openpyxl.load_workbook(original, data_only=False)
    try:
        found: dict[tuple[str, str], str] = {}
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type != "f":
                        continue
                    value = cell.value
                    text = getattr(value, "text", None)  # ArrayFormula
                    found[(ws.title, cell.coordinate)] = (
                        text if isinstance(text, str) else str(value)
                    )
        return found
    finally:
        wb.close()


def values(path: Path, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], object]:
    """Read cached values (data_only=True) of ``(sheet, "A1")`` cells.

    On a file produced by :func:`recalculate` these are LibreOffice's results.
    Error results come back as strings such as ``"#DIV/0!"``.
    """
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        return {(sheet, ref): wb[sheet][ref].value for sheet, ref in keys}
    finally:
        wb.close()


def recalculated_values(
    original: Path, recalculated: Path, sheet: str | None = None
) -> dict[str, object]:
    """``{"Sheet!A1": value}`` for every formula cell of ``original``.

    Formula positions come from ``original``; values from ``recalculated``
    (the output of :func:`recalculate`). ``sheet`` restricts to one sheet.
    """
    keys = [k for k in formula_cells(original) if sheet is None or k[0] == sheet]
    return {f"{s}!{ref}": v for (s, ref), v in values(recalculated, keys).items()}
