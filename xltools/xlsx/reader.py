"""Read a workbook made from our templates, by defined names — surviving what people do to it.

Rows inserted or deleted inside the indicator table, sheets renamed or reordered, columns widened,
values typed as text, formulas overwritten by numbers: the table is found through the defined
names (Excel moves them with the cells), rows through the hidden 指标路径 column (a row without
one was inserted by hand and belongs to the group above it), and the form through the spec the
template carries in its hidden ``_xltools`` sheet.

Workbooks without that sheet are foreign layouts: :mod:`xltools.xlsx.foreign` reads them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

from ..errors import SpecError, WorkbookError
from ..model import FUNDING_COLUMNS, FUNDING_LABELS, SEP, Filing, Form, FundingRow, Group, Leaf, key
from ..num import dec
from ..parse import MAX_ABS, is_summary_label, parse
from ..rules.national import National
from ..spec import form_from_dict
from ..validation import Issue, Location
from . import embedded, formulas
from .cells import a1, span
from .cellvalues import Cell, Row, cell_value, filing_from_rows
from .cellvalues import cell_for as typed_cell
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
    what: str  # leaf-score | rule-score | derived | blank-score | blank-rule | group-weights | group-score |
    #            group-deduction | total-score | total-weight | grade | rate | fund-score
    key: str = ""  # the leaf key for leaf cells, the group key for blank rows and the summary
    blank: bool = False  # the total and grade formulas show blank: nothing typed yet


@dataclass(frozen=True)
class Typed:
    """A number typed as text in an input cell (``120件``, ``≥100件``, ``９３％``): read as ``cell``
    (the number, in the format that shows it); ``op`` is written to the 指标方向 cell when it is blank."""

    row: int
    col: int
    text: str
    cell: Cell
    label: str  # 年度指标值 / 实际完成值 / 分值 / 评价人评分 / 计算依据 / the funding column
    name: str  # the indicator (or funding row) the cell belongs to
    path: str  # the location path of issues on it
    op: tuple[int, int, str] | None = None  # (row, col, operator) for a blank 指标方向 cell


@dataclass
class Reading:
    source: str
    kind: str  # "template" | "foreign"
    filing: Filing
    sheet: str
    rows: dict[str, int] = field(default_factory=dict)  # leaf key -> row
    row_parents: dict[int, tuple[str, ...]] = field(default_factory=dict)  # table row -> its group path
    input_cells: list[tuple[int, int]] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)  # field -> column
    spots: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # (path, field) -> cell
    owned: list[Owned] = field(default_factory=list)
    group_rows: dict[str, int] = field(default_factory=dict)  # group key -> first row
    issues: list[Issue] = field(default_factory=list)  # input problems only the layout can see
    typed: list[Typed] = field(default_factory=list)  # numbers typed as text, read for the user
    #: a weight the form fixes, typed over: (row, col, leaf key, the value in the cell)
    fixed_changed: list[tuple[int, int, str, object]] = field(default_factory=list)
    sheet_filing: Filing | None = None  # what the sheet's formulas see (text stays text); None: as filing
    has_inputs: bool = True  # some input cell is filled (the total and grade show only then)

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


def read_template(book: Book, bureau: Form | None = None) -> Reading:
    """``bureau``: the form file the bureau passed (--form); without it the shipped form the
    workbook claims.  The embedded definition never supplies a rule (xltools.xlsx.embedded)."""
    meta = book.sheets.get(META_SHEET) or next(g for g in book.sheets.values() if g.text(0, 0) == "xltools")
    form, changed = _meta_form(book, meta, bureau)
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
    reading.issues.extend(changed)
    national = form.layout == "national"
    base = _without_leaves(form) if national else form
    spec_leaves = {key(p): leaf for p, leaf in form.leaves()}
    rows: list[tuple[tuple[str, ...], Leaf, Row]] = []
    sheet_rows: list[tuple[tuple[str, ...], Leaf, Row]] = []
    inputs: list[tuple[int, int]] = []  # cells whose filling makes the total show
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
        reading.row_parents[r] = parent
        spec = spec_leaves.get(cell_key) if cell_key and not cell_key.endswith(SEP) else None
        derived_formula = spec is not None and spec.derive is not None and grid.get(r, col["actual"]).formula is not None
        derived_typed = (spec is not None and spec.derive is not None and not derived_formula
                         and all(grid.value(r, col[k]) in (None, "") for k in ("in1", "in2") if k in col))
        fixed = spec is not None and not national
        inputs.extend((r, col[k]) for k in (("manual", "in1", "in2") if fixed else ("target", "weight", "manual"))
                      if k in col)
        if spec is None or spec.derive is None:  # a derived rate is counted through its figures
            inputs.append((r, col["actual"]))
        leaf, row, sheet_row = _row(grid, r, col, parent, cell_key, spec_leaves, national, derived_typed)
        if leaf is None:
            _own_blank_row(reading, r, col, key(parent + ("",)))
            continue
        label = next((c for c in (col[k] for k in ("l3", "l2") if k in col) if is_summary_label(grid.text(r, c))), None)
        if spec is None and label is not None:  # a 小计 row added by hand: never a leaf
            text = grid.text(r, label)
            reading.issues.append(Issue("summary-row-added", "error",
                                        Location(key(parent + (text,)), "name", sheet_name, a1(r, label)),
                                        f"第{r + 1}行“{text}”是手工加的小计行：模板不需要小计（各级合计已在得分汇总中"
                                        "自动计算），这一行的分值和得分会被重复计入上级和总分。请删除这一行（右键行号→删除）"))
            continue
        name = leaf.name
        n = 2
        while key(parent + (name,)) in seen:
            name = f"{leaf.name}（{n}）"
            n += 1
        if name != leaf.name:
            leaf = Leaf(name=name, weight=leaf.weight, rule=leaf.rule, target=leaf.target, note=leaf.note,
                        standard=leaf.standard, source=leaf.source, derive=leaf.derive)
        leaf_key = key(parent + (name,))
        seen.add(leaf_key)
        reading.rows[leaf_key] = r
        if sheet_row is not row:
            reading.typed.extend(_typed_cells(grid, r, col, leaf, leaf_key, row, sheet_row, fixed))
            sheet_row = replace(sheet_row, name=name)
            if fixed and sheet_row.weight != leaf.weight:
                reading.fixed_changed.append((r, col["weight"], leaf_key, grid.value(r, col["weight"])))
        rows.append((parent, leaf, replace(row, name=name)))
        sheet_rows.append((parent, _sheet_leaf(leaf, sheet_row), sheet_row))
        _own_row(reading, grid, r, col, leaf, leaf_key, derived_typed)
        reading.issues.extend(_typed_issues(grid, r, col, leaf, leaf_key, sheet_name))
    funding, sheet_funding = _funding(book, grid, reading) if form.funding is not None else ({}, {})
    inputs.extend(reading.spots[k] for k in reading.spots if k[0] == "资金情况" and "." in k[1])
    reading.has_inputs = any(grid.value(r, c) is not None for r, c in inputs)
    reading.input_cells = inputs
    unit = grid.text(*_cell(book, "XL_UNIT")) if "XL_UNIT" in book.names else ""
    year = _year(grid.value(*_cell(book, "XL_YEAR"))) if "XL_YEAR" in book.names else None
    goal = tuple(grid.text(*_cell(book, n)) if n in book.names else "" for n in ("XL_GOAL_PLANNED", "XL_GOAL_ACHIEVED"))
    filing = filing_from_rows(base, rows, unit=unit, year=year, funding=funding, goal=goal)  # type: ignore[arg-type]
    if "XL_CODE" in book.names:  # templates before 单位编码 have none
        filing = replace(filing, code=grid.text(*_cell(book, "XL_CODE")))
    reading.filing = _stated_totals(book, grid, reading, filing, first, last, col)
    if reading.typed or reading.fixed_changed:
        sheet = filing_from_rows(base, sheet_rows, unit=unit, year=year, funding=sheet_funding, goal=goal)  # type: ignore[arg-type]
        weights = {path: w for parent, leaf, row in sheet_rows if (path := key(parent + (leaf.name,)))
                   and row.weight is not None and any(f[2] == path for f in reading.fixed_changed)
                   for w in (row.weight,)}
        if weights:  # the sheet scores a typed-over form weight; Python never does
            sheet = replace(sheet, form=_with_weights(sheet.form, weights))
        reading.sheet_filing = replace(sheet, **{k: getattr(reading.filing, k) for k in (
            "stated_total", "stated_grade", "stated_rate", "stated_funding_score")})
    _own_summary(book, reading, col)
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


def _meta_form(book: Book, meta: Grid, bureau: Form | None) -> tuple[Form, list[Issue]]:
    """The form to read by (trusted) and a ``form-changed`` error per difference of the claim."""
    check_complete(book, meta)
    text = "".join(meta.text(r, 0) for r in range(3, min(meta.max_row, embedded.MAX_ROWS) + 1))
    try:
        claim = _form_from_json(text)
    except (ValueError, SpecError, RecursionError) as exc:
        raise WorkbookError(f"{_name(book)}：模板隐藏工作表 {META_SHEET} 中的表式定义已损坏（{str(exc)[:200]}）。"
                            "请用 xltools new 重新生成模板后填报。") from None
    trusted = embedded.trusted_form(claim, bureau, _name(book))
    where = Location("", "", META_SHEET, "A4")
    changed = [Issue("form-changed", "error", where, f"工作簿内的表式定义与表式“{trusted.id}”不一致：{d}；"
                     "已按原表式评分，请用原模板重新填报") for d in embedded.differences(claim, trusted)[:20]]
    return embedded.reading_form(claim, trusted), changed


@lru_cache(maxsize=64)
def _form_from_json(text: str) -> Form:
    """The embedded claim, parsed once per distinct text (under limits, no extends): a collection
    holds a few forms many times."""
    return form_from_dict(embedded.parse_claim(text), "模板内置表式")


def _with_weights(form: Form, weights: dict[str, Decimal]) -> Form:
    """``form`` with the weights of some leaves (by key) replaced."""
    def walk(nodes, prefix):
        out = []
        for n in nodes:
            path = key(prefix + (n.name,))
            if isinstance(n, Group):
                out.append(replace(n, children=walk(n.children, prefix + (n.name,))))
            else:
                out.append(replace(n, weight=weights[path]) if path in weights else n)
        return tuple(out)
    return replace(form, indicators=walk(form.indicators, ()))


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


def _row(grid: Grid, r: int, col, parent, cell_key, spec_leaves, national,
         derived_typed: bool = False) -> tuple[Leaf | None, Row, Row]:
    """The leaf of row ``r`` and its cells twice: as Python reads them (numbers typed as text read
    as numbers) and as the sheet's formulas see them (text stays text); the same object when equal."""
    get = lambda k: grid.get(r, col[k]) if k in col else CellData()  # noqa: E731
    name = grid.text(r, col["l3"])
    spec = spec_leaves.get(cell_key) if cell_key and not cell_key.endswith(SEP) else None
    weight = _number(get("weight"))
    values = [get(k).value for k in ("target", "actual", "manual", "reason", "in1", "in2")]
    if spec is not None and not national:
        leaf = spec
    else:
        if not name and weight is None and all(v in (None, "") for v in values) and get("weight").value in (None, ""):
            return None, Row(key=cell_key), Row(key=cell_key)
        rule = spec.rule if spec is not None else National()
        leaf = Leaf(name=name or f"第{r + 1}行", weight=weight if weight is not None else Decimal(0), rule=rule)
    if spec is not None and spec.derive is not None:
        leaf = Leaf(name=leaf.name, weight=leaf.weight, rule=leaf.rule, target=spec.target, note=spec.note,
                    standard=spec.standard, source=spec.source, derive=spec.derive)
    derived = leaf.derive
    score = get("score")
    stated = None
    if score.formula is None and score.value is not None:  # a number typed over the formula
        stated = _stated(score.value)
    reason = grid.text(r, col["reason"]) if "reason" in col else ""
    op = grid.text(r, col["op"])
    actual = Cell() if derived is not None and not derived_typed else read_cell(get("actual"))
    sheet = Row(key=cell_key, name=leaf.name, weight=leaf.weight, op=op, target=read_cell(get("target")),
                actual=actual, manual=_number(get("manual")), reason=reason,
                band=grid.text(r, col["band"]) if "band" in col else "",
                inputs=(read_cell(get("in1")), read_cell(get("in2"))), stated=stated)
    # numbers typed as text, in cells whose rule reads numbers
    numeric = leaf.rule.numeric and op.strip() != "定性"
    read: dict = {}
    fixed = spec is not None and not national
    if numeric and not fixed:
        target = read_text(get("target"), op=op.strip(), target=True)
        if target is not None:
            read["target"] = target
            value = parse(get("target").value)
            if value.op and not op.strip():
                read["op"] = value.op
    if numeric and (derived is None or derived_typed):
        read["actual"] = read_text(get("actual"))
    if not fixed:
        weight_cell = read_text(get("weight"))
        if weight_cell is not None:
            read["weight"] = weight_cell.value
    manual = read_text(get("manual"))
    if manual is not None:
        read["manual"] = manual.value
    if derived is not None:
        ins = tuple(read_text(get(k)) or c for k, c in zip(("in1", "in2"), sheet.inputs))
        if ins != sheet.inputs:
            read["inputs"] = ins
    read = {k: v for k, v in read.items() if v is not None}
    if fixed and get("weight").value != float(leaf.weight):  # the form's weight typed over: the sheet uses it
        sheet = replace(sheet, weight=weight if weight is not None else Decimal(0))
    if not read:
        return leaf, (sheet if sheet.weight == leaf.weight else replace(sheet, weight=leaf.weight)), sheet
    row = replace(sheet, **read)
    if "weight" in read:
        leaf = replace(leaf, weight=read["weight"])
        row = replace(row, weight=read["weight"])
    return leaf, row, sheet


#: operators the formulas treat alike (> scores like ≥, < like ≤)
_OP_CLASS = {"≥": "≥", ">": "≥", "≤": "≤", "<": "≤", "=": "="}


def read_text(data: CellData, *, op: str = "", target: bool = False) -> Cell | None:
    """A number typed as text (``120件``, ``≥100件``, ``９３％``) as the cell should hold it, or None
    when the cell is not such text.  The unit must be the one the cell's format shows (or the format
    shows none); an operator only in a 年度指标值, agreeing with the 指标方向 cell when that is set."""
    if not isinstance(data.value, str) or data.formula is not None or data.error:
        return None
    value = parse(data.value)
    if not value.is_number:
        return None
    if value.op and (not target or (op and _OP_CLASS.get(op) != _OP_CLASS.get(value.op))):
        return None
    shown = _format_unit(data.fmt)
    if value.ratio and shown and "%" not in data.fmt:
        return None
    if value.unit and not value.ratio and shown and value.unit != shown:
        return None
    return typed_cell(data.value)


def _format_unit(fmt: str) -> str:
    """The unit a number format shows: 0"件" -> 件, 0% -> %, General -> ""."""
    quoted = "".join(part for i, part in enumerate(fmt.split('"')) if i % 2)
    return quoted or ("%" if "%" in fmt else "")


_LABELS = {"target": "年度指标值", "actual": "实际完成值", "weight": "分值", "manual": "评价人评分",
           "in1": "计算依据1", "in2": "计算依据2"}


def _typed_cells(grid: Grid, r: int, col, leaf: Leaf, leaf_key: str, row: Row, sheet: Row, fixed: bool) -> list[Typed]:
    out = []
    for k, label in _LABELS.items():
        if k not in col or (fixed and k in ("target", "weight")):  # the form's own cells are not inputs
            continue
        data = grid.get(r, col[k])
        if not isinstance(data.value, str):
            continue
        if k in ("in1", "in2"):
            i = int(k[-1]) - 1
            got = row.inputs[i] if row.inputs[i] is not sheet.inputs[i] else None
        elif k in ("weight", "manual"):
            got = typed_cell(data.value) if getattr(row, k) != getattr(sheet, k) else None
        else:
            got = getattr(row, k) if getattr(row, k) is not getattr(sheet, k) else None
        if got is None:
            continue
        op = (r, col["op"], row.op) if k == "target" and row.op != sheet.op else None
        out.append(Typed(r, col[k], data.value, got, label, leaf.name, leaf_key, op))
    return out


def _sheet_leaf(leaf: Leaf, sheet: Row) -> Leaf:
    """The leaf as the sheet sees it: a weight typed as text is no weight to the formulas."""
    weight = sheet.weight if sheet.weight is not None else Decimal(0)
    return leaf if leaf.weight == weight else replace(leaf, weight=weight)


def _own_row(reading: Reading, grid: Grid, r: int, col, leaf: Leaf, leaf_key: str, derived_typed: bool) -> None:
    reading.owned.append(Owned(r, col["score"], formulas.counted_score(col, r), "leaf-score", leaf_key))
    if "rule_score" in col and "manual" in col:
        reading.owned.append(Owned(r, col["rule_score"], formulas.rule_score(leaf.rule, col, r), "rule-score", leaf_key))
    if leaf.derive is not None and "in1" in col and "in2" in col:  # a rate typed over it is read, and an error
        reading.owned.append(Owned(r, col["actual"], formulas.derived_actual(leaf.derive, col, r), "derived", leaf_key))


def _own_blank_row(reading: Reading, r: int, col, group_key: str) -> None:
    """A row with no indicator still holds our formulas: scores of 0, and a number typed there is an error."""
    reading.owned.append(Owned(r, col["score"], formulas.counted_score(col, r), "blank-score", group_key))
    if "rule_score" in col and "manual" in col:
        reading.owned.append(Owned(r, col["rule_score"], formulas.rule_score(National(), col, r), "blank-rule",
                                   group_key))


def _own_summary(book: Book, reading: Reading, col) -> None:
    """The 得分汇总 block: per 一级/二级 group, 明细分值合计, 得分 and 扣分 over the group's rows."""
    if "XL_SUMMARY" not in book.names:
        return
    _, first, _, last, _ = book.names["XL_SUMMARY"]
    groups = [key(p) for p, g in reading.filing.form.groups() if len(p) <= 2]
    spans: dict[str, list[int]] = {}
    for r, parent in reading.row_parents.items():
        for n in (1, 2):
            if len(parent) >= n:
                spans.setdefault(key(parent[:n]), []).append(r)
    fixed_c = col["l3"] + 1
    weights_c, score_c, deduction_c = fixed_c + 1, fixed_c + 2, fixed_c + 3
    for i, group_key in enumerate(groups):
        r = first + i
        if r > last or group_key not in spans:
            break
        rows = spans[group_key]
        a, b = min(rows), max(rows)
        fixed, wsum, sco = a1(r, fixed_c), a1(r, weights_c), a1(r, score_c)
        reading.spots.setdefault((group_key, "summary"), (r, score_c))
        reading.owned.append(Owned(r, weights_c, f"=ROUND(SUM({span(a, col['weight'], b, col['weight'])}),2)",
                                   "group-weights", group_key))
        reading.owned.append(Owned(r, score_c, f"=ROUND(SUM({span(a, col['score'], b, col['score'])}),2)",
                                   "group-score", group_key))
        reading.owned.append(Owned(r, deduction_c, f"=ROUND(IF(ISNUMBER({fixed}),{fixed},{wsum})-{sco},2)",
                                   "group-deduction", group_key))


def _typed_issues(grid: Grid, r: int, col, leaf: Leaf, leaf_key: str, sheet: str) -> list[Issue]:
    """Values the formulas cannot use that the layout alone sees: error values pasted as values,
    huge numbers, a weight typed as text that is no number, percent/plain mix-ups."""
    out = []
    name = leaf.name
    where = lambda c: Location(leaf_key, "", sheet, a1(r, col[c]))  # noqa: E731  (the cell says which column)
    target, actual, weight = grid.get(r, col["target"]), grid.get(r, col["actual"]), grid.get(r, col["weight"])
    if isinstance(weight.value, str) and weight.value.strip() and read_text(weight) is None:
        out.append(Issue("not-a-number", "error", where("weight"),
                         f"“{name}”分值写成了文字“{weight.value}”，按0分计；请只填数字"))
    manual = grid.get(r, col["manual"]) if "manual" in col else CellData()
    if isinstance(manual.value, str) and manual.value.strip() and not manual.error and read_text(manual) is None:
        out.append(Issue("not-a-number", "error", where("manual"),
                         f"“{name}”评价人评分写成了文字“{manual.value}”，无法计分；请只填0到分值之间的数字"))
    op = grid.text(r, col["op"]).strip()
    if (leaf.rule.typed_target and op in ("≥", ">", "≤", "<", "=") and isinstance(target.value, str)
            and target.value.strip() and not target.error and read_text(target, op=op, target=True) is None):
        out.append(Issue("not-a-number", "error", where("target"),
                         f"“{name}”年度指标值“{target.value}”不是数字，无法按“{op}”计分：请只填数字，单位已由格式显示"
                         "（定性指标请在“指标方向”选“定性”）"))
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
    if (leaf.rule.typed_target and isinstance(target.value, float) and isinstance(actual.value, float)
            and "%" in target.fmt and "%" not in actual.fmt and abs(actual.value) > 1.5):
        out.append(Issue("unit-mismatch", "review", where("actual"),
                         f"“{name}”年度指标值是百分数，实际完成值却是 {actual.value:g}；如果是百分之{actual.value:g}，"
                         f"请输入 {actual.value:g}%"))
    return out


def _funding(book: Book, grid: Grid, reading: Reading) -> tuple[dict[str, FundingRow], dict[str, FundingRow]]:
    """The funding block as Python reads it (amounts typed as text read) and as the formulas see it."""
    out, sheet = {}, {}
    for row_name in ("total", "fiscal", "carryover", "other"):
        values, seen = {}, {}
        for column in FUNDING_COLUMNS:
            name = f"XL_FUND_{row_name.upper()}_{column.upper()}"
            if name not in book.names:
                continue
            r, c = _cell(book, name)
            reading.spots[("资金情况", f"{row_name}.{column}")] = (r, c)
            data = grid.get(r, c)
            seen[column] = cell_value(read_cell(data))
            read = read_text(data)
            values[column] = cell_value(read) if read is not None else seen[column]
            if read is not None:
                reading.typed.append(Typed(r, c, str(data.value), read, FUNDING_COLUMNS[column], FUNDING_LABELS[row_name],
                                           "资金情况"))
        out[row_name], sheet[row_name] = FundingRow(**values), FundingRow(**seen)
    if all(n in book.names for n in ("XL_FUND_RATE", "XL_FUND_SCORE", "XL_FUND_WEIGHT", "XL_FUND_TOTAL_BUDGET",
                                     "XL_FUND_TOTAL_SPENT")):
        budget, spent = _cell(book, "XL_FUND_TOTAL_BUDGET"), _cell(book, "XL_FUND_TOTAL_SPENT")
        rate, score, weight = _cell(book, "XL_FUND_RATE"), _cell(book, "XL_FUND_SCORE"), _cell(book, "XL_FUND_WEIGHT")
        reading.spots[("资金情况", "rate")] = rate
        reading.spots[("资金情况", "score")] = score
        reading.owned.append(Owned(*rate, formulas.execution_rate(budget, spent), "rate"))
        reading.owned.append(Owned(*score, formulas.execution_score(weight, budget, spent), "fund-score"))
    return out, sheet


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
        inputs = formulas.input_ranges(reading.input_cells) if what == "total-score" else None
        reading.owned.append(Owned(r, c, formulas.column_sum(col[column], first, last, plus, inputs), what,
                                   blank=not reading.has_inputs))
        cell = grid.get(r, c)
        if stated_attr and cell.formula is None and cell.value is not None:
            changes[stated_attr] = _stated(cell.value)
    if "XL_GRADE" in book.names and "XL_TOTAL_SCORE" in book.names:
        r, c = _cell(book, "XL_GRADE")
        reading.spots[("总分", "grade")] = (r, c)
        total_ref = a1(*_cell(book, "XL_TOTAL_SCORE"))
        reading.owned.append(Owned(r, c, formulas.grade(filing.form.grades, total_ref), "grade",
                                   blank=not reading.has_inputs))
        cell = grid.get(r, c)
        if cell.formula is None and cell.value:
            changes["stated_grade"] = str(cell.value)
    for name, attr in (("XL_FUND_RATE", "stated_rate"), ("XL_FUND_SCORE", "stated_funding_score")):
        if name in book.names:
            cell = grid.get(*_cell(book, name))
            if cell.formula is None and cell.value is not None:
                changes[attr] = _stated(cell.value)
    return replace(filing, **changes) if changes else filing
