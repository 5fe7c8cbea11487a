"""Validation rules: a filing and its scorecard in, Issues out.  Pure, no I/O.

Stated scores are compared exactly at 2 places (the forms round scores to 2 places, so a stated
10 means 10.00).  Stated *rates* are compared at the precision they were written: a stated
99.4 % agrees with a computed 99.37 %, a stated 100 % does not.
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from .model import (
    FUNDING_COLUMNS,
    FUNDING_LABELS,
    FUNDING_SOURCES,
    FUNDING_USES,
    Filing,
    Form,
    Group,
    child_weight,
    key,
)
from .num import ZERO, fmt, pct, places, round_half_up, to_json
from .parse import parse
from .scoring import LeafResult, Scorecard, score
from .validation import Issue, Location, Report

FUNDING = "资金情况"
TOTAL = "总分"


def same_score(stated: Decimal, computed: Decimal) -> bool:
    return round_half_up(stated, 2) == round_half_up(computed, 2)


def agrees(stated: Decimal, computed: Decimal) -> bool:
    """True when ``computed`` rounded to the places ``stated`` was written with equals it (rates)."""
    return round_half_up(computed, min(places(stated), 10)) == stated


def check_form(form: Form) -> Iterator[Issue]:
    """Weights: children sum to their parent at every level; the whole sums to the form's total."""
    def walk(nodes, prefix):
        for node in nodes:
            if not isinstance(node, Group):
                continue
            path = prefix + (node.name,)
            if node.weight is not None and node.children:
                children = sum((child_weight(c) for c in node.children), ZERO)
                if children != node.weight:
                    yield Issue("weights-sum", "error", Location(key(path), "weight"),
                                f"“{node.name}”分值{fmt(node.weight)}分，下级指标分值合计{fmt(children)}分，应相等")
            yield from walk(node.children, path)

    yield from walk(form.indicators, ())
    total = form.indicator_weight() + (form.funding.weight if form.funding else ZERO)
    if total != form.total:
        parts = "、".join(f"{n.name}{fmt(child_weight(n))}" for n in form.indicators)
        if form.funding:
            parts = f"{form.funding.label}{fmt(form.funding.weight)}、" + parts
        yield Issue("total-weight", "error", Location(TOTAL, "weight"),
                    f"各项分值合计{fmt(total)}分（{parts}），应为{fmt(form.total)}分")


def check_leaf(r: LeafResult) -> Iterator[Issue]:
    where = r.key
    for p in r.problems:
        yield Issue(p.code, p.severity, Location(where, p.field), f"“{r.leaf.name}”：{p.message}")
    if r.stated_value.kind == "error" or (r.stated_value.kind == "text"):
        yield Issue("unparseable-value", "error", Location(where, "score"),
                    f"“{r.leaf.name}”得分“{r.stated_value.text}”不是数字")
    stated, w = r.stated, r.weight
    if stated is not None:
        if stated > w:
            yield Issue("score-exceeds-weight", "error", Location(where, "score"),
                        f"“{r.leaf.name}”得分{fmt(stated)}分超过分值{fmt(w)}分")
        elif stated < 0:
            yield Issue("score-negative", "error", Location(where, "score"), f"“{r.leaf.name}”得分不能为负数")
        elif not r.judged and r.rule_score is not None and not same_score(stated, r.rule_score):
            if r.score == stated:
                yield Issue("score-overridden", "review", Location(where, "score"),
                            f"“{r.leaf.name}”按规则应得{fmt(r.rule_score)}分，填报{fmt(stated)}分，已按偏差原因采用填报得分")
            else:
                hint = "填报得分高于规则得分，按规则计" if stated > r.rule_score else "如需按实际情况扣分，请在偏差原因中说明"
                yield Issue("score-differs-from-rule", "error", Location(where, "score"),
                            f"“{r.leaf.name}”填报{fmt(stated)}分，按规则应得{fmt(r.rule_score)}分（{r.explanation}）；{hint}")
    if r.score < w and not r.reason and r.rule_score is not None:
        yield Issue("missing-reason", "review", Location(where, "reason"),
                    f"“{r.leaf.name}”扣了{fmt(w - r.score)}分，请填写偏差原因分析及改进措施")
    if r.target.is_blank and r.leaf.rule.kind == "national" and r.actual.is_number:
        yield Issue("missing-target", "review", Location(where, "target"), f"“{r.leaf.name}”未填写年度指标值")


def check_funding(filing: Filing, card: Scorecard) -> Iterator[Issue]:
    rows = {name: {col: parse(getattr(row, col)) for col in FUNDING_COLUMNS} for name, row in filing.funding.items()}
    for name, values in rows.items():
        for col, value in values.items():
            if value.kind in ("error", "text"):
                looks = parse(value.text).is_number  # "1,112.67" typed as text: formulas cannot add it
                yield Issue("not-a-number" if looks else "unparseable-value", "error",
                            Location(FUNDING, f"{name}.{col}"),
                            f"{FUNDING_LABELS[name]}的{FUNDING_COLUMNS[col]}“{value.text}”"
                            f"{'是文字格式的数字，公式无法计算' if looks else '不是数字'}，请只填数字（万元）")
        b, s = values["budget"], values["spent"]
        if b.is_number and s.is_number and s.amount > b.amount:
            yield Issue("spent-exceeds-budget", "error", Location(FUNDING, f"{name}.spent"),
                        f"{FUNDING_LABELS[name].removeprefix('其中：')}：全年执行数{fmt(s.number)}万元超过全年预算数{fmt(b.number)}万元")
    total = rows.get("total", {})
    for col, label in FUNDING_COLUMNS.items():
        whole = total.get(col)
        parts = [rows[n][col] for n in FUNDING_SOURCES if n in rows]
        if whole is None or not whole.is_number:
            continue
        for name in (*FUNDING_SOURCES, *FUNDING_USES):
            part = rows.get(name, {}).get(col)
            if part is not None and part.is_number and part.amount > whole.amount:
                yield Issue("subamount-exceeds-total", "error", Location(FUNDING, f"{name}.{col}"),
                            f"{FUNDING_LABELS[name].removeprefix('其中：')}的{label}{fmt(part.number)}万元"
                            f"大于合计{fmt(whole.number)}万元，可能多输了一位")
        numbers = [p.amount for p in parts if p.is_number]
        if numbers and sum(numbers, ZERO) != whole.amount and all(n <= whole.amount for n in numbers):
            yield Issue("funding-sum", "review", Location(FUNDING, f"total.{col}"),
                        f"{label}：各资金来源合计{fmt(sum(numbers, ZERO))}万元，与年度资金总额{fmt(whole.number)}万元不等")
    f = card.funding
    if f is None:
        return
    for p in f.problems:
        yield Issue(p.code, p.severity, Location(FUNDING, f"total.{'budget' if p.field == 'target' else 'spent'}"),
                    p.message)
    stated_rate = parse(filing.stated_rate)
    if stated_rate.is_number and f.rate is not None:
        n = stated_rate.amount
        rate = n if stated_rate.ratio or n <= Decimal("1.5") else n / 100
        if places(rate) < 2:  # 1.0 typed as 100%: at least whole percents
            rate = rate.quantize(Decimal("0.01"))
        if not agrees(rate, f.rate):
            yield Issue("rate-differs", "error", Location(FUNDING, "rate"),
                        f"填报执行率{stated_rate.text}，按全年执行数/全年预算数计算应为{pct(f.rate)}")
    stated_score = parse(filing.stated_funding_score)
    if stated_score.is_number and not same_score(stated_score.amount, f.score):
        yield Issue("funding-score-differs", "error", Location(FUNDING, "score"),
                    f"资金得分填报{fmt(stated_score.number)}分，应为{fmt(f.score)}分（{f.explanation}）")


def check_totals(card: Scorecard) -> Iterator[Issue]:
    for g in card.groups:
        if g.stated is not None and not same_score(g.stated, g.score):
            yield Issue("subtotal-differs", "error", Location(g.key, "score"),
                        f"“{g.name}”小计填报{fmt(g.stated)}分，明细合计{fmt(g.score)}分")
    for g in card.groups:
        if g.stated is not None and g.stated > g.weight:
            yield Issue("score-exceeds-weight", "error", Location(g.key, "score"),
                        f"“{g.name}”小计{fmt(g.stated)}分超过其分值{fmt(g.weight)}分")
    full = card.form.indicator_weight() + (card.funding.weight if card.funding else ZERO)
    if card.stated_total is not None and card.stated_total > max(full, card.form.total):
        yield Issue("score-exceeds-weight", "error", Location(TOTAL, "score"),
                    f"总分填报{fmt(card.stated_total)}分，超过满分{fmt(max(full, card.form.total))}分（小计行可能被当作指标重复相加）")
    if card.stated_total is not None and not same_score(card.stated_total, card.total):
        yield Issue("total-differs", "error", Location(TOTAL, "score"),
                    f"总分填报{fmt(card.stated_total)}分，重新计算为{fmt(card.total)}分")
    if card.stated_grade and not _same_grade(card.stated_grade, card.grade):
        yield Issue("grade-differs", "error", Location(TOTAL, "grade"),
                    f"等级填报“{card.stated_grade}”，按重新计算的总分{fmt(card.total)}分应为“{card.grade}”")


def _same_grade(stated: str, computed: str) -> bool:
    stated = stated.strip().replace("等级", "").strip("：: ")
    return stated == computed or stated[:1] == computed[:1]


def check(filing: Filing, card: Scorecard | None = None) -> Report:
    """All checks for one filing.  ``stats`` carries the recomputed totals."""
    card = card or score(filing)
    issues = list(check_form(filing.form))
    for r in card.leaves:
        issues.extend(check_leaf(r))
    issues.extend(check_funding(filing, card))
    issues.extend(check_totals(card))
    stats = {"unit": filing.unit, "year": filing.year, "form": filing.form.id, "total": to_json(card.total),
             "grade": card.grade, "leaves": len(card.leaves),
             "execution_rate": to_json(card.funding.rate) if card.funding else None}
    return Report(issues=tuple(issues), stats=stats)

