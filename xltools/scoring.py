"""Score a filing: every leaf by its rule, roll up by level, total, grade.  Pure, Decimal, no I/O.

Which score counts for a leaf (the *recomputed* score):

* computed rules: the rule's score.  A stated score *below* it counts instead when a reason
  is written (a deduction by judgement, seed 001: 4 points for 98 % of 100 %); a stated score
  above it never counts;
* judged rules (定性, 人工, or a national leaf whose values are not numbers): the evaluator's
  score, kept within [0, weight];
* nothing computable (value missing or unreadable): 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from typing import Any

from .model import Filing, Form, Group, Leaf, key
from .num import ZERO, fmt, round2, to_json
from .parse import BLANK, PERCENT_POINTS_ABOVE, Value, number, parse
from .rules import Problem, Rule, RuleInput
from .rules.execution import Execution, execution_rate

#: Characters that do not make a 偏差原因 (space, tab, no-break space, full-width space): a reason
#: of only these is missing, in Python and in the template's formulas (xlsx.formulas.has_text).
REASON_BLANKS = " \t\u00a0\u3000"


@dataclass(frozen=True)
class LeafResult:
    path: tuple[str, ...]
    leaf: Leaf
    target: Value
    actual: Value
    stated: Decimal | None
    stated_value: Value  # the stated score as parsed (to report unreadable ones)
    rule_score: Decimal | None
    score: Decimal
    explanation: str
    judged: bool
    reason: str
    problems: tuple[Problem, ...] = ()

    @property
    def key(self) -> str:
        return key(self.path)

    @property
    def weight(self) -> Decimal:
        return self.leaf.weight

    @property
    def lost(self) -> Decimal:
        return self.weight - self.score

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.key, "name": self.leaf.name, "weight": to_json(self.weight), "rule": self.leaf.rule.kind,
                "target": self.target.text, "actual": self.actual.display() if self.actual.is_number else self.actual.text,
                "stated_score": to_json(self.stated), "rule_score": to_json(self.rule_score), "score": to_json(self.score),
                "judged": self.judged, "explanation": self.explanation, "reason": self.reason}


@dataclass(frozen=True)
class GroupResult:
    path: tuple[str, ...]
    weight: Decimal
    score: Decimal
    stated: Decimal | None = None

    @property
    def key(self) -> str:
        return key(self.path)

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def deduction(self) -> Decimal:
        return self.weight - self.score

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.key, "weight": to_json(self.weight), "score": to_json(self.score),
                "deduction": to_json(self.deduction), "stated_score": to_json(self.stated)}


@dataclass(frozen=True)
class FundingResult:
    weight: Decimal
    budget: Decimal | None
    spent: Decimal | None
    rate: Decimal | None
    score: Decimal
    explanation: str
    problems: tuple[Problem, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"weight": to_json(self.weight), "budget": to_json(self.budget), "spent": to_json(self.spent),
                "rate": to_json(self.rate), "score": to_json(self.score), "explanation": self.explanation}


@dataclass(frozen=True)
class Scorecard:
    form: Form
    leaves: tuple[LeafResult, ...]
    groups: tuple[GroupResult, ...]
    funding: FundingResult | None
    total: Decimal
    grade: str
    stated_total: Decimal | None = None
    stated_grade: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def group(self, path: tuple[str, ...] | str) -> GroupResult:
        return self._groups[path if isinstance(path, str) else key(path)]

    def leaf(self, path: tuple[str, ...] | str) -> LeafResult:
        return self._leaves[path if isinstance(path, str) else key(path)]

    @cached_property
    def _groups(self) -> dict[str, GroupResult]:
        return {g.key: g for g in reversed(self.groups)}  # the first of equal keys, as a scan would find

    @cached_property
    def _leaves(self) -> dict[str, LeafResult]:
        return {r.key: r for r in reversed(self.leaves)}

    def top_groups(self) -> tuple[GroupResult, ...]:
        return tuple(g for g in self.groups if len(g.path) == 1)

    def to_dict(self) -> dict[str, Any]:
        return {"form": self.form.id, "total": to_json(self.total), "grade": self.grade,
                "stated_total": to_json(self.stated_total), "stated_grade": self.stated_grade,
                "funding": self.funding.to_dict() if self.funding else None,
                "groups": [g.to_dict() for g in self.groups], "leaves": [r.to_dict() for r in self.leaves]}


# ---------------------------------------------------------------------------


def stated_number(raw) -> tuple[Decimal | None, Value]:
    value = parse(raw)
    return (value.number if value.is_number else None), value


def prepare_actual(rule: Rule, actual: Value) -> tuple[Value, str | None]:
    """Rate rules get fractions: a plain 93 typed for a rate is read as 93 %."""
    n = actual.number
    if rule.reads_rate and n is not None and not actual.ratio and abs(n) > PERCENT_POINTS_ABOVE:
        return replace(actual, number=n / 100, ratio=True, unit="%"), f"实际值{fmt(n)}按百分数{fmt(n)}%理解"
    return actual, None


def derived_actual(leaf: Leaf, inputs) -> tuple[Value | None, Problem | None]:
    """The derived rate from raw inputs; None when no input was typed at all."""
    derive = leaf.derive
    if derive is None:
        return None, None
    values = [parse(inputs.get(name)) for name in derive.inputs]
    if all(v.is_blank for v in values):
        return None, None
    for i, (name, v) in enumerate(zip(derive.inputs, values), 1):
        if v.kind in ("text", "error"):
            return None, Problem("not-a-number", f"计算依据“{name}”填的是“{v.text}”，不是数字，{leaf.name}无法计算",
                                 field=f"in{i}")
    rate = derive.compute([v.number for v in values])  # None unless a number
    if rate is None:
        missing = [n for n, v in zip(derive.inputs, values) if not v.is_number]
        why = f"缺少或无法识别：{'、'.join(missing)}" if missing else "分母为0"
        return None, Problem("derive-undefined", f"{derive.describe()} 无法计算（{why}）",
                             field="actual", severity="review")
    return number(rate, unit="%", ratio=True), None


def score_leaf(path: tuple[str, ...], leaf: Leaf, entry) -> LeafResult:
    target = parse(entry.target if entry.target is not None else leaf.target)
    actual = parse(entry.actual)
    problems: tuple[Problem, ...] = ()
    if leaf.derive is not None:
        derived, problem = derived_actual(leaf, entry.inputs)
        if problem:
            problems += (problem,)
        if derived is not None or problem is not None:
            # inputs were given: the rate is theirs (or undefined), never a value typed beside them
            actual = derived if derived is not None else BLANK
    actual, note = prepare_actual(leaf.rule, actual)
    stated, stated_value = stated_number(entry.score)
    # the evaluator's own score: a separate 评价人评分 cell in our templates, else the stated 得分
    manual = stated_number(entry.manual)[0]
    judgement = manual if manual is not None else stated
    reason = (entry.reason or "").strip(REASON_BLANKS)  # like the formula's has_text: blanks are no reason
    raw_actual = entry.actual.text if isinstance(entry.actual, Value) else ("" if entry.actual is None else str(entry.actual))
    outcome = leaf.rule.evaluate(RuleInput(leaf.weight, target, actual, judgement, entry.band, raw_actual))
    if any(p.code == "not-a-number" and p.field.startswith("in") for p in problems):
        # the input that is not a number says why; "value missing" would only repeat it
        problems += tuple(p for p in outcome.problems if p.code != "missing-value")
    else:
        problems += outcome.problems
    rule_score = round2(outcome.score) if outcome.score is not None else None
    explanation = outcome.explanation + (f"（{note}）" if note else "")
    if outcome.judged:
        counted = rule_score if rule_score is not None else ZERO
    elif rule_score is None:
        counted = ZERO
    elif judgement is not None and reason and 0 <= round2(judgement) < rule_score:
        counted = round2(judgement)
        explanation += f"；评价人按实际情况调整为{fmt(counted)}分"
    else:
        counted = rule_score
    return LeafResult(path=path, leaf=leaf, target=target, actual=actual, stated=stated, stated_value=stated_value,
                      rule_score=rule_score, score=counted, explanation=explanation, judged=outcome.judged,
                      reason=reason, problems=problems)


def score_funding(filing: Filing) -> FundingResult | None:
    funding = filing.form.funding
    if funding is None:
        return None
    row = filing.funding.get("total")
    budget = parse(row.budget if row else None)
    spent = parse(row.spent if row else None)
    outcome = Execution().evaluate(RuleInput(funding.weight, target=budget, actual=spent))
    b = budget.number if budget.is_number else None
    s = spent.number if spent.is_number else None
    return FundingResult(weight=funding.weight, budget=b, spent=s, rate=execution_rate(b, s),
                         score=round2(outcome.score or ZERO),  # the execution rule always scores
                         explanation=outcome.explanation, problems=outcome.problems)


def score(filing: Filing) -> Scorecard:
    """Recompute every score of a filing."""
    form = filing.form
    leaves = tuple(score_leaf(path, leaf, filing.entry(path)) for path, leaf in form.leaves())
    by_key = {r.key: r for r in leaves}
    groups: list[GroupResult] = []

    def roll(nodes, prefix) -> Decimal:
        total = ZERO
        for node in nodes:
            path = prefix + (node.name,)
            if isinstance(node, Leaf):
                total += by_key[key(path)].score
                continue
            sub = roll(node.children, path)
            stated, _ = stated_number(filing.stated_subtotals.get(key(path)))
            groups.append(GroupResult(path=path, weight=node.total_weight(), score=sub, stated=stated))
            total += sub
        return total

    indicator_total = roll(form.indicators, ())
    groups.sort(key=lambda g: _order(form, g.path))
    funding = score_funding(filing)
    total = indicator_total + (funding.score if funding else ZERO)
    stated_total, _ = stated_number(filing.stated_total)
    return Scorecard(form=form, leaves=leaves, groups=tuple(groups), funding=funding, total=total,
                     grade=form.grades.grade(total), stated_total=stated_total,
                     stated_grade=(filing.stated_grade or None))


def _order(form: Form, path: tuple[str, ...]) -> list[int]:
    """Document order of a group path."""
    out, nodes = [], form.indicators
    for name in path:
        index = next(i for i, n in enumerate(nodes) if n.name == name)
        out.append(index)
        node = nodes[index]
        nodes = node.children if isinstance(node, Group) else ()
    return out
