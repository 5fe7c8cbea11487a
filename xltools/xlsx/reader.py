"""Read a workbook made from our templates, by defined names — surviving what people do to it.

Rows inserted or deleted inside the indicator table, sheets renamed or reordered, columns widened,
values typed as text, formulas overwritten by numbers: the table is found through the defined
names (Excel moves them with the cells), rows through the hidden 指标路径 column (a row without
one was inserted by hand and belongs to the group above it), and the form through the spec the
template carries in its hidden ``_xltools`` sheet.

Workbooks without that sheet are foreign layouts: :mod:`xltools.xlsx.foreign` reads them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from decimal import Decimal

from ..errors import SpecError, WorkbookError
from ..model import FUNDING_COLUMNS, SEP, Filing, Form, FundingRow, Group, Leaf, key
from ..num import dec
from ..parse import MAX_ABS, parse
from ..validation import Issue, Location
from ..rules.national import National
from ..spec import form_from_dict
from . import formulas
from .cellvalues import Cell, Row, cell_value, filing_from_rows
from .cells import a1
from .layout import META_SHEET
from .package import DEFAULT_LIMITS, Book, CellData, Grid

TABLE_COLUMNS = ("l1", "l2", "l3", "op", "target", "actual", "weight", "score", "reason", "manual", "rule_score",
                 "band", "in1", "in2", "key")
#: Columns every row (and the formulas rebuilt for it) needs: without one the template cannot be read.
REQUIRED_COLUMNS = ("l3", "op", "target", "actual", "weight", "score", "reason", "manual", "rule_score", "key")


@dataclass(frozen=True)
class Owned:
    """A formula cell xltools owns: where, the formula it should hold, and what it computes."""

    row: int
    col: int
    formula: str
    what: str  # leaf-score | rule-score | derived | total-score | total-weight | grade | rate | fund-score
    key: str = ""  # the leaf key for leaf cells


@dataclass
class Reading:
    source: str
    kind: str  # "template" | "foreign"
    filing: Filing
    sheet: str
    rows: dict[str, int] = field(default_factory=dict)  # leaf key -> row
    columns: dict[str, int] = field(default_factory=dict)  # field -> column
    spots: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # (path, field) -> cell
    owned: list[Owned] = field(default_factory=list)
    group_rows: dict[str, int] = field(default_factory=dict)  # group key -> first row
    issues: list[Issue] = field(default_factory=list)  # input problems only the layout can see

    def locate(self, loc: Location) -> Location:
        """Complete a logical location with sheet and cell."""
        cell = self.cell_of(loc)
        if cell is None:
            return Location(loc.path, loc.field, self.sheet, None)
        return Location(loc.path, loc.field, self.sheet, a1(*cell))

    def cell_of(self, loc: Location) -> tuple[int, int] | None:
        if (loc.path, loc.field) in self.spots:
            return self.spots[(loc.path, loc.field)]
        if loc.path in self.rows:
            col = self.columns.get(loc.field) or self.columns.get("score")
            return (self.rows[loc.path], col) if col is not None else None
        if loc.path in self.group_rows:
            level = loc.path.count(SEP)
            col = self.columns.get("l1" if level == 0 else "l2", self.columns.get("l1"))
            return (self.group_rows[loc.path], col) if col is not None else None
        return None


def is_template(book: Book) -> bool:
    meta = book.sheets.get(META_SHEET)
    if meta is None:
        meta = next((g for g in book.sheets.values() if g.text(0, 0) == "xltools" and g.text(1, 0) == "form"), None)
    return meta is not None and "XL_IND_KEY" in book.names


def read_template(book: Book) -> Reading:
    meta = book.sheets.get(META_SHEET) or next(g for g in book.sheets.values() if g.text(0, 0) == "xltools")
    form = _meta_form(book, meta)
    sheet_name = book.names["XL_IND_KEY"][0]
    grid = book.sheets.get(sheet_name)
    if grid is None:
        raise WorkbookError(f"{_name(book)}：找不到自评表工作表“{sheet_name}”（定义名称指向的工作表已被删除）。")
    check_complete(book, grid)
    col = {k: book.names[f"XL_IND_{k.upper()}"][2] for k in TABLE_COLUMNS if f"XL_IND_{k.upper()}" in book.names}
    missing = [k for k in REQUIRED_COLUMNS if k not in col]
    if missing:
        raise WorkbookError(f"{_name(book)}：模板的定义名称缺失（{', '.join(missing)}），可能被删除了列。请用原模板重新填报。")
    _, first, _, last, _ = book.names["XL_IND_KEY"]
    reading = Reading(source=book.path, kind="template", filing=None, sheet=sheet_name, columns=dict(col))  # type: ignore[arg-type]
    national = form.layout == "national"
    base = _without_leaves(form) if national else form
    spec_leaves = {key(p): leaf for p, leaf in form.leaves()}
    rows: list[tuple[tuple[str, ...], Leaf, Row]] = []
    parent: tuple[str, ...] | None = None
    seen: set[str] = set()
    for r in range(first, min(last, grid.max_row) + 1):  # a name spanning a whole column: stop at the last cell
        cell_key = grid.text(r, col["key"])
        if cell_key and not isinstance(form.find(tuple(cell_key.split(SEP)[:-1])), Group):
            cell_key = ""  # a path that is not a group of the form: a row typed by hand, like one without a path
        if cell_key:
            parent = tuple(cell_key.split(SEP)[:-1])
            reading.group_rows.setdefault(key(parent[:1]), r)
            reading.group_rows.setdefault(key(parent), r)
        elif parent is None:
            continue
        leaf, row = _row(grid, r, col, parent, cell_key, spec_leaves, national)
        if leaf is None:
            continue
        name = leaf.name
        n = 2
        while key(parent + (name,)) in seen:
            name = f"{leaf.name}（{n}）"
            n += 1
        if name != leaf.name:
            leaf = Leaf(name=name, weight=leaf.weight, rule=leaf.rule)
        seen.add(key(parent + (name,)))
        reading.rows[key(parent + (name,))] = r
        rows.append((parent, leaf, row))
        derived_typed = (leaf.derive is not None and grid.get(r, col["actual"]).formula is None
                         and all(grid.value(r, col[k]) in (None, "") for k in ("in1", "in2") if k in col))
        _own_row(reading, grid, r, col, leaf, key(parent + (name,)), derived_typed)
        reading.issues.extend(_typed_issues(grid, r, col, leaf, sheet_name))
    funding = _funding(book, grid, reading) if form.funding is not None else {}
    unit = grid.text(*_cell(book, "XL_UNIT")) if "XL_UNIT" in book.names else ""
    year = _year(grid.value(*_cell(book, "XL_YEAR"))) if "XL_YEAR" in book.names else None
    goal = tuple(grid.text(*_cell(book, n)) if n in book.names else "" for n in ("XL_GOAL_PLANNED", "XL_GOAL_ACHIEVED"))
    filing = filing_from_rows(base, rows, unit=unit, year=year, funding=funding, goal=goal)  # type: ignore[arg-type]
    if "XL_CODE" in book.names:  # templates before 单位编码 have none
        filing = replace(filing, code=grid.text(*_cell(book, "XL_CODE")))
    reading.filing = _stated_totals(book, grid, reading, filing, first, last, col)
    return reading


def check_complete(book: Book, grid: Grid) -> None:
    """A sheet cut at the reader's limits (rows, cells, merged ranges) is an error, never a partial read."""
    if grid.truncated:
        raise WorkbookError(f"{_name(book)}：工作表“{grid.name}”超出读取上限（最多 {DEFAULT_LIMITS.max_rows} 行、"
                            f"{DEFAULT_LIMITS.max_cells} 个单元格、{DEFAULT_LIMITS.max_merges} 个合并区域），只能读到一部分，"
                            "已停止读取。自评表不会这么大：请删除多余的行、列或数据后另存，再试。")


def _name(book: Book) -> str:
    from pathlib import Path
    return Path(book.path).name


def _meta_form(book: Book, meta: Grid) -> Form:
    check_complete(book, meta)
    text = "".join(meta.text(r, 0) for r in range(3, meta.max_row + 1))
    try:
        return _form_from_json(text)
    except (ValueError, SpecError) as exc:
        raise WorkbookError(f"{_name(book)}：模板隐藏工作表 {META_SHEET} 中的表式定义已损坏（{exc}）。"
                            "请用 xltools new 重新生成模板后填报。") from None


@lru_cache(maxsize=64)
def _form_from_json(text: str) -> Form:
    """The embedded spec, parsed once per distinct text: a collection holds a few forms many times."""
    return form_from_dict(json.loads(text), "模板内置表式")


def _without_leaves(form: Form) -> Form:
    from dataclasses import replace

    def strip(nodes):
        return tuple(replace(n, children=strip(n.children)) for n in nodes if isinstance(n, Group))
    return replace(form, indicators=strip(form.indicators))


def _cell(book: Book, name: str) -> tuple[int, int]:
    _, r, c, _, _ = book.names[name]
    return r, c


def _year(value) -> int | None:
    try:
        year = int(float(value))
    except (TypeError, ValueError, OverflowError):  # OverflowError: "inf" typed in 年度
        return None
    return year if 1900 < year < 2200 else None


def read_cell(data: CellData) -> Cell:
    """A workbook cell as a template Cell: numbers as Decimal (exact repr of the float)."""
    value = data.value
    if isinstance(value, bool):
        return Cell("是" if value else "否")
    if isinstance(value, float) and not in_range(value):
        return Cell(repr(value), data.fmt)  # as text: the parser says "数值过大" for the cell
    if isinstance(value, float):
        return Cell(dec(value), data.fmt)
    if value is None:
        return Cell(None, data.fmt)
    return Cell(str(value), data.fmt)


def in_range(value: float) -> bool:
    """Within what the value parser accepts (|x| <= 1e15): beyond, a number is a typing error, and
    the exact arithmetic of scoring is not made for it."""
    return abs(value) <= MAX_ABS


def _number(data: CellData) -> Decimal | None:
    return dec(data.value) if isinstance(data.value, float) and in_range(data.value) else None


def _stated(value):
    """A number typed over a formula: Decimal, or as text when it is not a usable number."""
    if isinstance(value, float):
        return dec(value) if in_range(value) else repr(value)
    return value


def _row(grid: Grid, r: int, col, parent, cell_key, spec_leaves, national) -> tuple[Leaf | None, Row]:
    get = lambda k: grid.get(r, col[k]) if k in col else CellData()  # noqa: E731
    name = grid.text(r, col["l3"])
    spec = spec_leaves.get(cell_key) if cell_key and not cell_key.endswith(SEP) else None
    weight_cell = get("weight")
    weight = _number(weight_cell)
    values = [get(k).value for k in ("target", "actual", "manual", "reason", "in1", "in2")]
    if spec is not None and not national:
        leaf = spec
    else:
        if not name and weight is None and all(v in (None, "") for v in values):
            return None, Row(key=cell_key)
        rule = spec.rule if spec is not None else National()
        leaf = Leaf(name=name or f"第{r + 1}行", weight=weight if weight is not None else Decimal(0), rule=rule)
    derived = spec.derive if spec is not None else None
    if derived is not None:
        leaf = Leaf(name=leaf.name, weight=leaf.weight, rule=leaf.rule, target=spec.target, note=spec.note,
                    standard=spec.standard, source=spec.source, derive=derived)
    score = get("score")
    stated = None
    if score.formula is None and score.value is not None:  # a number typed over the formula
        stated = _stated(score.value)
    reason = grid.text(r, col["reason"]) if "reason" in col else ""
    return leaf, Row(key=cell_key, name=leaf.name, weight=leaf.weight, op=grid.text(r, col["op"]),
                     target=read_cell(get("target")), actual=Cell() if derived else read_cell(get("actual")),
                     manual=_number(get("manual")), reason=reason, band=grid.text(r, col["band"]) if "band" in col else "",
                     inputs=(read_cell(get("in1")), read_cell(get("in2"))), stated=stated)


def _own_row(reading: Reading, grid: Grid, r: int, col, leaf: Leaf, leaf_key: str, derived_typed: bool) -> None:
    reading.owned.append(Owned(r, col["score"], formulas.counted_score(col, r), "leaf-score", leaf_key))
    if "rule_score" in col and "manual" in col:
        reading.owned.append(Owned(r, col["rule_score"], formulas.rule_score(leaf.rule, col, r), "rule-score", leaf_key))
    if leaf.derive is not None and "in1" in col and "in2" in col and not derived_typed:
        reading.owned.append(Owned(r, col["actual"], formulas.derived_actual(leaf.derive, col, r), "derived", leaf_key))


def _typed_issues(grid: Grid, r: int, col, leaf: Leaf, sheet: str) -> list[Issue]:
    """Numbers typed as text, which the formulas cannot use, and percent/plain mix-ups."""
    out = []
    name = leaf.name
    where = lambda c: Location("", "", sheet, a1(r, col[c]))  # noqa: E731
    target, actual, weight = grid.get(r, col["target"]), grid.get(r, col["actual"]), grid.get(r, col["weight"])
    if isinstance(target.value, str) and isinstance(leaf.rule, National) and parse(target.value).is_number:
        value = parse(target.value)
        hint = f"在“指标方向”选“{value.op}”，" if value.op else ""
        out.append(Issue("not-a-number", "error", where("target"),
                         f"“{name}”年度指标值写成了文字“{target.value}”，公式无法按数字计分；请{hint}在年度指标值中只填数字"
                         f"{parse(target.value).display().lstrip(value.op or '')}"))
    if isinstance(weight.value, str) and weight.value.strip():
        out.append(Issue("not-a-number", "error", where("weight"),
                         f"“{name}”分值写成了文字“{weight.value}”，按0分计；请只填数字"))
    for c, label in (("target", "年度指标值"), ("actual", "实际完成值"), ("manual", "评价人评分"), ("in1", "计算依据"),
                     ("in2", "计算依据")):
        cell = grid.get(r, col[c]) if c in col else CellData()
        if cell.error and cell.formula is None:  # an Excel error value typed or pasted as a value
            out.append(Issue("unparseable-value", "error", where(c), f"“{name}”{label}是 Excel 错误值 {cell.value}"
                             "（公式或引用出错后粘贴成了值），无法计分；请改填数字或文字"))
    for c, label in (("target", "年度指标值"), ("actual", "实际完成值"), ("weight", "分值"), ("manual", "评价人评分")):
        value = grid.value(r, col[c])
        if isinstance(value, float) and not in_range(value):
            out.append(Issue("unparseable-value", "error", where(c), f"“{name}”{label}为 {value:g}，数值过大，可能是输入错误；按空白计"))
    if (isinstance(leaf.rule, National) and isinstance(target.value, float) and isinstance(actual.value, float)
            and "%" in target.fmt and "%" not in actual.fmt and abs(actual.value) > 1.5):
        out.append(Issue("unit-mismatch", "review", where("actual"),
                         f"“{name}”年度指标值是百分数，实际完成值却是 {actual.value:g}；如果是百分之{actual.value:g}，"
                         f"请输入 {actual.value:g}%"))
    return out


def _funding(book: Book, grid: Grid, reading: Reading) -> dict[str, FundingRow]:
    out = {}
    for row_name in ("total", "fiscal", "carryover", "other"):
        values = {}
        for column in FUNDING_COLUMNS:
            name = f"XL_FUND_{row_name.upper()}_{column.upper()}"
            if name not in book.names:
                continue
            r, c = _cell(book, name)
            reading.spots[("资金情况", f"{row_name}.{column}")] = (r, c)
            values[column] = cell_value(read_cell(grid.get(r, c)))
        out[row_name] = FundingRow(**values)
    if all(n in book.names for n in ("XL_FUND_RATE", "XL_FUND_SCORE", "XL_FUND_WEIGHT", "XL_FUND_TOTAL_BUDGET",
                                     "XL_FUND_TOTAL_SPENT")):
        budget, spent = _cell(book, "XL_FUND_TOTAL_BUDGET"), _cell(book, "XL_FUND_TOTAL_SPENT")
        rate, score, weight = _cell(book, "XL_FUND_RATE"), _cell(book, "XL_FUND_SCORE"), _cell(book, "XL_FUND_WEIGHT")
        reading.spots[("资金情况", "rate")] = rate
        reading.spots[("资金情况", "score")] = score
        reading.owned.append(Owned(*rate, formulas.execution_rate(budget, spent), "rate"))
        reading.owned.append(Owned(*score, formulas.execution_score(weight, budget, spent), "fund-score"))
    return out


def _stated_totals(book: Book, grid: Grid, reading: Reading, filing: Filing, first, last, col) -> Filing:
    from dataclasses import replace
    changes = {}
    fund_w = _cell(book, "XL_FUND_WEIGHT") if "XL_FUND_WEIGHT" in book.names else None
    fund_s = _cell(book, "XL_FUND_SCORE") if "XL_FUND_SCORE" in book.names else None
    for name, what, fld, stated_attr, plus, column in (
            ("XL_TOTAL_SCORE", "total-score", "score", "stated_total", fund_s, "score"),
            ("XL_TOTAL_WEIGHT", "total-weight", "weight", None, fund_w, "weight")):
        if name not in book.names:
            continue
        r, c = _cell(book, name)
        reading.spots[("总分", fld)] = (r, c)
        reading.owned.append(Owned(r, c, formulas.column_sum(col[column], first, last, plus), what))
        cell = grid.get(r, c)
        if stated_attr and cell.formula is None and cell.value is not None:
            changes[stated_attr] = _stated(cell.value)
    if "XL_GRADE" in book.names and "XL_TOTAL_SCORE" in book.names:
        r, c = _cell(book, "XL_GRADE")
        reading.spots[("总分", "grade")] = (r, c)
        total_ref = a1(*_cell(book, "XL_TOTAL_SCORE"))
        reading.owned.append(Owned(r, c, formulas.grade(filing.form.grades, total_ref), "grade"))
        cell = grid.get(r, c)
        if cell.formula is None and cell.value:
            changes["stated_grade"] = str(cell.value)
    for name, attr in (("XL_FUND_RATE", "stated_rate"), ("XL_FUND_SCORE", "stated_funding_score")):
        if name in book.names:
            cell = grid.get(*_cell(book, name))
            if cell.formula is None and cell.value is not None:
                changes[attr] = _stated(cell.value)
    return replace(filing, **changes) if changes else filing
