"""Templates on paper (issue 17): every shipped template and a filled example, printed by LibreOffice
to PDF, fit their pages; a long table breaks only between 一级 groups; no wrapped text is clipped.

One LibreOffice batch converts all workbooks of the module (a few seconds).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
import yaml
from openpyxl.utils import get_column_letter

import libreoffice
from xltools.spec import load_form
from xltools.template import build_standard, new_workbook
from xltools.xlsx.layout import MIN_HEIGHT, SHEET, TextBox, text_height

NATIONAL = ("dept", "project", "goals", "dept-40-20-20", "example-zhuzhou-2021")
PROVINCIAL = ("hubei", "yunnan")
REASON = "受疫情影响，部分执法检查推迟到下半年开展，已调整工作计划并增加夜间巡查频次，确保全年任务完成"


def long_filing(path: Path) -> list[tuple[str, list[str]]]:
    """A dept filing with 40 leaves (5 under each 产出 二级指标, 4 under the others), every third
    with lost points and a 偏差原因.  Returns (一级 name, its leaf names) in order."""
    form = load_form("dept")
    rows, groups = [], []
    n = 0
    for top in form.indicators:
        names = []
        for sub in top.children:
            for i in range(5 if top.name == "产出指标" else 4):
                n += 1
                name = f"{sub.name[:4]}第{i + 1}项任务{n:02d}"
                names.append(name)
                row = {"parent": f"{top.name}/{sub.name}", "leaf": name, "weight": 1, "target": "≥100件",
                       "actual": "90件" if n % 3 == 0 else "100件"}
                if n % 3 == 0:
                    row["reason"] = REASON
                rows.append(row)
        groups.append((top.name, names))
    assert n == 40
    path.write_text(yaml.safe_dump({"form": "dept", "unit": "某某市城市管理局", "year": 2024,
                                    "indicators": rows}, allow_unicode=True), encoding="utf-8")
    return groups


@pytest.fixture(scope="module")
def printed(soffice, tmp_path_factory):
    """name -> (xlsx, pdf) for the standard set and a 40-leaf filled table."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    tmp = tmp_path_factory.mktemp("paper")
    books = build_standard(tmp / "xlsx")
    groups = long_filing(tmp / "long.yaml")
    books.append(new_workbook("dept", tmp / "xlsx" / "long-40.xlsx", data=tmp / "long.yaml"))
    pdfs = libreoffice.convert(books, tmp / "pdf", "pdf")
    return {b.stem: (b, p) for b, p in zip(books, pdfs)}, groups


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.rstrip("\f").split("\f")


def test_national_forms_print_on_one_page(printed):
    books, _ = printed
    for name in NATIONAL:
        assert len(pages(books[name][1])) == 1, name


def test_provincial_forms_print_on_at_most_two_pages(printed):
    books, _ = printed
    for name in PROVINCIAL:
        assert len(pages(books[name][1])) <= 2, name


def test_long_table_breaks_only_between_first_level_groups(printed):
    books, groups = printed
    text = pages(books["long-40"][1])
    assert len(text) >= 2  # else the test proves nothing
    for top, names in groups:
        where = {i for name in names for i, page in enumerate(text) if name in page}
        assert len(where) == 1, f"{top} spans pages {sorted(where)}"
    # the 得分汇总 block is whole on one page, below its own header
    summary = [i for i, page in enumerate(text) if "得分汇总" in page]
    assert len(summary) == 1 and "服务对象满意度指标" in text[summary[0]].split("得分汇总")[1]


def text_boxes(path: Path) -> tuple[list[TextBox], dict[int, float]]:
    """Every wrapped text cell of the sheet (merged ranges included) with its width and font size,
    and the row heights in points (0-based rows), read from the XML."""
    ws = openpyxl.load_workbook(path)[SHEET]
    merged = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
    boxes = []
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        for cell in row:
            if not isinstance(cell.value, str) or cell.data_type == "f" or not cell.alignment.wrap_text:
                continue
            m = merged.get((cell.row, cell.column))
            r1, c1, r2, c2 = (m.min_row, m.min_col, m.max_row, m.max_col) if m else (cell.row, cell.column) * 2
            width = 0.0
            for c in range(c1, c2 + 1):
                dim = ws.column_dimensions[get_column_letter(c)]
                width += 0 if dim.hidden else (dim.width or 8.43)
            if not width:  # a hidden column
                continue
            boxes.append(TextBox(r1 - 1, r2 - 1, width, cell.font.sz or 11, cell.value))
    heights = {r - 1: ws.row_dimensions[r].height or 15 for r in range(1, ws.max_row + 1)}
    return boxes, heights


def test_no_wrapped_text_is_clipped(printed):
    books, _ = printed
    for name, (xlsx, _pdf) in books.items():
        boxes, heights = text_boxes(xlsx)
        assert len(boxes) > 20, name
        short = []
        for b in boxes:
            have = sum(heights[r] for r in range(b.first, b.last + 1))
            if have + 0.01 < text_height(b.text, b.width, b.size):
                short.append((b.first + 1, b.text[:20], have, text_height(b.text, b.width, b.size)))
        assert not short, f"{name}: clipped (row, text, height, needed): {short}"
        assert min(heights.values()) >= MIN_HEIGHT - 0.75, name  # every row set, none at the 15 pt default
