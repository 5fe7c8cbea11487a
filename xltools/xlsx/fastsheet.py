"""XlsxWriter's worksheet with a faster inner loop, for the templates and the bureau's summary.

XlsxWriter spends most of a small workbook's time in general-purpose code per cell and per
formula.  :class:`FastSheet` overrides four of its internal methods (XlsxWriter is pinned below
version 4 for this) with versions that write the same XML for the cells we write; anything else
still goes to XlsxWriter.  The golden-file tests of the templates hold the two to the same bytes.
"""
from __future__ import annotations

import re

from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellFormulaTuple, Worksheet

_FAST_CELLS = frozenset({"Blank", "Number", "String", "Formula"})
#: What XlsxWriter rewrites in text: control characters (as _xHHHH_), text that looks like such an
#: escape, and two non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


class FastSheet(Worksheet):
    def _prepare_formula(self, formula, expand_future_functions=False):
        """Without XlsxWriter's 70 regex passes per formula that add ``_xlfn.`` prefixes to Excel 365
        functions: our formulas use only functions that Excel 2010, WPS and LibreOffice share
        (:data:`xltools.xlsx.FUNCTIONS` for templates; a test checks every generated formula)."""
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula

    def _write_formula(self, row, col, formula, cell_format=None, value=0):
        """Without the search for dynamic-array functions (we write none) per formula."""
        if self._check_dimensions(row, col):
            return -1
        self.table[row][col] = CellFormulaTuple(self._prepare_formula(formula), cell_format, value)
        return 0

    def _write_cell(self, row, col, cell):
        """Blank, number, string and formula cells that have a format, as XlsxWriter writes them."""
        kind = type(cell).__name__
        if cell.format is None or kind not in _FAST_CELLS:
            return super()._write_cell(row, col, cell)
        xf = cell.format.xf_index
        head = f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{xf if xf is not None else cell.format._get_xf_index()}"'
        if kind == "Blank":
            self.fh.write(head + "/>")
        elif kind == "Number":
            self.fh.write(f"{head}><v>{cell.number:.16G}</v></c>")
        elif kind == "String":
            if not self.constant_memory:  # an index into the shared strings
                self.fh.write(f'{head} t="s"><v>{cell.string}</v></c>')
            else:
                self.fh.write(f"{head} {_inline(cell.string)}</c>")
        else:
            value = cell.value
            if isinstance(value, bool) or (isinstance(value, str) and value.startswith("#")):
                return super()._write_cell(row, col, cell)
            if isinstance(value, str) and value:
                head += ' t="str"'
            self.fh.write(f"{head}><f>{_escape(cell.formula)}</f><v>{_escape(value)}</v></c>")

    def _escape_attributes(self, attribute):
        """Without raising and catching a TypeError for every number."""
        if type(attribute) is not str:
            return attribute
        return super()._escape_attributes(attribute)


def _escape(text):
    if type(text) is not str:
        return text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inline(text: str) -> str:
    """An inline string (constant-memory mode), always escaped: XlsxWriter writes a plain string
    that starts with ``<r>`` and ends with ``</r>`` unescaped, as rich text — from a user's cell,
    that would be markup injected into the sheet."""
    if _CONTROL.search(text):
        text = Worksheet._escape_control_characters(text)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f't="inlineStr"><is><t{space}>{_escape(text)}</t></is>'
