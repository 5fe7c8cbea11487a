"""The formulas of a template, built from the layout's columns and a row number.

The writer writes them; the reader rebuilds them for the rows it finds (rows inserted or deleted
by hand move everything) to tell a formula overwritten by a constant or edited from one that is
intact.  Every leaf formula comes from the leaf's rule object (:mod:`xltools.rules`).
"""
from __future__ import annotations

from ..derive import Derivation
from ..model import Grades
from ..num import fmt
from ..rules import Refs, Rule
from ..rules.execution import Execution, rate_formula
from .cells import a1, a1_abs, span


def leaf_refs(col: dict[str, int], r: int) -> Refs:
    return Refs(weight=a1(r, col["weight"]), actual=a1(r, col["actual"]), target=a1(r, col["target"]),
                op=a1(r, col["op"]), manual=a1(r, col["manual"]))


def rule_score(rule: Rule, col: dict[str, int], r: int) -> str:
    """規則得分 (the rule's own score) of row ``r``."""
    return rule.formula(leaf_refs(col, r))


def counted_score(col: dict[str, int], r: int) -> str:
    """得分: the rule's score, or the evaluator's lower score when a 偏差原因 is written
    (mirrors :func:`xltools.scoring.score_leaf`)."""
    m, n, j = a1(r, col["manual"]), a1(r, col["rule_score"]), a1(r, col["reason"])
    return f"=IF(AND(ISNUMBER({m}),ROUND({m},2)>=0,ROUND({m},2)<{n},LEN(TRIM({j}))>0),ROUND({m},2),{n})"


def derived_actual(derive: Derivation, col: dict[str, int], r: int) -> str:
    return "=" + derive.formula([a1(r, col["in1"]), a1(r, col["in2"])])


def execution_rate(budget: tuple[int, int], spent: tuple[int, int]) -> str:
    return "=" + rate_formula(a1(*budget), a1(*spent))


def execution_score(weight: tuple[int, int], budget: tuple[int, int], spent: tuple[int, int]) -> str:
    return Execution().formula(Refs(weight=a1(*weight), target=a1(*budget), actual=a1(*spent)))


def column_sum(col: int, first: int, last: int, plus: tuple[int, int] | None = None) -> str:
    """ROUND(SUM(...),2), plus an absolute funding cell when the form has one."""
    extra = a1_abs(*plus) + "+" if plus else ""
    return f"=ROUND({extra}SUM({span(first, col, last, col)}),2)"


def grade(grades: Grades, total_ref: str) -> str:
    bands = grades.bands
    expr = f'"{bands[-1][1]}"'
    for low, label in reversed(bands[:-1]):
        expr = f'IF({total_ref}>={fmt(low)},"{label}",{expr})'
    return "=" + expr


def normalize(formula: str | None) -> str:
    """For comparing formulas: no leading '=', no '$', no spaces, upper case outside strings."""
    if formula is None:
        return ""
    parts = formula.strip().lstrip("=").split('"')
    for i in range(0, len(parts), 2):  # even parts are outside string literals
        parts[i] = parts[i].replace(" ", "").replace("$", "").upper()
    return '"'.join(parts)
