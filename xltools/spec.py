"""Form specs as data files (YAML): load, extend, override, dump.

A spec file is a mapping::

    id: dept
    title: 部门整体支出绩效自评表
    funding: {weight: 10}                # 资金情况 block, 执行率 row weight
    grades: [[90, 优], [80, 良], [60, 中], [0, 差]]
    indicators:
      - group: 产出指标
        weight: 50
        children:
          - group: 数量指标
            children:
              - leaf: 执法案件
                weight: 10
                target: ≥100件
                rule: {kind: national}  # default; see xltools.rules for the others

A unit's or province's file can start from a shipped form::

    extends: dept
    id: my-unit
    weights: {产出指标: 40, 效益指标: 20, 满意度指标: 20, 预算执行率: 20}
    add:
      - parent: 产出指标/数量指标
        leaf: 执法案件
        weight: 10

Errors name the file, the key and the fix (:class:`xltools.errors.SpecError`).
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .derive import Derivation
from .errors import SpecError
from .model import KIND_WORDS, SEP, Form, Funding, Grades, Group, Leaf, Node
from .num import fmt, to_json
from .rules import rule_from_params
from .rules.base import to_decimal

FORM_KEYS = {"foreign", "id", "title", "names", "kind", "layout", "levels", "funding", "grades", "total", "indicators",
             "description", "extends", "weights", "add"}
GROUP_KEYS = {"group", "weight", "children"}
LEAF_KEYS = {"leaf", "weight", "rule", "direction", "target", "note", "standard", "source", "derive"}
BUILTIN_PACKAGE = "xltools.forms"
#: The form a filing or a unit list means when it names none.
DEFAULT_FORM = "dept"


# ---------------------------------------------------------------------------
# Public API


def builtin_ids() -> list[str]:
    """Ids of the forms (and presets) shipped with xltools, in file order."""
    return list(_builtin_ids())


@lru_cache(maxsize=1)
def _builtin_ids() -> tuple[str, ...]:
    files = sorted(p.name for p in resources.files(BUILTIN_PACKAGE).iterdir() if p.name.endswith(".yaml"))
    return tuple(name[: -len(".yaml")].split("_", 1)[1] for name in files)


def form_named(text: str) -> str | None:
    """The shipped form ``text`` names: its id (any case), its title (either kind of brackets) or one
    of the short names its YAML lists (``names:``); None when no form has that name."""
    ids = builtin_ids()
    if text.lower() in ids:
        return text.lower()
    brackets = str.maketrans("()", "（）")
    for form_id in ids:
        form = load_form(form_id)
        if form.title.translate(brackets) == text.translate(brackets) or text in form.names:
            return form_id
    return None


def load_form(name_or_path: str | Path) -> Form:
    """A shipped form by id (``dept``), or a spec file by path."""
    if isinstance(name_or_path, str) and name_or_path in builtin_ids() and not Path(name_or_path).exists():
        return _builtin(name_or_path)
    text, source = _read(name_or_path)
    return form_from_text(text, source)


@cache
def _builtin(form_id: str) -> Form:
    """A shipped form, parsed once per process (a Form is immutable): distribute builds a
    filing of the same form for every unit."""
    text, source = _read(form_id)
    return form_from_text(text, source)


def form_from_text(text: str, source: str = "<text>") -> Form:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark else ""
        raise SpecError(f"YAML 格式错误{where}：{getattr(exc, 'problem', exc)}", source=source,
                        fix="检查缩进、冒号和引号") from None
    return form_from_dict(data, source)


def form_from_dict(data: Any, source: str = "<dict>", _depth: int = 0) -> Form:
    if not isinstance(data, dict):
        raise SpecError("文件内容应是键值表（id、title、indicators …）", source=source)
    unknown = sorted(set(data) - FORM_KEYS)
    if unknown:
        raise SpecError(f"不认识的键 {', '.join(map(str, unknown))}", source=source, key=unknown[0],
                        fix=f"可用的键：{', '.join(sorted(FORM_KEYS))}")
    if "extends" in data:
        return _extend(data, source, _depth)
    for only in ("weights", "add"):
        if only in data:
            raise SpecError(f"{only} 只能与 extends 一起使用", source=source, key=only,
                            fix="写 extends: 表式名称，或把指标直接写进 indicators")
    try:
        return _build(data)
    except SpecError as exc:
        raise SpecError(exc.detail, source=source, key=exc.key, fix=exc.fix) from None


def form_to_dict(form: Form) -> dict[str, Any]:
    out: dict[str, Any] = {"id": form.id, "title": form.title, "kind": form.kind, "layout": form.layout,
                           "levels": list(form.level_names)}
    if form.description:
        out["description"] = form.description
    if form.funding is not None:
        out["funding"] = {"weight": to_json(form.funding.weight), "label": form.funding.label}
    out["grades"] = [[to_json(low), label] for low, label in form.grades.bands]
    if form.total != 100:
        out["total"] = to_json(form.total)
    out["indicators"] = [_node_to_dict(n) for n in form.indicators]
    return out


class _Dumper(yaml.SafeDumper):
    """Double-quotes strings with line separators YAML would fold into spaces (NEL, U+2028/9)."""


def _str(dumper, value: str):
    style = '"' if any(ch in value for ch in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def form_to_yaml(form: Form) -> str:
    return yaml.dump(form_to_dict(form), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)


# ---------------------------------------------------------------------------
# Building


def _read(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except FileNotFoundError:
            raise SpecError("找不到文件", source=str(path), fix="检查路径") from None
        except (UnicodeDecodeError, OSError) as exc:
            raise SpecError(f"无法读取（{type(exc).__name__}）", source=str(path),
                            fix="确认文件是 UTF-8 编码的文本") from None
    for entry in resources.files(BUILTIN_PACKAGE).iterdir():
        if entry.name.endswith(f"_{name_or_path}.yaml"):
            return entry.read_text(encoding="utf-8"), f"{name_or_path}（内置）"
    raise SpecError(f"没有名为“{name_or_path}”的表式", fix=f"内置表式：{', '.join(builtin_ids())}，或给出 .yaml 文件路径")


def _build(data: dict) -> Form:
    for required in ("id", "title", "indicators"):
        if required not in data:
            raise SpecError(f"缺少 {required}", key=required)
    indicators = data["indicators"]
    if not isinstance(indicators, list):
        raise SpecError("indicators 应为列表", key="indicators")
    nodes = tuple(_node(n, f"indicators[{i}]") for i, n in enumerate(indicators))
    _unique(nodes, "indicators")
    funding = None
    if data.get("funding") is not None:
        f = data["funding"]
        if not isinstance(f, dict) or "weight" not in f or set(f) - {"weight", "label"}:
            raise SpecError("funding 应写成 {weight: 10}（可加 label）", key="funding")
        funding = Funding(weight=_weight(f["weight"], "funding.weight"), label=str(f.get("label", "预算执行率")))
    grades = Grades()
    if "grades" in data:
        grades = _grades(data["grades"])
    levels = data.get("levels", ["一级指标", "二级指标", "三级指标"])
    if not isinstance(levels, list) or not all(isinstance(x, str) for x in levels):
        raise SpecError("levels 应为列名列表", key="levels")
    layout = data.get("layout", "national")
    if layout not in ("national", "criteria"):
        raise SpecError("layout 应为 national 或 criteria", key="layout")
    kind = data.get("kind", "dept")
    if kind not in tuple(KIND_WORDS):  # compared, never hashed: an embedded {} is refused, not a TypeError
        raise SpecError("kind 应为 dept（部门整体）或 project（项目支出）", key="kind")
    names = data.get("names") or []
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise SpecError("names 应为表式简称的列表，如 [部门整体, 部门]", key="names")
    foreign = data.get("foreign") or {}
    if not isinstance(foreign, dict) or not isinstance(foreign.get("aliases", {}), dict):
        raise SpecError("foreign 应写成 {level1: [...], aliases: {名称: [别名, ...]}}", key="foreign")
    return Form(id=str(data["id"]), title=str(data["title"]), indicators=nodes, funding=funding, grades=grades,
                total=_weight(data.get("total", 100), "total"), kind=kind, layout=layout,
                level_names=tuple(levels), description=str(data.get("description", "")), foreign=foreign,
                names=tuple(names))


def _leaf(data: Any, where: str) -> Leaf:
    node = _node(data, where)
    if not isinstance(node, Leaf):
        raise SpecError("这里只能写三级指标（leaf:），不能写指标组（group:）", key=where)
    return node


def _node(data: Any, where: str) -> Node:
    if not isinstance(data, dict):
        raise SpecError("每个指标应是键值表，以 group: 或 leaf: 开头", key=where)
    if "group" in data:
        unknown = sorted(set(data) - GROUP_KEYS)
        if unknown:
            raise SpecError(f"指标组不认识键 {', '.join(unknown)}", key=f"{where}.{unknown[0]}",
                            fix=f"指标组可用：{', '.join(sorted(GROUP_KEYS))}；三级指标用 leaf:")
        children = data.get("children") or []
        if not isinstance(children, list):
            raise SpecError("children 应为列表", key=f"{where}.children")
        kids = tuple(_node(c, f"{where}.children[{i}]") for i, c in enumerate(children))
        _unique(kids, f"{where}.children")
        weight = _weight(data["weight"], f"{where}.weight") if data.get("weight") is not None else None
        return Group(name=_name(data["group"], f"{where}.group"), weight=weight, children=kids)
    if "leaf" in data:
        unknown = sorted(set(data) - LEAF_KEYS)
        if unknown:
            raise SpecError(f"三级指标不认识键 {', '.join(unknown)}", key=f"{where}.{unknown[0]}",
                            fix=f"三级指标可用：{', '.join(sorted(LEAF_KEYS))}")
        if "weight" not in data:
            raise SpecError("三级指标缺少 weight（分值）", key=f"{where}.weight")
        rule_params = data.get("rule")
        if "direction" in data:
            if rule_params not in (None, "national") and (rule_params or {}).get("kind") != "national":
                raise SpecError("direction 只用于 national 规则", key=f"{where}.direction")
            rule_params = {**(rule_params if isinstance(rule_params, dict) else {}), "kind": "national",
                           "direction": data["direction"]}
        rule = rule_from_params(rule_params, f"{where}.rule")
        derive = Derivation.from_params(data["derive"], f"{where}.derive") if data.get("derive") else None
        leaf = Leaf(name=_name(data["leaf"], f"{where}.leaf"), weight=_weight(data["weight"], f"{where}.weight"),
                    rule=rule, target=_text(data, "target", where), note=_text(data, "note", where),
                    standard=_text(data, "standard", where), source=_text(data, "source", where), derive=derive)
        if rule.max_score(leaf.weight) > leaf.weight:
            raise SpecError(f"规则最高可得{fmt(rule.max_score(leaf.weight))}分，超过分值{fmt(leaf.weight)}",
                            key=f"{where}.rule", fix="调低规则中的分数或调高分值")
        return leaf
    raise SpecError("指标应以 group:（指标组）或 leaf:（三级指标）开头", key=where)


def _name(value: Any, where: str) -> str:
    if not isinstance(value, (str, int)) or not str(value).strip():
        raise SpecError("名称不能为空", key=where)
    name = " ".join(str(value).split())  # line breaks typed in cells (Alt+Enter, NEL) become spaces
    if SEP in name:
        raise SpecError(f"名称不能含“{SEP}”", key=where)
    return name


def _text(data: dict, name: str, where: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, (str, int, float)):
        raise SpecError("应为文字", key=f"{where}.{name}")
    return str(value)


def _weight(value: Any, where: str) -> Decimal:
    number = to_decimal(value, where)
    if number < 0:
        raise SpecError("分值不能为负数", key=where)
    return number


def _unique(nodes: tuple[Node, ...], where: str) -> None:
    seen = set()
    for node in nodes:
        if node.name in seen:
            raise SpecError(f"同一层有两个“{node.name}”", key=where, fix="同级指标名称不能重复")
        seen.add(node.name)


def _grades(value: Any) -> Grades:
    if not isinstance(value, list) or not value:
        raise SpecError("grades 应为 [[下限, 等级], ...] 的列表", key="grades")
    bands = []
    for i, item in enumerate(value):
        if not isinstance(item, list) or len(item) != 2:
            raise SpecError("每一档写成 [下限, 等级名称]", key=f"grades[{i}]")
        bands.append((to_decimal(item[0], f"grades[{i}][0]"), str(item[1])))
    lows = [b for b, _ in bands]
    if lows != sorted(lows, reverse=True) or lows[-1] != 0:
        raise SpecError("等级下限应从高到低排列，最后一档下限为0", key="grades")
    return Grades(tuple(bands))


# ---------------------------------------------------------------------------
# extends / weights / add


def apply_preset(form: Form, preset: str | Path) -> Form:
    """Apply the ``weights:`` of a preset (a shipped id such as ``dept-40-20-20`` or a file) to ``form``."""
    text, source = _read(preset)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise SpecError("无法读取预设", source=source) from None
    weights = data.get("weights") if isinstance(data, dict) else None
    if not isinstance(weights, dict) or not weights:
        raise SpecError("预设文件中没有 weights（分值覆盖）", source=source, key="weights",
                        fix="预设写成 {extends: dept, weights: {产出指标: 40, ...}}")
    try:
        for path, weight in weights.items():
            form = _override_weight(form, str(path), _weight(weight, f"weights.{path}"))
    except SpecError as exc:
        raise SpecError(exc.detail, source=source, key=exc.key, fix=exc.fix) from None
    if data.get("extends") != form.id:
        return form
    # the preset of this very form is the preset's form: its id is what a workbook made with it
    # claims, and what the bureau's check looks up (xltools.xlsx.embedded)
    def own(k: str, default: str) -> str:
        return str(data[k]) if data.get(k) is not None else default
    return replace(form, id=own("id", form.id), title=own("title", form.title),
                   description=own("description", form.description))


def _extend(data: dict, source: str, depth: int) -> Form:
    if depth > 5:
        raise SpecError("extends 嵌套过深（可能循环引用）", source=source, key="extends")
    if not isinstance(data["extends"], str) or not data["extends"]:
        raise SpecError("extends 应为一个表式名称或 .yaml 文件路径", source=source, key="extends")
    try:
        base_text, base_source = _read(data["extends"])
        base_data = yaml.safe_load(base_text)
    except SpecError as exc:
        raise SpecError(exc.detail, source=source, key="extends", fix=exc.fix) from None
    except yaml.YAMLError:
        raise SpecError("被继承的表式无法读取", source=source, key="extends") from None
    base = form_from_dict(base_data, base_source, depth + 1)
    try:
        # the base as data, overlaid with this file's keys, goes through the same checks as any spec
        merged = form_to_dict(base)
        merged.update({k: v for k, v in data.items() if k not in ("extends", "weights", "add")})
        form = _build(merged)
        weights = data.get("weights") or {}
        if not isinstance(weights, dict):
            raise SpecError("weights 应写成 {指标路径: 分值}", key="weights")
        for path, weight in weights.items():
            form = _override_weight(form, str(path), _weight(weight, f"weights.{path}"))
        added = data.get("add") or []
        if not isinstance(added, list):
            raise SpecError("add 应为列表", key="add")
        for i, item in enumerate(added):
            form = _add_leaf(form, item, f"add[{i}]")
    except SpecError as exc:
        raise SpecError(exc.detail, source=source, key=exc.key, fix=exc.fix) from None
    return form


def _override_weight(form: Form, path: str, weight: Decimal) -> Form:
    if form.funding is not None and path in (form.funding.label, "资金", "funding"):
        return replace(form, funding=replace(form.funding, weight=weight))
    if form.find(path) is None:
        raise SpecError(f"找不到指标“{path}”", key=f"weights.{path}",
                        fix="用“一级指标/二级指标/三级指标”形式的路径，名称与表式一致")
    parts = tuple(path.split(SEP))
    return replace(form, indicators=_map(form.indicators, (), parts, lambda n: replace(n, weight=weight)))


def _add_leaf(form: Form, item: Any, where: str) -> Form:
    if not isinstance(item, dict) or "parent" not in item:
        raise SpecError("add 的每一项需要 parent（上级指标路径）和 leaf", key=where)
    parent = str(item["parent"])
    node = form.find(parent)
    if not isinstance(node, Group):
        raise SpecError(f"找不到指标组“{parent}”", key=f"{where}.parent", fix="parent 写成“一级指标/二级指标”")
    leaf = _leaf({k: v for k, v in item.items() if k != "parent"}, where)
    if any(c.name == leaf.name for c in node.children):
        raise SpecError(f"“{parent}”下已有“{leaf.name}”", key=where)
    return form.with_leaves({tuple(parent.split(SEP)): [leaf]})


def _map(nodes, prefix, target, fn):
    out = []
    for node in nodes:
        path = prefix + (node.name,)
        if path == target:
            node = fn(node)
        elif isinstance(node, Group) and target[: len(path)] == path:
            node = replace(node, children=_map(node.children, path, target, fn))
        out.append(node)
    return tuple(out)


# ---------------------------------------------------------------------------
# Dumping


def _node_to_dict(node: Node) -> dict[str, Any]:
    if isinstance(node, Group):
        out: dict[str, Any] = {"group": node.name}
        if node.weight is not None:
            out["weight"] = to_json(node.weight)
        if node.children:
            out["children"] = [_node_to_dict(c) for c in node.children]
        return out
    out = {"leaf": node.name, "weight": to_json(node.weight)}
    params = node.rule.params()
    if params != {"kind": "national"}:
        out["rule"] = params
    for name in ("target", "note", "standard", "source"):
        if getattr(node, name) is not None:
            out[name] = getattr(node, name)
    if node.derive is not None:
        out["derive"] = node.derive.params()
    return out
