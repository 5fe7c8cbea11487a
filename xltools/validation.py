"""Validation results as data (after frictionless-py): Issue, Report and the severity model.

The severity model, the same in ``check``, the 校验结果 sheet, the cell colours and the bureau's summary:

- ``error`` 错误 — the numbers are wrong (a sum that does not add up, a score the rule cannot give,
  a formula typed over);
- ``review`` 待补充 — the numbers may be right but a person must explain or judge (points lost with
  no 偏差原因, a score set by judgement, a value typed as text that was read for them);
- ``info`` 提示 — a hint that changes nothing.

An :class:`Issue` has a stable kebab-case ``code``, a ``severity`` (error / review / info), a
logical ``location`` (which leaf or block and which column) and a Chinese ``message``.  Readers
of workbooks fill in ``sheet`` and ``cell`` through :meth:`Report.locate`.  Tests assert on
:meth:`Report.flatten` tuples, never on message wording.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

#: How serious an issue is (see above); ``SEVERITIES`` lists them, most serious first.
Severity = Literal["error", "review", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "review", "info")
#: Chinese label of each severity (tables, notes, the 校验结果 sheet, the summary).
SEVERITY_LABELS = {"error": "错误", "review": "待补充", "info": "提示"}
#: Fill colour (RGB hex) of a cell marked with an issue of that severity: Excel's own "bad",
#: "neutral" and a light blue.
SEVERITY_FILLS = {"error": "FFC7CE", "review": "FFEB9C", "info": "DDEBF7"}
#: Text colour on that fill (Excel's "bad" and "neutral" styles; info keeps the cell's own).
SEVERITY_FONTS = {"error": "9C0006", "review": "9C5700"}


def severity_format(severity: Severity) -> dict[str, str]:
    """XlsxWriter format properties of a cell flagged with ``severity`` (fill, and text colour)."""
    out = {"bg_color": f"#{SEVERITY_FILLS[severity]}"}
    if severity in SEVERITY_FONTS:
        out["font_color"] = f"#{SEVERITY_FONTS[severity]}"
    return out

#: Every code the checks can emit, with its Chinese title (for tables and docs).
CODES = {
    "weights-sum": "下级分值合计不等于上级分值",
    "total-weight": "分值总计不等于100",
    "score-exceeds-weight": "得分超过分值",
    "score-negative": "得分为负数",
    "score-differs-from-rule": "填报得分与规则计算不一致",
    "score-overridden": "人工调整了规则得分",
    "missing-reason": "扣分但未填写偏差原因",
    "missing-score": "未填写得分",
    "missing-value": "未填写实际完成值",
    "missing-target": "未填写年度指标值",
    "rule-not-reapplied": "无实际完成值，规则无法复核",
    "unparseable-value": "数值无法识别",
    "not-a-number": "应为数字",
    "number-as-text": "数字写成了文字",
    "unit-mismatch": "单位不一致",
    "direction-mismatch": "指标方向与比较符号不一致",
    "qualitative-band": "定性得分不在所选档次内",
    "unknown-band": "不认识的定性档次",
    "spent-exceeds-budget": "执行数超过预算数",
    "subamount-exceeds-total": "其中数超过合计数",
    "funding-sum": "资金来源合计不等于总额",
    "budget-missing": "预算数为0或未填写",
    "rate-differs": "填报执行率与计算不一致",
    "funding-score-differs": "资金得分与计算不一致",
    "subtotal-differs": "小计与明细合计不一致",
    "summary-row-added": "模板中手工加了小计行",
    "total-differs": "总分与明细合计不一致",
    "grade-differs": "等级与总分不符",
    "derive-undefined": "派生指标无法计算",
    "formula-overwritten": "公式被改写为常数",
    "formula-changed": "公式与模板不一致",
    "fixed-cell-changed": "表式规定的分值被修改",
    "cached-value-differs": "公式缓存值与重算结果不一致",
    "form-changed": "工作簿内的表式定义被改动",
    # whole-file outcomes of a collection (xltools collect)
    "duplicate-unit": "同一单位同一年度有多份自评表",
    "unit-not-listed": "单位不在名单中",
    "year-differs": "年度与本轮不符",
    "code-differs": "单位编码与名单不符",
    "workbook-error": "工作簿无法读取",
    "timeout": "处理超时",
    "spec-error": "表式定义无法使用",
    "template-error": "模板无法使用",
    "internal-error": "程序内部错误",
}


#: Columns and funding rows of a location in Chinese (a location without a cell is shown with them).
FIELD_LABELS = {"weight": "分值", "score": "得分", "target": "年度指标值", "actual": "实际完成值", "reason": "偏差原因",
                "grade": "等级", "rate": "执行率", "band": "定性档次", "manual": "评价人评分", "in1": "计算依据",
                "in2": "计算依据", "initial": "年初预算数", "budget": "全年预算数", "spent": "全年执行数",
                "total": "年度资金总额", "fiscal": "当年财政拨款", "carryover": "上年结转资金", "other": "其他资金",
                "basic": "基本支出", "projects": "项目支出"}


@dataclass(frozen=True)
class Location:
    """Where an issue is.  ``path`` is the leaf/group key (``产出指标/数量指标/执法案件``) or a block
    name (``资金情况``, ``总分``); ``field`` the column (target, actual, score, reason, weight …)."""

    path: str = ""
    field: str = ""
    sheet: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        """``自评表!G15``; without a cell, the place in Chinese (``效益指标 分值``), never an internal key."""
        if self.cell:
            return f"{self.sheet}!{self.cell}" if self.sheet else self.cell
        where = self.path.replace("/", "·")
        field = FIELD_LABELS.get(self.field) or FIELD_LABELS.get(self.field.split(".")[-1], "")
        row = FIELD_LABELS.get(self.field.split(".")[0], "") if "." in self.field else ""
        return " ".join(x for x in (where, row, field) if x) or "整表"


@dataclass(frozen=True)
class Issue:
    code: str
    severity: Severity
    location: Location
    message: str

    def __post_init__(self):
        if self.code not in CODES:
            raise ValueError(f"unknown issue code {self.code!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    @property
    def title(self) -> str:
        return CODES[self.code]

    @property
    def label(self) -> str:
        """The severity in Chinese: 错误 / 待补充 / 提示."""
        return SEVERITY_LABELS[self.severity]

    def to_dict(self) -> dict[str, Any]:
        out = {"code": self.code, "severity": self.severity, "title": self.title, "message": self.message}
        out.update(asdict(self.location))
        return out


@dataclass(frozen=True)
class Report:
    """The outcome of checking one filing: ``valid`` when there is no error."""

    issues: tuple[Issue, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def valid(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def reviews(self) -> tuple[Issue, ...]:
        """Issues a person must explain or judge (待补充)."""
        return tuple(i for i in self.issues if i.severity == "review")

    def flatten(self, spec: Iterable[str] = ("path", "field", "code")) -> list[tuple]:
        """Issues as tuples of the named attributes (location fields or issue fields)."""
        rows = []
        for issue in self.issues:
            row = []
            for name in spec:
                row.append(getattr(issue.location, name) if hasattr(issue.location, name) else getattr(issue, name))
            rows.append(tuple(row))
        return rows

    def codes(self) -> set[str]:
        return {i.code for i in self.issues}

    def locate(self, resolve: Callable[[Location], Location]) -> Report:
        """A copy whose issue locations were completed by ``resolve`` (adds sheet and cell)."""
        return replace(self, issues=tuple(replace(i, location=resolve(i.location)) for i in self.issues))

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "valid": self.valid,
            "stats": {**self.stats, "errors": len(self.errors), "reviews": len(self.reviews)},
            "issues": [i.to_dict() for i in self.issues],
        }


def worst(issues: Iterable[Issue]) -> Severity:
    """The most serious severity among ``issues`` (``info`` when there are none)."""
    found = {i.severity for i in issues}
    return next((s for s in SEVERITIES if s in found), "info")
