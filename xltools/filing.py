"""A filled table as a data file (YAML) — the form plus what one unit typed.  Used by the demo,
by ``xltools new --data`` to pre-fill templates, and by tests.

::

    form: dept                     # a shipped form id or a spec file path
    unit: 株洲市城市管理综合行政执法支队
    year: 2021
    funding:
      total:  {initial: 1064.54, budget: 1112.67, spent: 1112.67}
      fiscal: {initial: 1064.54, budget: 1112.67}
    stated: {rate: 100%, funding_score: 10, total: 100, grade: 优}
    goal: {planned: …, achieved: 按照规定指标全部完成。}
    indicators:
      # a unit's own leaf: parent group path + leaf fields + values
      - {parent: 产出指标/数量指标, leaf: 执法案件, weight: 10, target: ≥100件, actual: 市级120件, score: 10}
      # a leaf the form already has: its path + values
      - {path: 过程/预算执行/预算完成率, inputs: {部门支出决算: 1320.73, 部门支出预算: 1320.73}, score: 2}
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import SpecError
from .model import FUNDING_COLUMNS, FUNDING_LABELS, SEP, Entry, Filing, FundingRow, Leaf, key
from .spec import DEFAULT_FORM, LEAF_KEYS, _leaf, load_form

ENTRY_KEYS = {"target", "actual", "score", "reason", "band", "inputs", "manual"}
TOP_KEYS = {"form", "unit", "code", "year", "funding", "stated", "goal", "indicators"}
STATED_KEYS = {"rate", "funding_score", "total", "grade", "subtotals"}


def load_filing(path: str | Path) -> Filing:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError("找不到文件", source=str(path)) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SpecError(f"无法读取：{type(exc).__name__}", source=str(path), fix="确认是 UTF-8 编码的 YAML 文件") from None
    return filing_from_dict(data, str(path))


def filing_from_dict(data: Any, source: str = "<dict>") -> Filing:
    try:
        return _filing(data)
    except SpecError as exc:
        raise SpecError(exc.detail, source=source, key=exc.key, fix=exc.fix) from None


def _filing(data: Any) -> Filing:
    if not isinstance(data, dict):
        raise SpecError("内容应是键值表（form、unit、indicators …）")
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise SpecError(f"不认识的键 {', '.join(unknown)}", key=unknown[0], fix=f"可用：{', '.join(sorted(TOP_KEYS))}")
    form = load_form(data.get("form", DEFAULT_FORM))
    added: dict[tuple[str, ...], list[Leaf]] = {}
    entries: dict[str, Entry] = {}
    pending = []
    for i, item in enumerate(data.get("indicators") or []):
        where = f"indicators[{i}]"
        if not isinstance(item, dict):
            raise SpecError("每一项应是键值表", key=where)
        values = {k: item[k] for k in ENTRY_KEYS if k in item}
        if "parent" in item:
            parent = tuple(str(item["parent"]).split(SEP))
            node = form.find(parent)
            if node is None or isinstance(node, Leaf):
                raise SpecError(f"表式中没有指标组“{item['parent']}”", key=f"{where}.parent")
            leaf = _leaf({k: v for k, v in item.items() if k in LEAF_KEYS}, where)
            added.setdefault(parent, []).append(leaf)
            pending.append((parent + (leaf.name,), values, where))
        elif "path" in item:
            path = tuple(str(item["path"]).split(SEP))
            if not isinstance(form.find(path), Leaf):
                raise SpecError(f"表式中没有三级指标“{item['path']}”", key=f"{where}.path")
            extra = sorted(set(item) - ENTRY_KEYS - {"path"})
            if extra:
                raise SpecError(f"已有指标只能填写数值，不能改 {', '.join(extra)}", key=f"{where}.{extra[0]}")
            pending.append((path, values, where))
        else:
            raise SpecError("每一项需要 path（已有指标）或 parent + leaf（新增指标）", key=where)
    form = form.with_leaves(added)
    for path, values, where in pending:
        if key(path) in entries:
            raise SpecError(f"指标“{key(path)}”出现了两次", key=where)
        inputs = values.pop("inputs", None) or {}
        if not isinstance(inputs, dict):
            raise SpecError("inputs 应为 {名称: 数值}", key=f"{where}.inputs")
        entries[key(path)] = Entry(**{k: _s(v) if k in ("reason", "band") else v for k, v in values.items()},
                                   inputs=dict(inputs))
    funding = {}
    for name, row in (data.get("funding") or {}).items():
        if name not in FUNDING_LABELS or not isinstance(row, dict) or set(row) - set(FUNDING_COLUMNS):
            raise SpecError(f"资金行应为 {', '.join(FUNDING_LABELS)}，每行可有 {', '.join(FUNDING_COLUMNS)}",
                            key=f"funding.{name}")
        funding[name] = FundingRow(**row)
    stated = data.get("stated") or {}
    if not isinstance(stated, dict) or set(stated) - STATED_KEYS:
        raise SpecError(f"stated 可用键：{', '.join(sorted(STATED_KEYS))}", key="stated")
    goal = data.get("goal") or {}
    year = data.get("year")
    return Filing(form=form, unit=str(data.get("unit", "")), year=int(year) if year is not None else None,
                  code=str(data.get("code") or ""),
                  funding=funding, entries=entries, stated_rate=stated.get("rate"),
                  stated_funding_score=stated.get("funding_score"),
                  stated_subtotals={str(k): v for k, v in (stated.get("subtotals") or {}).items()},
                  stated_total=stated.get("total"), stated_grade=_s(stated.get("grade")),
                  goal_planned=str(goal.get("planned", "")), goal_achieved=str(goal.get("achieved", "")))


def _s(value) -> str | None:
    return None if value is None else str(value)
