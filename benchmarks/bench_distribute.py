"""Time ``xltools distribute`` for N units (issue 6 target: 1,000 units in ≤ 10 s).

    python benchmarks/bench_distribute.py [N] [--workers W]

The unit list is a CSV as a bureau exports it (title row, Chinese headers with （万元）, amounts as
text with thousands separators, an extra column); the indicator table gives every unit six
indicators (long format, 一级/二级 left blank under the first row as when exported from merged
cells).  Wall time includes reading both tables, validating every filing, writing the templates
in a process pool and the manifest (csv + xlsx).
"""
from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference import machine_scale  # noqa: E402

INDICATORS = [
    ("产出指标", "数量指标", "执法案件", "≥100件", 20), ("", "", "罚没收入", "≥400万元", 10),
    ("", "质量指标", "处罚错案率", "≤5%", 10), ("", "时效指标", "结案及时率", "≥95%", 10),
    ("效益指标", "社会效益指标", "投诉办结率", "≥98%", 30), ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", 10),
]


def write_tables(folder: Path, n: int) -> tuple[Path, Path]:
    units, indicators = folder / "单位名单.csv", folder / "指标.csv"
    with open(units, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["2024年度部门整体支出绩效自评单位名单"])
        w.writerow(["序号", "单位名称", "年度", "表式", "年初预算数（万元）", "全年预算数（万元）", "全年执行数（万元）", "联系人"])
        for i in range(n):
            budget = 500 + i % 3000
            w.writerow([i + 1, f"测试单位{i:05d}", 2024, "dept", f"{budget:,.2f}", f"{budget * 1.05:,.2f}",
                        f"{budget * (0.8 + (i % 20) / 100):,.2f}", "张三"])
    with open(indicators, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["单位名称", "一级指标", "二级指标", "三级指标", "年度指标值", "分值"])
        for i in range(n):
            for row in INDICATORS:
                w.writerow([f"测试单位{i:05d}", *row])
    return units, indicators


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    from xltools.distribute import distribute
    tmp = Path(tempfile.mkdtemp(prefix="bench-distribute-"))
    try:
        units, indicators = write_tables(tmp, args.n)
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        before = machine_scale()
        start = time.perf_counter()
        manifest = distribute(units, tmp / "out", indicators=indicators, workers=args.workers)
        wall = time.perf_counter() - start
        scale = (before + machine_scale()) / 2
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        made = int((manifest["状态"] == "已生成").sum())
        print(f"distribute {args.n} units ({made} templates, {args.workers or os.cpu_count()} workers): "
              f"{wall:.2f} s wall = {wall / args.n * 1000:.2f} ms/unit;  CPU workers "
              f"{kids.ru_utime + kids.ru_stime:.1f} s, parent {me.ru_utime + me.ru_stime:.1f} s;  "
              f"peak RSS parent {me.ru_maxrss / 1024:.0f} MB, largest worker {kids.ru_maxrss / 1024:.0f} MB")
        print(f"machine speed vs the issue's yardstick (XlsxWriter, 78 rows, 8 ms): x{scale:.2f} -> "
              f"{wall * scale:.2f} s where the yardstick takes 8 ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
