"""Tests for the LibreOffice recalculation harness (tests/support/libreoffice.py).

They run real LibreOffice. Without soffice they are skipped locally and fail
when the CI environment variable is set.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

import libreoffice as lo
from xltools import soffice


@pytest.fixture(scope="module", autouse=True)
def _require_soffice() -> None:
    if lo.soffice_path() is None:
        msg = "LibreOffice (soffice) not installed: apt-get install -y libreoffice-calc-nogui"
        if os.environ.get("CI"):
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)


def _workbook(path: Path, cells: dict[str, object], sheet: str = "Sheet1") -> Path:
    """Write an xlsx; formula strings get a bogus cached value of 999."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    for ref, value in cells.items():
        if isinstance(value, str) and value.startswith("="):
            ws.write_formula(ref, value, None, 999)
        else:
            ws.write(ref, value)
    wb.close()
    return path


def _recalc_one(tmp_path: Path, cells: dict[str, object], sheet: str = "Sheet1") -> dict:
    src = _workbook(tmp_path / "in.xlsx", cells, sheet)
    (out,) = lo.recalculate([src], tmp_path / "out")
    return lo.recalculated_values(src, out)


def test_wrong_cached_value_is_recalculated(tmp_path):
    src = _workbook(tmp_path / "wrong.xlsx", {"A1": 1, "A2": 2, "A3": "=A1+A2"})
    # Premise: the file really carries the wrong cached value.
    assert openpyxl.load_workbook(src, data_only=True).active["A3"].value == 999

    (out,) = lo.recalculate([src], tmp_path / "out")
    assert out == tmp_path / "out" / "wrong.xlsx"
    assert lo.recalculated_values(src, out) == {"Sheet1!A3": 3}


def test_float_edge_cases(tmp_path):
    got = _recalc_one(
        tmp_path,
        {
            "A1": "=ROUND(2.675,2)",
            "A2": "=ROUND(0.125,2)",
            "A3": "=INT(ROUND((0.95-0.93)/0.01,6))",
            "A4": "=INT((0.95-0.93)/0.01)",
            "A5": "=(0.95-0.93)/0.01",
            "A6": "=INT(0.57*100)",
            "A7": "=0.1+0.2=0.3",
            "A8": "=1-0.9-0.1",
            "A9": "=ROUND(1.005,2)",
            "A10": "=ROUND(2.5,0)",
            "A11": "=ROUND(-2.675,2)",
        },
    )
    # ROUND is decimal-correct, half away from zero (Python: round(2.675, 2) == 2.67,
    # round(0.125, 2) == 0.12, round(1.005, 2) == 1.0, round(2.5) == 2).
    assert got["Sheet1!A1"] == 2.68
    assert got["Sheet1!A2"] == 0.13
    assert got["Sheet1!A9"] == 1.01
    assert got["Sheet1!A10"] == 3
    assert got["Sheet1!A11"] == -2.68
    # (0.95-0.93)/0.01 is 1.9999999999999907 in IEEE doubles: ~42 ulp below 2,
    # too far for LO's 15-digit snapping, so a bare INT gives 1 (as in Python)
    # and only the ROUND(...,6) guard gives the intended 2.
    assert got["Sheet1!A3"] == 2
    assert got["Sheet1!A4"] == 1
    # LO writes cached values with 15 significant digits, so the raw quotient
    # reads back as 1.99999999999999, not Python's 1.9999999999999907.
    assert got["Sheet1!A5"] == 1.99999999999999
    # But INT snaps values within ~1e-15 relative of an integer:
    # 0.57*100 == 56.99999999999999 in Python (int() -> 56), LO's INT gives 57.
    assert got["Sheet1!A6"] == 57
    # Addition/subtraction/comparison are "approximate" too (Python: False / -2.8e-17).
    assert got["Sheet1!A7"] is True
    assert got["Sheet1!A8"] == 0


def test_chinese_text_in_formulas(tmp_path):
    src = _workbook(
        tmp_path / "绩效自评表.xlsx",
        {
            "A1": "≥",
            "A2": "优",
            "B1": '=IF(A1="≥",1,0)',
            "B2": '=IF(A2="优","满分","扣分")',
            "B3": '=LEN("预算绩效")',
            "B4": '="得分："&TEXT(0.5,"0%")',
        },
        sheet="自评表",
    )
    (out,) = lo.recalculate([src], tmp_path / "out")
    assert out.name == "绩效自评表.xlsx"
    assert lo.recalculated_values(src, out) == {
        "自评表!B1": 1,
        "自评表!B2": "满分",
        "自评表!B3": 4,
        "自评表!B4": "得分：50%",
    }


def test_chunking_250_files(tmp_path):
    # One soffice call silently stops after ~246 files; chunk=100 -> 3 calls.
    (tmp_path / "in").mkdir()
    srcs = [
        _workbook(tmp_path / "in" / f"w{i:03d}.xlsx", {"A1": i, "A2": 2, "A3": "=A1*A2"})
        for i in range(250)
    ]
    start = time.perf_counter()
    outs = lo.recalculate(srcs, tmp_path / "out", chunk=100)
    elapsed = time.perf_counter() - start
    print(f"250 files, chunk=100: {elapsed:.1f} s ({elapsed / 250 * 1000:.0f} ms/file)")

    assert [o.name for o in outs] == [s.name for s in srcs]
    for i, out in enumerate(outs):
        assert lo.values(out, [("Sheet1", "A3")]) == {("Sheet1", "A3"): 2 * i}


def test_duplicate_stems_get_separate_outputs(tmp_path):
    srcs = []
    for n in range(3):
        (tmp_path / f"d{n}").mkdir()
        srcs.append(_workbook(tmp_path / f"d{n}" / "form.xlsx", {"A1": n, "A2": "=A1+10"}))
    outs = lo.recalculate(srcs, tmp_path / "out")
    assert outs == [
        tmp_path / "out" / "form.xlsx",
        tmp_path / "out" / "dup1" / "form.xlsx",
        tmp_path / "out" / "dup2" / "form.xlsx",
    ]
    assert [lo.values(o, [("Sheet1", "A2")])[("Sheet1", "A2")] for o in outs] == [10, 11, 12]


def test_unloadable_file_raises_naming_it(tmp_path):
    good = _workbook(tmp_path / "good.xlsx", {"A1": "=1+1"})
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"this is not a zip file")
    stale = tmp_path / "out" / "broken.xlsx"  # a stale output must not count
    stale.parent.mkdir()
    stale.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="broken.xlsx") as err:
        lo.recalculate([good, bad], tmp_path / "out")
    assert "good.xlsx" not in str(err.value).split("soffice output")[0]
    assert (tmp_path / "out" / "good.xlsx").is_file()


def test_timeout_kills_soffice(tmp_path, monkeypatch):
    profiles = []
    real_write_profile = lo.write_profile

    def recording_write_profile(profile_dir):
        uri = real_write_profile(profile_dir)
        profiles.append(uri)
        return uri

    monkeypatch.setattr(soffice, "write_profile", recording_write_profile)
    src = _workbook(tmp_path / "a.xlsx", {"A1": "=1+1"})
    start = time.perf_counter()
    with pytest.raises(TimeoutError):
        lo.recalculate([src], tmp_path / "out", timeout=0.2)
    assert time.perf_counter() - start < 10
    assert soffice._processes_using(profiles[0]) == []


def test_formula_cells_and_values(tmp_path):
    src = tmp_path / "f.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("S")
    ws.write_column("A1", [1, 2, 3])
    ws.write_formula("B1", "=SUM(A1:A3)", None, 0)
    ws.write_array_formula("C1:C1", "{=SUM(A1:A3*2)}", None, 0)
    ws.write("D1", "text")
    wb.add_worksheet("T").write_formula("A1", "=S!B1/0", None, 0)
    wb.close()

    cells = lo.formula_cells(src)
    assert cells == {("S", "B1"): "=SUM(A1:A3)", ("S", "C1"): "=SUM(A1:A3*2)", ("T", "A1"): "=S!B1/0"}
    (out,) = lo.recalculate([src], tmp_path / "out")
    assert lo.values(out, cells) == {("S", "B1"): 6, ("S", "C1"): 12, ("T", "A1"): "#DIV/0!"}
    assert lo.recalculated_values(src, out, sheet="T") == {"T!A1": "#DIV/0!"}


def test_convert_pdf(tmp_path):
    src = _workbook(tmp_path / "render.xlsx", {"A1": 1, "A2": 2, "A3": "=A1+A2"})
    (pdf,) = lo.convert([src], tmp_path / "out", "pdf")
    assert pdf == tmp_path / "out" / "render.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")


def test_convert_png(tmp_path):
    if not lo.has_image_export():
        msg = "PNG export needs libreoffice-draw-nogui (graphicfilter.xcd)"
        if os.environ.get("CI"):
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    src = _workbook(tmp_path / "render.xlsx", {"A1": 1, "A2": 2, "A3": "=A1+A2"})
    (png,) = lo.convert([src], tmp_path / "out", "png")
    assert png == tmp_path / "out" / "render.png"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
