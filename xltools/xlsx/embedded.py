"""The form definition a workbook carries (hidden ``_xltools`` sheet) is only a claim.

A unit's workbook says which form it was made from and what the unit typed; the rules, grades,
bands, weights-by-design and ``extends:`` come from the shipped registry (by the claimed id) or
from the form file the bureau passes (``--form``), never from the workbook.  This room:

* parses the claim under limits (size, nesting depth, number of indicators) and refuses
  ``extends``/``weights``/``add`` — nothing in a workbook is ever opened as a path;
* finds the trusted form and lists every difference between the claim and it (Chinese, naming
  what changed): each becomes an ``form-changed`` error of the check;
* gives the form the reader uses: the trusted one, plus — for the national layout, where the unit
  types its own 三级指标 — the unit's own leaves, scored by the national rule only.

Pure: no I/O (the trusted form is looked up in the shipped registry, which is package data).
"""
from __future__ import annotations

import json
import re

from ..errors import SpecError, WorkbookError
from ..model import Form, Leaf, key
from ..num import fmt
from ..rules.national import National

#: Limits of an embedded definition: characters of JSON, nesting of arrays/objects, indicators.
MAX_CHARS = 512 * 1024
MAX_DEPTH = 16
MAX_NODES = 2000
#: Rows of the hidden sheet read for the definition (the writer uses a few, of 30,000 characters).
MAX_ROWS = 256
#: Keys that only a bureau's own spec file may use: they open other files or rewrite a form.
FILE_ONLY_KEYS = ("extends", "weights", "add")

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def parse_claim(text: str) -> dict:
    """The embedded definition as data, refused (ValueError, Chinese) beyond the limits."""
    if len(text) > MAX_CHARS:
        raise ValueError(f"表式定义过长（{len(text)} 个字符，上限 {MAX_CHARS}）")
    depth = deepest = 0
    for m in _BRACKET.finditer(_STRING.sub('""', text)):  # nesting outside strings, before json sees it
        depth += 1 if m[0] in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            raise ValueError(f"表式定义嵌套过深（超过 {MAX_DEPTH} 层）")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("表式定义应是键值表")
    used = [k for k in FILE_ONLY_KEYS if k in data]
    if used:
        raise ValueError(f"工作簿内的表式定义不能使用 {'、'.join(used)}（只有表式文件可以）")
    nodes = _count(data.get("indicators"))
    if nodes > MAX_NODES:
        raise ValueError(f"表式定义中的指标过多（{nodes} 个，上限 {MAX_NODES}）")
    return data


def _count(nodes) -> int:
    if not isinstance(nodes, list):
        return 0
    return len(nodes) + sum(_count(n.get("children")) for n in nodes if isinstance(n, dict))


def trusted_form(claim: Form, bureau: Form | None, source: str) -> Form:
    """The form the workbook is judged by: the bureau's (``--form``), else the shipped form of the claimed id."""
    if bureau is not None:
        return bureau
    from ..spec import builtin_ids, load_form
    if claim.id not in builtin_ids():
        raise WorkbookError(f"{source}：工作簿声明的表式“{claim.id[:40]}”不是内置表式，无法确认其评分规则。"
                            "请用 --form 指定制作该模板时所用的表式文件（.yaml）后再试。")
    try:
        return load_form(claim.id)
    except SpecError as exc:  # a shipped form always loads; kept as a clear error all the same
        raise WorkbookError(f"{source}：内置表式“{claim.id}”无法读取（{exc}）。") from None


def differences(claim: Form, trusted: Form) -> list[str]:
    """What the workbook's claim changed compared with the trusted form (Chinese, one line each)."""
    out = []
    for attr, label in (("id", "表式编号"), ("title", "表名"), ("kind", "类别"), ("layout", "格式"),
                        ("level_names", "层级名称"), ("total", "满分")):
        a, b = getattr(claim, attr), getattr(trusted, attr)
        if a != b:
            out.append(f"{label}由“{_show(b)}”改为“{_show(a)}”")
    if claim.grades != trusted.grades:
        out.append(f"等级档次由“{trusted.grades.describe()}”改为“{_clip(claim.grades.describe())}”")
    if claim.funding != trusted.funding:
        out.append(f"资金情况（预算执行率）由“{_funding(trusted)}”改为“{_funding(claim)}”")
    mine, theirs = dict(claim.groups()), dict(trusted.groups())
    for path in theirs.keys() - mine.keys():
        out.append(f"删除了指标组“{key(path)}”")
    for path in mine.keys() - theirs.keys():
        out.append(f"增加了指标组“{_clip(key(path))}”")
    for path in mine.keys() & theirs.keys():
        if mine[path].weight != theirs[path].weight:
            out.append(f"指标组“{key(path)}”分值由 {_w(theirs[path].weight)} 改为 {_w(mine[path].weight)}")
    fixed = trusted.layout != "national"
    mine_l, theirs_l = dict(claim.leaves()), dict(trusted.leaves())
    for path, leaf in mine_l.items():
        base = theirs_l.get(path)
        if base is None:
            if fixed:
                out.append(f"增加了三级指标“{_clip(key(path))}”")
            elif not leaf.rule.typed_target or leaf.derive is not None:
                out.append(f"自填三级指标“{_clip(key(path))}”带有评分规则（{_clip(leaf.rule.describe(leaf.weight))}）")
            continue
        if leaf.rule != base.rule:
            out.append(f"三级指标“{key(path)}”的评分规则由“{_clip(base.rule.describe(base.weight))}”改为"
                       f"“{_clip(leaf.rule.describe(leaf.weight))}”")
        if leaf.derive != base.derive:
            out.append(f"三级指标“{key(path)}”的计算方式被改动")
        if fixed and leaf.weight != base.weight:
            out.append(f"三级指标“{key(path)}”分值由 {_w(base.weight)} 改为 {_w(leaf.weight)}")
    if fixed:
        out.extend(f"删除了三级指标“{key(p)}”" for p in theirs_l.keys() - mine_l.keys())
    return out


def reading_form(claim: Form, trusted: Form) -> Form:
    """The trusted form, plus (national layout) the unit's own leaves under the trusted groups,
    with the national rule: a claimed rule or derivation is never used."""
    if trusted.layout != "national":
        return trusted
    theirs = dict(trusted.leaves())
    groups = dict(trusted.groups())
    added: dict[tuple[str, ...], list[Leaf]] = {}
    for path, leaf in claim.leaves():
        if path in theirs or path[:-1] not in groups:
            continue
        own = Leaf(name=leaf.name, weight=leaf.weight, rule=National(), target=leaf.target, note=leaf.note,
                   standard=leaf.standard, source=leaf.source)
        added.setdefault(path[:-1], []).append(own)
    return trusted.with_leaves(added) if added else trusted


def _show(value) -> str:
    if isinstance(value, tuple):
        value = "、".join(map(str, value))
    return _clip(str(value))


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _w(weight) -> str:
    return "（未设）" if weight is None else fmt(weight)


def _funding(form: Form) -> str:
    f = form.funding
    return "无" if f is None else f"{f.label} {fmt(f.weight)} 分"

