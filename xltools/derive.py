"""Derived 共性指标: rates computed from raw finance figures, with an Excel twin.

Each derivation takes named inputs (in the order the spec lists them) and gives a rate kept
to 0.01 % (four decimals), exactly as the reports print it (seed 003: 11.70/13.72 = 85.28 %).

* ``ratio``  a / b                 预算执行率, 公用经费控制率, 在职人员控制率, 政府采购执行率 ...
* ``change`` (a − b) / b           “三公经费”变动率 = (本年 − 上年) / 上年
* ``adjust`` |b − a| / a           预算调整率 = |调整后预算 − 年初预算| / 年初预算
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .errors import SpecError
from .num import RATE_PLACES, guard_formula, round_rate

#: What a derived cell shows when it cannot be computed (inputs missing, denominator 0).
UNDEFINED = "—"

KINDS = {
    "ratio": ("{0}/{1}", 2),
    "change": ("({0}-{1})/{1}", 2),
    "adjust": ("ABS({1}-{0})/{0}", 2),
}


@dataclass(frozen=True)
class Derivation:
    kind: str
    inputs: tuple[str, ...]

    @classmethod
    def from_params(cls, params, where: str) -> Derivation:
        if not isinstance(params, dict) or "kind" not in params or "inputs" not in params:
            raise SpecError("derive 应写成 {kind: ratio, inputs: [分子名称, 分母名称]}", key=where)
        kind, inputs = params["kind"], params["inputs"]
        if kind not in KINDS:
            raise SpecError(f"不认识的派生指标类型 {kind!r}", key=f"{where}.kind", fix=f"可用：{', '.join(KINDS)}")
        if not isinstance(inputs, (list, tuple)) or len(inputs) != KINDS[kind][1] or not all(
                isinstance(i, str) and i for i in inputs):
            raise SpecError(f"{kind} 需要 {KINDS[kind][1]} 个输入项名称", key=f"{where}.inputs")
        return cls(kind, tuple(inputs))

    def params(self) -> dict:
        return {"kind": self.kind, "inputs": list(self.inputs)}

    def compute(self, values: list[Decimal | None]) -> Decimal | None:
        """The rate, or None when an input is missing or the denominator is 0."""
        a, b = values
        if a is None or b is None:
            return None
        if self.kind == "ratio":
            return round_rate(a / b) if b != 0 else None
        if self.kind == "change":
            return round_rate((a - b) / b) if b != 0 else None
        return round_rate(abs(b - a) / a) if a != 0 else None

    def formula(self, refs: list[str]) -> str:
        """Excel expression (no leading '='); UNDEFINED when inputs are missing or the denominator is 0."""
        expr = KINDS[self.kind][0].format(*refs)
        denominator = refs[0] if self.kind == "adjust" else refs[1]
        numbers = ",".join(f"ISNUMBER({r})" for r in refs)
        return (f'IF(AND({numbers}),IF({denominator}<>0,{guard_formula(expr, RATE_PLACES)},"{UNDEFINED}"),'
                f'"{UNDEFINED}")')

    def describe(self) -> str:
        a, b = self.inputs
        return {"ratio": f"{a}/{b}", "change": f"({a}−{b})/{b}", "adjust": f"|{b}−{a}|/{a}"}[self.kind]
