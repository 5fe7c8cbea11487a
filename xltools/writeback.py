"""What xltools writes back into a checked workbook — one plan for ``xltools score`` (applied to
the file by :func:`xltools.xlsx.patch.apply`) and for the Excel buttons (applied through xlwings
by :mod:`xltools.excel.apply`).  Pure: no I/O; both appliers only carry it out.

* :class:`Restore`: formula cells xltools owns that lost their formula or hold a stale cached
  value — the formula, and Python's value as its cached value.  Foreign layouts get none: the
  unit's own numbers stay; recomputed values go into the notes and the result sheet only.
* :class:`Rewrite`: input cells whose value becomes a number — a number typed as text (``120件``)
  becomes the number it was read as (in the cell's own format), a weight the form fixes comes
  back — so the sheet's formulas agree with Python from then on.
* :class:`Mark`: every cell with issues gets a fill by its worst severity
  (:data:`xltools.validation.SEVERITY_FILLS`) and a note whose xltools part starts with
  :data:`MARKER` (a note the cell had before stays above it).
* The ``校验结果`` sheet (:class:`ResultTable`): a bold, frozen header row, every issue sorted by
  sheet and cell with a link to its cell, then the recomputed scores.
* One record of the marks, read by both appliers: hidden columns K:M of the result sheet list
  the sheet, cell and original fill (``#RRGGBB`` or "" for none) of every marked cell.  The next
  run (:func:`previous_marks`) unmarks the cells that are clean now, so running twice gives the
  same workbook and a clean workbook carries no marks.  The record is untrusted input: rows that
  do not name an existing sheet and a plain cell reference are ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from . import validation
from .num import fmt
from .validation import SEVERITY_FILLS, SEVERITY_LABELS, Issue
from .xlsx.cells import a1, quote_sheet, rowcol
from .xlsx.formula_checks import expected_value, same
from .xlsx.formulas import normalize

RESULT_SHEET = "校验结果"
#: Where xltools' part of a note starts; everything above it is the unit's own note.
MARKER = "【xltools 校验】"
#: The visible table: header in row 1 (frozen), columns A..F.
HEADER = ("序号", "级别", "工作表", "单元格", "问题", "说明")
LINK_COLUMN = HEADER.index("单元格")  # 0-based
#: The record of the marks: hidden columns K:M (0-based 10..12), header in row 1.
BOOK_COLUMN = 10
BOOK_HEADER = ("xltools标注-工作表", "xltools标注-单元格", "xltools标注-原底色")
#: Column widths (characters) of A..F, and the header's fill.
WIDTHS = (6, 8, 12, 9, 26, 80)
HEADER_FILL = "D9E1F2"
#: Points per line of wrapped text (11 pt, CJK glyphs are taller than Latin ones).
LINE_HEIGHT = 16.0
#: Legacy layout of ``score``'s sheet before the record existed: sheet and cell in columns C, D… E.
_OLD_HEADER = ("序号", "级别", "问题", "工作表", "单元格", "说明", "代码")
_CELL = re.compile(r"\$?[A-Z]{1,3}\$?[1-9][0-9]{0,6}")


@dataclass(frozen=True)
class Restore:
    """An owned formula cell (0-based row/col) to give back its formula and Python's value."""
    sheet: str
    row: int
    col: int
    formula: str  # with the leading "="
    value: float | str | bool | None  # Python's value: the cached value the file applier writes
    old: object  # what the cell held
    overwritten: bool  # the formula was gone (typed over), not just a stale cached value

    @property
    def cell(self) -> str:
        return a1(self.row, self.col)


@dataclass(frozen=True)
class Rewrite:
    """An input cell (0-based row/col) to hold ``value`` (a number, or the 指标方向 read from a text)."""
    sheet: str
    row: int
    col: int
    value: float | str

    @property
    def cell(self) -> str:
        return a1(self.row, self.col)


@dataclass(frozen=True)
class Mark:
    sheet: str
    cell: str
    severity: str
    note: str  # xltools' part of the note, starting with MARKER

    @property
    def fill(self) -> str:
        return SEVERITY_FILLS[self.severity]


@dataclass(frozen=True)
class Link:
    row: int  # 0-based, on the result sheet
    col: int
    sheet: str
    cell: str

    @property
    def location(self) -> str:
        """In-workbook target: ``'自评表'!H12``."""
        return f"{quote_sheet(self.sheet)}!{self.cell}"


@dataclass(frozen=True)
class ResultTable:
    """The 校验结果 sheet from A1, with how it looks.  ``styles`` names a look per cell (0-based):
    "header" (bold on :data:`HEADER_FILL`), "label" (bold), "wrap" (wrapped), "top" (aligned to the
    top, like the wrapped cells of its row), or a severity ("error" …, filled with its
    SEVERITY_FILLS colour).  The appliers turn the names into their own formats."""
    name: str
    rows: list[list]
    links: list[Link]
    styles: dict[tuple[int, int], str]
    heights: dict[int, float] = field(default_factory=dict)  # 0-based row -> points, for wrapped text
    widths: tuple[float, ...] = WIDTHS
    hidden: tuple[int, ...] = tuple(range(BOOK_COLUMN, BOOK_COLUMN + len(BOOK_HEADER)))
    freeze_rows: int = 1


@dataclass
class WriteBack:
    """The whole plan; ``old_marks`` (sheet, cell) -> original fill, from the previous record."""
    restores: list[Restore] = field(default_factory=list)
    rewrites: list[Rewrite] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    old_marks: dict[tuple[str, str], str] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    summary: list[tuple[str, str]] = field(default_factory=list)

    def unmarks(self) -> list[tuple[str, str, str]]:
        """(sheet, cell, original fill) of earlier marks on cells that are clean now."""
        now = {(m.sheet, m.cell) for m in self.marks}
        return [(s, c, f) for (s, c), f in sorted(self.old_marks.items()) if (s, c) not in now]

    def table(self, originals: dict[tuple[str, str], str]) -> ResultTable:
        """The result sheet, its record listing each mark with ``originals[(sheet, cell)]`` — the
        fill the cell had before xltools marked it, as the applier saw it."""
        rows: list[list] = [list(HEADER) + [""] * (BOOK_COLUMN - len(HEADER)) + list(BOOK_HEADER)]
        styles = {(0, j): "header" for j in range(len(HEADER))}
        links, heights = [], {}
        for n, issue in enumerate(self.issues, 1):
            loc = issue.location
            where = "" if loc.sheet and loc.cell else loc.path  # the indicator (field names are English)
            rows.append([n, issue.label, loc.sheet or "", loc.cell or "", issue.title,
                         f"{where}：{issue.message}" if where else issue.message])
            r = len(rows) - 1
            styles.update({(r, 0): "top", (r, 1): issue.severity, (r, 2): "top", (r, 3): "top",
                           (r, 4): "wrap", (r, 5): "wrap"})
            lines = max(_lines(str(rows[r][j]), WIDTHS[j]) for j in (4, 5))
            if lines > 1:
                heights[r] = LINE_HEIGHT * lines
            if loc.sheet and loc.cell:
                links.append(Link(r, LINK_COLUMN, loc.sheet, loc.cell))
        rows.append([])
        for label, text in self.summary:
            rows.append(["", "", "", "", label, text])
            styles[(len(rows) - 1, 4)] = "label"
        for row, mark in zip(rows[1:], self.marks):  # a mark per cell, an issue or more per mark
            row.extend([""] * (BOOK_COLUMN - len(row)))
            row[BOOK_COLUMN:] = [mark.sheet, mark.cell, originals.get((mark.sheet, mark.cell), "")]
        width = max(len(r) for r in rows)
        return ResultTable(RESULT_SHEET, [r + [""] * (width - len(r)) for r in rows], links, styles, heights)


def plan(result, book=None) -> WriteBack:
    """What to write back for ``result`` (a checked workbook) into ``book`` (what it was read from)."""
    out = WriteBack(old_marks=previous_marks(book))
    out.restores = restores(result, book)
    out.rewrites = rewrites(result)
    out.issues = tuple(sorted(result.report.issues, key=_order(book)))
    out.marks = marks(result)
    out.summary = summary(result)
    return out


def restores(result, book) -> list[Restore]:
    reading = result.reading
    if reading is None or reading.kind != "template":
        return []
    grid = book.sheets.get(reading.sheet) if book is not None else None
    out = []
    for owned in reading.owned:
        value = expected_value(owned, result.card)
        cell = grid.get(owned.row, owned.col) if grid is not None else None
        if cell is not None and _intact(cell, owned.formula, value):
            continue
        out.append(Restore(reading.sheet, owned.row, owned.col, owned.formula,
                           float(value) if isinstance(value, Decimal) else value,
                           cell.value if cell is not None else None, cell is None or cell.formula is None))
    return out


def rewrites(result) -> list[Rewrite]:
    reading = result.reading
    if reading is None or reading.kind != "template":
        return []
    out = [Rewrite(reading.sheet, r, c, float(result.card.leaf(path).weight)) for r, c, path, _ in reading.fixed_changed]
    for t in reading.typed:
        out.append(Rewrite(reading.sheet, t.row, t.col, float(t.cell.value)))
        if t.op:
            out.append(Rewrite(reading.sheet, *t.op))
    return out


def _intact(cell, formula: str, value) -> bool:
    """The cell already holds our formula and Python's value: nothing to write."""
    return cell.formula is not None and normalize(cell.formula) == normalize(formula) and same(cell.value, value)


def marks(result) -> list[Mark]:
    """One mark per cell that has issues, in the order the issues come."""
    by_cell: dict[tuple[str, str], list[Issue]] = {}
    for issue in result.report.issues:
        loc = issue.location
        if loc.sheet and loc.cell:
            by_cell.setdefault((loc.sheet, loc.cell), []).append(issue)
    return [Mark(sheet, cell, validation.worst(issues),
                 MARKER + "\n" + "\n".join(f"{i.label}：{i.title}。{i.message}" for i in issues))
            for (sheet, cell), issues in by_cell.items()]


def summary(result) -> list[tuple[str, str]]:
    card, filing, report = result.card, result.filing, result.report
    counts = {s: sum(i.severity == s for i in report.issues) for s in SEVERITY_LABELS}
    stated = f"（表中填报 {fmt(card.stated_total)} 分）" if card.stated_total is not None else ""
    found = ("，".join(f"{n} 项{SEVERITY_LABELS[s]}" for s, n in counts.items() if n) if report.issues
             else "未发现问题")
    out = [("结论", f"重新计算总分 {fmt(card.total)} 分，等级 {card.grade}{stated}；{found}")]
    if getattr(filing, "unit", None):
        out.append(("单位", filing.unit))
    if getattr(filing, "year", None):
        out.append(("年度", str(filing.year)))
    if card.funding is not None:
        f = card.funding
        out.append(("资金执行", f"得分 {fmt(f.score)}（分值 {fmt(f.weight)}，扣分 {fmt(f.weight - f.score)}）"))
    for group in card.top_groups():
        out.append((group.name, f"得分 {fmt(group.score)}（分值 {fmt(group.weight)}，扣分 {fmt(group.deduction)}）"))
    out.append(("总分", f"得分 {fmt(card.total)}，等级 {card.grade}{stated}"))
    return out


def _order(book):
    """Sort key of issues: by sheet (workbook order; issues of no cell first), then row, column."""
    sheets = list(book.sheets) if book is not None else []

    def key(issue: Issue):
        loc = issue.location
        if not (loc.sheet and loc.cell and _CELL.fullmatch(loc.cell)):
            return (-1, "", 0, 0)
        r, c = rowcol(loc.cell.replace("$", ""))
        return (sheets.index(loc.sheet) if loc.sheet in sheets else len(sheets), loc.sheet, r, c)
    return key


def previous_marks(book) -> dict[tuple[str, str], str]:
    """(sheet, cell) -> original fill of the cells an earlier run marked, from the result sheet's
    record (or the sheet and cell columns of the legacy layout)."""
    grid = book.sheets.get(RESULT_SHEET) if book is not None else None
    if grid is None:
        return {}
    cols: tuple[int, int, int | None]
    if tuple(grid.text(0, BOOK_COLUMN + j) for j in range(3)) == BOOK_HEADER:
        cols = (BOOK_COLUMN, BOOK_COLUMN + 1, BOOK_COLUMN + 2)
    elif tuple(grid.text(0, j) for j in range(len(_OLD_HEADER))) == _OLD_HEADER:
        cols = (3, 4, None)
    else:
        return {}
    out = {}
    for r in range(1, grid.max_row + 1):
        sheet, cell = grid.text(r, cols[0]), grid.text(r, cols[1]).upper()
        original = grid.text(r, cols[2]) if cols[2] is not None else ""
        if sheet in book.sheets and sheet != RESULT_SHEET and _CELL.fullmatch(cell):
            r, c = rowcol(cell.replace("$", ""))
            if r < 1048576 and c < 16384:  # inside Excel's grid
                out[(sheet, a1(r, c))] = original if color_value(original) else ""
    return out


# -- notes and fills, as both appliers keep them ------------------------------------------------
def with_mark(original: str | None, text: str) -> str:
    """The note of a marked cell: the cell's own note (if any) above xltools' text."""
    own = strip_mark(original)
    return f"{own}\n\n{text}" if own else text


def strip_mark(note: str | None) -> str | None:
    """A note without xltools' part; None when nothing else is left."""
    if not note:
        return None
    at = note.find(MARKER)
    if at < 0:
        return note
    return note[:at].rstrip() or None


def _lines(text: str, width: float) -> int:
    """Lines ``text`` takes in a column ``width`` characters wide (a CJK character is two)."""
    room = max(1.0, width - 1)
    return sum(max(1, -(-sum(2 if ord(ch) > 0x2E7F else 1 for ch in part) // int(room)))
               for part in text.split("\n"))


def color_text(color) -> str:
    """An (r, g, b) fill as the record keeps it: ``#RRGGBB``, or "" for none."""
    if not color:
        return ""
    r, g, b = color
    return f"#{r:02X}{g:02X}{b:02X}"


def color_value(text) -> tuple[int, int, int] | None:
    text = str(text or "").strip()
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", text):
        return None
    return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)

