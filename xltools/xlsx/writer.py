"""Write a template (blank or pre-filled) with XlsxWriter: the official look, live formulas with
cached values, validation, conditional formatting, defined names, protection.

Every formula comes from the rule object that scores in Python (:mod:`xltools.rules`), and its
cached value is Python's score of the very cells written (:func:`cellvalues.filing_from_rows`),
so previews, pandas and calamine read real numbers that LibreOffice/Excel recompute identically.
"""
from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import CellStringTuple

from .. import __version__
from ..atomic import write_bytes
from ..derive import UNDEFINED
from ..model import FUNDING_COLUMNS, FUNDING_ROWS, FUNDING_SOURCES, Entry, Filing, key
from ..num import ZERO, fmt, round2
from ..rules.judged import BANDS, in_band_formula
from ..rules.national import National
from ..scoring import Scorecard, score
from ..spec import form_to_dict
from . import formulas, styles
from .cells import a1, a1_row_abs, rowcol, sheet_ref, span, span_abs
from .cellvalues import Cell, Row, filing_from_rows, funding_cells, row_for
from .fastsheet import FastSheet
from .layout import (
    DEFAULT_ROWS,
    MARGINS,
    META_SHEET,
    MIN_HEIGHT,
    SHEET,
    Layout,
    TextBox,
    build_layout,
    column_px,
    defined_names,
    page_plan,
    row_heights,
)

OPS = ["≥", ">", "≤", "<", "=", "定性"]
#: The form spec is stored as JSON in the hidden sheet, in chunks below Excel's 32,767-character cell limit.
META_CHUNK = 30000


def write_workbook(path: str | Path, filing: Filing, *, rows: int = DEFAULT_ROWS, password: str | None = None,
                   title: str | None = None) -> tuple[Layout, Scorecard]:
    """Write ``filing`` (possibly empty) as a template at ``path`` (atomically)."""
    path = Path(path)
    layout = build_layout(filing.form, rows)
    cells = {}
    for s in layout.slots:
        entry = filing.entry(s.parent + (s.leaf.name,)) if s.leaf else Entry()
        cells[s.row] = row_for(s.parent, s.leaf, entry)
    used = [(s.parent, s.leaf, cells[s.row]) for s in layout.slots if s.leaf]
    funding = funding_cells(filing)
    template = filing_from_rows(filing.form, used, unit=filing.unit, year=filing.year, funding=funding,
                                goal=(filing.goal_planned, filing.goal_achieved))
    card = score(template)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False, "in_memory": True})
    book.set_properties({"title": title or _title(filing), "author": "xltools", "comments": f"xltools {__version__}",
                         "created": _EPOCH})
    _Writer(book, layout, filing, cells, funding, card, password, title).write()
    book.close()
    write_bytes(path, buffer.getbuffer())
    return layout, card


#: Fixed creation time: regenerating a template gives the same bytes (golden tests, stale check).
import datetime as _dt  # noqa: E402

_EPOCH = _dt.datetime(2024, 1, 1, 0, 0, 0)


def _title(filing: Filing) -> str:
    year = f"{filing.year}年度" if filing.year else "＿＿＿＿年度"
    return f"{year}{filing.form.title}"


def _sqref(cells: list[str]) -> str:
    """A1 cells as a space-separated list of column runs, first the top-left one (relative formulas
    of a multi-range rule are written for its first cell)."""
    pairs = [rowcol(x) for x in cells]
    return formulas.input_ranges(pairs).replace("$", "").replace(",", " ")


class _Writer:
    def __init__(self, book, layout: Layout, filing: Filing, cells: dict[int, Row], funding, card: Scorecard,
                 password, title):
        self.book, self.L, self.filing, self.cells, self.funding, self.card = book, layout, filing, cells, funding, card
        self.password, self.title = password, title
        self.ws = book.add_worksheet(SHEET, worksheet_class=FastSheet)
        self.st = styles.Styles(book)
        self.results = {r.key: r for r in card.leaves}
        form = layout.form
        self.spec_leaves = {key(p) for p, _ in form.leaves()} if form.layout != "national" else set()

    # ------------------------------------------------------------------------------------
    def write(self):
        ws, L = self.ws, self.L
        for i, column in enumerate(L.columns):
            ws.set_column(i, i, column.width, None, {"hidden": column.hidden})
        self._title()
        if L.funding_header is not None:
            self._funding()
        self._goal()
        self._table()
        self._total()
        self._summary()
        self._notes()
        self._names()
        self._paper()
        self._meta()
        if self.password is not False:
            ws.protect(self.password or "", {"insert_rows": True, "delete_rows": True, "format_columns": True,
                                             "format_rows": True, "select_locked_cells": True,
                                             "select_unlocked_cells": True})

    # -- header ---------------------------------------------------------------------------
    def _title(self):
        ws, L = self.ws, self.L
        ws.set_row(L.title_row, 36)
        ws.merge_range(L.title_row, 0, L.title_row, L.last_print_col, self.title or _title(self.filing),
                       self.st.title)
        r = L.info_row
        for part, text, style in (("unit_label", self.filing.form.unit_label, self.st.label),
                                  ("unit", self.filing.unit, self.st.input_text),
                                  ("code_label", "单位编码", self.st.label), ("code", self.filing.code, self.st.input_text),
                                  ("year_label", "年度", self.st.label)):
            first, last = L.info_span(part)
            if first == last and text:
                ws.write_string(r, first, text, style)
            elif first == last:  # no 单位编码 yet: a blank input cell
                ws.write_blank(r, first, None, style)
            else:
                ws.merge_range(r, first, r, last, text, style)
        year = self.filing.year
        if year:
            ws.write_number(r, L.last_print_col, year, self.st.input_int)
        else:
            ws.write_blank(r, L.last_print_col, None, self.st.input_int)
        ws.data_validation(r, L.last_print_col, r, L.last_print_col, {
            "validate": "integer", "criteria": "between", "minimum": 2000, "maximum": 2100,
            "input_title": "年度", "input_message": "填写评价年度，如 2024", "error_message": "年度应为2000–2100的整数"})

    def _funding(self):
        ws, L, st = self.ws, self.L, self.st
        h = L.funding_header
        rows = L.funding_rows
        ws.merge_range(h, 0, max(rows.values()), 0, "资金情况（万元）", st.header)
        ws.merge_range(h, 1, h, 3, "项目", st.header)
        headers = {**FUNDING_COLUMNS, "weight": "分值", "rate": "执行率", "score": "得分（分值×执行率）"}
        for name, c in L.FUNDING_VALUE_COLS.items():
            ws.write_string(h, c, headers[name], st.header)
        for name, r in rows.items():
            ws.merge_range(r, 1, r, 3, FUNDING_ROWS[name], st.label_left)
            row = self.funding.get(name)
            for column in FUNDING_COLUMNS:
                c = L.FUNDING_VALUE_COLS[column]
                value = getattr(row, column) if row else None
                self._write_value(r, c, value, st.input_money, st.input_text)
        first, last = min(rows.values()), max(rows.values())
        initial, spent_col = L.FUNDING_VALUE_COLS["initial"], L.FUNDING_VALUE_COLS["spent"]
        ws.data_validation(first, initial, last, spent_col, {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1e9,
            "input_title": "金额（万元）", "input_message": "单位：万元，保留两位小数",
            "error_message": "金额应为不小于0的数字（万元）"})
        total = rows["total"]
        budget, spent = L.funding_cell("total", "budget"), L.funding_cell("total", "spent")
        weight_cell = L.funding_cell("total", "weight")
        fund, f = self.filing.form.funding, self.card.funding
        assert fund is not None and f is not None  # the layout has the block only for a form with funding
        ws.write_number(*weight_cell, float(fund.weight), st.fixed)
        ws.write_formula(*L.funding_cell("total", "rate"), formulas.execution_rate(budget, spent), st.formula_rate,
                         float(f.rate) if f.rate is not None else 0)
        ws.write_formula(*L.funding_cell("total", "score"), formulas.execution_score(weight_cell, budget, spent),
                         st.formula, float(f.score))
        for name in ("fiscal", "carryover", "other"):
            for column in ("weight", "rate", "score"):
                ws.write_blank(rows[name], L.FUNDING_VALUE_COLS[column], None, st.formula)
        # marks (one rule per block, references relative to its top-left cell): spent above budget;
        # a sub-amount above its total
        b, s = a1(first, L.FUNDING_VALUE_COLS["budget"]), a1(first, spent_col)
        ws.conditional_format(first, spent_col, last, spent_col, {
            "type": "formula", "criteria": f"=AND(ISNUMBER({s}),ISNUMBER({b}),{s}>{b})", "format": st.cf_error})
        sources = [rows[name] for name in FUNDING_SOURCES]  # consecutive rows of the block
        part, whole = a1(min(sources), initial), a1_row_abs(total, initial)
        ws.conditional_format(min(sources), initial, max(sources), spent_col, {
            "type": "formula", "criteria": f"=AND(ISNUMBER({part}),ISNUMBER({whole}),{part}>{whole})",
            "format": st.cf_error})

    def _goal(self):
        ws, L, st = self.ws, self.L, self.st
        h, r = L.goal_header, L.goal_row
        last = L.last_print_col
        ws.merge_range(h, 0, r, 0, "年度总体目标", st.header)
        ws.merge_range(h, 1, h, 5, "预期目标", st.header)
        ws.merge_range(h, 6, h, last, "实际完成情况", st.header)
        ws.set_row(r, 60)
        ws.merge_range(r, 1, r, 5, self.filing.goal_planned, st.input_wrap)
        ws.merge_range(r, 6, r, last, self.filing.goal_achieved, st.input_wrap)

    # -- indicator table ------------------------------------------------------------------
    def _table(self):
        ws, L, st = self.ws, self.L, self.st
        h = L.table_header
        ws.set_row(h, 30)
        for i, column in enumerate(L.columns):
            if column.key == "gap":
                continue
            style = st.aux_header if column.aux else st.header
            if column.key != "block":
                ws.write_string(h, i, column.header, style)
        if "block" in L.col:
            ws.merge_range(h, L.c("block"), L.last_slot_row, L.c("block"), "绩效指标", st.header_vertical)
        for span_ in L.spans:
            c = L.c("l1") if span_.level == 0 else L.c("l2")
            label = span_.path[-1] + (f"\n（{fmt(span_.weight)}分）" if span_.weight is not None else "")
            if span_.first == span_.last:
                ws.write_string(span_.first, c, label, st.label)
            else:
                ws.merge_range(span_.first, c, span_.last, c, label, st.label)
        for slot in L.slots:
            self._row(slot)
        first, last = L.first_slot_row, L.last_slot_row
        self._table_validation(first, last)

    def _row(self, slot):
        ws, L, st = self.ws, self.L, self.st
        r = slot.row
        row: Row = self.cells[r]
        leaf = slot.leaf
        fixed_leaf = leaf is not None and slot.key in self.spec_leaves
        result = self.results.get(slot.key) if leaf else None
        c = L.c
        # name and weight: the spec's own leaves are fixed; the unit's rows are input
        if fixed_leaf:
            ws.write_string(r, c("l3"), leaf.name, st.label_left)
            ws.write_number(r, c("weight"), float(leaf.weight), st.fixed)
        else:
            ws.write_string(r, c("l3"), row.name, st.input_text) if row.name else ws.write_blank(r, c("l3"), None, st.input_text)
            self._write_value(r, c("weight"), row.weight, st.input_num, st.input_text)
        typed = leaf is None or leaf.rule.typed_target  # a row of the unit's own: the national rule
        if typed:
            ws.write_string(r, c("op"), row.op, st.input_center) if row.op else ws.write_blank(r, c("op"), None, st.input_center)
        else:
            ws.write_blank(r, c("op"), None, st.fixed)
        self._write_cell(r, c("target"), row.target, input_=typed)
        derived = leaf is not None and leaf.derive is not None
        if derived:
            if row.actual.value is not None:  # a rate typed without its figures: kept as typed
                self._write_cell(r, c("actual"), row.actual, input_=True)
            else:
                value = result.actual.number if result and result.actual.is_number else None
                ws.write_formula(r, c("actual"), formulas.derived_actual(leaf.derive, L.col, r), st.formula_rate,
                                 float(value) if value is not None else UNDEFINED)
            for i, name in enumerate(leaf.derive.inputs):
                cell = row.inputs[i]
                column = c(f"in{i + 1}")
                self._write_cell(r, column, cell, input_=True)
                ws.data_validation(r, column, r, column, {
                    "validate": "decimal", "criteria": "between", "minimum": -1e12, "maximum": 1e12,
                    "input_title": name[:32], "input_message": f"填写“{name}”，{leaf.name}由此自动计算"[:255],
                    "error_message": "应为数字"})
        else:
            self._write_cell(r, c("actual"), row.actual, input_=True)
        # the evaluator's score, the rule's score, and the score that counts
        self._write_value(r, c("manual"), row.manual, st.input_num, st.input_text)
        ws.write_string(r, c("band"), row.band, st.input_text) if row.band else ws.write_blank(r, c("band"), None, st.input_text)
        rule = leaf.rule if leaf else National()
        rule_value = result.rule_score if result and result.rule_score is not None else ZERO
        ws.write_formula(r, c("rule_score"), formulas.rule_score(rule, L.col, r), st.aux_formula, float(rule_value))
        counted = result.score if result else ZERO
        ws.write_formula(r, c("score"), formulas.counted_score(L.col, r), st.formula, float(counted))
        ws.write_string(r, c("reason"), row.reason, st.input_wrap) if row.reason else ws.write_blank(r, c("reason"), None, st.input_wrap)
        if "note" in L.col:
            ws.write_string(r, c("note"), (leaf.note or "") if leaf else "", st.small)
            ws.write_string(r, c("criteria"), self._criteria(leaf), st.small)
        ws.write_string(r, c("key"), row.key, st.aux_text)
        if leaf is not None and (leaf.note or (leaf.derive is not None)):
            tip = leaf.note or ""
            if leaf.derive is not None:
                tip += f"\n计算：{leaf.derive.describe()}（填在右侧计算依据栏）"
            ws.write_comment(r, c("l3"), tip.strip(), {"x_scale": 2, "y_scale": 1.5, "author": "xltools"})

    #: The 评价标准 cell of a leaf scored by the national rule: the rule is spelt out once, in the notes.
    NATIONAL_CRITERIA = "按通用计分规则（见表下说明）"

    def _criteria(self, leaf) -> str:
        if leaf is None:
            return ""
        if not leaf.standard and leaf.rule.typed_target:
            return self.NATIONAL_CRITERIA
        return leaf.criteria()

    def _table_validation(self, first, last):
        ws, L, st = self.ws, self.L, self.st
        c = L.c
        w, s, j, m, band = (a1(first, c(k)) for k in ("weight", "score", "reason", "manual", "band"))
        ws.data_validation(first, c("op"), last, c("op"), {
            "validate": "list", "source": OPS, "input_title": "指标方向",
            "input_message": "≥/>：正向（越高越好）；≤/<：反向（越低越好）；=：等于；定性：由评价人在右侧“评价人评分”栏打分",
            "error_message": "请从下拉列表选择"})
        ws.data_validation(first, c("weight"), last, c("weight"), {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
            "input_title": "分值", "input_message": "该三级指标的分值（权重）", "error_message": "分值应为0–100的数字"})
        ws.data_validation(first, c("manual"), last, c("manual"), {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": f"={w}",
            "input_title": "评价人评分", "input_message": "定性指标在此打分；定量指标如需按实际情况扣分，在此填写较低的分数并写明偏差原因",
            "error_message": "评分应在0到该指标分值之间"})
        ws.data_validation(first, c("band"), last, c("band"), {
            "validate": "list", "source": [b[0] for b in BANDS], "input_title": "定性档次",
            "input_message": "定性指标选择达成程度；评价人评分应在该档范围内", "error_message": "请从下拉列表选择"})
        self._number_inputs()
        # marks: points lost with no reason; a manual score above the weight; a score outside its band
        g = a1(first, c("actual"))
        filled = f'OR(ISNUMBER({g}),AND(ISTEXT({g}),{g}<>"{UNDEFINED}",LEN(TRIM({g}))>0),ISNUMBER({m}))'
        ws.conditional_format(first, c("reason"), last, c("reason"), {
            "type": "formula", "criteria": f"=AND(ISNUMBER({s}),ISNUMBER({w}),{s}<{w},NOT({formulas.has_text(j)}),{filled})",
            "format": st.cf_warn})
        ws.conditional_format(first, c("manual"), last, c("manual"), {
            "type": "formula", "criteria": f"=AND(ISNUMBER({m}),ISNUMBER({w}),{m}>{w})", "format": st.cf_error})
        cond = in_band_formula(band, m, w)
        ws.conditional_format(first, c("manual"), last, c("manual"), {
            "type": "formula", "criteria": f'=AND({band}<>"",ISNUMBER({m}),NOT({cond}))', "format": st.cf_error})

    def _number_inputs(self):
        """Cells whose rule reads a number: a data validation stops text at typing time (a national
        row only while its 指标方向 is not 定性), and a mark shows text that got in anyway (pasted):
        the formulas cannot read "120件", Python can — ``xltools score`` rewrites it to 120."""
        ws, L, st = self.ws, self.L, self.st
        c = L.c
        national, fixed, free = [], [], []  # target/actual cells of national rows; numeric fixed rows; other numbers
        for slot in L.slots:
            r, leaf, row = slot.row, slot.leaf, self.cells[slot.row]
            derived_formula = leaf is not None and leaf.derive is not None and row.actual.value is None
            is_fixed = leaf is not None and slot.key in self.spec_leaves
            if not is_fixed:
                national += [a1(r, c("target"))] + ([] if derived_formula else [a1(r, c("actual"))])
                free.append(a1(r, c("weight")))
            elif leaf is not None and leaf.rule.numeric and not derived_formula:
                fixed.append(a1(r, c("actual")))
            free.append(a1(r, c("manual")))
        message = {"input_title": "年度指标值 / 实际完成值", "error_title": "请只填数字",
                   "input_message": "定量指标只填数字，单位已由格式显示（百分比直接输入如 95%），比较方向在“指标方向”栏选择；"
                                    "定性指标先在“指标方向”选“定性”，再填文字",
                   "error_message": "这里只能填数字，单位已由格式显示（百分比直接输入如 95%）。定性指标请先在“指标方向”选择“定性”再填文字。"}
        for cells, rule, mark in ((national, '=OR(ISNUMBER({0}),${1}="定性")', '=AND(ISTEXT({0}),${1}<>"定性")'),
                                  (fixed, "=ISNUMBER({0})", "=ISTEXT({0})")):
            if not cells:
                continue
            r0, c0 = min((rowcol(x) for x in cells), key=lambda rc: (rc[1], rc[0]))
            first = a1(r0, c0)
            op_ref = a1(r0, c("op"))
            ws.data_validation(r0, c0, r0, c0, {"validate": "custom", "value": rule.format(first, op_ref)[1:],
                                                "multi_range": _sqref(cells), **message})
            ws.conditional_format(r0, c0, r0, c0, {"type": "formula", "criteria": mark.format(first, op_ref),
                                                   "multi_range": _sqref(cells), "format": st.cf_warn})
        if free:
            r0, c0 = min((rowcol(x) for x in free), key=lambda rc: (rc[1], rc[0]))
            ws.conditional_format(r0, c0, r0, c0, {"type": "formula", "criteria": f"=ISTEXT({a1(r0, c0)})",
                                                   "multi_range": _sqref(free), "format": st.cf_warn})

    def input_cells(self) -> list[tuple[int, int]]:
        """The cells whose filling makes the total show (the reader lists the same ones)."""
        L, c = self.L, self.L.c
        out = []
        for slot in L.slots:
            r, leaf = slot.row, slot.leaf
            fixed = leaf is not None and slot.key in self.spec_leaves
            out += [(r, c(k)) for k in (("manual", "in1", "in2") if fixed else ("target", "weight", "manual"))]
            if leaf is None or leaf.derive is None:  # a derived rate is counted through its figures
                out.append((r, c("actual")))
        for name in L.funding_rows:
            out += [L.funding_cell(name, column) for column in FUNDING_COLUMNS]
        return out

    def has_inputs(self) -> bool:
        """Some input cell gets a value (what the total's COUNTA over :meth:`input_cells` sees)."""
        values = []
        for slot in self.L.slots:
            leaf, row = slot.leaf, self.cells[slot.row]
            fixed = leaf is not None and slot.key in self.spec_leaves
            values += [row.manual, *(x.value for x in row.inputs)] if fixed else [row.target.value, row.weight, row.manual]
            if leaf is None or leaf.derive is None:
                values.append(row.actual.value)
        for row in self.funding.values():
            values += [getattr(row, column) for column in FUNDING_COLUMNS]
        return any(v not in (None, "") for v in values)

    # -- totals -------------------------------------------------------------------------------
    def _total(self):
        ws, L, st, card = self.ws, self.L, self.st, self.card
        r = L.total_row
        c = L.c
        first, last = L.first_slot_row, L.last_slot_row
        ws.set_row(r, 24)
        ws.merge_range(r, 0, r, c("weight") - 1, "总分", st.header)
        fund_weight = fund_score = ZERO
        fund_w = fund_s = None
        if L.funding_header is not None:
            fund_w, fund_s = L.funding_cell("total", "weight"), L.funding_cell("total", "score")
            fund, f = self.filing.form.funding, card.funding
            assert fund is not None and f is not None  # the layout has the block only for a form with funding
            fund_weight, fund_score = fund.weight, f.score
        leaf_weights = sum((self._row_weight(s) for s in L.slots), ZERO)
        ws.write_formula(r, c("weight"), formulas.column_sum(c("weight"), first, last, fund_w), st.formula_bold,
                         float(round2(fund_weight + leaf_weights)))
        shown = self.has_inputs()  # a blank template shows a blank 总分 and 等级
        ws.write_formula(r, c("score"), formulas.column_sum(c("score"), first, last, fund_s,
                                                            formulas.input_ranges(self.input_cells())),
                         st.formula_bold, float(round2(fund_score + sum((x.score for x in card.leaves), ZERO))) if shown else "")
        total = a1(r, c("score"))
        grade = formulas.grade(self.filing.form.grades, total)
        for col in range(c("score") + 1, L.last_print_col):
            ws.write_blank(r, col, None, st.formula_bold)
        ws.write_formula(r, L.last_print_col, grade, st.grade, card.grade if shown else "")
        tw = a1(r, c("weight"))
        ws.conditional_format(r, c("weight"), r, c("weight"), {
            "type": "formula", "criteria": f"=AND(ROUND({tw},2)<>{fmt(self.filing.form.total)},{self._any_weight()})",
            "format": st.cf_error})

    def _any_weight(self) -> str:
        """Formula: some indicator weight has been typed (a blank template shows no weight errors)."""
        L = self.L
        return f"SUM({span_abs(L.first_slot_row, L.c('weight'), L.last_slot_row, L.c('weight'))})>0"

    def _summary(self):
        ws, L, st, card = self.ws, self.L, self.st, self.card
        sc = L.summary_cols
        h = L.summary_header
        ws.merge_range(h, sc["name"], h, sc["name_end"], "得分汇总（按指标层级）", st.header)
        for k, title in (("fixed", "规定分值"), ("weights", "明细分值合计"), ("score", "得分"), ("deduction", "扣分")):
            ws.write_string(h, sc[k], title, st.header)
        c = L.c
        by_key = {g.key: g for g in card.groups}
        for span_ in L.spans:
            if span_.level > 1:
                continue
            r = L.summary_rows[key(span_.path)]
            g = by_key[key(span_.path)]
            indent = "" if span_.level == 0 else "    "
            ws.merge_range(r, sc["name"], r, sc["name_end"], indent + key(span_.path).split("/")[-1],
                           st.label_left if span_.level else st.label_left_bold)
            weights = span(span_.first, c("weight"), span_.last, c("weight"))
            scores = span(span_.first, c("score"), span_.last, c("score"))
            fixed = a1(r, sc["fixed"])
            if span_.weight is not None:
                ws.write_number(r, sc["fixed"], float(span_.weight), st.fixed)
            else:
                ws.write_blank(r, sc["fixed"], None, st.fixed)
            leaf_w = sum((self._row_weight(s) for s in L.slots if span_.first <= s.row <= span_.last), ZERO)
            ws.write_formula(r, sc["weights"], f"=ROUND(SUM({weights}),2)", st.formula, float(leaf_w))
            ws.write_formula(r, sc["score"], f"=ROUND(SUM({scores}),2)", st.formula, float(g.score))
            wsum, sco = a1(r, sc["weights"]), a1(r, sc["score"])
            ws.write_formula(r, sc["deduction"], f"=ROUND(IF(ISNUMBER({fixed}),{fixed},{wsum})-{sco},2)",
                             st.formula, float(round2(g.deduction)))

        if L.summary_rows:  # a group's weights that do not add up to its fixed weight (rows are contiguous)
            r1, r2 = min(L.summary_rows.values()), max(L.summary_rows.values())
            fixed, wsum = a1(r1, sc["fixed"]), a1(r1, sc["weights"])
            ws.conditional_format(r1, sc["weights"], r2, sc["weights"], {
                "type": "formula", "criteria": f"=AND(ISNUMBER({fixed}),{wsum}<>{fixed},{self._any_weight()})",
                "format": st.cf_error})

    def _row_weight(self, slot) -> Decimal:
        if slot.leaf is not None:
            return slot.leaf.weight
        return self.cells[slot.row].weight or ZERO

    def _notes(self):
        ws, L, st = self.ws, self.L, self.st
        form = self.filing.form
        notes = []
        if form.funding is not None:
            notes.append("备注：1.“执行率”=“全年执行数”/“全年预算数”；资金得分=分值×执行率，最高为分值。")
        notes.append(f"{len(notes) + 1}.总分设置为{fmt(form.total)}分，等级划分为：{form.grades.describe()}。")
        if "criteria" in self.L.col and any(self._criteria(leaf) == self.NATIONAL_CRITERIA
                                            for _, leaf in form.leaves()):
            notes.append(f"{len(notes) + 1}.通用计分规则：{National().describe(form.total)}。")
        notes.append(f"{len(notes) + 1}.白色单元格为填写项，灰色为公式自动计算；定性指标在右侧“评价人评分”栏打分，"
                     "定量指标按规则自动计分，如需按实际情况扣分，填写评价人评分并写明偏差原因。")
        keep = len(L.notes_rows) - 1
        notes = notes[:keep] + ["\n".join(notes[keep:])]  # more notes than rows: the last row holds the rest
        for r, text in zip(L.notes_rows, notes):
            ws.merge_range(r, 0, r, L.last_print_col, text, st.note)

    # -- names, page, meta ------------------------------------------------------------------
    def _names(self):
        for name, (r1, c1, r2, c2) in defined_names(self.L).items():
            self.book.define_name(name, "=" + sheet_ref(SHEET, span_abs(r1, c1, r2, c2)))

    def _paper(self):
        """Row heights that show every wrapped text, and a page setup that prints the form on as few
        A4 pages as it fits, breaking a long table only between 一级 groups."""
        ws, L = self.ws, self.L
        last_row = L.notes_rows[-1]
        heights = self._fit_rows(last_row)
        for r in range(last_row + 1):
            ws.set_row(r, min(409, heights.get(r, MIN_HEIGHT)))
        printed = [c for c in L.columns[:L.last_print_col + 1] if not c.hidden]
        plan = page_plan(sum(column_px(c.width) for c in printed),
                         [min(409, heights.get(r, MIN_HEIGHT)) for r in range(last_row + 1)],
                         [s.first for s in L.spans if s.level == 0], L.table_header)
        if plan.landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.set_paper(9)  # A4
        ws.set_margins(**MARGINS)
        ws.center_horizontally()
        ws.repeat_rows(L.table_header)
        ws.print_area(0, 0, last_row, L.last_print_col)
        if plan.one_page:
            ws.fit_to_pages(1, 1)
        else:
            ws.fit_to_pages(1, 0)
            ws.set_h_pagebreaks(list(plan.breaks))
        ws.freeze_panes(L.table_header + 1, 0)
        ws.set_footer("&C第 &P 页，共 &N 页")
        ws.activate()

    def _fit_rows(self, last_row: int) -> dict[int, float]:
        """Heights (points) of rows ``0..last_row`` from the wrapped text written in them (read back
        from XlsxWriter's cell table, merged ranges and shared strings: internals, like FastSheet's,
        with XlsxWriter pinned below version 4)."""
        ws, L = self.ws, self.L
        strings = {i: s for s, i in ws.str_table.string_table.items()}
        merged = {(m[0], m[1]): m for m in ws.merge}
        widths = [0.0 if c.hidden else c.width for c in L.columns]
        boxes = []
        for r in range(last_row + 1):
            for c, cell in ws.table.get(r, {}).items():
                fmt_ = cell.format
                if not isinstance(cell, CellStringTuple) or fmt_ is None or not fmt_.text_wrap:
                    continue
                r1, c1, r2, c2 = merged.get((r, c), (r, c, r, c))
                width = sum(widths[i] for i in range(c1, min(c2, len(widths) - 1) + 1))
                if width:
                    boxes.append(TextBox(r1, r2, width, fmt_.font_size, strings[cell.string]))
        base = {r: info.height * 0.75 for r, info in ws.row_info.items() if r <= last_row}
        return row_heights(boxes, base)

    def _meta(self):
        meta = self.book.add_worksheet(META_SHEET, worksheet_class=FastSheet)
        meta.write_string(0, 0, "xltools")
        meta.write_string(0, 1, __version__)
        meta.write_string(1, 0, "form")
        meta.write_string(1, 1, self.filing.form.id)
        meta.write_string(2, 0, "spec")
        text = json.dumps(form_to_dict(self.filing.form), ensure_ascii=False, separators=(",", ":"))
        for i in range(0, len(text), META_CHUNK):
            meta.write_string(3 + i // META_CHUNK, 0, text[i:i + META_CHUNK])
        meta.hide()

    # -- values ---------------------------------------------------------------------------------
    def _write_value(self, r, c, value, num_style, text_style):
        if isinstance(value, Decimal):
            self.ws.write_number(r, c, float(value), num_style)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self.ws.write_number(r, c, float(value), num_style)
        elif value is None or value == "":
            self.ws.write_blank(r, c, None, num_style)
        else:
            self.ws.write_string(r, c, str(value), text_style)

    def _write_cell(self, r, c, cell: Cell, input_: bool):
        style_text = self.st.input_text if input_ else self.st.fixed_text
        if isinstance(cell.value, Decimal):
            self.ws.write_number(r, c, float(cell.value), self.st.number(cell.fmt, input_))
        elif cell.value:
            self.ws.write_string(r, c, str(cell.value), style_text)
        else:
            self.ws.write_blank(r, c, None, self.st.number(cell.fmt, input_) if input_ else style_text)

