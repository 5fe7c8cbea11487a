"""What a form is (spec) and what a unit typed into it (filing).  Frozen dataclasses, no I/O.

A :class:`Form` is a tree: groups (一级/二级指标, or 目标1/目标2 …) whose leaves (三级指标) carry
a weight and a scoring rule, plus an optional funding block (资金情况, its 执行率 row weighted)
and grade bands.  A :class:`Filing` is one unit's values for a form: amounts, targets,
actual values, stated scores, reasons — kept *as typed* so checks can report what is unreadable.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from .derive import Derivation
from .num import ZERO
from .rules import Rule

SEP = "/"


@dataclass(frozen=True)
class Leaf:
    name: str
    weight: Decimal
    rule: Rule
    target: str | None = None  # default 年度指标值 / standard, shown in the template
    note: str | None = None  # 指标解释
    standard: str | None = None  # 评价标准 as worded by the issuer (else the rule describes itself)
    source: str | None = None  # 参考数据来源
    derive: Derivation | None = None  # actual value computed from raw inputs

    def criteria(self) -> str:
        return self.standard or self.rule.describe(self.weight)


@dataclass(frozen=True)
class Group:
    name: str
    weight: Decimal | None  # None: the sum of its children
    children: tuple[Node, ...] = ()

    def total_weight(self) -> Decimal:
        if self.weight is not None:
            return self.weight
        return sum((child_weight(c) for c in self.children), ZERO)


Node = Group | Leaf


def child_weight(node: Node) -> Decimal:
    return node.weight if isinstance(node, Leaf) else node.total_weight()


@dataclass(frozen=True)
class Funding:
    """资金情况: the execution-rate row is scored with ``weight`` (0: the block is informative only)."""

    weight: Decimal
    label: str = "预算执行率"


#: The rows of the national 资金情况 block: key -> label.  "total" is the scored 合计 row.
FUNDING_ROWS = {
    "total": "年度资金总额",
    "fiscal": "其中：当年财政拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
}
#: Sources of the money: together they make up the total.
FUNDING_SOURCES = ("fiscal", "carryover", "other")
#: Rows other tables break the total down by instead (by use): read from foreign layouts and
#: checked against the total, not written by the templates.
FUNDING_USES = {"basic": "其中：基本支出", "projects": "项目支出"}
FUNDING_LABELS = {**FUNDING_ROWS, **FUNDING_USES}
FUNDING_COLUMNS = {"initial": "年初预算数", "budget": "全年预算数", "spent": "全年执行数"}


@dataclass(frozen=True)
class Grades:
    """Grade bands, highest first: (lower bound inclusive, label)."""

    bands: tuple[tuple[Decimal, str], ...] = (
        (Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"), (ZERO, "差"))

    def grade(self, total: Decimal) -> str:
        for low, label in self.bands:
            if total >= low:
                return label
        return self.bands[-1][1]

    def describe(self) -> str:
        parts = []
        for i, (low, label) in enumerate(self.bands):
            if i == 0:
                parts.append(f"{_n(low)}分(含)以上为{label}")
            elif low > 0:
                parts.append(f"{_n(low)}分(含)—{_n(self.bands[i - 1][0])}分为{label}")
            else:
                parts.append(f"{_n(self.bands[i - 1][0])}分以下为{label}")
        return "，".join(parts)


def _n(d: Decimal) -> str:
    from .num import fmt
    return fmt(d)


#: What a form evaluates: a department's whole spending (部门整体) or one project (项目支出).
FormKind = Literal["dept", "project"]
#: Per kind: what the unit's name cell is called, and the spending evaluated.
KIND_WORDS: dict[str, tuple[str, str]] = {"dept": ("部门名称", "部门整体支出"), "project": ("项目名称", "项目支出")}


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    indicators: tuple[Node, ...]
    funding: Funding | None = None
    grades: Grades = field(default_factory=Grades)
    total: Decimal = Decimal(100)
    kind: FormKind = "dept"
    layout: str = "national"  # national: 年度指标值/实际完成值 columns; criteria: 指标解释/评价标准 columns
    level_names: tuple[str, ...] = ("一级指标", "二级指标", "三级指标")
    description: str = ""
    #: How a table xltools did not make is recognised as this form (the YAML's ``foreign:``): level1
    #: names, min hits, only, title words, numbered_goals, and aliases of leaf/group names.
    foreign: dict = field(default_factory=dict, compare=False, hash=False)
    #: Short names a unit list may give for this form (the YAML's ``names:``), besides id and title.
    names: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_project(self) -> bool:
        return self.kind == "project"

    @property
    def unit_label(self) -> str:
        """部门名称 or 项目名称: the cell the unit's name goes beside."""
        return KIND_WORDS[self.kind][0]

    @property
    def spending(self) -> str:
        """部门整体支出 or 项目支出: what the form evaluates."""
        return KIND_WORDS[self.kind][1]

    def leaves(self) -> Iterator[tuple[tuple[str, ...], Leaf]]:
        """(path, leaf) in document order; the path is the names from the top group down."""
        yield from _walk_leaves(self.indicators, ())

    def groups(self) -> Iterator[tuple[tuple[str, ...], Group]]:
        yield from _walk_groups(self.indicators, ())

    def depth(self) -> int:
        return max((len(p) for p, _ in self.leaves()), default=len(self.level_names))

    def find(self, path: tuple[str, ...] | str) -> Node | None:
        if isinstance(path, str):
            path = tuple(path.split(SEP))
        nodes: tuple[Node, ...] = self.indicators
        found: Node | None = None
        for name in path:
            found = next((n for n in nodes if n.name == name), None)
            if found is None:
                return None
            nodes = found.children if isinstance(found, Group) else ()
        return found

    def group(self, path: tuple[str, ...] | str) -> Group:
        """The group at ``path``; asking for one the form does not have is a bug (KeyError)."""
        found = self.find(path)
        if not isinstance(found, Group):
            raise KeyError(f"form {self.id} has no group {path!r}")
        return found

    def indicator_weight(self) -> Decimal:
        return sum((child_weight(n) for n in self.indicators), ZERO)

    def with_leaves(self, added: Mapping[tuple[str, ...], list[Leaf]]) -> Form:
        """A copy with leaves appended under the given group paths (a unit's own indicators)."""
        return replace(self, indicators=_add(self.indicators, (), added))


def key(path: tuple[str, ...]) -> str:
    return SEP.join(path)


def _walk_leaves(nodes, prefix):
    for node in nodes:
        path = prefix + (node.name,)
        if isinstance(node, Leaf):
            yield path, node
        else:
            yield from _walk_leaves(node.children, path)


def _walk_groups(nodes, prefix):
    for node in nodes:
        if isinstance(node, Group):
            path = prefix + (node.name,)
            yield path, node
            yield from _walk_groups(node.children, path)


def _add(nodes, prefix, added):
    out = []
    for node in nodes:
        path = prefix + (node.name,)
        if isinstance(node, Group):
            children = _add(node.children, path, added) + tuple(added.get(path, ()))
            node = replace(node, children=children)
        out.append(node)
    return tuple(out)


# ---------------------------------------------------------------------------
# What a unit typed


@dataclass(frozen=True)
class Entry:
    """One leaf row as typed.  Raw values (str, number or None) are parsed when scored."""

    target: object = None  # 年度指标值; None: the leaf's default target
    actual: object = None  # 实际完成值
    score: object = None  # 得分 as stated (typed, or the workbook's cached value)
    reason: str | None = None  # 偏差原因分析及改进措施
    manual: object = None  # 评价人评分: the evaluator's score where the template keeps it apart from 得分
    band: str | None = None  # 定性 band picked by the evaluator
    inputs: Mapping[str, object] = field(default_factory=dict)  # raw figures for derived indicators


@dataclass(frozen=True)
class FundingRow:
    initial: object = None  # 年初预算数
    budget: object = None  # 全年预算数
    spent: object = None  # 全年执行数


@dataclass(frozen=True)
class Filing:
    form: Form
    unit: str = ""
    year: int | None = None
    code: str = ""  # 单位编码, the bureau's key for the unit
    funding: Mapping[str, FundingRow] = field(default_factory=dict)  # keys of FUNDING_ROWS
    entries: Mapping[str, Entry] = field(default_factory=dict)  # leaf key -> entry
    stated_rate: object = None  # 执行率 as stated
    stated_funding_score: object = None  # 资金 得分 as stated
    stated_subtotals: Mapping[str, object] = field(default_factory=dict)  # group key -> stated score
    stated_total: object = None
    stated_grade: str | None = None
    goal_planned: str = ""  # 年度总体目标：预期目标
    goal_achieved: str = ""  # 实际完成情况

    def entry(self, path: tuple[str, ...]) -> Entry:
        return self.entries.get(key(path), Entry())
