"""Step deduction: full marks at a threshold, a fixed deduction per step beyond it, floored at 0.

Covers the provincial shapes (seed 004, Yunnan):

* threshold, one side:  "预算完成率≥95%得2分，每少于一个百分点扣0.2分，扣完为止"
  -> ``{kind: step, threshold: 95%, sides: below, step: 1%, deduct: 0.2}``
* two-sided band:       "以100%为标准，每超过或低于10%扣0.2分"
  -> ``{kind: step, threshold: 100%, sides: both, step: 10%, deduct: 0.2}``
* proportional deduction of the weight: "95%以上得1分，每降低1%扣权重分5%"
  -> ``{kind: step, threshold: 95%, sides: below, step: 1%, deduct_share: 5%}``
* count of breaches:    "每出现一例不符合要求的扣1分" -> ``{threshold: 0, sides: above, step: 1,
  deduct: 1, percent: false}``

``counting`` says how a partial step counts: ``whole`` (default; only complete steps deduct,
as DOMAIN.md asks), ``started`` (any started step deducts) or ``prorata`` (exact share).
The step count is rounded to 6 places before INT in both faces, so binary floating point
cannot turn 2 steps into 1.9999999999999998.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import SpecError
from ..num import HUNDRED, STEP_PLACES, ZERO, ceil_int, floor_int, fmt, guard_formula, guarded, round2, round_half_up
from .base import Outcome, Refs, Rule, RuleInput, lit, need_number, register, to_decimal

SIDES = {"below": "低于", "above": "超过", "both": "偏离"}
COUNTING = {"whole": "按整步计，不足一步不扣", "started": "不足一步按一步计", "prorata": "按比例计"}


@register
@dataclass(frozen=True)
class Step(Rule):
    kind = "step"
    title = "达标得满分，每偏离一步扣分，扣完为止"
    threshold: Decimal = ZERO
    sides: str = "below"
    step: Decimal = Decimal("0.01")
    deduct: Decimal | None = None  # points per step
    deduct_share: Decimal | None = None  # share of the weight per step
    counting: str = "whole"
    #: threshold and actual are rates; a plain 93 typed for a rate is read as 93 % before
    #: the rule sees it (see scoring.prepare_actual), so both faces get fractions.
    percent: bool = True

    @classmethod
    def convert(cls, name, value, where):
        if name in ("threshold", "step", "deduct", "deduct_share"):
            number = to_decimal(value, where, points=name in ("deduct", "deduct_share"))
            if name == "step" and number <= 0:
                raise SpecError("步长应大于0", key=where)
            return number
        if name == "sides" and value not in SIDES:
            raise SpecError(f"sides 应为 {'/'.join(SIDES)}，实际是 {value!r}", key=where)
        if name == "counting" and value not in COUNTING:
            raise SpecError(f"counting 应为 {'/'.join(COUNTING)}，实际是 {value!r}", key=where)
        if name == "percent" and not isinstance(value, bool):
            raise SpecError("percent 应为 true 或 false", key=where)
        return value

    def __post_init__(self):
        if (self.deduct is None) == (self.deduct_share is None):
            raise SpecError("step 规则需要 deduct（每步扣几分）或 deduct_share（每步扣分值的几成）二者之一",
                            key="rule")

    # -- Python face ------------------------------------------------------------------
    @property
    def share(self) -> Decimal:
        """``deduct_share``, set whenever ``deduct`` is not (``__post_init__`` holds to that)."""
        if self.deduct_share is None:
            raise ValueError("a step rule with deduct has no deduct_share")
        return self.deduct_share

    def per_step(self, weight: Decimal) -> Decimal:
        return self.deduct if self.deduct is not None else self.share * weight

    def deficit(self, a: Decimal) -> Decimal:
        t = self.threshold
        return t - a if self.sides == "below" else a - t if self.sides == "above" else abs(a - t)

    def steps(self, deficit: Decimal) -> Decimal:
        ratio = deficit / self.step
        if self.counting == "prorata":
            return ratio
        ratio = round_half_up(ratio, STEP_PLACES)
        return floor_int(ratio) if self.counting == "whole" else ceil_int(ratio)

    def evaluate(self, inp: RuleInput) -> Outcome:
        bad = need_number(inp, "扣分规则")
        if bad:
            return bad
        a = inp.actual.amount
        w = inp.weight
        deficit = self.deficit(a)
        head = f"标准{self._standard()}，实际{self._show(a)}"
        if deficit <= 0:
            return Outcome(w, f"{head}，达到标准，得满分{fmt(w)}分")
        steps = self.steps(deficit)
        deduction = steps * self.per_step(w)
        score = max(ZERO, guarded(w - deduction))
        text = (f"{head}，{SIDES[self.sides]}{self._show_gap(deficit)}，每{self._show_gap(self.step)}扣"
                f"{fmt(self.per_step(w))}分（{COUNTING[self.counting]}），扣{fmt(round2(deduction))}分，"
                f"得{fmt(score)}分")
        return Outcome(score, text)

    @property
    def reads_rate(self) -> bool:
        return self.percent

    def _standard(self) -> str:
        sign = {"below": "≥", "above": "≤", "both": "="}[self.sides]
        return sign + self._show(self.threshold)

    def _show(self, value: Decimal) -> str:
        return fmt(value * HUNDRED, 2) + "%" if self.percent else fmt(value)

    def _show_gap(self, gap: Decimal) -> str:
        return f"{fmt(gap * HUNDRED, 4)}个百分点" if self.percent else f"{fmt(gap)}"

    # -- Excel face -------------------------------------------------------------------
    def formula(self, refs: Refs) -> str:
        w, t = refs.weight, lit(self.threshold)
        a = refs.actual
        deficit = {"below": f"({t}-{a})", "above": f"({a}-{t})", "both": f"ABS({a}-{t})"}[self.sides]
        ratio = f"{deficit}/{lit(self.step)}"
        steps = {"prorata": f"({ratio})",
                 "whole": f"INT(ROUND({ratio},{STEP_PLACES}))",
                 "started": f"(-INT(-ROUND({ratio},{STEP_PLACES})))"}[self.counting]
        per = lit(self.deduct) if self.deduct is not None else f"{lit(self.share)}*{w}"
        return (f"=IF(ISNUMBER({refs.actual}),IF({deficit}<=0,{w},"
                f"MAX(0,{guard_formula(f'{w}-{steps}*{per}')})),0)")

    def describe(self, weight: Decimal) -> str:
        per = (f"扣{fmt(self.deduct)}分" if self.deduct is not None
               else f"扣分值的{fmt(self.share * HUNDRED)}%")
        return (f"{self._standard()}得{fmt(weight)}分，每{SIDES[self.sides]}{self._show_gap(self.step)}{per}，"
                f"扣完为止（{COUNTING[self.counting]}）")

