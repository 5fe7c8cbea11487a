"""What people type (issue 12): numbers typed as text are read, once, and ``score`` makes them numbers.

Every numeric input of the filled example (年度指标值, 实际完成值, 分值, 评价人评分, the 资金情况 amounts)
is retyped as text the way people write it — ``120件``, ``≥100件``, ``９３％``, ``93 %``, ``10分``,
``1,112.67万元`` — in a copy patched at the XML level (the cell keeps its style, as when typing into it).

* ``check`` recomputes the same total (100) with exactly one 待补充 ``number-as-text`` per retyped cell
  and nothing else (the sheet's lower total is folded into them, never reported alone);
* LibreOffice, recalculating the retyped copy, shows for each indicator the score that ``check``
  quotes as "表中显示X分", and never #VALUE! in a score, the total or the grade;
* after ``score -o`` the cells hold numbers, ``check`` finds nothing, and LibreOffice recalculates
  the same total of 100.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from xltools import api
import libreoffice as lo
from xltools.num import fmt
from xltools.xlsx.cells import a1
from xltools.xlsx.package import open_book
from xltools.xlsx.patch import CellEdit, apply
from xltools.xlsx.reader import read_template

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbooks" / "example-zhuzhou-2021.xlsx"
FULL_WIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")


def as_typed(value: float, number_format: str, op: str, n: int, unit: str = "") -> str:
    """``value`` (as the cell holds it) the way a person types it, in one of a few spellings."""
    d = Decimal(repr(value)).normalize()
    if "%" in number_format:
        points = fmt(d * 100)
        return op + ([f"{points}%", f"{points} %", f"{points}%".translate(FULL_WIDTH)][n % 3])
    if "#,##0" in number_format:
        return [f"{value:,.2f}万元", f"{value:.2f}万元", f"{value:,.2f}"][n % 3]
    shown = "".join(part for i, part in enumerate(number_format.split('"')) if i % 2)
    return op + fmt(d) + (shown or unit)


def retyped_edits() -> tuple[list[CellEdit], float]:
    book = open_book(EXAMPLE)
    reading = read_template(book)
    grid = book.sheets[reading.sheet]
    col = reading.columns
    edits = []
    for row in reading.rows.values():
        op = grid.text(row, col["op"])
        if op == "定性":
            fields = ("weight", "manual")
        else:
            fields = ("target", "actual", "weight", "manual")
        for field in fields:
            cell = grid.get(row, col[field])
            if isinstance(cell.value, float):
                text = as_typed(cell.value, cell.fmt, op if field == "target" else "", len(edits),
                                "分" if field in ("weight", "manual") else "")
                edits.append(CellEdit(reading.sheet, a1(row, col[field]), value=text))
    for (block, name), (r, c) in reading.spots.items():
        cell = grid.get(r, c)
        if block == "资金情况" and "." in name and isinstance(cell.value, float):
            edits.append(CellEdit(reading.sheet, a1(r, c), value=as_typed(cell.value, cell.fmt, "", len(edits))))
    return edits, float(api.check_workbook(EXAMPLE).card.total)


def test_retyped_example_reads_the_same_numbers(tmp_path):
    edits, total = retyped_edits()
    assert total == 100 and len(edits) >= 20
    path = tmp_path / "retyped.xlsx"
    apply(EXAMPLE, path, edits, None)
    result = api.check_workbook(path)
    assert float(result.card.total) == total
    issues = result.report.issues
    assert sorted(i.location.cell for i in issues) == sorted(e.ref for e in edits), [str(i.location) for i in issues]
    assert {(i.code, i.severity) for i in issues} == {("number-as-text", "review")}
    assert all("请只填数字，单位已由格式显示" in i.message for i in issues)
    assert result.report.valid


@pytest.mark.slow
def test_retyped_example_sheet_and_score(soffice, tmp_path):
    edits, total = retyped_edits()
    path = tmp_path / "retyped.xlsx"
    apply(EXAMPLE, path, edits, None)
    result = api.check_workbook(path)
    scored = tmp_path / "scored.xlsx"
    api.score_workbook(path, scored)
    sheet_out, scored_out = lo.recalculate([path, scored], tmp_path / "lo")

    # what the sheet shows is what check quotes, cell by cell; no error value anywhere it scores
    reading = result.reading
    book = open_book(sheet_out)
    grid = book.sheets[reading.sheet]
    total_cell = reading.spots[("总分", "score")]
    for owned in reading.owned:
        if owned.what in ("leaf-score", "total-score", "grade", "fund-score", "group-score"):
            value = grid.value(owned.row, owned.col)
            assert not (isinstance(value, str) and value.startswith("#")), (a1(owned.row, owned.col), value)
    quoted = {}
    for issue in result.report.issues:
        m = re.search(r"(资金得分)?表中显示([-0-9.]+)分，按规则应得([-0-9.]+)分", issue.message)
        if m:
            where = reading.spots[("资金情况", "score")] if m.group(1) else (
                reading.rows[issue.location.path], reading.columns["score"])
            quoted[where] = Decimal(m.group(2))
    assert quoted, "the sheet cannot read 120件: some indicator must show less than the rule"
    for (r, c), shown in quoted.items():
        assert Decimal(repr(grid.value(r, c))) == shown, (a1(r, c), grid.value(r, c), shown)
    for row in reading.rows.values():  # every other indicator shows the rule's score
        if (row, reading.columns["score"]) not in quoted:
            key = next(k for k, v in reading.rows.items() if v == row)
            assert Decimal(repr(grid.value(row, reading.columns["score"]))) == result.card.leaf(key).score, key
    assert grid.value(*total_cell) < total  # the sheet's total, lower: folded into the issues, not alone

    # after score -o: numbers in every retyped cell, nothing to report, LibreOffice gives the same total
    again = api.check_workbook(scored)
    assert not again.report.issues, [i.message for i in again.report.issues]
    grid = open_book(scored).sheets[reading.sheet]
    from xltools.xlsx.cells import rowcol
    for e in edits:
        assert isinstance(grid.value(*rowcol(e.ref)), float), (e.ref, grid.value(*rowcol(e.ref)))
    recalculated = open_book(scored_out).sheets[reading.sheet]
    assert recalculated.value(*total_cell) == total
