"""Checks the scoring core cannot see: formulas replaced by constants, formulas edited, cached
values that disagree with the recomputation (a workbook saved by a tool that does not calculate)."""
from __future__ import annotations

from decimal import Decimal

from ..derive import UNDEFINED
from ..num import ZERO, fmt
from ..validation import Issue, Location
from ..scoring import Scorecard
from .cells import a1
from .formulas import normalize
from .package import Grid
from .reader import Owned, Reading

WHAT = {"leaf-score": "得分", "rule-score": "规则得分", "derived": "计算出的实际完成值", "total-score": "总分",
        "total-weight": "分值合计", "grade": "等级", "rate": "执行率", "fund-score": "资金得分"}


def expected_value(owned: Owned, card: Scorecard):
    """What the formula computes, by Python."""
    if owned.what == "leaf-score":
        return card.leaf(owned.key).score
    if owned.what == "rule-score":
        r = card.leaf(owned.key).rule_score
        return r if r is not None else ZERO
    if owned.what == "derived":
        actual = card.leaf(owned.key).actual
        return actual.number if actual.is_number else UNDEFINED
    if owned.what == "total-score":
        return card.total
    if owned.what == "total-weight":
        funding = card.funding.weight if card.funding else ZERO
        return funding + sum((r.weight for r in card.leaves), ZERO)
    if owned.what == "grade":
        return card.grade
    if owned.what == "rate":
        return card.funding.rate if card.funding and card.funding.rate is not None else ZERO
    if owned.what == "fund-score":
        return card.funding.score if card.funding else ZERO
    raise ValueError(owned.what)


def same(cached, expected) -> bool:
    if isinstance(expected, Decimal):
        if isinstance(cached, bool) or not isinstance(cached, (int, float)):
            return False
        return abs(Decimal(repr(float(cached))) - expected) < Decimal("0.005")
    return cached == expected


def _show(value) -> str:
    if isinstance(value, float):
        return fmt(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return fmt(value)
    return "空白" if value in (None, "") else f"“{value}”"


def formula_issues(reading: Reading, grid: Grid, card: Scorecard) -> list[Issue]:
    issues = []
    for owned in reading.owned:
        cell = grid.get(owned.row, owned.col)
        where = Location(owned.key or ("总分" if owned.what in ("total-score", "total-weight", "grade") else "资金情况"),
                         "score" if owned.what != "derived" else "actual", reading.sheet, a1(owned.row, owned.col))
        label = WHAT[owned.what]
        expected = expected_value(owned, card)
        if cell.formula is None:
            issues.append(Issue("formula-overwritten", "error", where,
                                f"{label}原为公式，现被改写为{_show(cell.value)}；按规则应为{_show(expected)}。"
                                "运行 xltools score 可恢复公式，或从原模板复制该单元格"))
            continue
        if cell.formula and "=" + cell.formula != owned.formula and normalize(cell.formula) != normalize(owned.formula):
            issues.append(Issue("formula-changed", "review", where,
                                f"{label}的公式与模板不一致（现为 ={cell.formula}，应为 {owned.formula}）"))
        if not same(cell.value, expected):
            issues.append(Issue("cached-value-differs", "review", where,
                                f"{label}单元格保存的值为{_show(cell.value)}，重新计算为{_show(expected)}；"
                                "工作簿保存前可能没有重新计算（在 Excel 中按 Ctrl+Alt+F9 后保存）"))
    return issues
