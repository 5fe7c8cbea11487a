"""The long-run fuzzer: mutate valid workbooks (workbooks/*.xlsx) and run check + score on them.

    python benchmarks/fuzz.py --minutes 10 [--seed N] [--out /tmp/xltools-fuzz] [--no-score]

The only acceptable outcomes are a Result (valid/invalid) or an XltoolsError (WorkbookError,
SpecError).  Anything else is a crash; an input taking longer than ``--timeout`` seconds is a hang.
Each distinct crash (exception type + innermost xltools frame) is saved once to ``--out`` as
``crash-N.xlsx`` with ``crash-N.txt`` (traceback, mutations, seed); re-run one with
``xltools check /tmp/xltools-fuzz/crash-N.xlsx``.  Prints counts by outcome at the end (and every
minute).  Mutations: tests/hostile/mutate.py (the same as the bounded test in tests/test_fuzz.py):
XML edits, package edits, the embedded form definition (hidden _xltools sheet: values, keys,
extends, copies, nesting) and part sizes (long comments, attributes, texts, CDATA, processing
instructions, many elements, many relationship parts).
"""
from __future__ import annotations

import argparse
import collections
import random
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))

import mutate  # noqa: E402


class Hang(BaseException):
    """Raised by SIGALRM: not an Exception, so run_one does not swallow it as a crash."""


def _alarm(signum, frame):
    raise Hang()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=None, help="default: time-based (printed)")
    ap.add_argument("--out", default="/tmp/xltools-fuzz", help="where crash reproducers are saved")
    ap.add_argument("--timeout", type=int, default=10, help="seconds per input before it counts as a hang")
    ap.add_argument("--memory-mb", type=int, default=2048, help="address-space limit of this process")
    ap.add_argument("--no-score", action="store_true", help="only check, do not run score -o")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    limit = args.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, _alarm)
    master = random.Random(seed)
    bases = [(p.name, p.read_bytes()) for p in mutate.BASES]
    counts: collections.Counter = collections.Counter()
    crashes: dict[str, int] = {}
    slowest = (0.0, "")
    print(f"fuzz: seed {seed}, {args.minutes} min, {len(bases)} base workbooks, reproducers in {out}", flush=True)
    start = last_report = time.monotonic()
    n = 0
    with tempfile.TemporaryDirectory(prefix="xltools-fuzz-") as tmp:
        work = Path(tmp)
        path = work / "input.xlsx"
        while time.monotonic() - start < args.minutes * 60:
            n += 1
            case_seed = master.getrandbits(48)
            rng = random.Random(case_seed)
            name, base = rng.choice(bases)
            data, done = mutate.mutate(base, rng)
            path.write_bytes(data)
            t0 = time.monotonic()
            signal.alarm(args.timeout)
            try:
                kind, detail = mutate.run_one(path, work, do_score=not args.no_score)
            except Hang:
                kind, detail = "hang", f"no answer within {args.timeout} s"
            finally:
                signal.alarm(0)
            took = time.monotonic() - t0
            if took > slowest[0]:
                slowest = (took, f"{name} {done}")
            counts[kind] += 1
            if kind in ("crash", "hang", "xltools-error"):
                sig = mutate.crash_signature(detail) if kind == "crash" else kind
                if sig not in crashes:
                    crashes[sig] = len(crashes) + 1
                    i = crashes[sig]
                    (out / f"crash-{i}.xlsx").write_bytes(data)
                    (out / f"crash-{i}.txt").write_text(
                        f"kind: {kind}\nsignature: {sig}\nbase: {name}\ncase seed: {case_seed}\nmutations: {done}\n"
                        f"took: {took:.2f} s\n\n{detail}\n", encoding="utf-8")
                    print(f"  NEW {kind} #{i}: {sig}  ({name} {done})", flush=True)
            if time.monotonic() - last_report > 60:
                last_report = time.monotonic()
                print(f"  {n} inputs, {dict(counts)}", flush=True)
    elapsed = time.monotonic() - start
    print(f"\ninputs: {n} in {elapsed:.0f} s ({n / elapsed:.1f}/s)")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    print(f"slowest input: {slowest[0]:.2f} s ({slowest[1]})")
    print(f"distinct crashes: {len(crashes)}")
    for sig, i in crashes.items():
        print(f"  #{i} {sig}  -> {out}/crash-{i}.xlsx")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
