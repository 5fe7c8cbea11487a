"""Form spec files: loading errors are clear, extends/weights/add work, shipped presets are right.

Every bad spec must raise :class:`xltools.errors.SpecError` that names the file (``source``), the
dotted key inside it (``key``), says what is wrong in Chinese and, where there is one, how to fix it.
"""
from __future__ import annotations

import re
import textwrap
from decimal import Decimal as D
from pathlib import Path

import pytest

from xltools.checks import check_form
from xltools.errors import SpecError, XltoolsError
from xltools.model import Group, Leaf
from xltools.rules import REGISTRY
from xltools.spec import builtin_ids, form_from_text, load_form

CJK = re.compile(r"[\u4e00-\u9fff]")


def write(tmp_path: Path, text: str, name: str = "unit.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str, name: str = "unit.yaml") -> SpecError:
    """Load a bad spec file; return its SpecError after the checks every spec error must pass."""
    path = write(tmp_path, text, name)
    with pytest.raises(SpecError) as info:
        load_form(path)
    err = info.value
    assert isinstance(err, XltoolsError)
    assert err.code == "spec-error"
    assert err.source == str(path), "the error must name the user's file"
    assert CJK.search(err.detail), f"message should be Chinese: {err.detail!r}"
    shown = str(err)
    assert f"表式定义文件 {path}" in shown
    if err.key:
        assert f"键 {err.key}" in shown
    if err.fix:
        assert CJK.search(err.fix) or "," in err.fix
        assert f"处理办法：{err.fix}" in shown
    return err


# A well-formed leaf list used as the first child so that indexes in keys are not all [0].
OK_LEAF = """
      - leaf: 执法案件
        weight: 10
        target: ≥100件
"""


def spec(children: str, head: str = "") -> str:
    """A spec with one group 产出指标 whose children are OK_LEAF + ``children``."""
    return (f"id: t\ntitle: 测试表\n{head}indicators:\n  - group: 产出指标\n    children:"
            + textwrap.dedent(OK_LEAF).replace("\n", "\n      ").rstrip(" ")
            + textwrap.indent(textwrap.dedent(children).strip("\n"), "      ") + "\n")


def test_helper_builds_a_valid_spec(tmp_path):
    form = load_form(write(tmp_path, spec("""
        - leaf: 巡查次数
          weight: 5
    """)))
    assert [leaf.name for _, leaf in form.leaves()] == ["执法案件", "巡查次数"]


# ---------------------------------------------------------------------------
# Each kind of mistake: the right key, a Chinese message, a fix where there is one


def test_bad_yaml_syntax(tmp_path):
    err = load_error(tmp_path, """
        id: t
        title: 测试表
        indicators:
          - group: 产出指标
           weight: 50
    """)
    assert err.key is None  # the YAML cannot be read, so there is no key yet
    assert "YAML" in err.detail and "第5行" in err.detail
    assert err.fix == "检查缩进、冒号和引号"


def test_tab_indentation_is_a_yaml_error(tmp_path):
    err = load_error(tmp_path, "id: t\ntitle: 测试表\nindicators:\n\t- group: 产出指标\n")
    assert "YAML" in err.detail and "第4行" in err.detail
    assert err.fix


def test_unknown_top_level_key(tmp_path):
    err = load_error(tmp_path, """
        id: t
        title: 测试表
        indicator: []
    """)
    assert err.key == "indicator"
    assert "不认识的键" in err.detail and "indicator" in err.detail
    assert "indicators" in err.fix  # lists the keys that are allowed


def test_unknown_leaf_key(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 巡查次数
          wieght: 5
    """))
    assert err.key == "indicators[0].children[1].wieght"
    assert "wieght" in err.detail
    assert "weight" in err.fix


def test_unknown_group_key(tmp_path):
    err = load_error(tmp_path, """
        id: t
        title: 测试表
        indicators:
          - group: 产出指标
            weight: 50
            rule: national
    """)
    assert err.key == "indicators[0].rule"
    assert "leaf" in err.fix  # tells the user leaves are written with leaf:


def test_unknown_rule_kind(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 预算完成率
          weight: 2
          rule: {kind: stepp, threshold: 95%, deduct: 0.2}
    """))
    assert err.key == "indicators[0].children[1].rule.kind"
    assert "stepp" in err.detail
    for kind in REGISTRY:
        assert kind in err.fix


def test_unknown_rule_parameter(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 预算完成率
          weight: 2
          rule: {kind: step, threshold: 95%, deduct: 0.2, stepsize: 1%}
    """))
    assert err.key == "indicators[0].children[1].rule"
    assert "stepsize" in err.detail
    assert "step" in err.fix and "deduct" in err.fix


def test_step_rule_without_deduct(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 预算完成率
          weight: 2
          rule: {kind: step, threshold: 95%, step: 1%}
    """))
    assert err.key == "indicators[0].children[1].rule"
    # the message itself says what to add
    assert "deduct" in err.detail and "deduct_share" in err.detail


def test_step_rule_bad_sides(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 公用经费控制率
          weight: 2
          rule: {kind: step, threshold: 100%, sides: two, deduct: 0.2}
    """))
    assert err.key == "indicators[0].children[1].rule.sides"
    assert "below" in err.detail and "above" in err.detail and "both" in err.detail


def test_step_rule_negative_deduct(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 预算完成率
          weight: 2
          rule: {kind: step, threshold: 95%, deduct: -0.2}
    """))
    assert err.key == "indicators[0].children[1].rule.deduct"


def test_tiers_out_of_order(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 服务对象满意度
          weight: 2
          rule: {kind: tiers, tiers: [[85%, 1.5], [95%, 2], [75%, 1]]}
    """))
    assert err.key == "indicators[0].children[1].rule.tiers"
    assert "从高到低" in err.detail


def test_tiers_bad_pair(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 服务对象满意度
          weight: 2
          rule: {kind: tiers, tiers: [[95%, 2], [85%]]}
    """))
    assert err.key == "indicators[0].children[1].rule.tiers[1]"
    assert "[下限, 得分]" in err.detail


def test_leaf_without_weight(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 巡查次数
          target: ≥365次
    """))
    assert err.key == "indicators[0].children[1].weight"
    assert "weight" in err.detail and "分值" in err.detail


def test_weight_not_a_number(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 巡查次数
          weight: 五分
    """))
    assert err.key == "indicators[0].children[1].weight"
    assert "五分" in err.detail
    assert err.fix


def test_negative_weight(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 巡查次数
          weight: -5
    """))
    assert err.key == "indicators[0].children[1].weight"
    assert "负数" in err.detail


def test_duplicate_sibling_names(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 执法案件
          weight: 5
    """))
    # the list holding the duplicates (a future version may point at the duplicate itself)
    assert err.key is not None and err.key.startswith("indicators[0].children")
    assert "执法案件" in err.detail
    assert err.fix == "同级指标名称不能重复"


def test_duplicate_top_level_groups(tmp_path):
    err = load_error(tmp_path, """
        id: t
        title: 测试表
        indicators:
          - group: 产出指标
          - group: 效益指标
          - group: 产出指标
    """)
    assert err.key is not None and err.key.startswith("indicators")
    assert "产出指标" in err.detail


def test_rule_max_above_weight(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 服务对象满意度
          weight: 2
          rule: {kind: tiers, tiers: [[95%, 3], [85%, 1.5]]}
    """))
    assert err.key == "indicators[0].children[1].rule"
    assert "3" in err.detail and "2" in err.detail
    assert err.fix == "调低规则中的分数或调高分值"


def test_checklist_above_weight(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 绩效目标可行性
          weight: 1
          rule: {kind: checklist, items: [[可行, 0.5], [适应规划, 0.5], [与职能相适应, 1]]}
    """))
    assert err.key == "indicators[0].children[1].rule"
    assert err.fix


def test_direction_with_other_rule(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 预算完成率
          weight: 2
          direction: 正向
          rule: {kind: step, threshold: 95%, deduct: 0.2}
    """))
    assert err.key == "indicators[0].children[1].direction"


def test_bad_direction(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 巡查次数
          weight: 5
          direction: 越多越好
    """))
    assert err.key == "indicators[0].children[1].rule.direction"
    assert "正向" in err.detail


def test_name_with_path_separator(tmp_path):
    err = load_error(tmp_path, spec("""
        - leaf: 巡查/检查次数
          weight: 5
    """))
    assert err.key == "indicators[0].children[1].leaf"
    assert "/" in err.detail


def test_grades_out_of_order(tmp_path):
    err = load_error(tmp_path, """
        id: t
        title: 测试表
        grades: [[80, 良], [90, 优], [0, 差]]
        indicators: []
    """)
    assert err.key == "grades"


def test_missing_required_key(tmp_path):
    err = load_error(tmp_path, """
        id: t
        indicators: []
    """)
    assert err.key == "title"


def test_not_a_mapping(tmp_path):
    err = load_error(tmp_path, """
        - group: 产出指标
    """)
    assert err.key is None
    assert "键值表" in err.detail


def test_extends_unknown_form(tmp_path):
    err = load_error(tmp_path, """
        extends: 不存在的表式
        id: my-unit
    """)
    assert err.key == "extends"
    assert "不存在的表式" in err.detail
    for form_id in builtin_ids():  # the fix lists what can be extended
        assert form_id in err.fix


def test_extends_missing_file(tmp_path):
    err = load_error(tmp_path, f"""
        extends: {tmp_path / 'province.yaml'}
        id: my-unit
    """)
    assert err.key == "extends"
    assert "找不到" in err.detail


@pytest.mark.parametrize("text,key", [
    ("extends: dept\nid: my-unit\nlevels: 5\n", "levels"),  # TypeError: 'int' object is not iterable
    ("extends: dept\nid: my-unit\nweights: [产出指标, 40]\n", "weights"),  # AttributeError: .items()
    ("extends: [dept]\nid: my-unit\n", "extends"),  # TypeError from Path([...])
    ("extends: dept\nid: my-unit\nkind: 部门\n", "kind"),  # accepted; _build would reject it
    ("extends: dept\nid: my-unit\nlayout: wide\n", "layout"),  # accepted; _build would reject it
    ("id: t\ntitle: 测试表\nindicators: []\nweights: {产出指标: 40}\n", "weights"),  # silently ignored
], ids=["levels-int", "weights-list", "extends-list", "kind", "layout", "weights-without-extends"])
def test_extends_keys_are_validated(tmp_path, text, key):
    err = load_error(tmp_path, text)
    assert err.key == key


def test_weights_override_of_unknown_path(tmp_path):
    err = load_error(tmp_path, """
        extends: dept
        id: my-unit
        weights: {产出指标: 40, 产出指标/数星指标: 20}
    """)
    assert err.key == "weights.产出指标/数星指标"
    assert "产出指标/数星指标" in err.detail
    assert "路径" in err.fix


def test_weights_override_not_a_number(tmp_path):
    err = load_error(tmp_path, """
        extends: dept
        id: my-unit
        weights: {产出指标: 四十}
    """)
    assert err.key == "weights.产出指标"


def test_add_under_unknown_group(tmp_path):
    err = load_error(tmp_path, """
        extends: dept
        id: my-unit
        add:
          - parent: 产出指标/数量指标
            leaf: 执法案件
            weight: 10
          - parent: 产出指标/数星指标
            leaf: 巡查次数
            weight: 10
    """)
    assert err.key == "add[1].parent"
    assert "产出指标/数星指标" in err.detail
    assert err.fix


def test_add_leaf_errors_point_into_add(tmp_path):
    err = load_error(tmp_path, """
        extends: dept
        id: my-unit
        add:
          - parent: 产出指标/数量指标
            leaf: 执法案件
    """)
    assert err.key == "add[0].weight"


def test_missing_spec_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(SpecError) as info:
        load_form(path)
    assert info.value.source == str(path)
    assert "找不到" in info.value.detail


def test_unknown_builtin_id():
    with pytest.raises(SpecError) as info:
        load_form("no-such-form")
    assert "no-such-form" in info.value.detail
    assert "dept" in info.value.fix


def test_error_in_text_spec_names_the_source():
    with pytest.raises(SpecError) as info:
        form_from_text("id: t\ntitle: x\nindicators: [{leaf: a}]\n", source="粘贴的文本")
    assert info.value.source == "粘贴的文本"
    assert info.value.key == "indicators[0].weight"


# ---------------------------------------------------------------------------
# extends / weights / add


def test_user_spec_extends_dept(tmp_path):
    path = write(tmp_path, """
        # 某执法大队：按层级分配分值（产出40、效益20、满意度20、预算执行率20），并列出本单位的三级指标
        extends: dept
        id: my-unit
        title: 某执法大队部门整体支出绩效自评表
        weights:
          产出指标: 40
          效益指标: 20
          满意度指标: 20
          预算执行率: 20
          产出指标/数量指标: 20
        add:
          - parent: 产出指标/数量指标
            leaf: 执法案件
            weight: 10
            target: ≥100件
          - parent: 产出指标/数量指标
            leaf: 巡查次数
            weight: 10
            target: ≥365次
          - parent: 产出指标/质量指标
            leaf: 案件办结率
            weight: 20
            rule: {kind: step, threshold: 95%, deduct: 2}
          - parent: 效益指标/社会效益指标
            leaf: 市容环境改善
            weight: 20
            direction: 定性
            target: 整洁、有序
          - parent: 满意度指标/服务对象满意度指标
            leaf: 群众满意度
            weight: 20
            rule: {kind: tiers, tiers: [[95%, 20], [85%, 15], [75%, 10]]}
    """)
    form = load_form(path)
    base = load_form("dept")

    assert form.id == "my-unit"
    assert form.title == "某执法大队部门整体支出绩效自评表"
    assert (form.kind, form.layout, form.grades, form.level_names) == (
        base.kind, base.layout, base.grades, base.level_names)
    assert form.funding is not None and form.funding.weight == D(20)
    assert form.funding.label == base.funding.label

    def weight(path):
        node = form.find(path)
        return node.weight if isinstance(node, Leaf) else node.total_weight()

    assert weight("产出指标") == 40
    assert weight("效益指标") == 20
    assert weight("满意度指标") == 20
    assert weight("产出指标/数量指标") == 20
    assert weight("产出指标/质量指标") == 20  # no weight of its own: the sum of its leaves
    assert weight("产出指标/数量指标/执法案件") == 10
    assert weight("满意度指标/服务对象满意度指标/群众满意度") == 20

    leaves = {"/".join(p): leaf for p, leaf in form.leaves()}
    assert list(leaves) == ["产出指标/数量指标/执法案件", "产出指标/数量指标/巡查次数", "产出指标/质量指标/案件办结率",
                            "效益指标/社会效益指标/市容环境改善", "满意度指标/服务对象满意度指标/群众满意度"]
    assert leaves["产出指标/数量指标/执法案件"].target == "≥100件"
    assert leaves["产出指标/质量指标/案件办结率"].rule.kind == "step"
    assert leaves["效益指标/社会效益指标/市容环境改善"].rule.params() == {"kind": "national", "direction": "定性"}
    assert leaves["满意度指标/服务对象满意度指标/群众满意度"].rule.kind == "tiers"

    # the groups the unit did not fill stay, empty, as in the base form
    assert [g.name for g in form.find("产出指标").children] == [g.name for g in base.find("产出指标").children]
    assert all(isinstance(n, Group) for n in form.indicators)

    # everything adds up: 20 + 40 + 20 + 20 = 100, every group equals its children
    assert form.indicator_weight() + form.funding.weight == form.total == 100
    assert list(check_form(form)) == []

    # the base form is untouched
    assert load_form("dept") == base
    assert base.find("产出指标").weight == 50 and base.funding.weight == 10


def test_extends_a_spec_file(tmp_path):
    write(tmp_path, """
        extends: dept
        id: province
        weights: {预算执行率: 20, 产出指标: 40, 效益指标: 20, 满意度指标: 20}
    """, name="province.yaml")
    path = write(tmp_path, f"""
        extends: {tmp_path / 'province.yaml'}
        id: city
        add:
          - {{parent: 产出指标/数量指标, leaf: 执法案件, weight: 40}}
    """, name="city.yaml")
    form = load_form(path)
    assert form.id == "city"
    assert form.funding.weight == 20
    assert form.find("产出指标").weight == 40
    assert form.find("产出指标/数量指标/执法案件").weight == 40


def test_add_duplicate_leaf(tmp_path):
    err = load_error(tmp_path, """
        extends: dept
        id: my-unit
        add:
          - {parent: 产出指标/数量指标, leaf: 执法案件, weight: 10}
          - {parent: 产出指标/数量指标, leaf: 执法案件, weight: 5}
    """)
    assert err.key == "add[1]"
    assert "执法案件" in err.detail


# ---------------------------------------------------------------------------
# Shipped forms and presets


def test_preset_dept_40_20_20():
    form = load_form("dept-40-20-20")
    assert form.id == "dept-40-20-20"
    assert form.funding is not None and form.funding.weight == 20
    assert form.find("产出指标").weight == 40
    assert form.find("效益指标").weight == 20
    assert form.find("满意度指标").weight == 20
    assert form.indicator_weight() + form.funding.weight == 100


@pytest.mark.parametrize("form_id", builtin_ids())
def test_shipped_forms_load_and_weigh_100(form_id):
    form = load_form(form_id)
    assert form.id == form_id
    funding = form.funding.weight if form.funding else 0
    assert form.indicator_weight() + funding == form.total == 100
    for _, leaf in form.leaves():
        assert leaf.rule.max_score(leaf.weight) <= leaf.weight


def test_forms_are_found_by_id_title_and_the_names_their_yaml_lists():
    from xltools.spec import form_named
    assert form_named("DEPT") == "dept"
    assert form_named("部门整体绩效自评表(湖北)") == "hubei"  # either kind of brackets
    assert (form_named("湖北"), form_named("项目支出"), form_named("目标")) == ("hubei", "project", "goals")
    assert form_named("湖南") is None
    assert "湖北" in load_form("hubei").names and not load_form("dept-40-20-20").names  # a preset names none


def test_form_names_must_be_a_list_of_names():
    from xltools.spec import form_from_dict
    with pytest.raises(SpecError) as err:
        form_from_dict({"id": "x", "title": "x", "names": "部门", "indicators": []})
    assert err.value.key == "names"


@pytest.mark.parametrize("change", [{"kind": {}}, {"kind": ["dept"]},
                                    {"indicators": [{"leaf": "b", "weight": 100, "rule": {"kind": {}}}]},
                                    {"indicators": [{"leaf": "b", "weight": 100, "rule": {"kind": ["national"]}}]}])
def test_a_kind_that_is_not_a_word_is_a_spec_error(change):
    """An embedded definition is untrusted: a mapping or list where a kind word belongs is a SpecError,
    never a TypeError (the fuzzer found `kind: {}`)."""
    from xltools.spec import form_from_dict
    data = {"id": "x", "title": "t", "indicators": [{"group": "a", "weight": 100,
                                                     "children": [{"leaf": "b", "weight": 100}]}]}
    data.update(change)
    with pytest.raises(SpecError):
        form_from_dict(data, "x")
