"""A 小计 row added by hand to our own template (inserted in LibreOffice, as a person does it in Excel):
one error on its label, never an indicator, and the sums the sheet shows folded into it."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from xltools import api

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbooks" / "example-zhuzhou-2021.xlsx"
UNO_PYTHON = "/usr/bin/python3"

#: name -> (edits after inserting a row above 0-based row ``at``, the label cell expected)
CASES = {
    "subtotal-l3-sums": (12, [["text", "D13", "小计"], ["formula", "H13", "=SUM(H11:H12)"],
                              ["formula", "I13", "=SUM(I11:I12)"]], "D13"),
    "subtotal-l2-named": (12, [["text", "C13", "数量指标小计"], ["formula", "H13", "=SUM(H11:H12)"],
                               ["formula", "I13", "=SUM(I11:I12)"]], "C13"),
    "total-typed": (16, [["text", "D17", "合计"], ["number", "H17", 50], ["number", "I17", 50]], "D17"),
}


@pytest.fixture(scope="module")
def edited(soffice, tmp_path_factory):
    out = tmp_path_factory.mktemp("summary-row")
    jobs = [{"src": str(EXAMPLE), "dst": str(out / f"{name}.xlsx"),
             "ops": [["unprotect", "自评表"], ["insert_rows", "自评表", at, 1]]
             + [[op, "自评表", *args] for op, *args in edits]}
            for name, (at, edits, _) in CASES.items()]
    (out / "jobs.json").write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    subprocess.run([UNO_PYTHON, str(ROOT / "tests" / "corpus" / "uno_edit.py"), str(out / "jobs.json")],
                   check=True, stdout=subprocess.DEVNULL, timeout=300)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hand_made_summary_row_is_one_error_on_its_label(edited, name):
    result = api.check_workbook(edited / f"{name}.xlsx")
    issues = result.report.issues
    assert [(i.location.cell, i.code, i.severity) for i in issues] == [(CASES[name][2], "summary-row-added", "error")]
    assert result.card.total == 100 and result.card.grade == "优"  # the 小计 is not scored as an indicator
    assert "请删除这一行" in issues[0].message
    if name != "total-typed":  # LibreOffice recalculated the sums above it: what the sheet shows is named
        assert "总分表中显示115" in issues[0].message
