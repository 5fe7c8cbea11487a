"""Converted external score: "(大赶考考核得分/110)×30" -> ``{kind: converted, full: 110, scale: 30}``.

score = round(a / full × scale, 2), kept within [0, weight]; ``scale`` defaults to the weight.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import SpecError
from ..num import ZERO, clamp, fmt, guard_formula, guarded
from .base import Outcome, Refs, Rule, RuleInput, lit, need_number, register, to_decimal


@register
@dataclass(frozen=True)
class Converted(Rule):
    kind = "converted"
    title = "外部考核得分折算"
    full: Decimal = Decimal(100)
    scale: Decimal | None = None
    source: str = "考核得分"

    @classmethod
    def convert(cls, name, value, where):
        if name in ("full", "scale"):
            number = to_decimal(value, where)
            if number <= 0:
                raise SpecError("应大于0", key=where)
            return number
        return value

    def _scale(self, weight: Decimal) -> Decimal:
        return self.scale if self.scale is not None else weight

    def evaluate(self, inp: RuleInput) -> Outcome:
        bad = need_number(inp, "折算计分")
        if bad:
            return bad
        a, w = inp.actual.amount, inp.weight
        scale = self._scale(w)
        raw = guarded(a * scale / self.full)
        score = clamp(raw, ZERO, w)
        text = f"{self.source}{fmt(a)}分，折算{fmt(a)}/{fmt(self.full)}×{fmt(scale)}={fmt(raw)}分"
        if score != raw:
            text += f"，限于0–{fmt(w)}分，得{fmt(score)}分"
        return Outcome(score, text)

    def formula(self, refs: Refs) -> str:
        scale = lit(self.scale) if self.scale is not None else refs.weight
        a, w = refs.actual, refs.weight
        return f"=IF(ISNUMBER({a}),MIN({w},MAX(0,{guard_formula(f'{a}*{scale}/{lit(self.full)}')})),0)"

    def describe(self, weight: Decimal) -> str:
        return f"得分=({self.source}/{fmt(self.full)})×{fmt(self._scale(weight))}"
