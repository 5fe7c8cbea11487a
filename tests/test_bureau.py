"""The finance bureau's job: distribute pre-filled templates, units fill them, collect them back.

The whole round trip runs once per module (fixtures): unit lists as CSV and XLSX (with bad rows) →
``distribute`` → workbooks filled with openpyxl as a user's tool would, plus a truncated file, an
empty file, a foreign-layout table and a duplicated unit → ``collect`` → summary workbook + CSV.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from openpyxl.utils.cell import range_boundaries

from xltools import api
from xltools.cli import main
from xltools.collect import (Collection, collect, csv_paths, form_name, escape_csv, map_files, records, summarize_file,
                             write_summary)
from xltools.distribute import distribute, safe_stem, unique_names
from xltools.distribute import make_template as real_make_template

# -- the bureau's tables -----------------------------------------------------------------------

DEPT_UNITS = ["城市管理局", "园林绿化中心", "市政设施维护中心", "环境卫生管理处", "=1+2 执法大队"]
INDICATORS = [  # 一级, 二级, 三级, 年度指标值, 分值 — weights add up: 50 + 30 + 10 (+ 10 资金)
    ("产出指标（50分）", "数量指标", "执法案件", "≥100件", 20),
    ("", "", "罚没收入", "≥400万元", 10),
    ("", "质量指标", "处罚错案率", "≤5%", 10),
    ("", "时效指标", "结案及时率", "≥95%", 10),
    ("效益指标", "社会效益指标", "投诉办结率", "≥98%", 30),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", 10),
]


def write_units_csv(path: Path) -> Path:
    rows = [["2024年度部门整体支出绩效自评单位名单"],
            ["序号", " 单位名称 ", "年度", "表式", "年初预算数（万元）", "全年预算数（万元）", "全年执行数（万元）", "联系人"]]
    for i, unit in enumerate(DEPT_UNITS, 1):
        rows.append([i, f" {unit} ", "2024", "dept" if i % 2 else "部门整体", "1,064.54", "1,112.67", f"{1000 + i * 20:,.2f}",
                     "张三"])
    rows.append([6, "", "2024", "dept", "1", "2", "1", ""])  # missing name
    rows.append([7, "某某局", "2024", "xyz", "1", "2", "1", ""])  # unknown form
    rows.append([8, "某某中心", "2024", "dept", "1", "一千", "1", ""])  # budget as words
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def write_indicators_csv(path: Path, units) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["单位名称", "一级指标", "二级指标", "三级指标", "年度指标值", "分值"])
        for unit in units:
            for row in INDICATORS:
                w.writerow([unit, *row])
        w.writerow(["不在名单里的单位", "产出指标", "数量指标", "x", "1", "1"])
    return path


def write_units_xlsx(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("名单")
    ws.write_row(0, 0, ["2023年度自评单位（财政局绩效科导出）"])
    ws.write_row(1, 0, ["单位名称", "表式", "年度", "全年预算数", "全年执行数", "备注"])
    ws.write_row(2, 0, ["云南某城管局", "yunnan", 2023, 500, 480, ""])
    ws.write_row(3, 0, ["项目甲", "项目支出", "2023年", "200.5", "180", ""])
    ws.write_row(4, 0, ["CON", "dept", 2023, "1,000", "1,000", ""])
    ws.write_row(5, 0, ["", "dept", 2023, 1, 1, "缺名称"])
    book.close()
    return path


# -- filling as a user would (openpyxl) ------------------------------------------------------------


def _range(wb, name):
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet], range_boundaries(ref.replace("$", ""))


def _set(cell, value):
    if isinstance(value, str) and value.endswith("%"):
        cell.value, cell.number_format = float(value[:-1]) / 100, "0%"
    else:
        cell.value = value


def fill(path: Path, actual: dict, reason: dict | None = None, spent=None, overwrite_score: dict | None = None):
    """Type values into a distributed template the way a user's tool does (no recalculation)."""
    wb = openpyxl.load_workbook(path)
    ws, (c3, r1, _, r2) = _range(wb, "XL_IND_L3")
    col = {k: _range(wb, f"XL_IND_{k.upper()}")[1][0] for k in ("actual", "reason", "score")}
    for r in range(r1, r2 + 1):
        name = ws.cell(r, c3).value
        if name in actual:
            _set(ws.cell(r, col["actual"]), actual[name])
        if reason and name in reason:
            ws.cell(r, col["reason"]).value = reason[name]
        if overwrite_score and name in overwrite_score:
            ws.cell(r, col["score"]).value = overwrite_score[name]
    if spent is not None:
        ws, (c, r, _, _) = _range(wb, "XL_FUND_TOTAL_SPENT")
        ws.cell(r, c).value = spent
    wb.save(path)


GOOD = {"执法案件": 120, "罚没收入": 437, "处罚错案率": "0%", "结案及时率": "96%", "投诉办结率": "99%",
        "群众满意度": "93%"}


def write_foreign(path: Path) -> Path:
    """A 自评表 in the official layout, typed by hand (not from our template)."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Sheet1")
    ws.write_row(0, 0, ["2024年度部门整体支出绩效自评表"])
    ws.write_row(1, 0, ["部门名称", "外部格式单位"])
    ws.write_row(2, 0, ["资金情况（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    ws.write_row(3, 0, ["年度资金总额", "", 100, 100, 95, 10, 0.95, 9.5])
    ws.write_row(4, 0, ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"])
    ws.write_row(5, 0, ["产出指标", "数量指标", "巡查次数", "≥100次", "120次", 50, 50, ""])
    ws.write_row(6, 0, ["效益指标", "社会效益指标", "投诉下降率", "≥10%", "12%", 30, 30, ""])
    ws.write_row(7, 0, ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10, ""])
    ws.write_row(8, 0, ["总分", "", "", "", "", 100, 99.5, "优"])
    book.close()
    return path


@pytest.fixture(scope="module")
def bureau(tmp_path_factory):
    root = tmp_path_factory.mktemp("bureau")
    units_csv = write_units_csv(root / "单位名单.csv")
    indicators = write_indicators_csv(root / "指标.csv", DEPT_UNITS)
    units_xlsx = write_units_xlsx(root / "单位名单.xlsx")
    out_csv = root / "发出" / "2024"
    out_xlsx = root / "发出" / "2023"
    manifest_csv = distribute(units_csv, out_csv, indicators=indicators, workers=2)
    manifest_xlsx = distribute(units_xlsx, out_xlsx, workers=1)

    back = root / "收回"
    (back / "sub").mkdir(parents=True)
    made = {r["单位"]: out_csv / r["文件"] for r in manifest_csv.to_dict("records") if r["文件"]}
    files = {}
    for i, unit in enumerate(DEPT_UNITS):
        target = back / made[unit].name
        shutil.copy(made[unit], target)
        files[unit] = target
    fill(files["城市管理局"], GOOD)  # all at target: 100
    fill(files["园林绿化中心"], {**GOOD, "执法案件": 80, "群众满意度": "85%"},
         reason={"执法案件": "人员不足", "群众满意度": "宣传不够"}, spent=900)
    fill(files["市政设施维护中心"], {**GOOD, "处罚错案率": "8%"})  # lost points, no reason: 待补充
    fill(files["环境卫生管理处"], GOOD, overwrite_score={"罚没收入": 10})  # typed over the formula: error
    fill(files["=1+2 执法大队"], {**GOOD, "执法案件": 90}, reason={"执法案件": "=HYPERLINK(\"http://x\")"})
    shutil.copy(files["城市管理局"], back / "sub" / "城市管理局（修改版）.xlsx")  # duplicated unit
    data = files["园林绿化中心"].read_bytes()
    (back / "截断.xlsx").write_bytes(data[: len(data) // 2])
    (back / "空文件.xlsx").write_bytes(b"")
    write_foreign(back / "外部格式.xlsx")
    (back / "sub" / "旧格式.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))  # Excel 97-2003
    shutil.copy(out_csv / "manifest.xlsx", back / "manifest.xlsx")  # our own output: skipped
    collection = collect([back], workers=2)
    summary_path = root / "汇总.xlsx"
    written = write_summary(collection, summary_path, csv=True)
    return {"root": root, "manifest_csv": manifest_csv, "manifest_xlsx": manifest_xlsx, "out_csv": out_csv,
            "out_xlsx": out_xlsx, "back": back, "collection": collection, "summary_path": summary_path,
            "written": written, "files": files, "units_csv": units_csv, "indicators": indicators,
            "units_xlsx": units_xlsx}


def row_of(collection: Collection, name: str) -> dict:
    rows = [r for r in records(collection.summary) if Path(r["文件"]).name == name]
    assert len(rows) == 1, name
    return rows[0]


# -- distribute ----------------------------------------------------------------------------------


def test_distribute_from_csv_lists_bad_rows_with_reasons(bureau):
    m = {(r["单位"] or f"#{i}"): r for i, r in enumerate(records(bureau["manifest_csv"]))}
    assert list(bureau["manifest_csv"].columns) == ["单位", "编码", "年度", "文件", "表式", "状态", "原因"]
    for unit in DEPT_UNITS:
        assert m[unit]["状态"] == "已生成" and m[unit]["文件"].endswith(".xlsx"), m[unit]
        assert (bureau["out_csv"] / m[unit]["文件"]).is_file()
    assert "单位名称为空" in next(r["原因"] for k, r in m.items() if k.startswith("#"))
    assert m["某某局"]["状态"] == "未生成" and "表式“xyz”不认识" in m["某某局"]["原因"]
    assert m["某某中心"]["状态"] == "未生成" and "一千" in m["某某中心"]["原因"]
    assert "第" in m["某某中心"]["原因"] and "行" in m["某某中心"]["原因"]
    assert m["不在名单里的单位"]["状态"] == "未使用"
    assert (bureau["out_csv"] / "manifest.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (bureau["out_csv"] / "manifest.xlsx").is_file()


def test_distributed_template_is_prefilled_and_protected(bureau):
    name = next(r["文件"] for r in records(bureau["manifest_csv"]) if r["单位"] == "城市管理局")
    path = bureau["out_csv"] / name
    result = api.check_workbook(path)
    assert result.filing.unit == "城市管理局" and result.filing.year == 2024
    assert result.card.funding.budget == Decimal("1112.67") and result.card.funding.spent == 1020
    leaves = {r.leaf.name: r for r in result.card.leaves}
    assert set(leaves) == {row[2] for row in INDICATORS}
    assert leaves["执法案件"].weight == 20 and leaves["执法案件"].target.number == 100
    assert "weights-sum" not in result.report.codes() and "total-weight" not in result.report.codes()
    with zipfile.ZipFile(path) as z:
        assert b"<sheetProtection" in z.read("xl/worksheets/sheet1.xml")


def test_distribute_from_xlsx(bureau):
    m = {r["单位"]: r for r in records(bureau["manifest_xlsx"])}
    assert m["云南某城管局"]["状态"] == "已生成" and "资金情况" in m["云南某城管局"]["原因"]  # a note, still made
    assert m["项目甲"]["状态"] == "已生成" and m["项目甲"]["表式"] == "project"
    assert m["CON"]["文件"] == "CON_.xlsx"
    assert m[""]["状态"] == "未生成" and "单位名称为空" in m[""]["原因"]
    result = api.check_workbook(bureau["out_xlsx"] / m["项目甲"]["文件"])
    assert result.filing.year == 2023 and result.card.funding.budget == Decimal("200.5")


@pytest.mark.parametrize("name, stem", [
    ("城市管理局", "城市管理局"), ('a<b>c:d"e/f\\g|h?i*j', "abcdefghij"), ("CON", "CON_"), ("nul.txt", "nul_.txt"),
    ("COM1", "COM1_"), ("LPT9 ", "LPT9_"), ("单位. . ", "单位"), ("  ", "单位"), ("a\tb\nc\x01", "a b c"),
    ("长" * 200, "长" * 66), ("...", "单位"), ("con.tar.gz", "con_.tar.gz"), ("AUX .备份", "AUX_.备份"), ("prn.", "prn_"),
    ("COM¹", "COM¹_"), ("CONSOLE", "CONSOLE"), ("NULL.x", "NULL.x"),
])
def test_safe_stem(name, stem):
    assert safe_stem(name) == stem
    assert len(safe_stem(name).encode("utf-8")) <= 200
    # Windows reserves the device name before the first dot, whatever follows ("NUL.txt.xlsx" is NUL)
    assert f"{stem}.xlsx".split(".")[0].rstrip(" ").upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "COM¹"}


def test_unique_names_are_case_insensitive():
    assert unique_names(["A", "a", "b", "A"]) == ["A.xlsx", "a (2).xlsx", "b.xlsx", "A (3).xlsx"]


def test_distribute_cli_exit_codes(tmp_path, bureau, capsys):
    assert _main(["distribute", str(bureau["units_csv"]), "-o", str(tmp_path / "a"), "--quiet"]) == 1
    text = capsys.readouterr().out
    assert "单位名称为空" in text and "某某局" in text and "未生成" in text
    good = tmp_path / "good.csv"
    good.write_text("单位名称,年度\n甲单位,2024\n乙单位,2024\n", encoding="utf-8")
    assert _main(["distribute", str(good), "-o", str(tmp_path / "b"), "--quiet", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["单位"] for r in out] == ["甲单位", "乙单位"] and all(r["状态"] == "已生成" for r in out)
    bad = tmp_path / "bad.csv"
    bad.write_text("名称,年度\n甲,2024\n", encoding="utf-8")
    assert _main(["distribute", str(bad), "-o", str(tmp_path / "c")]) == 2
    assert "单位名称" in capsys.readouterr().err
    assert _main(["distribute", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "d")]) == 2


def test_distribute_gbk_csv(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("单位名称,全年预算数,全年执行数\n丙单位,100,90\n".encode("gbk"))
    manifest = distribute(path, tmp_path / "out", workers=1, year=2024)
    assert records(manifest)[0]["状态"] == "已生成"
    assert api.check_workbook(tmp_path / "out" / "丙单位.xlsx").card.funding.rate == Decimal("0.9")


# -- collect ---------------------------------------------------------------------------------------


def test_summary_numbers_equal_check_workbook(bureau):
    c = bureau["collection"]
    duplicated = {"城市管理局.xlsx", "城市管理局（修改版）.xlsx"}
    checked = 0
    for row in records(c.summary):
        if row["格式"] not in ("模板", "外部格式"):
            continue
        result = api.check_workbook(row["文件"])
        expected = result.to_dict()
        scores = expected["scores"]
        assert row["单位"] == expected["unit"] and row["年度"] == expected["year"]
        assert row["表式"] == form_name(result.card.form.title) and "自评表" not in row["表式"]
        assert row["重新计算总分"] == scores["total"] and row["重新计算等级"] == scores["grade"]
        assert row["执行率"] == (scores["funding"]["rate"] if scores["funding"] else None)
        extra = 1 if Path(row["文件"]).name in duplicated else 0
        assert row["错误数"] == expected["stats"]["errors"]  # a duplicate is resolved, not an error
        assert row["待补充数"] == expected["stats"]["reviews"]
        for g in scores["groups"]:
            if "/" not in g["path"]:
                assert row[f"扣分·{g['path']}"] == g["deduction"]
        if scores["funding"]:
            assert row["扣分·预算执行率"] == round(scores["funding"]["weight"] - scores["funding"]["score"], 2)
        issues = c.issues[c.issues["文件"] == row["文件"]]
        assert len(issues) == len(expected["issues"]) + extra
        assert sorted(issues["代码"]) == sorted([i["code"] for i in expected["issues"]] + ["duplicate-unit"] * extra)
        leaves = c.leaves[c.leaves["文件"] == row["文件"]]
        assert sorted(leaves["三级"]) == sorted([l["name"] for l in scores["leaves"]]
                                              + ([scores["funding"] and "预算执行率"] if scores["funding"] else []))
        assert round(leaves["重新计算得分"].sum(), 2) == scores["total"]
        checked += 1
    assert checked == 7  # five filled, the duplicate, the foreign table
    totals = [r["重新计算总分"] for r in records(c.summary) if r["排名"] is not None]
    assert totals == sorted(totals, reverse=True) and len(totals) == 6  # the superseded copy is not ranked
    assert records(c.summary)[0]["排名"] == 1


def test_filled_workbooks_score_as_typed(bureau):
    c = bureau["collection"]
    assert row_of(c, "城市管理局.xlsx")["重新计算总分"] == round(10 * 1020 / 1112.67, 2) + 90
    garden = row_of(c, "园林绿化中心.xlsx")
    assert garden["状态"] == ("需补充说明" if garden["待补充数"] else "通过") and garden["错误数"] == 0
    assert garden["重新计算总分"] == 93.53  # 16 + 9.44 + 8.09 for the rest at target
    # points lost with no 偏差原因: 待补充 (a person must explain), not an error in the numbers
    mend = row_of(c, "市政设施维护中心.xlsx")
    assert mend["状态"] == "需补充说明" and mend["待补充数"] >= 1 and mend["错误数"] == 0
    assert "missing-reason" in set(c.issues[c.issues["文件"] == mend["文件"]]["代码"])
    env = row_of(c, "环境卫生管理处.xlsx")
    assert env["状态"] == "有错误"
    assert "formula-overwritten" in set(c.issues[c.issues["文件"] == env["文件"]]["代码"])


def test_unreadable_files_are_rows_with_reasons(bureau):
    c = bureau["collection"]
    truncated = row_of(c, "截断.xlsx")
    assert truncated["状态"] == "无法读取" and "损坏" in truncated["原因"] and truncated["错误数"] == 1
    empty = row_of(c, "空文件.xlsx")
    assert empty["状态"] == "无法读取" and "空" in empty["原因"]
    for name in ("截断.xlsx", "空文件.xlsx"):
        issue = c.issues[c.issues["文件"] == row_of(c, name)["文件"]]
        assert list(issue["代码"]) == ["workbook-error"]
    skipped = row_of(c, "manifest.xlsx")
    assert skipped["状态"] == "已跳过" and "分发清单" in skipped["原因"]


def test_foreign_layout_is_a_row_saying_so(bureau):
    row = row_of(bureau["collection"], "外部格式.xlsx")
    assert row["格式"] == "外部格式" and "外部格式" in row["原因"] and row["单位"] == "外部格式单位"
    assert row["重新计算总分"] is not None


def test_duplicate_units_the_newest_counts_the_others_are_superseded(bureau):
    c = bureau["collection"]
    newest, older = row_of(c, "城市管理局（修改版）.xlsx"), row_of(c, "城市管理局.xlsx")  # copied last
    assert older["状态"] == "已被替代" and "已被较新的 城市管理局（修改版）.xlsx 替代" in older["原因"]
    assert older["排名"] is None and newest["排名"] is not None and newest["状态"] != "已被替代"
    for row in (newest, older):
        codes = list(c.issues[c.issues["文件"] == row["文件"]]["代码"])
        assert codes.count("duplicate-unit") == 1
    ranked = [r for r in records(c.summary) if r["排名"] is not None]
    assert records(c.summary)[: len(ranked)] == ranked  # ranked rows first, the superseded after them


def test_summary_workbook_sheets_charts_and_escaping(bureau):
    path = bureau["summary_path"]
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        assert {"xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/charts/chart3.xml"} <= names
        for sheet in ("sheet1", "sheet2"):  # nothing on 打印汇总 / 汇总 is a formula, whatever the units typed
            assert "<f>" not in z.read(f"xl/worksheets/{sheet}.xml").decode()
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["打印汇总", "汇总", "图表", "问题清单", "指标明细"]
    ws = wb["汇总"]
    header = [c.value for c in ws[1]]
    units = [ws.cell(r, header.index("单位") + 1) for r in range(2, ws.max_row + 1)]
    evil = next(c for c in units if c.value and c.value.startswith("=1+2"))
    assert evil.data_type == "s"
    reasons = wb["问题清单"]
    assert all(c.data_type != "f" for row in reasons.iter_rows() for c in row)
    import pandas as pd
    frame = pd.read_excel(path, sheet_name="汇总", engine="openpyxl")
    assert list(frame["重新计算总分"].dropna()) == list(bureau["collection"].summary["重新计算总分"].dropna())


def test_csv_outputs_escape_formulas(bureau):
    paths = csv_paths(bureau["summary_path"])
    assert not paths.pop("未交").exists()  # no list of units: no 未交
    assert set(paths.values()) <= set(bureau["written"])
    for path in paths.values():
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(paths["汇总"], encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert any(r["单位"] == "'=1+2 执法大队" for r in rows)
    assert not any(r["单位"].startswith(("=", "+", "-", "@")) for r in rows)
    with open(paths["问题清单"], encoding="utf-8-sig", newline="") as f:
        text = f.read()
    assert "=HYPERLINK" not in text.replace("'=HYPERLINK", "")


@pytest.mark.parametrize("value, out", [("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
                                        ("\tx", "'\tx"), ("\rx", "'\rx"), ("a=b", "a=b"), (5, 5), (-5.5, -5.5)])
def test_escape_csv(value, out):
    assert escape_csv(value) == out


def test_unexpected_exception_becomes_internal_error_row(tmp_path, monkeypatch):
    def boom(path):
        raise KeyError("boom")
    monkeypatch.setattr(api, "check_workbook", boom)
    row = summarize_file(tmp_path / "x.xlsx")
    assert row["summary"]["状态"] == "程序错误" and "KeyError" in row["summary"]["原因"]
    assert row["issues"][0]["代码"] == "internal-error"


def crash_on_marker(path: str) -> dict:
    """Top-level so the pool can run it: kills its worker process on one file."""
    if path.endswith("crash.xlsx"):
        os._exit(3)
    return summarize_file(path)


def test_a_dying_worker_does_not_stop_the_run(bureau):
    files = sorted(str(p) for p in bureau["back"].glob("*.xlsx"))[:4]
    files.insert(2, str(bureau["back"] / "crash.xlsx"))
    rows = map_files(files, workers=2, func=crash_on_marker)
    assert [r["summary"]["文件"] for r in rows] == files
    assert rows[2]["summary"]["状态"] == "程序错误" and "工作进程" in rows[2]["summary"]["原因"]
    assert all(r["summary"]["状态"] != "程序错误" for i, r in enumerate(rows) if i != 2)


def test_progress_is_reported(bureau):
    seen = []
    collect([bureau["files"]["城市管理局"], bureau["files"]["园林绿化中心"]], workers=1,
            progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]


# -- CLI -----------------------------------------------------------------------------------------


def _main(args) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return exc.code
    return 0


def test_collect_cli_exit_codes_and_json(bureau, tmp_path, capsys):
    out = tmp_path / "汇总.xlsx"
    assert _main(["collect", str(bureau["back"]), "-o", str(out), "--quiet", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    rows = records(bureau["collection"].summary)
    assert [d["summary"]["file"] for d in data] == [r["文件"] for r in rows]
    for doc, row in zip(data, rows):
        assert (doc["summary"]["total"], doc["summary"]["errors"], doc["summary"]["status_cn"]) == (
            row["重新计算总分"], row["错误数"], row["状态"])
        if "scores" in doc:  # the same document as `check --json`, plus the round's issues
            checked = api.check_workbook(doc["source"]).to_dict()
            assert doc["scores"] == checked["scores"] and doc["issues"][: len(checked["issues"])] == checked["issues"]
            assert all(i["code"] == "duplicate-unit" for i in doc["issues"][len(checked["issues"]):])
        else:
            assert doc["valid"] is False and doc["error"]["message"] == row["原因"]
    assert out.is_file()
    good = [str(bureau["files"]["园林绿化中心"])]
    assert _main(["collect", *good, "-o", str(tmp_path / "ok.xlsx"), "--quiet", "--csv"]) == 0
    assert all(p.is_file() for n, p in csv_paths(tmp_path / "ok.xlsx").items() if n != "未交")
    capsys.readouterr()
    assert _main(["collect", "-o", str(tmp_path / "x.xlsx")]) == 2  # no paths
    assert _main(["collect", str(tmp_path / "nothing-here"), "-o", str(tmp_path / "x.xlsx")]) == 2
    assert _main(["collect", *good, "-o", str(tmp_path / "x.csv")]) == 2
    assert _main(["collect", *good, "-o", str(tmp_path / "no-such-folder" / "x.xlsx")]) == 2
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    assert _main(["collect", str(empty), "-o", str(tmp_path / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_collect_cli_text_output_and_rerun_into_same_folder(bureau, tmp_path, capsys):
    folder = tmp_path / "in"
    shutil.copytree(bureau["back"], folder)
    out = folder / "汇总.xlsx"
    assert _main(["collect", str(folder), "-o", str(out), "--quiet"]) == 1
    first = capsys.readouterr().out
    assert "无法读取" in first and "截断.xlsx" in first and "已写入" in first
    assert _main(["collect", str(folder), "-o", str(out), "--quiet", "--force"]) == 1  # its own output is not collected
    assert capsys.readouterr().out.splitlines()[0] == first.splitlines()[0]


def test_check_path_does_not_import_pandas(bureau):
    code = ("import sys; from xltools import api, cli; api.check_workbook(sys.argv[1]); "
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(bureau["files"]["城市管理局"])], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "False"


def test_indicators_from_xlsx_with_merged_cells(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text("单位名称\t年度\t全年预算数\t全年执行数\n丁单位\t2024\t100\t100\n", encoding="utf-8")
    path = tmp_path / "申报表.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    pct = book.add_format({"num_format": "0%"})
    ws.write_row(0, 0, ["单位名称", "一级指标", "二级指标", "三级指标", "年度指标值", "分值"])
    ws.merge_range(1, 0, 6, 0, "丁单位")
    ws.merge_range(1, 1, 4, 1, "产出指标（50分）")
    ws.merge_range(1, 2, 2, 2, "数量指标")
    rows = [(1, "巡查次数", "≥100次", 25), (2, "整改数", "≥50件", 15), (3, "整改率", 0.95, 5), (4, "及时率", 0.9, 5)]
    for r, name, target, weight in rows:
        ws.write(r, 3, name)
        ws.write(r, 4, target, pct if isinstance(target, float) else None)
        ws.write(r, 5, weight)
    ws.write(3, 2, "质量指标")
    ws.write(4, 2, "时效指标")
    ws.write_row(5, 1, ["效益指标", "社会效益指标", "投诉下降", "≥10%", 30])
    ws.write_row(6, 1, ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", 10])
    book.close()
    manifest = records(distribute(units, tmp_path / "out", indicators=path, workers=1))
    assert manifest[0]["状态"] == "已生成" and manifest[0]["原因"] == "", manifest
    card = api.check_workbook(tmp_path / "out" / "丁单位.xlsx").card
    leaves = {r.key: r for r in card.leaves}
    assert set(leaves) == {"产出指标/数量指标/巡查次数", "产出指标/数量指标/整改数", "产出指标/质量指标/整改率",
                           "产出指标/时效指标/及时率", "效益指标/社会效益指标/投诉下降", "满意度指标/服务对象满意度指标/满意度"}
    assert leaves["产出指标/质量指标/整改率"].target.number == Decimal("0.95")
    wb = openpyxl.load_workbook(tmp_path / "out" / "丁单位.xlsx")
    ws, (c, r1, _, r2) = _range(wb, "XL_IND_TARGET")
    l3 = _range(wb, "XL_IND_L3")[1][0]
    cell = next(ws.cell(r, c) for r in range(r1, r2 + 1) if ws.cell(r, l3).value == "整改率")
    assert "%" in cell.number_format  # the percent-formatted cell of the 申报表 stays a percentage


# -- hardening: per-file robustness ------------------------------------------------------------------


def hang_on_marker(path: str) -> dict:
    """Top-level for the pool: never finishes one file (a pathological workbook)."""
    if path.endswith("hang.xlsx"):
        import time
        time.sleep(600)
    return summarize_file(path)


def raise_on_marker(path: str) -> dict:
    """Top-level for the pool: an error that escapes the per-file function."""
    if path.endswith("oom.xlsx"):
        raise MemoryError("no room")
    if path.endswith("exit.xlsx"):
        raise SystemExit(3)
    return summarize_file(path)


def test_a_hanging_file_times_out_as_a_row_and_the_run_goes_on(bureau):
    import time
    files = sorted(str(p) for p in bureau["back"].glob("*.xlsx"))[:5]
    files.insert(1, str(bureau["back"] / "hang.xlsx"))
    start = time.monotonic()
    rows = map_files(files, workers=2, func=hang_on_marker, timeout=1.5)
    assert time.monotonic() - start < 30
    assert [r["summary"]["文件"] for r in rows] == files
    hung = rows[1]["summary"]
    assert hung["状态"] == "无法读取" and "超过1.5秒" in hung["原因"] and "--timeout" in hung["原因"]
    assert rows[1]["issues"][0]["代码"] == "timeout"
    assert all(r["summary"] == summarize_file(f)["summary"] for f, r in zip(files, rows) if "hang" not in f)


def test_errors_escaping_the_worker_function_are_rows(bureau):
    files = sorted(str(p) for p in bureau["back"].glob("*.xlsx"))[:3]
    files[1:1] = [str(bureau["back"] / "oom.xlsx"), str(bureau["back"] / "exit.xlsx")]
    rows = map_files(files, workers=2, func=raise_on_marker)
    states = [r["summary"]["状态"] for r in rows]
    assert states[1] == states[2] == "程序错误" and "程序错误" not in states[:1] + states[3:]
    assert "MemoryError" in rows[1]["summary"]["原因"] and "SystemExit" in rows[2]["summary"]["原因"]


def test_two_crashing_files_are_each_blamed_alone(bureau):
    files = sorted(str(p) for p in bureau["back"].glob("*.xlsx"))[:6]
    files[1] = files[1].replace(".xlsx", "-crash.xlsx")
    files[4] = files[4].replace(".xlsx", "-crash.xlsx")
    rows = map_files(files, workers=2, func=crash_on_marker)
    bad = [i for i, r in enumerate(rows) if r["summary"]["状态"] == "程序错误"]
    assert bad == [1, 4]


@pytest.mark.parametrize("error", [KeyError("boom"), MemoryError(), RecursionError("deep")])
def test_summarize_file_turns_any_error_into_a_row(tmp_path, monkeypatch, error):
    def boom(path):
        raise error
    monkeypatch.setattr(api, "check_workbook", boom)
    row = summarize_file(tmp_path / "x.xlsx")["summary"]
    assert row["状态"] == "程序错误" and type(error).__name__ in row["原因"]


def test_other_spreadsheet_formats_in_a_folder_are_rows(bureau):
    row = row_of(bureau["collection"], "旧格式.xls")
    assert row["状态"] == "无法读取" and "97-2003" in row["原因"] and "另存为" in row["原因"]


def test_the_same_unit_typed_differently_is_a_duplicate(bureau):
    from xltools.collect import reduce_rows
    first = summarize_file(bureau["files"]["园林绿化中心"])
    second = json.loads(json.dumps(first))
    second["summary"].update({"单位": " 园林绿化中心 ", "文件": "另一份.xlsx"})
    third = json.loads(json.dumps(first))
    third["summary"].update({"单位": "园林绿化中心(一)", "文件": "a.xlsx"})
    fourth = json.loads(json.dumps(first))
    fourth["summary"].update({"单位": "园林绿化中心（一）", "文件": "b.xlsx"})
    for n, row in enumerate((first, second, third, fourth)):
        row["mtime"] = 1000 + n  # the fourth is the newest
    c = reduce_rows([first, second, third, fourth])
    states = {Path(r["文件"]).name: r["状态"] for r in records(c.summary)}
    # 园林绿化中心 = " 园林绿化中心 "; 园林绿化中心(一) = 园林绿化中心（一）: two units, in each the newest counts
    assert [states[n] for n in ("a.xlsx", Path(first["summary"]["文件"]).name)] == ["已被替代"] * 2
    assert states["b.xlsx"] != "已被替代" and states["另一份.xlsx"] != "已被替代"
    assert (c.issues["代码"] == "duplicate-unit").sum() == 4
    kept = c.issues[(c.issues["文件"] == "b.xlsx") & (c.issues["代码"] == "duplicate-unit")]["说明"].item()
    assert "共有2份" in kept and "另见 a.xlsx，" in kept


# -- hardening: summary equals `xltools check --json`, charts, no formulas from user text -------------


def test_summary_workbook_equals_check_json(bureau, capsys):
    """The written 汇总 / 问题清单 / 指标明细 sheets against `xltools check --json` of every file."""
    _main(["check", str(bureau["back"]), "--json", "--quiet"])
    checked = {str(Path(o["source"]).resolve()): o for o in json.loads(capsys.readouterr().out)}
    wb = openpyxl.load_workbook(bureau["summary_path"])

    def sheet(name):
        rows = list(wb[name].iter_rows(values_only=True))
        return [dict(zip(rows[0], r)) for r in rows[1:]]
    summary, issues, leaves = sheet("汇总"), sheet("问题清单"), sheet("指标明细")
    duplicated = {"城市管理局.xlsx", "城市管理局（修改版）.xlsx"}
    compared = 0
    for row in summary:
        out = checked.get(str(Path(row["文件"]).resolve()))
        if out is None:  # not a workbook to `check` (.xls in a folder) or our own manifest
            assert row["状态"] in ("无法读取", "已跳过")
            continue
        compared += 1
        mine = [i for i in issues if i["文件"] == row["文件"]]
        if "error" in out:
            if row["状态"] == "已跳过":  # the distribution manifest: not a 自评表
                assert Path(row["文件"]).name == "manifest.xlsx" and not mine
                continue
            assert row["状态"] == "无法读取" and row["原因"] == out["error"]["message"] and len(mine) == 1
            continue
        scores = out["scores"]
        assert (row["单位"], row["年度"]) == (out["unit"], out["year"])
        assert row["重新计算总分"] == scores["total"] and row["重新计算等级"] == scores["grade"]
        if scores["stated_total"] is not None:
            assert row["填报总分"] == scores["stated_total"]
        assert row["执行率"] == (scores["funding"]["rate"] if scores["funding"] else None)
        assert row["错误数"] == out["stats"]["errors"] and row["待补充数"] == out["stats"]["reviews"]
        expected = "有错误" if out["stats"]["errors"] else "需补充说明" if out["stats"]["reviews"] else "通过"
        assert row["状态"] == ("已被替代" if Path(row["文件"]).name == "城市管理局.xlsx" else expected)
        for g in scores["groups"]:
            if "/" not in g["path"]:
                assert row[f"扣分·{g['path']}"] == g["deduction"]
        assert sorted((i["代码"], i["说明"]) for i in mine if i["代码"] != "duplicate-unit") == \
            sorted((i["code"], i["message"]) for i in out["issues"])
        assert sum(i["代码"] == "duplicate-unit" for i in mine) == (Path(row["文件"]).name in duplicated)
        mine_leaves = {lf["三级"]: lf for lf in leaves if lf["文件"] == row["文件"]}
        for leaf in scores["leaves"]:
            assert mine_leaves[leaf["name"]]["重新计算得分"] == leaf["score"]
            assert mine_leaves[leaf["name"]]["分值"] == leaf["weight"]
        assert round(sum(lf["重新计算得分"] for lf in mine_leaves.values()), 2) == scores["total"]
    assert compared == len(checked) == 11  # five filled, the duplicate, foreign, truncated, empty, the manifest, .xls


def test_summary_charts_are_there_and_count_right(bureau):
    import re
    with zipfile.ZipFile(bureau["summary_path"]) as z:
        charts = [z.read(n).decode() for n in sorted(z.namelist()) if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    kinds = {}
    for xml in charts:
        title = "".join(re.findall(r"<a:t>([^<]*)</a:t>", xml[:xml.index("</c:title>")]))
        kinds[title] = re.search(r'<c:barDir val="(\w+)"', xml).group(1)
    assert kinds == {"等级分布（重新计算）": "col", "预算执行率分布": "col", "重新计算总分排名（颜色为等级）": "bar"}
    wb = openpyxl.load_workbook(bureau["summary_path"])
    ws = wb["图表"]
    grades = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(3, 10) if ws.cell(r, 1).value}
    s = bureau["collection"].summary
    s = s[s["排名"].notna()]  # the files that count (not the superseded copy)
    assert grades["优"].startswith("=COUNTIF(")
    cached = openpyxl.load_workbook(bureau["summary_path"], data_only=True)["图表"]
    counts = {cached.cell(r, 1).value: cached.cell(r, 2).value for r in range(3, 10) if cached.cell(r, 1).value}
    assert {g: n for g, n in counts.items() if n} == s["重新计算等级"][s["重新计算等级"] != ""].value_counts().to_dict()
    rates = sum(cached.cell(r, 5).value or 0 for r in range(3, 10))
    assert rates == s["执行率"].notna().sum()


def test_no_user_text_becomes_a_formula_anywhere(bureau):
    """Every cell of every sheet: strings typed by units stay strings; formulas only on 图表 (counts)."""
    wb = openpyxl.load_workbook(bureau["summary_path"])
    evil = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if ws.title == "图表":
                    assert cell.data_type != "f" or cell.value.startswith(("=COUNTIF(", "=COUNTIFS("))
                    continue
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                evil += isinstance(cell.value, str) and cell.value.startswith(("=1+2", "=HYPERLINK"))
    assert evil >= 3  # 汇总, 问题清单 (unit and reason), 指标明细
    manifest = openpyxl.load_workbook(bureau["out_csv"] / "manifest.xlsx").active
    cells = [c for row in manifest.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
    text = (bureau["out_csv"] / "manifest.csv").read_text(encoding="utf-8-sig")
    assert "'=1+2 执法大队" in text and "\n=1+2" not in text and ",=1+2" not in text


# -- hardening: distribute -------------------------------------------------------------------------


def test_distribute_same_names_windows_names_and_unusable_rows(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text("单位名称,年度\n甲单位,2024\n甲单位,2024\n 甲 单位 ,2024\n甲单位,2023\nCON,2024\nNUL.txt,2024\n"
                     "a/b:c*?,2024\n某某. ,2024\n" + "长" * 300 + ",2024\n乙单位,20245\n", encoding="utf-8")
    out = tmp_path / "out"
    m = records(distribute(units, out, workers=2))
    by = [(r["单位"], r["文件"], r["状态"], r["原因"]) for r in m]
    assert by[0][1:3] == ("甲单位.xlsx", "已生成")
    assert by[1][2] == "未生成" and "第2行重复" in by[1][3]
    assert by[2][2] == "未生成" and "第2行重复" in by[2][3]  # spaces inside the name do not make a new unit
    assert by[3][1:3] == ("甲单位 (2).xlsx", "已生成")  # the same unit, another year
    assert by[4][1] == "CON_.xlsx" and by[5][1] == "NUL_.txt.xlsx" and by[6][1] == "abc.xlsx" and by[7][1] == "某某.xlsx"
    assert by[8][2] == "已生成" and len(by[8][1].encode()) < 255
    assert by[9][2] == "未生成" and "20245" in by[9][3]
    names = [r["文件"] for r in m if r["文件"]]
    assert len({n.casefold() for n in names}) == len(names) == 7
    assert sorted(p.name for p in out.iterdir()) == sorted(names + ["manifest.csv", "manifest.xlsx"])  # no temp files


def test_distribute_a_unit_that_cannot_be_written_does_not_stop_the_others(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text("单位名称\n甲\n乙\n丙\n", encoding="utf-8")
    (tmp_path / "out" / "乙.xlsx").mkdir(parents=True)  # a folder in the way
    m = {r["单位"]: r for r in records(distribute(units, tmp_path / "out", workers=1, year=2024))}
    assert m["甲"]["状态"] == m["丙"]["状态"] == "已生成"
    assert m["乙"]["状态"] == "未生成" and "无法写入" in m["乙"]["原因"] and m["乙"]["文件"] == ""


def crash_for_one_unit(task):
    """Top-level for the pool: the worker dies on one unit."""
    if task[1]["unit"] == "崩溃":
        os._exit(9)
    return real_make_template(task)


def test_distribute_worker_crash_is_a_row(tmp_path, monkeypatch):
    import xltools.distribute as d
    monkeypatch.setattr(d, "make_template", crash_for_one_unit)
    units = tmp_path / "units.csv"
    units.write_text("单位名称\n甲\n崩溃\n丙\n丁\n", encoding="utf-8")
    m = {r["单位"]: r for r in records(distribute(units, tmp_path / "out", workers=2, year=2024))}
    assert m["崩溃"]["状态"] == "未生成" and "工作进程" in m["崩溃"]["原因"]
    assert all(m[u]["状态"] == "已生成" for u in ("甲", "丙", "丁"))


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-8"])
def test_distribute_cli_reads_csv_as_offices_export_it(tmp_path, capsys, encoding):
    units = tmp_path / "units.csv"
    sep = "\t" if encoding == "utf-16" else ","  # Excel's "Unicode 文本" is UTF-16 with tabs
    units.write_bytes(sep.join(["单位名称", "年度", "全年预算数"]).encode(encoding)
                      + f"\n财政局{sep}2024{sep}100\n".encode(encoding).lstrip(b"\xff\xfe"))
    assert _main(["distribute", str(units), "-o", str(tmp_path / "out"), "--quiet", "--json"]) == 0
    assert [r["单位"] for r in json.loads(capsys.readouterr().out)] == ["财政局"]


def _units_xlsx_without_name(path):
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet().write_row(0, 0, ["名称", "预算"])
    book.close()


@pytest.mark.parametrize("case, args, words", [
    ("missing UNITS", ["distribute", "{tmp}/无.csv", "-o", "{tmp}/o"], "找不到"),
    ("xlsx UNITS without its columns", ["distribute", "{tmp}/nocols.xlsx", "-o", "{tmp}/o"], "单位名称"),
    ("UNITS without rows", ["distribute", "{tmp}/header.csv", "-o", "{tmp}/o"], "没有单位"),
    ("UNITS not a table", ["distribute", "{tmp}/huge.csv", "-o", "{tmp}/o"], "不是有效的 CSV"),
    ("UNITS .xls", ["distribute", "{tmp}/old.xls", "-o", "{tmp}/o"], "另存为"),
    ("output folder is a file", ["distribute", "{tmp}/good.csv", "-o", "{tmp}/afile", "--year", "2024"], "afile"),
    ("no 年度 and no --year", ["distribute", "{tmp}/good.csv", "-o", "{tmp}/o"], "--year"),
    ("missing indicators", ["distribute", "{tmp}/good.csv", "-o", "{tmp}/o", "--indicators", "{tmp}/无.csv"], "找不到"),
    ("missing path", ["collect", "{tmp}/无", "-o", "{tmp}/s.xlsx"], "找不到"),
    ("output not xlsx", ["collect", "{tmp}/good.csv", "-o", "{tmp}/s.csv"], ".xlsx"),
    ("output is a folder", ["collect", "{tmp}/good.csv", "-o", "{tmp}/dir.xlsx"], ".xlsx"),
    ("output folder missing", ["collect", "{tmp}/good.csv", "-o", "{tmp}/无/s.xlsx"], "不存在"),
    ("nothing to collect", ["collect", "{tmp}/dir.xlsx", "-o", "{tmp}/s.xlsx"], "没有找到"),
])
def test_cli_unusable_input_is_exit_2_in_chinese(tmp_path, capsys, case, args, words):
    (tmp_path / "good.csv").write_text("单位名称\n甲\n", encoding="utf-8")
    (tmp_path / "header.csv").write_text("单位名称,年度\n", encoding="utf-8")
    (tmp_path / "huge.csv").write_text('单位名称\n"' + "x" * 200_000 + '"\n', encoding="utf-8")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    (tmp_path / "afile").write_text("")
    (tmp_path / "dir.xlsx").mkdir()
    _units_xlsx_without_name(tmp_path / "nocols.xlsx")
    assert _main([a.replace("{tmp}", str(tmp_path)) for a in args]) == 2, case
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and "错误" in err, (case, err)


def test_cli_help_options_and_exit_codes_in_a_real_process(bureau, tmp_path):
    """stdout carries the result (JSON with --json), stderr only progress and errors."""
    from click.testing import CliRunner
    from xltools.cli import cli
    for command in ("collect", "distribute"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0
        assert all(o in result.output for o in ("--json", "--quiet", "--workers", "--timeout", "退出码"))
    run = [sys.executable, "-c", "from xltools.cli import main; main()"]
    good = str(bureau["files"]["园林绿化中心"])
    out = subprocess.run([*run, "collect", good, "-o", str(tmp_path / "s.xlsx"), "--json"], capture_output=True, text=True)
    assert out.returncode == 0 and json.loads(out.stdout)[0]["summary"]["status"] in ("ok", "review")
    assert "汇总" in out.stderr and "Traceback" not in out.stderr  # the progress label
    out = subprocess.run([*run, "collect", str(bureau["back"]), "-o", str(tmp_path / "s.xlsx"), "--json", "--quiet", "--force",
                          "--timeout", "30"], capture_output=True, text=True)
    assert out.returncode == 1 and out.stderr == "" and len(json.loads(out.stdout)) == len(bureau["collection"].summary)
    out = subprocess.run([*run, "distribute", str(bureau["units_csv"]), "-o", str(tmp_path / "d"), "--quiet"],
                         capture_output=True, text=True)
    assert out.returncode == 1 and out.stderr == "" and "某某局" in out.stdout
    again = [*run, "distribute", str(bureau["units_csv"]), "-o", str(tmp_path / "d"), "--quiet"]
    out = subprocess.run(again, capture_output=True, text=True)  # the templates handed out are not replaced
    assert out.returncode == 2 and "已存在，没有覆盖" in out.stderr and "--force" in out.stderr
    assert subprocess.run([*again, "--force"], capture_output=True, text=True).returncode == 1
    out = subprocess.run([*run, "collect", good, "-o", str(tmp_path / "s.xlsx"), "--workers", "0"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and out.stdout == ""
    out = subprocess.run([*run, "collect", good, "-o", str(tmp_path / "s.xlsx"), "--quiet", "--force", "--workers", "1",
                          "--timeout", "0"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stderr == "" and "已写入" in out.stdout


def test_rows_beyond_excel_limit_are_said_not_dropped(bureau, tmp_path, monkeypatch):
    import xltools.collect as c
    monkeypatch.setattr(c, "EXCEL_MAX_ROWS", 6)
    out = tmp_path / "s.xlsx"
    write_summary(bureau["collection"], out, csv=True)
    ws = openpyxl.load_workbook(out)["问题清单"]
    assert ws.max_row == 6 and "超出 Excel 的行数上限" in ws.cell(6, 1).value
    assert str(len(bureau["collection"].issues) - 4) in ws.cell(6, 1).value
    with open(csv_paths(out)["问题清单"], encoding="utf-8-sig", newline="") as f:
        assert len(list(csv.reader(f))) == len(bureau["collection"].issues) + 1


def test_macos_resource_files_in_folders_are_not_rows(bureau, tmp_path):
    from xltools.collect import find_files
    folder = tmp_path / "收回"
    (folder / "__MACOSX").mkdir(parents=True)
    shutil.copy(bureau["files"]["城市管理局"], folder / "城市管理局.xlsx")
    (folder / "__MACOSX" / "._城市管理局.xlsx").write_bytes(b"\x00\x05\x16\x07" + bytes(60))
    (folder / "._城市管理局.xlsx").write_bytes(b"\x00\x05\x16\x07" + bytes(60))
    (folder / "旧.et").write_bytes(b"\xd0\xcf\x11\xe0")
    assert [f.name for f in find_files([folder])] == ["城市管理局.xlsx", "旧.et"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_leave_when_the_parent_is_killed(tmp_path):
    import signal
    import time
    script = ("import os, sys, time\nfrom xltools.pool import pool_map\n"
              "def slow(i):\n    open(os.path.join(sys.argv[1], str(os.getpid())), 'w').close(); time.sleep(0.2); return i\n"
              "pool_map(slow, list(range(10000)), lambda i, why: None, workers=2, timeout=0)\n")
    parent = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)])
    try:
        deadline = time.monotonic() + 30
        while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = [int(p.name) for p in tmp_path.iterdir()]
        assert len(workers) == 2
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()

    def running(pid):
        try:
            return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] != "Z"
        except (FileNotFoundError, IndexError):
            return False
    deadline = time.monotonic() + 10
    while any(map(running, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(running, workers))
