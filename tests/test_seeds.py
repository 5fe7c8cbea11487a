"""Golden cases from the five seed reports in ../shared/seeds."""
from decimal import Decimal as D
from pathlib import Path

import pytest

from xltools.api import demo, evaluate_file
from xltools.checks import check, check_form
from xltools.model import Entry, Filing, FundingRow
from xltools.num import pct
from xltools.spec import load_form
from xltools.scoring import score, score_leaf

DATA = Path(__file__).parent / "data"


def test_seed_002_zhuzhou_scores_100():
    result = demo()
    assert result.card.total == 100
    assert result.card.grade == "优"
    assert result.card.funding.rate == 1
    assert result.card.funding.score == 10
    assert result.report.valid and not result.report.issues
    assert [g.score for g in result.card.top_groups()] == [50, 30, 10]


# -- seed 004: the Yunnan rules on and around each threshold ----------------------------------
YUNNAN = load_form("yunnan")


def yunnan(path, actual=None, inputs=None):
    leaf = YUNNAN.find(path)
    return score_leaf(tuple(path.split("/")), leaf, Entry(actual=actual, inputs=inputs or {})).score


@pytest.mark.parametrize("path,actual,expected", [
    # 预算完成率≥95%得2分，每少于一个百分点扣0.2分，扣完为止
    ("过程/预算执行/预算完成率", "95%", "2"), ("过程/预算执行/预算完成率", "94%", "1.8"),
    ("过程/预算执行/预算完成率", "94.5%", "2"), ("过程/预算执行/预算完成率", "90%", "1"),
    ("过程/预算执行/预算完成率", "85%", "0"), ("过程/预算执行/预算完成率", "100%", "2"),
    # 在职人员控制率≦100%，得1分；每超过一个百分点扣0.2分
    ("投入/预算配置/在职人员控制率", "100%", "1"), ("投入/预算配置/在职人员控制率", "101%", "0.8"),
    ("投入/预算配置/在职人员控制率", "104%", "0.2"), ("投入/预算配置/在职人员控制率", "105%", "0"),
    # 预算调整率≦10%，得2分，每超过一个百分点扣0.2分
    ("过程/预算执行/预算调整率", "10%", "2"), ("过程/预算执行/预算调整率", "11%", "1.8"),
    ("过程/预算执行/预算调整率", "20%", "0"), ("过程/预算执行/预算调整率", "5.67%", "2"),
    # “三公经费”变动率≦0，得1分，每超过一个百分点扣0.2分
    ("投入/预算配置/“三公经费”变动率", "0%", "1"), ("投入/预算配置/“三公经费”变动率", "-3%", "1"),
    ("投入/预算配置/“三公经费”变动率", "2%", "0.6"),
    # 三公经费控制率≤100%得1分，每超过一个百分点扣0.2分
    ("过程/预算执行/“三公经费”控制率", "100%", "1"), ("过程/预算执行/“三公经费”控制率", "103%", "0.4"),
    # 支出进度率：以100%为标准，每少于5%扣0.2分
    ("过程/预算执行/支出进度率", "100%", "1"), ("过程/预算执行/支出进度率", "95%", "0.8"),
    ("过程/预算执行/支出进度率", "96%", "1"), ("过程/预算执行/支出进度率", "75%", "0"),
    # 公用经费控制率：以100%为标准，每超过或低于10%扣0.2分
    ("过程/预算执行/公用经费控制率", "100%", "2"), ("过程/预算执行/公用经费控制率", "90%", "1.8"),
    ("过程/预算执行/公用经费控制率", "110%", "1.8"), ("过程/预算执行/公用经费控制率", "89%", "1.8"),
    ("过程/预算执行/公用经费控制率", "80%", "1.6"), ("过程/预算执行/公用经费控制率", "120%", "1.6"),
    # 政府采购执行率：同上，1分
    ("过程/预算执行/政府采购执行率", "90.96%", "1"), ("过程/预算执行/政府采购执行率", "90%", "0.8"),
    # 重点支出安排率≧80%得3分，70%(含)-80%得2分，60%(含)-70%得1分，低于60%不得分
    ("投入/预算配置/重点项目支出安排率", "80%", "3"), ("投入/预算配置/重点项目支出安排率", "79.9%", "2"),
    ("投入/预算配置/重点项目支出安排率", "70%", "2"), ("投入/预算配置/重点项目支出安排率", "60%", "1"),
    ("投入/预算配置/重点项目支出安排率", "59%", "0"),
    # 固定资产在用率达到95%以上得1分，每降低1%扣权重分(1分)5%
    ("过程/资产管理/固定资产在用率", "95%", "1"), ("过程/资产管理/固定资产在用率", "94%", "0.95"),
    ("过程/资产管理/固定资产在用率", "91.78%", "0.85"), ("过程/资产管理/固定资产在用率", "75%", "0"),
    # 服务对象满意度：95%(含)以上2分，85%(含)–95% 1.5分，75%(含)–85% 1分，低于75%不得分
    ("效果/满意度/服务对象满意度", "95%", "2"), ("效果/满意度/服务对象满意度", "94%", "1.5"),
    ("效果/满意度/服务对象满意度", "85%", "1.5"), ("效果/满意度/服务对象满意度", "84%", "1"),
    ("效果/满意度/服务对象满意度", "75%", "1"), ("效果/满意度/服务对象满意度", "74%", "0"),
    # (大赶考考核得分/110)×分值
    ("产出/履职履责/考核任务实际完成率", 110, "7.5"), ("产出/履职履责/考核任务实际完成率", 99, "6.75"),
    # 资金使用合规性：每出现一例不符合要求的扣1分，扣完为止
    ("过程/预算管理/资金使用合规性", 0, "4"), ("过程/预算管理/资金使用合规性", 1, "3"),
    ("过程/预算管理/资金使用合规性", 5, "0"),
    # 绩效目标可行性：①0.5 ②0.5 ③1
    ("投入/绩效目标管理/绩效目标可行性", "①②③", "2"), ("投入/绩效目标管理/绩效目标可行性", "①③", "1.5"),
])
def test_yunnan_rules(path, actual, expected):
    assert yunnan(path, actual) == D(expected)


def test_yunnan_derived_from_raw_figures():
    # seed 004: 2023 支出决算 1,320.73 万元, 预算支出完成率 100%
    assert yunnan("过程/预算执行/预算完成率", inputs={"部门支出决算": "1,320.73", "部门支出预算": "1320.73"}) == 2
    # 设备 42.19 of 45.97 in use -> 91.78 %: 3 whole points below 95 % -> 1 - 3×5% = 0.85
    assert yunnan("过程/资产管理/固定资产在用率",
                  inputs={"实际在用固定资产总额": 42.19, "所有固定资产总额": 45.97}) == D("0.85")


def test_yunnan_seed_weights_sum_to_96():
    form = load_form(DATA / "yunnan-seed-weights.yaml")
    issues = list(check_form(form))
    assert [(i.code, i.location.path) for i in issues] == [("total-weight", "总分")]
    assert "96" in issues[0].message
    assert not list(check_form(YUNNAN))


def test_weights_sum_at_a_level():
    form = load_form(DATA / "yunnan-seed-weights.yaml")
    from dataclasses import replace
    from xltools.spec import _override_weight
    broken = _override_weight(form, "产出", D(30))  # group says 30, its children give 28
    codes = {(i.code, i.location.path) for i in check_form(broken)}
    assert ("weights-sum", "产出") in codes
    assert replace  # noqa


# -- seed 003: derived ratios as printed -------------------------------------------------------
HUBEI = load_form("hubei")


@pytest.mark.parametrize("path,inputs,rate", [
    ("运行成本/公用经费控制/公用经费控制率", {"实际公用经费": "11.70", "预算公用经费": "13.72"}, "0.8528"),
    ("管理效率/预算编制/预算调整率", {"年初预算数": "2,753.66", "调整后预算数": "2,597.66"}, "0.0567"),
    ("管理效率/预算执行/预算执行率", {"预算执行数": "2,395.00", "调整后预算数": "2,597.66"}, "0.9220"),
    ("管理效率/预算执行/政府采购执行率", {"实际采购金额": "179.20", "采购预算": "197.00"}, "0.9096"),
])
def test_seed_003_derived_ratios(path, inputs, rate):
    leaf = HUBEI.find(path)
    result = score_leaf(tuple(path.split("/")), leaf, Entry(inputs=inputs))
    assert result.actual.number == D(rate)
    assert pct(result.actual.number) == f"{D(rate) * 100:.2f}%".replace(".20%", ".2%")


def test_seed_003_zero_over_zero_is_reported_not_guessed():
    path = "运行成本/项目支出成本控制/会议费控制率"
    result = score_leaf(tuple(path.split("/")), HUBEI.find(path), Entry(inputs={"实际会议费": 0, "预算会议费": 0}))
    assert "derive-undefined" in [p.code for p in result.problems]


# -- seed 001: the slips a real table contains ---------------------------------------------------

def test_seed_001_slips_are_caught():
    result = evaluate_file(DATA / "seed001-goals.yaml")
    flat = set(result.report.flatten(("path", "field", "code")))
    # 基本支出 4337.21 typed for 437.21: a sub-amount ten times its total
    assert ("资金情况", "fiscal.spent", "subamount-exceeds-total") in flat
    # stated total 93 does not match its parts
    assert ("总分", "score", "total-differs") in flat
    # 98 % of a 100 % target on 5 points is 4.9 by the rule; a stated 4 needs a reason
    assert ("目标1/产出指标/取缔出门出窗占道经营率", "score", "score-differs-from-rule") in flat
    assert ("目标1/产出指标/取缔出门出窗占道经营率", "reason", "missing-reason") in flat
    # with a reason, a lower judgement score is accepted and counted (warning only)
    assert ("目标1/产出指标/道路绿化率", "score", "score-overridden") in flat
    # 执行率 437.21/440 = 99.37 %, stated 99.4 %: agrees at the stated precision
    assert not any(code == "rate-differs" for _, _, code in flat)
    card = result.card
    assert card.funding.rate == D("0.9937") and card.funding.score == D("19.87")
    assert [g.score for g in card.top_groups()] == [D("26.90"), D("29.80"), D("18.75")]
    assert card.total == D("95.32") and card.grade == "优秀"
    assert not result.report.valid


def test_stated_rate_that_disagrees():
    form = load_form("dept")
    filing = Filing(form=form, funding={"total": FundingRow(budget=440, spent="437.21")}, stated_rate="100%",
                    stated_funding_score=10, stated_total=10, stated_grade="差")
    flat = set(check(filing).flatten(("path", "field", "code")))
    assert ("资金情况", "rate", "rate-differs") in flat
    assert ("资金情况", "score", "funding-score-differs") in flat
    assert ("总分", "score", "total-differs") in flat  # a stated 10 means 10.00, not 9.94
    assert score(filing).total == D("9.94")


def test_grade_that_does_not_match_the_total():
    form = load_form("dept")
    filing = Filing(form=form, funding={"total": FundingRow(budget=100, spent=100)}, stated_total=10,
                    stated_grade="优")
    assert ("总分", "grade", "grade-differs") in set(check(filing).flatten(("path", "field", "code")))


def test_score_above_weight_and_spent_above_budget():
    from xltools.filing import filing_from_dict
    filing = filing_from_dict({
        "form": "dept", "funding": {"total": {"budget": 100, "spent": 120}},
        "indicators": [{"parent": "产出指标/数量指标", "leaf": "案件", "weight": 10, "target": "≥100",
                        "actual": 100, "score": 12}],
    })
    flat = set(check(filing).flatten(("path", "field", "code")))
    assert ("产出指标/数量指标/案件", "score", "score-exceeds-weight") in flat
    assert ("资金情况", "total.spent", "spent-exceeds-budget") in flat
    assert ("产出指标", "weight", "weights-sum") in flat  # 10 of 50 filled in


def test_qualitative_band_and_unreadable_values():
    from xltools.filing import filing_from_dict
    filing = filing_from_dict({
        "form": "dept",
        "indicators": [
            {"parent": "效益指标/社会效益指标", "leaf": "市容", "weight": 10, "direction": "定性",
             "actual": "较好", "score": 7, "band": "达成", "reason": "仍有死角"},
            {"parent": "产出指标/数量指标", "leaf": "案件", "weight": 10, "target": "≥100件", "actual": "1..5",
             "score": "十分"},
        ],
    })
    flat = set(check(filing).flatten(("path", "field", "code")))
    assert ("效益指标/社会效益指标/市容", "score", "qualitative-band") in flat
    assert ("产出指标/数量指标/案件", "actual", "unparseable-value") in flat
    assert ("产出指标/数量指标/案件", "score", "unparseable-value") in flat
