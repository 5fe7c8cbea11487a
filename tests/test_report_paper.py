"""The 自评报告 says only what is true, on paper (issues 12 and 17).

Three fillings made the way people make them — the shipped filled example, a blank template typed
into by hand (openpyxl, numbers with their own number formats, as Excel users format cells), and a
Yunnan table pre-filled from data — are reported on.  LibreOffice is the judge of how a cell looks:
it exports each workbook's 自评表 as CSV "as shown", and every target and actual the report prints
must be that text.  The report's body wording is golden (``tests/data/report-golden/``; after a
reviewed wording change regenerate with ``XLTOOLS_GOLDEN=write pytest tests/test_report_paper.py``).
One report is rendered to PDF: page count, the outline's headings, the attached 自评表 with every
leaf, and no issue in the body.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
import yaml

import libreoffice
from xltools.api import check_file
from xltools.draft import Paragraph, build, draft_report
from xltools.spec import load_form
from xltools.template import new_workbook
from xltools.xlsx.layout import SHEET, build_layout

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "data" / "report-golden"
HEADINGS = ("一、部门（单位）基本情况", "二、绩效目标及实现情况", "三、自评结论及指标完成情况", "四、偏差原因和改进措施",
            "五、结果应用及公开", "六、其他需要说明的问题")

# (一级/二级, name, op, target, actual, number format, weight, evaluator's score, reason)
TYPED = [
    ("产出指标/数量指标", "查处违法建设案件", "≥", 120, 126, '0"件"', 10, None, ""),
    ("产出指标/数量指标", "拆除违法建设面积", "≥", 350, 300, '0"万平方米"', 15, None, "部分项目因征收补偿未完成推迟拆除"),
    ("产出指标/质量指标", "案件办结率", "≥", 0.9, 0.8634, "0.00%", 15, None, ""),
    ("产出指标/时效指标", "专项巡查次数", "≥", 12, 12, '0"次"', 10, 8, "巡查记录不完整，酌情扣分"),
    ("效益指标/社会效益指标", "群众投诉率", "≤", 0.05, 0.03, "0%", 30, None, ""),
    ("满意度指标/服务对象满意度指标", "群众满意度", "≥", 0.9, 0.93, "0%", 10, None, ""),
]


def typed_by_hand(path: Path) -> Path:
    """A blank dept template filled in with openpyxl like a person in Excel: numbers with formats."""
    blank = new_workbook("dept", path.with_name("blank.xlsx"), unit="某某市城市管理综合执法局", year=2023)
    layout = build_layout(load_form("dept"))
    wb = openpyxl.load_workbook(blank)
    ws = wb[SHEET]
    free = {}
    for slot in layout.slots:
        free.setdefault("/".join(slot.parent), []).append(slot.row)
    c = lambda name: layout.c(name) + 1  # noqa: E731
    for parent, name, op, target, actual, num_fmt, weight, manual, reason in TYPED:
        r = free[parent].pop(0) + 1
        ws.cell(r, c("l3"), name)
        ws.cell(r, c("op"), op)
        for col, value in (("target", target), ("actual", actual)):
            ws.cell(r, c(col), value).number_format = num_fmt
        ws.cell(r, c("weight"), weight)
        if manual is not None:
            ws.cell(r, c("manual"), manual)
        if reason:
            ws.cell(r, c("reason"), reason)
    for row, values in (("total", (900, 1000, 950)), ("fiscal", (800, 800, 760)), ("other", (100, 200, 190))):
        for column, value in zip(("initial", "budget", "spent"), values):
            ws.cell(*(x + 1 for x in layout.funding_cell(row, column)), value)
    wb.save(path)
    return path


def yunnan_filled(path: Path) -> Path:
    from tests.test_draft import YUNNAN
    data = path.with_suffix(".yaml")
    data.write_text(yaml.safe_dump(YUNNAN, allow_unicode=True), encoding="utf-8")
    return new_workbook("yunnan", path, data=data)


@pytest.fixture(scope="module")
def fillings(soffice, tmp_path_factory):
    """name -> (workbook, Result, {row: [cells as LibreOffice shows them]})."""
    tmp = tmp_path_factory.mktemp("report")
    books = {"zhuzhou": ROOT / "workbooks" / "example-zhuzhou-2021.xlsx",
             "typed": typed_by_hand(tmp / "typed.xlsx"), "yunnan": yunnan_filled(tmp / "yunnan.xlsx")}
    # UTF-8 (76), cells "as shown" (the 9th token), first sheet (自评表)
    csvs = libreoffice.convert(list(books.values()), tmp / "csv", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true")
    out = {}
    for (name, book), path in zip(books.items(), csvs):
        with path.open(encoding="utf-8") as f:
            shown = list(csv.reader(f))
        out[name] = (book, check_file(book), shown)
    return out


def body_text(result) -> str:
    """The report without its 起草说明 (whose wording is the check's)."""
    draft = build(result)
    return replace(draft, blocks=tuple(b for b in draft.blocks
                                       if not (isinstance(b, Paragraph) and b.role == "note"))).text()


@pytest.mark.parametrize("name", ["zhuzhou", "typed", "yunnan"])
def test_report_wording_is_golden(fillings, name):
    _, result, _ = fillings[name]
    text = body_text(result)
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("XLTOOLS_GOLDEN") == "write":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text + "\n", encoding="utf-8")
    assert text + "\n" == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["zhuzhou", "typed", "yunnan"])
def test_a_met_target_is_never_unfinished(fillings, name):
    _, result, _ = fillings[name]
    text = build(result).text()
    section = text.split("（一）未完成的绩效目标及偏差原因")[1].split("以下指标达到年度指标值")[0].split("（二）")[0]
    for r in result.card.leaves:
        met = r.rule_score is not None and r.rule_score >= r.weight
        if met:
            assert f".{r.leaf.name}：" not in section, r.leaf.name
            assert not re.search(rf"\d\.{re.escape(r.leaf.name)}：[^\n]*未完成", text), r.leaf.name
        elif r.score < r.weight:
            assert f".{r.leaf.name}：" in section, r.leaf.name
    if name == "typed":  # 126件 against ≥120件 is met; 300万平方米 against ≥350万平方米 is not
        assert ".查处违法建设案件：" not in section and ".拆除违法建设面积：" in section
        assert ".专项巡查次数：得8分（分值10分）。扣分理由：巡查记录不完整，酌情扣分。" in text


@pytest.mark.parametrize("name", ["zhuzhou", "typed", "yunnan"])
def test_every_value_prints_as_its_cell_shows_it(fillings, name):
    book, result, shown = fillings[name]
    text = build(result).text()
    layout_rows = {r.leaf.name: r for r in result.card.leaves}
    attached = {line.split(" | ")[2]: line.split(" | ") for line in text.split("附件\n", 1)[1].split("\n")
                if line.count(" | ") == 7}
    ws = openpyxl.load_workbook(book)[SHEET]
    header = next(i for i, row in enumerate(ws.iter_rows(values_only=True)) if "实际完成值" in row)
    columns = {v: i for i, v in enumerate(next(ws.iter_rows(min_row=header + 1, max_row=header + 1, values_only=True)))}
    checked = 0
    for i, row in enumerate(shown):
        if i <= header or len(row) <= columns["实际完成值"]:
            continue
        name_ = next((v for v in row[:4][::-1] if v in layout_rows), None)
        if name_ is None:
            continue
        r = layout_rows[name_]
        for column, k in (("年度指标值", 3), ("实际完成值", 4)):
            cell = row[columns[column]]
            if not cell or r.leaf.derive is not None and column == "实际完成值":
                continue
            op = row[columns["指标方向"]] if "指标方向" in columns and column == "年度指标值" else ""
            expected = (op if op in ("≥", ">", "≤", "<", "=") else "") + cell
            assert attached[name_][k] == expected, (name_, column, attached[name_][k], expected)
            checked += 1
    assert checked >= 6
    for raw in ("0.8634", "0.93", "350.0", "12.0", "0.9，", "0.05"):  # what printing the raw values looked like
        assert raw not in text, raw


def pdf_text(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return out.rstrip("\f").split("\f")


def test_report_on_paper(fillings, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    _, result, _ = fillings["typed"]
    pdf = draft_report(result, tmp_path / "报告.pdf", fmt="pdf")
    pages = pdf_text(pdf)
    assert 4 <= len(pages) <= 10
    text = "\n".join(pages)
    flat = re.sub(r"\s+", "", text)
    positions = [flat.find(h) for h in HEADINGS]
    assert all(p > 0 for p in positions) and positions == sorted(positions), positions
    body, attachment = flat.split("附件：", 1)[0], flat.rsplit("附件", 1)[1]
    for r in result.card.leaves:  # the attached 自评表: every leaf
        assert r.leaf.name in attachment, r.leaf.name
    assert result.report.issues
    after_note = body.split(HEADINGS[0], 1)[1]
    for issue in result.report.issues:
        assert issue.code not in flat and re.sub(r"\s+", "", issue.message)[:20] not in after_note, issue.code
    assert "【请填写：" in flat and "资金来源" in flat and "当年财政拨款" in flat
