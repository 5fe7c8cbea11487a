"""The value parser, table-driven: what people type -> (kind, op, number, unit)."""
from decimal import Decimal as D

import pytest

from xltools.parse import align, parse

N = "number"
T = "text"
E = "error"
B = "blank"

CASES = [
    # --- operators as symbols ------------------------------------------------------------
    ("≥100件", N, "≥", "100", "件"),
    (">=100", N, "≥", "100", ""),
    ("=>100", N, "≥", "100", ""),
    ("≧100", N, "≥", "100", ""),
    ("＞＝100", N, "≥", "100", ""),
    (">100", N, ">", "100", ""),
    ("＞100", N, ">", "100", ""),
    ("≤5%", N, "≤", "0.05", "%"),
    ("<=5%", N, "≤", "0.05", "%"),
    ("≦100%", N, "≤", "1", "%"),
    ("<3天", N, "<", "3", "天"),
    ("=0", N, "=", "0", ""),
    ("＝0", N, "=", "0", ""),
    ("==100%", N, "=", "1", "%"),
    ("≥ 95 %", N, "≥", "0.95", "%"),
    ("  ≥100件  ", N, "≥", "100", "件"),
    # --- operators as words --------------------------------------------------------------
    ("不少于100件", N, "≥", "100", "件"),
    ("不低于90%", N, "≥", "0.9", "%"),
    ("不小于80", N, "≥", "80", ""),
    ("大于等于95%", N, "≥", "0.95", "%"),
    ("大于或等于95%", N, "≥", "0.95", "%"),
    ("至少12次", N, "≥", "12", "次"),
    ("达到100%", N, "≥", "1", "%"),
    ("不超过5%", N, "≤", "0.05", "%"),
    ("不高于3天", N, "≤", "3", "天"),
    ("不大于10", N, "≤", "10", ""),
    ("小于等于100%", N, "≤", "1", "%"),
    ("控制在5%以内", N, "≤", "0.05", "%"),
    ("最多2次", N, "≤", "2", "次"),
    ("高于80%", N, ">", "0.8", "%"),
    ("超过50人", N, ">", "50", "人"),
    ("低于5%", N, "<", "0.05", "%"),
    ("少于3起", N, "<", "3", "起"),
    ("未达到95%", N, "<", "0.95", "%"),
    ("等于0", N, "=", "0", ""),
    ("案件处理率不低于95%", N, "≥", "0.95", "%"),
    ("满意度≥90%", N, "≥", "0.9", "%"),
    # --- operators after the number ------------------------------------------------------
    ("95%以上", N, "≥", "0.95", "%"),
    ("95%（含）以上", N, "≥", "0.95", "%"),
    ("95%(含)以上", N, "≥", "0.95", "%"),
    ("100件以上", N, "≥", "100", "件"),
    ("5%以内", N, "≤", "0.05", "%"),
    ("3天以下", N, "≤", "3", "天"),
    ("100%及以上", N, "≥", "1", "%"),
    # --- plain numbers, full width, separators, units ------------------------------------
    ("0", N, None, "0", ""),
    ("０", N, None, "0", ""),
    ("100%", N, None, "1", "%"),
    ("９８％", N, None, "0.98", "%"),
    ("98﹪", N, None, "0.98", "%"),
    ("93.5%", N, None, "0.935", "%"),
    ("85.28%", N, None, "0.8528", "%"),
    ("5‰", N, None, "0.005", "‰"),
    ("437万元", N, None, "437", "万元"),
    ("1,112.67", N, None, "1112.67", ""),
    ("1，112.67万元", N, None, "1112.67", "万元"),
    ("2,753.66万元", N, None, "2753.66", "万元"),
    ("1,000,000元", N, None, "1000000", "元"),
    ("１２０件", N, None, "120", "件"),
    ("-5%", N, None, "-0.05", "%"),
    ("−5%", N, None, "-0.05", "%"),
    ("+3", N, None, "3", ""),
    ("0.5", N, None, "0.5", ""),
    ("全年365天", N, None, "365", "天"),
    ("市级120件", N, None, "120", "件"),
    ("案件处理率100%", N, None, "1", "%"),
    ("35.67万平方米", N, None, "35.67", "万平方米"),
    ("12089次", N, None, "12089", "次"),
    ("30万平方米", N, None, "30", "万平方米"),
    ("932宗", N, None, "932", "宗"),
    ("437万元（含结转）", N, None, "437", "万元"),
    ("1.5分", N, None, "1.5", "分"),
    # --- qualitative ---------------------------------------------------------------------
    ("整洁、有序、舒适", T, None, None, ""),
    ("按时完成", T, None, None, ""),
    ("效果显著", T, None, None, ""),
    ("不超预算", T, None, None, ""),
    ("未超预算", T, None, None, ""),
    ("及时发现及时处理", T, None, None, ""),
    ("完成", T, None, None, ""),
    ("基本满意", T, None, None, ""),
    ("全年365天，全天24小时，无缝隙执", T, None, None, ""),
    ("工地防尘要求“8个100%”", T, None, None, ""),
    ("2023年12月31日前完成", T, None, None, ""),
    ("90%-100%", T, None, None, ""),
    # --- blank ---------------------------------------------------------------------------
    ("", B, None, None, ""),
    ("   ", B, None, None, ""),
    ("\u3000", B, None, None, ""),
    (None, B, None, None, ""),
    # --- unreadable: reported, never guessed --------------------------------------------
    ("≥", E, None, None, ""),
    ("不低于", T, None, None, ""),
    ("1..5", E, None, None, ""),
    ("12,34", E, None, None, ""),
    ("1.2.3%", E, None, None, ""),
    ("#DIV/0!", E, None, None, ""),
    ("#N/A", E, None, None, ""),
    ("#REF!", E, None, None, ""),
    ("#VALUE!", E, None, None, ""),
    ("≥100件，≥200人", E, None, None, ""),
    ("≥95%以下", E, None, None, ""),
    ("1e400", E, None, None, ""),
    ("99999999999999999999", E, None, None, ""),
]


@pytest.mark.parametrize("raw,kind,op,number,unit", CASES, ids=[repr(c[0]) for c in CASES])
def test_parse_table(raw, kind, op, number, unit):
    value = parse(raw)
    assert value.kind == kind, value
    if kind == N:
        assert value.op == op
        assert value.number == D(number)
        assert value.unit == unit
        assert value.ratio == (unit in ("%", "‰"))
    if kind == E:
        assert value.reason  # says why


def test_table_is_large_enough():
    assert len(CASES) >= 80


@pytest.mark.parametrize("raw,expected", [
    (0, D(0)), (12, D(12)), (0.93, D("0.93")), (D("1112.67"), D("1112.67")), (1e-7, D("1E-7")),
])
def test_numbers_from_cells(raw, expected):
    value = parse(raw)
    assert value.kind == N and value.number == expected and value.op is None


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), 1e300])
def test_unusable_cell_numbers(raw):
    assert parse(raw).kind == E


def test_booleans_are_text():
    assert parse(True).kind == T


def test_display_round_trip():
    for raw in ("≥100件", "≤5%", "98%", "437万元", "0"):
        assert parse(parse(raw).display()) == parse(raw).__class__(**{**parse(raw).__dict__, "text": parse(raw).display()})


@pytest.mark.parametrize("target,actual,t,a,note", [
    ("≥95%", "93%", "0.95", "0.93", False),
    ("≥95%", "93", "0.95", "0.93", True),  # plain 93 against a percent target: percent points
    ("≥95%", "0.93", "0.95", "0.93", True),  # plain 0.93: a fraction (no conversion needed)
    ("≥100", "98%", "1", "0.98", True),  # plain 100 against a percent actual
    ("400万元", "437万元", "400", "437", False),
    ("400万元", "4370000元", "400", "437", True),
    ("3万平方米", "35000平方米", "3", "3.5", True),
])
def test_align(target, actual, t, a, note):
    out = align(parse(target), parse(actual))
    assert out.target == D(t) and out.actual == D(a)
    assert (out.note is not None) == note or D(a) == parse(actual).number


def test_align_refuses_unrelated_units():
    assert isinstance(align(parse("≥100件"), parse("120人")), str)


@pytest.mark.parametrize("text,op,number,unit", [
    ("≥150万㎡", "≥", "150", "万平方米"), ("152万㎡", None, "152", "万平方米"), ("≥5000m²", "≥", "5000", "平方米"),
    ("20m³", None, "20", "立方米"), ("≥1.5万m³", "≥", "1.5", "万立方米"), ("≥100公里", "≥", "100", "公里"),
    ("≥10km", "≥", "10", "公里"), ("380km²", None, "380", "平方公里"), ("1200人次", None, "1200", "人次"),
    ("≥5万人次", "≥", "5", "万人次"), ("≤3‰", "≤", "0.003", "‰"), ("2.8万平方米", None, "2.8", "万平方米"),
])
def test_area_volume_length_units_and_wan_prefix(text, op, number, unit):
    from decimal import Decimal
    v = parse(text)
    assert (v.kind, v.op, v.number, v.unit) == ("number", op, Decimal(number), unit)


@pytest.mark.parametrize("target,actual,t,a", [
    ("≥150万㎡", "1520000平方米", "150", "152"), ("≥5万人次", "52000人次", "5", "5.2"),
    ("≥5公里", "4800m", "5", "4.8"), ("≥380平方公里", "380km²", "380", "380"),
])
def test_prefixed_units_compare(target, actual, t, a):
    from decimal import Decimal
    from xltools.parse import align
    got = align(parse(target), parse(actual))
    assert (got.target, got.actual) == (Decimal(t), Decimal(a))
