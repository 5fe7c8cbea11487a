"""Time to check one workbook: warm library call, and a cold CLI process.

    python benchmarks/bench_check.py [N]
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from xltools.api import check_workbook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbooks" / "example-zhuzhou-2021.xlsx"
YUNNAN = ROOT / "workbooks" / "yunnan.xlsx"


def warm(path: Path, n: int) -> float:
    check_workbook(path)
    start = time.perf_counter()
    for _ in range(n):
        check_workbook(path)
    return (time.perf_counter() - start) / n * 1000


def cold(path: Path, n: int = 10) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "xltools.cli", "check", str(path)], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main(n: int = 500) -> None:
    for path in (EXAMPLE, YUNNAN):
        print(f"{path.name:28s} warm library check {warm(path, n):6.2f} ms   cold CLI {cold(path):6.0f} ms")
    mods = subprocess.run([sys.executable, "-c", "import sys, xltools.cli, xltools.api as a;"
                           f"a.check_workbook(r'{EXAMPLE}'); print('pandas' in sys.modules)"],
                          capture_output=True, text=True).stdout.strip()
    print(f"pandas imported on the check path: {mods}")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from reference import ISSUE_XLSXWRITER_MS, calamine_reader, interleaved, xlsxwriter_table
    (best, mean), (cal_best, _), (ref_best, _) = interleaved(
        [lambda: check_workbook(EXAMPLE), calamine_reader(EXAMPLE), xlsxwriter_table], batch=max(20, n // 10))
    scale = ISSUE_XLSXWRITER_MS / ref_best
    print(f"interleaved: check best {best:.2f} ms (mean {mean:.2f}); python-calamine reading the same file "
          f"{cal_best:.2f} ms; XlsxWriter yardstick {ref_best:.2f} ms -> where the yardstick takes the issue's "
          f"{ISSUE_XLSXWRITER_MS:g} ms: check {best * scale:.2f} ms (mean {mean * scale:.2f}), calamine {cal_best * scale:.2f} ms")

if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
