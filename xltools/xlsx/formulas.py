"""The formulas of a template, built from the layout's columns and a row number.

The writer writes them; the reader rebuilds them for the rows it finds (rows inserted or deleted
by hand move everything) to tell a formula overwritten by a constant or edited from one that is
intact.  Every leaf formula comes from the leaf's rule object (:mod:`xltools.rules`).
"""
from __future__ import annotations

import re

from ..derive import Derivation
from ..model import Grades
from ..num import fmt
from ..rules import Refs, Rule
from ..rules.execution import Execution, rate_formula
from ..scoring import REASON_BLANKS
from .cells import a1, a1_abs, span, span_abs


def leaf_refs(col: dict[str, int], r: int) -> Refs:
    return Refs(weight=a1(r, col["weight"]), actual=a1(r, col["actual"]), target=a1(r, col["target"]),
                op=a1(r, col["op"]), manual=a1(r, col["manual"]))


def rule_score(rule: Rule, col: dict[str, int], r: int) -> str:
    """规则得分 (the rule's own score) of row ``r``; 0 while the row's 分值 is not a number (a blank
    or text weight scores nothing, as Python reads it: never MIN over a blank, never text as a score)."""
    refs = leaf_refs(col, r)
    return f"=IF(ISNUMBER({refs.weight}),{rule.formula(refs).lstrip('=')},0)"


def has_text(ref: str) -> str:
    """Formula: the cell holds more than blanks (spaces, tabs, no-break and full-width spaces), like
    :data:`xltools.scoring.REASON_BLANKS` in Python."""
    inner = ref
    for ch in REASON_BLANKS:
        if ch != " ":
            old = "CHAR(9)" if ch == "\t" else f'"{ch}"'
            inner = f'SUBSTITUTE({inner},{old}," ")'
    return f"LEN(TRIM({inner}))>0"


def counted_score(col: dict[str, int], r: int) -> str:
    """得分: the rule's score, or the evaluator's lower score when a 偏差原因 is written
    (mirrors :func:`xltools.scoring.score_leaf`).  Nested IFs, not AND: AND evaluates every
    argument, and ROUND over a text score ("8分") would put #VALUE! into the score and the total."""
    m, n, j = a1(r, col["manual"]), a1(r, col["rule_score"]), a1(r, col["reason"])
    return (f"=IF(ISNUMBER({m}),IF(AND(ROUND({m},2)>=0,ROUND({m},2)<{n},{has_text(j)}),ROUND({m},2),{n}),{n})")


def derived_actual(derive: Derivation, col: dict[str, int], r: int) -> str:
    return "=" + derive.formula([a1(r, col["in1"]), a1(r, col["in2"])])


def execution_rate(budget: tuple[int, int], spent: tuple[int, int]) -> str:
    return "=" + rate_formula(a1(*budget), a1(*spent))


def execution_score(weight: tuple[int, int], budget: tuple[int, int], spent: tuple[int, int]) -> str:
    return Execution().formula(Refs(weight=a1(*weight), target=a1(*budget), actual=a1(*spent)))


def column_sum(col: int, first: int, last: int, plus: tuple[int, int] | None = None,
               inputs: str | None = None) -> str:
    """ROUND(SUM(...),2), plus an absolute funding cell when the form has one; with ``inputs``
    (a COUNTA argument list, :func:`input_ranges`) blank until some input is typed."""
    extra = a1_abs(*plus) + "+" if plus else ""
    total = f"ROUND({extra}SUM({span(first, col, last, col)}),2)"
    return f'=IF(COUNTA({inputs})=0,"",{total})' if inputs else "=" + total


def input_ranges(cells) -> str:
    """COUNTA arguments for input cells ((row, col) pairs): runs of rows per column, absolute,
    column by column — the writer and the reader build the same text from the same cells."""
    parts = []
    for c in sorted({c for _, c in cells}):
        rows = sorted({r for r, cc in cells if cc == c})
        start = prev = rows[0]
        for r in rows[1:] + [None]:
            if r is not None and r == prev + 1:
                prev = r
                continue
            parts.append(span_abs(start, c, prev, c) if prev != start else a1_abs(start, c))
            if r is not None:
                start = prev = r
    return ",".join(parts)


def grade(grades: Grades, total_ref: str) -> str:
    """The grade of the total; blank while the total is blank (a text total would grade 优)."""
    bands = grades.bands
    expr = f'"{bands[-1][1]}"'
    for low, label in reversed(bands[:-1]):
        expr = f'IF({total_ref}>={fmt(low)},"{label}",{expr})'
    return f'=IF(ISNUMBER({total_ref}),{expr},"")'


def normalize(formula: str | None) -> str:
    """For comparing formulas: no leading '=', no '$', no spaces, upper case outside strings."""
    if formula is None:
        return ""
    parts = formula.strip().lstrip("=").split('"')
    for i in range(0, len(parts), 2):  # even parts are outside string literals
        parts[i] = _ONE_CELL.sub(r"\1", parts[i].replace(" ", "").replace("$", "").upper())
    return '"'.join(parts)


#: "H11:H11" (what a range becomes when rows around it are deleted) is "H11"
_ONE_CELL = re.compile(r"\b([A-Z]{1,3}[0-9]+):\1\b")
