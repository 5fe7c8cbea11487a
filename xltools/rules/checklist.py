"""Checklist: "①…得0.5分；②…得0.5分；③…得1分" — the evaluator marks the items met.

The actual cell lists the items met by number: ``①③`` or ``1、3`` (items 1–9).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import SpecError
from ..num import ZERO, fmt
from .base import Outcome, Problem, Refs, Rule, RuleInput, lit, register, to_decimal

CIRCLED = "①②③④⑤⑥⑦⑧⑨"


def marked(raw: str, index: int) -> bool:
    """Is item ``index`` (1-based) marked in ``raw``?  Same test as the formula's FIND."""
    return CIRCLED[index - 1] in raw or str(index) in raw


@register
@dataclass(frozen=True)
class Checklist(Rule):
    kind = "checklist"
    title = "逐项计分"
    items: tuple[tuple[str, Decimal], ...] = ()

    @property
    def numeric(self) -> bool:
        return False  # the actual cell holds the items' marks

    @classmethod
    def convert(cls, name, value, where):
        if name != "items":
            return value
        if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= len(CIRCLED):
            raise SpecError(f"items 应为 1–{len(CIRCLED)} 项 [说明, 分值] 的列表", key=where)
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, (list, tuple)) or len(item) != 2:
                raise SpecError("每一项应写成 [说明, 分值]", key=f"{where}[{i}]")
            out.append((str(item[0]), to_decimal(item[1], f"{where}[{i}][1]", points=True)))
        return tuple(out)

    def max_score(self, weight: Decimal) -> Decimal:
        return sum((p for _, p in self.items), ZERO)

    def evaluate(self, inp: RuleInput) -> Outcome:
        raw = inp.raw_actual
        if not raw.strip():
            return Outcome(None, "逐项计分：未填写符合的项目",
                           (Problem("missing-value", f"请在实际完成值中写明符合的项目，如“{CIRCLED[:2]}”"),))
        met = [i for i in range(1, len(self.items) + 1) if marked(raw, i)]
        total = sum((self.items[i - 1][1] for i in met), ZERO)
        score = min(total, inp.weight)
        if not met:
            return Outcome(ZERO, f"未标明符合任何一项（应写{CIRCLED[:len(self.items)]}中的编号），得0分",
                           (Problem("unparseable-value", f"实际完成值“{raw}”中没有项目编号", severity="review"),))
        parts = " ".join(f"{CIRCLED[i - 1]}{fmt(self.items[i - 1][1])}分" for i in met)
        return Outcome(score, f"符合{''.join(CIRCLED[i - 1] for i in met)}（{parts}），得{fmt(score)}分")

    def formula(self, refs: Refs) -> str:
        a = refs.actual
        terms = [f'IF(OR(ISNUMBER(FIND("{CIRCLED[i]}",{a})),ISNUMBER(FIND("{i + 1}",{a}))),{lit(p)},0)'
                 for i, (_, p) in enumerate(self.items)]
        return f"=MIN({refs.weight},{'+'.join(terms)})"

    def describe(self, weight: Decimal) -> str:
        return "；".join(f"{CIRCLED[i]}{label}，得{fmt(p)}分" for i, (label, p) in enumerate(self.items))
