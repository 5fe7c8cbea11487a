"""Hypothesis strategies: random *filing dicts* (the format of :mod:`xltools.filing`) per shipped form.

A filing dict is what a YAML filing file holds (see ``xltools/data/zhuzhou-2021.yaml``)::

    {"form": "dept", "unit": ..., "year": ..., "funding": {"total": {"budget": ..., "spent": ...}},
     "indicators": [{"parent": "产出指标/数量指标", "leaf": ..., "weight": ..., "target": ..., ...},
                    {"path": "过程/预算执行/预算完成率", "inputs": {...}, "score": ...}]}

Values are kept realistic (what people type into 自评表) with the edges that matter to two
engines computing the same score: exact thresholds (a = t, 95 %, 100 %, a = 2t for ≤ rules),
zero budgets, spent above budget, *half-cent ties* (a score whose exact value ends in 5 at the
third decimal, e.g. (2·30 − 59.9)/30 × 4.5 = 0.015) and 执行率 ties at the fifth decimal.

``filing_dicts(form_id, avoid=KNOWN_BUGS)`` draws one filing.  ``avoid`` names input classes
that hit a known engine mismatch (see ``KNOWN_BUGS``); the cross-engine test keeps them out of
its random fillings and pins each with a ``xfail(strict=True)`` reproducer instead.
"""
from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction
from functools import lru_cache

from hypothesis import strategies as st

from xltools.model import FUNDING_COLUMNS, FUNDING_ROWS, Group, key
from xltools.parse import PERCENT_POINTS_ABOVE, parse
from xltools.rules.checklist import Checklist
from xltools.rules.converted import Converted
from xltools.rules.judged import BAND_SHORT, BANDS, Manual
from xltools.rules.national import DIRECTIONS, National
from xltools.rules.step import Step
from xltools.rules.tiers import Tiers
from xltools.spec import load_form

NATIONAL_FORMS = ("dept", "project", "goals", "dept-40-20-20")
CRITERIA_FORMS = ("hubei", "yunnan")
FORMS = NATIONAL_FORMS + CRITERIA_FORMS

#: Input classes on which LibreOffice and Python's Scorecard disagree (open bugs, see the
#: reproducers in tests/test_cross_engine.py).  Remove an entry when its bug is fixed.
#:
#: * ``percent-vs-plain`` — a national-rule leaf whose target is a percentage and whose actual
#:   value is a plain number above 1.5 (or the other way round): Python reads 93 as 93 %
#:   (parse.align), the Excel formula compares 0.98 with 93.
#: * ``reverse-tie`` — a 反向 (≤, <) leaf whose exact score (1 − (a − t)/t)·w ends in a half
#:   cent (e.g. 0.015): 1 − (a − t)/t cancels digits in both engines, so either may round the
#:   tie down — Python's 28-digit Decimal (≤30, 59.9, w 4.5: 0.01 instead of 0.02) or
#:   LibreOffice's doubles (≤12, 23.94, w 1: 0.00 instead of 0.01).
KNOWN_BUGS: frozenset[str] = frozenset()  # both fixed: writer aligns units; scores are guard-rounded

BAND_LABELS = [b[0] for b in BANDS] + list(BAND_SHORT)
UNITS = ["件", "万元", "%", ""]
LEAF_NAMES = ["执法案件", "罚没收入", "违法案件处罚错案率", "日常执法", "执法成本", "市容市貌", "环境卫生",
              "城管违法事件", "执法满意率", "道路清扫面积", "垃圾清运量", "案件办结率", "设施完好率",
              "投诉处理及时率", "群众满意度", "培训人次", "巡查里程", "绿化覆盖率", "整改完成率", "宣传活动次数"]
QUALITATIVE = ["整洁有序", "整洁、有序、舒适", "按时完成", "效果显著", "不超预算", "全年365天，全天24小时",
               "工地防尘要求“8个100%”", "达到质量标准"]
ACTUAL_TEXT = ["完成", "基本完成", "已完成", "未完成", "达标", "及时发现及时处理", "效果显著", "市级120件"]
GARBAGE = ["1..5", "12,34", "≥", "#DIV/0!", "--3", "9.8.7%", "约"]
REASONS = [None, "", " ", "   ", "部分广告牌业主未配合拆除，扣2分", "新建道路绿化未完工", "节假日客流大，保洁不及时",
           " 资金拨付滞后 ", "按实际情况扣分"]
UNITS_OF_UNITS = ["株洲市城市管理综合行政执法支队", "城管督察大队", "安宁市城市管理局", "市容环境卫生管理处", ""]
OPERATORS = ["≥", ">", "≤", "<", "=", ""]
#: how people spell the operators (all read by xltools.parse)
SPELLINGS = {"≥": ["≥", ">=", "不少于", "不低于"], "≤": ["≤", "<=", "≦", "不超过"], ">": [">", "高于"],
             "<": ["<", "低于"], "=": ["=", "等于"], "": [""]}


def text(d: D) -> str:
    """A Decimal as people type it (no exponent)."""
    return format(d, "f")


def as_typed(d: D):
    """A plain number as YAML gives it: int when whole, else float (repr round-trips)."""
    return int(d) if d == d.to_integral_value() else float(d)


def decimals(lo, hi, places):
    return st.decimals(min_value=D(lo), max_value=D(hi), places=places, allow_nan=False, allow_infinity=False)


@lru_cache(maxsize=None)
def form_of(form_id: str):
    return load_form(form_id)


@lru_cache(maxsize=None)
def leaf_parents(form_id: str) -> tuple[str, ...]:
    """Group paths whose children are not groups (where a unit adds its own 三级指标)."""
    return tuple(key(path) for path, group in form_of(form_id).groups()
                 if not any(isinstance(c, Group) for c in group.children))


# ---------------------------------------------------------------------------
# Numbers

#: counts and amounts: ints, 1 and 2 decimals, zero, sometimes negative
MAGNITUDES = st.one_of(
    st.integers(0, 1000).map(D),
    decimals(0, 1000, 1),
    decimals(0, 1000, 2),
    st.just(D(0)),
    st.sampled_from([D(1), D(5), D(10), D(100), D(300), D(365), D("0.5"), D(30)]),
    st.integers(-50, -1).map(D),
)
#: percent points (93.5 means 93.5 %)
PERCENT_POINTS = st.one_of(
    st.sampled_from([D(0), D(60), D(75), D(80), D(85), D(90), D(95), D(98), D(100), D(120), D(200),
                     D("94.99"), D("95.01"), D("99.5")]),
    st.integers(0, 200).map(D),
    decimals(0, 200, 1),
    decimals(0, 200, 2),
)
WEIGHTS = st.integers(1, 40).map(lambda n: D(n) / 2)  # 0.5 – 20, step 0.5


def typed_number(number: D, unit: str, op: str = "") -> st.SearchStrategy:
    """How a number with unit is typed: text ``≥98%``, or a bare number where that reads the same."""
    spell = st.sampled_from(SPELLINGS[op]) if op else st.just("")
    if unit == "%":
        as_text = spell.map(lambda s: f"{s}{text(number)}%")
        if op == "":
            fraction = number.scaleb(-2)  # 98% typed as 0.98 (a fraction cell)
            return st.one_of(as_text, st.just(as_typed(fraction)))
        return as_text
    as_text = spell.map(lambda s: f"{s}{text(number)}{unit}")
    if unit == "" and op == "":
        return st.one_of(as_text, st.just(as_typed(number)))
    return as_text


# ---------------------------------------------------------------------------
# National-layout forms: a unit's own leaves


@st.composite
def target_and_actual(draw, avoid=frozenset()):
    """(target, actual, weight or None) as typed; the weight is fixed only for half-cent ties."""
    shape = draw(st.sampled_from(["number"] * 8 + ["text", "blank"]))
    if shape == "text":
        return draw(st.sampled_from(QUALITATIVE)), draw(actual_free()), None
    if shape == "blank":
        return draw(st.sampled_from([None, ""])), draw(actual_free()), None
    op = draw(st.sampled_from(OPERATORS))
    unit = draw(st.sampled_from(UNITS))
    t = draw(PERCENT_POINTS if unit == "%" else MAGNITUDES)
    if draw(st.integers(0, 9)) == 0:  # a negative target now and then
        t = -abs(t) if t else D(-5)
    target = draw(typed_number(t, unit, op))
    how = draw(st.sampled_from(["same", "double", "near", "scaled", "scaled", "independent", "percent",
                                "tie", "tie", "text", "blank", "garbage"]))
    weight = None
    if how == "tie":
        target, actual, weight = draw(tie(op, avoid))
    elif how in ("text", "blank", "garbage"):
        actual = draw(actual_free(how))
    else:
        if how == "same":
            a = t
        elif how == "double":
            a = 2 * t
        elif how == "near":
            a = t + draw(st.sampled_from([D("0.01"), D("-0.01"), D("0.1"), D("-0.1"), D(1), D(-1)]))
        elif how == "scaled":
            a = (t * draw(decimals(0, "2.5", 2))).quantize(D("0.01"))
        elif how == "percent":
            a = draw(PERCENT_POINTS)
        else:
            a = draw(PERCENT_POINTS if unit == "%" else MAGNITUDES)
        a_unit = unit if how != "percent" else "%"
        if draw(st.integers(0, 5)) == 0:  # the actual in another unit now and then
            a_unit = draw(st.sampled_from(UNITS))
        actual = draw(typed_number(a, a_unit))
    if "percent-vs-plain" in avoid:
        actual = _same_kind(target, actual)
    return target, actual, weight


def _same_kind(target, actual):
    """Keep a percent target with a percent actual (and a plain target with a plain actual)
    when ``percent-vs-plain`` is avoided: that mismatch is pinned by its own test."""
    t, a = parse(target), parse(actual)
    if not (t.is_number and a.is_number) or t.ratio == a.ratio:
        return actual
    if t.ratio and abs(a.number) > PERCENT_POINTS_ABOVE:
        return f"{text(a.number)}%"  # 93 -> 93%
    if a.ratio and abs(t.number) > PERCENT_POINTS_ABOVE:
        return text((a.number * 100).normalize())  # 93.5% -> 93.5
    return actual


@st.composite
def tie(draw, op: str, avoid=frozenset()):
    """A target/actual/weight whose exact score ends in a half cent.

    ≤/<: score = (2t − a)/t·w; with w = n/2 and 2t − a = k/100 the score is k·n/(200·t), a
    half cent when k·n/t is odd.  ≥/>/=/none: score = a/t·w = j·n/(200·t) for a = j/100.
    """
    t = D(draw(st.sampled_from([3, 6, 7, 9, 11, 12, 30, 60, 70, 90, 300, 700])))
    n = draw(st.integers(1, 40))
    w = D(n) / 2
    m = draw(st.sampled_from([1, 3, 5, 7, 9, 11, 13, 15, 21, 33, 99, 101, 151]))
    k = t * m / n  # hundredths
    reverse = op in ("≤", "<")
    if k != k.to_integral_value() or not 0 < k < 100 * t:  # a within (t, 2t), resp. (0, t)
        k = None
    if k is None or (reverse and "reverse-tie" in avoid):
        # no tie for these numbers: a plain near-threshold case instead
        a = (t * D("0.97")).quantize(D("0.01"))
    else:
        a = (2 * t - k / 100) if reverse else k / 100
    target = draw(typed_number(t, "", op))
    actual = draw(typed_number(a, ""))
    return target, actual, w


@st.composite
def actual_free(draw, how=None):
    how = how or draw(st.sampled_from(["text", "blank", "garbage", "number", "percent"]))
    if how == "text":
        return draw(st.sampled_from(ACTUAL_TEXT))
    if how == "blank":
        return draw(st.sampled_from([None, "", "  "]))
    if how == "garbage":
        return draw(st.sampled_from(GARBAGE))
    if how == "percent":
        return f"{text(draw(PERCENT_POINTS))}%"
    return draw(typed_number(draw(MAGNITUDES), draw(st.sampled_from(["件", "万元", ""]))))


def score_like(w: D) -> st.SearchStrategy:
    """A stated or evaluator's score: within the weight, on the edges, beyond it, unreadable."""
    return st.one_of(
        decimals(0, w, 2).map(as_typed),
        st.sampled_from([as_typed(w), 0, as_typed(w * D("0.8")), as_typed(w * D("0.6")),
                         as_typed((w * D("0.8") - D("0.01")).max(D(0)))]),
        decimals(0, w, 3).map(as_typed),  # ROUND(m, 2) ties such as 2.675
        st.sampled_from([as_typed(w + 1), as_typed(w * 2), -1, -0.5]),
        st.sampled_from(["满分", "", "4分"]),
        decimals(0, w, 2).map(text),  # typed as text "4.5"
    )


@st.composite
def judgement(draw, w: D) -> dict:
    """Optional score / manual / reason / band of one row."""
    out = {}
    if draw(st.integers(0, 2)) == 0:
        out["score"] = draw(score_like(w))
    if draw(st.integers(0, 2)) == 0:
        out["manual"] = draw(score_like(w))
    if draw(st.integers(0, 1)) == 0:
        reason = draw(st.sampled_from(REASONS))
        if reason is not None:
            out["reason"] = reason
    if draw(st.integers(0, 3)) == 0:
        out["band"] = draw(st.sampled_from(BAND_LABELS))
    return out


@st.composite
def own_leaf(draw, parent: str, name: str, avoid=frozenset()) -> dict:
    target, actual, w = draw(target_and_actual(avoid))
    weight = w if w is not None else draw(WEIGHTS)
    item = {"parent": parent, "leaf": name, "weight": as_typed(weight)}
    if target is not None or draw(st.booleans()):
        item["target"] = target
    if actual is not None or draw(st.booleans()):
        item["actual"] = actual
    if draw(st.integers(0, 3)) == 0:
        item["direction"] = draw(st.sampled_from(["正向", "反向", "等于", "定性"]))
    if "reverse-tie" in avoid and "actual" in item:
        item["actual"] = _no_reverse_tie(item.get("target"), item["actual"], weight, item.get("direction"))
    item.update(draw(judgement(weight)))
    return item


def reverse_tie(target, actual, weight, direction=None) -> bool:
    """Is this a 反向 (≤, <) row whose exact score (2t − a)/t·w ends in a half cent?"""
    t, a = parse(target), parse(actual)
    if direction == "定性" or not (t.is_number and a.is_number):
        return False
    if (t.op or DIRECTIONS.get(direction or "")) not in ("≤", "<"):
        return False
    tt, aa = Fraction(t.number), Fraction(a.number)
    if not 0 < tt < aa < 2 * tt:
        return False
    cents2 = (2 * tt - aa) / tt * Fraction(weight) * 200
    return cents2.denominator == 1 and cents2.numerator % 2 == 1


def _no_reverse_tie(target, actual, weight, direction):
    """The actual moved by 0.01 (in its own unit) until the row is no longer a half-cent tie."""
    while reverse_tie(target, actual, weight, direction):
        a = parse(actual)
        if a.ratio:
            actual = f"{text((a.number * 100 + D('0.01')).normalize())}%"
        else:
            actual = text((a.number + D("0.01")).normalize()) + a.unit
    return actual


@st.composite
def own_leaves(draw, form_id: str, avoid=frozenset()) -> list[dict]:
    parents = leaf_parents(form_id)
    n = draw(st.sampled_from([3, 2, 1, 0, 3, 2]))  # 0–3 leaves, mostly some
    picks = draw(st.lists(st.tuples(st.sampled_from(parents), st.sampled_from(LEAF_NAMES)),
                          min_size=n, max_size=n, unique=True))
    return [draw(own_leaf(parent, name, avoid)) for parent, name in picks]


# ---------------------------------------------------------------------------
# Funding (national forms)

MONEY = decimals(0, "99999.99", 2)


@st.composite
def money(draw):
    kind = draw(st.sampled_from(["float"] * 6 + ["zero", "none", "text", "thousands", "string"]))
    if kind == "zero":
        return 0
    if kind == "none":
        return None
    if kind == "text":
        return draw(st.sampled_from(["一千", "约100", "—"]))
    d = draw(MONEY)
    if kind == "thousands":
        return f"{d:,.2f}"
    if kind == "string":
        return text(d)
    return as_typed(d)


@st.composite
def budget_and_spent(draw) -> tuple:
    """全年预算数, 全年执行数 with the edges: equal, spent > budget, zero budget, 执行率 ties."""
    how = draw(st.sampled_from(["random", "equal", "over", "rate", "rate", "tie", "zero", "free"]))
    if how == "free":
        return draw(money()), draw(money())
    if how == "tie":  # spent/budget ends in 5 at the 5th decimal: b = 200·j, s = j·m/100, m odd
        j = draw(st.integers(1, 499))
        m = draw(st.integers(0, 12000).map(lambda x: 2 * x + 1))
        b, s = D(200 * j), D(j * m) / 100
        return as_typed(b), as_typed(s)
    b = draw(MONEY)
    if how == "zero":
        return 0, draw(money())
    if how == "equal":
        s = b
    elif how == "over":
        s = b + draw(decimals("0.01", 5000, 2))
    elif how == "rate":
        r = draw(st.sampled_from([D("0.95"), D("0.9"), D("0.6"), D("0.994"), D("0.99995"), D("1.2")]))
        s = (b * r).quantize(D("0.01"))
    else:
        s = draw(MONEY)
    return as_typed(b), as_typed(s)


@st.composite
def funding(draw) -> dict:
    out = {}
    for name in FUNDING_ROWS:
        if name != "total" and draw(st.integers(0, 2)) == 0:
            continue
        if name == "total" and draw(st.integers(0, 9)) == 0:
            continue
        row = {}
        b, s = draw(budget_and_spent())
        for column, value in (("initial", draw(money())), ("budget", b), ("spent", s)):
            if draw(st.integers(0, 7)) and value is not None:
                row[column] = value
            elif draw(st.booleans()):
                row[column] = None
        out[name] = row
    assert set().union(*[set(r) for r in out.values()] or [set()]) <= set(FUNDING_COLUMNS)
    return out


# ---------------------------------------------------------------------------
# Criteria forms: values for the form's own leaves


@st.composite
def rate_pair(draw, kind: str) -> list:
    """Two raw inputs of a derived rate (ratio a/b, change (a−b)/b, adjust |b−a|/a)."""
    how = draw(st.sampled_from(["rate"] * 6 + ["tie", "zero", "none", "text", "free"]))
    if how == "free":
        return [draw(money()), draw(money())]
    if how == "zero":
        return draw(st.sampled_from([[0, as_typed(draw(MONEY))], [as_typed(draw(MONEY)), 0], [0, 0]]))
    if how == "none":
        return draw(st.sampled_from([[None, as_typed(draw(MONEY))], [as_typed(draw(MONEY)), None], [None, None]]))
    if how == "text":
        return [draw(st.sampled_from(["一千", "不详"])), as_typed(draw(MONEY))]
    if how == "tie":  # the rate ends in 5 at the 5th decimal
        j = draw(st.integers(1, 499))
        m = draw(st.integers(0, 12000).map(lambda x: 2 * x + 1))
        b, s = D(200 * j), D(j * m) / 100
        r_num = s  # s/b is the tie
        if kind == "ratio":
            return [as_typed(r_num), as_typed(b)]
        if kind == "change":  # (a − b)/b = s/b  →  a = b + s
            return [as_typed(b + s), as_typed(b)]
        return [as_typed(b), as_typed(b + s)]  # |b' − a|/a with a = b
    base = draw(st.one_of(MONEY, st.sampled_from([D(100), D(200), D("13.72"), D("2753.66"), D(20), D(45)])))
    r = draw(st.one_of(
        st.sampled_from([D("0.95"), D(1), D("0.8"), D("0.7"), D("0.6"), D("0.9"), D("0.1"), D("1.1"),
                         D("1.05"), D("0.94"), D("0.85"), D("0.75"), D(0), D("0.05"), D("1.01"), D("0.99")]),
        decimals(0, 2, 4)))
    if kind == "ratio":
        a = (base * r).quantize(D("0.01"))
        return [as_typed(a), as_typed(base)]
    if kind == "change":
        sign = draw(st.sampled_from([1, -1]))
        a = (base * (1 + sign * (r - 1 if r > 1 else r) / 4)).quantize(D("0.01"))
        return [as_typed(a), as_typed(base)]
    delta = (base * (r - 1 if r > 1 else r) / 5).quantize(D("0.01"))
    return [as_typed(base), as_typed(base + draw(st.sampled_from([1, -1])) * delta)]


CHECKLIST_ACTUALS = ["①③", "1、2", "无", "①②③", "2", "", None, "全部符合", 3, "1,3", "②", "①②", "1、2、3", "13"]


@st.composite
def criteria_values(draw, path: tuple[str, ...], leaf, avoid=frozenset()) -> dict:
    rule = leaf.rule
    w = leaf.weight
    item: dict = {"path": key(path)}
    if leaf.derive is not None:
        values = draw(rate_pair(leaf.derive.kind))
        inputs = {name: v for name, v in zip(leaf.derive.inputs, values) if v is not None or draw(st.booleans())}
        item["inputs"] = inputs
        if draw(st.integers(0, 9)) == 0:
            item["actual"] = draw(st.sampled_from(["98%", "完成", 0.5]))  # ignored: the rate is derived
    elif isinstance(rule, Checklist):
        item["actual"] = draw(st.sampled_from(CHECKLIST_ACTUALS))
    elif isinstance(rule, (Step, Tiers)):
        if rule.percent:
            p = draw(PERCENT_POINTS)
            item["actual"] = draw(st.sampled_from([f"{text(p)}%", as_typed(p / 100), as_typed(p)]))
        else:
            item["actual"] = draw(st.one_of(st.integers(0, 6), decimals(0, 6, 1).map(as_typed),
                                            st.sampled_from(["2例", "无", None])))
    elif isinstance(rule, Converted):
        item["actual"] = draw(st.one_of(st.integers(0, 130), decimals(0, 130, 1).map(as_typed),
                                        decimals(0, 130, 2).map(as_typed),
                                        st.sampled_from([110, 0, 130, 1.1, 3.3, 108.9, "九十分"])))
    elif isinstance(rule, National) and rule.direction != "定性":
        p = draw(PERCENT_POINTS)
        target = leaf.target or ""
        # 98%, 0.98, and 98 typed for 98 %
        item["actual"] = draw(st.sampled_from([f"{text(p)}%", as_typed(p / 100), as_typed(p), "完成", None]))
        if draw(st.integers(0, 5)) == 0:
            item["target"] = draw(st.sampled_from(["≥90%", "100%", "≥95%", "≤5%", "≥100%", "≥95", "90"]))
        if "percent-vs-plain" in avoid:
            item["actual"] = _same_kind(item.get("target", target), item["actual"])
    else:  # 定性 (national direction) and 人工 (manual): the evaluator's score
        assert isinstance(rule, (National, Manual)), rule
        if draw(st.booleans()):
            item["manual"] = draw(score_like(w))
        if draw(st.integers(0, 2)) == 0:
            item["actual"] = draw(st.sampled_from(ACTUAL_TEXT + [None]))
    item.update(draw(judgement(w)))
    return item


@st.composite
def criteria_entries(draw, form_id: str, avoid=frozenset()) -> list[dict]:
    leaves = list(form_of(form_id).leaves())
    chosen = draw(st.lists(st.booleans(), min_size=len(leaves), max_size=len(leaves)))
    every = draw(st.integers(0, 4))  # 0: all leaves filled, like a finished table
    return [draw(criteria_values(path, leaf, avoid)) for (path, leaf), pick in zip(leaves, chosen)
            if pick or every == 0]


# ---------------------------------------------------------------------------


@st.composite
def filing_dicts(draw, form_id: str, avoid=KNOWN_BUGS) -> dict:
    """One random filing dict for ``form_id`` (accepted by :func:`xltools.filing.filing_from_dict`)."""
    data: dict = {"form": form_id}
    if draw(st.booleans()):
        data["unit"] = draw(st.sampled_from(UNITS_OF_UNITS))
    if draw(st.booleans()):
        data["year"] = draw(st.integers(2019, 2025))
    if form_id in NATIONAL_FORMS:
        data["funding"] = draw(funding())
        data["indicators"] = draw(own_leaves(form_id, avoid))
        if draw(st.integers(0, 3)) == 0:
            data["goal"] = {"planned": "按照规定指标全部完成。", "achieved": draw(st.sampled_from(["完成", ""]))}
    else:
        data["indicators"] = draw(criteria_entries(form_id, avoid))
    if draw(st.integers(0, 3)) == 0:
        data["stated"] = {"total": draw(st.sampled_from([100, 93, "93分", None])),
                          "grade": draw(st.sampled_from(["优", "良", "优秀"]))}
    return data


# ---------------------------------------------------------------------------
# Pastes: what gets into a template's cells past its data validation (issue 12)

FULL_WIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")
#: 偏差原因 made of blanks only: no reason, to Python and to the sheet
BLANK_REASONS = ["\u3000", "\u00a0", "\t", " ", "\u3000\u3000", " \u00a0 "]


def _shown_unit(number_format: str) -> str:
    return "".join(part for i, part in enumerate(number_format.split('"')) if i % 2)


@st.composite
def number_as_text(draw, value: float, number_format: str, op: str = "", unit: str = "") -> str:
    """A number as people type it into a cell formatted to show its unit: 120件, ≥100件, ９３％, 93 %."""
    d = D(repr(value)).normalize()
    if "%" in number_format:
        points = text((d * 100).normalize())
        form = draw(st.sampled_from([f"{points}%", f"{points} %", f"{points}%".translate(FULL_WIDTH)]))
    else:
        shown = _shown_unit(number_format) or unit
        plain = text(d)
        form = draw(st.sampled_from([plain + shown, f"{value:,.2f}" + shown if shown == "万元" else plain,
                                     plain.translate(FULL_WIDTH) + shown, plain + " " + shown]))
    return (op if op and draw(st.booleans()) else "") + form


@st.composite
def pastes(draw, reading, grid) -> dict:
    """Cell -> value pasted over a workbook written by our writer: numbers as text with their units,
    ``8分`` in 评价人评分, a blank 分值 beside a 评价人评分, ``5分`` in 分值, 偏差原因 of blanks only,
    derived rates typed without their figures, values on half cents."""
    from xltools.xlsx.cells import a1
    col = reading.columns
    national = reading.filing.form.layout == "national"  # criteria forms fix (and lock) their weights
    out: dict = {}
    rows = list(reading.rows.items())
    for path, r in draw(st.lists(st.sampled_from(rows), min_size=min(3, len(rows)), max_size=10, unique=True)) if rows else []:
        how = draw(st.sampled_from(["text", "text", "manual-unit", "blank-weight", "weight-unit", "blank-reason",
                                    "derived-typed", "half-cent"]))
        cell = lambda k: grid.get(r, col[k])  # noqa: E731
        if how == "text":
            k = draw(st.sampled_from([k for k in ("target", "actual", "weight", "manual", "in1", "in2") if k in col]))
            c = cell(k)
            if isinstance(c.value, float) and c.formula is None:
                op = grid.text(r, col["op"]) if k == "target" else ""
                out[a1(r, col[k])] = draw(number_as_text(c.value, c.fmt, op, "分" if k in ("weight", "manual") else ""))
        elif how == "manual-unit":
            w = cell("weight").value
            w = w if isinstance(w, float) else 10.0
            out[a1(r, col["manual"])] = f"{text(draw(decimals(0, D(repr(w)), 1)).normalize())}分"
        elif how == "blank-weight" and national:
            out[a1(r, col["weight"])] = ""  # cleared
            out[a1(r, col["manual"])] = draw(st.sampled_from([8, 4.5, 10]))
        elif how == "weight-unit" and isinstance(cell("weight").value, float) and national:
            out[a1(r, col["weight"])] = f"{text(D(repr(cell('weight').value)).normalize())}分"
        elif how == "blank-reason":
            out[a1(r, col["reason"])] = draw(st.sampled_from(BLANK_REASONS))
        elif how == "derived-typed" and cell("actual").formula is not None and "in1" in col:
            out[a1(r, col["in1"])] = ""
            out[a1(r, col["in2"])] = ""
            out[a1(r, col["actual"])] = draw(st.sampled_from([0.93, 0.955, 1, 0.8528, 1.2]))
        elif how == "half-cent":
            k = draw(st.sampled_from(["manual", "actual"]))
            if cell(k).formula is None:
                w = cell("weight").value if isinstance(cell("weight").value, float) else 10.0
                out[a1(r, col[k])] = float(draw(decimals(0, D(repr(w)), 3)).quantize(D("0.001")) + D("0.005")
                                           if k == "manual" else draw(decimals(0, 200, 3)))
    for (block, name), (r, c) in reading.spots.items():
        if block == "资金情况" and "." in name and isinstance(grid.value(r, c), float) and draw(st.integers(0, 5)) == 0:
            out[a1(r, c)] = draw(number_as_text(grid.value(r, c), "0\"万元\""))
    return out
