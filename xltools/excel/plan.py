"""What the buttons write back, as plain data — pure, so it is tested without Excel.

From a :class:`xltools.api.Result` (and the :class:`~xltools.xlsx.package.Book` it was read from):

- :func:`restores`: the formulas xltools owns that were overwritten by a constant (exactly the
  cells of the ``formula-overwritten`` issues), with the formula to put back;
- :func:`marks`: one mark per issue cell — a fill colour by the worst severity and a Chinese note
  listing the cell's issues, introduced by :data:`MARKER` so a later run finds and removes it;
- :func:`result_sheet`: the rows of the ``校验结果`` sheet (summary, every issue with a link to
  its cell, the scores);
- :func:`check_message` / :func:`recalc_message` / :func:`report_message`: the Chinese message
  shown at the end.

How a later run undoes the marks (so running twice gives the same workbook): the ``校验结果``
sheet keeps, in hidden columns (:data:`BOOK_COLUMNS`), the sheet, cell and original fill of
every cell it coloured; the notes carry :data:`MARKER`, and everything from the marker on is
xltools' own text (a note the cell had before keeps its text above the marker).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath

from ..num import fmt
from .. import validation
from ..validation import SEVERITY_FILLS, Issue
from ..xlsx.cells import a1, quote_sheet

RESULT_SHEET = "校验结果"
MARKER = "【xltools 校验】"
#: Fill colours of marked cells, by worst severity (Excel's own "bad" and "neutral" styles).
HEADER_COLOR = (217, 225, 242)
#: The issue table of the result sheet: header row (1-based) and its columns.
TABLE_HEADER = ("序号", "级别", "位置", "问题", "说明", "代码")
LINK_COLUMN = 3  # 位置 (1-based)
#: Hidden bookkeeping of the marks (1-based columns of the result sheet), from row :data:`BOOK_ROW`.
BOOK_COLUMNS = (11, 12, 13)  # K: sheet, L: cell, M: original fill ("" = none)
BOOK_HEADER = ("xltools标注-工作表", "xltools标注-单元格", "xltools标注-原底色")
BOOK_ROW = 1
WIDTHS = {1: 6, 2: 6, 3: 16, 4: 26, 5: 80, 6: 22}


@dataclass(frozen=True)
class Restore:
    """An owned formula cell that holds a constant: put ``formula`` back (0-based row/col)."""

    sheet: str
    row: int
    col: int
    formula: str  # with the leading "="
    old: object  # the constant it held
    what: str

    @property
    def cell(self) -> str:
        return a1(self.row, self.col)


@dataclass(frozen=True)
class Mark:
    sheet: str
    cell: str
    severity: str
    text: str  # the note text, starting with MARKER

    @property
    def color(self) -> tuple[int, int, int]:
        fill = SEVERITY_FILLS[self.severity]
        return int(fill[0:2], 16), int(fill[2:4], 16), int(fill[4:6], 16)


@dataclass(frozen=True)
class Link:
    row: int  # 1-based, on the result sheet
    col: int
    sheet: str
    cell: str

    @property
    def address(self) -> str:
        """Excel's in-workbook hyperlink address: ``#'自评表'!H12``."""
        return f"#{quote_sheet(self.sheet)}!{self.cell}"

    @property
    def text(self) -> str:
        return f"{self.sheet}!{self.cell}"


@dataclass(frozen=True)
class ResultSheet:
    rows: list[list]  # from A1
    links: list[Link]
    header_rows: list[int]  # 1-based rows to fill with HEADER_COLOR (columns 1..len(TABLE_HEADER))


# -- formulas ---------------------------------------------------------------------------------
def restores(result, book) -> list[Restore]:
    """Owned formula cells that were overwritten by a constant (what ``formula-overwritten`` reports)."""
    reading = result.reading
    if reading is None or reading.kind != "template":
        return []
    grid = book.sheets[reading.sheet]
    out = []
    for owned in reading.owned:
        cell = grid.get(owned.row, owned.col)
        if cell.formula is None:
            out.append(Restore(reading.sheet, owned.row, owned.col, owned.formula, cell.value, owned.what))
    return out


# -- marks ------------------------------------------------------------------------------------
def issue_line(issue: Issue) -> str:
    return f"{issue.label}：{issue.title}。{issue.message}"


def marks(result) -> list[Mark]:
    """One mark per cell that has issues, in the order the issues come."""
    by_cell: dict[tuple[str, str], list[Issue]] = {}
    for issue in result.report.issues:
        loc = issue.location
        if loc.sheet and loc.cell:
            by_cell.setdefault((loc.sheet, loc.cell), []).append(issue)
    out = []
    for (sheet, cell), issues in by_cell.items():
        worst = validation.worst(issues)
        text = MARKER + "\n" + "\n".join(issue_line(i) for i in issues)
        out.append(Mark(sheet, cell, worst, text))
    return out


def with_mark(original: str | None, text: str) -> str:
    """The note text for a marked cell: the cell's own note (if any) above xltools' text."""
    own = strip_mark(original)
    return f"{own}\n\n{text}" if own else text


def strip_mark(note: str | None) -> str | None:
    """A note without xltools' part; None when nothing else is left."""
    if not note:
        return None
    at = note.find(MARKER)
    if at < 0:
        return note
    rest = note[:at].rstrip()
    return rest or None


def color_text(color) -> str:
    """A fill as kept in the bookkeeping: ``#RRGGBB`` or "" for none."""
    if not color:
        return ""
    r, g, b = color
    return f"#{r:02X}{g:02X}{b:02X}"


def color_value(text) -> tuple[int, int, int] | None:
    text = str(text or "").strip()
    if len(text) != 7 or not text.startswith("#"):
        return None
    try:
        return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)
    except ValueError:
        return None


# -- the result sheet -------------------------------------------------------------------------
def _num(value: Decimal | None):
    return float(value) if value is not None else ""


def _text(value) -> str:
    """Text that Excel will not take for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


def counts(result) -> tuple[int, int, int]:
    issues = result.report.issues
    return (sum(i.severity == "error" for i in issues), sum(i.severity == "review" for i in issues),
            sum(i.severity == "info" for i in issues))


def result_sheet(result, workbook_name: str) -> ResultSheet:
    """Rows from A1: a summary (labels in C, values in D), the issue table, the scores."""
    card, filing = result.card, result.filing
    errors, warnings, infos = counts(result)
    rows: list[list] = [
        ["xltools 校验结果（由“绩效自评→校验”生成，再次校验时自动更新；问题全部改正后再次校验，本表自动删除）"],
        ["", "", "工作簿", _text(workbook_name)],
        ["", "", "单位", _text(filing.unit)],
        ["", "", "年度", filing.year or ""],
        ["", "", "等级", card.grade],
        ["", "", "问题", f"{errors} 个错误，{warnings} 项待补充，{infos} 个提示"],
        [],
    ]
    header_rows = [len(rows) + 1]
    rows.append(list(TABLE_HEADER))
    links = []
    for n, issue in enumerate(result.report.issues, 1):
        loc = issue.location
        where = f"{loc.sheet}!{loc.cell}" if loc.sheet and loc.cell else str(loc)
        rows.append([n, issue.label, _text(where), _text(issue.title), _text(issue.message),
                     issue.code])
        if loc.sheet and loc.cell:
            links.append(Link(len(rows), LINK_COLUMN, loc.sheet, loc.cell))
    rows.append([])
    header_rows.append(len(rows) + 1)
    rows.append(["", "", "得分（重新计算）", "得分", "说明", ""])
    if card.funding is not None:
        f = card.funding
        rows.append(["", "", "资金执行", _num(f.score), f"分值 {fmt(f.weight)}，扣分 {fmt(f.weight - f.score)}"])
    for group in card.top_groups():
        rows.append(["", "", _text(group.name), _num(group.score),
                     f"分值 {fmt(group.weight)}，扣分 {fmt(group.deduction)}"])
    stated = f"；表中填报 {fmt(card.stated_total)}" if card.stated_total is not None else ""
    rows.append(["", "", "总分", _num(card.total), f"等级 {card.grade}{stated}"])
    width = len(TABLE_HEADER)
    return ResultSheet([r + [""] * (width - len(r)) for r in rows], links, header_rows)


# -- messages ---------------------------------------------------------------------------------
def score_line(result) -> str:
    card = result.card
    stated = ""
    if card.stated_total is not None and card.stated_total != card.total:
        stated = f"（表中填报 {fmt(card.stated_total)} 分）"
    return f"重新计算总分 {fmt(card.total)} 分{stated}，等级：{card.grade}。"


def check_message(result, marked: int) -> str:
    errors, warnings, infos = counts(result)
    if not result.report.issues:
        return "校验通过：没有发现问题。\n" + score_line(result)
    parts = [f"{errors} 个错误", f"{warnings} 项待补充"] + ([f"{infos} 个提示"] if infos else [])
    lines = [f"校验完成：发现{'、'.join(parts)}。"]
    if marked:
        lines.append(f"已在 {marked} 个单元格上标注（红色为错误，黄色为待补充；鼠标停在单元格上可看批注）。")
    lines.append(f"全部问题见“{RESULT_SHEET}”工作表（点“位置”可跳到单元格）。")
    lines.append(score_line(result))
    return "\n".join(lines)


def _old(value) -> str:
    if value is None or value == "":
        return "空白"
    if isinstance(value, float):
        return fmt(Decimal(repr(value)))
    return f"“{value}”"


def recalc_message(result, restored: list[Restore], checked: bool, marked: int, shown: int = 10) -> str:
    lines = []
    if restored:
        cells = "、".join(f"{r.cell}（原为{_old(r.old)}）" for r in restored[:shown])
        more = f" 等 {len(restored)} 处" if len(restored) > shown else ""
        lines.append(f"已恢复被改写为数值的公式：{cells}{more}。")
    else:
        lines.append("公式完整，无需恢复。")
    lines.append("已重新计算。" + score_line(result))
    errors, warnings, _ = counts(result)
    if checked:
        lines.append(f"校验标注已更新：{errors} 个错误，{warnings} 项待补充（见“{RESULT_SHEET}”工作表）。"
                     if result.report.issues else "校验通过，已清除以前的标注。")
    elif errors or warnings:
        lines.append(f"表中还有 {errors} 个错误、{warnings} 项待补充，点“校验”可逐个标注。")
    return "\n".join(lines)


def report_message(path, result, fallback: str = "") -> str:
    lines = [f"报告初稿已生成：\n{path}"]
    if fallback:
        lines.append(fallback)
    errors, _, _ = counts(result)
    if errors:
        lines.append(f"注意：表中有 {errors} 个错误，报告中的数字是重新计算的结果，请先点“校验”查看并改正。")
    return "\n".join(lines)


def workbook_name(fullname: str) -> str:
    return PurePath(str(fullname).replace("\\", "/")).name or str(fullname)
