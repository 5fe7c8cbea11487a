"""The README's picture of a bureau's round: a unit list -> distribute -> some files back (typed
with openpyxl, then recalculated and saved by LibreOffice, as a unit's Excel/WPS would) ->
collect --units -> the printed 汇总 (first PDF page).

    python docs/collect_round.py        # writes docs/collect-summary.png

Needs LibreOffice, a CJK font (fonts-noto-cjk) and poppler-utils (see docs/render.py).
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.utils.cell import range_boundaries

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xltools.collect import collect, write_summary  # noqa: E402
from xltools.distribute import distribute  # noqa: E402
from xltools.soffice import convert  # noqa: E402

UNITS = [("430101", "县财政局"), ("430102", "县城市管理局"), ("430103", "县园林绿化中心"), ("430104", "县环境卫生管理处"),
         ("430105", "县自来水有限公司"), ("430106", "县文化馆"), ("430107", "县图书馆"), ("430108", "县疾病预防控制中心"),
         ("430109", "县农业农村局"), ("430110", "县水利局"), ("430111", "县交通运输局"), ("430112", "县教育局")]
LEAVES = [("产出指标", "数量指标", "巡查次数", "≥100次", 30), ("产出指标", "质量指标", "合格率", "≥95%", 20),
          ("效益指标", "社会效益指标", "投诉办结率", "≥98%", 30), ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", 10)]
#: What each returning unit typed: 实际完成值, 偏差原因 (None: none given), 全年执行数.
RETURNED = {
    "430101": ({"巡查次数": 120, "合格率": 0.97, "投诉办结率": 0.99, "群众满意度": 0.95}, {}, 1000),
    "430102": ({"巡查次数": 90, "合格率": 0.96, "投诉办结率": 0.99, "群众满意度": 0.92}, {"巡查次数": "人员调整"}, 960),
    "430103": ({"巡查次数": 80, "合格率": 0.90, "投诉办结率": 0.97, "群众满意度": 0.93}, {}, 880),
    "430104": ({"巡查次数": 110, "合格率": 0.99, "投诉办结率": 0.99, "群众满意度": 0.91}, {}, 990),
    "430106": ({"巡查次数": 100, "合格率": 0.95, "投诉办结率": 0.98, "群众满意度": 0.85}, {"群众满意度": "宣传不够"}, 700),
    "430107": ({"巡查次数": 130, "合格率": 0.98, "投诉办结率": 1, "群众满意度": 0.96}, {}, 1000),
    "430109": ({"巡查次数": 60, "合格率": 0.80, "投诉办结率": 0.90, "群众满意度": 0.80}, {}, 600),
    "430111": ({"巡查次数": 105, "合格率": 0.96, "投诉办结率": 0.99, "群众满意度": 0.94}, {}, 985),
}


def _cell(wb, name):
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    c, r, _, _ = range_boundaries(ref.replace("$", ""))
    return wb[sheet].cell(r, c)


def fill(path: Path, actual: dict, reasons: dict, spent) -> None:
    wb = openpyxl.load_workbook(path)
    sheet, ref = next(iter(wb.defined_names["XL_IND_L3"].destinations))
    ws = wb[sheet]
    c3, r1, _, r2 = range_boundaries(ref.replace("$", ""))
    col = {k: range_boundaries(next(iter(wb.defined_names[f"XL_IND_{k}"].destinations))[1].replace("$", ""))[0]
           for k in ("ACTUAL", "REASON")}
    for r in range(r1, r2 + 1):
        name = ws.cell(r, c3).value
        if name in actual:
            ws.cell(r, col["ACTUAL"]).value = actual[name]
            if isinstance(actual[name], float):
                ws.cell(r, col["ACTUAL"]).number_format = "0%"
        if name in reasons:
            ws.cell(r, col["REASON"]).value = reasons[name]
    _cell(wb, "XL_FUND_TOTAL_SPENT").value = spent
    wb.save(path)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        units = tmp / "名单.csv"
        with open(units, "w", encoding="gbk", newline="") as f:
            w = csv.writer(f)
            w.writerow(["2024年度部门整体支出绩效自评单位名单"])
            w.writerow(["单位编码", "单位名称", "全年预算数（万元）"])
            w.writerows([code, name, 1000] for code, name in UNITS)
        indicators = tmp / "指标.csv"
        with open(indicators, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(["单位名称", "一级指标", "二级指标", "三级指标", "年度指标值", "分值"])
            w.writerows([name, *leaf] for _, name in UNITS for leaf in LEAVES)
        manifest = distribute(units, tmp / "下发", indicators=indicators, year=2024, workers=1, timeout=0)
        files = dict(zip(manifest["编码"], manifest["文件"]))
        typed, back = tmp / "填写", tmp / "收回"
        typed.mkdir()
        for code, (actual, reasons, spent) in RETURNED.items():
            shutil.copy(tmp / "下发" / files[code], typed / files[code])
            fill(typed / files[code], actual, reasons, spent)
        shutil.copy(typed / files["430101"], typed / "外县财政局.xlsx")  # another county's file came along
        wb = openpyxl.load_workbook(typed / "外县财政局.xlsx")
        _cell(wb, "XL_UNIT").value, _cell(wb, "XL_CODE").value = "外县财政局", "510101"
        wb.save(typed / "外县财政局.xlsx")
        convert(sorted(typed.iterdir()), back, "xlsx")  # saved by LibreOffice, which recalculates: cached values are there
        # one unit sent its file twice: the newest counts
        shutil.copy(back / files["430102"], back / "城市管理局-初稿.xlsx")
        os.utime(back / "城市管理局-初稿.xlsx", (1_700_000_000, 1_700_000_000))
        collection = collect([back], units=units, year=2024, workers=1, timeout=0)
        summary = tmp / "汇总.xlsx"
        write_summary(collection, summary)
        [pdf] = convert([summary], tmp / "pdf", "pdf")
        target = ROOT / "docs" / "collect-summary"
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(target)],
                       check=True)
        print(target.with_suffix(".png").relative_to(ROOT))


if __name__ == "__main__":
    main()
