"""Read a 自评表 in the official layout that xltools did not make (the way units have always
filled them): find the indicator header row by its column titles, the funding block by its
labels, follow merged 一级/二级 cells, and map the table onto the closest form spec — or say
clearly why it cannot.
"""
from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from ..errors import WorkbookError
from ..model import Entry, Filing, Form, FundingRow, Group, Leaf, key
from ..parse import parse
from ..rules.national import National
from ..spec import load_form
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
WEIGHT_IN_NAME = re.compile(r"^(.*?)[（(]\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]\s*$")
SCAN_ROWS = 80


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _split_weight(text: str) -> tuple[str, Decimal | None]:
    m = WEIGHT_IN_NAME.match(_norm(text))
    if m:
        return m.group(1), Decimal(m.group(2))
    return _norm(text), None


def used_columns(grid: Grid) -> list[int]:
    """The columns that hold a cell, in order: loops over them, not over range(max_col + 1), so a
    single cell in column XFD does not cost 16384 lookups per row."""
    return sorted({c for _, c in grid.cells})


def find_header(grid: Grid) -> tuple[int, dict[str, int]] | None:
    best = None
    columns = used_columns(grid)
    for r in range(0, min(grid.max_row, SCAN_ROWS) + 1):
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
        if "l3" in cols and ("score" in cols or "weight" in cols) and len(cols) >= 4:
            if best is None or len(cols) > len(best[1]):
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
    rows, total_row = _indicator_rows(grid, header_row, cols)
    form = _match_form(name, grid, rows, header_row)
    return _build(book, grid, form, rows, cols, total_row, header_row)


def _indicator_rows(grid: Grid, header_row: int, cols: dict[str, int]):
    """[(row, l1, l2, l3)], and the 总分 row (or None)."""
    out = []
    l1 = l2 = ""
    blank_run = 0
    columns = [c for c in used_columns(grid) if c <= max(cols.values())]  # the table's own columns
    for r in range(header_row + 1, min(grid.max_row, header_row + 2000) + 1):
        texts = {c: _norm(grid.text(r, c)) for c in columns}
        if any(t.startswith(("总分", "合计")) for c, t in texts.items() if c <= cols.get("l3", 3)):
            return out, r
        if any(t.startswith("备注") for c, t in texts.items() if c < 2):
            return out, None
        if not any(texts.values()):
            blank_run += 1
            if blank_run >= 5:
                return out, None
            continue
        blank_run = 0
        v1 = _merged_text(grid, r, cols.get("l1"))
        v2 = _merged_text(grid, r, cols.get("l2"))
        l1 = v1 or l1
        l2 = v2 if v2 else (l2 if not v1 else "")
        l3 = grid.text(r, cols["l3"])
        if not l3 and not grid.text(r, cols.get("weight", cols["l3"])):
            continue
        out.append((r, l1, l2, l3))
    return out, None


def _merged_text(grid: Grid, r: int, c: int | None) -> str:
    if c is None:
        return ""
    rr, cc = grid.merged_top_left(r, c)
    return grid.text(rr, cc)


def _match_form(name: str, grid: Grid, rows, header_row: int) -> Form:
    level1 = []
    for _, l1, _, _ in rows:
        n, _ = _split_weight(l1)
        if n and n not in level1:
            level1.append(n)
    names = set(level1)
    if names & {"投入", "过程", "产出", "效果"} and len(names & {"投入", "过程", "产出", "效果"}) >= 2:
        return load_form("yunnan")
    if len(names & {"运行成本", "管理效率", "履职效能", "社会效应", "可持续发展能力"}) >= 2:
        return load_form("hubei")
    if any(re.match(r"^目标\d+$", n) for n in names):
        return load_form("goals")
    if names and names <= {"产出指标", "效益指标", "满意度指标"}:
        title = " ".join(grid.text(r, c) for r in range(0, header_row) for c in used_columns(grid))
        return load_form("project" if "项目名称" in title or "项目支出" in title else "dept")
    shown = "、".join(level1) or "（没有读到一级指标）"
    raise WorkbookError(f"{name}：无法对应到已知表式。读到的一级指标为：{shown}；支持的表式是全国通用格式（产出/效益/满意度指标）、"
                        "按绩效目标（目标1/目标2…）、湖北（运行成本/管理效率…）和云南（投入/过程/产出/效果）。")


def _build(book: Book, grid: Grid, form: Form, rows, cols, total_row, header_row) -> Reading:
    reading = Reading(source=book.path, kind="foreign", filing=None, sheet=grid.name, columns=dict(cols))  # type: ignore[arg-type]
    spec_leaves = {p[-1]: p for p, _ in form.leaves()}
    national = form.layout == "national"
    groups: dict[tuple[str, ...], list[Leaf]] = {}
    entries: dict[str, Entry] = {}
    level1_weights: dict[str, Decimal] = {}
    order: list[tuple[str, ...]] = []
    for r, l1, l2, l3 in rows:
        g1, w1 = _split_weight(l1)
        g2, _ = _split_weight(l2)
        if w1 is not None:
            level1_weights[g1] = w1
        name, w3 = _split_weight(l3)
        weight_text = grid.value(r, cols["weight"]) if "weight" in cols else None
        weight = parse(weight_text).number if parse(weight_text).is_number else w3
        if not national and name in spec_leaves:
            path = spec_leaves[name]
        else:
            parent = (g1, g2) if g2 else (g1, "其他")
            leaf = Leaf(name=name or f"第{r + 1}行", weight=weight if weight is not None else Decimal(0), rule=National())
            groups.setdefault(parent, [])
            if any(x.name == leaf.name for x in groups[parent]):
                leaf = replace(leaf, name=f"{leaf.name}（第{r + 1}行）")
            groups[parent].append(leaf)
            if parent not in order:
                order.append(parent)
            path = parent + (leaf.name,)
        raw = {k: grid.value(r, cols[k]) if k in cols else None for k in ("target", "actual", "score")}
        op = grid.text(r, cols["op"]) if "op" in cols else ""
        if op in ("≥", ">", "≤", "<", "=") and raw["target"] is not None and parse(raw["target"]).op is None:
            target_value = parse(raw["target"])
            raw["target"] = op + (target_value.display() if target_value.is_number else str(raw["target"]))
        entries[key(path)] = Entry(target=_typed(raw["target"]), actual=_typed(raw["actual"]),
                                   score=_typed(raw["score"]), reason=grid.text(r, cols["reason"]) if "reason" in cols else None)
        reading.rows[key(path)] = r
        reading.group_rows.setdefault(key(path[:1]), r)
        reading.group_rows.setdefault(key(path[:2]), r)
    if national:
        form = _national_form(form, order, groups, level1_weights)
    else:
        form = form.with_leaves({p: ls for p, ls in groups.items() if form.find(p) is not None})
    funding, stated = _funding(grid, header_row, reading)
    if stated.get("weight") is not None and form.funding is not None:
        form = replace(form, funding=replace(form.funding, weight=stated["weight"]))
    totals = _totals(grid, total_row, cols, reading) if total_row is not None else {}
    unit, year = _unit_year(grid, header_row)
    reading.filing = Filing(form=form, unit=unit, year=year, funding=funding, entries=entries,
                            stated_rate=stated.get("rate"), stated_funding_score=stated.get("score"),
                            stated_total=totals.get("total"), stated_grade=totals.get("grade"))
    return reading


def _typed(value):
    """A foreign cell as typed: numbers as Decimal, text as text."""
    if isinstance(value, float):
        return Decimal(repr(value)) if in_range(value) else repr(value)  # too big: text, flagged by the parser
    return value


def _national_form(base: Form, order, groups, level1_weights) -> Form:
    spec_top = {n.name: n for n in base.indicators}
    top: dict[str, list] = {}
    for parent in order:
        top.setdefault(parent[0], []).append(parent)
    nodes = []
    for name in list(spec_top) + [n for n in top if n not in spec_top]:
        spec = spec_top.get(name)
        weight = level1_weights.get(name, spec.weight if spec is not None else None)
        children = []
        spec_children = {c.name: c for c in spec.children} if spec is not None else {}
        for child in spec_children.values():
            children.append(Group(child.name, child.weight, tuple(groups.get((name, child.name), ()))))
        for parent in top.get(name, []):
            if parent[1] not in spec_children:
                children.append(Group(parent[1], None, tuple(groups[parent])))
        nodes.append(Group(name, weight, tuple(children)))
    return replace(base, indicators=tuple(nodes))


def _funding(grid: Grid, header_row: int, reading: Reading):
    columns = used_columns(grid)
    for r in range(0, header_row):
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
        label = "".join(_norm(grid.text(r, c)) for c in range(0, first_value))
        name = next((n for title, n in FUNDING_LABELS if title in label), None)
        if name is None or name in rows:
            continue
        values = {k: _typed(grid.value(r, cols[k])) for k in ("initial", "budget", "spent") if k in cols}
        rows[name] = FundingRow(**values)
        for k in ("initial", "budget", "spent"):
            if k in cols:
                reading.spots[("资金情况", f"{name}.{k}")] = (r, cols[k])
        if name == "total":
            for k in ("weight", "rate", "score"):
                if k in cols:
                    stated[k] = _typed(grid.value(r, cols[k]))
                    reading.spots[("资金情况", k)] = (r, cols[k])
    if not isinstance(stated.get("weight"), Decimal):
        stated["weight"] = None
    return rows, stated


def _totals(grid: Grid, r: int, cols, reading: Reading) -> dict:
    out = {}
    if "score" in cols:
        out["total"] = _typed(grid.value(r, cols["score"]))
        reading.spots[("总分", "score")] = (r, cols["score"])
    for c in used_columns(grid):
        text = _norm(grid.text(r, c))
        m = re.search(r"等级[：:]?(.+)$", text)
        if m:
            out["grade"] = m.group(1)
            reading.spots[("总分", "grade")] = (r, c)
        elif c > cols.get("score", 0) and text and not out.get("grade") and not parse(text).is_number:
            out["grade"] = text
            reading.spots[("总分", "grade")] = (r, c)
    return out


def _unit_year(grid: Grid, header_row: int) -> tuple[str, int | None]:
    unit, year = "", None
    columns = used_columns(grid)
    for r in range(0, header_row):
        for c in columns:
            text = _norm(grid.text(r, c))
            if text in ("部门名称", "项目名称", "单位名称", "预算单位", "主管部门") and not unit:
                for cc in (x for x in columns if x > c):
                    if grid.text(r, cc):
                        unit = grid.text(r, cc)
                        break
            m = re.search(r"(20\d\d)\s*年度", text)
            if m and year is None:
                year = int(m.group(1))
    return unit, year

