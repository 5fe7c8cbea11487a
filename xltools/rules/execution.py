"""预算执行率: 执行率 = 全年执行数 / 全年预算数 (kept to 0.01 %); 得分 = 分值 × 执行率, at most 分值.

预算数 = 0 (or blank) scores 0 and raises an issue.  The target reference is the budget,
the actual reference the money spent.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..num import ONE, RATE_PLACES, ZERO, fmt, guard_formula, guarded, pct, round_rate
from .base import Outcome, Problem, Refs, Rule, RuleInput, register


def execution_rate(budget: Decimal | None, spent: Decimal | None) -> Decimal | None:
    if budget is None or spent is None or budget <= 0:
        return None
    return _rate(budget, spent)


def _rate(budget: Decimal, spent: Decimal) -> Decimal:
    """执行率 to 0.01 % (``budget`` > 0)."""
    return round_rate(spent / budget)


def rate_formula(budget: str, spent: str) -> str:
    return (f"IF(AND(ISNUMBER({budget}),ISNUMBER({spent}),{budget}>0),"
            f"{guard_formula(f'{spent}/{budget}', RATE_PLACES)},0)")


@register
@dataclass(frozen=True)
class Execution(Rule):
    kind = "execution"
    title = "预算执行率计分"

    def evaluate(self, inp: RuleInput) -> Outcome:
        budget, spent = inp.target.number, inp.actual.number  # None unless a number
        w = inp.weight
        if budget is None or budget <= 0:
            return Outcome(ZERO, "全年预算数为0或未填写，执行率无法计算，得0分",
                           (Problem("budget-missing", "全年预算数为0或未填写，无法计算执行率", field="target"),))
        if spent is None:
            missing = (Problem("missing-value", "全年执行数未填写", field="actual"),) if inp.actual.is_blank else ()
            return Outcome(ZERO, "全年执行数未填写或不是数字，得0分", missing)
        rate = _rate(budget, spent)
        score = guarded(w * min(ONE, rate))
        text = f"执行率={fmt(spent)}/{fmt(budget)}={pct(rate)}，得分={fmt(w)}×{pct(min(ONE, rate))}={fmt(score)}分"
        if rate > ONE:
            text += "（执行率超过100%，按满分计）"
        return Outcome(max(ZERO, score), text)

    def formula(self, refs: Refs) -> str:
        rate = rate_formula(refs.target, refs.actual)
        return f"=MAX(0,{guard_formula(f'{refs.weight}*MIN(1,{rate})')})"

    def describe(self, weight: Decimal) -> str:
        return f"执行率=全年执行数/全年预算数；得分=分值×执行率，最高{fmt(weight)}分"
