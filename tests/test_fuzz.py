"""A bounded fuzz run for CI (the long one: ``python benchmarks/fuzz.py --minutes 10``).

Hypothesis draws a base workbook (workbooks/*.xlsx) and a seed; tests/hostile/mutate.py mutates
the zip bytes or the XML of its parts (delete/duplicate elements, t/s/r attributes, text in
numeric cells, huge numbers, broken merges, renamed defined names …) and check + score run on the
result in-process.  The only acceptable outcomes are a Result or an XltoolsError
(WorkbookError/SpecError); any other exception is a crash.
"""
from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))

import mutate  # noqa: E402

BASES = [(p.name, p.read_bytes()) for p in mutate.BASES]

@settings(max_examples=800, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(base=st.sampled_from(BASES), seed=st.integers(0, 2**48))
def test_mutated_workbooks_never_crash(base, seed):
    name, data = base
    rng = random.Random(seed)
    mutated, done = mutate.mutate(data, rng)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.xlsx"
        path.write_bytes(mutated)
        kind, detail = mutate.run_one(path, Path(tmp))
    assert kind in ("valid", "invalid", "workbook-error", "spec-error"), (
        f"{kind} on {name} seed {seed} {done}\n{detail}")
