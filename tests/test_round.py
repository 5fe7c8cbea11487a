"""The bureau's whole round (issue 16): a 40-unit list with codes → ``distribute --year 2024`` → 30
units send something back (renamed, another year, not on the list, twice, unreadable) →
``collect --units``: who has not submitted, each flag on its row, the codes carried through.

The list is made by hand as a bureau exports it (openpyxl .xlsx with a title row; the same as a GBK
CSV); returned files are filled with openpyxl as a unit's tool would."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

import libreoffice
from xltools import api
from test_bureau import _main
from xltools.roster import Roster, Unit

KINDS = ["财政局", "卫生服务中心", "城市管理局", "自来水有限公司", "文化馆"]
UNITS = [(f"4301{i:03d}", f"某某县第{i}{KINDS[i % len(KINDS)]}") for i in range(1, 41)]
LEAVES = [("产出指标", "数量指标", "巡查次数", "≥100次", 50), ("效益指标", "社会效益指标", "投诉办结率", "≥98%", 30),
          ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", 10)]


def write_list_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(["2024年度部门整体支出绩效自评单位名单（县财政局绩效股）"])
    ws.merge_cells("A1:F1")
    ws.append(["序号", "单位编码", "单位名称", "表式", "全年预算数（万元）", "全年执行数（万元）"])
    for i, (code, name) in enumerate(UNITS, 1):
        ws.append([i, code, name, "部门整体", 1000, 950 + i])
    wb.save(path)
    return path


def write_list_gbk_csv(path: Path) -> Path:
    with open(path, "w", encoding="gbk", newline="") as f:
        w = csv.writer(f)
        w.writerow(["2024年度部门整体支出绩效自评单位名单"])
        w.writerow(["序号", "单位编码", "单位名称", "表式", "全年预算数（万元）", "全年执行数（万元）"])
        for i, (code, name) in enumerate(UNITS, 1):
            w.writerow([i, code, name, "部门整体", "1,000.00", f"{950 + i:.2f}"])
    return path


def write_indicators(path: Path) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["单位名称", "一级指标", "二级指标", "三级指标", "年度指标值", "分值"])
        for _, name in UNITS:
            for row in LEAVES:
                w.writerow([name, *row])
    return path


def _cell(wb, name):
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    c, r, _, _ = range_boundaries(ref.replace("$", ""))
    return wb[sheet].cell(r, c)


def fill(path: Path, **header) -> None:
    """Type the actual values (all at target) and, as asked, another 单位/编码/年度 in the header."""
    wb = openpyxl.load_workbook(path)
    sheet, ref = next(iter(wb.defined_names["XL_IND_L3"].destinations))
    ws = wb[sheet]
    c3, r1, _, r2 = range_boundaries(ref.replace("$", ""))
    actual_col = range_boundaries(next(iter(wb.defined_names["XL_IND_ACTUAL"].destinations))[1].replace("$", ""))[0]
    values = {"巡查次数": 120, "投诉办结率": 0.99, "群众满意度": 0.93}
    for r in range(r1, r2 + 1):
        if ws.cell(r, c3).value in values:
            ws.cell(r, actual_col).value = values[ws.cell(r, c3).value]
    for name, value in header.items():
        _cell(wb, name).value = value
    wb.save(path)


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    root = tmp_path_factory.mktemp("round")
    units_xlsx, units_csv = write_list_xlsx(root / "名单.xlsx"), write_list_gbk_csv(root / "名单.csv")
    indicators = write_indicators(root / "指标.csv")
    out = root / "发出"
    assert _main(["distribute", str(units_csv), "-o", str(out), "--indicators", str(indicators), "--quiet"]) == 2
    assert not out.exists()  # no 年度 column, no --year: nothing written
    assert _main(["distribute", str(units_csv), "-o", str(out), "--indicators", str(indicators), "--year", "2024",
                  "--quiet", "--workers", "2"]) == 0
    manifest = {r["单位"]: r for r in csv.DictReader(open(out / "manifest.csv", encoding="utf-8-sig"))}
    sent = {code: out / manifest[name]["文件"] for code, name in UNITS}
    back = root / "收回"
    (back / "旧").mkdir(parents=True)
    files = {}
    for i, (code, name) in enumerate(UNITS[:30], 1):
        target = back / (f"{code}-{name}-自评表定稿.xlsx" if i % 3 == 0 else sent[code].name)  # some renamed
        shutil.copy(sent[code], target)
        files[i] = target
    fill(files[1])
    fill(files[2], XL_CODE=None)  # the unit cleared its code: matched by name, code from the list
    fill(files[3], XL_CODE=None, XL_UNIT="某某县第3自来水公司")  # not 有限公司, no code: the only such unit
    fill(files[4], XL_CODE=None, XL_UNIT=" 某某县第４ 文化馆 ")  # spaces, a full-width digit
    fill(files[9], XL_CODE="9999999")  # another code: matched by name, flagged
    for i in (5, 6, 7, 8) + tuple(range(10, 30)):
        fill(files[i])
    # the same unit twice: the older file, then the newer one
    shutil.copy(files[5], back / "旧" / "第5-初稿.xlsx")
    os.utime(back / "旧" / "第5-初稿.xlsx", (1_700_000_000, 1_700_000_000))
    # a 2021 file of unit 12 (its 2024 file is there too)
    shutil.copy(files[12], back / "旧" / "2021年自评表.xlsx")
    fill(back / "旧" / "2021年自评表.xlsx", XL_YEAR=2021)
    # a unit not on the list (another county's file)
    shutil.copy(files[1], back / "外县单位.xlsx")
    fill(back / "外县单位.xlsx", XL_UNIT="外县某某局", XL_CODE="5101001")
    # unit 30's file cannot be read (cut in half), named as distributed
    data = files[30].read_bytes()
    files[30].write_bytes(data[: len(data) // 2])
    summary = root / "汇总.xlsx"
    code = _main(["collect", str(back), "--units", str(units_xlsx), "--year", "2024", "-o", str(summary), "--json",
                  "--quiet", "--workers", "2"])
    return {"root": root, "out": out, "back": back, "summary": summary, "code": code, "files": files,
            "units_csv": units_csv, "units_xlsx": units_xlsx, "indicators": indicators, "manifest": manifest}


def _sheet(path, name, header=0):
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    return [dict(zip(rows[header], r)) for r in rows[header + 1:]]


def test_distribute_writes_code_and_year_into_every_template(round_):
    manifest = round_["manifest"]
    assert len(manifest) == 40 and all(r["状态"] == "已生成" and r["年度"] == "2024" for r in manifest.values())
    assert [(r["编码"], r["单位"]) for r in manifest.values()] == UNITS
    code, name = UNITS[6]
    result = api.check_workbook(round_["out"] / manifest[name]["文件"])
    assert (result.filing.code, result.filing.year, result.filing.unit) == (code, 2024, name)
    wb = openpyxl.load_workbook(round_["out"] / manifest[name]["文件"])
    title = wb["自评表"]["A1"].value
    assert title.startswith("2024年度") and "＿" not in title
    assert _cell(wb, "XL_CODE").value == code  # printed in the header, beside its label
    row = [c.value for c in wb["自评表"][_cell(wb, "XL_CODE").row]]
    assert "单位编码" in row and name in row and 2024 in row


def test_distribute_from_the_xlsx_list_gives_the_same_manifest(round_, tmp_path):
    assert _main(["distribute", str(round_["units_xlsx"]), "-o", str(tmp_path / "o"), "--year", "2024", "--quiet",
                  "--workers", "1"]) == 0
    again = list(csv.DictReader(open(tmp_path / "o" / "manifest.csv", encoding="utf-8-sig")))
    assert [(r["编码"], r["单位"], r["年度"]) for r in again] == [(c, n, "2024") for c, n in UNITS]


def test_missing_lists_exactly_the_units_with_no_file(round_):
    missing = _sheet(round_["summary"], "未交")
    assert [(r["编码"], r["单位"]) for r in missing] == UNITS[30:]  # exactly the 10, in list order
    assert [r["名单行"] for r in missing] == list(range(33, 43))  # rows as Excel shows them (title, header)
    head = openpyxl.load_workbook(round_["summary"])["打印汇总"]["A2"].value
    assert "名单 40 个单位，已交 30，未交 10" in head


def test_each_flag_is_on_its_row_and_in_the_issue_list(round_):
    rows = {Path(r["文件"]).name: r for r in _sheet(round_["summary"], "汇总") if r["文件"]}
    issues = _sheet(round_["summary"], "问题清单")

    def codes(name):
        return {i["代码"] for i in issues if Path(i["文件"]).name == name}
    other_year = rows["2021年自评表.xlsx"]
    assert other_year["核对"] == "年度不符" and other_year["排名"] is None and "year-differs" in codes("2021年自评表.xlsx")
    assert other_year["状态"] == "有错误"
    foreign = rows["外县单位.xlsx"]
    assert foreign["核对"] == "不在名单" and foreign["排名"] is None and "unit-not-listed" in codes("外县单位.xlsx")
    recoded = rows[round_["files"][9].name]
    assert recoded["核对"] == "编码不符" and recoded["排名"] is not None and "code-differs" in codes(round_["files"][9].name)
    older, newer = rows["第5-初稿.xlsx"], rows[round_["files"][5].name]
    assert older["状态"] == "已被替代" and f"已被较新的 {Path(newer['文件']).name} 替代" in older["原因"]
    assert older["排名"] is None and newer["排名"] is not None
    unreadable = rows[round_["files"][30].name]
    assert unreadable["状态"] == "无法读取" and (unreadable["编码"], unreadable["单位"]) == UNITS[29]
    flagged = {n for n, r in rows.items() if r["核对"]}  # nothing else: renamed files, tolerant names
    assert flagged == {"2021年自评表.xlsx", "外县单位.xlsx", round_["files"][9].name}
    assert round_["code"] == 1  # errors (the 2021 file, the unreadable one): exit 1


def test_codes_are_carried_through(round_):
    rows = _sheet(round_["summary"], "汇总")
    listed = dict((n, c) for c, n in UNITS)
    by_file = {Path(r["文件"]).name: r for r in rows if r["文件"]}
    for i, path in round_["files"].items():
        code, name = UNITS[i - 1]
        assert by_file[path.name]["编码"] == (code if i != 9 else "9999999"), path.name
    # matched by a tolerant name: the list's code fills in
    assert by_file[round_["files"][3].name]["单位"] == "某某县第3自来水公司"
    assert not by_file[round_["files"][3].name]["核对"]
    printed = _sheet(round_["summary"], "打印汇总", header=2)
    assert all(r["编码"] == listed[r["单位"]] for r in printed if r["单位"] in listed and r["单位"] != UNITS[8][1])


def test_printable_summary_has_the_essential_columns_and_status_words(round_):
    printed = _sheet(round_["summary"], "打印汇总", header=2)
    assert list(printed[0]) == ["序号", "单位", "编码", "表式", "填报总分", "重新计算总分", "等级", "执行率", "错误",
                                "待补充", "状态"]
    assert [r["序号"] for r in printed] == list(range(1, len(printed) + 1))
    assert {r["表式"] for r in printed if r["状态"] not in ("未交", "无法读取")} == {"部门整体支出"}
    assert {r["状态"] for r in printed} <= {"通过", "需补充说明", "有错误", "无法读取", "未交", "已被替代"}
    assert sum(r["状态"] == "未交" for r in printed) == 10 and len(printed) == 33 + 10
    totals = [r["重新计算总分"] for r in printed]
    ranked = [t for t, r in zip(totals, _sheet(round_["summary"], "汇总")) if r["排名"] is not None]
    assert ranked == sorted(ranked, reverse=True)


def test_json_is_one_document_per_file_plus_the_missing(round_, capsys):
    out = round_["root"] / "j.xlsx"
    assert _main(["collect", str(round_["back"]), "--units", str(round_["units_csv"]), "--year", "2024", "-o",
                  str(out), "--json", "--quiet", "--workers", "1"]) == 1
    docs = json.loads(capsys.readouterr().out)
    assert len(docs) == 33 + 10
    missing = [d for d in docs if d["summary"]["status"] == "missing"]
    assert [d["summary"]["code"] for d in missing] == [c for c, _ in UNITS[30:]]
    assert all(d["source"] is None and d["error"]["code"] == "not-submitted" for d in missing)
    by_name = {Path(d["source"]).name: d for d in docs if d["source"]}
    doc = by_name["外县单位.xlsx"]
    assert doc["summary"]["flags"] == ["unit-not-listed"] and doc["summary"]["rank"] is None
    assert doc["issues"][-1]["code"] == "unit-not-listed" and doc["issues"][-1]["severity"] == "review"
    checked = api.check_workbook(round_["files"][1]).to_dict()
    mine = by_name[round_["files"][1].name]
    assert {k: mine[k] for k in checked} == checked  # the same as `check --json`
    assert set(mine["summary"]) >= {"rank", "unit", "code", "year", "form", "total", "grade", "errors", "reviews",
                                    "status", "flags", "deductions"}


def test_roster_matching_is_tolerant_only_where_unambiguous():
    units = [Unit("某某市财政局", "1"), Unit("某某市城建中心", "2"), Unit("某某市城建局", "3"), Unit("甲乙有限公司", "4")]
    roster = Roster(units)
    assert roster.match("某某市 财政").unit.code == "1"  # 局 left out: one unit only
    assert roster.match("某某市城建").unit is None  # 中心 or 局? not a guess
    assert roster.match("甲乙公司").unit.code == "4" and roster.match("甲乙").unit.code == "4"
    assert roster.match("乙有限公司").unit is None
    assert roster.match("ＸＸ", "4").how == "code"
    m = roster.match("某某市财政局", "77")
    assert m.unit.code == "1" and m.code_differs


# -- the printable sheet and the charts, as LibreOffice and the drawing XML show them ----------------


@pytest.mark.skipif(libreoffice.soffice_path() is None, reason="LibreOffice is installed on CI")
def test_printable_summary_prints_one_page_wide_with_the_header_repeated(round_, tmp_path):
    from xltools.collect import reduce_rows, summarize_file, write_summary
    base = summarize_file(round_["files"][1])
    rows = []
    for k in range(120):  # enough rows for several pages
        row = json.loads(json.dumps(base))
        row["summary"].update({"单位": f"某某县第{k}号很长很长很长的单位名称（中心）", "文件": f"f{k}.xlsx"})
        rows.append(row)
    path = tmp_path / "print.xlsx"
    write_summary(reduce_rows(rows), path)
    [pdf] = libreoffice.convert([path], tmp_path / "pdf", "pdf")
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                                 text=True).stdout).group(1))
    printed = []
    for p in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(p), "-l", str(p), str(pdf), "-"], capture_output=True,
                              text=True).stdout
        if "打印汇总" in text:  # the sheet's footer
            printed.append(text)
    assert len(printed) >= 3  # 120 rows do not fit one page: the rows go down, never across
    for text in printed:
        header = next(line for line in text.splitlines() if "序号" in line)
        words = header.split()
        assert words[:2] == ["序号", "单位"] and words[-1] == "状态", header  # every column on every page
    seen = " ".join(printed)
    assert all(f"某某县第{k}号" in seen for k in range(120))
    size = subprocess.run(["pdfinfo", "-f", "1", "-l", "1", str(pdf)], capture_output=True, text=True).stdout
    w, h = map(float, re.search(r"size:\s+([\d.]+) x ([\d.]+)", size).groups())
    assert w > h and abs(w - 842) < 2  # A4 landscape


def _anchors(path) -> list[tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]]:
    """(from col, from row, to col, to row) as (cell, offset) pairs of every chart on 图表."""
    with zipfile.ZipFile(path) as z:
        drawings = [n for n in z.namelist() if n.startswith("xl/drawings/drawing") and n.endswith(".xml")]
        assert len(drawings) == 1
        xml = z.read(drawings[0]).decode()
    out = []
    for anchor in re.findall(r"<xdr:twoCellAnchor.*?</xdr:twoCellAnchor>", xml, re.S):
        points = []
        for tag in ("from", "to"):
            block = re.search(rf"<xdr:{tag}>(.*?)</xdr:{tag}>", anchor, re.S).group(1)
            get = {k: int(re.search(rf"<xdr:{k}>(\d+)</xdr:{k}>", block).group(1)) for k in ("col", "colOff", "row", "rowOff")}
            points += [(get["col"], get["colOff"]), (get["row"], get["rowOff"])]
        out.append(tuple(points))
    return out


def test_chart_anchors_do_not_overlap(round_):
    anchors = _anchors(round_["summary"])
    assert len(anchors) == 3
    for i, a in enumerate(anchors):
        for b in anchors[i + 1:]:
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]  # left/right or above/below
            assert apart, (a, b)


def test_ranking_bars_are_coloured_by_grade(round_):
    with zipfile.ZipFile(round_["summary"]) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    ranking = next(x for x in charts if "重新计算总分排名" in x)
    ranked = [r for r in _sheet(round_["summary"], "汇总") if r["排名"] is not None]
    colours = re.findall(r'<c:dPt>.*?<a:srgbClr val="(\w+)"', ranking, re.S)
    from xltools.collect import GRADE_COLORS
    assert colours == [GRADE_COLORS[r["重新计算等级"]].lstrip("#") for r in ranked]


def test_check_of_a_folder_reports_other_spreadsheet_formats_like_collect(round_, tmp_path, capsys):
    folder = tmp_path / "收回"
    folder.mkdir()
    shutil.copy(round_["files"][1], folder / "好.xlsx")
    (folder / "旧格式.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))  # Excel 97-2003
    (folder / "说明.txt").write_text("不是表格")
    assert _main(["check", str(folder), "--json", "--quiet"]) == 2  # a file that cannot be read: 2, as for score
    docs = {Path(d["source"]).name: d for d in json.loads(capsys.readouterr().out)}
    assert set(docs) == {"好.xlsx", "旧格式.xls"}
    assert docs["旧格式.xls"]["valid"] is False and "另存为" in docs["旧格式.xls"]["error"]["message"]


def test_issue_list_names_the_leaf_of_a_value_that_is_not_a_number(round_, tmp_path):
    from xltools.collect import summarize_file
    path = tmp_path / "文字分值.xlsx"
    shutil.copy(round_["files"][1], path)
    wb = openpyxl.load_workbook(path)
    sheet, ref = next(iter(wb.defined_names["XL_IND_WEIGHT"].destinations))
    c, r, _, _ = range_boundaries(ref.replace("$", ""))
    wb[sheet].cell(r, c).value = "五十"  # typed as words over the weight of the first leaf
    wb.save(path)
    [issue] = [i for i in summarize_file(path)["issues"] if i["代码"] == "not-a-number"]
    assert issue["指标"] == "产出指标/数量指标/巡查次数" and issue["单元格"].endswith(str(r))
