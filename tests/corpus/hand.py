"""Foreign tables typed by hand with openpyxl (GitHub issue 13): the way units make them without
our templates — merged and unmerged labels, 小计 rows, provincial forms with their own weights and
renamed leaves, Yunnan without an 实际完成值 column, goal-weighted tables with goal names, units in
㎡/m²/公里, unit and year in titles and colon labels — and the seed reports' tables (000, 001, 003,
004) reconstructed from their text.

Every table is a list of rows typed cell by cell (row 1 first) and a list of merged ranges; each
case's expected total is worked out by hand from the rules in its ``how`` text, and its issues are
named by cell.  ``build.py`` registers :data:`CASES` and writes the files.
"""
from __future__ import annotations

import datetime
from pathlib import Path

S = "自评表"
CREATED = datetime.datetime(2024, 1, 1)
HEAD = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
FUND_HEAD = ["资金情况（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]


def write(path: Path, rows, merges=(), formats=None, sheet=S) -> None:
    """Type ``rows`` into a new workbook: None or "" leaves a cell empty."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value is not None and value != "":
                ws.cell(r, c, value)
    for rng in merges:
        ws.merge_cells(rng)
    for ref, number_format in (formats or {}).items():
        ws[ref].number_format = number_format
    wb.properties.creator = "某单位财务室"
    wb.properties.created = CREATED
    wb.save(path)


def c(cell, code, sheet=S):
    return (f"{sheet}!{cell}", code)


# -- the national table every dept case starts from -------------------------------------------
# rows 1 title · 2 unit · 3 funding header · 4 年度资金总额 · 5 财政拨款 · 6 其他资金 · 7 blank · 8 header
FUND_FULL = [["年度资金总额", None, 500, 500, 500, 10, 1, 10],
             ["其中：当年财政拨款", None, 480, 480, 480],
             ["其他资金", None, 20, 20, 20]]
LEAVES = [  # 一级, 二级, 三级, 指标值, 实际完成值, 分值, 得分, 偏差原因
    ["产出指标（50分）", "数量指标", "巡查次数", "≥1000次", "1200次", 10, 10, None],
    ["产出指标（50分）", "数量指标", "道路清扫面积", "≥150万㎡", "152万㎡", 10, 10, None],
    ["产出指标（50分）", "质量指标", "案件办结率", "≥95%", "98%", 10, 10, None],
    ["产出指标（50分）", "时效指标", "投诉办结及时率", "≥90%", "90%", 10, 10, None],
    ["产出指标（50分）", "成本指标", "执法成本", "不超预算", "未超预算", 10, 10, None],
    ["效益指标（30分）", "社会效益指标", "市容市貌", "整洁、有序", "明显改善", 15, 15, None],
    ["效益指标（30分）", "生态效益指标", "扬尘治理达标率", "≥95%", "96%", 10, 10, None],
    ["效益指标（30分）", "可持续影响指标", "长效管理机制", "健全", "已健全", 5, 5, None],
    ["满意度指标（10分）", "服务对象满意度指标", "群众满意度", "≥90%", "93%", 10, 10, None],
]
GROUPS = [(0, 5), (5, 8), (8, 9)]  # the 一级 groups as [start, end) of LEAVES


def once(leaves):
    """Labels typed once per group, not merged: a label cell is blank when it repeats the row above."""
    out, prev1, prev2 = [], None, None
    for row in leaves:
        row = list(row)
        l1, l2 = row[0], row[1]
        if l1 == prev1:
            row[0] = None
            if l2 == prev2:
                row[1] = None
        prev1, prev2 = l1, l2
        out.append(row)
    return out


def merged(leaves, first):
    """Labels written once and merged over their rows (as Excel's 合并单元格 leaves them)."""
    merges = []
    for col, letter in ((0, "A"), (1, "B")):
        start = 0
        for i in range(1, len(leaves) + 1):
            if i == len(leaves) or leaves[i][:col + 1] != leaves[start][:col + 1]:
                if i - 1 > start:
                    merges.append(f"{letter}{first + start}:{letter}{first + i - 1}")
                start = i
    return once(leaves), merges


def national(title, unit_rows, funding, body, total, merges=(), formats=None, sheet=S):
    rows = [[title], *unit_rows]
    while len(rows) < 2:
        rows.append([])
    rows += [FUND_HEAD, *funding]
    while len(rows) < 7:
        rows.append([])
    rows += [HEAD, *body, total]
    return rows, ["A1:H1", "A3:B3", *merges], formats or {}


CASES: dict[str, dict] = {}


def case(file, how, builder, **expected):
    CASES[file] = {"how": how, "builder": builder, **expected}


# h01 ---------------------------------------------------------------------------------------------
def h01(path):
    body, merges = merged(LEAVES, 9)
    write(path, *national("某区城市管理局2023年度部门整体支出绩效自评表", [["部门名称", "某区城市管理局"]], FUND_FULL,
                          body, ["总分", None, None, None, None, 100, 100, "优"], ["A18:E18", *merges]))


case("h01-dept-merged-sqm.xlsx",
     "National table typed by hand, 一级/二级 labels merged, weights in the 一级 labels (产出指标（50分）), "
     "道路清扫面积 ≥150万㎡ / 152万㎡.  Total by hand: 资金 500/500 = 100% × 10 = 10; leaves all full: "
     "10+10+10+10+10 + 15+10+5 + 10 = 90; 10 + 90 = 100 (优).  Unit from 部门名称 | XX, year from the title.",
     h01, form="dept", total="100", grade="优", stated_total="100", stated_grade="优", issues=[],
     unit="某区城市管理局", year=2023)


# h02 / h03 / h06: 小计 rows -------------------------------------------------------------------
def _with_subtotals(leaves, labels, sums):
    """Insert a 小计 row after each 一级 group; labels: where the word 小计 is typed (column index)."""
    body = []
    for (a, b), col, (w, s) in zip(GROUPS, labels, sums):
        body += once(leaves[a:b])
        row = [None] * 8
        row[col], row[5], row[6] = "小计", w, s
        body.append(row)
    return body


def h02(path):
    body = _with_subtotals(LEAVES, (0, 1, 2), ((50, 50), (30, 30), (10, 10)))
    write(path, *national("2023年度部门整体支出绩效自评表", [["单位名称：某区城管执法大队"]], FUND_FULL, body,
                          ["合计", None, None, None, None, 100, 100, "优"], ["A21:E21"]))


case("h02-dept-labels-once-subtotals.xlsx",
     "Labels typed once per group (not merged) and a 小计 row after each 一级 group (the word in column A, B, "
     "then C; rows 14, 18, 20), 合计 at row 21.  The 小计 rows are sums, not leaves: 产出 10×5 = 50, 效益 "
     "15+10+5 = 30, 满意度 10; total 10 + 90 = 100 (old reader: weights doubled, 190).  Unit from "
     "'单位名称：XX' in one cell, year from the title.",
     h02, form="dept", total="100", grade="优", stated_total="100", stated_grade="优", issues=[],
     unit="某区城管执法大队", year=2023)


def h03(path):
    leaves = [list(r) for r in LEAVES]
    leaves[0][4:8] = ["900次", 10, 9, "上半年执法人员不足，巡查次数减少"]
    body = _with_subtotals(leaves, (0, 0, 0), ((50, 50), (30, 30), (10, 10)))
    write(path, *national("部门整体支出绩效自评表（2023年度）", [["单位名称：", "某区城管执法大队"]], FUND_FULL, body,
                          ["合计", None, None, None, None, 100, 99, "优"], ["A21:E21"]))


case("h03-dept-subtotal-not-updated.xlsx",
     "h02 with 巡查次数 900 of ≥1000 (rule 900/1000×10 = 9, typed 9, reason given) but the 产出 小计 (row 14) "
     "left at 50: parts give 9+10+10+10+10 = 49.  Total by hand 10 + 49 + 30 + 10 = 99, as the 合计 says.",
     h03, form="dept", total="99", grade="优", stated_total="99", stated_grade="优",
     issues=[c("G14", "subtotal-differs")], unit="某区城管执法大队", year=2023)


def h06(path):
    body = _with_subtotals(LEAVES, (0, 0, 0), ((50, 50), (30, 30), (10, 10)))
    write(path, *national("某区城市管理局2023年度部门整体支出绩效自评表", [["部门名称", "某区城市管理局"]], FUND_FULL, body,
                          ["总分", None, None, None, None, 190, 190, "优"], ["A21:E21"]))


case("h06-dept-total-summed-subtotals.xlsx",
     "h02's table whose 总分 row (21) adds the 小计 rows in as well: 分值 190, 得分 190 (10 + 90 + 90).  By hand "
     "the total is 100; a stated 190 is above the 100 points there are (score-exceeds-weight) and disagrees "
     "with the parts (total-differs).",
     h06, form="dept", total="100", grade="优", stated_total="190", stated_grade="优",
     issues=[c("G21", "total-differs"), c("G21", "score-exceeds-weight")], unit="某区城市管理局", year=2023)


# h04: a 二级 weight in its name ------------------------------------------------------------------
def h04(path):
    leaves = [list(r) for r in LEAVES]
    for r in leaves[:2]:
        r[1] = "数量指标（20分）"
    leaves[1][5:7] = [5, 5]
    leaves[2][5:7] = [15, 15]
    body, merges = merged(leaves, 9)
    write(path, *national("某区城市管理局2023年度部门整体支出绩效自评表", [["部门名称", "某区城市管理局"]], FUND_FULL,
                          body, ["总分", None, None, None, None, 100, 100, "优"], ["A18:E18", *merges]))


case("h04-dept-level2-weight-in-name.xlsx",
     "数量指标（20分） (B9, merged B9:B10) holds 巡查次数 10 + 道路清扫面积 5 = 15: weights-sum at B9.  案件办结率 "
     "carries 15 so 产出's leaves still add to 50, but by its 二级 weights 产出指标（50分） (A9) now holds 20 + 15 + 10 "
     "+ 10 = 55: weights-sum at A9 too.  All full: 10 + 50 + 30 + 10 = 100.",
     h04, form="dept", total="100", grade="优", stated_total="100", stated_grade="优",
     issues=[c("B9", "weights-sum"), c("A9", "weights-sum")], unit="某区城市管理局", year=2023)


# h05: units in m² / 公里, 填报单位（盖章）：, 年度：2023 -------------------------------------------
def h05(path):
    leaves = [list(r) for r in LEAVES]
    leaves[0][2:8] = ["巡查里程", "≥5000公里", "4800公里", 10, 9.6, "雨季停巡两周"]
    leaves[1][3:5] = ["≥1500000m²", "152万㎡"]
    body, merges = merged(leaves, 9)
    write(path, *national("部门整体支出绩效自评表", [["填报单位（盖章）：某区环境卫生管理所", None, None, None, None, None,
                                                     "单位：万元"], ["年度：2023"]], FUND_FULL, body,
                          ["总分", None, None, None, None, 100, 99.6, "优"], ["A18:E18", *merges]))


case("h05-dept-km-m2-colon-unit.xlsx",
     "巡查里程 ≥5000公里 / 4800公里: 4800/5000×10 = 9.6 (typed, reason given); 道路清扫面积 ≥1500000m² / 152万㎡ "
     "= 1520000 m² ≥ target: 10.  Total 10 + 49.6 + 30 + 10 = 99.6.  Unit from '填报单位（盖章）：XX' (the "
     "'单位：万元' beside it is not the unit), year from '年度：2023'.",
     h05, form="dept", total="99.6", grade="优", stated_total="99.6", stated_grade="优", issues=[],
     unit="某区环境卫生管理所", year=2023)


# h07: percent-formatted cells --------------------------------------------------------------------
def h07(path):
    leaves = [list(r) for r in LEAVES]
    leaves[2][4], leaves[3][4], leaves[6][4], leaves[8][4] = 0.98, 0.9, 0.96, 0.93
    body, merges = merged(leaves, 9)
    funding = [["年度资金总额", None, 400, 400, 394, 10, 0.975, 9.85], ["其中：当年财政拨款", None, 400, 400, 394]]
    fmts = {"G4": "0.0%", "E11": "0%", "E12": "0%", "E15": "0%", "E17": "0%"}
    write(path, *national("某区城市管理局2023年度部门整体支出绩效自评表", [["部门名称", "某区城市管理局"]], funding,
                          body, ["总分", None, None, None, None, 100, 99.85, "优"], ["A18:E18", *merges], fmts))


case("h07-dept-percent-cells.xlsx",
     "Actual values typed as numbers in percent-formatted cells (E11 98%, E12 90%, E15 96%, E17 93%) and the "
     "执行率 G4 typed 97.5% (format 0.0%) while 394/400 = 98.5%: rate-differs at G4, its message saying "
     "97.5%, not 0.975.  资金 10 × 98.5% = 9.85; leaves full (98% ≥ 95%, 90% ≥ 90%, 96% ≥ 95%, 93% ≥ 90%): 90; "
     "total 99.85.",
     h07, form="dept", total="99.85", grade="优", stated_total="99.85", stated_grade="优",
     issues=[c("G4", "rate-differs")], unit="某区城市管理局", year=2023)


# h08: a 项目支出 table, 年度 in its own cell ----------------------------------------------------
def h08(path):
    leaves = [list(r) for r in LEAVES]
    leaves[2][4:8] = ["90%", 10, 9.47, "部分公厕改造期间停用"]
    body, merges = merged(leaves, 9)
    funding = [["年度资金总额", None, 200, 200, 190, 10, 0.95, 9.5], ["其中：当年财政拨款", None, 200, 200, 190]]
    write(path, *national("项目支出绩效自评表", [["项目名称", "城区公厕保洁项目", None, None, "年度", 2023]], funding,
                          body, ["总分", None, None, None, None, 100, 98.97, "等级：优"], ["A18:E18", *merges],
                          {"G4": "0%"}))


case("h08-project-year-cell.xlsx",
     "项目支出绩效自评表 (title and 项目名称 make it the project form), 年度 | 2023 in cells of row 2.  资金 190/200 = "
     "95% × 10 = 9.5; 案件办结率 90% of ≥95%: 0.90/0.95×10 = 9.473… → 9.47 (typed, reason given); total "
     "9.5 + (50 − 0.53) + 30 + 10 = 98.97.",
     h08, form="project", total="98.97", grade="优", stated_total="98.97", stated_grade="优", issues=[],
     unit="城区公厕保洁项目", year=2023)


# h09: sum rows without a label ---------------------------------------------------------------------
def h09(path):
    body = []
    for (a, b), (w, s) in zip(GROUPS, ((50, 50), (30, 30), (10, 10))):
        body += [list(r) for r in LEAVES[a:b]]
        body.append([None, None, None, None, None, w, s])
    write(path, *national("某区城市管理局2023年度部门整体支出绩效自评表", [["部门名称", "某区城市管理局"]], FUND_FULL, body,
                          ["总分", None, None, None, None, 100, 100, "优"], ["A21:E21"]))


case("h09-dept-unlabelled-sum-rows.xlsx",
     "Labels repeated on every row; after each 一级 group a row with no label holding the group's sums "
     "(rows 14, 18, 20: 50/50, 30/30, 10/10).  They are sums of the rows above, not leaves: total 100.",
     h09, form="dept", total="100", grade="优", stated_total="100", stated_grade="优", issues=[],
     unit="某区城市管理局", year=2023)


# h15: weights not adding to their group ------------------------------------------------------------
def h15(path):
    leaves = [list(r) for r in LEAVES]
    leaves[5][5:7] = [10, 10]
    body, merges = merged(leaves, 9)
    write(path, *national("某区城市管理局2023年度部门整体支出绩效自评表", [["部门名称", "某区城市管理局"]], FUND_FULL,
                          body, ["总分", None, None, None, None, 95, 95, "优"], ["A18:E18", *merges]))


case("h15-dept-weights-not-adding.xlsx",
     "效益指标（30分） (A14) whose leaves weigh 10 + 10 + 5 = 25: weights-sum at A14.  All full: 10 + 50 + 25 + "
     "10 = 95, as typed.",
     h15, form="dept", total="95", grade="优", stated_total="95", stated_grade="优",
     issues=[c("A14", "weights-sum")], unit="某区城市管理局", year=2023)


# -- goal-weighted (seed 001's form) ----------------------------------------------------------------
GOAL_FUND = [["年度资金总额", None, 440, 440, 437.21, 20, 0.994, 19.87],
             ["其中：基本支出", None, 440, 440, 437.21]]
GOAL_LEAVES = [  # 目标, 一级, 三级, 指标值, 实际完成值, 分值, 得分, 原因
    ["G1", "产出指标（25分）", "主次干道及背街小巷保洁", "全部完成", "完成", 5, 5, None],
    ["G1", "产出指标（25分）", "占道经营取缔率", "100%", "100%", 10, 10, None],
    ["G1", "产出指标（25分）", "破损广告牌取缔率", "100%", "100%", 10, 10, None],
    ["G1", "效益指标（5分）", "市民对市容市貌满意度", "满意", "满意", 5, 5, None],
    ["G2", "产出指标（25分）", "完成督察面积", "≥380平方公里", "380km²", 15, 15, None],
    ["G2", "产出指标（25分）", "违规建筑发现率", "100%", "100%", 10, 10, None],
    ["G2", "效益指标（5分）", "市民对违规建筑查处满意度", "满意", "满意", 5, 5, None],
    ["G3", "产出指标（15分）", "火车站广场清扫面积", "≥2.8万平方米", "2.8万㎡", 5, 5, None],
    ["G3", "产出指标（15分）", "火车站广场整洁率", "100%", "100%", 5, 5, None],
    ["G3", "产出指标（15分）", "设施设备维护率", "100%", "100%", 5, 5, None],
    ["G3", "效益指标（5分）", "市民对火车站广场管理满意度", "满意", "满意", 5, 5, None],
]
GOAL_NOTE = ("资金 20 × 437.21/440 (99.37%) = 19.873… → 19.87; 目标1 5+10+10+5 = 30, 目标2 15+10+5 = 30, 目标3 "
             "5+5+5+5 = 20")


def _goals(names, leaves=GOAL_LEAVES):
    return [[names[r[0]], *r[1:]] for r in leaves]


def h10(path):
    names = {"G1": "目标1（30分）市容市貌督察管理", "G2": "目标2（30分）规划督察管理", "G3": "目标3（20分）火车站广场管理"}
    body, merges = merged(_goals(names), 9)
    write(path, *national("城管督察大队2022年度部门整体支出绩效自评表", [["单位名称", "城管督察大队"]], GOAL_FUND, body,
                          ["总分", None, None, None, None, 100, 99.87, "优秀"], ["A20:E20", *merges], {"G4": "0.0%"}))


case("h10-goals-points-then-name.xlsx",
     "Goal cells as seed 001 writes them: '目标1（30分）市容市貌督察管理' (merged), 面积 in 平方公里/km² and 万平方米/万㎡. "
     + GOAL_NOTE + "; total 19.87 + 80 = 99.87 (优秀).",
     h10, form="goals", total="99.87", grade="优秀", stated_total="99.87", stated_grade="优秀", issues=[],
     unit="城管督察大队", year=2022)


def h11(path):
    names = {"G1": "目标1：市容市貌督察管理（30分）", "G2": "目标2：规划督察管理（30分）", "G3": "目标3：火车站广场管理（20分）"}
    leaves = [list(r) for r in GOAL_LEAVES]
    leaves[1][4:8] = ["98%", 10, 9, "部分路段夜市占道反复"]
    body = once(_goals(names, leaves))
    write(path, *national("2022年度部门整体支出绩效自评表", [["填报单位：城管督察大队"]], GOAL_FUND, body,
                          ["总分", None, None, None, None, 100, 98.87, "优秀"], ["A20:E20"], {"G4": "0.0%"}))


case("h11-goals-name-then-points-once.xlsx",
     "Goal cells '目标1：市容市貌督察管理（30分）', labels typed once (not merged).  占道经营取缔率 98% of 100%: rule "
     "0.98×10 = 9.8, typed 9 with a reason: the judgement counts (score-overridden, G10).  " + GOAL_NOTE
     + " − 1 = 79; total 19.87 + 79 = 98.87.",
     h11, form="goals", total="98.87", grade="优秀", stated_total="98.87", stated_grade="优秀",
     issues=[c("G10", "score-overridden")], unit="城管督察大队", year=2022)


def h12(path):
    names = {"G1": "目标一 市容市貌督察管理 (30分)", "G2": "目标二 规划督察管理 (30分)", "G3": "目标三 火车站广场管理 (20分)"}
    body, merges = merged(_goals(names), 9)
    rows, m, fmts = national("城管督察大队2022年度部门整体支出绩效自评表", [["单位名称", "城管督察大队"]], GOAL_FUND, body,
                             ["总分", None, None, None, None, 100, 99.87, "优秀"], ["A20:E20", *merges], {"G4": "0.0%"})
    rows[7] = ["绩效目标", "一级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    write(path, rows, m, fmts)


case("h12-goals-chinese-numerals-own-heads.xlsx",
     "Goal cells '目标一 市容市貌督察管理 (30分)' (Chinese numeral, space, half-width brackets), headed with the goal "
     "form's own level names 绩效目标 | 一级指标 | 三级指标.  " + GOAL_NOTE + "; total 99.87.",
     h12, form="goals", total="99.87", grade="优秀", stated_total="99.87", stated_grade="优秀", issues=[],
     unit="城管督察大队", year=2022)


def h16(path):
    names = {"G1": "目标1（30分）市容市貌督察管理", "G2": "目标2（30分）规划督察管理", "G3": "目标3（20分）火车站广场管理"}
    body = []
    for goal, (w, s) in (("G1", (30, 30)), ("G2", (30, 28)), ("G3", (20, 20))):
        body += once(_goals(names, [r for r in GOAL_LEAVES if r[0] == goal]))
        body.append([None, f"{goal.replace('G', '目标')}小计", None, None, None, w, s])
    write(path, *national("城管督察大队2022年度部门整体支出绩效自评表", [["单位名称", "城管督察大队"]], GOAL_FUND, body,
                          ["总分", None, None, None, None, 100, 99.87, "优秀"], ["A23:E23"], {"G4": "0.0%"}))


case("h16-goals-subtotal-per-goal.xlsx",
     "A '目标N小计' row after each goal (rows 13, 17, 22), labels typed once; 目标2小计 typed 28 while its leaves "
     "give 15 + 10 + 5 = 30: subtotal-differs at G17.  " + GOAL_NOTE + "; total 99.87.",
     h16, form="goals", total="99.87", grade="优秀", stated_total="99.87", stated_grade="优秀",
     issues=[c("G17", "subtotal-differs")], unit="城管督察大队", year=2022)


# -- Hubei with the file's own weights ----------------------------------------------------------------
HB_HEAD = ["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "实际完成值", "得分", "偏差原因分析及改进措施"]
HUBEI_OWN = [  # 一级, 二级, 三级, 分值, 指标值, 实际完成值, 得分, 原因  (own weights: 16/34/30/10/4/6)
    ["运行成本（16分）", "公用经费控制", "公用经费控制率", 5, "≤100%", "85.28%", 5, None],
    [None, "在职人员控制", "在职人员控制率", 5, "≤100%", "100%", 5, None],
    [None, "项目支出成本控制", "会议费控制率", 3, "≤100%", "0%", 3, None],
    [None, None, "三公经费变动率", 3, "≤0%", "0%", 3, None],
    ["管理效率（34分）", "战略管理", "中长期规划相符性", 2, "相符", "相符", 2, None],
    [None, None, "工作计划健全性", 2, "健全", "健全", 2, None],
    [None, "预算编制", "预算编制科学性", 2, "科学", "科学", 2, None],
    [None, None, "预算编制合理性", 2, "合理", "合理", 2, None],
    [None, None, "立项规范性", 2, "规范", "规范", 2, None],
    [None, None, "预算调整率", 2, "≤5%", "3%", 2, None],
    [None, "预算执行", "预算执行率", 5, "≥95%", "92.2%", 4.85, "年末两个项目未完成结算"],
    [None, None, "结转结余率", 2, "≤5%", "4%", 2, None],
    [None, None, "政府采购执行率", 2, "≥95%", "100%", 2, None],
    [None, None, "非税收入预算完成率", 1, "≥100%", "100%", 1, None],
    [None, "绩效管理", "事前绩效评估完成率", 1, "≥100%", "100%", 1, None],
    [None, None, "绩效目标合理性", 2, "合理", "合理", 2, None],
    [None, None, "绩效监控开展率", 1, "≥100%", "100%", 1, None],
    [None, None, "绩效评价覆盖率", 1, "≥100%", "100%", 1, None],
    [None, None, "评价结果应用率", 1, "≥100%", "100%", 1, None],
    [None, "资产管理", "资产管理制度健全性", 1, "健全", "健全", 1, None],
    [None, None, "资产管理规范性", 1, "规范", "规范", 1, None],
    [None, "财务管理", "财务管理制度健全性", 1, "健全", "健全", 1, None],
    [None, None, "会计核算规范性", 1, "规范", "规范", 1, None],
    [None, None, "资金使用合规性", 2, "合规", "合规", 2, None],
    ["履职效能（30分）", "数量", "数量指标完成情况", 15, "≥100%", "100%", 15, None],
    [None, "质量", "质量指标完成情况", 15, "达到质量标准", "达到", 15, None],
    ["社会效应（10分）", "社会效益", "社会效益", 6, "市容环境秩序提升", "明显提升", 6, None],
    [None, "生态效益", "生态效益", 4, "生态环境改善", "改善", 4, None],
    ["可持续发展能力（4分）", "体制机制改革", "体制机制改革成效", 1, "取得成效", "取得成效", 1, None],
    [None, "人才支撑", "业务学习与培训完成率", 2, "≥100%", "100%", 2, None],
    [None, "科技支撑", "信息化建设情况", 1, "按计划推进", "按计划推进", 1, None],
    ["满意度（6分）", "服务对象满意度", "服务对象满意度", 3, "≥95%", "96%", 3, None],
    [None, "联系部门满意度", "联系部门满意度", 3, "≥95%", "96%", 3, None],
]


def _hubei(path, leaves, title, total, head=HB_HEAD, unit_row=None, drop=()):
    keep = [i for i in range(8) if i not in drop]
    rows = [[title], unit_row or ["单位名称：葛店开发区综合执法中心"], [], [head[i] for i in keep]]
    rows += [[r[i] for i in keep] for r in leaves]
    rows.append([["合计", None, None, 100, None, None, total, None][i] for i in keep])
    write(path, rows, ["A1:H1"])


def h13(path):
    _hubei(path, HUBEI_OWN, "2023年度部门整体支出绩效自评表（湖北）", 99.85)


case("h13-hubei-own-weights.xlsx",
     "Hubei table with the unit's own weights (运行成本 16 = 5+5+3+3, 管理效率 34, 履职效能 30, 社会效应 10 = 6+4, "
     "可持续 4, 满意度 6 = 3+3; the shipped defaults are 15/35/30/8/4/8), labels typed once.  The file's weights "
     "count.  预算执行率 92.2% of ≥95% on 5: 0.922/0.95×5 = 4.852… → 4.85 (typed, reason); all else full: "
     "100 − 0.15 = 99.85.",
     h13, form="hubei", total="99.85", grade="优", stated_total="99.85", stated_grade=None, issues=[],
     unit="葛店开发区综合执法中心", year=2023)


def h14(path):
    leaves = [list(r) for r in HUBEI_OWN]
    leaves[2][2] = "会议费 控制率"
    leaves[3][2] = "“三公经费”变动率"
    leaves[28:29] = [["可持续发展能力（4分）", "体制机制改革", "服务体制改革成效", 0.5, "取得成效", "不涉及", 0.5, None],
                     [None, None, "行政管理体制改革成效", 0.5, "取得成效", "不涉及", 0.5, None]]
    leaves[30:31] = [[None, "人才支撑", "业务学习与培训完成率", 1, "≥100%", "100%", 1, None],
                     [None, None, "干部培训人次", 1, "≥200人次", "230人次", 1, None]]
    leaves[33][2:7] = ["服务对象满意度指标", 3, "≥95%", "96%", 4]
    _hubei(path, leaves, "葛店开发区综合执法中心2023年度部门整体支出绩效自评表", 100)


case("h14-hubei-renamed-and-extra-leaves.xlsx",
     "h13's weights with leaves written the unit's way: '会议费 控制率', '“三公经费”变动率', '服务对象满意度指标' (mapped "
     "by tolerant name/alias), 体制机制改革 split into two leaves of 0.5 the form lacks (typed scores: 1), 人才支撑 "
     "= 业务学习与培训完成率 1 + 干部培训人次 ≥200/230人次 1 (a leaf the form lacks, numbers: national rule, 230 ≥ "
     "200 → 1).  预算执行率 as h13 (4.85, reason).  服务对象满意度指标 typed 4 on a weight of 3 (row 38): above "
     "its weight, the rule's 3 counts.  Total 99.85 against the 100 typed in the 合计 row (G40).",
     h14, form="hubei", total="99.85", grade="优", stated_total="100", stated_grade=None,
     issues=[c("G38", "score-exceeds-weight"), c("G40", "total-differs")], year=2023, unit="葛店开发区综合执法中心")


def h17(path):
    leaves = [list(r) for r in HUBEI_OWN]
    leaves[10][6] = 6  # 预算执行率 typed 6 on a weight of 5
    _hubei(path, leaves, "2023年度部门整体支出绩效自评表（湖北）", 101, drop=(4, 5),
           unit_row=["部门名称", "葛店开发区综合执法中心"])


HB_ROWS = range(5, 38)
case("h17-hubei-no-actual-column.xlsx",
     "h13 without 年度指标值/实际完成值 columns (一级 | 二级 | 三级 | 分值 | 得分 | 偏差原因), and 预算执行率 typed 6 on "
     "its weight of 5 (E15).  Scored from the typed scores, each kept within its weight: 99.85 − 4.85 + 5 = 100; "
     "E15 is above its weight; the 合计 typed 101 (the unit's own sum) is above 100 and disagrees (E38); one "
     "rule-not-reapplied review per leaf (rows 5-37: no Hubei leaf is 人工评分) at its 得分 cell.",
     h17, form="hubei", total="100", grade="优", stated_total="101", stated_grade=None,
     issues=[c(f"E{r}", "rule-not-reapplied") for r in HB_ROWS]
     + [c("E15", "score-exceeds-weight"), c("E38", "total-differs"), c("E38", "score-exceeds-weight")],
     unit="葛店开发区综合执法中心", year=2023)


# -- the seed reports' tables, reconstructed from their text -----------------------------------------
def s00(path):
    leaves = [
        ["产出指标（40分）", "数量指标", "查处违法建设案件", "≥16起", "16起", 10, 10, None],
        ["产出指标（40分）", "数量指标", "拆除违法建设面积", "≥6000平方米", "6200m²", 10, 10, None],
        ["产出指标（40分）", "质量指标", "违法建设发现率", "≥98%", "96%", 10, 7, "片区较大，一线执法人员巡察存在死角地段"],
        ["产出指标（40分）", "时效指标", "信访处置回复率", "≥95%", "98%", 10, 10, None],
        ["效益指标（20分）", "经济效益指标", "减少政府拆迁成本", "有效减少", "大大减少", 10, 10, None],
        ["效益指标（20分）", "社会效益指标", "人居环境", "良好", "良好，包装改造地段调研不够", 10, 8, "宣传方式单一，群众法律意识未达理想值"],
        ["满意度指标（20分）", "服务对象满意度指标", "回访满意度", "≥95%", "98%", 10, 10, None],
        ["满意度指标（20分）", "服务对象满意度指标", "管理相对人满意度", "满意", "部分群众不认同", 10, 4, "法律文书规定较宽泛，部分群众不认同执法行为"],
    ]
    body, merges = merged(leaves, 9)
    funding = [["年度资金总额", None, 617.40, 617.40, 617.40, 20, 0.9, 18], ["其中：当年财政拨款", None, 617.40, 617.40, 617.40]]
    write(path, *national("2022年度随州市城市管理执法规划大队整体绩效自评表", [["部门名称", "随州市城市管理执法规划大队"]],
                          funding, body, ["总分", None, None, None, None, 100, 88, "良好"], ["A17:E17", *merges],
                          {"G4": "0%"}))


case("s00-seed000-level-weighted.xlsx",
     "Seed 000 (随州 规划大队, level-weighted 产出40/效益20/满意度20/资金20) as its report states it: 617.40 of "
     "617.40 spent, '执行率90%' and 88 分.  By hand: 资金 617.40/617.40 = 100% × 20 = 20 (the typed 90% and 18 "
     "are slips: rate-differs G4, funding-score-differs H4); 产出 10 + 10 + 7 (发现率 96% of ≥98%: rule "
     "0.96/0.98×10 = 9.80, the unit's 7 with a reason counts: score-overridden G11) + 10 = 37 (the report's 37); "
     "效益 10 + 8 (定性, reason) = 18; 满意度 10 + 4 (定性, reason) = 14; total 20 + 37 + 18 + 14 = 89, not the "
     "stated 88 (total-differs G17): the report's parts do not add up to its total.  89 is 良, as stated (良好).",
     s00, form="dept", total="89", grade="良", stated_total="88", stated_grade="良好",
     issues=[c("G4", "rate-differs"), c("H4", "funding-score-differs"), c("G11", "score-overridden"),
             c("G17", "total-differs")], unit="随州市城市管理执法规划大队", year=2022)


SEED001 = [
    ["G1", "产出指标（25分）", "完成城区主次干道及背街小巷", "全部完成", "完成", 5, 5, None],
    ["G1", "产出指标（25分）", "取缔出门出窗占道经营率", "100%", "98%", 5, 4, None],
    ["G1", "产出指标（25分）", "取缔破损广告牌", "100%", "99%", 5, 3, "部分广告牌业主未配合拆除"],
    ["G1", "产出指标（25分）", "道路绿化率", "98%", "95%", 5, 4, "新建道路绿化未完工"],
    ["G1", "产出指标（25分）", "人员着装到岗率", "100%", "100%", 5, 5, None],
    ["G1", "效益指标（5分）", "市民对城区市容市貌满意度", "满意", "基本满意", 5, 5, None],
    ["G2", "产出指标（25分）", "完成督察面积", "≥380平方公里", "380平方公里", 15, 15, None],
    ["G2", "产出指标（25分）", "违规建筑发现率", "100%", "98%", 10, 8, None],
    ["G2", "效益指标（5分）", "市民对发现城区违规建筑满意度", "满意", "基本满意", 5, 5, None],
    ["G3", "产出指标（15分）", "火车站广场清扫面积", "≥2.8万平方米", "2.8万平方米", 5, 5, None],
    ["G3", "产出指标（15分）", "火车站广场整洁率", "100%", "98%", 5, 4, "节假日客流大，保洁不及时"],
    ["G3", "产出指标（15分）", "火车站广场设施设备维护率", "100%", "95%", 5, 4, None],
    ["G3", "效益指标（5分）", "市民对火车站广场管理满意度", "满意", "基本满意", 5, 5, None],
]


def s01(path):
    names = {"G1": "目标1（30分）市容市貌督察管理", "G2": "目标2（30分）规划督察管理", "G3": "目标3（20分）火车站广场管理"}
    body = once(_goals(names, SEED001))
    funding = [["年度资金总额", None, 440, 440, 437.21, 20, 0.994, None],
               ["其中：基本支出", None, 440, 440, 4337.21], ["项目支出", None, 0, 0, 0]]
    write(path, *national("2022年度城管督察大队部门整体绩效自评表", [["单位名称：城管督察大队"]], funding, body,
                          ["总分", None, None, None, None, 100, 93, None], ["A22:E22"], {"G4": "0.0%"}))


case("s01-seed001-goals.xlsx",
     "Seed 001 (城管督察大队) as its report writes it: goal cells '目标1（30分）市容市貌督察管理' typed once, 基本支出 "
     "4337.21 of a 437.21 total (E5: above the total and above its 440 budget), stated 93.  By hand: 资金 20 × "
     "437.21/440 = 19.873… → 19.87 (99.4% agrees at its precision); 目标1 5 + 4.9 (98%×5; typed 4 without a "
     "reason: G10/H10) + 3 (rule 4.95, reason: G11) + 4 (rule 95/98×5 = 4.85, reason: G12) + 5 + 5 = 26.9; 目标2 "
     "15 + 9.8 (98%×10; typed 8 without a reason: G16/H16) + 5 = 29.8; 目标3 5 + 4 (rule 4.9, reason: G19) + "
     "4.75 (95%×5; typed 4 without a reason: G20/H20) + 5 = 18.75; total 19.87 + 26.9 + 29.8 + 18.75 = 95.32, "
     "not 93 (G22).",
     s01, form="goals", total="95.32", grade="优秀", stated_total="93", stated_grade=None,
     issues=[c("E5", "spent-exceeds-budget"), c("E5", "subamount-exceeds-total"),
             c("G10", "score-differs-from-rule"), c("H10", "missing-reason"), c("G11", "score-overridden"),
             c("G12", "score-overridden"), c("G16", "score-differs-from-rule"), c("H16", "missing-reason"),
             c("G19", "score-overridden"), c("G20", "score-differs-from-rule"), c("H20", "missing-reason"),
             c("G22", "total-differs")], unit="城管督察大队", year=2022)


SEED003 = [
    ["运行成本（15分）", "公用经费控制", "公用经费控制率", 5, "≤100%", "85.28%", 5, None],
    [None, "在职人员控制", "在职人员控制率", 4, "≤100%", "100%", 4, None],
    [None, "项目支出成本控制", "会议费控制率", 3, "≤100%", "0%", 3, None],
    [None, None, "三公经费变动率", 3, "≤0%", "0%", 3, None],
    ["管理效率（35分）", "战略管理", "中长期规划相符性", 2, "与中长期规划相符", "未编制中长期规划", 0, "2023年单位未编制中长期规划"],
    [None, None, "工作计划健全性", 2, "健全", "工作计划健全", 2, None],
    [None, "预算编制", "预算编制科学性", 2, "测算依据充分", "相对较科学", 1.5, "不确定性较大的项目未能提供充分测算依据"],
    [None, None, "预算编制合理性", 2, "按标准合理测算", "相对较合理", 1.5, "部分项目测算标准不够明确"],
    [None, None, "立项规范性", 2, "按规定程序立项", "规范", 2, None],
    [None, None, "预算调整率", 2, "≤5%", "5.67%", 1.73, "财政下达指标较年初预算调减156万元"],
    [None, "预算执行", "预算执行率", 6, "≥95%", "92.20%", 5.82, "部分项目未完成支付"],
    [None, None, "结转结余率", 2, "≤5%", "7.80%", 0.88, "预算执行率未达95%"],
    [None, None, "政府采购执行率", 2, "≥95%", "90.96%", 1.91, "采购实际支出少于年初预算"],
    [None, None, "非税收入预算完成率", 1, "不涉及", "不涉及", 1, None],
    [None, "绩效管理", "事前绩效评估完成率", 1, "不涉及", "不涉及", 1, None],
    [None, None, "绩效目标合理性", 2, "合理", "较合理", 2, None],
    [None, None, "绩效监控开展率", 1, "≥100%", "100%", 1, None],
    [None, None, "绩效评价覆盖率", 1, "≥100%", "100%", 1, None],
    [None, None, "评价结果应用率", 1, "≥100%", "100%", 1, None],
    [None, "资产管理", "资产管理制度健全性", 1, "制度健全", "较健全", 1, None],
    [None, None, "资产管理规范性", 1, "台账完整、程序合规", "符合要求", 1, None],
    [None, "财务管理", "财务管理制度健全性", 1, "制度健全", "较健全", 1, None],
    [None, None, "会计核算规范性", 1, "符合政府会计制度", "规范", 1, None],
    [None, None, "资金使用合规性", 2, "审批完整、用途合规", "合规", 2, None],
    ["履职效能（30分）", "数量", "数量指标完成情况", 15, "≥100%", "100%", 15, None],
    [None, "质量", "质量指标完成情况", 15, "达到质量标准", "市容环境秩序得到提升", 15, None],
    ["社会效应（8分）", "社会效益", "社会效益", 5, "市容环境秩序提升", "有效提升", 5, None],
    [None, "生态效益", "生态效益", 3, "生态环境改善", "退菜还绿120余处", 3, None],
    ["可持续发展能力（4分）", "体制机制改革", "服务体制改革成效", 0.5, "取得成效", "不涉及", 0.5, None],
    [None, None, "行政管理体制改革成效", 0.5, "取得成效", "不涉及", 0.5, None],
    [None, "人才支撑", "业务学习与培训完成率", 1, "≥100%", "100%", 1, None],
    [None, None, "干部队伍体系建设规划情况", 0.5, "按规划推进", "不涉及", 0.5, None],
    [None, None, "高学历、高层次人才储备率", 0.5, "按规划储备", "不涉及", 0.5, None],
    [None, "科技支撑", "信息化建设情况", 1, "按计划推进", "未开展信息化建设", 0, "2023年无信息化建设项目"],
    ["满意度（8分）", "服务对象满意度", "服务对象满意度", 4, "≥95%", "95%", 4, None],
    [None, "联系部门满意度", "联系部门满意度", 4, "≥95%", "95%", 4, None],
]


def s03(path):
    _hubei(path, SEED003, "2023年度鄂州葛店经济技术开发区综合执法中心部门整体绩效自评表", 94.34,
           unit_row=["填报单位（盖章）：鄂州葛店经济技术开发区综合执法中心"])


case("s03-seed003-hubei.xlsx",
     "Seed 003 (葛店 综合执法中心, Hubei) with the leaves its report names — 体制机制改革 as 服务/行政管理体制改革成效, "
     "人才支撑 with two leaves the form lacks (typed scores) — the shipped default weights, and its figures. "
     "By hand: 运行成本 5 + 4 + 3 + 3 = 15 (85.28% ≤ 100%, 0% ≤ 0%); 管理效率 0 + 2 + 1.5 + 1.5 + 2 + 1.73 "
     "(5.67% vs ≤5%: (1 − 0.67/5)×2 = 1.732) + 5.82 (92.20/95×6 = 5.823) + 0.88 ((1 − 2.8/5)×2) + 1.91 "
     "(90.96/95×2 = 1.915) + 1 + 1 + 2 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 2 = 30.34; 履职效能 30; 社会效应 8; 可持续 "
     "0.5 + 0.5 + 1 + 0.5 + 0.5 + 0 = 3; 满意度 8; total 94.34, as typed.",
     s03, form="hubei", total="94.34", grade="优", stated_total="94.34", stated_grade=None, issues=[],
     unit="鄂州葛店经济技术开发区综合执法中心", year=2023)


SEED004 = [  # 一级, 二级, 三级 as the seed writes it (weights in names), 得分
    ("投入", "绩效目标管理", "绩效目标可行性(2分)", 2), ("投入", "绩效目标管理", "绩效目标完整性(2分)", 2),
    ("投入", "绩效目标管理", "绩效目标合理性(3分)", 3), ("投入", "绩效目标管理", "绩效目标明确性(3分)", 3),
    ("投入", "部门职能职责(10分)", "部门职能职责的明确性", 1), ("投入", "部门职能职责(10分)", "年度工作目标与职能的匹配性", 4),
    ("投入", "部门职能职责(10分)", "年度具体工作与职能的匹配性", 4),
    ("投入", "部门职能职责(10分)", "部门内设科室及下属单位职责明确性", 1),
    ("投入", "预算配置", "人员类、运转类公用经费项目预算编制合理性", 2), ("投入", "预算配置", "特定目标类项目预算编制合理性", 3),
    ("投入", "预算配置", "在职人员控制率(1分)", 1), ("投入", "预算配置", "“三公经费”变动率(1分)", 1),
    ("投入", "预算配置", "重点项目支出安排率(3分)", 3),
    ("过程", "预算执行(9分)", "预算完成率(2分)", 2), ("过程", "预算执行(9分)", "预算调整率(2分)", 2),
    ("过程", "预算执行(9分)", "“三公经费”控制率(1分)", 1), ("过程", "预算执行(9分)", "支出进度率(1分)", 1),
    ("过程", "预算执行(9分)", "公用经费控制率(2分)", 2), ("过程", "预算执行(9分)", "政府采购执行率(1分)", 1),
    ("过程", "预算管理", "财务管理制度健全性(1分)", 1), ("过程", "预算管理", "资金使用合规性(4分)", 4),
    ("过程", "预算管理", "财务监管(1分)", 1), ("过程", "预算管理", "预决算信息公开性和完善性(3分)", 3),
    ("过程", "资产管理", "资产管理制度健全性(1分)", 1), ("过程", "资产管理", "固定资产在用率(1分)", 1),
    ("产出", "履职履责", "考核任务实际完成率(7分)", 7), ("产出", "履职履责", "完成及时率(7分)", 7),
    ("产出", "履职履责", "质量达标率(7分)", 7), ("产出", "履职履责", "重点工作办结率(7分)", 7),
    ("效果", "效果效益", "经济效益(4分)", 4), ("效果", "效果效益", "社会效益(4分)", 4),
    ("效果", "效果效益", "生态效益(4分)", 4), ("效果", "效果效益", "可持续影响(4分)", 4),
    ("效果", "满意度", "服务对象满意度(2分)", 1.5),
]
#: Leaves the Yunnan form scores by 人工评分 (its YAML: rule kind manual): their rule needs no value.
SEED004_MANUAL = {"绩效目标完整性", "绩效目标合理性", "绩效目标明确性", "部门职能职责的明确性", "年度工作目标与职能的匹配性",
                  "年度具体工作与职能的匹配性", "财务管理制度健全性", "财务监管", "预决算信息公开性和完善性", "资产管理制度健全性"}


def s04(path):
    rows = [["安宁市城市管理综合服务中心2023年度部门整体支出绩效评价指标体系及评分表"],
            ["一级指标", "二级指标", "三级指标", "得分", "指标解释", "评价标准", "参考数据来源"]]
    rows += [[None, None, name, score] for _, _, name, score in SEED004]
    rows.append(["合计", None, "100分", 95.5])
    first = 3
    leaves = [[a, b] for a, b, _, _ in SEED004]
    merges = merged(leaves, first)[1]
    for i, (a, b, _, _) in enumerate(SEED004):
        if i == 0 or SEED004[i - 1][0] != a:
            rows[first - 1 + i][0] = a
        if i == 0 or SEED004[i - 1][:2] != (a, b):
            rows[first - 1 + i][1] = b
    write(path, rows, ["A1:G1", "A37:B37", *merges], sheet="评价表")


case("s04-seed004-yunnan-official.xlsx",
     "Seed 004 (安宁, Yunnan) with exactly its columns — no 分值, no 实际完成值, weights in the names where the seed "
     "writes them; the 产出 and 效果效益 leaves, which the seed prints without one, carry the weight their full "
     "scores show (7 and 4).  Unit and year from the title only.  By hand: weights 投入 10 + 10 + 10 = 30, 过程 "
     "9 + 9 + 2 = 20, 产出 4×7 = 28, 效果 4×4 + 2 = 18: 96, not 100 (total-weight at the 合计 row's '100分', "
     "C37); scored from typed scores: 95.5 (all full but 服务对象满意度 1.5 of 2, no reason column: missing-reason "
     "D36); one rule-not-reapplied per leaf whose rule is not 人工评分.",
     s04, form="yunnan", total="95.5", grade="优", stated_total="95.5", stated_grade=None,
     issues=[c(f"D{3 + i}", "rule-not-reapplied", "评价表") for i, (_, _, n, _) in enumerate(SEED004)
             if n.split("(")[0] not in SEED004_MANUAL]
     + [c("D36", "missing-reason", "评价表"), c("C37", "total-weight", "评价表")],
     unit="安宁市城市管理综合服务中心", year=2023)


# h18: each group's own row above its leaves, with its weight and score --------------------------------
def h18(path):
    body = []
    for (a, b), (name, w, sc) in zip(GROUPS, (("产出指标", 50, 49), ("效益指标", 30, 30), ("满意度指标", 10, 10))):
        body.append([name, None, None, None, None, w, sc, None])
        for r in LEAVES[a:b]:
            body.append([None, *r[1:]])
    body[1][4:8] = ["900次", 10, 9, "上半年执法人员不足"]
    write(path, *national("某区城市管理局2023年部门整体支出绩效自评表", [["部门名称：某区城市管理局"]], FUND_FULL, body,
                          ["总分", None, None, None, None, 100, 98, "优"], ["A21:E21"]))


case("h18-dept-group-rows-with-weights.xlsx",
     "Each 一级 group typed on its own row above its leaves with its weight and score (产出指标 | 50 | 49 at row 9, "
     "效益指标 30/30 at 15, 满意度指标 10/10 at 19), no weights in the labels, '2023年' (no 度) in the title. "
     "巡查次数 900 of ≥1000: 9 (reason).  By hand: 10 + (9+10+10+10+10 = 49) + 30 + 10 = 99; the 总分 typed 98 "
     "disagrees (G21).",
     h18, form="dept", total="99", grade="优", stated_total="98", stated_grade="优",
     issues=[c("G21", "total-differs")], unit="某区城市管理局", year=2023)


# h19: weights typed as text --------------------------------------------------------------------------
def h19(path):
    leaves = [list(r) for r in LEAVES]
    leaves[0][5] = "十分"  # not a number
    leaves[1][5] = "10分"  # a number with its unit: read as 10
    body, merges = merged(leaves, 9)
    write(path, *national("某区城市管理局2023年度部门整体支出绩效自评表", [["部门名称", "某区城市管理局"]], FUND_FULL,
                          body, ["总分", None, None, None, None, 100, 100, "优"], ["A18:E18", *merges]))


case("h19-dept-weights-typed-as-text.xlsx",
     "巡查次数's 分值 typed '十分' (F9: not a number, so its weight is 0: the typed 10 is above it, G9, and 产出指标（50分） "
     "holds 0 + 10 + 10 + 10 + 10 = 40, A9); 道路清扫面积's '10分' (F10) is a number with its unit and counts 10. "
     "By hand: 10 + 40 + 30 + 10 = 90 (优), not the typed 100 (G18).",
     h19, form="dept", total="90", grade="优", stated_total="100", stated_grade="优",
     issues=[c("F9", "not-a-number"), c("G9", "score-exceeds-weight"), c("A9", "weights-sum"),
             c("G18", "total-differs")], unit="某区城市管理局", year=2023)
