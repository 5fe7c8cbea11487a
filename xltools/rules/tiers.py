"""Tiers: points by the band the actual value falls in.

"95%(含)以上得2分，85%(含)–95%得1.5分，75%(含)–85%得1分，低于75%不得分"
-> ``{kind: tiers, tiers: [[95%, 2], [85%, 1.5], [75%, 1]], otherwise: 0}``
Lower bounds are inclusive; tiers are listed from the highest bound down.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import SpecError
from ..num import HUNDRED, ZERO, fmt
from .base import Outcome, Refs, Rule, RuleInput, lit, need_number, register, to_decimal


@register
@dataclass(frozen=True)
class Tiers(Rule):
    kind = "tiers"
    title = "分档计分"
    tiers: tuple[tuple[Decimal, Decimal], ...] = ()
    otherwise: Decimal = ZERO
    percent: bool = True

    @classmethod
    def convert(cls, name, value, where):
        if name == "otherwise":
            return to_decimal(value, where, points=True)
        if name == "tiers":
            if not isinstance(value, (list, tuple)) or not value:
                raise SpecError("tiers 应为 [[下限, 得分], ...] 的列表", key=where)
            out = []
            for i, pair in enumerate(value):
                if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                    raise SpecError("每一档应写成 [下限, 得分]", key=f"{where}[{i}]")
                out.append((to_decimal(pair[0], f"{where}[{i}][0]"), to_decimal(pair[1], f"{where}[{i}][1]", points=True)))
            bounds = [b for b, _ in out]
            if bounds != sorted(bounds, reverse=True) or len(set(bounds)) != len(bounds):
                raise SpecError("各档下限应从高到低排列且不重复", key=where)
            return tuple(out)
        return value

    def max_score(self, weight: Decimal) -> Decimal:
        return max([p for _, p in self.tiers] + [self.otherwise])

    @property
    def reads_rate(self) -> bool:
        return self.percent

    def _value(self, a: Decimal) -> str:
        return fmt(a * HUNDRED, 2) + "%" if self.percent else fmt(a)

    def evaluate(self, inp: RuleInput) -> Outcome:
        bad = need_number(inp, "分档计分")
        if bad:
            return bad
        a = inp.actual.amount
        for i, (bound, points) in enumerate(self.tiers):
            if a >= bound:
                upper = f"–{self._value(self.tiers[i - 1][0])}" if i else "(含)以上"
                band = f"{self._value(bound)}(含){upper}" if i else f"{self._value(bound)}{upper}"
                return Outcome(min(points, inp.weight), f"实际{self._value(a)}，在“{band}”档，得{fmt(points)}分")
        return Outcome(min(self.otherwise, inp.weight),
                       f"实际{self._value(a)}，低于{self._value(self.tiers[-1][0])}，得{fmt(self.otherwise)}分")

    def formula(self, refs: Refs) -> str:
        a = refs.actual
        expr = lit(self.otherwise)
        for bound, points in reversed(self.tiers):
            expr = f"IF({a}>={lit(bound)},{lit(points)},{expr})"
        return f"=IF(ISNUMBER({refs.actual}),MIN({refs.weight},{expr}),0)"

    def describe(self, weight: Decimal) -> str:
        parts = []
        for i, (bound, points) in enumerate(self.tiers):
            if i == 0:
                parts.append(f"{self._value(bound)}(含)以上得{fmt(points)}分")
            else:
                parts.append(f"{self._value(bound)}(含)–{self._value(self.tiers[i - 1][0])}得{fmt(points)}分")
        parts.append(f"低于{self._value(self.tiers[-1][0])}得{fmt(self.otherwise)}分")
        return "，".join(parts)
