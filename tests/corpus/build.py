"""Regenerate the acceptance corpus (GitHub issue 4): ``python tests/corpus/build.py``.

Writes every workbook into ``tests/corpus/filled/`` and the expectations into
``tests/corpus/expected.yaml``.  The committed outputs are the test fixtures
(``tests/test_corpus.py``); this script documents how each one was made.  Run it by hand after
changing a case; it needs LibreOffice with the Debian package ``python3-uno`` (the edits are made
by LibreOffice itself through ``/usr/bin/python3``) and, for the .xlsm, ``pip install pyOpenVBA``.

How the files are made
======================

*Templates* (``t*``): a filing (``data/*.yaml``, written for the corpus) is written with
``xltools.template.new_workbook``; then the workbook is edited the way people edit it:

* most edits are made **in LibreOffice** through its UNO API (``uno_edit.py``): like Excel, it
  moves defined names, merged ranges and formula references when rows are inserted or deleted,
  updates references when a sheet is renamed, and recalculates every formula when it saves —
  so these files are what a unit sends back after editing in a spreadsheet program;
* the *stale cache* file is edited and saved with **openpyxl**, which keeps formulas but writes no
  cached values (what the reader must survive: ``cached-value-differs`` warnings, no crash);
* the *image and chart* file gets both with openpyxl, then is opened and saved by LibreOffice
  (``tests/libreoffice.py``'s ``recalculate``), as a person would after pasting them in;
* the *.xlsm* gets a VBA project (a module with one macro) and a form-control button that runs
  it, with pyOpenVBA (MIT): the .xlsx package's workbook content type is switched to the
  macro-enabled one (the only zip surgery), pyOpenVBA adds ``xl/vbaProject.bin``, unprotects the
  sheet (Excel does not let a button be drawn on a protected sheet) and draws the button.

*Foreign layouts* (``f*``): official-layout tables built cell by cell with XlsxWriter, not with
our writer: the seed 002 annex table as printed, variants with extra title rows, other column
widths and orders, a second sheet, labels repeated instead of merged, a seed-001 goal-weighted
table with its slips, a Yunnan criteria table, a 项目支出 table, and two workbooks that cannot be
read as any form (they must fail with a clear message).

*Hand-typed foreign tables* (``h*``, ``s*``, GitHub issue 13): typed cell by cell with **openpyxl** in
``hand.py`` — merged and once-typed labels, 小计 and unlabelled sum rows, weights in labels, provincial
forms with their own weights and renamed leaves, no 实际完成值 column, goal cells in every writing,
units in ㎡/m²/公里, unit and year in titles and colon labels — and the seed reports' tables (000, 001,
003, 004) reconstructed from their text.  Each ``how`` gives the total worked out by hand.

Expectations
============

Each case states, by reasoning about what the edit must produce (not by running the tool), the
form, the layout kind, the recomputed total and grade, the stated total/grade the reader should
find, and the complete set of issues as ``[cell, code]``.  Where the tool disagrees and the tool
is wrong, the case carries ``xfail: "BUG: ..."`` instead of bending the expectation.
"""
from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
FILLED = HERE / "filled"
DATA = HERE / "data"
EXPECTED = HERE / "expected.yaml"
S = "自评表"  # the template's sheet
UNO_PYTHON = "/usr/bin/python3"
CREATED = datetime.datetime(2024, 1, 1)

#: Every case: file name -> dict (see ``case``).  Filled in below, in the order of the corpus.
CASES: dict[str, dict] = {}
#: How each case is produced: file name -> (kind, args)
RECIPES: dict[str, tuple[str, dict]] = {}


def case(file, how, *, form, layout, total, grade, issues=(), stated_total=None, stated_grade=None,
         xfail=None, error=None, recipe, unit=None, year=None):
    assert file not in CASES, file
    entry = {"file": file, "how": how, "form": form, "layout": layout}
    if error is not None:
        entry["error"] = error
    else:
        entry.update(total=str(total), grade=grade, stated_total=None if stated_total is None else str(stated_total),
                     stated_grade=stated_grade, issues=[list(i) for i in issues])
        if unit is not None:
            entry.update(unit=unit, year=year)
    if xfail:
        entry["xfail"] = xfail
    CASES[file] = entry
    RECIPES[file] = recipe


def c(cell, code, sheet=S):
    return (f"{sheet}!{cell}", code)


# Bases: data file -> (form, rows per group).  Written to a temporary folder by ``new_workbook``.
BASES = {
    "dept-2023": ("dept", 2),
    "project-2023": ("project", 2),
    "dept-40-20-20-2023": ("dept-40-20-20", 2),
    "goals-seed001": ("goals", 2),
    "hubei-2023": ("hubei", 2),
    "yunnan-2023": ("yunnan", 2),
    "zhuzhou-2021": ("dept", 1),  # the shipped seed 002 data (xltools/data/zhuzhou-2021.yaml)
}


def uno(base, *ops):
    return ("uno", {"base": base, "ops": [list(op) for op in ops]})


U = ("unprotect", S)

# ---------------------------------------------------------------------------------------------
# dept-2023 (全国通用格式, 部门整体): rows of the base template
#   4 资金 合计 (E 年初 F 全年预算 G 执行 H 分值 I 执行率 J 得分) · 5 财政拨款 · 6 上年结转 · 7 其他资金
#   11 执法案件 · 12 巡查里程 (9.6, 有偏差原因) · 13 处罚错案率 · 15 投诉办结及时率 · 17 执法成本 (定性 10)
#   21 市容市貌 (定性 14, 有原因) · 23 扬尘治理达标率 · 25 长效管理机制 (定性 5) · 27 群众满意度
#   14 16 18 19 20 22 24 26 28: blank rows for more leaves · 29 总分 (H 分值合计, I 总分, J 等级)
#   columns: D 三级指标 E 指标方向 F 年度指标值 G 实际完成值 H 分值 I 得分 J 偏差原因
#            L 评价人评分 M 规则得分 N 定性档次 Q 指标路径 (hidden)
# total 98.43 = 资金 9.83 (842.15/856.4 = 98.34%) + 88.6
# ---------------------------------------------------------------------------------------------
DEPT = dict(form="dept", layout="template")

case("t01-dept-as-written.xlsx", "dept-2023.yaml written by new_workbook, untouched (the baseline).",
     **DEPT, total="98.43", grade="优", recipe=("base", {"base": "dept-2023"}))

case("t02-dept-resaved-libreoffice.xlsx", "The baseline opened and saved by LibreOffice with no edit "
     "(LibreOffice rewrites every part and recalculates).",
     **DEPT, total="98.43", grade="优", recipe=uno("dept-2023"))

case("t03-dept-row-inserted-copied.xlsx",
     "A row inserted inside 数量指标 (above row 12), the row above copied into it (D11:Q11, formulas and the "
     "hidden path come along, as with Ctrl+C/Ctrl+V), then renamed 夜间巡查次数 ≥200 / 180, weight 5; "
     "执法案件's weight lowered 10→5 so the weights still add up.  180/200×5 = 4.5 with a reason typed. "
     "Everything below moves down one row.",
     **DEPT, total="97.93", grade="优",
     recipe=uno("dept-2023", U, ("insert_rows", S, 11, 1), ("copy", S, "D11:Q11", "D12"),
                ("text", S, "D12", "夜间巡查次数"), ("number", S, "F12", 200), ("number", S, "G12", 180),
                ("number", S, "H12", 5), ("text", S, "J12", "夜间巡查从6月开始"), ("number", S, "H11", 5)))

case("t04-dept-row-inserted-typed.xlsx",
     "A blank row inserted inside 数量指标 (above row 12) and filled by typing only: name, ≥, 200, 180, "
     "weight 5, a reason and the score 4.5 typed by hand — so the row has no 得分/规则得分 formulas and no "
     "indicator path (it belongs to the group above).  执法案件's weight lowered 10→5.",
     **DEPT, total="97.93", grade="优",
     issues=[c("I12", "formula-overwritten"), c("M12", "formula-overwritten")],
     recipe=uno("dept-2023", U, ("insert_rows", S, 11, 1), ("text", S, "D12", "夜间巡查次数"), ("text", S, "E12", "≥"),
                ("number", S, "F12", 200), ("number", S, "G12", 180), ("number", S, "H12", 5),
                ("number", S, "I12", 4.5), ("text", S, "J12", "夜间巡查从6月开始"), ("number", S, "H11", 5)))

case("t05-dept-row-deleted.xlsx",
     "Row 12 (巡查里程, 10 points) deleted: 产出指标 keeps 40 of its 50 points -> weights-sum on the 产出指标 "
     "label.  Formulas and names shrink with the deletion; the total loses 9.6.",
     **DEPT, total="88.83", grade="良", issues=[c("B11", "weights-sum")],
     recipe=uno("dept-2023", U, ("delete_rows", S, 11, 1)))

case("t06-dept-values-as-text.xlsx",
     "Actual values typed as text (the cell formatted as 文本): 执法案件 G11 '120件', 扬尘治理达标率 G23 '９６％' "
     "(full width), 群众满意度 G27 '93%'.  The template's formulas see text and give 0 (a text value is "
     "scored as 定性 with no evaluator score, 68.43 in total).  Issue 12: the reader reads what people type — "
     "120, 96 %, 93 %, the values of the baseline, so 98.43 — with one 待补充 per cell that says the sheet shows 0 "
     "and the rule gives 10 (the lower sheet total is folded into the first of them).",
     **DEPT, total="98.43", grade="优",
     issues=[c("G11", "number-as-text"), c("G23", "number-as-text"), c("G27", "number-as-text")],
     recipe=uno("dept-2023", U, ("text", S, "G11", "120件"), ("text", S, "G23", "９６％"), ("text", S, "G27", "93%")))

case("t07-dept-target-typed-as-text.xlsx",
     "执法案件's 年度指标值 typed as the text '≥100件' in F11 and the 指标方向 cell E11 cleared (the way the "
     "printed tables show it).  The formula sees text and gives 0; the reader must point at the target: it "
     "is not a number.  Issue 12: it is read as ≥100 (the operator from the text, the 指标方向 cell being blank), "
     "as in the baseline (98.43), with one 待补充 at F11.",
     **DEPT, total="98.43", grade="优",
     issues=[c("F11", "number-as-text")],
     recipe=uno("dept-2023", U, ("clear", S, "E11"), ("text", S, "F11", "≥100件")))

case("t08-zhuzhou-amount-as-text.xlsx",
     "The seed 002 example (zhuzhou-2021.yaml, one spare row per group) with 全年执行数 G4 typed as the text "
     "'1,112.67'.  The sheet's 执行率 and 资金得分 formulas see text and give 0, so the workbook shows 90 (优). "
     "Issue 12: the reader reads 1112.67 (rate 100 %, 10 points, total 100) and flags G4 (待补充) with the "
     "sheet's 0 points beside the rule's 10.",
     **DEPT, total="100", grade="优", issues=[c("G4", "number-as-text")],
     recipe=uno("zhuzhou-2021", U, ("text", S, "G4", "1,112.67")))

case("t09-dept-score-overwritten-same.xlsx",
     "执法案件's 得分 formula (I11) overwritten by typing 10, the value it showed.",
     **DEPT, total="98.43", grade="优", issues=[c("I11", "formula-overwritten")],
     recipe=uno("dept-2023", U, ("number", S, "I11", 10)))

case("t10-dept-total-overwritten.xlsx",
     "The 总分 formula (I29) overwritten by typing 100; the grade formula now reads the typed total.",
     **DEPT, total="98.43", grade="优", stated_total="100",
     issues=[c("I29", "formula-overwritten")],  # total-differs is the same cause: folded into it
     recipe=uno("dept-2023", U, ("number", S, "I29", 100)))

case("t11-dept-rate-overwritten.xlsx",
     "The 执行率 formula (I4, format 0.00%) overwritten by typing 100% while 842.15/856.40 = 98.34%.",
     **DEPT, total="98.43", grade="优",
     # one cause, one message: the typed rate is the error, its message gives the rule's 98.34 %
     issues=[c("I4", "formula-overwritten")],
     recipe=uno("dept-2023", U, ("number", S, "I4", 1)))

case("t12-dept-total-and-grade-typed.xlsx",
     "总分 typed as 95 and 等级 typed as 良 over their formulas (I29, J29); the recomputed 98.43 is 优.",
     **DEPT, total="98.43", grade="优", stated_total="95", stated_grade="良",
     issues=[c("I29", "formula-overwritten"), c("J29", "formula-overwritten")],  # the differences folded in
     recipe=uno("dept-2023", U, ("number", S, "I29", 95), ("text", S, "J29", "良")))

case("t13-dept-formula-edited.xlsx",
     "巡查里程's 得分 formula (I12) replaced by another formula, =H12 (full marks).  The sheet shows 10 "
     "there and 98.83 in total; the rule gives 9.6 and 98.43.",
     **DEPT, total="98.43", grade="优",
     # an error (the sheet shows another number), with the total it moves folded in: the workbook was
     # recalculated (its cached values agree with its own formulas), so nothing blames a recalculation
     issues=[c("I12", "formula-changed")],
     recipe=uno("dept-2023", U, ("formula", S, "I12", "=H12")))

case("t14-dept-weight-breaks-sum.xlsx",
     "扬尘治理达标率's weight (H23) changed 10→12: 效益指标's leaves add up to 32, not 30 (weights-sum on the "
     "效益指标 label, first row 19).  The form's total stays 100 by its fixed group weights; the recomputed "
     "total exceeds 100.",
     **DEPT, total="100.43", grade="优", issues=[c("B19", "weights-sum")],
     recipe=uno("dept-2023", U, ("number", S, "H23", 12)))

case("t15-dept-subamount-tenfold.xlsx",
     "其中：当年财政拨款's 全年预算数 (F5) typed 8364 instead of 836.4 (one digit too many).",
     **DEPT, total="98.43", grade="优", issues=[c("F5", "subamount-exceeds-total")],
     recipe=uno("dept-2023", U, ("number", S, "F5", 8364)))

case("t16-dept-spent-above-budget.xlsx",
     "全年执行数 above 全年预算数: total G4 880 (> 856.4) and 财政拨款 G5 860 (> 836.4), still adding up with "
     "其他资金 20.  The rate 102.76% scores the full 10.",
     **DEPT, total="98.6", grade="优",
     issues=[c("G4", "spent-exceeds-budget"), c("G5", "spent-exceeds-budget")],
     recipe=uno("dept-2023", U, ("number", S, "G4", 880), ("number", S, "G5", 860)))

case("t17-dept-score-above-weight.xlsx",
     "执法成本 (定性, weight 10, evaluator's score 10) gets 12 typed over its 得分 formula (I17); the sheet's "
     "SUM now shows 100.43.",
     **DEPT, total="98.43", grade="优",
     issues=[c("I17", "formula-overwritten")],  # the score above the weight and the sheet's total folded in
     recipe=uno("dept-2023", U, ("number", S, "I17", 12)))

case("t18-dept-missing-reason.xlsx",
     "Points lost without a 偏差原因: 巡查里程's reason (J12) deleted, and 群众满意度's actual (G27) lowered to "
     "85% (85/90×10 = 9.44) with no reason.",
     **DEPT, total="97.87", grade="优",
     issues=[c("J12", "missing-reason"), c("J27", "missing-reason")],
     recipe=uno("dept-2023", U, ("clear", S, "J12"), ("number", S, "G27", 0.85)))

case("t19-dept-qualitative-out-of-band.xlsx",
     "定性 scores outside the chosen band: 市容市貌 L21 14→10 with 达成年度指标 (12–15); 长效管理机制 band N25 set to "
     "部分达成… (3–4) with the score 5 left.",
     **DEPT, total="94.43", grade="优",
     issues=[c("I21", "qualitative-band"), c("I25", "qualitative-band")],
     recipe=uno("dept-2023", U, ("number", S, "L21", 10), ("text", S, "N25", "部分达成年度指标并具有一定效果")))

case("t20-dept-sheets-renamed-reordered.xlsx",
     "Sheet 自评表 renamed 2023年自评表, a sheet 填报说明 inserted first, the hidden _xltools sheet moved to "
     "second place; 巡查里程's reason (J12) deleted so an issue shows the new sheet name.",
     **DEPT, total="98.43", grade="优", issues=[c("J12", "missing-reason", "2023年自评表")],
     recipe=uno("dept-2023", U, ("clear", S, "J12"), ("rename_sheet", S, "2023年自评表"),
                ("insert_sheet", "填报说明", 0), ("move_sheet", "_xltools", 1)))

case("t21-dept-columns-widened-remerged.xlsx",
     "Columns D (三级指标) and J (偏差原因) widened, the title re-merged across A1:Q1, the 产出指标 label unmerged "
     "(B11:B18) and merged again over B11:B14 only, 数量指标's label unmerged.",
     **DEPT, total="98.43", grade="优",
     recipe=uno("dept-2023", U, ("column_width", S, 3, 9), ("column_width", S, 9, 12),
                ("unmerge", S, "A1:J1"), ("merge", S, "A1:Q1"), ("unmerge", S, "B11:B18"), ("merge", S, "B11:B14"),
                ("unmerge", S, "C11:C12")))

# ---------------------------------------------------------------------------------------------
# project-2023 (项目支出): 11 保洁面积 13 机械化清扫率 15 每日保洁时长 17 单位面积保洁成本 21 道路洁净度达标率
# 25 作业规范长效机制 (定性 10) 27 市民满意度; blanks 12 14 16 18 19 20 22 23 24 26 28; 总分 row 29. Total 100.
# ---------------------------------------------------------------------------------------------
PROJECT = dict(form="project", layout="template")

case("t22-project-blank-rows-deleted.xlsx",
     "Two spare rows deleted (14, then 12) and column D widened: nothing is lost, the total row moves up to 27.",
     **PROJECT, total="100", grade="优",
     recipe=uno("project-2023", U, ("delete_rows", S, 13, 1), ("delete_rows", S, 11, 1), ("column_width", S, 3, 8)))

#: one cause, one message (issue 12): every formula cell has no value, one 待补充 at the first of them
STALE_OWNED = [c("I11", "cached-value-differs")]
case("t23-project-stale-cache-openpyxl.xlsx",
     "Edited and saved with openpyxl, which keeps formulas but writes no cached values: 机械化清扫率's actual "
     "G13 0.82→0.76 with a reason in J13 (0.76/0.80×15 = 14.25).  Every formula cell xltools owns has no "
     "value now: the reader must warn (once: the workbook was not recalculated) and still recompute.",
     **PROJECT, total="99.25", grade="优", issues=STALE_OWNED,
     recipe=("openpyxl-stale", {"base": "project-2023", "set": {"G13": 0.76, "J13": "雨天机扫作业减少"}}))

case("t24-project-image-and-chart.xlsx",
     "A picture (a unit stamp, PNG) and a bar chart of the 得分 column added with openpyxl, then opened and "
     "saved by LibreOffice (which recalculates, as Excel does when saving).",
     **PROJECT, total="100", grade="优", recipe=("image-chart", {"base": "project-2023"}))

# ---------------------------------------------------------------------------------------------
# dept-40-20-20 (preset, seed 000): same rows as dept; 11 查处违法建设 12 渣土车辆监管 (9.6) 13 案件办结率
# 15 投诉按时办结率 21 市容秩序 (定性 9) 23 扬尘投诉下降率 27 市民满意度 (20).  Total 98.2.
# ---------------------------------------------------------------------------------------------
P402020 = dict(form="dept-40-20-20", layout="template")

case("t25-dept-40-20-20-weight-national-habit.xlsx",
     "In the 40/20/20 form, 市民满意度's weight (H27) changed 20→10 out of the national habit (满意度 10): "
     "满意度指标's leaves give 10 of its 20 points.",
     **P402020, total="88.2", grade="良", issues=[c("B27", "weights-sum")],
     recipe=uno("dept-40-20-20-2023", U, ("number", S, "H27", 10)))

case("t26-dept-40-20-20-vba-button.xlsm",
     "Macro-enabled copy: a VBA module (Sub 重新计算: Application.CalculateFull) and a form-control button "
     "'重新计算' that runs it, drawn at the right of the title (pyOpenVBA; the sheet unprotected to draw it).",
     **P402020, total="98.2", grade="优", recipe=("vba", {"base": "dept-40-20-20-2023"}))

# ---------------------------------------------------------------------------------------------
# goals (seed 001, its slips kept): 4 资金 (20 分) 5 财政拨款 (执行数 4337.21, one digit too many)
# 11–16 目标1 · 18–20 目标2 · 22–25 目标3; 总分 row 27.  Rule scores without a reason: 12 (4.9),
# 19 (9.8), 24 (4.75).  Total 95.32 = 19.87 + 26.9 + 29.8 + 18.75, grade 优秀.
# ---------------------------------------------------------------------------------------------
GOALS = dict(form="goals", layout="template")
GOALS_SLIPS = [c("J12", "missing-reason"), c("J19", "missing-reason"), c("J24", "missing-reason"),
               c("G5", "spent-exceeds-budget"), c("G5", "subamount-exceeds-total")]

case("t27-goals-seed001-stated-typed.xlsx",
     "Seed 001 filled in the goal-weighted template, then the report's own numbers typed over the formulas: "
     "执行率 99.4% (I4; agrees with 437.21/440 = 99.37% at the precision typed), 总分 93 (I27), 等级 优秀 (J27). "
     "The seed's slips stay: 财政拨款 执行数 4337.21, three deductions with no reason.",
     **GOALS, total="95.32", grade="优秀", stated_total="93", stated_grade="优秀",
     issues=GOALS_SLIPS + [c("I4", "formula-overwritten"), c("I27", "formula-overwritten"),
                           c("J27", "formula-overwritten")],
     recipe=uno("goals-seed001", U, ("number", S, "I4", 0.994), ("number", S, "I27", 93), ("text", S, "J27", "优秀")))

case("t28-goals-row-inserted-below-group.xlsx",
     "A row inserted below 目标2's last 产出 row (above row 20, outside the merged 二级 label), 违规建筑发现率's "
     "row copied into it and renamed 违规建筑拆除率 (100% / 96%, weight 5, with a reason); 完成督察面积's "
     "weight lowered 15→10.  Rows from 20 down move one row.",
     **GOALS, total="95.12", grade="优秀",
     # the 得分汇总 of 目标2 (row 35) sums rows 18–19 only: a row inserted below a range does not extend it,
     # so the sheet shows 20/19.8 where the rule gives 25/24.6 — errors on F35 and G35 (issue 12)
     issues=[c("J12", "missing-reason"), c("J19", "missing-reason"), c("J25", "missing-reason"),
             c("G5", "spent-exceeds-budget"), c("G5", "subamount-exceeds-total"), c("F35", "formula-changed"),
             c("G35", "formula-changed")],
     recipe=uno("goals-seed001", U, ("insert_rows", S, 19, 1), ("copy", S, "D19:Q19", "D20"),
                ("text", S, "D20", "违规建筑拆除率"), ("number", S, "H20", 5), ("number", S, "G20", 0.96),
                ("text", S, "J20", "个别违建当事人申请复议"), ("number", S, "H18", 10)))

# ---------------------------------------------------------------------------------------------
# hubei (criteria layout): C 三级指标 D 分值 F 年度指标值 G 实际完成值 H 得分 K 偏差原因 M 评价人评分
# N 规则得分 O 档次 P/Q 计算依据 R 路径.  6 公用经费控制率 (derived) … 16 预算执行率 (5.82, reason) …
# 总分 row 39 (H39, 等级 K39).  Total 98.46.
# ---------------------------------------------------------------------------------------------
HUBEI = dict(form="hubei", layout="template")

case("t29-hubei-derived-and-score-typed.xlsx",
     "The derived 公用经费控制率 (G6, a formula from 11.70/13.72) overwritten by typing 85.28%, and 预算执行率's "
     "得分 (H16) typed as the full 6 although the rule gives 5.82 (the sheet's total now shows 98.64).",
     **HUBEI, total="98.46", grade="优",
     issues=[c("G6", "formula-overwritten"), c("H16", "formula-overwritten")],  # the rest folded into H16
     recipe=uno("hubei-2023", U, ("number", S, "G6", 0.8528), ("number", S, "H16", 6)))

case("t30-hubei-input-as-text.xlsx",
     "预算执行率's 计算依据 预算执行数 (P16) typed as the text '2,395.00'.  The sheet's derived rate cannot use "
     "text (no rate, 0 points for the leaf, 92.64 in total); the reader must flag P16 and score what the "
     "sheet scores.",
     # issue 12: read as 2395 (98.46, as the baseline) with one 待补充 at P16 giving the sheet's 0 and the rule's 5.82
     **HUBEI, total="98.46", grade="优", issues=[c("P16", "number-as-text")],
     recipe=uno("hubei-2023", U, ("text", S, "P16", "2,395.00")))

# ---------------------------------------------------------------------------------------------
# yunnan (criteria layout, same columns as hubei): 6 绩效目标可行性 (checklist) 7 绩效目标完整性 (manual)
# 19 预算完成率 (step, derived) … 总分 row 40 (H40, 等级 K40).  Total 99.51.
# ---------------------------------------------------------------------------------------------
YUNNAN = dict(form="yunnan", layout="template")

case("t31-yunnan-score-overridden.xlsx",
     "预算完成率's 得分 (H19, rule 2) typed as 1.8 with a reason in K19: a deduction by judgement, counted "
     "(score-overridden) but the formula is gone.",
     **YUNNAN, total="99.31", grade="优",
     issues=[c("H19", "formula-overwritten")],  # score-overridden on the same cell folded in
     recipe=uno("yunnan-2023", U, ("number", S, "H19", 1.8), ("text", S, "K19", "年末两笔支出未及时入账")))

case("t32-yunnan-manual-missing.xlsx",
     "绩效目标完整性's evaluator score (M7) deleted, and 绩效目标可行性's checklist (G6) ticked ①③ only (1.5 of "
     "2) with no reason.",
     **YUNNAN, total="97.01", grade="优",
     issues=[c("H7", "missing-score"), c("K6", "missing-reason")],
     recipe=uno("yunnan-2023", U, ("clear", S, "M7"), ("text", S, "G6", "①③")))

# ---------------------------------------------------------------------------------------------
# Foreign layouts, built with XlsxWriter (see the f_* builders below)
# ---------------------------------------------------------------------------------------------
case("f01-seed002-annex-as-printed.xlsx",
     "The seed 002 annex table cell by cell as printed (Sheet1): title, 部门名称, 资金情况 block with 合计/其中："
     "当年财政拨款/上年结转资金/其他资金, 年度总体目标, 绩效指标 with merged 一级/二级 labels, 总分 row with "
     "等级：优, notes.  All scores full: nothing to report.",
     form="dept", layout="foreign", total="100", grade="优", stated_total="100", stated_grade="优",
     recipe=("foreign", {"builder": "seed002", "variant": "printed"}))

case("f02-seed002-title-rows-second-sheet.xlsx",
     "The same table on a second sheet (the first is a cover page), with three extra title rows (附件2 / title / "
     "填报单位…单位：万元), other column widths, and a slip: 执法满意率's actual 88% (target ≥90%) still scored 10 "
     "with no reason, total still 100.",
     form="dept", layout="foreign", total="99.78", grade="优", stated_total="100", stated_grade="优",
     issues=[c("H22", "score-differs-from-rule", "自评表"), c("I22", "missing-reason", "自评表"),
             c("H23", "total-differs", "自评表")],
     recipe=("foreign", {"builder": "seed002", "variant": "titled"}))

case("f03-dept-labels-repeated.xlsx",
     "dept-2023's values in an official-style table with no merged cells: 一级/二级 labels repeated on every row, "
     "the weight column before the values, funding headed 调整后预算数/执行数, values typed as text the way "
     "people do ('≥100件', '96%', …).  Consistent: nothing to report.",
     form="dept", layout="foreign", total="98.43", grade="优", stated_total="98.43", stated_grade="优",
     recipe=("foreign", {"builder": "repeated"}))

case("f04-goals-seed001-table.xlsx",
     "A seed-001-like goal-weighted table (目标1（30分）… as 一级, 产出/效益 as 二级) with the report's slips: "
     "财政拨款 执行数 4337.21 (one digit too many), deductions below the rule with and without a reason, 资金得分 "
     "19.88 typed for 20×99.37%, 总分 93.",
     form="goals", layout="foreign", total="95.32", grade="优秀", stated_total="93", stated_grade="优秀",
     issues=[c("G9", "score-differs-from-rule", "Sheet1"), c("H9", "missing-reason", "Sheet1"),
             c("G10", "score-overridden", "Sheet1"), c("G11", "score-overridden", "Sheet1"),
             c("G15", "score-differs-from-rule", "Sheet1"), c("H15", "missing-reason", "Sheet1"),
             c("G18", "score-overridden", "Sheet1"), c("G19", "score-differs-from-rule", "Sheet1"),
             c("H19", "missing-reason", "Sheet1"), c("G4", "funding-score-differs", "Sheet1"),
             c("D5", "spent-exceeds-budget", "Sheet1"), c("D5", "subamount-exceeds-total", "Sheet1"),
             c("G21", "total-differs", "Sheet1")],
     recipe=("foreign", {"builder": "goals", "variant": "levels"}))

case("f05-yunnan-criteria-table.xlsx",
     "A Yunnan criteria table as in seed 004 (一级 | 二级 | 三级(分值) | 得分 | 指标解释 | 评价标准 | 参考数据来源), "
     "with a 实际完成值 column added after 三级 so the rules can be checked (no 偏差原因 column, as in the seed: "
     "every deduction lacks a reason); one slip: 固定资产在用率 91.78% scored 1 (the rule gives 0.85).",
     form="yunnan", layout="foreign", total="99.51", grade="优", stated_total="99.66", stated_grade="优",
     issues=[c("E29", "score-differs-from-rule", "评价表"), c("E29", "missing-reason", "评价表"),
             c("E30", "missing-reason", "评价表"), c("E39", "total-differs", "评价表")],
     recipe=("foreign", {"builder": "yunnan", "variant": "with-actual"}))

case("f06-project-table.xlsx",
     "A 项目支出绩效自评表 (项目名称/主管部门/实施单位 header) with a score above its weight: 保洁面积 22 of 20, and "
     "the total 102 its author added up (above the 100 points there are: an error of its own).",
     form="project", layout="foreign", total="100", grade="优", stated_total="102", stated_grade="优",
     issues=[c("H9", "score-exceeds-weight", "项目自评表"), c("H16", "total-differs", "项目自评表"),
             c("H16", "score-exceeds-weight", "项目自评表")],
     recipe=("foreign", {"builder": "project"}))

case("f07-unmappable-3e-framework.xlsx",
     "An old '3E' evaluation table (一级指标 经济性/效率性/效果性): a header is found but no form matches.",
     form=None, layout="foreign", total=None, grade=None, error="无法对应到已知表式",
     recipe=("foreign", {"builder": "unmappable"}))

case("f08-no-indicator-table.xlsx",
     "A budget detail list (项目 | 预算数 | 执行数) sent instead of the 自评表: no indicator table at all.",
     form=None, layout="foreign", total=None, grade=None, error="没有找到绩效指标表",
     recipe=("foreign", {"builder": "notable"}))


# -- cases added after probing the reader (each shows one more bug) ---------------------------
case("t33-dept-hidden-sheet-deleted.xlsx",
     "The baseline with its hidden _xltools sheet deleted (as when the visible sheet is copied into a unit's "
     "own workbook): no longer a template, so it is read as an official layout.  Its values are consistent and "
     "must score as before.",
     form="dept", layout="foreign", total="98.43", grade="优", stated_total="98.43", stated_grade="优",
     recipe=uno("dept-2023", ("remove_sheet", "_xltools")))

case("t34-dept-weight-typed-as-text.xlsx",
     "执法案件's 分值 (H11) typed as the text '10分'.  The sheet's SUM ignores text (产出指标 gets 40 of 50 "
     "points) and the leaf's formulas return the text '10分' as its score; the reader must point at H11.",
     # issue 12: read as 10 (98.43, the baseline) with one 待补充 at H11; the leaf's formulas give 0 while
     # the weight is text (never the text itself as a score)
     **DEPT, total="98.43", grade="优", issues=[c("H11", "number-as-text")],
     recipe=uno("dept-2023", U, ("text", S, "H11", "10分")))

F04_ISSUES = CASES["f04-goals-seed001-table.xlsx"]["issues"]
case("f09-goals-seed001-own-level-names.xlsx",
     "f04's table headed with the goal form's own level names, as our goals template heads them: 绩效目标 | "
     "一级指标 | 三级指标.  Must read as the goals form with f04's issues.",
     form="goals", layout="foreign", total="95.32", grade="优秀", stated_total="93", stated_grade="优秀",
     issues=[tuple(i) for i in F04_ISSUES],
     recipe=("foreign", {"builder": "goals", "variant": "own-names"}))

case("f10-goals-seed001-basic-expenditure.xlsx",
     "f04's table with the seed's own funding breakdown: the sub-row is 其中：基本支出 (4337.21 of a 437.21 "
     "total, the seed's slip).  DOMAIN.md's example of a sub-amount ten times its total must be caught.",
     form="goals", layout="foreign", total="95.32", grade="优秀", stated_total="93", stated_grade="优秀",
     issues=[tuple(i) for i in F04_ISSUES],
     recipe=("foreign", {"builder": "goals", "variant": "basic"}))

SEED004_JUDGED = [5, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 25, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38]
case("f11-yunnan-seed004-columns.xlsx",
     "The Yunnan table with exactly seed 004's columns (一级 | 二级 | 三级(分值) | 得分 | 指标解释 | 评价标准 | "
     "参考数据来源): no 实际完成值, so it is scored from its typed scores (99.66, the sum of column D), with one "
     "rule-not-reapplied review per leaf whose rule needs a value (every leaf but the 人工评分 ones: rows 6-11, "
     "24, 26-28 are manual), and 服务对象满意度's 1.5 of 2 without a reason (D30).",
     form="yunnan", layout="foreign", total="99.66", grade="优", stated_total="99.66", stated_grade="优",
     issues=[c(f"D{r}", "rule-not-reapplied", "评价表") for r in SEED004_JUDGED] + [c("D30", "missing-reason", "评价表")],
     recipe=("foreign", {"builder": "yunnan", "variant": "seed004"}))


# -- foreign tables typed by hand with openpyxl (issue 13): tests/corpus/hand.py --------------
from hand import CASES as HAND  # noqa: E402  (build.py is run as a script from its folder)

for _name, _spec in HAND.items():
    case(_name, _spec["how"], layout="foreign", recipe=("hand", {}),
         **{k: v for k, v in _spec.items() if k not in ("how", "builder")})


# =============================================================================================
# Builders
# =============================================================================================

def write_bases(tmp: Path) -> dict[str, Path]:
    from xltools.template import new_workbook
    out = {}
    for name, (form, rows) in BASES.items():
        data = DATA / f"{name}.yaml"
        if name == "zhuzhou-2021":
            data = HERE.parent.parent / "xltools" / "data" / "zhuzhou-2021.yaml"
        out[name] = new_workbook(form, tmp / f"base-{name}.xlsx", data=data, rows=rows)
    return out


def run_uno(jobs: list[dict], tmp: Path) -> None:
    if not jobs:
        return
    spec = tmp / "jobs.json"
    spec.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    subprocess.run([UNO_PYTHON, str(HERE / "uno_edit.py"), str(spec)], check=True, stdout=subprocess.DEVNULL)


def openpyxl_stale(base: Path, dst: Path, values: dict) -> None:
    import openpyxl
    wb = openpyxl.load_workbook(base)
    ws = wb[S]
    for ref, value in values.items():
        ws[ref] = value
    wb.save(dst)


def image_and_chart(base: Path, dst: Path, tmp: Path) -> None:
    import openpyxl
    from openpyxl.chart import BarChart, Reference
    from openpyxl.drawing.image import Image
    from PIL import Image as PILImage, ImageDraw
    stamp = tmp / "stamp.png"
    img = PILImage.new("RGBA", (160, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((8, 8, 152, 152), outline=(200, 0, 0, 255), width=8)
    draw.polygon([(80, 40), (90, 70), (122, 70), (96, 90), (106, 120), (80, 102), (54, 120), (64, 90),
                  (38, 70), (70, 70)], fill=(200, 0, 0, 255))
    img.save(stamp)
    wb = openpyxl.load_workbook(base)
    ws = wb[S]
    ws.protection.sheet = False
    pic = Image(str(stamp))
    pic.width = pic.height = 110
    ws.add_image(pic, "H1")
    chart = BarChart()
    chart.title = "各指标得分"
    chart.y_axis.title = "得分"
    chart.add_data(Reference(ws, min_col=9, min_row=11, max_row=28), titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=4, min_row=11, max_row=28))
    chart.height, chart.width = 7, 14
    ws.add_chart(chart, "B42")
    staged = tmp / "image-chart" / dst.name
    staged.parent.mkdir(exist_ok=True)
    wb.save(staged)
    from xltools.soffice import convert
    out = convert([staged], tmp / "image-chart-out", "xlsx")[0]
    shutil.copyfile(out, dst)


MODULE = ('Attribute VB_Name = "Module1"\r\n'
          "Public Sub 重新计算()\r\n"
          "    Application.CalculateFull\r\n"
          '    MsgBox "已重新计算，请核对总分和等级。"\r\n'
          "End Sub\r\n")


def vba_button(base: Path, dst: Path) -> None:
    from pyopenvba import ExcelFile
    from pyopenvba.apps.excel import ExcelApplication
    staged = dst.with_suffix(".stage.xlsm")
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":  # the only change: a macro-enabled workbook part
                data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            zout.writestr(info, data)
    try:
        with ExcelFile(str(staged)) as wb:
            wb.add_vba_project().add_module("Module1", MODULE)
            wb.save()
        app = ExcelApplication.open(str(staged), with_vba=False)
        sheet = app.sheet(1)
        sheet.sheet.Unprotect()
        sheet.add_button(name="重新计算", left=900, top=10, width=90, height=28, text="重新计算", macro="重新计算")
        app.save(str(dst))
    finally:
        staged.unlink(missing_ok=True)


# -- foreign layouts -------------------------------------------------------------------------

def _book(path: Path):
    import xlsxwriter
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    book.set_properties({"author": "某单位财务室", "created": CREATED})
    f = {
        "title": book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}),
        "head": book.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True}),
        "cell": book.add_format({"border": 1, "valign": "vcenter", "text_wrap": True}),
        "center": book.add_format({"border": 1, "align": "center", "valign": "vcenter", "text_wrap": True}),
        "num": book.add_format({"border": 1, "num_format": "0.00", "valign": "vcenter"}),
        "pct": book.add_format({"border": 1, "num_format": "0.00%", "valign": "vcenter"}),
        "pct0": book.add_format({"border": 1, "num_format": "0%", "valign": "vcenter"}),
        "pct1": book.add_format({"border": 1, "num_format": "0.0%", "valign": "vcenter"}),
        "note": book.add_format({"text_wrap": True, "valign": "top"}),
        "plain": book.add_format({}),
    }
    return book, f


SEED002_ROWS = [  # 一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分
    ("产出指标 (50分)", "数量指标", "执法案件", "≥100件", "市级120件", 10, 10),
    ("", "", "罚没收入", "400万元", "437万元", 5, 5),
    ("", "质量指标", "违法案件处罚错案率", 0, 0, 15, 15),
    ("", "时效指标", "日常执法", "全年365天，全天24小时，无缝隙执", "及时发现及时处理", 10, 10),
    ("", "成本指标", "执法成本", "不超预算", "未超预算", 10, 10),
    ("效益指标 (30分)", "经济效益指标", "", "", "", None, None),
    ("", "社会效益指标", "市容市貌", "整洁、有序、舒适", "效果显著", 10, 10),
    ("", "生态效益指标", "环境卫生", "工地防尘要求“8个100%”", "完成", 10, 10),
    ("", "可持续影响指标", "城管违法事件", "案件处理率100%", "100%", 10, 10),
    ("满意度指标 (10分)", "服务对象满意度指标", "执法满意率", "≥90%", "93%", 10, 10),
]
GOAL_PLANNED = ("按照全市提升“五化”水平、破解“五难”问题为主要抓手，推动城市管理向城市治理转型升级的总体要求，全面推进我市城管"
                "综合执法，重点在执法队伍建设、扬尘治理、执法平台建设、综合执法监督等方面求突破，为实现城市管理高质量发展提供坚强的执法保障。")


def _merge_or_write(ws, r1, c1, r2, c2, value, fmt):
    if (r1, c1) == (r2, c2):
        ws.write(r1, c1, value, fmt)
    else:
        ws.merge_range(r1, c1, r2, c2, value, fmt)


def _write_value(ws, r, col, value, f):
    if value is None or value == "":
        ws.write_blank(r, col, None, f["cell"])
    elif isinstance(value, (int, float)):
        ws.write_number(r, col, value, f["center"])
    else:
        ws.write_string(r, col, value, f["cell"])


def f_seed002(path: Path, variant: str) -> None:
    """Seed 002's annex table.  ``printed``: as printed; ``titled``: title rows, widths, second sheet, a slip."""
    book, f = _book(path)
    titled = variant == "titled"
    if titled:
        cover = book.add_worksheet("封面")
        cover.set_column(0, 0, 60)
        cover.write(2, 0, "株洲市城市管理综合行政执法支队", f["title"])
        cover.write(4, 0, "2021年度部门整体支出绩效自评材料", f["title"])
        cover.write(6, 0, "（含自评表、自评报告）", f["plain"])
    ws = book.add_worksheet("自评表" if titled else "Sheet1")
    widths = [6, 14, 16, 20, 20, 16, 8, 8, 30] if not titled else [4, 10, 12, 30, 26, 22, 6, 6, 40]
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    r = 0
    if titled:
        ws.write(0, 0, "附件2", f["plain"])
        ws.merge_range(1, 0, 1, 8, "2021年度部门整体支出绩效自评表", f["title"])
        ws.merge_range(2, 0, 2, 8, "填报单位（盖章）：株洲市城市管理综合行政执法支队        填报日期：2022年3月        单位：万元",
                       f["plain"])
        r = 3
    else:
        ws.merge_range(0, 0, 0, 8, "2021年度部门整体支出绩效自评表", f["title"])
        r = 1
    ws.write(r, 0, "部门名称", f["head"])
    ws.merge_range(r, 1, r, 8, "株洲市城市管理综合行政执法支队", f["cell"])
    r += 1
    fund = r
    ws.merge_range(fund, 0, fund + 4, 0, "资金情况 (万元)", f["head"])
    for col, text in enumerate(["年度资金总额", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分(分值×执行率)"], 1):
        ws.write(fund, col, text, f["head"])
    ws.write(fund, 8, "", f["head"])
    rows = [("合计", 1064.54, 1112.67, 1112.67, 10, 1, 10), ("其中：当年财政拨款", 1064.54, 1112.67, None, None, None, None),
            ("上年结转资金",) + (None,) * 6, ("其他资金",) + (None,) * 6]
    for i, row in enumerate(rows, 1):
        ws.write(fund + i, 1, row[0], f["cell"])
        for col, value in enumerate(row[1:], 2):
            fmt = f["pct0"] if col == 6 and value is not None else (f["num"] if isinstance(value, float) else f["center"])
            if value is None:
                ws.write_blank(fund + i, col, None, f["cell"])
            else:
                ws.write_number(fund + i, col, value, fmt)
        ws.write_blank(fund + i, 8, None, f["cell"])
    r = fund + 5
    ws.merge_range(r, 0, r + 1, 0, "年度总体目标", f["head"])
    ws.merge_range(r, 1, r, 4, "预期目标", f["head"])
    ws.merge_range(r, 5, r, 8, "实际完成情况", f["head"])
    ws.set_row(r + 1, 80)
    ws.merge_range(r + 1, 1, r + 1, 4, GOAL_PLANNED, f["cell"])
    ws.merge_range(r + 1, 5, r + 1, 8, "按照规定指标全部完成。", f["cell"])
    header = r + 2
    for col, text in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                                "偏差原因分析及改进措施"], 1):
        ws.write(header, col, text, f["head"])
    first = header + 1
    data = [list(row) for row in SEED002_ROWS]
    if titled:
        data[-1][4] = "88%"  # the slip: below the ≥90% target, still scored 10, no reason
    last = first + len(data) - 1
    ws.merge_range(header, 0, last, 0, "绩效指标", f["head"])
    spans1 = [(0, 4), (5, 8), (9, 9)]
    spans2 = [(0, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (8, 8), (9, 9)]
    for a, b in spans1:
        _merge_or_write(ws, first + a, 1, first + b, 1, data[a][0], f["center"])
    for a, b in spans2:
        _merge_or_write(ws, first + a, 2, first + b, 2, data[a][1], f["center"])
    for i, row in enumerate(data):
        rr = first + i
        ws.write(rr, 3, row[2], f["cell"])
        _write_value(ws, rr, 4, row[3], f)
        _write_value(ws, rr, 5, row[4], f)
        _write_value(ws, rr, 6, row[5], f)
        _write_value(ws, rr, 7, row[6], f)
        ws.write_blank(rr, 8, None, f["cell"])
    total = last + 1
    ws.merge_range(total, 0, total, 5, "总分", f["head"])
    ws.write_number(total, 6, 100, f["center"])
    ws.write_number(total, 7, 100, f["center"])
    ws.write(total, 8, "等级：优", f["center"])
    ws.merge_range(total + 2, 0, total + 2, 8, "备注：1.“执行率”=“全年执行数”/“全年预算数”；", f["note"])
    ws.merge_range(total + 3, 0, total + 3, 8, "2.总分设置为100分，等级划分为：90分(含)—100分为优，80分(含)—90分为良，"
                   "60分(含)—80分为中，60分以下为差。", f["note"])
    if titled:
        ws.set_landscape()
        ws.repeat_rows(header)
    book.close()


def f_repeated(path: Path) -> None:
    """dept-2023's values, no merged cells: labels repeated on every row; other column order and titles."""
    book, f = _book(path)
    ws = book.add_worksheet("部门整体支出绩效自评表")
    for i, w in enumerate([12, 14, 18, 7, 14, 14, 7, 30]):
        ws.set_column(i, i, w)
    ws.write(0, 0, "某区城市管理局2023年度部门整体支出绩效自评表", f["title"])
    ws.write(1, 0, "部门名称", f["head"])
    ws.write(1, 1, "某区城市管理局", f["cell"])
    ws.write(1, 5, "单位：万元", f["plain"])
    for col, text in enumerate(["项目", "年初预算数", "调整后预算数", "执行数", "分值", "执行率", "得分"]):
        ws.write(2, col, text, f["head"])
    for i, (label, vals) in enumerate([("年度资金总额", (800, 856.4, 842.15, 10, 0.9834, 9.83)),
                                       ("其中：财政拨款", (800, 836.4, 822.15)),
                                       ("上年结转", ()), ("其他资金", (0, 20, 20))]):
        ws.write(3 + i, 0, label, f["cell"])
        for col, value in enumerate(vals, 1):
            ws.write_number(3 + i, col, value, f["pct"] if col == 5 else f["num"])
    header = 8
    for col, text in enumerate(["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "实际完成值", "得分",
                                "偏差原因分析及改进措施"]):
        ws.write(header, col, text, f["head"])
    rows = [
        ("产出指标", "数量指标", "执法案件", 10, "≥100件", "120件", 10, ""),
        ("产出指标", "数量指标", "巡查里程", 10, "≥5000公里", "4800公里", 9.6, "雨季停巡两周，下半年已增加夜间巡查"),
        ("产出指标", "质量指标", "处罚错案率", 10, "≤2%", "1%", 10, ""),
        ("产出指标", "时效指标", "投诉办结及时率", 10, "≥95%", "97%", 10, ""),
        ("产出指标", "成本指标", "执法成本", 10, "不超预算", "未超预算", 10, ""),
        ("效益指标", "社会效益指标", "市容市貌", 15, "整洁、有序、舒适", "明显改善", 14, "部分路段占道经营反复，已建立常态巡查"),
        ("效益指标", "生态效益指标", "扬尘治理达标率", 10, "≥95%", "96%", 10, ""),
        ("效益指标", "可持续影响指标", "长效管理机制", 5, "健全", "已健全", 5, ""),
        ("满意度指标", "服务对象满意度指标", "群众满意度", 10, "≥90%", "93%", 10, ""),
    ]
    for i, row in enumerate(rows):
        rr = header + 1 + i
        for col, value in enumerate(row):
            _write_value(ws, rr, col, value, f)
    total = header + 1 + len(rows)
    ws.write(total, 0, "总分", f["head"])
    ws.write_number(total, 3, 100, f["center"])
    ws.write_number(total, 6, 98.43, f["center"])
    ws.write(total, 7, "优", f["center"])
    book.close()


GOALS_ROWS = [  # 目标, 一级, 三级, 指标值, 实际完成值, 分值, 得分, 偏差原因
    ("目标1（30分）", "产出指标（25分）", "完成城区主次干道及背街小巷", "全部完成", "完成", 5, 5, ""),
    ("目标1（30分）", "产出指标（25分）", "取缔出门出窗占道经营率", "100%", "98%", 5, 4, ""),
    ("目标1（30分）", "产出指标（25分）", "取缔破损广告牌", "100%", "99%", 5, 3, "部分广告牌业主未配合拆除，扣2分"),
    ("目标1（30分）", "产出指标（25分）", "道路绿化率", "98%", "95%", 5, 4, "新建道路绿化未完工"),
    ("目标1（30分）", "产出指标（25分）", "人员着装到岗率", "100%", "100%", 5, 5, ""),
    ("目标1（30分）", "效益指标（5分）", "市民对城区市容市貌满意度", "满意", "基本满意", 5, 5, ""),
    ("目标2（30分）", "产出指标（25分）", "完成督察面积", "≥380平方公里", "380平方公里", 15, 15, ""),
    ("目标2（30分）", "产出指标（25分）", "违规建筑发现率", "100%", "98%", 10, 8, ""),
    ("目标2（30分）", "效益指标（5分）", "市民对发现城区违规建筑满意度", "满意", "基本满意", 5, 5, ""),
    ("目标3（20分）", "产出指标（15分）", "火车站广场清扫面积", "≥2.8万平方米", "2.8万平方米", 5, 5, ""),
    ("目标3（20分）", "产出指标（15分）", "火车站广场整洁率", "100%", "98%", 5, 4, "节假日客流大，保洁不及时"),
    ("目标3（20分）", "产出指标（15分）", "火车站广场设施设备维护率", "100%", "95%", 5, 4, ""),
    ("目标3（20分）", "效益指标（5分）", "市民对火车站广场管理满意度", "满意", "基本满意", 5, 5, ""),
]


def f_goals(path: Path, variant: str = "levels") -> None:
    """Seed 001 as a goal-weighted table: merged 目标 labels, funding 预算数 440 / 执行数 437.21.
    ``levels``: headed 一级/二级/三级指标; ``own-names``: headed with the goal form's own level names
    (绩效目标 | 一级指标 | 三级指标); ``basic``: the seed's own funding breakdown (其中：基本支出)."""
    own = variant == "own-names"
    book, f = _book(path)
    ws = book.add_worksheet("Sheet1")
    for i, w in enumerate([12, 12, 26, 14, 14, 7, 7, 30]):
        ws.set_column(i, i, w)
    ws.merge_range(0, 0, 0, 7, "城管督察大队2022年度部门整体支出绩效自评表", f["title"])
    ws.write(1, 0, "单位名称", f["head"])
    ws.merge_range(1, 1, 1, 7, "城管督察大队", f["cell"])
    for col, text in enumerate(["资金情况（万元）", "", "全年预算数", "全年执行数", "分值", "执行率", "得分"]):
        ws.write(2, col, text, f["head"])
    ws.merge_range(3, 0, 3, 1, "合计", f["cell"])
    for col, (value, fmt) in enumerate([(440, "num"), (437.21, "num"), (20, "center"), (0.994, "pct1"),
                                        (19.88, "num")], 2):
        ws.write_number(3, col, value, f[fmt])
    ws.merge_range(4, 0, 4, 1, "其中：基本支出" if variant == "basic" else "其中：当年财政拨款", f["cell"])
    ws.write_number(4, 2, 440, f["num"])
    ws.write_number(4, 3, 4337.21, f["num"])  # the seed's slip: one digit too many
    header = 6
    levels = ["绩效目标", "一级指标", "三级指标"] if own else ["一级指标", "二级指标", "三级指标"]
    for col, text in enumerate(levels + ["年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]):
        ws.write(header, col, text, f["head"])
    first = header + 1
    spans1, spans2 = {}, {}
    for i, row in enumerate(GOALS_ROWS):
        spans1.setdefault(row[0], [i, i])[1] = i
        spans2.setdefault((row[0], row[1]), [i, i])[1] = i
    for label, (a, b) in spans1.items():
        _merge_or_write(ws, first + a, 0, first + b, 0, label, f["center"])
    for (_, label), (a, b) in spans2.items():
        _merge_or_write(ws, first + a, 1, first + b, 1, label, f["center"])
    for i, row in enumerate(GOALS_ROWS):
        for col, value in enumerate(row[2:], 2):
            _write_value(ws, first + i, col, value, f)
    total = first + len(GOALS_ROWS)
    ws.merge_range(total, 0, total, 4, "总分", f["head"])
    ws.write_number(total, 5, 100, f["center"])
    ws.write_number(total, 6, 93, f["center"])
    ws.write(total, 7, "优秀", f["center"])
    book.close()


def _yunnan_rows():
    """(一级, 二级, 三级 with weight, 实际完成值, 得分, 指标解释, 评价标准, 来源) from the yunnan spec and yunnan-2023."""
    from xltools.filing import load_filing
    from xltools.num import fmt
    from xltools.scoring import score
    filing = load_filing(DATA / "yunnan-2023.yaml")
    card = score(filing)
    spec = {p: leaf for p, leaf in filing.form.leaves()}
    weights = {}
    for path, group in filing.form.groups():
        weights[path] = group.total_weight()
    rows = []
    for r in card.leaves:
        path = r.path
        leaf = spec[path]
        actual = r.actual.display() if r.actual.is_number else (r.actual.text or "")
        if leaf.derive is not None and r.actual.is_number:
            actual = f"{fmt(r.actual.number * 100, 2)}%"
        stated = r.score
        if path[-1] == "固定资产在用率":
            stated = 1  # the slip: full marks typed although 91.78% is below 95%
        rows.append((f"{path[0]}（{fmt(weights[path[:1]])}分）", f"{path[1]}（{fmt(weights[path[:2]])}分）",
                     f"{path[2]}({fmt(leaf.weight)}分)", actual, float(stated), leaf.note or "", leaf.criteria(),
                     leaf.source or ""))
    return rows


def f_yunnan(path: Path, variant: str = "with-actual") -> None:
    """``with-actual``: a 实际完成值 column after 三级指标; ``seed004``: exactly seed 004's columns."""
    seed = variant == "seed004"
    book, f = _book(path)
    ws = book.add_worksheet("评价表")
    for i, w in enumerate([8, 14, 24, 12, 6, 40, 44, 30]):
        ws.set_column(i, i, w)
    ws.merge_range(0, 0, 0, 7, "某市城市管理综合服务中心2023年度部门整体支出绩效评价指标体系及评分表", f["title"])
    ws.write(1, 0, "单位名称", f["head"])
    ws.merge_range(1, 1, 1, 3, "某市城市管理综合服务中心", f["cell"])
    header = 3
    titles = ["一级指标", "二级指标", "三级指标", "实际完成值", "得分", "指标解释", "评价标准", "参考数据来源"]
    if seed:
        titles.remove("实际完成值")
    for col, text in enumerate(titles):
        ws.write(header, col, text, f["head"])
    rows = _yunnan_rows()
    if seed:
        rows = [row[:3] + row[4:] for row in rows]
    first = header + 1
    spans1, spans2 = {}, {}
    for i, row in enumerate(rows):
        spans1.setdefault(row[0], [i, i])[1] = i
        spans2.setdefault((row[0], row[1]), [i, i])[1] = i
    for label, (a, b) in spans1.items():
        _merge_or_write(ws, first + a, 0, first + b, 0, label, f["center"])
    for (_, label), (a, b) in spans2.items():
        _merge_or_write(ws, first + a, 1, first + b, 1, label, f["center"])
    stated_total = 0.0
    sc = 3 if seed else 4  # the 得分 column
    for i, row in enumerate(rows):
        rr = first + i
        ws.write(rr, 2, row[2], f["cell"])
        if not seed:
            _write_value(ws, rr, 3, row[3], f)
        ws.write_number(rr, sc, row[sc], f["center"])
        stated_total += row[sc]
        for col, value in enumerate(row[sc + 1:], sc + 1):
            ws.write(rr, col, value, f["cell"])
    total = first + len(rows)
    ws.merge_range(total, 0, total, sc - 1, "合计", f["head"])
    ws.write_number(total, sc, round(stated_total, 2), f["center"])
    ws.write(total, sc + 1, "优", f["center"])
    book.close()


def f_project(path: Path) -> None:
    book, f = _book(path)
    ws = book.add_worksheet("项目自评表")
    for i, w in enumerate([10, 12, 14, 20, 14, 14, 7, 7, 24]):
        ws.set_column(i, i, w)
    ws.merge_range(0, 0, 0, 8, "项目支出绩效自评表（2023年度）", f["title"])
    ws.write(1, 0, "项目名称", f["head"])
    ws.merge_range(1, 1, 1, 4, "城区道路保洁项目", f["cell"])
    ws.write(1, 5, "主管部门", f["head"])
    ws.merge_range(1, 6, 1, 8, "某区城市管理局", f["cell"])
    for col, text in enumerate(["资金情况（万元）", "", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]):
        ws.write(2, col, text, f["head"])
    ws.merge_range(3, 0, 3, 2, "年度资金总额", f["cell"])
    for col, value in enumerate([300, 320, 320, 10, 1, 10], 3):
        ws.write_number(3, col, value, f["pct0"] if col == 7 else f["num"])
    ws.merge_range(4, 0, 4, 2, "其中：财政拨款", f["cell"])
    for col, value in enumerate([300, 300, 300], 3):
        ws.write_number(4, col, value, f["num"])
    ws.merge_range(5, 0, 5, 2, "上年结转资金", f["cell"])
    for col, value in enumerate([0, 20, 20], 3):
        ws.write_number(5, col, value, f["num"])
    header = 7
    for col, text in enumerate(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                                "偏差原因分析及改进措施"]):
        ws.write(header, col, text, f["head"])
    rows = [
        ("产出指标", "数量指标", "保洁面积", "≥120万平方米", "126万平方米", 20, 22),
        ("产出指标", "质量指标", "机械化清扫率", "≥80%", "82%", 15, 15),
        ("产出指标", "时效指标", "每日保洁时长", "≥16小时", "16小时", 10, 10),
        ("产出指标", "成本指标", "单位面积保洁成本", "≤2.6元/平方米", "2.54元/平方米", 5, 5),
        ("效益指标", "社会效益指标", "道路洁净度达标率", "≥95%", "97%", 20, 20),
        ("效益指标", "可持续影响指标", "作业规范长效机制", "建立", "已建立", 10, 10),
        ("满意度指标", "服务对象满意度指标", "市民满意度", "≥90%", "91%", 10, 10),
    ]
    first = header + 1
    ws.merge_range(header + 1, 0, header + len(rows), 0, "绩效指标", f["head"])
    _merge_or_write(ws, first, 1, first + 3, 1, "产出指标", f["center"])
    _merge_or_write(ws, first + 4, 1, first + 5, 1, "效益指标", f["center"])
    _merge_or_write(ws, first + 6, 1, first + 6, 1, "满意度指标", f["center"])
    for i, row in enumerate(rows):
        rr = first + i
        for col, value in enumerate(row[1:], 2):
            _write_value(ws, rr, col, value, f)
        ws.write_blank(rr, 8, None, f["cell"])
    total = first + len(rows)
    ws.merge_range(total, 0, total, 5, "总分", f["head"])
    ws.write_number(total, 6, 100, f["center"])
    ws.write_number(total, 7, 102, f["center"])
    ws.write(total, 8, "等级：优", f["center"])
    book.close()


def f_unmappable(path: Path) -> None:
    book, f = _book(path)
    ws = book.add_worksheet("评价指标")
    ws.write(0, 0, "2019年度项目支出绩效评价指标评分表", f["title"])
    for col, text in enumerate(["一级指标", "二级指标", "三级指标", "分值", "得分"]):
        ws.write(2, col, text, f["head"])
    rows = [("经济性（20分）", "预算控制", "预算执行率", 10, 10), ("经济性（20分）", "成本控制", "成本节约率", 10, 9),
            ("效率性（40分）", "完成进度", "按期完成率", 20, 20), ("效率性（40分）", "完成质量", "验收合格率", 20, 20),
            ("效果性（40分）", "社会效果", "群众满意度", 40, 38)]
    for i, row in enumerate(rows):
        for col, value in enumerate(row):
            _write_value(ws, 3 + i, col, value, f)
    ws.write(8, 0, "合计", f["head"])
    ws.write_number(8, 4, 97, f["center"])
    book.close()


def f_notable(path: Path) -> None:
    book, f = _book(path)
    ws = book.add_worksheet("预算明细")
    for col, text in enumerate(["项目", "预算数", "执行数", "备注"]):
        ws.write(0, col, text, f["head"])
    for i, (name, b, s) in enumerate([("人员经费", 1253.37, 1253.37), ("日常公用经费", 64.47, 64.47),
                                      ("遗属生活补助", 2.89, 2.89)], 1):
        ws.write(i, 0, name, f["cell"])
        ws.write_number(i, 1, b, f["num"])
        ws.write_number(i, 2, s, f["num"])
    book.close()


FOREIGN = {"seed002": f_seed002, "repeated": f_repeated, "goals": f_goals, "yunnan": f_yunnan,
           "project": f_project, "unmappable": f_unmappable, "notable": f_notable}


# =============================================================================================

def build(only: set[str] | None = None) -> None:
    FILLED.mkdir(exist_ok=True)
    names = [n for n in CASES if only is None or n in only]
    with tempfile.TemporaryDirectory(prefix="xltools-corpus-") as tmp_name:
        tmp = Path(tmp_name)
        bases = write_bases(tmp)
        jobs = []
        for name in names:
            kind, args = RECIPES[name]
            dst = FILLED / name
            if kind == "base":
                shutil.copyfile(bases[args["base"]], dst)
            elif kind == "uno":
                jobs.append({"src": str(bases[args["base"]]), "dst": str(dst), "ops": args["ops"]})
            elif kind == "openpyxl-stale":
                openpyxl_stale(bases[args["base"]], dst, args["set"])
            elif kind == "image-chart":
                image_and_chart(bases[args["base"]], dst, tmp)
            elif kind == "vba":
                vba_button(bases[args["base"]], dst)
            elif kind == "hand":
                HAND[name]["builder"](dst)
            elif kind == "foreign":
                builder = FOREIGN[args["builder"]]
                builder(dst, args["variant"]) if "variant" in args else builder(dst)
            else:
                raise ValueError(kind)
        run_uno(jobs, tmp)
    for name in names:
        print(FILLED / name)
    write_expected()


def write_expected() -> None:
    header = ("# Expectations of the acceptance corpus (tests/corpus/filled/), written by tests/corpus/build.py.\n"
              "# Per file: form, layout, recomputed total and grade, stated total/grade, and the complete list of\n"
              "# issues as [sheet!cell, code]; or the error message a file that cannot be read must give.\n"
              "# xfail: a bug of the reader/checks (the expectation is what should happen).\n")
    body = yaml.safe_dump({"files": list(CASES.values())}, allow_unicode=True, sort_keys=False, width=110)
    EXPECTED.write_text(header + body, encoding="utf-8")


if __name__ == "__main__":
    build(set(sys.argv[1:]) or None)
