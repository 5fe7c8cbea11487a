"""The Excel button's own costs (issue 15): import time beyond ``import xlwings``, and a whole
``recalculate`` / ``check`` on the filled example through the fake xlwings of tests/test_excel.py.

    python benchmarks/bench_excel.py [N]

Excel's own time (COM calls, the UDF server's round trips) is not here: only a real Windows Excel
can measure it (docs/excel.md, the acceptance script).
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

IMPORT = """
import time, sys
t0 = time.perf_counter()
import xlwings
t1 = time.perf_counter()
import xltools.excel.glue
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""
OWN_PATH = """
import sys
sys.modules['xlwings'] = None  # our modules alone: what do they pull in?
import xltools.excel.glue
print(' '.join(m for m in ('pandas', 'matplotlib', 'numpy', 'docx', 'xltools.draft') if m in sys.modules) or '-')
"""


def cold_imports(n: int) -> tuple[list[float], list[float]]:
    xlwings, ours = [], []
    for _ in range(n):
        out = subprocess.run([sys.executable, "-c", IMPORT], capture_output=True, text=True, check=True,
                             env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}).stdout.split()
        xlwings.append(float(out[0]))
        ours.append(float(out[1]))
    return xlwings, ours


def warm_button(entry: str, path: Path, n: int) -> list[float]:
    import test_excel as t
    from xltools.excel import glue
    glue.xw = type("xw", (), {"Book": t.FakeBook})
    times = []
    for i in range(n + 1):
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / path.name
            shutil.copy(path, copy)
            t.caller(copy)  # loading the fake (openpyxl) stands for Excel having the book open
            start = time.perf_counter()
            getattr(glue, entry)()
            if i:  # the first call pays the imports: that is the cold click
                times.append(time.perf_counter() - start)
    return times


def main(n: int = 20) -> None:
    xlwings, ours = cold_imports(max(5, n // 2))
    print(f"cold: import xlwings {min(xlwings) * 1000:.0f} ms best, {statistics.mean(xlwings) * 1000:.0f} ms mean")
    print(f"cold: our entry points beyond it {min(ours) * 1000:.0f} ms best, {statistics.mean(ours) * 1000:.0f} ms mean"
          " (target <= 300 ms)")
    pulled = subprocess.run([sys.executable, "-c", OWN_PATH], capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}).stdout.strip()
    print(f"heavy modules our own button path imports: {pulled}")
    import test_excel as t
    broken = Path(tempfile.mkdtemp()) / "broken.xlsx"
    t.patch_cells(t.EXAMPLE, broken, {"I11": 8, "G20": 0.85})
    for entry, path in (("recalculate", t.EXAMPLE), ("recalculate", broken), ("check", t.EXAMPLE), ("check", broken)):
        times = warm_button(entry, path, n)
        print(f"warm {entry} on {path.name}: {min(times) * 1000:.1f} ms best, {statistics.mean(times) * 1000:.1f} ms mean"
              " (target <= 300 ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
