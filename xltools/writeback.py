"""What ``xltools score`` (and the Excel button) writes back into a workbook: a plan of cell edits
and the 校验结果 sheet, built from a checked Result.  Pure: the file patcher
(:mod:`xltools.xlsx.patch`) and the xlwings glue both apply the same plan.

* Formula cells xltools owns get their formula back (if overwritten) and Python's value as the
  cached value — totals, grade, every leaf score, 执行率.  Foreign layouts keep the unit's own
  numbers: recomputed values go into the notes and the result sheet only.
* Every issue marks its cell: red fill for errors, yellow for warnings, and a Chinese note listing
  the problems of that cell.  Cells marked by an earlier run (listed in the old 校验结果 sheet)
  that are clean now are unmarked, so running twice gives the same workbook and a clean workbook
  carries no marks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .num import fmt
from . import validation
from .validation import SEVERITY_FILLS, Issue
from .xlsx.cells import quote_sheet
from .xlsx.formula_checks import expected_value, same
from .xlsx.formulas import normalize
from .xlsx.patch import CellEdit, ResultSheet

RESULT_SHEET = "校验结果"
HEADER = ["序号", "级别", "问题", "工作表", "单元格", "说明", "代码"]
CELL_COLUMN = HEADER.index("单元格")
SHEET_COLUMN = HEADER.index("工作表")


@dataclass
class Plan:
    edits: list[CellEdit] = field(default_factory=list)
    sheet: ResultSheet | None = None


def previous_marks(book) -> set[tuple[str, str]]:
    """(sheet, cell) pairs listed in an earlier 校验结果 sheet."""
    grid = book.sheets.get(RESULT_SHEET) if book is not None else None
    if grid is None:
        return set()
    marks = set()
    for r in range(1, grid.max_row + 1):
        sheet, cell = grid.text(r, SHEET_COLUMN), grid.text(r, CELL_COLUMN)
        if sheet and cell:
            marks.add((sheet, cell))
    return marks


def plan(result, book=None) -> Plan:
    """The edits that bring ``result`` (a checked workbook) into the workbook."""
    out = Plan()
    reading = result.reading
    if reading is not None and reading.kind == "template":
        from .xlsx.cells import a1
        grid = book.sheets.get(reading.sheet) if book is not None else None
        for owned in reading.owned:
            value = expected_value(owned, result.card)
            if grid is not None and _intact(grid.get(owned.row, owned.col), owned.formula, value):
                continue
            out.edits.append(CellEdit(reading.sheet, a1(owned.row, owned.col), formula=owned.formula.lstrip("="),
                                      value=float(value) if isinstance(value, Decimal) else value))
    by_cell: dict[tuple[str, str], list[Issue]] = {}
    for issue in result.report.issues:
        if issue.location.sheet and issue.location.cell:
            by_cell.setdefault((issue.location.sheet, issue.location.cell), []).append(issue)
    for (sheet, cell), issues in by_cell.items():
        worst = validation.worst(issues)
        note = "\n".join(f"{i.label}：{i.message}" for i in issues)
        out.edits.append(CellEdit(sheet, cell, fill=SEVERITY_FILLS[worst], note=note))
    for sheet, cell in sorted(previous_marks(book) - set(by_cell)):
        out.edits.append(CellEdit(sheet, cell, fill="", note=""))
    out.sheet = result_sheet(result)
    return out


def _intact(cell, formula: str, value) -> bool:
    """The cell already holds our formula and Python's value: nothing to write."""
    return cell.formula is not None and normalize(cell.formula) == normalize(formula) and same(cell.value, value)


def result_sheet(result) -> ResultSheet:
    card = result.card
    rows: list[list] = []
    links: dict[tuple[int, int], str] = {}
    for n, issue in enumerate(result.report.issues, 1):
        loc = issue.location
        rows.append([n, issue.label, issue.title, loc.sheet or "", loc.cell or "", issue.message, issue.code])
        if loc.sheet and loc.cell:
            links[(len(rows) - 1, CELL_COLUMN)] = f"{quote_sheet(loc.sheet)}!{loc.cell}"
    summary = (f"重新计算总分 {fmt(card.total)} 分，等级 {card.grade}"
               + (f"（填报 {fmt(card.stated_total)} 分）" if card.stated_total is not None else "")
               + (f"；{len(result.report.errors)} 个错误，{len(result.report.reviews)} 项待补充"
                  if result.report.issues else "；未发现问题"))
    rows.append(["", "", "结论", "", "", summary, ""])
    return ResultSheet(RESULT_SHEET, HEADER, rows, links)
