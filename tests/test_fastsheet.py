"""FastSheet proven against plain XlsxWriter: every template and the bureau's summary come out
XML-identical whichever worksheet class writes them, and the constant-memory row flush holds."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from xltools import collect
from xltools.template import build_standard
from xltools.xlsx import fastsheet, writer
from compare import diff
from xltools.xlsx.fastsheet import FastSheet

ROOT = Path(__file__).parent.parent
WORKBOOKS = ROOT / "workbooks"


class Plain(Worksheet):
    """XlsxWriter's own worksheet; FastSheet's one addition, ``write_cells``, by its public calls."""

    def write_cells(self, row: int, cells: list) -> None:
        for col, (value, fmt) in enumerate(cells):
            if value is None:
                self.write_blank(row, col, None, fmt)
            elif type(value) is str:
                self.write_string(row, col, value, fmt)
            else:
                self.write_number(row, col, value, fmt)


def _sheet_xml(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")}


def test_every_template_is_the_same_with_plain_xlsxwriter(tmp_path, monkeypatch):
    fast = build_standard(tmp_path / "fast")
    monkeypatch.setattr(writer, "FastSheet", Plain)
    plain = build_standard(tmp_path / "plain")
    assert [p.name for p in fast] == [p.name for p in plain]
    for a, b in zip(fast, plain):
        assert diff(a, b) == [], a.name
        assert _sheet_xml(a) == _sheet_xml(b), a.name


def test_the_summary_is_the_same_with_plain_xlsxwriter(tmp_path, monkeypatch):
    collection = collect.collect([WORKBOOKS], workers=1, timeout=None)
    assert len(collection.summary) == len(list(WORKBOOKS.glob("*.xlsx"))) and len(collection.issues)
    fast = collect.write_summary(collection, tmp_path / "fast.xlsx")[0]
    monkeypatch.setattr(fastsheet, "FastSheet", Plain)
    plain = collect.write_summary(collection, tmp_path / "plain.xlsx")[0]
    assert diff(fast, plain) == []


ROWS = [  # what a summary row can hold: text needing escapes, numbers, blanks, formulas
    ["单位 A", 98.5, None, "a & b < c > d", "  空格  ", "_x0041_ 与 \x07 控制字符", 1e-7, 12345678901234.5],
    ["=不是公式", -0.0, 3, "", "行\n内换行", "\ufffe", 0.1 + 0.2, 1],
]


def _write(path: Path, cls, constant_memory: bool, formula_first: bool) -> Path:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    fmt = book.add_format({"border": 1})
    ws = book.add_worksheet("s", worksheet_class=cls)
    r = 0
    for row in ROWS:
        ws.write_cells(r, [(v, fmt) for v in row])
        r += 1
        if formula_first:  # a row that starts with a formula, then a number and a string
            ws.write_formula(r, 0, f"=SUM(B{r}:B{r})", fmt, 98.5)
            ws.write_number(r, 1, 2.5, fmt)
            ws.write_formula(r, 2, '=IF(B1>0,"是","否")', fmt, "是")
            r += 1
    ws.write_formula(r, 3, "=1+1", fmt, 2)  # the last row: only a formula
    book.close()
    return path


@pytest.mark.parametrize("constant_memory", [True, False], ids=["constant-memory", "in-memory"])
def test_rows_of_every_kind_are_the_same_as_plain_xlsxwriter(tmp_path, constant_memory):
    fast = _write(tmp_path / "fast.xlsx", FastSheet, constant_memory, True)
    plain = _write(tmp_path / "plain.xlsx", Plain, constant_memory, True)
    assert _sheet_xml(fast) == _sheet_xml(plain)


def test_a_formula_first_in_a_new_row_is_written(tmp_path):
    """Constant-memory mode flushes the previous row when a later row is first written to; a
    formula that opens a row must trigger that flush too, or the table is cleared under it."""
    xml = _sheet_xml(_write(tmp_path / "fast.xlsx", FastSheet, True, True))["xl/worksheets/sheet1.xml"].decode()
    assert xml.count("<f>SUM(") == len(ROWS) and xml.count("<f>1+1</f>") == 1
    assert xml.count('<f>IF(B1&gt;0,"是","否")</f>') == len(ROWS)


def test_rich_text_markup_in_a_string_stays_text(tmp_path):
    """The one intended difference: XlsxWriter writes a constant-memory string that starts with
    ``<r>`` and ends with ``</r>`` unescaped, as rich text; FastSheet escapes it."""
    book = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"), {"constant_memory": True})
    ws = book.add_worksheet("s", worksheet_class=FastSheet)
    ws.write_cells(0, [("<r><t>注入</t></r>", book.add_format({"bold": True}))])
    book.close()
    xml = _sheet_xml(tmp_path / "x.xlsx")["xl/worksheets/sheet1.xml"].decode()
    assert "&lt;r&gt;&lt;t&gt;注入" in xml and "<r><t>注入" not in xml
