"""Every rule with boundary cases: the score and the explanation."""
from decimal import Decimal as D

import pytest

from xltools.parse import BLANK, parse
from xltools.rules import REGISTRY, RuleInput, rule_from_params


def run(params, weight, actual=None, target=None, stated=None, band=None):
    rule = rule_from_params(params)
    raw = "" if actual is None else str(actual)
    return rule.evaluate(RuleInput(D(str(weight)), parse(target) if target is not None else BLANK,
                                   parse(actual) if actual is not None else BLANK,
                                   None if stated is None else D(str(stated)), band, raw))


# -- national ----------------------------------------------------------------------------------

@pytest.mark.parametrize("target,actual,weight,expected", [
    # 正向
    ("≥100件", "120件", 10, "10"),
    ("≥100件", "100件", 10, "10"),
    ("≥100件", "99件", 10, "9.9"),
    ("≥100件", "0件", 10, "0"),
    ("≥100件", "-5件", 10, "0"),
    (">100", "100", 10, "10"),  # '>' scores like '≥'
    ("≥98%", "95%", 5, "4.85"),  # seed 001: 道路绿化率 95% of 98%
    ("≥100%", "98%", 5, "4.9"),
    ("≥3", "1", 1, "0.33"),
    ("≥3", "2", 1, "0.67"),  # 0.6666… rounds up
    ("≥8", "1", 1, "0.13"),  # 0.125 exactly: half up
    ("≥0", "-1", 5, "0"),  # non-positive target: all or nothing
    ("≥0", "0", 5, "5"),
    # 等于 / no operator
    ("=0", "0", 15, "15"),
    ("0", "0", 15, "15"),
    ("0", "1", 15, "0"),
    ("0", "-1", 15, "15"),
    ("400万元", "437万元", 5, "5"),
    ("400万元", "380万元", 5, "4.75"),
    ("100%", "100%", 10, "10"),
    # 反向
    ("≤5%", "5%", 10, "10"),
    ("≤5%", "4%", 10, "10"),
    ("≤5%", "6%", 10, "8"),
    ("≤5%", "9.99%", 10, "0.02"),
    ("≤5%", "10%", 10, "0"),  # a = 2t
    ("≤5%", "50%", 10, "0"),
    ("<5%", "6%", 10, "8"),
    ("≤0", "0", 2, "2"),
    ("≤0", "0.01", 2, "0"),
    ("≤3天", "4天", 6, "4"),
])
def test_national_quantitative(target, actual, weight, expected):
    out = run(None, weight, actual, target)
    assert out.score == D(expected)
    assert not out.judged
    assert out.explanation.startswith("目标")


def test_national_explanations():
    assert run(None, 5, "95%", "≥98%").explanation == "目标≥98%，实际95%，完成比例96.94%，得分=实际/目标×5=4.85分"
    assert run(None, 10, "6%", "≤5%").explanation == "目标≤5%，实际6%，超出目标20%，得分=(1−超出比例)×10=8分"
    assert "得满分10分" in run(None, 10, "120件", "≥100件").explanation


def test_national_qualitative_fallback():
    out = run(None, 10, "效果显著", "整洁、有序、舒适", stated=10)
    assert out.judged and out.score == 10
    out = run(None, 10, "完成", "≥100件", stated=8)
    assert out.judged and out.score == 8
    assert [p.code for p in out.problems] == ["not-a-number"]
    out = run(None, 10, "效果显著", "整洁", stated=None)
    assert out.score is None and "missing-score" in [p.code for p in out.problems]


def test_national_direction_param():
    assert run({"kind": "national", "direction": "反向"}, 10, "6%", "5%").score == 8
    assert run({"kind": "national", "direction": "正向"}, 10, "4%", "5%").score == 8
    out = run({"kind": "national", "direction": "正向"}, 10, "6%", "≤5%")
    assert out.score == 8 and [p.code for p in out.problems] == ["direction-mismatch"]
    assert run({"kind": "national", "direction": "定性"}, 10, "95%", "≥90%", stated=9).judged


def test_national_unit_mismatch():
    out = run(None, 10, "120人", "≥100件")
    assert out.score is None and out.problems[0].code == "unit-mismatch"


def test_national_unreadable_actual():
    out = run(None, 10, "1..5", "≥100件")
    assert "unparseable-value" in [p.code for p in out.problems]


# -- qualitative ---------------------------------------------------------------------------------

@pytest.mark.parametrize("band,stated,ok", [
    ("达成", 10, True), ("达成", 8, True), ("达成", "7.99", False),
    ("部分达成", 6, True), ("部分达成", "7.99", True), ("部分达成", 8, False), ("部分达成", "5.99", False),
    ("未达成", 0, True), ("未达成", "5.99", True), ("未达成", 6, False),
    ("达成年度指标", 9, True), ("未达成年度指标且效果较差", 3, True),
])
def test_qualitative_bands(band, stated, ok):
    out = run("qualitative", 10, stated=stated, band=band)
    assert out.score == D(str(stated))
    assert ("qualitative-band" not in [p.code for p in out.problems]) == ok


def test_qualitative_clamps_and_flags():
    assert run("qualitative", 10, stated=12).score == 10
    assert run("qualitative", 10, stated=-1).score == 0
    assert [p.code for p in run("qualitative", 10, stated=5, band="很好").problems] == ["unknown-band"]
    assert run("qualitative", 10).score is None


def test_manual():
    out = run({"kind": "manual", "criteria": "按实际情况"}, 5, stated=4)
    assert out.score == 4 and out.judged and "按实际情况" in out.explanation
    assert run("manual", 5).score is None


# -- step ----------------------------------------------------------------------------------------
BUDGET_DONE = {"kind": "step", "threshold": "95%", "sides": "below", "step": "1%", "deduct": 0.2}
STAFF = {"kind": "step", "threshold": "100%", "sides": "above", "step": "1%", "deduct": 0.2}
PUBLIC = {"kind": "step", "threshold": "100%", "sides": "both", "step": "10%", "deduct": 0.2}
PROGRESS = {"kind": "step", "threshold": "100%", "sides": "below", "step": "5%", "deduct": 0.2}
ASSETS = {"kind": "step", "threshold": "95%", "sides": "below", "step": "1%", "deduct_share": "5%"}
BREACHES = {"kind": "step", "threshold": 0, "sides": "above", "step": 1, "deduct": 1, "percent": False}


@pytest.mark.parametrize("params,weight,actual,expected", [
    (BUDGET_DONE, 2, "100%", "2"), (BUDGET_DONE, 2, "95%", "2"), (BUDGET_DONE, 2, "94.99%", "2"),
    (BUDGET_DONE, 2, "94%", "1.8"), (BUDGET_DONE, 2, "93%", "1.6"), (BUDGET_DONE, 2, "93.5%", "1.8"),
    (BUDGET_DONE, 2, "86%", "0.2"), (BUDGET_DONE, 2, "85%", "0"), (BUDGET_DONE, 2, "10%", "0"),
    (STAFF, 1, "100%", "1"), (STAFF, 1, "101%", "0.8"), (STAFF, 1, "102.5%", "0.6"), (STAFF, 1, "105%", "0"),
    (STAFF, 1, "86%", "1"),
    (PUBLIC, 2, "100%", "2"), (PUBLIC, 2, "91%", "2"), (PUBLIC, 2, "90%", "1.8"), (PUBLIC, 2, "110%", "1.8"),
    (PUBLIC, 2, "85.28%", "1.8"), (PUBLIC, 2, "79%", "1.6"), (PUBLIC, 2, "130%", "1.4"), (PUBLIC, 2, "0%", "0"),
    (PROGRESS, 1, "96%", "1"), (PROGRESS, 1, "95%", "0.8"), (PROGRESS, 1, "80%", "0.2"), (PROGRESS, 1, "75%", "0"),
    (ASSETS, 1, "95%", "1"), (ASSETS, 1, "94%", "0.95"), (ASSETS, 1, "90%", "0.75"), (ASSETS, 1, "70%", "0"),
    (BREACHES, 4, 0, "4"), (BREACHES, 4, 1, "3"), (BREACHES, 4, 3, "1"), (BREACHES, 4, 9, "0"),
])
def test_step(params, weight, actual, expected):
    assert run(params, weight, actual).score == D(expected)


def test_step_counting_modes():
    started = {**BUDGET_DONE, "counting": "started"}
    prorata = {**BUDGET_DONE, "counting": "prorata"}
    assert run(started, 2, "94.99%").score == D("1.8")
    assert run(started, 2, "93.5%").score == D("1.6")
    assert run(prorata, 2, "93.5%").score == D("1.7")
    assert "不足一步按一步计" in run(started, 2, "93.5%").explanation


def test_step_explanation_wording():
    assert run(BUDGET_DONE, 2, "93%").explanation == (
        "标准≥95%，实际93%，低于2个百分点，每1个百分点扣0.2分（按整步计，不足一步不扣），扣0.4分，得1.6分")


def test_step_float_trap():
    # (0.95-0.93)/0.01 is 1.9999999999999998 in binary floating point: still 2 steps
    assert run(BUDGET_DONE, 2, "93%").score == D("1.6")
    assert "ROUND((0.95-" in rule_from_params(BUDGET_DONE).formula(__import__("xltools").rules.Refs("W", actual="A"))


def test_step_needs_a_number():
    assert run(BUDGET_DONE, 2, "完成").problems[0].code == "not-a-number"
    assert run(BUDGET_DONE, 2).problems[0].code == "missing-value"


# -- tiers ---------------------------------------------------------------------------------------
SATISFACTION = {"kind": "tiers", "tiers": [["95%", 2], ["85%", 1.5], ["75%", 1]]}
KEY_SPENDING = {"kind": "tiers", "tiers": [["80%", 3], ["70%", 2], ["60%", 1]]}


@pytest.mark.parametrize("params,weight,actual,expected", [
    (SATISFACTION, 2, "100%", "2"), (SATISFACTION, 2, "95%", "2"), (SATISFACTION, 2, "94.99%", "1.5"),
    (SATISFACTION, 2, "85%", "1.5"), (SATISFACTION, 2, "84.9%", "1"), (SATISFACTION, 2, "75%", "1"),
    (SATISFACTION, 2, "74.99%", "0"), (SATISFACTION, 2, "0%", "0"),
    (KEY_SPENDING, 3, "80%", "3"), (KEY_SPENDING, 3, "79.99%", "2"), (KEY_SPENDING, 3, "70%", "2"),
    (KEY_SPENDING, 3, "69%", "1"), (KEY_SPENDING, 3, "60%", "1"), (KEY_SPENDING, 3, "59.9%", "0"),
])
def test_tiers(params, weight, actual, expected):
    assert run(params, weight, actual).score == D(expected)


# -- converted, checklist, execution -------------------------------------------------------------

@pytest.mark.parametrize("actual,weight,scale,expected", [
    (110, 30, None, "30"), (99, 30, None, "27"), (105, 7.5, None, "7.16"), (0, 30, None, "0"),
    (120, 30, None, "30"), (100, 7, 30, "7"), (22, 7, 30, "6"),
])
def test_converted(actual, weight, scale, expected):
    params = {"kind": "converted", "full": 110, "source": "大赶考考核得分"}
    if scale is not None:
        params["scale"] = scale
    out = run(params, weight, actual)
    assert out.score == D(expected)
    assert "大赶考考核得分" in out.explanation


ITEMS = {"kind": "checklist", "items": [["目标可行", 0.5], ["适应规划", 0.5], ["与职能相适应", 1]]}


@pytest.mark.parametrize("actual,expected", [
    ("①②③", "2"), ("①③", "1.5"), ("1、3", "1.5"), ("③", "1"), ("2", "0.5"), ("无", "0"),
])
def test_checklist(actual, expected):
    assert run(ITEMS, 2, actual).score == D(expected)


def test_checklist_blank():
    assert run(ITEMS, 2).problems[0].code == "missing-value"


@pytest.mark.parametrize("budget,spent,weight,score", [
    ("1112.67", "1112.67", 10, "10"), ("440", "437.21", 20, "19.87"), ("100", "120", 10, "10"),
    ("2597.66", "2395", 10, "9.22"), ("0", "5", 10, "0"), ("100", "0", 10, "0"),
])
def test_execution(budget, spent, weight, score):
    out = run("execution", weight, spent, budget)
    assert out.score == D(score)


def test_execution_zero_budget_is_an_issue():
    assert run("execution", 10, "5", "0").problems[0].code == "budget-missing"


def test_every_rule_has_formula_and_description():
    from xltools.rules import Refs
    samples = {"national": None, "qualitative": "qualitative", "manual": "manual", "step": BUDGET_DONE,
               "tiers": SATISFACTION, "converted": {"kind": "converted", "full": 110}, "checklist": ITEMS,
               "execution": "execution"}
    assert set(samples) == set(REGISTRY)
    for kind, params in samples.items():
        rule = rule_from_params(params)
        formula = rule.formula(Refs("$F$5", actual="$E$5", target="$D$5", op="$C$5", manual="$G$5"))
        assert formula.startswith("=") and formula.count("(") == formula.count(")"), kind
        assert rule.describe(D(2)), kind


def test_params_round_trip():
    for params in (BUDGET_DONE, STAFF, PUBLIC, ASSETS, BREACHES, SATISFACTION, ITEMS,
                   {"kind": "converted", "full": 110, "scale": 30}, {"kind": "national", "direction": "反向"}):
        rule = rule_from_params(params)
        assert rule_from_params(rule.params()) == rule
