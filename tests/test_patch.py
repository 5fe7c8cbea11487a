"""Patching results into users' workbooks: only our parts change, everything else survives."""
import hashlib
import importlib.util
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from defusedxml import ElementTree as SafeET

import libreoffice
from xltools.writeback import MARKER, Link, ResultTable
from xltools.xlsx.patch import SHEET_ORDER, CellEdit, _insert_child, apply

ROOT = Path(__file__).parent.parent
MAIN = "自评表"
RED = "FFC7CE"


def _png() -> bytes:
    """A 1x1 red PNG, no Pillow needed."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _rewrite(path: Path, change) -> None:
    """Edit a fixture's parts in place (``change(parts)`` mutates the dict), keeping entry order."""
    parts = _parts(path)
    change(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _styles_of(path: Path, part: str) -> dict[str, int]:
    xml = _parts(path)[part].decode()
    return {m[1]: int(m[2] or 0) for m in re.finditer(r'<c r="([A-Z]+\d+)"(?: s="(\d+)")?', xml)}


@pytest.fixture
def book(tmp_path) -> Path:
    """Formulas, a comment, validation, conditional format, image, chart, 2nd sheet, names,
    a calcChain and a shared formula (the last two injected: XlsxWriter writes neither)."""
    path = tmp_path / "book.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet(MAIN)
    plain, yellow = wb.add_format({"border": 1}), wb.add_format({"border": 1, "bg_color": "#FFFF00"})
    ws.write("A1", "项目")
    ws.write_comment("A1", "原批注", {"author": "张三"})
    for i, v in enumerate([10, 20, 30.5, 40]):
        ws.write_number(1 + i, 1, v, yellow if i % 2 else plain)
        ws.write_formula(1 + i, 2, f"=B{i + 2}*2", None, v * 2)
    ws.write_formula("B6", "=SUM(B2:B5)", plain, 100.5)
    ws.data_validation("B2:B5", {"validate": "decimal", "criteria": ">=", "value": 0})
    ws.conditional_format("B2:B5", {"type": "cell", "criteria": ">", "value": 35,
                                    "format": wb.add_format({"font_color": "#9C0006"})})
    ws.insert_image("E2", "dot.png", {"image_data": io.BytesIO(_png())})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": f"='{MAIN}'!$B$2:$B$5"})
    ws.insert_chart("E8", chart)
    ws2 = wb.add_worksheet("说明")
    ws2.write("A1", "说明文字")
    ws2.write_formula("A2", f"='{MAIN}'!B6*2", None, 201)
    wb.define_name("合计", f"='{MAIN}'!$B$6")
    wb.close()

    def inject(parts):
        sheet = parts["xl/worksheets/sheet1.xml"].decode()
        sheet = sheet.replace("<f>B2*2</f>", '<f t="shared" ref="C2:C5" si="0">B2*2</f>')
        for r in (3, 4, 5):
            sheet = sheet.replace(f"<f>B{r}*2</f>", '<f t="shared" si="0"/>')
        parts["xl/worksheets/sheet1.xml"] = sheet.encode()
        parts["xl/calcChain.xml"] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain xmlns='
                                     b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><c r="B6" i="1"/>'
                                     b'<c r="A2" i="2"/></calcChain>')
        rel = ('<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
               'relationships/calcChain" Target="calcChain.xml"/></Relationships>')
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", rel.encode())
        ct = ('<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
              'officedocument.spreadsheetml.calcChain+xml"/></Types>')
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", ct.encode())
    _rewrite(path, inject)
    return path


def _excel_xlsm() -> Path | None:
    """A macro workbook saved by Excel itself: xlwings (our optional dependency) ships one."""
    spec = importlib.util.find_spec("xlwings")
    path = Path(spec.origin).parent / "quickstart.xlsm" if spec and spec.origin else None
    return path if path and path.is_file() else None


def _vba_bytes() -> bytes:
    """A real vbaProject.bin (from Excel's .xlsm above, or XlsxWriter's test data if installed), else
    OLE-signed dummy bytes: what matters is that the part survives byte-for-byte."""
    if _excel_xlsm():
        return _parts(_excel_xlsm())["xl/vbaProject.bin"]
    found = sorted(Path(xlsxwriter.__file__).parent.rglob("vbaProject*.bin"))
    return found[0].read_bytes() if found else b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 6


@pytest.fixture
def macro_book(tmp_path) -> Path:
    """An .xlsm: VBA, a sheet with a comment and a button (one VML), a sheet with only a button."""
    vba = tmp_path / "vbaProject.bin"
    vba.write_bytes(_vba_bytes())
    path = tmp_path / "macro.xlsm"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet(MAIN)
    ws.write("A1", "金额")
    ws.write_number("B1", 12.5)
    ws.write_comment("B1", "用户批注")
    ws.insert_button("D2", {"macro": "校验", "caption": "校验"})
    ws2 = wb.add_worksheet("操作")
    ws2.insert_button("B2", {"macro": "导出", "caption": "导出"})
    wb.add_vba_project(str(vba))
    wb.close()
    return path


EDITS = [
    CellEdit(MAIN, "B6", formula="ROUND(SUM(B2:B5),2)", value=100.5, fill=RED, note="合计应为 <100.5> & “含税”"),
    CellEdit(MAIN, "C2", formula="B2*3", value=30),  # the master of the shared formula C2:C5
    CellEdit(MAIN, "A1", note="xltools 的说明"),  # a cell that has someone else's comment
    CellEdit(MAIN, "B2", fill=RED),  # plain and yellow originals differ only in their fill
    CellEdit(MAIN, "B3", fill=RED),
    CellEdit(MAIN, "H20", value="  需补充 <说明> & 'x'  "),
    CellEdit(MAIN, "D12", value=3.25),
    CellEdit("说明", "B2", formula=f"IF('{MAIN}'!B6>100,\"超\",\"否\")", value="超", note="无批注的表"),
    CellEdit("说明", "B3", formula=f"'{MAIN}'!B6>100", value=True),
]
RESULT = ResultTable("校验结果", [["位置", "问题", "得分"], ["B6", "合计不符", 1.5], ["B3", "需核对", None]],
                     [Link(1, 0, MAIN, "B6"), Link(2, 0, MAIN, "B3")], {(0, 0): "header", (1, 1): "error"})
OWNED = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
         "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/comments1.xml",
         "xl/drawings/vmlDrawing1.vml", "xl/calcChain.xml"}


def test_only_owned_parts_change(book, tmp_path):
    before = _sha(book)
    out = tmp_path / "out.xlsx"
    stats = apply(book, out, EDITS, RESULT)
    assert _sha(book) == before
    src, dst = _parts(book), _parts(out)
    changed = {n for n in src if src[n] != dst.get(n)}
    assert changed == OWNED
    assert "xl/calcChain.xml" not in dst and b"calcChain" not in dst["[Content_Types].xml"]
    assert b"calcChain" not in dst["xl/_rels/workbook.xml.rels"]
    for name in ("xl/media/image1.png", "xl/charts/chart1.xml", "xl/drawings/drawing1.xml", "xl/sharedStrings.xml"):
        assert dst[name] == src[name]
    assert list(dst)[: len(src) - 1] == [n for n in src if n != "xl/calcChain.xml"]  # order kept, new ones last
    with zipfile.ZipFile(book) as a, zipfile.ZipFile(out) as b:
        assert {i.filename: i.compress_type for i in a.infolist() if i.filename in dst} == \
               {i.filename: i.compress_type for i in b.infolist() if i.filename in src}
    assert set(stats.parts_rewritten) | set(stats.parts_removed) == OWNED
    assert "xl/worksheets/sheet3.xml" in stats.parts_added and "xl/comments2.xml" in stats.parts_added
    assert stats.parts_copied == len(src) - len(OWNED)
    for name in stats.parts_rewritten + stats.parts_added:  # well-formed, no DTD
        SafeET.fromstring(dst[name], forbid_dtd=True)
    assert (stats.cells_changed, stats.fills_added, stats.notes_added) == (6, 3, 3)


def test_openpyxl_sees_values_formulas_comments_links(book, tmp_path):
    out = tmp_path / "out.xlsx"
    apply(book, out, EDITS, RESULT)
    wb = openpyxl.load_workbook(out)
    ws = wb[MAIN]
    assert ws["B6"].value == "=ROUND(SUM(B2:B5),2)"
    assert ws["C2"].value == "=B2*3" and ws["C3"].value == "=B3*2" and ws["C5"].value == "=B5*2"
    assert ws["H20"].value == "  需补充 <说明> & 'x'  " and ws["D12"].value == 3.25
    assert ws["B6"].comment.text == "合计应为 <100.5> & “含税”" and ws["B6"].comment.author == "xltools"
    assert ws["A1"].comment.text.startswith("原批注") and MARKER + "xltools 的说明" in ws["A1"].comment.text
    assert ws["B6"].fill.fgColor.rgb == "FF" + RED and ws["B6"].border.left.style == "thin"
    assert ws.data_validations.dataValidation and ws.conditional_formatting
    assert "合计" in wb.defined_names
    assert wb["说明"]["B2"].comment.text == "无批注的表"
    res = wb["校验结果"]
    assert [c.value for c in res[1]] == RESULT.rows[0]
    assert res["A1"].font.b and res["B2"].fill.fgColor.rgb == "FFFFC7CE" and res.freeze_panes == "A2"
    assert res["A2"].hyperlink.location == f"'{MAIN}'!B6" and res["C2"].value == 1.5
    assert wb.sheetnames == [MAIN, "说明", "校验结果"]
    cached = openpyxl.load_workbook(out, data_only=True)
    assert cached[MAIN]["B6"].value == 100.5 and cached[MAIN]["C2"].value == 30 and cached[MAIN]["C3"].value == 40
    assert cached["说明"]["B2"].value == "超" and cached["说明"]["B3"].value is True


def test_idempotent_and_in_place(book, tmp_path):
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    apply(book, once, EDITS, RESULT)
    stats = apply(once, twice, EDITS, RESULT)
    assert once.read_bytes() == twice.read_bytes()
    assert stats.parts_rewritten == stats.parts_added == stats.parts_removed == ()
    apply(twice, twice, EDITS, RESULT)  # in place: temp file + os.replace
    assert twice.read_bytes() == once.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_removing_marks_and_notes_restores_originals(book, tmp_path):
    out, back = tmp_path / "out.xlsx", tmp_path / "back.xlsx"
    apply(book, out, EDITS, None)
    marked = _styles_of(out, "xl/worksheets/sheet1.xml")
    original = _styles_of(book, "xl/worksheets/sheet1.xml")
    assert marked["B2"] != marked["B3"] and original["B2"] != original["B3"]
    undo = [CellEdit(MAIN, ref, fill="", note="") for ref in ("A1", "B2", "B3", "B6")]
    stats = apply(out, back, undo, None)
    restored = _styles_of(back, "xl/worksheets/sheet1.xml")
    assert {r: restored[r] for r in ("B2", "B3", "B6")} == {r: original[r] for r in ("B2", "B3", "B6")}
    assert (stats.fills_removed, stats.notes_removed) == (3, 2)
    wb = openpyxl.load_workbook(back)
    assert wb[MAIN]["A1"].comment.text == "原批注" and wb[MAIN]["B6"].comment is None
    assert b"ObjectType=\"Note\"" in _parts(back)["xl/drawings/vmlDrawing1.vml"]  # A1's own note stays
    again = tmp_path / "again.xlsx"  # marking again reuses the recorded clones
    apply(back, again, EDITS, None)
    assert _styles_of(again, "xl/worksheets/sheet1.xml") == marked
    assert _parts(again)["xl/styles.xml"] == _parts(out)["xl/styles.xml"]


def test_macro_workbook_keeps_vba_and_buttons(macro_book, tmp_path):
    out = tmp_path / "out.xlsm"
    edits = [CellEdit(MAIN, "B1", formula="10+2.5", value=12.5, note="替换? 不: 追加", fill=RED),
             CellEdit(MAIN, "A3", note="新批注"), CellEdit("操作", "A1", value="已校验", note="按钮旁")]
    apply(macro_book, out, edits, RESULT)
    src, dst = _parts(macro_book), _parts(out)
    assert dst["xl/vbaProject.bin"] == src["xl/vbaProject.bin"] == _vba_bytes()
    assert b"macroEnabled" in dst["[Content_Types].xml"]
    for vml in ("xl/drawings/vmlDrawing1.vml", "xl/drawings/vmlDrawing2.vml"):
        before, after = src[vml].decode(), dst[vml].decode()
        buttons = re.findall(r'<v:shape .*?ObjectType="Button".*?</v:shape>', before, re.S)
        assert buttons and all(b in after for b in buttons)
        assert after.count('ObjectType="Note"') == before.count('ObjectType="Note"') + 1
    assert "xl/comments2.xml" in dst and b"legacyDrawing" in dst["xl/worksheets/sheet2.xml"]
    assert dst["xl/worksheets/sheet2.xml"].count(b"legacyDrawing") == 1  # reused the buttons' VML
    wb = openpyxl.load_workbook(out, keep_vba=True)
    assert wb[MAIN]["B1"].comment.text.startswith("用户批注") and wb["操作"]["A1"].comment.text == "按钮旁"
    again = tmp_path / "again.xlsm"
    apply(out, again, edits, RESULT)
    assert again.read_bytes() == out.read_bytes()


EXCEL_EDITS = [CellEdit("_xlwings.conf", "B1", value="否", fill=RED, note="测试"),
               CellEdit("_xlwings.conf", "D5", value=3),  # a new cell: takes its column's style
               CellEdit("Sheet1", "A1", formula="1+1", value=2, note="n")]  # into an empty <sheetData/>


def test_excel_written_macro_workbook(tmp_path):
    src = _excel_xlsm()
    if src is None:
        pytest.skip("no Excel-written .xlsm available (pip install xlwings)")
    before, out, again = _sha(src), tmp_path / "out.xlsm", tmp_path / "again.xlsm"
    stats = apply(src, out, EXCEL_EDITS, RESULT)
    a, b = _parts(src), _parts(out)
    assert {n for n in a if a[n] != b[n]} == set(stats.parts_rewritten) == {
        "[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml", "xl/styles.xml"}
    assert b["xl/vbaProject.bin"] == a["xl/vbaProject.bin"] and _sha(src) == before
    sheet2 = b["xl/worksheets/sheet2.xml"].decode()
    assert 'mc:Ignorable="x14ac xr xr2 xr3"' in sheet2 and '<row r="5" spans="1:4" x14ac:dyDescent="0.3">' in sheet2
    assert '<c r="D5" s="1"><v>3</v></c>' in sheet2 and '<dimension ref="A1:D17"/>' in sheet2
    wb = openpyxl.load_workbook(out, keep_vba=True)
    assert wb["Sheet1"]["A1"].value == "=1+1" and wb["_xlwings.conf"]["B1"].comment.text == "测试"
    apply(out, again, EXCEL_EDITS, RESULT)
    assert again.read_bytes() == out.read_bytes()


def test_libreoffice_loads_and_agrees(soffice, book, macro_book, tmp_path):
    """LibreOffice opens the patched files (convert raises otherwise) and, recalculating, gets
    the cached values we wrote."""
    outs = [tmp_path / "patched.xlsx", tmp_path / "patched_macro.xlsm", tmp_path / "patched_dept.xlsx",
            tmp_path / "patched_dependant.xlsx"]
    apply(book, outs[0], EDITS, RESULT)
    apply(macro_book, outs[1], [CellEdit(MAIN, "B2", formula="B1*2", value=25, note="n")], RESULT)
    apply(ROOT / "workbooks" / "dept.xlsx", outs[2], [], RESULT)
    # overwrite only a dependant of the shared formula: the master and the other dependants stay
    apply(book, outs[3], [CellEdit(MAIN, "C4", formula="B4*10", value=305)], None)
    if _excel_xlsm():
        outs.append(tmp_path / "patched_excel.xlsm")
        apply(_excel_xlsm(), outs[-1], EXCEL_EDITS, RESULT)
    recalculated = libreoffice.convert(outs, tmp_path / "lo", "xlsx")
    for out, lo in zip(outs, recalculated):
        keys = list(libreoffice.formula_cells(out))
        ours, theirs = libreoffice.values(out, keys), libreoffice.values(lo, keys)
        assert keys and theirs == pytest.approx(ours), out.name
    wb = openpyxl.load_workbook(recalculated[0])
    assert "合计应为" in wb[MAIN]["B6"].comment.text and wb["说明"]["B2"].comment is not None
    assert "校验结果" in wb.sheetnames and wb[MAIN]["C4"].value == "=B4*2"


def test_real_template_survives(tmp_path):
    src = ROOT / "workbooks" / "dept.xlsx"
    wb = openpyxl.load_workbook(src)
    sheet = wb.sheetnames[0]
    out = tmp_path / "dept.xlsx"
    stats = apply(src, out, [CellEdit(sheet, "A1", fill=RED, note="标题")], RESULT)
    a, b = _parts(src), _parts(out)
    assert {n for n in a if a[n] != b[n]} == set(stats.parts_rewritten)
    assert openpyxl.load_workbook(out)[sheet]["A1"].comment.text == "标题"


def test_prefixed_namespace(tmp_path):
    """Some generators write <x:worksheet xmlns:x=...>; new elements must use the same prefix."""
    path = tmp_path / "x.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("S")
    ws.write("A1", 1)
    ws.write("B3", "x", wb.add_format({"bold": True}))
    wb.close()

    def prefix(parts):
        for name, root in (("xl/worksheets/sheet1.xml", "worksheet"), ("xl/styles.xml", "styleSheet")):
            xml = re.sub(r"<(/?)([A-Za-z]\w*)(?=[\s/>])", r"<\1x:\2", parts[name].decode())
            parts[name] = xml.replace(f"<x:{root} xmlns=", f"<x:{root} xmlns:x=").encode()
    _rewrite(path, prefix)
    out = tmp_path / "out.xlsx"
    apply(path, out, [CellEdit("S", "B3", fill=RED, note="n"), CellEdit("S", "D9", value="新")], None)
    sheet = _parts(out)["xl/worksheets/sheet1.xml"].decode()
    assert '<x:row r="9"><x:c r="D9" t="inlineStr"><x:is><x:t>新</x:t></x:is></x:c></x:row>' in sheet
    assert re.search(r'<x:legacyDrawing r:id="rId\d+"/></x:worksheet>', sheet)
    ws = openpyxl.load_workbook(out)["S"]
    assert ws["D9"].value == "新" and ws["B3"].comment.text == "n" and ws["B3"].font.b
    assert ws["B3"].fill.fgColor.rgb == "FF" + RED


def test_legacy_drawing_lands_in_schema_order():
    xml = ('<x:worksheet xmlns:x="m"><x:sheetData><x:row r="1"><x:c r="A1"/></x:row></x:sheetData>'
           '<x:pageMargins left="0.7"/><x:drawing r:id="rId1"/><mc:AlternateContent><mc:Choice Requires="x14">'
           '<x:controls/></mc:Choice></mc:AlternateContent><x:extLst><x:ext/></x:extLst></x:worksheet>')
    out = _insert_child(xml, "legacyDrawing", "<LD/>", SHEET_ORDER)
    assert '<x:drawing r:id="rId1"/><LD/><mc:AlternateContent>' in out
    assert _insert_child("<worksheet><sheetData/><pageMargins/></worksheet>", "legacyDrawing", "<LD/>",
                         SHEET_ORDER) == "<worksheet><sheetData/><pageMargins/><LD/></worksheet>"


def test_refusals(book, tmp_path):
    out = tmp_path / "out.xlsx"
    with pytest.raises(ValueError, match="no worksheet"):
        apply(book, out, [CellEdit("nope", "A1", value=1)], None)
    with pytest.raises(ValueError, match="cell reference"):
        apply(book, out, [CellEdit(MAIN, "A0", value=1)], None)
    with pytest.raises(ValueError, match="fill"):
        apply(book, out, [CellEdit(MAIN, "A1", fill="red")], None)
    with pytest.raises(ValueError):
        apply(book, out, [CellEdit(MAIN, "A1", value=float("nan"))], None)

    def array(parts):
        parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
            b"<f>SUM(B2:B5)</f>", b'<f t="array" ref="B6:B7">SUM(B2:B5)</f>')
    _rewrite(book, array)
    with pytest.raises(ValueError, match="array"):
        apply(book, out, [CellEdit(MAIN, "B7", value=1)], None)

    def dtd(parts):
        parts["xl/styles.xml"] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + parts["xl/styles.xml"][55:]
    _rewrite(book, dtd)
    with pytest.raises(ValueError, match="DTD"):
        apply(book, out, [CellEdit(MAIN, "A1", fill=RED)], None)
    assert not out.exists()
