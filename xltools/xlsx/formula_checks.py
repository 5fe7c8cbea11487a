"""Checks the scoring core cannot see: every formula cell xltools wrote, and every number typed as text.

* A formula cell replaced by a constant, or edited so that it shows another number, is an error on
  that cell (a score typed into a row with no indicator too).
* A cell whose cached value differs from Python's recomputation is either *stale* — its own formula
  over the workbook's stored values gives another number: saved without recalculating (待补充) — or
  *fresh*, and then the difference comes from upstream: a cell typed over, text the formulas cannot
  read.  Those consequences are folded into the issue of their cause, never reported alone;
  a fresh difference with no cause found is an error on the cell.
* A number typed as text (``120件``) is read for the user: one 待补充 issue per cell, with the score
  the sheet shows and the one the rule gives when they differ.

:func:`fold` then keeps one message per cause for the whole report.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ..derive import UNDEFINED
from ..model import SEP
from ..num import ZERO, fmt, round2
from ..parse import parse
from ..scoring import Scorecard, score
from ..validation import Issue, Location, worst
from .cells import a1
from .evaluate import Unsupported, XlErr, evaluate
from .formulas import normalize
from .package import Grid
from .reader import Owned, Reading

WHAT = {"leaf-score": "得分", "rule-score": "规则得分", "derived": "计算出的实际完成值", "total-score": "总分",
        "total-weight": "分值合计", "grade": "等级", "rate": "执行率", "fund-score": "资金得分",
        "blank-score": "得分", "blank-rule": "规则得分", "group-weights": "明细分值合计", "group-score": "汇总得分",
        "group-deduction": "扣分"}
TOTALS = ("total-score", "total-weight", "grade")
#: the hint that ends every message about a cell the sheet computes differently from the rule
RUN_SCORE = "请只填数字，或运行 xltools score"


def expected_value(owned: Owned, card: Scorecard):
    """What the formula computes, by Python."""
    what = owned.what
    if owned.blank and what in ("total-score", "grade"):
        return ""
    if what == "leaf-score":
        return card.leaf(owned.key).score
    if what == "rule-score":
        r = card.leaf(owned.key).rule_score
        return r if r is not None else ZERO
    if what in ("blank-score", "blank-rule"):
        return ZERO
    if what == "derived":
        actual = card.leaf(owned.key).actual
        return actual.number if actual.is_number else UNDEFINED
    if what == "group-weights":
        return round2(sum((r.weight for r in card.leaves if r.key.startswith(owned.key + SEP)), ZERO))
    if what == "group-score":
        return round2(card.group(owned.key).score)
    if what == "group-deduction":
        return round2(card.group(owned.key).deduction)
    if what == "total-score":
        return card.total
    if what == "total-weight":
        funding = card.funding.weight if card.funding else ZERO
        return funding + sum((r.weight for r in card.leaves), ZERO)
    if what == "grade":
        return card.grade
    if what == "rate":
        return card.funding.rate if card.funding and card.funding.rate is not None else ZERO
    if what == "fund-score":
        return card.funding.score if card.funding else ZERO
    raise ValueError(what)


def same(cached, expected) -> bool:
    if isinstance(expected, Decimal):
        if isinstance(cached, bool) or not isinstance(cached, (int, float)):
            return False
        return abs(Decimal(repr(float(cached))) - expected) < Decimal("0.005")
    if expected == "" and cached is None:
        return True
    return cached == expected


def _show(value) -> str:
    if isinstance(value, float):
        return fmt(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return fmt(value)
    return "空白" if value in (None, "") else f"“{value}”"


def _own(formula: str, lookup) -> object:
    """The formula over ``lookup`` (None when the evaluator does not model it, or it refers to itself)."""
    try:
        value = evaluate(formula, lookup)
    except (Unsupported, RecursionError, ArithmeticError, ValueError, TypeError):
        return None
    return str(value) if isinstance(value, XlErr) else value


def _lookups(reading: Reading, grid: Grid, card: Scorecard):
    """Two views of the sheet: the stored values, and the stored inputs with every formula cell we own
    at Python's value (to judge an edited formula by itself, not by what is upstream of it)."""
    expected = {(o.row, o.col): expected_value(o, card) for o in reading.owned}
    expected = {k: float(v) if isinstance(v, Decimal) else v for k, v in expected.items()}

    def stored(r, c):
        return grid.get(r, c).value

    def judged(at):
        def get(r, c):
            if (r, c) == at:
                raise Unsupported("refers to itself")
            return expected[(r, c)] if (r, c) in expected else grid.get(r, c).value
        return get
    return stored, judged


def _where(owned: Owned, reading: Reading) -> Location:
    path = owned.key or ("总分" if owned.what in TOTALS else "资金情况")
    return Location(path, "actual" if owned.what == "derived" else "score", reading.sheet, a1(owned.row, owned.col))


def formula_issues(reading: Reading, grid: Grid, card: Scorecard) -> list[Issue]:
    issues: list[Issue] = []
    roots: list[int] = []  # indexes of issues that explain differences downstream
    fresh: list[tuple[Owned, Location, object, object]] = []  # differences explained upstream
    stale: list[tuple[Owned, Location, object, object]] = []  # saved without recalculating
    stored, judged = _lookups(reading, grid, card)
    for owned in reading.owned:
        cell = grid.get(owned.row, owned.col)
        where = _where(owned, reading)
        label = WHAT[owned.what]
        expected = expected_value(owned, card)
        if cell.formula is None:
            roots.append(len(issues))
            issues.append(Issue("formula-overwritten", "error", where, _overwritten(owned, label, cell.value, expected)))
            continue
        formula = owned.formula
        if cell.formula and "=" + cell.formula != owned.formula and normalize(cell.formula) != normalize(owned.formula):
            formula = "=" + cell.formula
            shown = _own(formula, judged((owned.row, owned.col)))
            if shown is None:
                issues.append(Issue("formula-changed", "review", where,
                                    f"{label}的公式与模板不一致（现为 ={cell.formula}，应为 {owned.formula}），"
                                    "无法核对其结果；请从原模板复制该单元格，或运行 xltools score 恢复公式"))
            elif not same(shown, expected):  # an edited formula that gives the rule's number is no issue
                roots.append(len(issues))  # (older templates wrote other, equivalent formulas)
                issues.append(Issue("formula-changed", "error", where,
                                    f"{label}的公式被改动（现为 ={cell.formula}，应为 {owned.formula}）：它算出"
                                    f"{_show(shown)}，按规则应为{_show(expected)}。运行 xltools score 可恢复公式"))
                continue
        if same(cell.value, expected):
            continue
        own = _own(formula, stored)
        if own is None or not same(own, cell.value) and not (own == "" and cell.value is None):
            stale.append((owned, where, cell.value, expected))
        else:
            fresh.append((owned, where, cell.value, expected))
    typed_paths = set()
    for issue in typed_issues(reading, card):
        roots.append(len(issues))
        typed_paths.add(issue.location.path)
        issues.append(issue)
    knock_on = [f for f in fresh if not (f[0].key in typed_paths and f[0].what in ("leaf-score", "rule-score"))
                and not (f[0].key == "" and "资金情况" in typed_paths)]
    if knock_on and roots:
        text = "、".join(f"{WHAT[o.what]} {w.cell} 显示{_show(v)}（应为{_show(e)}）" for o, w, v, e in knock_on)
        first = roots[0]
        issues[first] = replace(issues[first], message=f"{issues[first].message}。因此表中{text}")
    elif knock_on and stale:  # downstream of cells saved without recalculating: the same cause
        stale += knock_on
    elif knock_on:
        for owned, where, value, expected in knock_on:
            issues.append(Issue("cached-value-differs", "error", where,
                                f"{WHAT[owned.what]}表中显示{_show(value)}，按规则应为{_show(expected)}："
                                "表中的数与按规则重新计算的不一致，请检查该单元格引用的数据"))
    if stale:  # one cause, one message: the workbook was saved without recalculating
        shown = "；".join(f"{w.cell}{WHAT[o.what]}保存为{_show(v)}，应为{_show(e)}" for o, w, v, e in stale[:3])
        issues.append(Issue("cached-value-differs", "review", stale[0][1],
                            f"{shown}{'等' if len(stale) > 3 else ''}：工作簿保存前没有重新计算（{len(stale)}个公式单元格"
                            "保存的值与重新计算不一致）。在 Excel 中按 Ctrl+Alt+F9 后保存，或运行 xltools score"))
    return issues


def _overwritten(owned: Owned, label: str, value, expected) -> str:
    if owned.what == "derived":
        return (f"{label}原为公式（由右侧计算依据自动计算），现直接填了{_show(value)}"
                f"{'，已按此计分' if isinstance(value, float) else ''}：请在计算依据栏填写两项数字，"
                "或运行 xltools score 恢复公式")
    if owned.what in ("blank-score", "blank-rule"):
        return (f"这一行没有指标，{label}栏原为公式，现被填了{_show(value)}，会计入总分；"
                "请删除该数字（要新增指标，请填写三级指标名称、分值和指标值），或运行 xltools score 恢复公式")
    return (f"{label}原为公式，现被改写为{_show(value)}；按规则应为{_show(expected)}。"
            "运行 xltools score 可恢复公式，或从原模板复制该单元格")


def typed_issues(reading: Reading, card: Scorecard) -> list[Issue]:
    """One 待补充 issue per number typed as text, with the sheet's score and the rule's when they differ;
    an error where a weight the form fixes was typed over (the sheet scores with it, we never do)."""
    if not reading.typed and not reading.fixed_changed:
        return []
    sheet = score(reading.sheet_filing) if reading.sheet_filing is not None else card
    out = []
    for r, c, path, value in reading.fixed_changed:
        leaf = card.leaf(path)
        shown, rule = _leaf_score(sheet, path), leaf.score
        text = f"“{leaf.leaf.name}”的分值由表式规定为{fmt(leaf.weight)}分，表中被改为{_show(value)}"
        if shown != rule:
            text += f"：表中显示{fmt(shown)}分，按规则应得{fmt(rule)}分"
        out.append(Issue("fixed-cell-changed", "error", Location(path, "weight", reading.sheet, a1(r, c)),
                         text + f"；请改回{fmt(leaf.weight)}，或运行 xltools score"))
    scored_amounts = {reading.spots.get(("资金情况", f"total.{k}")) for k in ("budget", "spent")}
    for t in reading.typed:
        value = parse(t.text)
        read = value.display().lstrip(value.op or "") if value.is_number else t.text
        text = (f"“{t.name}”{t.label}写成了文字“{t.text}”，已按数字{read}读取：请只填数字，单位已由格式显示"
                + (f"（比较符号已按“{t.op[2]}”读取，请在“指标方向”栏选择）" if t.op else ""))
        if t.path == "资金情况" and (t.row, t.col) not in scored_amounts:
            shown = rule = ZERO  # an amount the score does not use
            what = ""
        elif t.path == "资金情况":
            shown, rule = (sheet.funding.score if sheet.funding else ZERO), (card.funding.score if card.funding else ZERO)
            what = "资金得分"
        else:
            shown, rule = _leaf_score(sheet, t.path), _leaf_score(card, t.path)
            what = ""
        if shown != rule:
            text += f"。{what}表中显示{fmt(shown)}分，按规则应得{fmt(rule)}分：{RUN_SCORE}"
        out.append(Issue("number-as-text", "review", Location(t.path, "", reading.sheet, a1(t.row, t.col)), text))
    return out


def _leaf_score(card: Scorecard, path: str) -> Decimal:
    try:
        return card.leaf(path).score
    except KeyError:
        return ZERO


# -- one cause, one message ---------------------------------------------------------------------

#: issues that are a cause: what else goes wrong on the same cell or indicator follows from them
CAUSES = ("formula-overwritten", "formula-changed", "fixed-cell-changed", "unparseable-value", "not-a-number", "number-as-text",
          "unit-mismatch", "missing-value", "derive-undefined")
#: issues that are consequences when a cause sits on the same cell or the same indicator
CONSEQUENCES = {"missing-score", "missing-reason", "score-differs-from-rule", "score-exceeds-weight", "score-negative",
                "total-differs", "grade-differs", "funding-score-differs", "rate-differs", "cached-value-differs",
                "qualitative-band", "missing-target"}


def fold(issues) -> tuple[Issue, ...]:
    """Issues with their consequences folded into their cause: one message per cause, at the worst
    severity of what it folds (a text that cannot be read and leaves the score missing is an error)."""
    issues = list(issues)
    cause_at: dict[object, int] = {}
    for i, issue in enumerate(issues):
        if issue.code in CAUSES:
            loc = issue.location
            if loc.cell:
                cause_at.setdefault((loc.sheet, loc.cell), i)
            if loc.path and loc.path not in ("总分", "资金情况"):
                cause_at.setdefault(loc.path, i)
    # a 小计 row added by hand flows into every sum above it: the sums the sheet shows are its consequences
    added_row = next((i for i, issue in enumerate(issues) if issue.code == "summary-row-added"), None)
    folded: dict[int, list[Issue]] = {}
    keep = []
    for i, issue in enumerate(issues):
        loc = issue.location
        target = cause_at.get((loc.sheet, loc.cell)) if loc.cell else None
        if (target is None or target == i) and issue.code in CONSEQUENCES:
            target = cause_at.get(loc.path)
        if target is None and issue.code == "cached-value-differs":
            target = added_row
        if target is not None and target != i and (issue.code not in CAUSES or _cell(issues[target]) == _cell(issue)):
            folded.setdefault(target, []).append(issue)
            continue
        keep.append(i)
    out = []
    for i in keep:
        issue = issues[i]
        more = folded.get(i)
        if more:
            text = "；".join(f"{m.location.cell}保存的值尚未更新（应为重新计算后的数）" if m.code == "cached-value-differs"
                            and m.severity == "review" else m.message for m in more)
            issue = replace(issue, severity=worst([issue, *more]), message=f"{issue.message}（同一原因还导致：{text}）")
        out.append(issue)
    return tuple(out)


def _cell(issue: Issue):
    return (issue.location.sheet, issue.location.cell)
