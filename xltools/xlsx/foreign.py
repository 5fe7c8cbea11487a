"""Read a 自评表 that xltools did not make (the way units have always filled them): find the
indicator header row by its column titles, the funding block by its labels, follow merged or
once-typed 一级/二级 labels, and map the table onto the closest shipped form — or say clearly why
it cannot.

The form gives the table its **rules and structure**; the file gives its **weights, names and
typed scores**.  Groups and leaves are mapped to the form's by tolerant name (spaces,
punctuation, full width, the aliases the form's YAML lists under ``foreign``) and then by
position within their group; a leaf the form lacks is scored by the rule its columns imply.
Summary rows (小计/合计/总计/总分, or a row holding the sum of the rows above) are stated
subtotals and totals, never leaves.  A table without an 实际完成值 column is scored from its
typed scores, with one review issue per leaf whose rule cannot be re-applied.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from ..errors import WorkbookError
from ..model import Entry, Filing, Form, FundingRow, Group, Leaf, key
from ..num import HUNDRED, ZERO, fmt
from ..parse import SUMMARY, Value, is_summary_label, parse
from ..rules.judged import Manual
from ..rules.national import National
from ..spec import builtin_ids, load_form
from ..validation import Issue, Location
from .cells import a1
from .package import Book, Grid
from .reader import Reading, check_complete, in_range

#: Header titles -> column key.  Checked in order; the first match wins for a cell.
HEADERS = (
    ("偏差原因", "reason"), ("指标方向", "op"), ("指标性质", "op"), ("一级指标", "l1"), ("二级指标", "l2"),
    ("三级指标", "l3"), ("绩效目标", "goal"),
    ("年度指标值", "target"), ("指标值", "target"), ("目标值", "target"), ("实际完成值", "actual"),
    ("实际完成", "actual"), ("实际值", "actual"), ("分值", "weight"), ("权重", "weight"), ("得分", "score"),
    ("指标解释", "note"), ("评价标准", "criteria"),
)
FUNDING_HEADERS = (("年初预算数", "initial"), ("全年预算数", "budget"), ("调整后预算数", "budget"),
                   ("全年执行数", "spent"), ("执行数", "spent"), ("执行率", "rate"), ("得分", "score"),
                   ("分值", "weight"))
FUNDING_LABELS = (("财政拨款", "fiscal"), ("上年结转", "carryover"), ("其他资金", "other"), ("基本支出", "basic"),
                  ("项目支出", "projects"), ("合计", "total"), ("年度资金总额", "total"), ("资金总额", "total"),
                  ("支出总额", "total"))
#: A weight written in a label: 产出指标（50分）, 绩效目标可行性(2分), 数量指标 (20).
WEIGHT_IN_LABEL = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")
WEIGHT_AT_END = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*[)）]$")
#: A goal cell: 目标1, 目标一：市容市貌督察管理, 目标1（30分）市容市貌督察管理.
GOAL = re.compile(r"^目标([0-9一二三四五六七八九十]+)[：:、.．\-—]*(.*)$")
CHINESE_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十")}
TOTAL_ONLY = ("总计", "总分")
PUNCTUATION = re.compile(r"[\s“”\"'‘’、，,。.：:;；()（）\[\]【】<>《》\-—_·/]")
UNIT_LABELS = ("部门名称", "单位名称", "填报单位", "预算单位", "实施单位", "主管部门", "项目单位", "项目名称")
SCAN_ROWS = 80


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def canon(text: str) -> str:
    """A name as compared: full width folded, spaces and punctuation gone."""
    return PUNCTUATION.sub("", unicodedata.normalize("NFKC", text or "")).lower()


@dataclass(frozen=True)
class Label:
    name: str  # 目标1 for a goal cell; else the label without its weight
    weight: Decimal | None = None
    title: str = ""  # a goal's own name (市容市貌督察管理)


def split_label(text: str) -> Label:
    """产出指标（50分） -> 产出指标, 50; 目标1：市容市貌督察管理（30分） -> 目标1, 30, 市容市貌督察管理."""
    t = _norm(text)
    weight = None
    m = WEIGHT_IN_LABEL.search(t) or WEIGHT_AT_END.search(t)
    if m:
        weight = Decimal(m.group(1))
        t = t[:m.start()] + t[m.end():]
    g = GOAL.match(t)
    if g:
        number = g.group(1)
        n = _chinese_number(number)
        return Label(f"目标{n}", weight, g.group(2).strip("：:、.．-— "))
    return Label(t, weight)


def _chinese_number(text: str) -> int:
    """一 -> 1, 十二 -> 12, 二十 -> 20, 三二 -> 32 (digits read one by one): never fails on its input."""
    digits = {**{str(i): i for i in range(10)}, **CHINESE_DIGITS}
    if "十" not in text:
        return int("".join(str(digits[ch]) for ch in text))
    tens, _, ones = text.partition("十")
    return digits.get(tens[-1:], 1) * 10 + digits.get(ones[:1], 0)


def used_columns(grid: Grid) -> list[int]:
    """The columns that hold a cell, in order: loops over them, not over range(max_col + 1), so a
    single cell in column XFD does not cost 16384 lookups per row."""
    return sorted({c for _, c in grid.cells})


def find_header(grid: Grid) -> tuple[int, dict[str, int]] | None:
    best = None
    columns = used_columns(grid)
    for r in range(min(grid.max_row, SCAN_ROWS) + 1):
        cols: dict[str, int] = {}
        for c in columns:
            text = _norm(grid.text(r, c))
            if not text:
                continue
            for title, name in HEADERS:
                if title in text and name not in cols:
                    cols[name] = c
                    break
        if "goal" in cols and "l2" not in cols and "l1" in cols:  # 绩效目标 | 一级指标 | 三级指标
            cols["l2"], cols["l1"] = cols["l1"], cols.pop("goal")
        cols.pop("goal", None)
        usable = "l3" in cols and ("score" in cols or "weight" in cols) and len(cols) >= 4
        if usable and (best is None or len(cols) > len(best[1])):
            best = (r, cols)
    return best


def read_foreign(book: Book) -> Reading:
    name = Path(book.path).name
    found = None
    for grid in book.sheets.values():
        if grid.state != "visible":
            continue
        header = find_header(grid)
        if header:
            found = (grid, *header)
            break
    if found is None:
        for grid in book.sheets.values():
            if grid.state == "visible":
                check_complete(book, grid)  # the table may lie beyond what was read: say so
        sheets = "、".join(book.sheets) or "无"
        raise WorkbookError(f"{name}：没有找到绩效指标表（需要有“一级指标/二级指标/三级指标/分值/得分”等列标题的表头行）。"
                            f"工作表：{sheets}。如果这是别的表格，请换用自评表；如果表头文字不同，请改成标准列名。")
    grid, header_row, cols = found
    check_complete(book, grid)
    rows = _table_rows(grid, header_row, cols)
    form = _match_form(name, grid, rows, header_row)
    return _build(book, grid, form, rows, cols, header_row)


# ---------------------------------------------------------------------------------------------
# The table's rows


@dataclass
class Row:
    r: int
    l1: str
    l2: str
    l3: str
    summary: str = ""  # "" leaf; "sub" a 小计/合计 inside the table; "total" the last one
    l1_cell: tuple[int, int] | None = None
    l2_cell: tuple[int, int] | None = None


def _table_rows(grid: Grid, header_row: int, cols: dict[str, int]) -> list[Row]:
    out: list[Row] = []
    l1 = l2 = ""
    l1_cell = l2_cell = None
    blank_run = 0
    columns = [c for c in used_columns(grid) if c <= max(cols.values())]  # the table's own columns
    label_cols = [c for c in columns if c <= cols["l3"]]
    last = min(grid.max_row, header_row + 2000)
    for r in range(header_row + 1, last + 1):
        texts = {c: _norm(grid.text(r, c)) for c in columns}
        if any(t.startswith("备注") for c, t in texts.items() if c < 2):
            break
        if not any(texts.values()):
            blank_run += 1
            if blank_run >= 5:
                break
            continue
        blank_run = 0
        summary = next((t for c in label_cols for t in [texts.get(c, "")] if is_summary_label(t)), "")
        if summary:
            kind = "sub" if "小计" in summary or (
                not summary.startswith(TOTAL_ONLY) and _leaf_follows(grid, r, cols, last)) else "total"
            out.append(Row(r, l1, l2, grid.text(r, cols["l3"]), kind, l1_cell, l2_cell))
            if kind == "total":
                break
            continue
        v1, c1 = _merged_text(grid, r, cols.get("l1"))
        v2, c2 = _merged_text(grid, r, cols.get("l2"))
        if v1:
            if _norm(v1) != _norm(l1) or c1 != l1_cell:
                l2, l2_cell = "", None  # a new 一级 group: its 二级 labels start again
            l1, l1_cell = v1, c1
        if v2:
            l2, l2_cell = v2, c2
        l3 = grid.text(r, cols["l3"])
        if not l3 and grid.value(r, cols.get("weight", cols["l3"])) in (None, "") \
                and grid.value(r, cols.get("score", cols["l3"])) in (None, ""):
            continue
        out.append(Row(r, l1, l2, l3, "", l1_cell, l2_cell))
    return out


def _leaf_follows(grid: Grid, r: int, cols: dict[str, int], last: int) -> bool:
    """Does an indicator row, or a later total, come after row ``r`` (then a 合计 there is a subtotal)?"""
    labels = [c for c in sorted(set(cols.values())) if c <= cols["l3"]]
    for rr in range(r + 1, min(last, r + 40) + 1):
        texts = [_norm(grid.text(rr, c)) for c in labels]
        if any(t.startswith(SUMMARY) and "小计" not in t for t in texts):
            return True
        name = _norm(grid.text(rr, cols["l3"]))
        if is_summary_label(name) or any(_norm(grid.text(rr, c)).startswith("备注") for c in (0, 1)):
            return False
        if name and any(grid.value(rr, cols[k]) not in (None, "") for k in ("weight", "score") if k in cols):
            return True
    return False


def _merged_text(grid: Grid, r: int, c: int | None) -> tuple[str, tuple[int, int] | None]:
    if c is None:
        return "", None
    rr, cc = grid.merged_top_left(r, c)
    return grid.text(rr, cc), (rr, cc)


# ---------------------------------------------------------------------------------------------
# Which form: the knowledge is in each shipped form's YAML (``foreign:``), never here


def _match_form(name: str, grid: Grid, rows: list[Row], header_row: int) -> Form:
    level1: list[str] = []
    for row in rows:
        n = split_label(row.l1).name if not row.summary else ""
        if n and n not in level1:
            level1.append(n)
    title = " ".join(grid.text(r, c) for r in range(header_row) for c in used_columns(grid))
    best, best_score = None, 0.0
    for form_id in builtin_ids():
        form = load_form(form_id)
        score = _form_fit(form.foreign, level1, title)
        if score > best_score:
            best, best_score = form, score
    if best is not None:
        return best
    shown = "、".join(level1) or "（没有读到一级指标）"
    known = "；".join(f"{load_form(i).title}（{'/'.join(load_form(i).foreign.get('level1', ())) or '目标1/目标2…'}）"
                     for i in builtin_ids() if load_form(i).foreign)
    raise WorkbookError(f"{name}：无法对应到已知表式。读到的一级指标为：{shown}；支持的表式：{known}。"
                        "按绩效目标分配分值的表，一级指标写成“目标1（30分）…”或“目标1：名称（30分）”即可。")


def _form_fit(spec: dict, level1: list[str], title: str) -> float:
    if not spec or not level1:
        return 0
    if spec.get("numbered_goals"):
        return 10 if sum(1 for n in level1 if GOAL.match(n)) >= max(1, len(level1) // 2) else 0
    aliases = spec.get("aliases", {})
    names = {canon(x) for n in spec.get("level1", ()) for x in (n, *aliases.get(n, ()))}
    hits = sum(1 for n in level1 if canon(n) in names)
    if spec.get("only") and hits < len(level1):
        return 0
    if hits < spec.get("min", 2 if len(names) > 2 else 1):
        return 0
    return hits + (0.5 if any(word in title for word in spec.get("title", ())) else 0)


# ---------------------------------------------------------------------------------------------
# The file's own tree, mapped onto the form's


@dataclass
class FileGroup:
    name: str  # the form's group name where it maps, else the file's
    spec: Group | None
    weight: Decimal | None = None
    weight_at: tuple[int, int] | None = None
    first_row: int | None = None
    children: dict[str, FileGroup] = field(default_factory=dict)
    leaves: list[tuple[Row, str, Decimal | None, tuple[int, int] | None]] = field(default_factory=list)
    stated: object = None
    stated_at: tuple[int, int] | None = None

    def leaf_weight(self) -> Decimal:
        own = sum((w or ZERO for _, _, w, _ in self.leaves), ZERO)
        return own + sum((c.leaf_weight() for c in self.children.values()), ZERO)


N = TypeVar("N", bound=Group | Leaf)


def _find(nodes: Iterable[N], name: str, aliases: dict[str, list[str]]) -> N | None:
    """The node of ``nodes`` a file's name stands for: same name (tolerant), an alias, or a unique
    prefix (a name cut short or lengthened)."""
    c = canon(name)
    if not c:
        return None
    for node in nodes:
        if canon(node.name) == c or c in (canon(a) for a in aliases.get(node.name, ())):
            return node
    prefixed = [n for n in nodes if min(len(canon(n.name)), len(c)) >= 2
                and (canon(n.name).startswith(c) or c.startswith(canon(n.name)))]
    return prefixed[0] if len(prefixed) == 1 else None


def _number_cell(grid: Grid, r: int, c: int | None) -> Decimal | None:
    if c is None:
        return None
    value = _typed(grid.get(r, c))
    v = parse(value)
    return v.number if v.is_number and not v.ratio else None


def _tree(grid: Grid, form: Form, rows: list[Row], cols: dict[str, int]) -> tuple[dict[str, FileGroup], list[Row]]:
    aliases = form.foreign.get("aliases", {})
    top: dict[str, FileGroup] = {}
    summaries: list[Row] = []
    for row in rows:
        if row.summary:
            summaries.append(row)
            continue
        lab1 = split_label(row.l1)
        spec1 = _find(form.indicators, lab1.name, aliases) if lab1.name else None
        n1 = spec1.name if isinstance(spec1, Group) else (lab1.name or "其他")
        g1 = top.setdefault(n1, FileGroup(n1, spec1 if isinstance(spec1, Group) else None, first_row=row.r))
        if lab1.weight is not None and g1.weight is None:
            g1.weight, g1.weight_at = lab1.weight, row.l1_cell
        lab2 = split_label(row.l2)
        lab3 = split_label(row.l3)
        weight = _number_cell(grid, row.r, cols.get("weight"))
        weight_at = (row.r, cols["weight"]) if "weight" in cols else None
        if weight is None and lab3.weight is not None:
            weight, weight_at = lab3.weight, (row.r, cols["l3"])
        if not lab3.name and weight is not None and not lab2.name and row.l1_cell == (row.r, cols.get("l1")) \
                and g1.leaf_weight() == 0 and not any(c.leaves for c in g1.children.values()):
            _header_row(grid, g1, row, cols, weight, weight_at)  # 产出指标 | | | 50 | 48: its leaves below
            continue
        spec_children = g1.spec.children if g1.spec is not None else ()
        if lab2.name:
            spec2 = _find([n for n in spec_children if isinstance(n, Group)], lab2.name, aliases)
            n2 = spec2.name if spec2 is not None else lab2.name
        else:  # no 二级 label: the group of the form that holds this leaf
            spec2 = next((g for g in spec_children if isinstance(g, Group)
                          and _find([x for x in g.children if isinstance(x, Leaf)], lab3.name, aliases)), None)
            n2 = spec2.name if spec2 is not None else "其他"
        g2 = g1.children.setdefault(n2, FileGroup(n2, spec2 if isinstance(spec2, Group) else None, first_row=row.r))
        if lab2.weight is not None and g2.weight is None:
            g2.weight, g2.weight_at = lab2.weight, row.l2_cell
        if not lab3.name and weight is not None and not g2.leaves and row.l2_cell == (row.r, cols.get("l2")):
            _header_row(grid, g2, row, cols, weight, weight_at)  # a 二级 label row with its weight, leaves below
            continue
        if not lab3.name and weight is not None and _is_sum(g1, g2, weight):
            row.summary = "sub"
            summaries.append(row)
            continue
        g2.leaves.append((row, lab3.name, weight, weight_at))
    return top, summaries


def _header_row(grid: Grid, g: FileGroup, row: Row, cols, weight: Decimal, weight_at) -> None:
    """A group's own row above its leaves: its weight, and its score as a stated subtotal."""
    if g.weight is None:
        g.weight, g.weight_at = weight, weight_at
    if "score" in cols and grid.value(row.r, cols["score"]) not in (None, ""):
        g.stated, g.stated_at = _typed(grid.get(row.r, cols["score"])), (row.r, cols["score"])


def _is_sum(g1: FileGroup, g2: FileGroup, weight: Decimal) -> bool:
    """A row with no name whose weight is the sum of the leaves above it in its group."""
    return weight in (g2.leaf_weight(), g1.leaf_weight()) and bool(g2.leaves or g1.children)


def _assign_summaries(grid: Grid, top: dict[str, FileGroup], summaries: list[Row], cols):
    """Each 小计 to the group it closes: the innermost group whose leaves above add up to its weight;
    else the 二级 group when its 一级 group goes on below, else the 一级 group.  Returns the total row."""
    total = None
    for row in summaries:
        if row.summary == "total":
            total = row
            continue
        weight = _number_cell(grid, row.r, cols.get("weight"))
        score_value = _typed(grid.get(row.r, cols["score"])) if "score" in cols else None
        g1 = _last_group_before(top.values(), row.r)
        if g1 is None:
            continue
        g2 = _last_group_before(g1.children.values(), row.r)
        target = g1
        if g2 is not None:
            above = sum((w or ZERO for lr, _, w, _ in g2.leaves if lr.r < row.r), ZERO)
            continues = any(lr.r > row.r for c in g1.children.values() for lr, *_ in c.leaves)
            if weight is not None and weight == above and weight != g1.leaf_weight():
                target = g2
            elif weight is None and continues:
                target = g2
            elif weight is not None and weight != g1.leaf_weight() and continues:
                target = g2
        if weight is not None and target.weight is None:
            target.weight, target.weight_at = weight, (row.r, cols["weight"])
        target.stated = score_value
        target.stated_at = (row.r, cols["score"]) if "score" in cols else None
    return total


def _last_group_before(groups, r: int) -> FileGroup | None:
    found = None
    for g in groups:
        first = min((lr.r for lr, *_ in g.leaves), default=None)
        inner = [lr.r for c in g.children.values() for lr, *_ in c.leaves]
        first = min([x for x in [first] + inner if x is not None], default=None)
        if first is not None and first < r:
            found = g
    return found


# ---------------------------------------------------------------------------------------------
# The filing


def _build(book: Book, grid: Grid, form: Form, rows: list[Row], cols, header_row) -> Reading:
    reading = Reading(source=book.path, kind="foreign", filing=None,  # type: ignore[arg-type]
                      sheet=grid.name, columns=dict(cols))
    top, summaries = _tree(grid, form, rows, cols)
    total_row = _assign_summaries(grid, top, summaries, cols)
    national = form.layout == "national"
    no_actual = "actual" not in cols
    aliases = form.foreign.get("aliases", {})
    entries: dict[str, Entry] = {}
    stated_subtotals: dict[str, object] = {}
    nodes = []
    spec_order = [n.name for n in form.indicators]
    in_form_order = sorted(top.values(), key=lambda g: (spec_order.index(g.name) if g.name in spec_order else 99,
                                                        g.first_row))
    for g1 in in_form_order:
        children = []
        for g2 in g1.children.values():
            leaves = _leaves(reading, grid, form, g2, cols, national, no_actual, aliases, (g1.name, g2.name), entries)
            spec_w = g2.spec.weight if g2.spec is not None and national else None
            children.append(Group(g2.name, g2.weight if g2.weight is not None else spec_w, tuple(leaves)))
            _group_spots(reading, g2, (g1.name, g2.name), stated_subtotals)
        spec_w = g1.spec.weight if g1.spec is not None and national else None
        nodes.append(Group(g1.name, g1.weight if g1.weight is not None else spec_w, tuple(children)))
        _group_spots(reading, g1, (g1.name,), stated_subtotals)
    form = replace(form, indicators=tuple(nodes))
    funding, stated = _funding(grid, header_row, reading)
    if stated.get("weight") is not None and form.funding is not None:
        form = replace(form, funding=replace(form.funding, weight=stated["weight"]))
    totals = _totals(grid, total_row.r, cols, reading) if total_row is not None else {}
    unit, year = unit_year(grid, header_row)
    reading.filing = Filing(form=form, unit=unit, year=year, funding=funding, entries=entries,
                            stated_rate=stated.get("rate"), stated_funding_score=stated.get("score"),
                            stated_subtotals=stated_subtotals,
                            stated_total=totals.get("total"), stated_grade=totals.get("grade"))
    return reading


def _group_spots(reading: Reading, g: FileGroup, path: tuple[str, ...], stated_subtotals: dict) -> None:
    k = key(path)
    if g.weight_at is not None:
        reading.spots[(k, "weight")] = g.weight_at
    if g.stated is not None:
        stated_subtotals[k] = g.stated
        if g.stated_at is not None:
            reading.spots[(k, "score")] = g.stated_at


def _leaves(reading: Reading, grid: Grid, form: Form, g: FileGroup, cols, national: bool, no_actual: bool,
            aliases, parent: tuple[str, ...], entries: dict) -> list[Leaf]:
    spec_leaves = [n for n in (g.spec.children if g.spec is not None else ()) if isinstance(n, Leaf)]
    matched: dict[int, Leaf] = {}
    free = list(spec_leaves)
    for i, (_, name, _, _) in enumerate(g.leaves):
        found = _find(free, name, aliases)
        if found is not None:
            matched[i] = found
            free.remove(found)
    rest = [i for i in range(len(g.leaves)) if i not in matched]
    if len(rest) == len(free):  # renamed leaves: by position within the group
        matched.update(zip(rest, free))
    out: list[Leaf] = []
    for i, (row, name, weight, weight_at) in enumerate(g.leaves):
        r = row.r
        raw = {k: _typed(grid.get(r, cols[k])) if k in cols else None for k in ("target", "actual", "score")}
        op = grid.text(r, cols["op"]) if "op" in cols else ""
        if op in ("≥", ">", "≤", "<", "=") and raw["target"] is not None and parse(raw["target"]).op is None:
            target_value = parse(raw["target"])
            raw["target"] = op + (target_value.display() if target_value.is_number else str(raw["target"]))
        spec = matched.get(i)
        leaf_name = name or f"第{r + 1}行"
        typed_weight = grid.value(r, cols["weight"]) if "weight" in cols else None
        if weight is None and typed_weight not in (None, "") and str(typed_weight).strip():
            reading.issues.append(Issue("not-a-number", "error", Location("", "", grid.name, a1(r, cols["weight"])),
                                        f"“{leaf_name}”分值“{typed_weight}”不是数字，请只填分数"))
        if weight is None:
            weight = spec.weight if spec is not None else ZERO
        if spec is not None:
            leaf = replace(spec, name=leaf_name, weight=weight)
        elif national:
            leaf = Leaf(name=leaf_name, weight=weight, rule=National())
        else:  # a leaf the form lacks: the rule its columns imply
            numbers = parse(raw["target"]).is_number and parse(raw["actual"]).is_number
            leaf = Leaf(name=leaf_name, weight=weight, rule=National() if numbers else Manual())
        if no_actual and not leaf.rule.judged:
            reading.issues.append(Issue("rule-not-reapplied", "review",
                                        Location("", "", grid.name, a1(r, cols.get("score", cols["l3"]))),
                                        f"“{leaf_name}”：表中没有实际完成值，无法按评价标准复核得分，按填报得分{_shown(raw['score'])}计"))
            leaf = replace(leaf, rule=Manual(criteria=leaf.criteria()), derive=None)
        if any(x.name == leaf.name for x in out):
            leaf = replace(leaf, name=f"{leaf.name}（第{r + 1}行）")
        out.append(leaf)
        path = parent + (leaf.name,)
        entries[key(path)] = Entry(target=raw["target"], actual=raw["actual"], score=raw["score"],
                                   reason=grid.text(r, cols["reason"]) if "reason" in cols else None)
        reading.rows[key(path)] = r
        if weight_at is not None and "weight" not in cols:
            reading.spots[(key(path), "weight")] = weight_at
        reading.group_rows.setdefault(key(parent[:1]), r)
        reading.group_rows.setdefault(key(parent), r)
    return out


def _shown(value) -> str:
    v = parse(value)
    return v.display() if v.is_number else "（空）" if v.is_blank else v.text


def _typed(cell):
    """A foreign cell as typed: numbers as Decimal, percent-formatted numbers as percentages (what
    Excel shows: 0.985 formatted 0.0% is 98.5%), text as text."""
    value = getattr(cell, "value", cell)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (float, int)):
        if not in_range(value):
            return repr(value)  # too big: text, flagged by the parser
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in getattr(cell, "fmt", ""):
            shown = fmt(number * HUNDRED, 6)
            return Value("number", text=f"{shown}%", number=number, unit="%", ratio=True)
        return number
    return value


def _funding(grid: Grid, header_row: int, reading: Reading):
    columns = used_columns(grid)
    for r in range(header_row):
        cols = {}
        for c in columns:
            text = _norm(grid.text(r, c))
            for title, name in FUNDING_HEADERS:
                if text.startswith(title) and name not in cols:
                    cols[name] = c
                    break
        if "budget" in cols and "spent" in cols:
            return _funding_rows(grid, r, cols, header_row, reading)
    return {}, {}


def _funding_rows(grid: Grid, header: int, cols: dict[str, int], stop: int, reading: Reading):
    first_value = min(cols.values())
    rows: dict[str, FundingRow] = {}
    stated: dict = {}
    for r in range(header + 1, min(stop, header + 10)):
        label = "".join(_norm(grid.text(r, c)) for c in range(first_value))
        name = next((n for title, n in FUNDING_LABELS if title in label), None)
        if name is None or name in rows:
            continue
        values = {k: _typed(grid.get(r, cols[k])) for k in ("initial", "budget", "spent") if k in cols}
        rows[name] = FundingRow(**values)
        for k in ("initial", "budget", "spent"):
            if k in cols:
                reading.spots[("资金情况", f"{name}.{k}")] = (r, cols[k])
        if name == "total":
            for k in ("weight", "rate", "score"):
                if k in cols:
                    stated[k] = _typed(grid.get(r, cols[k]))
                    reading.spots[("资金情况", k)] = (r, cols[k])
    if not isinstance(stated.get("weight"), Decimal):
        stated["weight"] = None
    return rows, stated


def _totals(grid: Grid, r: int, cols, reading: Reading) -> dict:
    out = {}
    if "score" in cols:
        out["total"] = _typed(grid.get(r, cols["score"]))
        reading.spots[("总分", "score")] = (r, cols["score"])
    if "weight" in cols:
        reading.spots[("总分", "weight")] = (r, cols["weight"])
    for c in used_columns(grid):
        text = _norm(grid.text(r, c))
        if re.fullmatch(r"\d+(?:\.\d+)?分", text) and "weight" not in cols:  # 合计 | 100分 | 95.5
            reading.spots[("总分", "weight")] = (r, c)
            continue
        m = re.search(r"等级[：:]?(.+)$", text)
        if m:
            out["grade"] = m.group(1)
            reading.spots[("总分", "grade")] = (r, c)
        elif c > cols.get("score", 0) and text and not out.get("grade") and not parse(text).is_number:
            out["grade"] = text
            reading.spots[("总分", "grade")] = (r, c)
    return out


#: 2023年度 in a title or a cell; 年度：2023 / 年度 | 2023.
YEAR = re.compile(r"((?:19|20)\d\d)\s*年度")
#: 2023年 in a title (…绩效自评表), not a date such as 2024年3月.
TITLE_YEAR = re.compile(r"((?:19|20)\d\d)\s*年(?![\d月度])")
YEAR_LABEL = re.compile(r"^(?:评价|自评|预算)?年度[：:]?((?:19|20)\d\d)(?:年)?$")
UNIT_LABEL = re.compile(r"^(" + "|".join(UNIT_LABELS) + r")(?:[（(][^)）]*[)）])?[：:]?(.*)$")


def unit_year(grid: Grid, header_row: int) -> tuple[str, int | None]:
    """The unit and the year above the table, in every usual writing: 部门名称 | XX, 单位名称：XX in one
    cell, 填报单位（盖章）：XX, 年度 | 2023, and a title "…2023年度…" (whose text before the year is
    the unit when no label names it)."""
    unit, year, title_unit = "", None, ""
    columns = used_columns(grid)
    for r in range(header_row):
        for i, c in enumerate(columns):
            text = _norm(grid.text(r, c))
            if not text:
                continue
            m = UNIT_LABEL.match(text)
            if m and not unit:
                rest = re.split(r"(?:单位[：:]|金额单位|（?单位：)", m.group(2))[0].strip("：: ")
                unit = rest or next((grid.text(r, cc).strip() for cc in columns[i + 1:]
                                     if grid.text(r, cc).strip()), "")
            y = YEAR_LABEL.match(text)
            if y and year is None:
                year = int(y.group(1))
            elif text in ("年度", "评价年度", "自评年度") and year is None:
                nxt = next((grid.text(r, cc) for cc in columns[i + 1:] if grid.text(r, cc)), "")
                found = re.search(r"(?:19|20)\d\d", nxt)
                year = int(found.group(0)) if found else None
            t = YEAR.search(text) or (TITLE_YEAR.search(text) if any(w in text for w in ("绩效", "自评", "评价"))
                                       else None)
            if t and year is None:
                year = int(t.group(1))
            if t and not title_unit:
                title_unit = text[:t.start()].strip("（(【[")
    if not unit and title_unit and not title_unit.startswith(("附件", "附表")):
        unit = title_unit
    return unit, year
