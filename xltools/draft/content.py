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
from typing import TYPE_CHECKING

from ..model import FUNDING_COLUMNS, FUNDING_ROWS, Group, Leaf
from ..num import ZERO, fmt
from ..parse import Value, parse
from ..scoring import GroupResult, LeafResult
from ..xlsx import numfmt

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
    #: attachment (附件：… line) | signature (right-aligned 落款) | pagebreak (a new page) |
    #: attachment-label (“附件” above the attached table's title)
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


Block = Heading | Paragraph | Table | Figure


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
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 105 -> 一百零五, 1010 -> 一千零一十 (1..9999);
    other numbers in Arabic digits (a bureau's own form may have any number of groups)."""
    if not 1 <= n <= 9999:
        return str(n)
    if 10 <= n < 20:
        return "十" + (CN_DIGITS[n - 10] if n > 10 else "")
    out, zero = "", False
    for unit, size in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        digit, n = divmod(n, size)
        if digit:
            out += ("零" if zero and out else "") + CN_DIGITS[digit] + unit
            zero = False
        else:
            zero = True
    return out


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


def kind_name(result: Result) -> str:
    return result.card.form.spending


def title_text(result: Result) -> str:
    """“{year}年度{unit}部门整体支出绩效自评报告”, broken after the unit when it is long."""
    f = result.filing
    head = (f"{f.year}年度" if f.year else "") + f.unit
    tail = f"{kind_name(result)}绩效自评报告"
    return f"{head}\n{tail}" if head and len(head) + len(tail) > 20 else head + tail


def shown(v: Value) -> str:
    """A value as the table shows it: a workbook number under its cell's number format (``≥90%``,
    ``120件``), typed text as typed, a derived rate as the percentage it was computed to."""
    if v.is_blank:
        return "未填写"
    if v.is_number and v.shown:
        return (v.op or "") + v.shown
    return v.text or v.display()


def actual_text(r: LeafResult) -> str:
    if r.leaf.derive is not None and r.actual.is_number and not r.actual.shown:
        return r.actual.display()
    return shown(r.actual)


def target_text(r: LeafResult) -> str:
    return shown(r.target)


def target_actual(r: LeafResult) -> str:
    parts = []
    if not r.target.is_blank:
        parts.append(f"年度指标值{target_text(r)}")
    if not r.actual.is_blank:
        parts.append(f"实际完成值{actual_text(r)}")
    return "，".join(parts)


def lost(r: LeafResult) -> bool:
    return r.score < r.weight


def unfinished(r: LeafResult) -> bool:
    """未完成: the recomputed score is below the weight and the rule itself does not give full marks
    (a deduction by the evaluator's judgement on a met target is a 扣分, not an unmet target)."""
    return lost(r) and (r.rule_score is None or r.rule_score < r.weight)


def money(amount) -> str:
    """万元 amounts as the template's cells show them (``#,##0.00``)."""
    value = parse(amount)
    return numfmt.shown(value.amount, MONEY_FORMAT) if value.is_number else "—"


MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00%"  # the template's 执行率 cell


def rate(value) -> str:
    return numfmt.shown(value, RATE_FORMAT) if value is not None else "—"


# ---------------------------------------------------------------------------


class _Builder:
    def __init__(self, result: Result):
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

    @property
    def year(self) -> str:
        return f"{self.filing.year}年度" if self.filing.year else "本年度"


    # -- the report
    def build(self) -> Draft:
        self.add(Heading(0, title_text(self.result)))
        self.drafting_note()
        self.basics()
        self.goals()
        self.conclusion()
        self.indicators()
        self.deviations()
        self.application()
        self.other()
        self.closing()
        self.attachment()
        return Draft(title=title_text(self.result).replace("\n", ""), blocks=tuple(self.blocks),
                     unit=self.filing.unit, meta={"form": self.form.id, "year": self.filing.year})

    def drafting_note(self) -> None:
        """起草说明: how the draft was made and, when the table has problems, what they are — the
        body only ever states the recomputed numbers."""
        card, report = self.card, self.result.report
        note = lambda text: self.add(para(Span(text, PLACEHOLDER), role="note"))  # noqa: E731
        note("【起草说明：本稿由自评表自动生成，数字均按评分规则重新计算；红色【】内为需要人工填写或核对的内容，"
             "定稿前请删除本说明。】")
        errors, reviews = report.errors, report.reviews
        if errors:
            note(f"【自评表有{len(errors)}个错误（数字不对），本稿采用按规则重新计算的数字，请先更正自评表再重新生成：】")
            for i, issue in enumerate(errors, 1):
                note(f"【{i}.{self.where(issue)}{sentence(issue.message)}】")
        if card.stated_total is not None and card.stated_total != card.total:
            note(f"【自评表填报总分{fmt(card.stated_total)}分，按规则重新计算为{fmt(card.total)}分，本稿采用重新计算的得分。】")
        if reviews:
            note(f"【自评表另有{len(reviews)}项待补充，请核对：】" if errors else f"【自评表有{len(reviews)}项待补充，请核对：】")
            for i, issue in enumerate(reviews, 1):
                note(f"【{i}.{self.where(issue)}{sentence(issue.message)}】")

    @staticmethod
    def where(issue) -> str:
        cell = getattr(issue.location, "cell", None)
        return f"（{issue.location}）" if cell else ""

    # -- 一、基本情况
    def basics(self) -> None:
        self.section("项目基本情况" if self.form.is_project else "部门（单位）基本情况")
        if self.form.is_project:
            self.add(Heading(2, "（一）项目概况"))
            self.add(para(placeholder("项目立项依据、主要内容、实施单位和实施期限")))
        else:
            self.add(Heading(2, "（一）部门职能职责"))
            self.add(para(placeholder("部门（单位）的主要职能职责")))
            self.add(Heading(2, "（二）机构设置及人员情况"))
            self.add(para(placeholder("内设机构、下属单位，编制数和年末实有人数")))
        self.add(Heading(2, f"（{cn_number(2 if self.form.is_project else 3)}）预算收支情况"))
        row = self.filing.funding.get("total")
        if row is not None and any(parse(getattr(row, c)).is_number for c in FUNDING_COLUMNS):
            parts = [f"{label}{money(getattr(row, c))}万元" for c, label in FUNDING_COLUMNS.items()
                     if parse(getattr(row, c)).is_number]
            self.add(para(f"{self.year}" + "，".join(parts) + "。", placeholder("收入构成和支出构成（基本支出、项目支出）")))
        else:
            self.add(para(placeholder(f"{self.year}收入、支出预算及决算情况（自评表未填资金情况）")))

    # -- 二、绩效目标及实现情况
    def goals(self) -> None:
        self.section("绩效目标及实现情况")
        self.add(Heading(2, "（一）年度绩效目标"))
        self.add(para(sentence(self.filing.goal_planned) if self.filing.goal_planned else placeholder("年度总体绩效目标")))
        self.add(Heading(2, "（二）绩效目标实现情况"))
        self.add(para(sentence(self.filing.goal_achieved) if self.filing.goal_achieved
                      else placeholder("年度总体目标的实际完成情况")))
        self.add(Heading(2, "（三）资金投入和使用情况"))
        self.funding()

    def funding(self) -> None:
        """Funding by source (年度资金总额, 当年财政拨款, 上年结转, 其他) and the execution score."""
        rows = []
        for name, label in FUNDING_ROWS.items():
            row = self.filing.funding.get(name)
            if row is None or not any(parse(getattr(row, c)).is_number for c in FUNDING_COLUMNS):
                continue
            executed = rate(self.card.funding.rate) if name == "total" and self.card.funding is not None else ""
            rows.append(Row((label,) + tuple(money(getattr(row, c)) for c in FUNDING_COLUMNS) + (executed,),
                            strong=name == "total"))
        if not rows:
            self.add(para(placeholder("资金来源（当年财政拨款、上年结转、其他资金）、预算数和执行数")))
            return
        self.add(para(f"{self.year}资金按来源的预算和执行情况见下表（单位：万元）。"))
        self.table("资金投入和使用情况（万元）", ("资金来源",) + tuple(FUNDING_COLUMNS.values()) + ("执行率",), rows,
                   (3.4, 2, 2, 2, 1.6), centered=(1, 2, 3, 4))
        f = self.card.funding
        if f is None:
            return
        if f.weight and f.rate is not None:
            over = "（执行率超过100%，按满分计）" if f.rate > 1 else ""
            self.add(para(f"预算执行率{rate(f.rate)}，分值{fmt(f.weight)}分，按“得分=分值×执行率”计算，得{fmt(f.score)}分{over}。"))
        elif f.weight:
            self.add(para(f"预算执行率分值{fmt(f.weight)}分，{sentence(f.explanation)}"))
        total = self.filing.funding.get("total")
        initial = parse(total.initial if total else None)
        if initial.is_number and f.budget is not None and initial.number != f.budget:
            self.add(para(placeholder("预算调整的原因")))
        if f.rate is not None and f.rate < 1:
            self.add(para(placeholder("预算未全部执行的原因")))

    # -- 三、自评结论及指标完成情况
    def conclusion(self) -> None:
        card = self.card
        self.section("自评结论及指标完成情况")
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

    def indicators(self) -> None:
        tops = self.card.top_groups()
        goals = self.form.level_names[:1] == ("绩效目标",)
        if goals:
            listed = "、".join(f"{g.name}（{fmt(g.weight)}分）" for g in tops)
            self.add(para(f"{self.year}绩效目标设定为：{listed}。"))
        for n, g in enumerate(tops, 1):
            node = self.form.group(g.path)
            head = f"（{cn_number(n)}）{g.name}" + ("" if goals else "完成情况") + (f"（{fmt(g.weight)}分）" if goals else "")
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
        """Each leaf that lost points with target, actual and score (the reason is in 四、); then the
        full-score leaves in one sentence."""
        if not leaves:
            self.add(para("自评表未填列该项下的三级指标。"))
            return
        down = [r for r in leaves if lost(r)]
        full = [r for r in leaves if not lost(r)]
        for i, r in enumerate(down, 1):
            state = "未完成年度指标值" if unfinished(r) else "达到年度指标值，评价人酌情扣分"
            self.add(para(f"{i}.{r.leaf.name}：{target_actual(r) or '实际完成值未填写'}，{state}；"
                          f"分值{fmt(r.weight)}分，得{fmt(r.score)}分，扣{fmt(r.lost)}分。", role="item"))
        if full:
            items = "；".join(f"{r.leaf.name}（{target_actual(r) or '已完成'}）{fmt(r.score)}分" for r in full)
            self.add(para(f"{'其余指标' if down else '各项指标'}均得满分：{items}。"))

    def criteria_table(self, g: GroupResult, node: Group) -> None:
        """共性指标 by level-1 group: 指标 | 分值 | 得分 | 完成情况, with the level-2 groups as bold rows."""
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
                    note = target_actual(r)
                    note = (note + "。" if note else "") + ("未完成年度指标值。" if unfinished(r) else
                                                          "评价人酌情扣分。" if lost(r) else "")
                    rows.append(Row((r.leaf.name, fmt(r.weight), fmt(r.score), note)))

        walk(node.children, g.path)
        self.table(f"{g.name}指标得分情况", ("指标", "分值", "得分", "完成情况"), rows, (4.2, 1.1, 1.1, 6.6),
                   centered=(1, 2), dense=True)

    # -- 四、偏差原因和改进措施
    def deviations(self) -> None:
        self.section("偏差原因和改进措施")
        self.add(Heading(2, "（一）未完成的绩效目标及偏差原因"))
        leaves = self.card.leaves
        down = [r for r in leaves if unfinished(r)]
        judged = [r for r in leaves if lost(r) and not unfinished(r)]
        if not leaves:
            self.add(para("自评表未填列三级指标，无法列出未完成的绩效目标。"))
        elif not down:
            self.add(para("各项绩效指标均达到年度指标值，没有未完成的绩效目标。"))
        for i, r in enumerate(down, 1):
            where = target_actual(r) or ("" if r.judged else "实际完成值未填写")
            spans = [Span(f"{i}.{r.leaf.name}：" + (f"{where}，" if where else "") + f"得{fmt(r.score)}分"
                          f"（分值{fmt(r.weight)}分）。偏差原因：")]
            spans.append(Span(sentence(r.reason)) if r.reason else placeholder("偏差原因"))
            self.add(Paragraph(tuple(spans), "item"))
        if judged:
            self.add(para("以下指标达到年度指标值，评价人按实际情况扣分："))
            for i, r in enumerate(judged, 1):
                spans = [Span(f"{i}.{r.leaf.name}：得{fmt(r.score)}分（分值{fmt(r.weight)}分）。扣分理由：")]
                spans.append(Span(sentence(r.reason)) if r.reason else placeholder("扣分理由"))
                self.add(Paragraph(tuple(spans), "item"))
        self.add(Heading(2, "（二）下一步改进措施"))
        self.add(para(placeholder("下一步拟改进措施，以及与预算安排相结合的情况")))
        for i, r in enumerate(down + judged, 1):
            self.add(Paragraph((Span(f"{i}.针对“{r.leaf.name}”："), placeholder("改进措施")), "item"))

    # -- 五、六
    def application(self) -> None:
        self.section("结果应用及公开")
        self.add(para(placeholder("上年度自评结果的应用情况：整改落实、完善绩效目标、与下年预算安排挂钩等")))
        self.add(para(placeholder("自评结果公开情况：随部门决算公开的时间和网址，或未公开的原因")))

    def other(self) -> None:
        self.section("其他需要说明的问题")
        self.add(para(placeholder("其他需要说明的问题；没有的写“无”")))

    def closing(self) -> None:
        self.add(para(f"附件：{self.attachment_title()}", role="attachment"))
        if self.filing.unit:
            self.add(para(self.filing.unit, role="signature"))
        self.add(para(placeholder("成文日期"), role="signature"))

    def attachment_title(self) -> str:
        return (f"{self.filing.year}年度" if self.filing.year else "") + f"{kind_name(self.result)}绩效自评表"

    # -- 附件：the 自评表 itself
    def attachment(self) -> None:
        """The 自评表 as a table: every leaf with target, actual, weight, score and reason; the funding
        line and the total."""
        self.add(para("", role="pagebreak"))
        self.add(para("附件", role="attachment-label"))
        self.add(Heading(0, self.attachment_title()))
        rows = []
        f = self.card.funding
        if f is not None and f.weight:
            label = self.form.funding.label if self.form.funding else "预算执行率"
            executed = f"执行率{rate(f.rate)}" if f.rate is not None else ""
            rows.append(Row((label, "", "", "", executed, fmt(f.weight), fmt(f.score), "")))
        previous: tuple[str, ...] = ()
        for r in self.card.leaves:
            groups = r.path[:-1] + ("", "")
            l1 = groups[0] if groups[:1] != previous[:1] else ""  # a group's name once, on its first row
            l2 = groups[1] if groups[:2] != previous[:2] else ""
            previous = groups[:2]
            rows.append(Row((l1, l2, r.leaf.name, "" if r.target.is_blank else target_text(r),
                             "" if r.actual.is_blank else actual_text(r), fmt(r.weight), fmt(r.score), r.reason)))
        total_weight = sum((r.weight for r in self.card.leaves), ZERO) + (f.weight if f is not None else ZERO)
        rows.append(Row(("总分", "", "", "", f"等级：{self.card.grade}", fmt(total_weight), fmt(self.card.total), ""),
                        strong=True))
        l1, l2, l3 = self.form.level_names
        self.table("绩效自评表", (l1, l2, l3, "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"), rows,
                   (1.7, 1.7, 2.4, 1.9, 1.9, 1.15, 1.15, 2.5), centered=(5, 6), dense=True)


def build(result: Result) -> Draft:
    """The report's content for a scored, checked filing."""
    return _Builder(result).build()
