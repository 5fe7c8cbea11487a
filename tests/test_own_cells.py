"""Every formula cell we write is ours (issue 12): typed over, it is an error on that cell.

Every formula cell of every shipped workbook (``workbooks/``: the blank templates and the filled
example) and of one random filling per form is overwritten, once each, by a wrong constant — in a
copy patched at the XML level, so every other cached value stays as the template wrote it (the
*stale* case: a tool that does not recalculate) — and again after LibreOffice recalculated that copy
(what Excel shows and saves).  ``check`` must exit 1 with an error on that very cell, every time.

LibreOffice gets all copies in batches (``recalculate(chunk=100)``), in two processes.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from strategies import FORMS, filing_dicts
from xltools import api
import libreoffice as lo
from xltools.filing import filing_from_dict
from xltools.xlsx.patch import CellEdit, apply
from xltools.xlsx.writer import write_workbook

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = ROOT / "workbooks"


def random_fillings(directory: Path) -> list[Path]:
    """One filling per form: of a few derandomized draws, the one with the most indicators."""
    out = []
    for form_id in FORMS:
        drawn: list[dict] = []

        @settings(max_examples=12, deadline=None, database=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.filter_too_much, HealthCheck.large_base_example])
        @given(data=filing_dicts(form_id))
        def draw(data):
            drawn.append(data)

        draw()
        data = max(drawn, key=lambda d: (len(d.get("indicators", [])), len(d.get("funding", {}))))
        path = directory / f"random-{form_id}.xlsx"
        write_workbook(path, filing_from_dict(data))
        out.append(path)
    return out


def wrong(value):
    """A constant the cell does not hold."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) + 7
    return 7


def overwritten_copies(sources: list[Path], directory: Path) -> list[tuple[str, str, str, Path]]:
    """(workbook, sheet, cell, copy) for every formula cell of every source."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for src in sources:
        keys = lo.formula_cells(src)
        cached = lo.values(src, keys)
        assert keys, src
        for sheet, ref in sorted(keys):
            dst = directory / f"{src.stem}-{ref}.xlsx"
            apply(src, dst, [CellEdit(sheet, ref, value=wrong(cached[(sheet, ref)]))], None)
            out.append((src.name, sheet, ref, dst))
    return out


def missed(path: Path, sheet: str, ref: str) -> str | None:
    """Why ``check`` did not do its job on this copy (None when it did)."""
    result = api.check_workbook(path)
    if result.report.valid:
        return "passed"
    if not any(i.location.sheet == sheet and i.location.cell == ref for i in result.report.errors):
        return "no error on the cell: " + "; ".join(f"{i.location}:{i.code}" for i in result.report.errors)[:300]
    return None


@pytest.mark.slow
def test_every_formula_cell_typed_over_is_an_error(soffice, tmp_path):
    start = time.perf_counter()
    sources = sorted(WORKBOOKS.glob("*.xlsx")) + random_fillings(tmp_path)
    copies = overwritten_copies(sources, tmp_path / "copies")
    half = len(copies) // 2
    with ThreadPoolExecutor(max_workers=2) as pool:  # LibreOffice recalculates while Python checks
        jobs = [pool.submit(lo.recalculate, [c[3] for c in part], tmp_path / f"lo{i}", chunk=100)
                for i, part in enumerate((copies[:half], copies[half:]))]
        problems = [(name, ref, "stale", why) for name, sheet, ref, path in copies
                    if (why := missed(path, sheet, ref))]
        recalculated = jobs[0].result() + jobs[1].result()
    for (name, sheet, ref, _), out in zip(copies, recalculated):
        why = missed(out, sheet, ref)
        if why:
            problems.append((name, ref, "recalculated", why))
    elapsed = time.perf_counter() - start
    print(f"\n{len(copies)} formula cells in {len(sources)} workbooks typed over, checked stale and "
          f"recalculated in {elapsed:.0f} s")
    assert len(copies) > 900
    assert not problems, problems[:20]
