"""The national (财政部 platform) rule: 正向 / 反向 / 等于 by the target's operator, 定性 otherwise.

w = weight, t = target, a = actual; scores rounded half-up to 2 places:

* 正向 (≥, >): a ≥ t → w; else round(a/t·w, 2), never below 0.
* 等于 (=, or no operator): t = 0 → (a ≤ 0 → w, else 0); t > 0 → as 正向.
* 反向 (≤, <): a ≤ t → w; t < a < 2t → round((1 − (a−t)/t)·w, 2); a ≥ 2t → 0.
* A target ≤ 0 with 正向/反向 is all-or-nothing (the platform's ratio is undefined there).
* '>' and '<' score like '≥' and '≤' (the platform does not distinguish them).
* When target or actual is not a number, the leaf is scored as 定性: the evaluator's score.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from ..num import HUNDRED, ZERO, fmt, guard_formula, guarded
from ..parse import Value, align
from .base import Outcome, Problem, Refs, Rule, RuleInput, register, show
from .judged import Qualitative, judged_formula

DIRECTIONS = {"正向": "≥", "反向": "≤", "等于": "=", "定性": "定性"}
POSITIVE, NEGATIVE = ("≥", ">"), ("≤", "<")


def national_score(op: str | None, t: Decimal, a: Decimal, w: Decimal) -> Decimal:
    """The number; mirrors :func:`national_formula` operation by operation."""
    if op in NEGATIVE:
        if a <= t:
            return w
        if t <= 0 or a >= 2 * t:
            return ZERO
        return guarded((2 * t - a) * w / t)  # = (1 − (a−t)/t)·w
    if op not in POSITIVE and t == 0:
        return w if a <= 0 else ZERO
    if a >= t:
        return w
    if t <= 0:
        return ZERO
    return max(ZERO, guarded(a * w / t))  # = a/t·w


def _positive(w: str, t: str, a: str) -> str:
    return f"IF({a}>={t},{w},IF({t}<=0,0,MAX(0,{guard_formula(f'{a}*{w}/{t}')})))"


def _negative(w: str, t: str, a: str) -> str:
    return f"IF({a}<={t},{w},IF(OR({t}<=0,{a}>=2*{t}),0,{guard_formula(f'(2*{t}-{a})*{w}/{t}')}))"


def _equal(w: str, t: str, a: str) -> str:
    return f"IF({t}=0,IF({a}<=0,{w},0),{_positive(w, t, a)})"


def national_formula(op: str | None, refs: Refs) -> str:
    """Quantitative part; ``op`` None means: read the operator from ``refs.op`` at run time."""
    w, t, a = refs.weight, refs.target, refs.actual
    if op is None:
        o = refs.op
        return (f'IF(OR({o}="≥",{o}=">"),{_positive(w, t, a)},'
                f'IF(OR({o}="≤",{o}="<"),{_negative(w, t, a)},{_equal(w, t, a)}))')
    if op in POSITIVE:
        return _positive(w, t, a)
    if op in NEGATIVE:
        return _negative(w, t, a)
    return _equal(w, t, a)


@register
@dataclass(frozen=True)
class National(Rule):
    kind = "national"
    title = "全国通用计分规则（正向/反向/等于/定性）"
    typed_target = True
    direction: str = ""  # 正向 / 反向 / 等于 / 定性; empty: from the target's operator

    @classmethod
    def convert(cls, name, value, where):
        from ..errors import SpecError
        if name == "direction" and value not in ("", *DIRECTIONS):
            raise SpecError(f"指标方向应为 正向/反向/等于/定性，实际是 {value!r}", key=where)
        return value

    @property
    def numeric(self) -> bool:
        return self.direction != "定性"

    def operator(self, target: Value) -> str | None:
        if target.op is not None:
            return target.op
        return DIRECTIONS.get(self.direction) if self.direction else None

    def evaluate(self, inp: RuleInput) -> Outcome:
        t, a = inp.target, inp.actual
        problems: tuple[Problem, ...] = ()
        if self.direction and t.op is not None and DIRECTIONS.get(self.direction) not in (
                t.op, {"≥": ">", "≤": "<"}.get(t.op), "定性"):
            problems += (Problem("direction-mismatch",
                                 f"指标方向为{self.direction}，但年度指标值写的是“{t.op}”，按“{t.op}”计分",
                                 field="target", severity="review"),)
        if self.direction == "定性" or not (t.is_number and a.is_number):
            return self._qualitative(inp, problems)
        op = self.operator(t)
        aligned = align(t, a)
        if isinstance(aligned, str):
            return Outcome(None, aligned, problems + (Problem("unit-mismatch", aligned),))
        tv, av, w = aligned.target, aligned.actual, inp.weight
        score = national_score(op, tv, av, w)
        text = self._explain(op, tv, av, w, score, t)
        if aligned.note:
            text += f"（{aligned.note}）"
        return Outcome(score, text, problems)

    def _qualitative(self, inp: RuleInput, problems: tuple[Problem, ...]) -> Outcome:
        t, a = inp.target, inp.actual
        for value, name, column in ((t, "年度指标值", "target"), (a, "实际完成值", "actual")):
            if value.kind == "error":
                problems += (Problem("unparseable-value", f"{name}“{value.text}”无法识别：{value.reason}",
                                     field=column),)
        if a.is_blank and inp.stated is None:
            problems += (Problem("missing-value", "未填写实际完成值"),)
        elif t.is_number and a.kind == "text" and self.direction != "定性":
            problems += (Problem("not-a-number", f"年度指标值是数字，实际完成值“{a.text}”不是数字，按定性指标处理"
                                 "（定量指标请只填数字，单位已由格式显示；定性指标请由评价人打分）",
                                 severity="review"),)
        outcome = Qualitative().evaluate(inp)
        judged = outcome.problems
        if a.is_blank and t.is_number:  # a quantitative leaf not filled in: the missing value says it all
            judged = tuple(p for p in judged if p.code != "missing-score")
        return Outcome(outcome.score, outcome.explanation, problems + judged, judged=True)

    @staticmethod
    def _explain(op, t, a, w, score, like: Value) -> str:
        target = f"目标{op or ''}{show(t, like)}"
        actual = f"实际{show(a, like)}"
        if score == w:
            return f"{target}，{actual}，达到目标，得满分{fmt(w)}分"
        if op in NEGATIVE:
            if t <= 0 or a >= 2 * t:
                return f"{target}，{actual}，超出目标一倍及以上，得0分"
            over = (a - t) / t
            return f"{target}，{actual}，超出目标{fmt(over * HUNDRED, 2)}%，得分=(1−超出比例)×{fmt(w)}={fmt(score)}分"
        if t <= 0 or (op not in POSITIVE and t == 0):
            return f"{target}，{actual}，未达到目标，得0分"
        return f"{target}，{actual}，完成比例{fmt(a / t * HUNDRED, 2)}%，得分=实际/目标×{fmt(w)}={fmt(score)}分"

    def formula(self, refs: Refs) -> str:
        if self.direction == "定性":
            return "=" + judged_formula(refs)
        fixed = DIRECTIONS.get(self.direction) if self.direction else None
        op_ok = f'{refs.op}<>"定性",' if refs.op else ""
        if refs.op and fixed:  # a blank operator cell falls back to the leaf's direction
            refs = replace(refs, op=f'IF({refs.op}="","{fixed}",{refs.op})')
        quant = national_formula(fixed if not refs.op else None, refs)
        return (f"=IF(AND({op_ok}ISNUMBER({refs.target}),ISNUMBER({refs.actual})),"
                f"{quant},{judged_formula(refs)})")

    def describe(self, weight: Decimal) -> str:
        return ("正向指标实际≥目标得满分，否则按实际/目标×分值；反向指标实际≤目标得满分，"
                "超出按(1−超出比例)×分值，超出一倍及以上不得分；定性指标按达成程度分档评分")
