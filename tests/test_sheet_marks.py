"""The template agrees with ``check`` before anyone runs it (issue 12).

* The sheet's own marks use the severity model's colours: a missing 偏差原因 is 待补充 in ``check``,
  in the 校验结果 sheet and in the template's conditional format alike (yellow), errors red.
* 年度指标值/实际完成值 of non-定性 rows take only numbers at typing time (a data validation with a
  Chinese message that lets a 定性 row take text); cells where text got in anyway are marked.
* A 偏差原因 of blanks only (full-width space, no-break space, tab) is no reason, in Python and in the
  formula; the formulas never compute a score from text.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from xltools import api
from xltools.validation import SEVERITY_FILLS
from xltools.xlsx.evaluate import evaluate
from xltools.xlsx.formulas import counted_score
from xltools.xlsx.patch import CellEdit, apply

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbooks" / "example-zhuzhou-2021.xlsx"


def sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def dxf_fills(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml").decode()
    dxfs = re.search(r"<dxfs[^>]*>(.*?)</dxfs>", styles, re.S).group(1)
    return [re.search(r'bgColor rgb="FF([0-9A-F]{6})"', d).group(1) for d in re.findall(r"<dxf>(.*?)</dxf>", dxfs, re.S)]


def test_the_sheet_marks_in_the_severity_colours():
    xml = sheet_xml(EXAMPLE)
    fills = dxf_fills(EXAMPLE)
    assert set(fills) == {SEVERITY_FILLS["error"], SEVERITY_FILLS["review"]}
    # the missing-reason rule (on the 偏差原因 column J) is painted in the 待补充 colour
    rule = re.search(r'<conditionalFormatting sqref="J11:J\d+">\s*<cfRule [^>]*dxfId="(\d+)"', xml)
    assert rule and fills[int(rule.group(1))] == SEVERITY_FILLS["review"]


def test_missing_reason_is_review_everywhere(tmp_path):
    broken = tmp_path / "no-reason.xlsx"
    # 执法满意率 93 % of ≥90 % is full marks; 80 % loses points, and its reason is blanks only
    apply(EXAMPLE, broken, [CellEdit("自评表", "G20", value=0.8), CellEdit("自评表", "J20", value="\u3000\u00a0\t")],
          None)
    result = api.check_workbook(broken)
    # (patched without recalculating: the scores' cached values are stale, 待补充 too)
    assert [(i.location.cell, i.code, i.severity) for i in result.report.issues
            if i.code != "cached-value-differs"] == [("J20", "missing-reason", "review")]
    assert result.report.valid
    scored = tmp_path / "scored.xlsx"
    api.score_workbook(broken, scored)
    assert dict(result_rows(scored))["J20"] == "待补充"


def result_rows(path: Path):
    from xltools.xlsx.package import open_book
    grid = open_book(path).sheets["校验结果"]
    header = [grid.text(0, c) for c in range(grid.max_col + 1)]
    cell, level = header.index("单元格"), header.index("级别")
    return [(grid.text(r, cell), grid.text(r, level)) for r in range(1, grid.max_row + 1) if grid.text(r, cell)]


def test_number_inputs_validated_but_not_qualitative_rows():
    xml = sheet_xml(EXAMPLE)
    rules = re.findall(r'<dataValidation type="custom"[^>]*sqref="([^"]+)"[^>]*>.*?<formula1>(.*?)</formula1>', xml, re.S)
    assert rules, "no custom validation on the indicator values"
    sqref, formula = rules[0]
    assert formula.replace("&quot;", '"') == 'OR(ISNUMBER(F11),$E11="定性")'
    assert sqref.split()[:2] == ["F11:F20", "G11:G20"]
    assert "只能填数字" in xml and "定性" in xml


def test_the_criteria_forms_validate_only_rules_that_read_numbers():
    xml = sheet_xml(ROOT / "workbooks" / "yunnan.xlsx")
    sqref, formula = re.findall(r'<dataValidation type="custom"[^>]*sqref="([^"]+)"[^>]*>.*?<formula1>(.*?)</formula1>',
                                xml, re.S)[0]
    assert formula.startswith("ISNUMBER(G")
    rows = {int(r) for part in sqref.split() for r in re.findall(r"\d+", part)}
    assert 6 not in rows  # 绩效目标可行性 is a checklist: its 实际完成值 is text such as ①③


def test_blank_reasons_are_no_reason_in_the_formula_too():
    col = {"manual": 11, "rule_score": 12, "reason": 9}
    formula = counted_score(col, 0)  # =IF(ISNUMBER(L1),IF(AND(…,has_text(J1)),ROUND(L1,2),M1),M1)
    for reason, counts in (("\u3000", False), ("\u00a0", False), ("\t", False), ("  ", False), ("原因", True),
                           ("\u3000原因", True)):
        cells = {(0, 11): 4.0, (0, 12): 5.0, (0, 9): reason}
        assert evaluate(formula, lambda r, c: cells.get((r, c))) == (4.0 if counts else 5.0), repr(reason)
    cells = {(0, 11): "8分", (0, 12): 5.0, (0, 9): "原因"}  # text in 评价人评分: the rule's score, never #VALUE!
    assert evaluate(formula, lambda r, c: cells.get((r, c))) == 5.0
