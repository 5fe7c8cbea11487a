"""Where everything sits in a template: the layout of a form, described once.

The writer, the reader and the formulas all ask a :class:`Layout` for rows and columns; no other
module knows a coordinate.  Rows and columns are 0-based; :mod:`xltools.xlsx.cells` turns them into
A1 references.  Pure: no I/O.

Sheet 自评表, top to bottom::

    title                       2021年度部门整体支出绩效自评表
    info                        部门名称 | unit … | 单位编码 | code | 年度 | year
    funding (national forms)    资金情况(万元) | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分
                                four rows: 年度资金总额, 其中：当年财政拨款, 上年结转资金, 其他资金
    goal                        年度总体目标 | 预期目标 | 实际完成情况  (+ one text row)
    table header                绩效指标 | 一级 | 二级 | 三级 | 指标方向 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因…
    one row per leaf slot       (merged 一级/二级 cells)
    total                       总分 | 100 | score | 等级
    summary                     得分汇总: one row per group — 规定分值, 明细分值合计, 得分, 扣分
    notes                       执行率 formula, grade bands, how to fill in

To the right of the printed table, the *scoring aid* columns (计分辅助区) hold the evaluator's
score for 定性/人工 leaves, the rule's own score, the 定性 band, the raw figures of derived
indicators and each row's indicator path (hidden).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from ..errors import XltoolsError
from ..model import FUNDING_COLUMNS, FUNDING_ROWS, Form, Group, Leaf, key

SHEET = "自评表"
META_SHEET = "_xltools"
#: Minimum rows per 二级指标 a blank template offers for the unit's own 三级指标.
DEFAULT_ROWS = 2


class TemplateError(XltoolsError):
    code = "template-error"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: float
    aux: bool = False  # in the scoring aid area (not printed)
    hidden: bool = False


def _columns(form: Form) -> tuple[Column, ...]:
    l1, l2, l3 = form.level_names
    if form.layout == "national":
        main = [Column("block", "绩效指标", 5), Column("l1", l1, 12), Column("l2", l2, 14), Column("l3", l3, 22),
                Column("op", "指标方向", 7), Column("target", "年度指标值", 15), Column("actual", "实际完成值", 15),
                Column("weight", "分值", 7), Column("score", "得分", 8),
                Column("reason", "偏差原因分析及改进措施", 28)]
    else:
        main = [Column("l1", l1, 9), Column("l2", l2, 11), Column("l3", l3, 18), Column("weight", "分值", 6),
                Column("op", "指标方向", 7), Column("target", "年度指标值", 13), Column("actual", "实际完成值", 13),
                Column("score", "得分", 7), Column("note", "指标解释", 30), Column("criteria", "评价标准", 36),
                Column("reason", "偏差原因分析及改进措施", 22)]
    aux = [Column("gap", "", 2, aux=True), Column("manual", "评价人评分", 10, aux=True),
           Column("rule_score", "规则得分", 9, aux=True), Column("band", "定性档次", 16, aux=True),
           Column("in1", "计算依据1", 12, aux=True), Column("in2", "计算依据2", 12, aux=True),
           Column("key", "指标路径", 30, aux=True, hidden=True)]
    return tuple(main + aux)


@dataclass(frozen=True)
class Slot:
    """One row of the indicator table: a spec leaf, or a blank row for the unit's own leaf."""

    row: int
    parent: tuple[str, ...]  # path of the group the row belongs to
    leaf: Leaf | None

    @property
    def key(self) -> str:
        return key(self.parent + ((self.leaf.name,) if self.leaf else ("",)))


@dataclass(frozen=True)
class Span:
    """A group's rows in the table (for merged cells and subtotals)."""

    path: tuple[str, ...]
    level: int  # 0 for 一级指标
    first: int
    last: int
    weight: Decimal | None  # the weight the spec fixes, if any


@dataclass(frozen=True)
class Layout:
    form: Form
    columns: tuple[Column, ...]
    title_row: int
    info_row: int
    funding_header: int | None
    funding_rows: dict[str, int]
    goal_header: int
    goal_row: int
    table_header: int
    slots: tuple[Slot, ...]
    spans: tuple[Span, ...]
    total_row: int
    summary_header: int
    summary_rows: dict[str, int]  # group key -> row
    notes_rows: tuple[int, ...]
    col: dict[str, int] = field(default_factory=dict)

    # -- columns ------------------------------------------------------------------------
    def c(self, name: str) -> int:
        """Column index of a table column key (``target``, ``score`` …)."""
        return self.col[name]

    @property
    def last_print_col(self) -> int:
        return max(i for i, c in enumerate(self.columns) if not c.aux)

    @property
    def last_col(self) -> int:
        return len(self.columns) - 1

    # -- info row: 部门名称 | unit (3 columns) | 单位编码 | code | 年度 (to the last but one) | year
    #: (first, last) column of each part of the info row; "year_label" ends before the year's column
    INFO_COLS = {"unit_label": (0, 1), "unit": (2, 4), "code_label": (5, 5), "code": (6, 6), "year_label": (7, None)}

    def info_span(self, part: str) -> tuple[int, int]:
        """(first, last) column of a part of the info row; ``year`` is the last printed column."""
        if part == "year":
            return self.last_print_col, self.last_print_col
        first, last = self.INFO_COLS[part]
        return first, self.last_print_col - 1 if last is None else last

    # -- funding block: fixed positions inside the printed width -------------------------
    #: the block label column, the row label (spanning 3 columns), then the six value columns
    FUNDING_LABEL_COLS = (1, 3)
    FUNDING_VALUE_COLS = {"initial": 4, "budget": 5, "spent": 6, "weight": 7, "rate": 8, "score": 9}

    def funding_cell(self, row_name: str, column: str) -> tuple[int, int]:
        return self.funding_rows[row_name], self.FUNDING_VALUE_COLS[column]

    # -- summary block -------------------------------------------------------------------
    @property
    def summary_cols(self) -> dict[str, int]:
        base = self.c("l3") + 1
        return {"name": self.c("l1"), "name_end": self.c("l3"), "fixed": base, "weights": base + 1,
                "score": base + 2, "deduction": base + 3}

    @property
    def first_slot_row(self) -> int:
        return self.slots[0].row if self.slots else self.table_header + 1

    @property
    def last_slot_row(self) -> int:
        return self.slots[-1].row if self.slots else self.table_header + 1


def build_layout(form: Form, rows: int = DEFAULT_ROWS, extra: dict[tuple[str, ...], int] | None = None) -> Layout:
    """Lay out ``form``.  Every leaf-parent group gets at least ``rows`` rows; ``extra`` asks for
    more under given groups (rows for leaves a filing adds)."""
    if len(form.level_names) != 3:
        raise TemplateError(f"表式“{form.id}”的层级名称应为3级（一级/二级/三级指标），实际是{len(form.level_names)}级")
    for path, _leaf in form.leaves():
        if len(path) != 3:
            raise TemplateError(f"表式“{form.id}”中“{key(path)}”不在第三级；模板只支持三级指标体系")
    columns = _columns(form)
    col = {c.key: i for i, c in enumerate(columns)}
    r = 0
    title_row, info_row = r, r + 1
    r += 2
    funding_header, funding_rows = None, {}
    if form.funding is not None:
        funding_header = r
        for i, name in enumerate(FUNDING_ROWS):
            funding_rows[name] = r + 1 + i
        r += 1 + len(FUNDING_ROWS)
    goal_header, goal_row = r, r + 1
    r += 2
    table_header = r
    r += 1
    slots: list[Slot] = []
    spans: list[Span] = []

    def place(nodes, prefix, level):
        nonlocal r
        for node in nodes:
            path = prefix + (node.name,)
            if isinstance(node, Leaf):
                slots.append(Slot(r, prefix, node))
                r += 1
                continue
            first = r
            leaves = [c for c in node.children if isinstance(c, Leaf)]
            groups = [c for c in node.children if isinstance(c, Group)]
            if groups:
                place(groups, path, level + 1)
            if leaves:
                place(leaves, path, level + 1)
            if not groups:
                blanks = max(rows, (extra or {}).get(path, 0) + len(leaves)) - len(leaves)
                if form.layout != "national" and leaves:
                    blanks = (extra or {}).get(path, 0)
                for _ in range(max(0, blanks)):
                    slots.append(Slot(r, path, None))
                    r += 1
            if r == first:  # a group with nothing at all still shows one row
                slots.append(Slot(r, path, None))
                r += 1
            spans.append(Span(path, level, first, r - 1, node.weight))

    place(form.indicators, (), 0)
    spans.sort(key=lambda s: (s.first, s.level))
    total_row = r
    r += 2
    summary_header = r
    summary_rows = {}
    for span in spans:
        if span.level <= 1:
            r += 1
            summary_rows[key(span.path)] = r
    r += 2
    notes_rows = (r, r + 1, r + 2)
    return Layout(form=form, columns=columns, title_row=title_row, info_row=info_row,
                  funding_header=funding_header, funding_rows=funding_rows, goal_header=goal_header,
                  goal_row=goal_row, table_header=table_header, slots=tuple(slots), spans=tuple(spans),
                  total_row=total_row, summary_header=summary_header, summary_rows=summary_rows,
                  notes_rows=notes_rows, col=col)


#: Defined names: every block and column, so readers find cells by name, never by coordinates.
def defined_names(layout: Layout) -> dict[str, tuple[int, int, int, int]]:
    """name -> (first_row, first_col, last_row, last_col), all on the 自评表 sheet."""
    names: dict[str, tuple[int, int, int, int]] = {}
    info = layout.info_row
    for name, part in (("XL_UNIT", "unit"), ("XL_CODE", "code"), ("XL_YEAR", "year")):
        first, last = layout.info_span(part)
        names[name] = (info, first, info, last)
    if layout.funding_header is not None:
        last = max(layout.funding_rows.values())
        names["XL_FUNDING"] = (layout.funding_header, 0, last, layout.last_print_col)
        for row_name, row in layout.funding_rows.items():
            for column in FUNDING_COLUMNS:
                c = layout.FUNDING_VALUE_COLS[column]
                names[f"XL_FUND_{row_name.upper()}_{column.upper()}"] = (row, c, row, c)
        total = layout.funding_rows["total"]
        for column in ("weight", "rate", "score"):
            c = layout.FUNDING_VALUE_COLS[column]
            names[f"XL_FUND_{column.upper()}"] = (total, c, total, c)
    names["XL_GOAL_PLANNED"] = (layout.goal_row, 1, layout.goal_row, 5)
    names["XL_GOAL_ACHIEVED"] = (layout.goal_row, 6, layout.goal_row, layout.last_print_col)
    first, last = layout.first_slot_row, layout.last_slot_row
    names["XL_TABLE"] = (layout.table_header, 0, last, layout.last_col)
    for col in layout.columns:
        if col.key != "gap":
            c = layout.c(col.key)
            names[f"XL_IND_{col.key.upper()}"] = (first, c, last, c)
    names["XL_TOTAL_WEIGHT"] = (layout.total_row, layout.c("weight"), layout.total_row, layout.c("weight"))
    names["XL_TOTAL_SCORE"] = (layout.total_row, layout.c("score"), layout.total_row, layout.c("score"))
    names["XL_GRADE"] = (layout.total_row, layout.last_print_col, layout.total_row, layout.last_print_col)
    sc = layout.summary_cols
    if layout.summary_rows:
        rows = list(layout.summary_rows.values())
        names["XL_SUMMARY"] = (min(rows), sc["name"], max(rows), sc["deduction"])
    return names


# -- paper: the page and how tall a row must be ---------------------------------------------------
#
# Facts about printing a template, shared by the writer (which sets every row height and the page
# setup) and the tests (which recompute the heights from the written XML with the same estimate).

#: A4 in inches (portrait) and the margins the templates print with.
A4_INCHES = (8.27, 11.69)
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.5}
#: Smallest print scale (percent) still read comfortably: 10 pt type prints at 5.5 pt or larger (the provincial forms, with their long 指标解释 and 评价标准, need it to stay within two portrait pages).
MIN_SCALE = 55
#: Row height (points) of a one-line row, and line height per point of font size (宋体 and the
#: CJK fonts LibreOffice substitutes for it, e.g. Noto CJK, have a line height of about 1.45 em).
MIN_HEIGHT = 16.0
LINE_HEIGHT = 1.45
CELL_PADDING_PT = 2.0


def column_px(width: float) -> int:
    """Excel's pixel width of a column ``width`` characters wide (default font, 7 px per digit)."""
    if width <= 0:
        return 0
    return int(width * 7 + 5) if width >= 1 else int(width * 12 + 0.5)


def text_lines(text: str, width: float, size: float = 10) -> int:
    """Wrapped lines of ``text`` in a cell ``width`` characters wide at ``size`` points: a wide (CJK)
    character is ``size`` points, a narrow one half of it; a few pixels of padding per side."""
    from ..console import width as display_width

    usable_pt = max(1.0, column_px(width) * 0.75 - 4)
    lines = 0
    for part in str(text).split("\n"):
        lines += max(1, math.ceil(display_width(part) * size / 2 / usable_pt))
    return lines


def text_height(text: str, width: float, size: float = 10) -> float:
    """Points a cell needs to show ``text`` wrapped (at least :data:`MIN_HEIGHT`)."""
    return max(MIN_HEIGHT, text_lines(text, width, size) * size * LINE_HEIGHT + CELL_PADDING_PT)


@dataclass(frozen=True)
class TextBox:
    """Text in a (possibly merged) cell: rows ``first``..``last``, ``width`` characters wide."""

    first: int
    last: int
    width: float
    size: float
    text: str


def row_heights(boxes, base: dict[int, float] | None = None) -> dict[int, float]:
    """Row heights (points) so that every box's text fits: single-row boxes set their row; a merged
    box that needs more than its rows give grows its last row."""
    heights = dict(base or {})
    multi = []
    for b in boxes:
        if not b.text:
            continue
        if b.first == b.last:
            heights[b.first] = max(heights.get(b.first, MIN_HEIGHT), text_height(b.text, b.width, b.size))
        else:
            multi.append(b)
    for b in multi:
        have = sum(heights.get(r, MIN_HEIGHT) for r in range(b.first, b.last + 1))
        need = text_height(b.text, b.width, b.size)
        if need > have:
            heights[b.last] = heights.get(b.last, MIN_HEIGHT) + (need - have)
    return {r: whole_px(h) for r, h in heights.items()}


def whole_px(points: float) -> float:
    """``points`` rounded up to whole pixels (row heights are stored in pixels: 0.75 pt each)."""
    return math.ceil(round(points * 4 / 3, 6)) * 0.75


@dataclass(frozen=True)
class PagePlan:
    landscape: bool
    scale: int  # percent
    one_page: bool  # fit to one page (the engine scales); else ``breaks`` at ``scale``
    breaks: tuple[int, ...]  # rows that start a new page (0-based)

    @property
    def pages(self) -> int:
        return 1 + len(self.breaks)


def _pack(heights: list[float], starts: list[int], repeat: float, room: float) -> tuple[int, ...]:
    """Page breaks (rows starting a page) packing ``heights`` into pages of ``room`` points, breaking
    only at ``starts``.  A group taller than a page is left to the engine's own breaks."""
    allowed = set(starts)
    breaks: list[int] = []
    used, page_start, last_start = 0.0, 0, None
    for r, h in enumerate(heights):
        if r in allowed:
            last_start = r
        if used + h > room and last_start is not None and last_start > page_start:
            breaks.append(last_start)
            page_start = last_start
            used = repeat + sum(heights[last_start:r])
        used += h
    return tuple(breaks)


def page_plan(width_px: int, heights: list[float], starts: list[int], repeat_row: int | None) -> PagePlan:
    """How to print rows ``0..len(heights)-1`` of a table ``width_px`` pixels wide on A4.

    One page, scaled to fit, when the whole fits at :data:`MIN_SCALE` % or more.  Otherwise the
    table is fitted to the page width and broken only at ``starts`` (the first row of each 一级
    group, so a group is never split), with ``repeat_row`` repeated on every page.  Pages are packed
    at the width-fitting scale computed with Excel's default font (7 px per digit): an engine whose
    fallback font is wider prints smaller and the pages only get roomier.  The readable plan with
    the fewest pages (then the larger scale) wins, in either orientation.
    """
    repeat = heights[repeat_row] if repeat_row is not None else 0.0
    total = sum(heights)
    plans = []
    for landscape in (False, True):
        w_in, h_in = A4_INCHES[::-1] if landscape else A4_INCHES
        page_w = (w_in - MARGINS["left"] - MARGINS["right"]) * 72
        page_h = (h_in - MARGINS["top"] - MARGINS["bottom"]) * 72 * 0.96  # headroom for the engine's rounding
        width_scale = int(min(100.0, 100 * page_w / max(1, width_px * 0.75)))
        one = int(min(width_scale, 100 * page_h / max(1.0, total)))
        if one >= MIN_SCALE:
            plans.append(PagePlan(landscape, one, True, ()))
            continue
        breaks = _pack(heights, starts, repeat, page_h * 100 / width_scale)
        plans.append(PagePlan(landscape, width_scale, False, breaks))
    return min(plans, key=lambda p: (p.scale < MIN_SCALE, p.pages, -p.scale))
