"""Property tests (hypothesis) for the scoring core: rules, roll-up, spec round trip, parser.

Invariants checked here:

* every rule kind in ``xltools.rules.REGISTRY`` scores within [0, weight] (and within the
  rule's ``max_score``), to at most 2 decimals, whatever numbers it is given;
* the directional rules are monotone in the actual value;
* a scorecard adds up: every group is the sum of its children, the total is the funding score
  plus the top groups, the grade follows the total, and ``check`` never raises;
* a spec survives ``form_to_yaml`` -> ``form_from_text`` unchanged;
* the value parser never raises and reads operators, percents and thousands separators.

Regressions for the bugs these properties found are at the end of the file.
"""
from __future__ import annotations

import dataclasses
import decimal
import os
from decimal import ROUND_DOWN
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltools.checks import check
from xltools.errors import SpecError
from xltools.model import Entry, Filing, FundingRow, Group, Leaf
from xltools.num import CENT, ZERO
from xltools.parse import MAX_ABS, parse
from xltools.validation import Report
from xltools.rules import BANDS, REGISTRY, RuleInput, rule_from_params
from xltools.rules.judged import BAND_SHORT
from xltools.rules.step import COUNTING, SIDES
from xltools.scoring import score
from xltools.spec import builtin_ids, form_from_dict, form_from_text, form_to_yaml, load_form

# Budget: the whole file runs in about 15 s.  Set XLTOOLS_HYPOTHESIS_SCALE=10 for a longer hunt.
SCALE = float(os.environ.get("XLTOOLS_HYPOTHESIS_SCALE", "1"))


def examples(n: int, **kwargs) -> settings:
    return settings(max_examples=max(1, int(n * SCALE)), deadline=None, **kwargs)


SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
PARSER = examples(200)
FAST = examples(120)
#: for tests parametrized over many combinations (each combination gets this many examples)
PER_CASE = examples(15)
ROLLUP = examples(60, suppress_health_check=SLOW_OK)

KINDS = ("number", "text", "blank", "error")
OPS = ("≥", ">", "≤", "<", "=")
DIRECTIONS = ("", "正向", "反向", "等于", "定性")


# ---------------------------------------------------------------------------
# Strategies: numbers and values


def decimals(lo, hi, places: int):
    return st.decimals(min_value=D(lo), max_value=D(hi), places=places,
                       allow_nan=False, allow_infinity=False)


#: parse() refuses |x| > 1e15 (MAX_ABS), so that is the largest value a rule can ever see.
BIG = MAX_ABS - 1
WEIGHTS = decimals("0.5", "50", 2)
NUMBERS = st.one_of(
    st.sampled_from([D(0), D("-0"), D("0.01"), D("-0.01"), D(1), D("0.95"), D(100), BIG, -BIG]),
    decimals(-2, 2, 4),  # rates, as fractions
    decimals(-1000, 1000, 2),  # counts, amounts
    decimals(-BIG, BIG, 2),  # large
)
UNITS = st.sampled_from(["", "%", "件"])
STATED = st.one_of(st.none(), NUMBERS)
BAND = st.one_of(st.none(), st.sampled_from(list(BAND_SHORT) + [b[0] for b in BANDS] + ["乱写的档次"]))
#: names: any character but the path separator "/"
NAME_CHARS = st.characters(blacklist_characters="/", blacklist_categories=("Cs",))
#: other text: any character but NEL (see test_bug_spec_round_trip_nel_in_text)
TEXT_CHARS = st.characters(blacklist_characters="\x85", blacklist_categories=("Cs",))
CHECK_MARKS = st.text(alphabet="①②③④⑤⑥⑦⑧⑨0123456789、, 无abc", max_size=8)


def typed(d: D, op: str | None = None, unit: str = "") -> str:
    """A number as a person types it: ``≥95%``, ``-3件``, ``1000``."""
    return f"{op or ''}{d}{unit}"


@st.composite
def number_values(draw, ops=st.sampled_from((None,) + OPS)):
    """(Value, raw text) of a typed number with a random operator and unit."""
    text = typed(draw(NUMBERS), draw(ops), draw(UNITS))
    value = parse(text)
    assert value.is_number, text
    return value, text


@st.composite
def any_values(draw):
    """(Value, raw text): numbers mostly, sometimes qualitative text, blank or unreadable."""
    choice = draw(st.integers(0, 9))
    if choice <= 5:
        return draw(number_values())
    text = draw(st.sampled_from(["", "整洁、有序", "按时完成", "≥", "1..5", "#DIV/0!", "全年365天，24小时"]))
    return parse(text), text


@st.composite
def rule_inputs(draw, weight=WEIGHTS):
    w = draw(weight)
    target, _ = draw(any_values())
    actual, raw = draw(any_values())
    if draw(st.booleans()):
        raw = draw(CHECK_MARKS)  # checklist rules read the marks typed in the actual cell
    return RuleInput(weight=w, target=target, actual=actual, stated=draw(STATED), band=draw(BAND),
                     raw_actual=raw)


# ---------------------------------------------------------------------------
# Strategies: rule parameters (all valid; any weight)

STEP_SIZES = st.one_of(st.sampled_from([D("0.01"), D("0.05"), D("0.1"), D(1)]), decimals("0.0001", 10, 4))
THRESHOLDS = st.one_of(st.sampled_from([D(0), D("0.95"), D(1), D("0.1")]), decimals(-2, 2, 4), decimals(-1000, 1000, 2))


@st.composite
def step_params(draw, sides=st.sampled_from(sorted(SIDES)), counting=st.sampled_from(sorted(COUNTING)),
                share=st.booleans()):
    params = {"kind": "step", "threshold": draw(THRESHOLDS), "sides": draw(sides), "step": draw(STEP_SIZES),
              "counting": draw(counting), "percent": draw(st.booleans())}
    if draw(share):
        params["deduct_share"] = draw(decimals(0, 1, 4))
    else:
        params["deduct"] = draw(decimals(0, 20, 2))
    return params


@st.composite
def tiers_params(draw, max_points=D(60), monotone=False):
    bounds = draw(st.lists(decimals(-2, 2, 4), min_size=1, max_size=5, unique=True))
    bounds.sort(reverse=True)
    points = [draw(decimals(0, max_points, 2)) for _ in bounds]
    otherwise = draw(decimals(0, max_points, 2))
    if monotone:  # higher band, at least as many points
        points.sort(reverse=True)
        otherwise = min([otherwise] + points)
    return {"kind": "tiers", "tiers": [[b, p] for b, p in zip(bounds, points)], "otherwise": otherwise,
            "percent": draw(st.booleans())}


@st.composite
def checklist_params(draw, max_total=D(60)):
    n = draw(st.integers(1, 9))
    cap = (max_total / n).quantize(CENT, rounding=ROUND_DOWN)
    items = [[draw(st.text(alphabet=TEXT_CHARS, max_size=6)), draw(decimals(0, cap, 2))] for _ in range(n)]
    return {"kind": "checklist", "items": items}


@st.composite
def converted_params(draw):
    params = {"kind": "converted", "full": draw(decimals("0.5", 200, 2))}
    if draw(st.booleans()):
        params["scale"] = draw(decimals("0.5", 60, 2))
    if draw(st.booleans()):
        params["source"] = draw(st.sampled_from(["大赶考考核得分", "考核得分", ""]))
    return params


RULE_PARAMS = {
    "national": st.builds(lambda d: {"kind": "national", "direction": d}, st.sampled_from(DIRECTIONS)),
    "qualitative": st.just({"kind": "qualitative"}),
    "manual": st.builds(lambda c: {"kind": "manual", "criteria": c}, st.sampled_from(["", "职能明确，得1分"])),
    "step": step_params(),
    "tiers": tiers_params(),
    "converted": converted_params(),
    "checklist": checklist_params(),
    "execution": st.just({"kind": "execution"}),
}


def assert_score_ok(value: D | None, weight: D, rule) -> None:
    if value is None:  # the rule cannot compute (missing / unreadable / unit mismatch)
        return
    assert isinstance(value, D)
    assert value >= 0, f"score {value} below 0"
    assert value <= weight, f"score {value} above weight {weight}"
    assert value <= rule.max_score(weight), f"score {value} above the rule's max {rule.max_score(weight)}"
    assert value == value.quantize(CENT), f"score {value} has more than 2 decimals"


# ---------------------------------------------------------------------------
# 1. Every rule stays within [0, weight], 2 decimals


def test_every_registered_rule_has_a_strategy():
    assert set(RULE_PARAMS) == set(REGISTRY), "add a parameter strategy for new rule kinds"


@pytest.mark.parametrize("kind", sorted(REGISTRY))
@examples(60)
@given(data=st.data())
def test_rule_score_within_weight(kind, data):
    rule = rule_from_params(data.draw(RULE_PARAMS[kind], label="params"))
    inp = data.draw(rule_inputs(), label="input")
    outcome = rule.evaluate(inp)
    assert_score_ok(outcome.score, inp.weight, rule)
    assert isinstance(outcome.explanation, str) and outcome.explanation


@pytest.mark.parametrize("op", (None,) + OPS, ids=lambda o: o or "none")
@pytest.mark.parametrize("direction", DIRECTIONS, ids=lambda d: d or "auto")
@PER_CASE
@given(w=WEIGHTS, t=NUMBERS, a=NUMBERS, tu=UNITS, au=UNITS, stated=STATED)
def test_national_score_within_weight(direction, op, w, t, a, tu, au, stated):
    rule = rule_from_params({"kind": "national", "direction": direction})
    inp = RuleInput(w, parse(typed(t, op, tu)), parse(typed(a, None, au)), stated=stated)
    outcome = rule.evaluate(inp)
    assert_score_ok(outcome.score, w, rule)
    if direction != "定性" and tu == au:  # same unit: the rule must compute a number
        assert outcome.score is not None and not outcome.judged


@pytest.mark.parametrize("share", (False, True), ids=("deduct", "deduct_share"))
@pytest.mark.parametrize("counting", sorted(COUNTING))
@pytest.mark.parametrize("sides", sorted(SIDES))
@PER_CASE
@given(data=st.data(), w=WEIGHTS, a=NUMBERS)
def test_step_score_within_weight(sides, counting, share, data, w, a):
    params = data.draw(step_params(st.just(sides), st.just(counting), st.just(share)))
    rule = rule_from_params(params)
    outcome = rule.evaluate(RuleInput(w, actual=parse(typed(a))))
    assert outcome.score is not None
    assert_score_ok(outcome.score, w, rule)


@pytest.mark.parametrize("kind", ("qualitative", "manual"))
@FAST
@given(w=WEIGHTS, stated=NUMBERS, band=BAND)
def test_judged_score_is_the_evaluators_within_weight(kind, w, stated, band):
    rule = rule_from_params(kind)
    outcome = rule.evaluate(RuleInput(w, stated=stated, band=band))
    assert outcome.judged
    assert_score_ok(outcome.score, w, rule)
    if 0 <= stated <= w:
        assert outcome.score == stated.quantize(CENT, rounding=decimal.ROUND_HALF_UP)


# ---------------------------------------------------------------------------
# 2. Monotonicity in the actual value (same unit for target and actual)


def _scores(rule, w, target, a1, a2):
    lo, hi = sorted((a1, a2))
    s_lo = rule.evaluate(RuleInput(w, target, parse(typed(lo)))).score
    s_hi = rule.evaluate(RuleInput(w, target, parse(typed(hi)))).score
    assert s_lo is not None and s_hi is not None
    return s_lo, s_hi


@pytest.mark.parametrize("op,sign", (("≥", 1), (">", 1), ("≤", -1), ("<", -1)))
@FAST
@given(data=st.data(), w=WEIGHTS, t=NUMBERS, a1=NUMBERS, a2=NUMBERS)
def test_national_is_monotone(op, sign, data, w, t, a1, a2):
    """正向 (≥ >) is non-decreasing in the actual value, 反向 (≤ <) non-increasing."""
    direction = data.draw(st.sampled_from(("", "正向") if sign > 0 else ("", "反向")), label="direction")
    rule = rule_from_params({"kind": "national", "direction": direction})
    s_lo, s_hi = _scores(rule, w, parse(typed(t, op)), a1, a2)
    assert (s_hi - s_lo) * sign >= 0


@FAST
@given(w=WEIGHTS, t=NUMBERS, a1=NUMBERS, a2=NUMBERS)
def test_national_direction_without_operator_is_monotone(w, t, a1, a2):
    """正向/反向 set on the leaf (target typed without an operator) behave like ≥ / ≤."""
    pos = rule_from_params({"kind": "national", "direction": "正向"})
    neg = rule_from_params({"kind": "national", "direction": "反向"})
    p_lo, p_hi = _scores(pos, w, parse(typed(t)), a1, a2)
    n_lo, n_hi = _scores(neg, w, parse(typed(t)), a1, a2)
    assert p_lo <= p_hi
    assert n_lo >= n_hi


@pytest.mark.parametrize("sides,sign", (("below", 1), ("above", -1)))
@FAST
@given(data=st.data(), w=WEIGHTS, a1=NUMBERS, a2=NUMBERS)
def test_step_one_sided_is_monotone(sides, sign, data, w, a1, a2):
    rule = rule_from_params(data.draw(step_params(sides=st.just(sides))))
    s_lo, s_hi = _scores(rule, w, parse(None), a1, a2)
    assert (s_hi - s_lo) * sign >= 0


@FAST
@given(data=st.data(), w=WEIGHTS, a1=NUMBERS, a2=NUMBERS)
def test_step_both_sides_is_best_at_the_threshold(data, w, a1, a2):
    """Two-sided band: moving away from the standard never gains points."""
    rule = rule_from_params(data.draw(step_params(sides=st.just("both"))))
    t = rule.threshold
    near, far = sorted((a1, a2), key=lambda a: abs(a - t))
    s_near = rule.evaluate(RuleInput(w, actual=parse(typed(near)))).score
    s_far = rule.evaluate(RuleInput(w, actual=parse(typed(far)))).score
    assert s_near >= s_far
    assert rule.evaluate(RuleInput(w, actual=parse(typed(t)))).score == w


@FAST
@given(data=st.data(), w=WEIGHTS, a1=NUMBERS, a2=NUMBERS)
def test_tiers_non_decreasing(data, w, a1, a2):
    rule = rule_from_params(data.draw(tiers_params(monotone=True)))
    s_lo, s_hi = _scores(rule, w, parse(None), a1, a2)
    assert s_lo <= s_hi


@FAST
@given(data=st.data(), w=WEIGHTS, a1=NUMBERS, a2=NUMBERS)
def test_converted_and_execution_non_decreasing(data, w, a1, a2):
    conv = rule_from_params(data.draw(converted_params()))
    s_lo, s_hi = _scores(conv, w, parse(None), a1, a2)
    assert s_lo <= s_hi
    budget = parse(typed(data.draw(decimals("0.01", 100000, 2))))
    e_lo, e_hi = _scores(rule_from_params("execution"), w, budget, a1, a2)
    assert e_lo <= e_hi


# ---------------------------------------------------------------------------
# Strategies: whole forms (spec dicts) and filings

#: realistic names most of the time, any text (but '/', which is the path separator) sometimes
NAMES = st.one_of(
    st.text(alphabet="产出效益满意度数量质量时效成本指标社会生态可持续服务对象率控制ABC123 ", min_size=1, max_size=8),
    st.text(alphabet=NAME_CHARS, min_size=1, max_size=8),
).map(lambda s: " ".join(s.split())).filter(bool)  # as spec._name normalizes them
TEXTS = st.one_of(st.none(), st.text(alphabet=TEXT_CHARS, max_size=12),
                  st.sampled_from(["≥100件", "≤5%", "100%", "整洁、有序", "按时完成", "0", "1.5", "yes", "null"]))


@st.composite
def leaf_rule(draw, weight: D):
    """A rule valid for a leaf of this weight (max_score <= weight), or None for the default."""
    kind = draw(st.sampled_from(sorted(REGISTRY) + [None]))
    if kind is None:
        return None
    if kind == "tiers":
        return draw(tiers_params(max_points=weight))
    if kind == "checklist":
        return draw(checklist_params(max_total=weight))
    return draw(RULE_PARAMS[kind])


@st.composite
def leaf_dict(draw, name: str, rich: bool):
    weight = draw(WEIGHTS)
    out: dict = {"leaf": name, "weight": draw(st.sampled_from([weight, str(weight), float(weight)]))}
    rule = draw(leaf_rule(weight))
    if rule is not None:
        out["rule"] = rule
    elif draw(st.booleans()):
        out["direction"] = draw(st.sampled_from(DIRECTIONS[1:]))
    if rule is None or rule["kind"] in ("national", "execution"):
        target = draw(st.one_of(st.none(), st.builds(typed, NUMBERS, st.sampled_from(OPS + (None,)), UNITS),
                                st.sampled_from(["整洁、有序", "按时完成"])))
        if target is not None:
            out["target"] = target
    if rule is not None and rule["kind"] == "step" and draw(st.booleans()):
        out["derive"] = {"kind": draw(st.sampled_from(["ratio", "change", "adjust"])), "inputs": ["甲", "乙"]}
    if rich:
        for key in ("note", "standard", "source", "target"):
            text = draw(TEXTS)
            if text is not None:
                out[key] = text
    return out, weight


@st.composite
def node_dicts(draw, depth: int, rich: bool, min_size: int = 0):
    """(list of node dicts with unique sibling names, their total weight)."""
    names = draw(st.lists(NAMES, min_size=min_size, max_size=4, unique=True))
    nodes, total = [], ZERO
    for name in names:
        if depth >= 2 or (depth > 0 and draw(st.integers(0, 2)) > 0):
            node, weight = draw(leaf_dict(name, rich))
        else:
            children, weight = draw(node_dicts(depth + 1, rich))
            node = {"group": name}
            if children:
                node["children"] = children
            if draw(st.booleans()):  # explicit group weight, equal to the children's sum
                node["weight"] = weight
        nodes.append(node)
        total += weight
    return nodes, total


@st.composite
def form_dicts(draw, rich: bool = False):
    indicators, total = draw(node_dicts(0, rich, min_size=1))
    data = {"id": draw(st.sampled_from(["t", "unit-1", "123", "测试"])),
            "title": draw(st.text(alphabet=TEXT_CHARS, max_size=10)), "indicators": indicators}
    if draw(st.booleans()):
        funding = draw(WEIGHTS)
        data["funding"] = {"weight": funding}
        if draw(st.booleans()):
            data["funding"]["label"] = draw(st.sampled_from(["预算执行率", "资金执行"]))
        total += funding
    data["total"] = total  # weights sum correctly
    if draw(st.booleans()):
        lows = sorted(draw(st.lists(decimals(1, 99, 1), max_size=3, unique=True)), reverse=True)
        data["grades"] = [[low, label] for low, label in zip(lows + [D(0)], "ABCD")]
    if rich:
        if draw(st.booleans()):
            data["kind"] = draw(st.sampled_from(["dept", "project"]))
        if draw(st.booleans()):
            data["layout"] = draw(st.sampled_from(["national", "criteria"]))
        if draw(st.booleans()):
            data["levels"] = draw(st.lists(st.text(alphabet=TEXT_CHARS, max_size=5), max_size=4))
        if draw(st.booleans()):
            data["description"] = draw(st.text(alphabet=TEXT_CHARS, max_size=20))
    return data


ENTRY_FIELDS = {f.name for f in dataclasses.fields(Entry)}
RAW_NUMBERS = st.one_of(NUMBERS, decimals(-1000, 1000, 4).map(float), st.integers(-10**6, 10**6))
RAW_VALUES = st.one_of(
    st.none(),
    RAW_NUMBERS,
    st.builds(typed, NUMBERS, st.sampled_from(OPS + (None,)), UNITS),
    st.sampled_from(["整洁、有序", "按时完成", "#DIV/0!", "1..5", "≥", "①③", "1、2", "", "  "]),
    st.text(max_size=6),
)


@st.composite
def entries(draw, leaf: Leaf) -> Entry:
    inputs = {}
    if leaf.derive is not None:
        inputs = {name: draw(RAW_VALUES) for name in leaf.derive.inputs}
    extra = {}
    if "manual" in ENTRY_FIELDS:  # a separate 评价人评分 cell
        extra["manual"] = draw(st.one_of(st.none(), RAW_NUMBERS))
    return Entry(target=draw(st.one_of(st.none(), RAW_VALUES)), actual=draw(RAW_VALUES),
                 score=draw(st.one_of(st.none(), RAW_NUMBERS, st.sampled_from(["十分", "", "#REF!"]))),
                 reason=draw(st.sampled_from([None, "", "  ", "\n", "资金到位晚，下年提前安排"])),
                 band=draw(BAND), inputs=inputs, **extra)


FUNDING_AMOUNTS = st.one_of(st.none(), decimals(-10, 10**6, 2), st.sampled_from(["", "十万", 0, "1,112.67"]))


@st.composite
def filings(draw, form):
    funding = {}
    for row in draw(st.lists(st.sampled_from(["total", "fiscal", "carryover", "other"]), unique=True)):
        funding[row] = FundingRow(initial=draw(FUNDING_AMOUNTS), budget=draw(FUNDING_AMOUNTS),
                                  spent=draw(FUNDING_AMOUNTS))
    return Filing(
        form=form, unit="测试单位", year=2021, funding=funding,
        entries={"/".join(path): draw(entries(leaf)) for path, leaf in form.leaves()},
        stated_rate=draw(st.one_of(st.none(), RAW_NUMBERS, st.just("99.4%"))),
        stated_funding_score=draw(st.one_of(st.none(), RAW_NUMBERS)),
        stated_subtotals={"/".join(path): draw(st.one_of(st.none(), RAW_NUMBERS)) for path, _ in form.groups()},
        stated_total=draw(st.one_of(st.none(), RAW_NUMBERS)),
        stated_grade=draw(st.sampled_from([None, "优", "良", "中", "差", "等级：优", "A"])),
    )


# ---------------------------------------------------------------------------
# 3. Roll-up of a whole filing


@ROLLUP
@given(data=st.data())
def test_scorecard_rolls_up(data):
    form = form_from_dict(data.draw(form_dicts(), label="form"))
    filing = data.draw(filings(form), label="filing")
    card = score(filing)

    for r in card.leaves:
        assert_score_ok(r.score, r.weight, r.leaf.rule)

    form_groups = dict(form.groups())
    assert {g.path for g in card.groups} == set(form_groups)
    for g in card.groups:
        children = form_groups[g.path].children
        expected = sum((card.leaf(g.path + (c.name,)).score if isinstance(c, Leaf)
                        else card.group(g.path + (c.name,)).score for c in children), ZERO)
        assert g.score == expected, g.path
        assert ZERO <= g.score <= g.weight

    funding = card.funding.score if card.funding else ZERO
    if form.funding is not None:
        assert ZERO <= funding <= form.funding.weight
    assert all(isinstance(n, Group) for n in form.indicators)
    assert card.total == funding + sum((g.score for g in card.top_groups()), ZERO)
    assert ZERO <= card.total <= form.total
    assert card.grade == form.grades.grade(card.total)

    report = check(filing, card)
    assert isinstance(report, Report)
    assert check(filing).stats["total"] == float(card.total)


@pytest.mark.parametrize("form_id", builtin_ids())
@examples(6, suppress_health_check=SLOW_OK)
@given(data=st.data())
def test_shipped_form_filings_roll_up(form_id, data):
    form = load_form(form_id)
    filing = data.draw(filings(form), label="filing")
    card = score(filing)
    for g in card.groups:
        node = form.find(g.path)
        assert g.score == sum((card.leaf(g.path + (c.name,)).score if isinstance(c, Leaf)
                               else card.group(g.path + (c.name,)).score for c in node.children), ZERO)
    funding = card.funding.score if card.funding else ZERO
    assert card.total == funding + sum((g.score for g in card.top_groups()), ZERO)
    assert card.grade == form.grades.grade(card.total)
    check(filing, card)


# ---------------------------------------------------------------------------
# 4. Spec round trip


@examples(40, suppress_health_check=SLOW_OK)
@given(data=form_dicts(rich=True))
def test_spec_round_trips(data):
    form = form_from_dict(data)
    text = form_to_yaml(form)
    assert form_from_text(text) == form
    assert form_to_yaml(form_from_text(text)) == text


@pytest.mark.parametrize("form_id", builtin_ids())
def test_shipped_spec_round_trips(form_id):
    form = load_form(form_id)
    assert form_from_text(form_to_yaml(form)) == form


def test_shipped_forms_exist():
    assert {"dept", "project", "goals", "hubei", "yunnan", "dept-40-20-20"} <= set(builtin_ids())


# ---------------------------------------------------------------------------
# 5. Parser


def _assert_well_formed(value) -> None:
    assert value.kind in KINDS
    if value.kind == "number":
        assert isinstance(value.number, D) and value.number.is_finite()
        assert abs(value.number) <= MAX_ABS
        assert value.op in (None,) + OPS
    if value.kind == "error":
        assert value.reason
    value.display()


@PARSER
@given(st.text())
def test_parse_never_raises_on_text(text):
    _assert_well_formed(parse(text))


@PARSER
@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.decimals(),
                 st.text(alphabet="0123456789,.%‰≥≤<>=-+ 件万元以上以内不低于０１９％，", max_size=12)))
def test_parse_never_raises_on_any_cell(raw):
    _assert_well_formed(parse(raw))


@PARSER
@given(st.one_of(decimals(-10**6, 10**6, 0), decimals(-10**6, 10**6, 2), decimals(-100, 100, 4)))
def test_parse_percent_with_operator(d):
    value = parse(f"≥{d}%")
    assert value.kind == "number"
    assert value.op == "≥"
    assert value.number == d / 100
    assert value.ratio and value.unit == "%"
    # the other spellings of ≥ mean the same
    for spelled in (f">={d}%", f"不低于{d}%", f"{d}%以上", f"＞＝{d}％"):
        again = parse(spelled)
        assert (again.op, again.number) == ("≥", d / 100), spelled


@PARSER
@given(st.one_of(st.integers(-int(BIG), int(BIG)).map(D), decimals(-BIG, BIG, 2)), st.sampled_from(["", "万元", "元"]))
def test_parse_thousands_separators(d, unit):
    text = f"{d:,}{unit}"
    value = parse(text)
    assert value.kind == "number", text
    assert value.number == d
    assert value.op is None
    assert value.unit == unit


@PARSER
@given(decimals(-(10**9), 10**9, 2))
def test_parse_full_width_digits(d):
    full = str(d).translate(str.maketrans("0123456789.-", "０１２３４５６７８９．－"))
    value = parse(full + "％")
    assert (value.kind, value.number) == ("number", d / 100)


# ---------------------------------------------------------------------------
# Regressions: bugs these properties found, fixed


@pytest.mark.parametrize("params", [
    {"kind": "step", "threshold": "95%", "deduct": -0.2},
    {"kind": "step", "threshold": "95%", "deduct_share": "-5%"},
    {"kind": "tiers", "tiers": [["95%", 2]], "otherwise": -1},
    {"kind": "tiers", "tiers": [["95%", 2], ["85%", -1]]},
    {"kind": "checklist", "items": [["①", 1], ["②", -1]]},
], ids=["step-deduct", "step-deduct_share", "tiers-otherwise", "tiers-points", "checklist-item"])
def test_negative_rule_points_are_rejected(params):
    """Negative deductions/points used to load, and a leaf of weight 2 then scored 5 (step, deduct -0.2,
    actual 80 %) or -1 (tiers, otherwise -1): they are spec errors now."""
    with pytest.raises(SpecError) as info:
        rule_from_params(params)
    assert info.value.key.startswith("rule.")
    assert "负数" in info.value.detail


@pytest.mark.parametrize("kind,target,actual", [
    ("national", "≥0.0000000001", "-999999999999999"),
    ("execution", "0.0000000001", "999999999999999"),
], ids=["national", "execution"])
def test_tiny_denominator_does_not_overflow(kind, target, actual):
    rule = rule_from_params(kind)
    outcome = rule.evaluate(RuleInput(D(10), parse(target), parse(actual)))
    assert_score_ok(outcome.score, D(10), rule)


def test_spec_round_trip_nel_in_name():
    """Line breaks typed in a name (Alt+Enter, NEL) are normalized to spaces when the spec is read."""
    form = form_from_dict({"id": "t", "title": "t", "indicators": [
        {"group": "a", "children": [{"leaf": "0\x850", "weight": 5}]}]})
    assert form_from_text(form_to_yaml(form)) == form


@pytest.mark.parametrize("where", ["title", "target", "note", "checklist"])
def test_spec_round_trip_nel_in_text(where):
    leaf = {"leaf": "b", "weight": 5}
    if where == "checklist":
        leaf["rule"] = {"kind": "checklist", "items": [["设定\x85可行", 1]]}
    elif where != "title":
        leaf[where] = "≥100件\x85（全年）"
    form = form_from_dict({"id": "t", "title": "自评表\x85" if where == "title" else "t",
                           "indicators": [{"group": "a", "children": [leaf]}]})
    assert form_from_text(form_to_yaml(form)) == form
