"""Time ``xltools collect`` over N filled workbooks, against LibreOffice recalculating a sample.

    python benchmarks/bench_collect.py [N] [--workers 2] [--lo-sample 200] [--keep DIR]

Targets (issue 6): N = 10,000 with 2 workers in ≤ 30 s wall and ≤ 300 MB peak memory; per file
≥ 20× faster than LibreOffice headless recalculating the same files (in batches of 100).

1. Generation (not timed against the target): 50 different filled workbooks are written with
   ``write_workbook`` (values vary: targets met or missed, reasons given or not, 执行率 60–100 %),
   then N copies are made in a process pool, each with its own unit name (the shared-strings
   part is rewritten), so no two files are the same unit.
2. ``collect`` runs in a fresh child process (so its peak memory is its own): wall time, peak RSS
   of the parent and of the largest worker (``getrusage``), ``write_summary`` time.
3. LibreOffice recalculates a sample of the same files; ``collect`` with one worker over the
   same sample gives the per-file single-core time for the ratio.

    python benchmarks/bench_collect.py 2000 --duplicates

Issue 16: N copies of one unit's file (one unit, N files: the newest counts, N − 1 superseded)
against N distinct files, the same way; per-file time within 1.5× and under 300 MB.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference import machine_scale  # noqa: E402

BASES = 50
LEAVES = [  # parent, leaf, weight, target, (met, missed) actual values
    ("产出指标/数量指标", "执法案件", 20, "≥100件", (120, 80)),
    ("产出指标/数量指标", "罚没收入", 10, "≥400万元", (437, 300)),
    ("产出指标/质量指标", "处罚错案率", 10, "≤5%", ("0%", "8%")),
    ("产出指标/时效指标", "结案及时率", 10, "≥95%", ("96%", "80%")),
    ("效益指标/社会效益指标", "投诉办结率", 30, "≥98%", ("99%", "90%")),
    ("满意度指标/服务对象满意度指标", "群众满意度", 10, "≥90%", ("93%", "85%")),
]


def base_filing(k: int):
    from xltools.filing import filing_from_dict
    rng = random.Random(k)
    items = []
    for parent, leaf, weight, target, (met, missed) in LEAVES:
        miss = rng.random() < 0.3
        item = {"parent": parent, "leaf": leaf, "weight": weight, "target": target, "actual": missed if miss else met}
        if miss and rng.random() < 0.7:
            item["reason"] = "受客观因素影响，下年度加强管理"
        items.append(item)
    budget = rng.randint(200, 5000)
    spent = round(budget * rng.choice([1, 1, 0.98, 0.9, 0.75, 0.6]), 2)
    return filing_from_dict({"form": "dept", "unit": f"基准单位{k:03d}", "year": 2024, "indicators": items,
                             "funding": {"total": {"initial": budget, "budget": budget, "spent": spent}}})


def _copy(args) -> None:
    """Copy a base workbook with another unit name (rewrites xl/sharedStrings.xml only)."""
    src, dst, old, new = args
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/sharedStrings.xml":
                data = data.replace(old.encode(), new.encode())
            zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)


def generate(n: int, folder: Path, workers: int, same_unit: bool = False) -> list[Path]:
    """N workbooks from 50 bases, each its own unit; ``same_unit``: N copies of one base (one unit)."""
    from xltools.xlsx.writer import write_workbook
    bases = folder / "_bases"
    bases.mkdir(parents=True, exist_ok=True)
    for k in range(BASES):
        write_workbook(bases / f"{k}.xlsx", base_filing(k), rows=1)
    out = folder / "files"
    jobs = []
    for i in range(n):
        sub = out / f"{i // 1000:02d}"  # like a bureau's folders by district
        sub.mkdir(parents=True, exist_ok=True)
        k = 0 if same_unit else i % BASES
        unit = f"基准单位{k:03d}" if same_unit else f"单位{i:05d}"
        jobs.append((bases / f"{k}.xlsx", sub / f"单位{i:05d}.xlsx", f"基准单位{k:03d}", unit))
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_copy, jobs, chunksize=200))
    return [j[1] for j in jobs]


def measure(args) -> None:
    """In a fresh process: collect, then write the summary; print JSON."""
    import resource
    from xltools.collect import collect, write_summary
    files = json.loads(Path(args.measure).read_text())
    start = time.perf_counter()
    collection = collect(files, workers=args.workers, timeout=args.timeout)
    wall = time.perf_counter() - start
    start = time.perf_counter()
    write_summary(collection, Path(args.measure).with_suffix(".xlsx"))
    write = time.perf_counter() - start
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"files": len(files), "wall": wall, "write_summary": write, "self_mb": me.ru_maxrss / 1024,
                      "worker_mb": kids.ru_maxrss / 1024, "cpu_self": me.ru_utime + me.ru_stime,
                      "cpu_workers": kids.ru_utime + kids.ru_stime, "states": collection.counts(),
                      "leaves": len(collection.leaves), "issues": len(collection.issues)}))


def run_measure(files: list[Path], workers: int, tmp: Path, timeout: float = 60) -> dict:
    """``timeout`` 0 with one worker: collect runs in the measuring process (one core, no pool)."""
    listing = tmp / f"files-{len(files)}-{workers}.json"
    listing.write_text(json.dumps([str(f) for f in files]))
    out = subprocess.run([sys.executable, __file__, "--measure", str(listing), "--workers", str(workers),
                          "--timeout", str(timeout)], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lo-sample", type=int, default=200)
    parser.add_argument("--keep", help="generate into this folder and keep it")
    parser.add_argument("--timeout", type=float, default=60, help="collect's per-file timeout (0: none)")
    parser.add_argument("--duplicates", action="store_true", help="N copies of one unit's file against N distinct")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args)
    if args.duplicates:
        return duplicates(args)
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="bench-collect-"))
    try:
        start = time.perf_counter()
        files = generate(args.n, tmp, args.workers)
        print(f"generated {len(files)} workbooks in {time.perf_counter() - start:.1f} s "
              f"({sum(f.stat().st_size for f in files[:100]) / 100 / 1024:.1f} KB each)")
        print(f"load average before collect: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              f"on {os.cpu_count()} CPUs (other processes slow the wall time down)")
        before = machine_scale()
        r = run_measure(files, args.workers, tmp, args.timeout)
        scale = (before + machine_scale()) / 2
        print(f"collect   {r['files']} files, {args.workers} workers: {r['wall']:.2f} s wall "
              f"= {r['wall'] / r['files'] * 1000:.2f} ms/file;  CPU: workers {r['cpu_workers']:.1f} s "
              f"({r['cpu_workers'] / r['files'] * 1000:.2f} ms/file), parent {r['cpu_self']:.1f} s (incl. write_summary)")
        print(f"          peak RSS parent {r['self_mb']:.0f} MB, largest worker {r['worker_mb']:.0f} MB "
              f"(sum {r['self_mb'] + r['worker_mb'] * args.workers:.0f} MB with {args.workers} workers, an upper "
              f"bound: forked workers share pages);  {r['states']}, {r['leaves']} leaf rows, {r['issues']} issues")
        print(f"write_summary (xlsx, charts): {r['write_summary']:.2f} s;  the whole job (collect + summary, "
              f"as `xltools collect -o` runs it): {r['wall'] + r['write_summary']:.2f} s")
        print(f"machine speed vs the issue's yardstick (XlsxWriter, 78 rows, 8 ms): x{scale:.2f} -> whole job "
              f"{(r['wall'] + r['write_summary']) * scale:.2f} s where the yardstick takes 8 ms")
        from xltools import soffice
        if not args.lo_sample:
            return
        if soffice.soffice_path() is None:
            print("LibreOffice not installed: no ratio")
            return
        sample = random.Random(0).sample(files, min(args.lo_sample, len(files)))
        import resource
        one = run_measure(sample, 1, tmp, timeout=0)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        soffice.convert(sample, tmp / "lo", "xlsx", chunk=100)  # recalculates on load
        lo = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        lo_cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / len(sample)
        lo_per, ours_single, ours_pool = lo / len(sample), one["wall"] / len(sample), r["wall"] / r["files"]
        ours_cpu = one["cpu_self"] / len(sample)  # includes write_summary of the sample: an upper bound
        print(f"LibreOffice recalculating {len(sample)} of them (batches of 100): {lo:.1f} s = {lo_per * 1000:.0f} "
              f"ms/file wall, {lo_cpu * 1000:.0f} ms/file CPU")
        print(f"collect, 1 worker, same {len(sample)} files: {one['wall']:.2f} s = {ours_single * 1000:.2f} ms/file "
              f"wall, {ours_cpu * 1000:.2f} ms/file CPU (incl. writing the summary)")
        print(f"ratio per file: {lo_per / ours_single:.0f}x (wall, one core each), {lo_cpu / ours_cpu:.0f}x (CPU time); "
              f"{lo_per / ours_pool:.0f}x against collect's {args.workers}-worker throughput")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def duplicates(args) -> None:
    """Distinct files and copies of one unit's file, measured in the order A B B A (the machine's
    load drifts); wall and CPU time (parent + workers) per file, peak memory."""
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="bench-collect-dup-"))
    try:
        sets = {name: generate(args.n, tmp / name.replace(" ", "-"), args.workers, same_unit=same)
                for name, same in (("distinct", False), ("copies of one unit", True))}
        runs: dict[str, list[dict]] = {name: [] for name in sets}
        for name in ("distinct", "copies of one unit", "copies of one unit", "distinct"):
            r = run_measure(sets[name], args.workers, tmp, args.timeout)
            runs[name].append(r)
            whole, cpu = r["wall"] + r["write_summary"], r["cpu_self"] + r["cpu_workers"]
            print(f"{name:>18}: {r['files']} files, {args.workers} workers: whole job {whole:.2f} s "
                  f"({whole / r['files'] * 1000:.2f} ms/file wall, {cpu / r['files'] * 1000:.2f} ms/file CPU); "
                  f"peak RSS parent {r['self_mb']:.0f} MB, largest worker {r['worker_mb']:.0f} MB; {r['states']}; "
                  f"load {os.getloadavg()[0]:.2f}")

        def mean(name, key):
            return sum(key(r) for r in runs[name]) / len(runs[name])
        for label, key in (("wall", lambda r: r["wall"] + r["write_summary"]),
                           ("CPU", lambda r: r["cpu_self"] + r["cpu_workers"])):
            print(f"per-file {label} time, copies / distinct: "
                  f"{mean('copies of one unit', key) / mean('distinct', key):.2f}x (target ≤ 1.5x)")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
