"""The report as a neutral structure: headings, paragraphs, tables, a figure, placeholders.

:func:`build` turns a :class:`~xltools.api.Result` into a :class:`Draft`; the Word and Markdown
renderers only lay it out, so both always say the same.  Every number comes from the Result
(recomputed scores, the filing's own values, the check report), never from this module.

Text a person must write is a :class:`Span` of kind ``"placeholder"`` (``【请填写：……】``),
shown in red in Word.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Union

from ..model import Group, Leaf
from ..num import ZERO, fmt, pct
from ..parse import parse
from ..scoring import GroupResult, LeafResult

if TYPE_CHECKING:  # pragma: no cover
    from ..api import Result

PLACEHOLDER = "placeholder"
STRONG = "strong"
TEXT = "text"


@dataclass(frozen=True)
class Span:
    text: str
    kind: str = TEXT  # text | strong | placeholder


@dataclass(frozen=True)
class Paragraph:
    spans: tuple[Span, ...]
    #: body (indented 2 chars) | item (a numbered line, indented like body) | note (drafting note) |
    #: attachment (附件：… line) | signature (right-aligned 落款)
    role: str = "body"

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True)
class Heading:
    level: int  # 0 title · 1 “一、” · 2 “（一）” · 3 “①”
    text: str  # with its numbering; the title may contain "\n" (a line break)


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    strong: bool = False  # a subtotal / group row


@dataclass(frozen=True)
class Table:
    caption: str  # “表1 …”, shown above the table
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    widths: tuple[float, ...]  # relative column widths
    centered: tuple[int, ...] = ()  # columns whose cells are centered (numbers)
    dense: bool = False  # long text cells: a smaller type size in Word


@dataclass(frozen=True)
class Bar:
    label: str
    weight: Decimal
    score: Decimal


@dataclass(frozen=True)
class Figure:
    caption: str  # “图1 …”, shown below the figure
    bars: tuple[Bar, ...]


Block = Union[Heading, Paragraph, Table, Figure]


@dataclass(frozen=True)
class Draft:
    title: str
    blocks: tuple[Block, ...]
    unit: str = ""
    meta: dict = field(default_factory=dict)

    def text(self) -> str:
        """All the words, one block a line (tables row by row) — for tests and previews."""
        lines = []
        for b in self.blocks:
            if isinstance(b, Heading):
                lines.append(b.text.replace("\n", ""))
            elif isinstance(b, Paragraph):
                lines.append(b.text)
            elif isinstance(b, Table):
                lines.append(b.caption)
                lines.append(" | ".join(b.header))
                lines.extend(" | ".join(r.cells) for r in b.rows)
            elif isinstance(b, Figure):
                lines.append(b.caption)
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# helpers

CN_DIGITS = "零一二三四五六七八九"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十 (1..99)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def circled(n: int) -> str:
    return CIRCLED[n - 1] if 1 <= n <= len(CIRCLED) else f"（{n}）"


def placeholder(what: str) -> Span:
    return Span(f"【请填写：{what}】", PLACEHOLDER)


def para(*parts: str | Span, role: str = "body") -> Paragraph:
    return Paragraph(tuple(p if isinstance(p, Span) else Span(p) for p in parts if p), role)


def sentence(text: str) -> str:
    """End a clause with a full stop unless it already ends with punctuation."""
    text = text.rstrip()
    if not text or text[-1] in "。！？；：.!?" or text.endswith(("。）", "。)")):
        return text
    return text + "。"


def kind_name(result: "Result") -> str:
    return "项目支出" if result.card.form.kind == "project" else "部门整体支出"


def title_text(result: "Result") -> str:
    """“{year}年度{unit}部门整体支出绩效自评报告”, broken after the unit when it is long."""
    f = result.filing
    head = (f"{f.year}年度" if f.year else "") + f.unit
    tail = f"{kind_name(result)}绩效自评报告"
    return f"{head}\n{tail}" if head and len(head) + len(tail) > 20 else head + tail


def actual_text(r: LeafResult) -> str:
    """实际完成值 as the unit typed it; a derived rate as the percentage it was computed to."""
    if r.actual.is_blank:
        return "未填写"
    if r.leaf.derive is not None and r.actual.is_number:
        return r.actual.display()
    return r.actual.text or r.actual.display()


def target_text(r: LeafResult) -> str:
    return r.target.text or "未填写"


def target_actual(r: LeafResult) -> str:
    parts = []
    if not r.target.is_blank:
        parts.append(f"年度指标值{target_text(r)}")
    if not r.actual.is_blank:
        parts.append(f"实际完成值{actual_text(r)}")
    return "，".join(parts)


def lost(r: LeafResult) -> bool:
    return r.score < r.weight


# ---------------------------------------------------------------------------


class _Builder:
    def __init__(self, result: "Result"):
        self.result = result
        self.card = result.card
        self.filing = result.filing
        self.form = result.card.form
        self.blocks: list[Block] = []
        self.sections = 0
        self.tables = 0
        self.figures = 0

    # -- primitives
    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def section(self, text: str) -> None:
        self.sections += 1
        self.add(Heading(1, f"{cn_number(self.sections)}、{text}"))

    def table(self, caption: str, header, rows, widths, centered=(), dense=False) -> None:
        self.tables += 1
        self.add(Table(f"表{self.tables} {caption}", tuple(header), tuple(rows), tuple(widths), tuple(centered), dense))

    def figure(self, caption: str, bars) -> None:
        self.figures += 1
        self.add(Figure(f"图{self.figures} {caption}", tuple(bars)))

    # -- the report
    def build(self) -> Draft:
        self.add(Heading(0, title_text(self.result)))
        self.add(para(Span("【起草说明：本稿由自评表自动生成，数字均按评分规则重新计算；红色【】内为需要人工填写或核对的内容，"
                           "定稿前请删除本说明。】", PLACEHOLDER), role="note"))
        self.conclusion()
        if self.card.funding is not None:
            self.funding()
        self.indicators()
        self.unfinished()
        self.problems()
        self.measures()
        self.closing()
        return Draft(title=title_text(self.result).replace("\n", ""), blocks=tuple(self.blocks),
                     unit=self.filing.unit, meta={"form": self.form.id, "year": self.filing.year})

    def conclusion(self) -> None:
        card, report = self.card, self.result.report
        self.section("自评结论")
        errors, warnings = report.errors, report.reviews
        if errors:
            self.add(para(Span(f"自评表存在以下{len(errors)}个问题，以下数字为按规则重新计算的结果：", STRONG)))
            for i, issue in enumerate(errors, 1):
                self.add(para(f"{i}.{sentence(issue.message)}", role="item"))
        if card.stated_total is not None and card.stated_total != card.total:
            self.add(para(f"自评表填报总分{fmt(card.stated_total)}分，按规则重新计算为{fmt(card.total)}分，"
                          f"本报告采用重新计算的得分。"))
        if warnings:
            self.add(para(f"{'另有' if errors else '自评表有'}{len(warnings)}项提示，请核对："))
            for i, issue in enumerate(warnings, 1):
                self.add(para(f"{i}.{sentence(issue.message)}", role="item"))
        if errors:
            self.add(para(Span("【请核对：请先更正自评表中的上述问题，再重新生成本报告】", PLACEHOLDER)))
        who = f"{self.filing.unit}" + (f"{self.filing.year}年度" if self.filing.year else "")
        self.add(para(f"经自评，{who}{kind_name(self.result)}绩效自评得分{fmt(card.total)}分，"
                      f"绩效评价等级为“{card.grade}”。"))
        rows, bars = [], []
        total_weight = ZERO
        if card.funding is not None and card.funding.weight:
            f = card.funding
            label = self.form.funding.label if self.form.funding else "预算执行率"
            rows.append(Row((label, fmt(f.weight), fmt(f.score), fmt(f.weight - f.score))))
            bars.append(Bar(label, f.weight, f.score))
            total_weight += f.weight
        for g in card.top_groups():
            rows.append(Row((g.name, fmt(g.weight), fmt(g.score), fmt(g.deduction))))
            bars.append(Bar(g.name, g.weight, g.score))
            total_weight += g.weight
        rows.append(Row(("合计", fmt(total_weight), fmt(card.total), fmt(total_weight - card.total)), strong=True))
        self.table("自评得分情况", ("评价内容", "分值", "得分", "扣分"), rows, (4, 2, 2, 2), centered=(1, 2, 3))
        self.figure("各项得分与分值对比", bars)

    def funding(self) -> None:
        f = self.card.funding
        self.section("预算执行情况")
        row = self.filing.funding.get("total")
        initial = parse(row.initial if row else None)
        year = f"{self.filing.year}年度" if self.filing.year else "本年度"
        parts = []
        if initial.is_number:
            parts.append(f"年初预算数{fmt(initial.number)}万元")
        parts.append(f"全年预算数{fmt(f.budget)}万元" if f.budget is not None else "全年预算数未填写")
        parts.append(f"全年执行数{fmt(f.spent)}万元" if f.spent is not None else "全年执行数未填写")
        parts.append(f"执行率{pct(f.rate)}" if f.rate is not None else "执行率无法计算")
        self.add(para(year + "，".join(parts) + "。"))
        if f.weight and f.rate is not None:
            over = "（执行率超过100%，按满分计）" if f.rate > 1 else ""
            self.add(para(f"预算执行率分值{fmt(f.weight)}分，按“得分=分值×执行率”计算，得{fmt(f.score)}分{over}。"))
        elif f.weight:
            self.add(para(f"预算执行率分值{fmt(f.weight)}分，{sentence(f.explanation)}"))
        else:
            self.add(para("资金情况不计分。"))
        if initial.is_number and f.budget is not None and initial.number != f.budget:
            self.add(para(placeholder("预算调整的原因")))
        if f.rate is not None and f.rate < 1:
            self.add(para(placeholder("预算未全部执行的原因")))

    # -- 三、绩效指标完成情况
    def indicators(self) -> None:
        self.section("绩效指标完成情况")
        if self.filing.goal_planned:
            self.add(para(f"年度总体目标：{sentence(self.filing.goal_planned)}"))
        if self.filing.goal_achieved:
            self.add(para(f"实际完成情况：{sentence(self.filing.goal_achieved)}"))
        tops = self.card.top_groups()
        goals = self.form.level_names[:1] == ("绩效目标",)
        if goals:
            listed = "、".join(f"{g.name}（{fmt(g.weight)}分）" for g in tops)
            year = f"{self.filing.year}年度" if self.filing.year else "本年度"
            self.add(para(f"{year}绩效目标设定为：{listed}。"))
        for n, g in enumerate(tops, 1):
            node = self.form.find(g.path)
            head = f"（{cn_number(n)}）{g.name}" + (f"（{fmt(g.weight)}分）" if goals else "")
            self.add(Heading(2, head))
            if goals:
                self.add(para(placeholder(f"{g.name}的目标内容")))
            self.add(para(self.summary(g)))
            if self.form.layout == "criteria":
                self.criteria_table(g, node)
            elif goals:
                k = 0
                for child in node.children:
                    if isinstance(child, Group):
                        k += 1
                        sub = self.card.group(g.path + (child.name,))
                        self.add(Heading(3, f"{circled(k)}{child.name}完成情况分析"))
                        self.add(para(self.summary(sub)))
                        self.leaf_details(self.leaves_under(sub.path))
                direct = [self.card.leaf(g.path + (c.name,)) for c in node.children if isinstance(c, Leaf)]
                if direct or not k:
                    self.leaf_details(direct)
            else:
                self.leaf_details(self.leaves_under(g.path))

    def leaves_under(self, path: tuple[str, ...]) -> list[LeafResult]:
        return [r for r in self.card.leaves if r.path[:len(path)] == path]

    @staticmethod
    def summary(g: GroupResult) -> str:
        if g.deduction:
            return f"{g.name}满分{fmt(g.weight)}分，扣{fmt(g.deduction)}分，完成{fmt(g.score)}分。"
        return f"{g.name}满分{fmt(g.weight)}分，完成{fmt(g.score)}分。"

    def leaf_details(self, leaves: list[LeafResult]) -> None:
        """Each leaf that lost points with target, actual, the rule's explanation and the reason;
        then the full-score leaves in one sentence."""
        if not leaves:
            self.add(para("自评表未填列该项下的三级指标。"))
            return
        down = [r for r in leaves if lost(r)]
        full = [r for r in leaves if not lost(r)]
        for i, r in enumerate(down, 1):
            spans = [Span(f"{i}.{r.leaf.name}：{target_actual(r) or '实际完成值未填写'}，分值{fmt(r.weight)}分，"
                          f"得{fmt(r.score)}分，扣{fmt(r.lost)}分。计分依据：{sentence(r.explanation)}偏差原因：")]
            spans.append(Span(sentence(r.reason)) if r.reason else placeholder("偏差原因分析及改进措施"))
            self.add(Paragraph(tuple(spans), "item"))
        if full:
            items = "；".join(f"{r.leaf.name}（{target_actual(r) or '已完成'}）{fmt(r.score)}分" for r in full)
            self.add(para(f"{'其余指标' if down else '各项指标'}均得满分：{items}。"))

    def criteria_table(self, g: GroupResult, node: Group) -> None:
        """共性指标 by level-1 group: 指标 | 分值 | 得分 | 说明, with the level-2 groups as bold rows."""
        rows = []

        def walk(nodes, prefix):
            for child in nodes:
                path = prefix + (child.name,)
                if isinstance(child, Group):
                    sub = self.card.group(path)
                    rows.append(Row((child.name, fmt(sub.weight), fmt(sub.score), ""), strong=True))
                    walk(child.children, path)
                else:
                    r = self.card.leaf(path)
                    note = sentence(r.explanation)
                    if r.reason:
                        note += f"偏差原因：{sentence(r.reason)}"
                    elif lost(r):
                        note += "偏差原因：未填写。"
                    rows.append(Row((r.leaf.name, fmt(r.weight), fmt(r.score), note)))

        walk(node.children, g.path)
        self.table(f"{g.name}指标得分情况", ("指标", "分值", "得分", "说明"), rows, (4.2, 1.1, 1.1, 6.6),
                   centered=(1, 2), dense=True)

    # -- 四、五、六
    def unfinished(self) -> None:
        self.section("未完成的绩效目标")
        down = [r for r in self.card.leaves if lost(r)]
        if not self.card.leaves:
            self.add(para("自评表未填列三级指标，无法列出未完成的绩效目标。"))
            return
        if not down:
            self.add(para("各项绩效指标均达到年度指标值，没有未完成的绩效目标。"))
            return
        for i, r in enumerate(down, 1):
            where = target_actual(r)
            self.add(para(f"{i}.{r.leaf.name}：" + (f"{where}，" if where else "")
                          + f"得{fmt(r.score)}分（分值{fmt(r.weight)}分）。", role="item"))

    def problems(self) -> None:
        self.section("存在的问题和原因")
        down = [r for r in self.card.leaves if lost(r)]
        if not down:
            self.add(para(placeholder("存在的问题和原因")))
            return
        self.add(para(placeholder("存在的问题和原因。下列为自评表中填写的偏差原因，请归纳整理后改写")))
        for i, r in enumerate(down, 1):
            self.add(Paragraph((Span(f"{i}.{r.leaf.name}："),
                                Span(sentence(r.reason)) if r.reason else placeholder("偏差原因")), "item"))

    def measures(self) -> None:
        self.section("下一步拟改进措施")
        self.add(para(placeholder("下一步拟改进措施，以及与预算安排相结合的情况")))
        down = [r for r in self.card.leaves if lost(r)]
        for i, r in enumerate(down, 1):
            spans = [Span(f"{i}.针对“{r.leaf.name}”")]
            if r.reason:
                spans.append(Span(f"（自评表填写：{r.reason}）"))
            spans += [Span("："), placeholder("改进措施")]
            self.add(Paragraph(tuple(spans), "item"))

    def closing(self) -> None:
        year = f"{self.filing.year}年度" if self.filing.year else ""
        self.add(para(f"附件：{year}{kind_name(self.result)}绩效自评表", role="attachment"))
        if self.filing.unit:
            self.add(para(self.filing.unit, role="signature"))
        self.add(para(placeholder("成文日期"), role="signature"))


def build(result: "Result") -> Draft:
    """The report's content for a scored, checked filing."""
    return _Builder(result).build()
