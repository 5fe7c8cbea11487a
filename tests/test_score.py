"""xltools score: recomputed formulas, marks, notes and the 校验结果 sheet, losing nothing else."""
import hashlib
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import libreoffice
from xltools import api
from xltools.cli import cli
from xltools.writeback import LINK_COLUMN, RESULT_SHEET
from compare import parts
from xltools.xlsx.patch import CellEdit, apply

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "workbooks" / "example-zhuzhou-2021.xlsx"
OWNED_PARTS = {"xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
               "xl/styles.xml"}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cells_of(result, code):
    return {i.location.cell for i in result.report.issues if i.code == code}


@pytest.fixture
def broken(tmp_path) -> Path:
    """The example with a score typed over its formula and a reason-less deduction by judgement."""
    first = api.check_workbook(EXAMPLE).reading
    row = first.rows["产出指标/数量指标/执法案件"] + 1
    score_col = openpyxl.utils.get_column_letter(first.columns["score"] + 1)
    total = api.check_workbook(EXAMPLE).reading.spots[("总分", "score")]
    path = tmp_path / "broken.xlsx"
    apply(EXAMPLE, path, [CellEdit("自评表", f"{score_col}{row}", value=8),
                          CellEdit("自评表", openpyxl.utils.get_column_letter(total[1] + 1) + str(total[0] + 1),
                                   value=98)], None)
    return path


def test_check_sees_the_overwritten_formulas(broken):
    result = api.check_workbook(broken)
    # one cause, one message: the typed score and the typed total are the causes; the score that
    # differs from the rule and the total that differs from the parts are folded into them
    assert {i.code for i in result.report.issues} == {"formula-overwritten"}
    assert all("同一原因还导致" in i.message for i in result.report.issues), result.report.issues
    assert all(i.location.sheet == "自评表" and i.location.cell for i in result.report.issues)
    assert result.card.total == 100


def test_score_restores_marks_and_lists(broken, tmp_path):
    before = sha(broken)
    out = tmp_path / "scored.xlsx"
    result, dst = api.score_workbook(broken, out)
    assert sha(broken) == before and dst == out
    again = api.check_workbook(out)
    assert again.report.valid and not again.report.issues, again.report.issues
    book = openpyxl.load_workbook(out)
    ws = book["自评表"]
    for cell in cells_of(result, "formula-overwritten"):
        assert str(ws[cell].value).startswith("="), cell
        assert ws[cell].comment is not None and "原为公式" in ws[cell].comment.text
        assert ws[cell].fill.fgColor.rgb.endswith("FFC7CE")
    sheet = book[RESULT_SHEET]
    col = LINK_COLUMN + 1
    listed = [sheet.cell(r, col).value for r in range(2, sheet.max_row + 1)]
    assert set(cells_of(result, "formula-overwritten")) <= set(listed)
    linked = [sheet.cell(r, col).hyperlink for r in range(2, sheet.max_row) if sheet.cell(r, col).value]
    assert all(h is not None and h.location.startswith("'自评表'!") for h in linked)


def test_score_is_idempotent_and_second_run_unmarks(broken, tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    api.score_workbook(broken, first)
    api.score_workbook(first, second)
    # the second run sees a clean workbook: marks of the first run are removed, the list is empty
    book = openpyxl.load_workbook(second)
    ws = book["自评表"]
    marked = [c.coordinate for row in ws.iter_rows() for c in row if c.comment is not None
              and "xltools" in (c.comment.author or "") + c.comment.text]
    assert marked == []
    third = tmp_path / "c.xlsx"
    api.score_workbook(second, third)
    assert parts(second) == parts(third)


def test_clean_workbook_gets_no_marks(tmp_path):
    out = tmp_path / "clean.xlsx"
    api.score_workbook(EXAMPLE, out)
    a, b = parts(EXAMPLE), parts(out)
    assert a["xl/worksheets/sheet1.xml"] == b["xl/worksheets/sheet1.xml"]
    assert {k for k in a if a[k] != b.get(k)} <= OWNED_PARTS


def test_everything_else_survives(broken, tmp_path):
    out = tmp_path / "scored.xlsx"
    api.score_workbook(broken, out)
    a, b = parts(broken), parts(out)
    changed = {k for k in a if a[k] != b.get(k)}
    assert changed <= OWNED_PARTS | {"xl/comments1.xml", "xl/drawings/vmlDrawing1.vml"}, changed
    assert set(a) <= set(b)


def test_in_place_keeps_a_backup(broken):
    before = broken.read_bytes()
    result, dst = api.score_workbook(broken, in_place=True)
    backup = broken.with_name("broken.bak.xlsx")
    assert dst == broken and backup.read_bytes() == before
    assert api.check_workbook(broken).report.valid
    api.score_workbook(broken, in_place=True)
    assert broken.with_name("broken.bak2.xlsx").exists()


def test_score_cli(broken, tmp_path):
    out = tmp_path / "cli.xlsx"
    result = CliRunner().invoke(cli, ["score", str(broken), "-o", str(out)])
    assert result.exit_code == 1  # the input had errors (now repaired in the output)
    assert out.exists()
    assert CliRunner().invoke(cli, ["score", str(broken)]).exit_code == 2
    assert CliRunner().invoke(cli, ["score", str(broken), "-o", str(out), "--in-place"]).exit_code == 2


def test_libreoffice_recalculates_the_scored_workbook(broken, tmp_path, soffice):
    out = tmp_path / "scored.xlsx"
    api.score_workbook(broken, out)
    recalculated = libreoffice.recalculate([out], tmp_path / "lo")[0]
    formulas = libreoffice.formula_cells(out)
    cached = libreoffice.values(out, formulas)
    lo = libreoffice.values(recalculated, formulas)
    bad = [(k, cached[k], lo[k]) for k in formulas
           if not (cached[k] == lo[k] or (isinstance(cached[k], (int, float)) and isinstance(lo[k], (int, float))
                                          and abs(cached[k] - lo[k]) < 1e-9))]
    assert bad == []


def test_input_never_modified_by_check(broken):
    before = sha(broken)
    api.check_workbook(broken)
    CliRunner().invoke(cli, ["check", str(broken)])
    assert sha(broken) == before



def _pdf_pages(pdf: Path) -> list[tuple[str, tuple[float, float]]]:
    """(text, (width, height) in points) of every page."""
    import subprocess
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    return [(subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                            capture_output=True, text=True, check=True).stdout, size)
            for n, size in enumerate(sizes, 1)]


def test_result_sheet_prints_as_a_person_reads_it(broken, tmp_path, soffice):
    """Rendered by LibreOffice: the 校验结果 sheet is one A4 landscape page whose first line is the
    Chinese header, every issue in full (wrapped, not clipped), sorted by cell, no English code."""
    from xltools.validation import CODES
    from xltools.writeback import HEADER
    result, out = api.score_workbook(broken, tmp_path / "scored.xlsx")
    pdf, = libreoffice.convert([out], tmp_path / "pdf", "pdf")
    pages = [(text, size) for text, size in _pdf_pages(pdf) if "结论" in text and "序号" in text]
    assert len(pages) == 1, "the result sheet spreads over more than one page"
    text, (width, height) = pages[0]
    assert width > height and abs(width - 842) < 2  # A4 landscape
    lines = [line.split() for line in text.splitlines() if line.strip()]
    assert lines[0] == list(HEADER)
    flat = "".join(text.split())
    for issue in result.report.issues:
        words = "".join(issue.message.split())
        assert words[:12] in flat and words[-8:] in flat, issue.message  # wrapped, not clipped
    assert not any(code in text for code in CODES)
    cells = re.findall(r"\d+\s+\S+\s+自评表\s+([A-Z]+)(\d+)\s", text)  # 序号 级别 工作表 单元格, one line
    assert cells == sorted(cells, key=lambda rc: (int(rc[1]), rc[0])) and len(cells) == len(result.report.issues)


def test_a_forged_marks_record_is_ignored(tmp_path):
    """The record of marks is read from the workbook, so it is untrusted: rows that name no sheet,
    no plain cell, a cell outside Excel's grid or a fill that is no colour do nothing."""
    from xltools.writeback import BOOK_COLUMN, BOOK_HEADER
    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb.create_sheet(RESULT_SHEET)
    for j, text in enumerate(BOOK_HEADER):
        ws.cell(1, BOOK_COLUMN + 1 + j).value = text
    rows = [("自评表", "分值 10，扣分 0", ""), ("不存在", "A1", ""), ("自评表", "XFD1048577", ""),
            ("自评表", "ZZZZ1", ""), (RESULT_SHEET, "A1", ""), ("自评表", "=A1", ""), ("自评表", "B2", "red")]
    for i, row in enumerate(rows, 2):
        for j, text in enumerate(row):
            ws.cell(i, BOOK_COLUMN + 1 + j).value = text
    forged = tmp_path / "forged.xlsx"
    wb.save(forged)
    from xltools.writeback import previous_marks
    from xltools.xlsx.package import open_book
    assert previous_marks(open_book(forged)) == {("自评表", "B2"): ""}  # the one well-formed row
    result, out = api.score_workbook(forged, tmp_path / "out.xlsx")
    assert openpyxl.load_workbook(out)["自评表"]["B2"].fill.fill_type == openpyxl.load_workbook(EXAMPLE)["自评表"]["B2"].fill.fill_type


def test_marks_survive_a_libreoffice_round_trip(broken, tmp_path, soffice):
    """Scored, then opened and saved in LibreOffice (which re-authors the notes, splits their text
    into runs by script and renumbers the styles), then scored again: the marks of cells that are
    clean now go, fills back to the template's own; the one cell still wrong keeps one note."""
    _, scored = api.score_workbook(broken, tmp_path / "scored.xlsx")
    resaved = libreoffice.convert([scored], tmp_path / "lo", "xlsx")[0]
    result, again = api.score_workbook(resaved, tmp_path / "again.xlsx")
    left = {i.location.cell for i in result.report.issues}
    ws, original = openpyxl.load_workbook(again)["自评表"], openpyxl.load_workbook(EXAMPLE)["自评表"]
    noted = {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}
    assert set(noted) == left and all(text.count("【xltools 校验】") == 1 for text in noted.values()), noted
    for cell in cells_of(api.check_workbook(broken), "formula-overwritten"):
        assert cell not in left and ws[cell].fill.fgColor.rgb[-6:] == original[cell].fill.fgColor.rgb[-6:]


def test_a_long_result_sheet_repeats_its_header_on_every_page(tmp_path, soffice):
    """Every formula xltools owns typed over: a list longer than a page prints with the header
    row on every page, each page the full width (no column left for a page of its own)."""
    from xltools.writeback import HEADER
    reading = api.check_workbook(EXAMPLE).reading
    edits = [CellEdit(reading.sheet, openpyxl.utils.get_column_letter(o.col + 1) + str(o.row + 1), value=1)
             for o in reading.owned]
    many = tmp_path / "many.xlsx"
    apply(EXAMPLE, many, edits, None)
    result, out = api.score_workbook(many, tmp_path / "scored.xlsx")
    pdf, = libreoffice.convert([out], tmp_path / "pdf", "pdf")
    pages = [text for text, size in _pdf_pages(pdf) if "序号" in text and "说明" in text]
    assert len(pages) >= 2, f"{len(result.report.issues)} issues fit one page: make the list longer"
    for text in pages:
        assert text.split("\n", 1)[0].split() == list(HEADER)
    numbers = [int(n) for text in pages for n in re.findall(r"^\s*(\d+)\s+(?:错误|待补充|提示)", text, re.M)]
    assert numbers == list(range(1, len(result.report.issues) + 1))


def test_a_damaged_comments_part_is_refused_in_chinese(broken, tmp_path):
    """A comments part without its <authors> (a damaged or hand-made file): the next score says the
    file is damaged and what to do (WorkbookError, exit 2), instead of failing with a TypeError."""
    import zipfile

    from xltools.errors import WorkbookError
    scored = tmp_path / "scored.xlsx"
    api.score_workbook(broken, scored)
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(scored) as src, zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/comments"):
                data = re.sub(rb"<authors>.*?</authors>", b"", data, flags=re.S)
            dst.writestr(info, data)
    with pytest.raises(WorkbookError, match="批注结构不完整"):
        api.score_workbook(damaged, tmp_path / "again.xlsx")
    assert not (tmp_path / "again.xlsx").exists()
