"""One pre-filled, protected template per unit, from the bureau's list of units (``xltools distribute``).

The list (UNITS) is a table as a finance bureau exports it — .xlsx or .csv (UTF-8 or GBK), a title
row or two above the header allowed — with one row per unit.  Headers are recognised in Chinese
(单位名称, 年度, 表式, 年初预算数, 全年预算数, 全年执行数; a few usual variants, a "（万元）" or
"（元）" suffix) or by their English keys (unit, year, form, initial, budget, spent); other columns
are ignored.  Amounts may be typed as text ("1,112.67", "１１１２.６７", "1112.67万元").

An optional second table holds the indicators per unit in long format, as in a 绩效目标申报表:
单位名称, 一级指标, 二级指标, 三级指标, 年度指标值, 分值 (merged 一级/二级 cells are followed).

Every filing is built with :func:`xltools.filing.filing_from_dict`, so the usual validation
applies.  A row that cannot be used is listed in the manifest with its reason (Chinese) and the
others still go out.  The manifest is written as ``manifest.csv`` and ``manifest.xlsx`` in the
output folder: 单位, 文件, 表式, 状态, 原因.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic import write_with
from .errors import SpecError, WorkbookError, XltoolsError, os_reason
from .model import SEP, Form, Group, Leaf
from .num import fmt, to_json
from .parse import parse
from .pool import CRASH, DEFAULT_TIMEOUT, TIMEOUT, counter, pool_map
from .validation import severity_format

if TYPE_CHECKING:  # pandas only for the manifest, in this process: workers never import it
    import pandas as pd

MANIFEST_COLUMNS = ["单位", "编码", "年度", "文件", "表式", "状态", "原因"]
MADE, NOT_MADE, UNUSED = "已生成", "未生成", "未使用"

#: Header aliases, after normalising (no spaces, no "（万元）"), for each field.
UNIT_HEADERS = {
    "unit": ("单位名称", "单位", "预算单位", "预算单位名称", "部门名称", "部门（单位）名称", "部门(单位)名称", "单位全称", "unit"),
    "code": ("单位编码", "编码", "单位代码", "预算单位编码", "单位编号", "部门编码", "code"),
    "year": ("年度", "年份", "评价年度", "预算年度", "year"),
    "form": ("表式", "表式代码", "表样", "表式名称", "模板", "form"),
    "initial": ("年初预算数", "年初预算", "initial"),
    "budget": ("全年预算数", "调整后预算数", "全年预算", "预算数", "budget"),
    "spent": ("全年执行数", "执行数", "决算支出", "决算支出数", "实际支出", "实际支出数", "spent"),
}
INDICATOR_HEADERS = {
    "unit": UNIT_HEADERS["unit"],
    "year": UNIT_HEADERS["year"],
    "l1": ("一级指标", "一级", "l1"),
    "l2": ("二级指标", "二级", "l2"),
    "l3": ("三级指标", "三级", "指标名称", "l3"),
    "target": ("年度指标值", "指标值", "目标值", "年度目标值", "target"),
    "weight": ("分值", "权重", "分值（权重）", "分值(权重)", "weight"),
}
HEADER_SCAN_ROWS = 20
AMOUNT_FIELDS = {"initial": "年初预算数", "budget": "全年预算数", "spent": "全年执行数"}

# -- file names safe on Windows ---------------------------------------------------------------
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {f"{p}{n}" for p in ("COM", "LPT")
                                                                 for n in list("123456789") + ["¹", "²", "³"]}
#: Characters of a file stem (and its UTF-8 bytes: Linux allows 255 bytes per name, Chinese takes 3).
MAX_STEM_CHARS = 80
MAX_STEM_BYTES = 200


def safe_stem(name: str, fallback: str = "单位") -> str:
    """A file name stem from a unit name, valid on Windows, macOS and Linux."""
    text = " ".join(unicodedata.normalize("NFC", str(name)).split())  # line breaks, tabs, runs of spaces
    text = _FORBIDDEN.sub("", text)
    text = text.strip(" .")
    out = ""
    for ch in text:
        if len(out) >= MAX_STEM_CHARS or len((out + ch).encode("utf-8")) > MAX_STEM_BYTES:
            break
        out += ch
    out = out.rstrip(" .") or fallback
    head, dot, rest = out.partition(".")  # Windows: "NUL.txt.xlsx" is NUL too
    if head.rstrip(" ").upper() in _RESERVED:
        out = f"{head.rstrip(' ')}_{dot}{rest}"
    return out


def unique_names(stems: list[str], suffix: str = ".xlsx") -> list[str]:
    """File names for stems; collisions (case-insensitive, as on Windows) get " (2)", " (3)" …"""
    taken: set[str] = set()
    out = []
    for stem in stems:
        name, n = f"{stem}{suffix}", 2
        while name.casefold() in taken:
            name = f"{stem} ({n}){suffix}"
            n += 1
        taken.add(name.casefold())
        out.append(name)
    return out


# -- reading the bureau's tables -------------------------------------------------------------


@dataclass
class Table:
    """A table read from .xlsx/.csv: its header row found, rows as {field: value}."""

    source: str
    rows: list[tuple[int, dict[str, Any]]]  # (row number as shown in Excel, {field: raw value})
    fields: dict[str, str]  # field -> header as written
    scale: dict[str, Decimal] = field(default_factory=dict)  # amount field -> factor to 万元


def _norm_header(text: str) -> tuple[str, Decimal]:
    """Header text -> (normalised name, factor to 万元 for amounts)."""
    t = unicodedata.normalize("NFKC", str(text))
    t = re.sub(r"[\s*★※]", "", t)
    scale = Decimal(1)
    m = re.search(r"[(（\[【]\s*(万元|元)\s*[)）\]】]$", t)
    if m:
        scale = Decimal(1) if m.group(1) == "万元" else Decimal("0.0001")
        t = t[: m.start()]
    return t.replace("(", "（").replace(")", "）"), scale


def _match_header(cells: list[Any], aliases: dict[str, tuple[str, ...]]):
    found: dict[str, int] = {}
    written: dict[str, str] = {}
    scale: dict[str, Decimal] = {}
    normalised = {k: {unicodedata.normalize("NFKC", a).replace("(", "（").replace(")", "）").lower() for a in v}
                  for k, v in aliases.items()}
    for c, value in enumerate(cells):
        if value is None or str(value).strip() == "":
            continue
        name, factor = _norm_header(str(value))
        for key, names in normalised.items():
            if key not in found and name.lower() in names:
                found[key], written[key], scale[key] = c, str(value).strip(), factor
                break
    return found, written, scale


def read_table(path: str | Path, aliases: dict[str, tuple[str, ...]], required: tuple[str, ...] = ("unit",),
               what: str = "单位名单") -> Table:
    """The rows under the first header row that names the ``required`` fields, in the first visible
    sheet that has one (.xlsx), or in a .csv (UTF-8 or GBK; comma, tab or semicolon)."""
    path = Path(path)
    if not path.is_file():
        raise WorkbookError(f"{what} {path}：找不到文件")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        grids = [("", _csv_rows(path, what), lambda r, c: None)]
    elif suffix in (".xlsx", ".xlsm"):
        from .xlsx.package import open_book
        book = open_book(path)
        grids = [(g.name, _grid_rows(g), _merged(g)) for g in book.sheets.values() if g.state == "visible"]
    else:
        raise WorkbookError(f"{what} {path.name}：应为 .xlsx 或 .csv 文件（.xls 请另存为 .xlsx）")
    wanted = "、".join(aliases[k][0] for k in required)
    for _sheet, rows, merged in grids:
        for i, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
            cols, written, scale = _match_header(cells, aliases)
            if not all(k in cols for k in required):
                continue
            out = []
            for r in range(i + 1, len(rows)):
                cells_r = rows[r]
                if all(v is None or str(v).strip() == "" for v in cells_r):
                    continue
                values = {}
                for key, c in cols.items():
                    value = cells_r[c] if c < len(cells_r) else None
                    if value is None or str(value).strip() == "":  # inside a merged cell: its value
                        top = merged(r, c)
                        if top is not None and top != (r, c):
                            value = rows[top[0]][top[1]] if top[1] < len(rows[top[0]]) else None
                    values[key] = value
                out.append((r + 1, values))
            return Table(str(path), out, written, {k: v for k, v in scale.items() if k in AMOUNT_FIELDS})
    raise WorkbookError(f"{what} {path.name}：前{HEADER_SCAN_ROWS}行中没有找到含“{wanted}”的表头行。"
                        f"请确认第一张工作表是{what}，列标题写作“{wanted}”。")


def _csv_rows(path: Path, what: str) -> list[list[Any]]:
    """UTF-8, GBK/GB18030 (what Chinese Excel/WPS save as CSV) or UTF-16 (Excel's "Unicode 文本")."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WorkbookError(f"{what} {path.name}：无法读取（{os_reason(exc)}）") from None
    encodings = ("utf-16",) if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise WorkbookError(f"{what} {path.name}：无法识别文字编码，请另存为 UTF-8 或 GBK 编码的 CSV")
    head = "\n".join(text.splitlines()[:5])
    delimiter = max((",", "\t", ";"), key=lambda d: (head.count(d), d == ","))  # Excel's CSV, or TSV
    try:
        return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise WorkbookError(f"{what} {path.name}：不是有效的 CSV 表格（{exc}）。请在 Excel/WPS 中打开后另存为 CSV") from None


def _grid_rows(grid) -> list[list[Any]]:
    """Cell values; a number shown as a percentage comes back as its text ("95%")."""
    rows: list[list[Any]] = [[None] * (grid.max_col + 1) for _ in range(grid.max_row + 1)]
    for (r, c), cell in grid.cells.items():
        value = None if cell.error else cell.value
        if isinstance(value, float) and "%" in (cell.fmt or ""):
            value = fmt(Decimal(repr(value)) * 100) + "%"
        rows[r][c] = value
    return rows


def _merged(grid):
    """(row, col) -> the top-left cell of the merged range it lies in (None outside merges)."""
    inside: dict[tuple[int, int], tuple[int, int]] = {}
    for r1, c1, r2, c2 in grid.merged:
        for r in range(r1, min(r2, grid.max_row) + 1):
            for c in range(c1, min(c2, grid.max_col) + 1):
                inside[(r, c)] = (r1, c1)
    return lambda r, c: inside.get((r, c))


# -- values ------------------------------------------------------------------------------------


def _text(value) -> str:
    """A cell as one line of text: runs of spaces, line breaks and control characters -> one space."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(_CONTROL.sub(" ", str(value)).split())


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _year(value) -> int | None:
    """2024, 2024.0, "2024", "2024年", "2024年度", "２０２４" -> 2024; blank -> None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    m = re.fullmatch(r"(\d{4})\s*(年度|年)?", text)
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise ValueError(f"年度“{_text(value)}”应为2000–2100的年份，如 2024")
    return int(m.group(1))


def _amount(value, label: str, scale: Decimal) -> Decimal | None:
    """An amount in 万元 from a cell: numbers, or text like "1,112.67", "1112.67万元"."""
    if isinstance(value, bool):
        raise ValueError(f"{label}“{value}”不是数字")
    v = parse(value)
    if v.is_blank:
        return None
    if not v.is_number or v.op is not None or v.ratio or v.unit not in ("", "万元", "万", "元"):
        raise ValueError(f"{label}“{_text(value)}”不是金额数字（应写成如 1112.67，单位万元）")
    number = v.amount * (Decimal("0.0001") if v.unit == "元" else Decimal(1) if v.unit in ("万元", "万") else scale)
    if number < 0:
        raise ValueError(f"{label}“{_text(value)}”不能为负数")
    return number.normalize() if number == number.to_integral_value() else number


@cache
def _load(form_id: str) -> Form:
    from .spec import load_form
    return load_form(form_id)


def resolve_form(value) -> str:
    """The 表式 cell -> a shipped form id (blank: the default form).  Ids, titles and the short
    names each form's YAML lists."""
    return _resolve(re.sub(r"\s+", "", unicodedata.normalize("NFKC", _text(value))))


@lru_cache(maxsize=256)
def _resolve(text: str) -> str:
    from .spec import DEFAULT_FORM, builtin_ids, form_named
    if not text:
        return DEFAULT_FORM
    found = form_named(text)
    if found is not None:
        return found
    ids = builtin_ids()
    known = "、".join(f"{i}（{_load(i).title}）" for i in ids)
    raise ValueError(f"表式“{text}”不认识；可用：{known}")


_WEIGHT_SUFFIX = re.compile(r"[（(]\s*\d+(?:\.\d+)?\s*分?\s*[)）]\s*$")


def _group_name(value) -> str:
    """“产出指标（50分）” -> “产出指标”."""
    return _WEIGHT_SUFFIX.sub("", _text(value)).strip()


# -- planning (in this process: cheap, order-dependent) --------------------------------------------


@dataclass
class Plan:
    """One row of the manifest.  ``data`` is the filing dict (for :func:`filing_from_dict`) while
    the row is usable, without its indicators: ``rows`` holds the unit's indicator rows as
    (row number, 一级, 二级, {field: value}), turned into filing items by the worker."""

    unit: str
    form: str = ""
    year: int | None = None
    code: str = ""
    data: dict | None = None
    rows: list[tuple[int, str, str, dict]] = field(default_factory=list)
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    file: str = ""
    state: str = NOT_MADE


def plan_units(units: Table, indicators: Table | None = None, year: int | None = None) -> list[Plan]:
    """Every row of the unit list as a Plan (validated), plus a 未使用 row per unknown unit of the
    indicator table.  ``year``: the round's year, for rows with a blank 年度 (a row giving another
    year is not used: never a template of the wrong year, never one with a blank year)."""
    plans: list[Plan] = []
    by_name: dict[str, list[Plan]] = {}
    seen: dict[tuple[str, int | None], int] = {}
    for row_no, values in units.rows:
        plan = Plan(unit=_text(values.get("unit")), code=unit_code(values.get("code")))
        plans.append(plan)
        try:
            _plan_row(plan, values, units, seen, row_no, year)
        except ValueError as exc:
            plan.reason, plan.data = f"单位名单第{row_no}行：{exc}", None
            continue
        by_name.setdefault(_key(plan.unit), []).append(plan)
    unused = _attach_indicators(indicators, by_name) if indicators is not None else []
    return plans + unused


def _plan_row(plan: Plan, values: dict, units: Table, seen: dict, row_no: int, year: int | None = None) -> None:
    if not plan.unit:
        raise ValueError("单位名称为空")
    plan.form = _text(values.get("form"))
    plan.form = resolve_form(plan.form)
    plan.year = _year(values.get("year"))
    if plan.year is None:
        plan.year = year
        if year is None:
            raise ValueError("年度为空：请在名单中填写年度，或用 --year 指定本轮的年度")
    elif year is not None and plan.year != year:
        raise ValueError(f"年度{plan.year}与本轮年度 {year} 不符（--year）")
    first = seen.setdefault((_key(plan.unit), plan.year), row_no)
    if first != row_no:
        raise ValueError(f"单位名称与第{first}行重复" + (f"（同为{plan.year}年度）" if plan.year else ""))
    if plan.code:
        first = seen.setdefault(("code", plan.code), row_no)
        if first != row_no:
            raise ValueError(f"单位编码 {plan.code} 与第{first}行重复")
    amounts = {}
    for k, label in AMOUNT_FIELDS.items():
        value = _amount(values.get(k), label, units.scale.get(k, Decimal(1)))
        if value is not None:
            amounts[k] = value
    plan.data = {"form": plan.form, "unit": plan.unit, "code": plan.code, "year": plan.year}
    if amounts and _load(plan.form).funding is None:
        plan.notes.append(f"表式{plan.form}没有资金情况栏，预算数未填入")
    elif amounts:
        plan.data["funding"] = {"total": {k: to_json(v) for k, v in amounts.items()}}
        if "budget" in amounts and "spent" in amounts and amounts["spent"] > amounts["budget"]:
            plan.notes.append(f"全年执行数{fmt(amounts['spent'])}超过全年预算数{fmt(amounts['budget'])}")


def _key(unit: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", unit))


def unit_code(value) -> str:
    """单位编码 as text: "１０１００１", " 101001 ", 101001.0 -> "101001"; blank -> ""."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", _text(value)))


def _attach_indicators(table: Table, by_name: dict[str, list[Plan]]) -> list[Plan]:
    """Indicator rows -> their unit's plan (一级/二级 of merged or exported-from-merged cells filled
    from the row above); rows of units not in the list -> 未使用 rows."""
    unknown: dict[str, list[int]] = {}
    has_year = "year" in table.fields
    last: dict[str, tuple[str, str]] = {}
    for row_no, values in table.rows:
        unit = _text(values.get("unit"))
        plans = by_name.get(_key(unit), []) if unit else []
        if has_year and _text(values.get("year")):
            try:
                year = _year(values.get("year"))
            except ValueError:
                year = -1
            plans = [p for p in plans if p.year == year]
        if not plans:
            unknown.setdefault(unit, []).append(row_no)
            continue
        l1, l2 = _group_name(values.get("l1")), _group_name(values.get("l2"))
        if not l1:
            above = last.get(_key(unit), ("", ""))
            l1, l2 = above[0], l2 or above[1]
        last[_key(unit)] = (l1, l2)
        for plan in plans:
            plan.rows.append((row_no, l1, l2, values))
    out = []
    for unit, rows in unknown.items():
        shown = "、".join(map(str, rows[:10])) + ("等" if len(rows) > 10 else "")
        why = "单位名称为空" if not unit else "单位不在单位名单中（或年度不符）"
        out.append(Plan(unit=unit, reason=f"指标表第{shown}行：{why}", state=UNUSED))
    return out


# -- per unit (in a worker) --------------------------------------------------------------------------


def indicator_items(form: Form, rows: list[tuple[int, str, str, dict]], notes: list[str]) -> tuple[list[dict], list[int]]:
    """A unit's indicator rows -> filing items (and each item's row number); notes collect what
    was adjusted or does not add up.  Raises ValueError naming the row."""
    items, numbers = [], []
    for row_no, l1, l2, values in rows:
        try:
            item = _indicator_item(form, l1, l2, values, notes)
        except ValueError as exc:
            raise ValueError(f"指标表第{row_no}行：{exc}") from None
        if item is not None:
            items.append(item)
            numbers.append(row_no)
    added = [i for i in items if "parent" in i]
    if added:
        from .checks import check_form
        from .spec import _node
        leaves: dict[tuple[str, ...], list] = {}
        for item in added:
            node = _node({k: v for k, v in item.items() if k in ("leaf", "weight", "target")}, "indicators")
            leaves.setdefault(tuple(item["parent"].split(SEP)), []).append(node)
        notes += [issue.message for issue in check_form(form.with_leaves(leaves))]
    return items, numbers


def _indicator_item(form: Form, l1: str, l2: str, values: dict, notes: list[str]) -> dict | None:
    l3 = _text(values.get("l3"))
    target = _target(values.get("target"))
    raw_weight = values.get("weight")
    if not l3:
        if target is not None or _text(raw_weight):
            raise ValueError("三级指标名称为空")
        return None
    if not l1:
        raise ValueError(f"“{l3}”的一级指标为空")
    path = (l1, l2, l3) if l2 else (l1, l3)
    weight = _weight(raw_weight, l3)
    node = form.find(path)
    if isinstance(node, Leaf):  # a leaf the form fixes (Yunnan, Hubei): only its target
        if weight is not None and weight != node.weight:
            notes.append(f"“{l3}”按表式为{fmt(node.weight)}分（指标表写{fmt(weight)}分，未采用）")
        return {"path": SEP.join(path), **({"target": target} if target is not None else {})}
    parent = path[:-1]
    group = form.find(parent)
    if form.layout != "national":
        raise ValueError(f"表式“{form.id}”的三级指标是固定的，其中没有“{SEP.join(path)}”")
    if not isinstance(group, Group) or any(isinstance(c, Group) for c in group.children):
        groups = "、".join(SEP.join(p) for p, g in form.groups() if not any(isinstance(c, Group) for c in g.children))
        raise ValueError(f"表式“{form.id}”中没有指标组“{SEP.join(parent)}”；可用：{groups}")
    if weight is None:
        raise ValueError(f"“{l3}”的分值为空")
    item = {"parent": SEP.join(parent), "leaf": l3, "weight": to_json(weight)}
    if target is not None:
        item["target"] = target
    return item


def _weight(raw, l3: str) -> Decimal | None:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if raw < 0 or raw != raw:
            raise ValueError(f"“{l3}”的分值“{_text(raw)}”不是有效分值")
        return Decimal(repr(raw))
    if not _text(raw):
        return None
    w = parse(raw)
    if not w.is_number or w.op is not None or w.ratio or w.amount < 0:
        raise ValueError(f"“{l3}”的分值“{_text(raw)}”不是数字")
    return w.amount


def _target(value):
    """年度指标值 as typed: text stays text, a number stays a number."""
    if value is None or _text(value) == "":
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    return _text(value)


def make_template(task: tuple[int, dict, list, str]) -> tuple[int, str, str, list[str]]:
    """Worker: (index, filing dict without indicators, indicator rows, output path) ->
    (index, state, reason, notes).  Top-level and picklable; never raises."""
    index, data, rows, output = task
    from .filing import filing_from_dict
    from .xlsx.writer import write_workbook
    notes: list[str] = []
    try:
        items, numbers = indicator_items(_load(data["form"]), rows, notes)
        write_workbook(output, filing_from_dict({**data, "indicators": items}, "单位名单"))
    except ValueError as exc:
        return index, NOT_MADE, str(exc), notes
    except SpecError as exc:
        m = re.match(r"indicators\[(\d+)\]", exc.key or "")
        where = f"指标表第{numbers[int(m.group(1))]}行：" if m and int(m.group(1)) < len(numbers) else ""
        return index, NOT_MADE, where + exc.detail, notes
    except XltoolsError as exc:
        return index, NOT_MADE, str(exc), notes
    except OSError as exc:
        return index, NOT_MADE, f"无法写入文件（{os_reason(exc)}）", notes
    except Exception as exc:  # noqa: BLE001 - one unit must never stop the others
        return index, NOT_MADE, (f"程序内部错误（{type(exc).__name__}：{str(exc)[:200]}）。"
                                 "请把单位名单发给 xltools 维护者"), notes
    return index, MADE, "", notes


def distribute(units_path: str | Path, outdir: str | Path, indicators: str | Path | None = None,
               workers: int | None = None, progress: Callable[[int, int], None] | None = None,
               timeout: float | None = DEFAULT_TIMEOUT, year: int | None = None) -> pd.DataFrame:
    """Write one pre-filled, protected template per usable row of ``units_path`` into ``outdir``,
    plus manifest.csv and manifest.xlsx; return the manifest (单位, 编码, 年度, 文件, 表式, 状态, 原因).

    ``year``: the round's year, required when the list has no 年度 column (no template ever has a
    blank year); rows with a blank 年度 get it, rows with another year are not used.

    ``workers``: processes (None: one per CPU; 1 with no ``timeout``: in this process);
    ``timeout``: seconds one template may take (None or 0: no limit); ``progress(done, total)`` is
    called as templates are written."""
    outdir = Path(outdir)
    units = read_table(units_path, UNIT_HEADERS, ("unit",), "单位名单")
    table = read_table(indicators, INDICATOR_HEADERS, ("unit", "l3"), "指标表") if indicators is not None else None
    if not units.rows:
        raise WorkbookError(f"单位名单 {Path(units_path).name}：表头“{units.fields['unit']}”下面没有单位")
    if year is None and "year" not in units.fields:
        raise WorkbookError(f"单位名单 {Path(units_path).name} 没有“年度”列：请用 --year 指定本轮的年度，如 --year 2024")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbookError(f"无法创建输出文件夹 {outdir}（{os_reason(exc)}）") from None
    plans = plan_units(units, table, year)
    usable = [p for p in plans if p.data is not None]
    names = unique_names(["manifest"] + [safe_stem(p.unit) for p in usable])[1:]  # never the manifest's name
    tasks = []
    for i, (plan, name) in enumerate(zip(usable, names)):
        plan.file = name
        tasks.append((i, plan.data, plan.rows, str(outdir / name)))
    for index, state, reason, notes in _run(tasks, workers, progress, timeout):
        plan = usable[index]
        plan.state = state
        plan.notes += notes
        if state == MADE:
            plan.reason = ("注意：" + "；".join(plan.notes)) if plan.notes else ""
        else:
            plan.reason, plan.file = reason, ""
    import pandas as pd
    manifest = pd.DataFrame([{"单位": p.unit, "编码": p.code, "年度": p.year, "文件": p.file, "表式": p.form,
                              "状态": p.state, "原因": p.reason} for p in plans], columns=MANIFEST_COLUMNS)
    manifest["年度"] = manifest["年度"].astype("Int64")
    write_manifest(manifest, outdir)
    return manifest


def _run(tasks, workers, progress, timeout):
    def failed(task, why):
        if why == TIMEOUT:
            return task[0], NOT_MADE, f"生成模板超过{timeout:g}秒仍未完成，已中止。可用 --timeout 放宽时限后重试", []
        if why == CRASH:
            return task[0], NOT_MADE, ("生成模板时工作进程异常退出（可能内存不足）。请单独重试该单位；"
                                       "仍失败时请把单位名单发给 xltools 维护者"), []
        return task[0], NOT_MADE, f"程序内部错误（{why}）。请把单位名单发给 xltools 维护者", []
    return pool_map(make_template, tasks, failed, workers, timeout, counter(progress, len(tasks)))


def write_manifest(manifest: pd.DataFrame, outdir: Path) -> list[Path]:
    import xlsxwriter

    from .collect import _value, write_csv
    from .xlsx.fastsheet import FastSheet

    def xlsx(tmp: Path):
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                              "strings_to_urls": False})
        book.set_properties({"title": "自评表分发清单", "author": "xltools", "keywords": "xltools-manifest"})
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": "宋体"})
        text = book.add_format({"border": 1, "font_name": "宋体"})
        bad = book.add_format(severity_format("error"))
        ws = book.add_worksheet("分发清单", worksheet_class=FastSheet)
        for j, (name, width) in enumerate(zip(MANIFEST_COLUMNS, (30, 12, 6, 34, 10, 8, 70))):
            ws.set_column(j, j, width)
            ws.write_string(0, j, name, head)
        for r, row in enumerate(manifest.itertuples(index=False, name=None), 1):
            ws.write_cells(r, [(_value(v), text) for v in row])
        n = max(len(manifest), 1)
        j = MANIFEST_COLUMNS.index("状态")
        ws.conditional_format(1, j, n, j, {"type": "cell", "criteria": "!=", "value": f'"{MADE}"', "format": bad})
        ws.freeze_panes(1, 1)
        ws.autofilter(0, 0, n, len(MANIFEST_COLUMNS) - 1)
        book.close()

    return [write_with(outdir / "manifest.xlsx", xlsx),
            write_with(outdir / "manifest.csv", lambda tmp: write_csv(manifest, tmp))]
