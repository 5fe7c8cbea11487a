"""Instructions per call, counted by valgrind (callgrind): a measure that does not drift with the
load of this virtual machine, whose wall-clock speed varies by 30 % from minute to minute.

    python benchmarks/instructions.py [write|write-yunnan|check|check-yunnan|yardstick ...]

``collect-file`` is collect's per-file step (read, check, rows) over distinct workbooks of one
template, each read once.  ``yardstick`` is the plain XlsxWriter 78-row table of issue 3 (:mod:`reference`), which the issue
timed at about 8 ms here: a job's milliseconds "on the issue's machine" are about
8 × its instructions / the yardstick's.

Each job runs twice under callgrind, with 5 and with 25 calls after a warm-up; the difference
divided by 20 is the cost of one warm call (imports and warm-up cancel out).  About a minute per
job.  Needs ``valgrind`` (``apt-get install valgrind``).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
JOBS = ("write", "write-yunnan", "check", "check-yunnan", "collect-file", "yardstick")

CHILD = """
import sys, tempfile
from dataclasses import replace
from pathlib import Path
sys.path.insert(0, {here!r})
from bench_new import yunnan_filing
from xltools.api import check_workbook, demo_path
from xltools.filing import load_filing
from xltools.xlsx.writer import write_workbook
job, n = sys.argv[1], int(sys.argv[2])
out = Path(tempfile.mkdtemp())
filing, rows = (yunnan_filing(), 2) if job == "write-yunnan" else (load_filing(demo_path()), 1)
book = {root!r} + ("/workbooks/yunnan.xlsx" if job == "check-yunnan" else "/workbooks/example-zhuzhou-2021.xlsx")
from reference import xlsxwriter_table
if job == "collect-file":  # distinct workbooks of one template, as a collection holds them
    from bench_collect import base_filing
    from xltools.collect import summarize_file
    files = [out / f"u{{k}}.xlsx" for k in range(28)]  # as many for 5 calls as for 25: the cost cancels out
    for k, path in enumerate(files):
        write_workbook(path, base_filing(k), rows=1)
def call(i):
    if job == "yardstick":
        xlsxwriter_table()
    elif job == "collect-file":
        summarize_file(files[i])
    elif job.startswith("write"):
        write_workbook(out / f"{{i % 5}}.xlsx", replace(filing, unit=f"{{filing.unit}}{{i}}"), rows=rows)
    else:
        check_workbook(book)
for i in range(3 + n):
    call(i)
"""


def count(job: str, n: int, script: Path) -> int:
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                          str(script), job, str(n)], capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", run.stderr).group(1))


def main(jobs: list[str]) -> None:
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    for job in jobs or JOBS:
        if job not in JOBS:
            sys.exit(f"unknown job {job!r}; choose from {', '.join(JOBS)}")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "child.py"
        script.write_text(CHILD.format(here=str(HERE), root=str(ROOT)))
        for job in jobs or JOBS:
            per_call = (count(job, 25, script) - count(job, 5, script)) / 20
            print(f"{job:14s} {per_call / 1e6:6.1f} million instructions per call")


if __name__ == "__main__":
    main(sys.argv[1:])
