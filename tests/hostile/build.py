"""Build the hostile corpus: tests/hostile/files/*, each a small file that is broken or malicious
in one way, and tests/hostile/expected.yaml (what ``xltools check`` must answer for each).

    python tests/hostile/build.py          # rewrite files/ and expected.yaml

The outputs are committed; tests/test_hostile.py reads them (it does not run this script).  Most
files are our own templates (workbooks/dept.xlsx, the blank one; workbooks/example-zhuzhou-2021.xlsx,
the filled and valid one) with one zip part changed.  Tools used only here, never by the tests:

* the encrypted workbook: msoffcrypto-tool (PyPI) encrypts the filled example (ECMA-376 agile
  encryption, password "xltools") into an OLE compound file with EncryptionInfo/EncryptedPackage;
* legacy .xls and .ods: LibreOffice headless (``soffice --convert-to xls`` / ``ods``);
* the .docx: python-docx; the million-row sheet: XlsxWriter in constant_memory mode;
* the VBA project with Auto_Open: pyOpenVBA (macros are never executed by xltools: the macro would
  create MACRO_MARKER, and the tests assert it does not exist);
* zip bombs are streamed through bz2/zlib compressors chunk by chunk (never gigabytes in memory);
  the zip-password entry is encrypted here with traditional PKWARE encryption (ZipCrypto).
"""
from __future__ import annotations

import bz2
import io
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FILES = HERE / "files"
TEMPLATE = ROOT / "workbooks" / "dept.xlsx"
EXAMPLE = ROOT / "workbooks" / "example-zhuzhou-2021.xlsx"
MACRO_MARKER = "/tmp/xltools-hostile-macro-ran"
SHEET = "xl/worksheets/sheet1.xml"
FIXED = (2024, 1, 1, 0, 0, 0)

ENTRIES: list[dict] = []


def entry(name: str, what: str, check: int, expect: list[str], score: str = "error", **extra) -> Path:
    """Record the expectation of one file.  ``check``: exit code of ``xltools check``; ``expect``:
    substrings of its output (a Chinese message or an issue code), all must appear; ``score``:
    "error" (score -o refuses: exit 2 with a message), "ok" (it writes the copy: exit 0 or 1)."""
    if score == "error" and check == 1:  # unusable input: `check` exits 2 like `score` (README's exit codes)
        check = 2
    ENTRIES.append({"file": name, "what": what, "check": check, "expect": expect, "score": score, **extra})
    return FILES / name


# --- zip helpers -----------------------------------------------------------------------------------

def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def write_zip(path: Path, parts, *, method=zipfile.ZIP_DEFLATED, zip64=False) -> Path:
    items = parts.items() if isinstance(parts, dict) else parts
    with zipfile.ZipFile(path, "w") as z:
        for name, data in items:
            info = zipfile.ZipInfo(name, FIXED)
            info.compress_type = method
            with z.open(info, "w", force_zip64=zip64) as f:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def variant(name: str, base: Path, **changes) -> Path:
    """``base`` with parts replaced (bytes/str), edited (a function of the text) or removed (None)."""
    parts = parts_of(base)
    for part, change in changes.items():
        part = {"sheet": SHEET, "workbook": "xl/workbook.xml", "styles": "xl/styles.xml",
                "strings": "xl/sharedStrings.xml", "types": "[Content_Types].xml",
                "wbrels": "xl/_rels/workbook.xml.rels", "meta": "xl/worksheets/sheet2.xml"}.get(part, part)
        if change is None:
            parts.pop(part, None)
        elif callable(change):
            parts[part] = change(parts[part].decode("utf-8")).encode("utf-8")
        else:
            parts[part] = change.encode("utf-8") if isinstance(change, str) else change
    return write_zip(FILES / name, parts)


def set_cell(xml: str, ref: str, body: str, t: str | None = None) -> str:
    """Replace cell ``ref`` (keeping its style) with ``<c r s t>body</c>``."""
    pat = re.compile(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</c>)', re.S)
    m = pat.search(xml)
    assert m, ref
    style = re.search(r'\ss="\d+"', m["attrs"] or "")
    attrs = f' r="{ref}"' + (style[0] if style else "") + (f' t="{t}"' if t else "")
    return xml[:m.start()] + f"<c{attrs}>{body}</c>" + xml[m.end():]


def cells(**edits):
    """An edit of sheet1.xml setting several cells: ref=(body, t)."""
    def edit(xml: str) -> str:
        for ref, (body, t) in edits.items():
            xml = set_cell(xml, ref, body, t)
        return xml
    return edit


def inline(text: str) -> tuple[str, str]:
    return f"<is><t xml:space=\"preserve\">{text}</t></is>", "inlineStr"


# --- XML attacks -------------------------------------------------------------------------------------

LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)) + "]>")
XXE = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def with_doctype(doctype: str, ref: str):
    """Insert a DOCTYPE after the XML declaration and use its entity inside the first text node."""
    def edit(xml: str) -> str:
        decl_end = xml.index("?>") + 2
        xml = xml[:decl_end] + doctype + xml[decl_end:]
        m = re.search(r"<(?:t|v|definedName|numFmt)\b[^>]*>", xml)
        if m:
            return xml[:m.end()] + f"&{ref};" + xml[m.end():]
        root_end = xml.index(">", xml.index("<", decl_end + len(doctype))) + 1
        return xml[:root_end] + f"<!-- &{ref}; -->" + xml[root_end:]
    return edit


# --- raw zip surgery ---------------------------------------------------------------------------------

def _headers(data: bytes, name: str) -> tuple[int, int]:
    """Offsets of the local header and the central-directory header of entry ``name``."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        local = z.getinfo(name).header_offset
    raw = name.encode("utf-8")
    pos = 0
    while True:
        pos = data.index(b"PK\x01\x02", pos)
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + n] == raw:
            return local, pos
        pos += 4


def set_method(data: bytes, name: str, method: int) -> bytes:
    out = bytearray(data)
    local, central = _headers(data, name)
    struct.pack_into("<H", out, local + 8, method)
    struct.pack_into("<H", out, central + 10, method)
    return bytes(out)


_CRC = [0] * 256
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
    _CRC[_i] = _c


def zipcrypto(data: bytes, password: bytes, crc: int) -> bytes:
    """Traditional PKWARE encryption (APPNOTE 6.1): a 12-byte header, then the data."""
    k = [305419896, 591751049, 878082192]

    def update(c: int) -> None:
        k[0] = _CRC[(k[0] ^ c) & 0xFF] ^ (k[0] >> 8)
        k[1] = ((k[1] + (k[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k[2] = _CRC[(k[2] ^ (k[1] >> 24)) & 0xFF] ^ (k[2] >> 8)

    for c in password:
        update(c)
    out = bytearray()
    for c in bytes(range(11)) + bytes([crc >> 24 & 0xFF]) + data:
        t = (k[2] | 2) & 0xFFFF
        out.append(c ^ (((t * (t ^ 1)) >> 8) & 0xFF))
        update(c)
    return bytes(out)


def with_encrypted_entry(base: Path, name: str, password: bytes) -> bytes:
    """``base`` re-zipped with entry ``name`` stored and ZipCrypto-encrypted (flag bit 0)."""
    parts = parts_of(base)
    plain = parts[name]
    crc = zlib.crc32(plain)
    blob = zipcrypto(plain, password, crc)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for part, data in parts.items():
            info = zipfile.ZipInfo(part, FIXED)
            info.compress_type = zipfile.ZIP_STORED if part == name else zipfile.ZIP_DEFLATED
            z.writestr(info, blob if part == name else data)
    out = bytearray(buf.getvalue())
    local, central = _headers(bytes(out), name)
    struct.pack_into("<H", out, local + 6, struct.unpack_from("<H", out, local + 6)[0] | 1)
    struct.pack_into("<I", out, local + 14, crc)
    struct.pack_into("<I", out, local + 22, len(plain))
    struct.pack_into("<H", out, central + 8, struct.unpack_from("<H", out, central + 8)[0] | 1)
    struct.pack_into("<I", out, central + 16, crc)
    struct.pack_into("<I", out, central + 24, len(plain))
    with zipfile.ZipFile(io.BytesIO(bytes(out))) as z:  # it really is encrypted, and decrypts
        assert z.read(name, pwd=password) == plain
    return bytes(out)


def bomb(path: Path, entry_name: str, size: int, method: int, head: bytes = b"") -> Path:
    """A zip whose one entry inflates to ``size`` bytes (``head`` then zeros), streamed through
    the compressor: never more than 1 MiB in memory.  ZIP64 when the entry passes 4 GiB."""
    with zipfile.ZipFile(path, "w") as z:
        info = zipfile.ZipInfo(entry_name, FIXED)
        info.compress_type = method
        if method == zipfile.ZIP_DEFLATED:
            info._compresslevel = 9
        with z.open(info, "w", force_zip64=size > (1 << 31) - 1) as f:
            f.write(head)
            chunk = bytes(1 << 20)
            left = size - len(head)
            while left > 0:
                f.write(chunk[:min(left, len(chunk))])
                left -= len(chunk)
    return path


# --- other formats -------------------------------------------------------------------------------------

def soffice_convert(src: Path, fmt: str, dst: Path) -> bool:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile", "--convert-to", fmt,
                        "--outdir", tmp, str(src)], check=True, capture_output=True, timeout=180)
        out = Path(tmp) / f"{src.stem}.{fmt}"
        shutil.copy(out, dst)
    return True


def encrypted(dst: Path) -> None:
    import msoffcrypto.format.ooxml
    with open(EXAMPLE, "rb") as src, open(dst, "wb") as out:
        msoffcrypto.format.ooxml.OOXMLFile(src).encrypt("xltools", out)


def docx(dst: Path) -> None:
    import docx as python_docx
    d = python_docx.Document()
    d.add_paragraph("2023年度部门整体支出绩效自评报告")
    d.save(dst)


def million_rows(dst: Path) -> None:
    """A 自评表 header and 1,000,000 data rows.  XlsxWriter (constant_memory) makes the package; the
    sheet is then streamed through the compressor row by row with rows and cells written without
    their optional ``r`` attribute: with XlsxWriter's own sheet (``<row r="999999">…``) the file
    is 5 MB; like this it is ~250 KB, and the values (random digits 0-3, seeded) keep the
    compression ratio under the bomb limit so that the row limit is what stops the reader."""
    import random

    import xlsxwriter
    with tempfile.TemporaryDirectory() as tmp:
        shell = Path(tmp) / "shell.xlsx"
        wb = xlsxwriter.Workbook(str(shell), {"constant_memory": True})
        ws = wb.add_worksheet("自评表")
        for c, title in enumerate(("一级指标", "二级指标", "三级指标", "分值", "得分")):
            ws.write_string(0, c, title)
        wb.close()
        parts = parts_of(shell)
    head, _, tail = parts[SHEET].partition(b"</sheetData>")
    rng = random.Random(1)
    with zipfile.ZipFile(dst, "w") as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, FIXED)
            info.compress_type = zipfile.ZIP_DEFLATED
            info._compresslevel = 9
            with z.open(info, "w") as f:
                if name != SHEET:
                    f.write(data)
                    continue
                f.write(head)
                f.write('<row><c t="inlineStr"><is><t>产出指标</t></is></c><c t="inlineStr"><is><t>数量指标</t></is>'
                        '</c></row>'.encode("utf-8"))
                for _ in range(0, 999_999, 1000):
                    f.write(b"".join(b"<row><c/><c/><c/><c><v>%d</v></c></row>" % rng.randrange(4) for _ in range(1000)))
                f.write(b"</sheetData>" + tail)


def macro_workbook(dst: Path) -> None:
    """The filled example as .xlsm with a VBA project whose Auto_Open (and a Workbook_Open written
    in the module) would create MACRO_MARKER."""
    from pyopenvba import ExcelFile
    parts = parts_of(EXAMPLE)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"spreadsheetml.sheet.main+xml", b"spreadsheetml.sheet.main+xml").replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    code = (f'Sub Auto_Open()\r\n    Open "{MACRO_MARKER}" For Output As #1\r\n    Print #1, "ran"\r\n'
            f'    Close #1\r\n    Shell "touch {MACRO_MARKER}"\r\nEnd Sub\r\n'
            "Sub Workbook_Open()\r\n    Auto_Open\r\nEnd Sub\r\n")
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "macro.xlsm"
        write_zip(staged, parts)
        with ExcelFile(staged) as book:
            project = book.add_vba_project()
            project.add_module("AutoRun", code)
            book.save()
        shutil.copy(staged, dst)


# --- the corpus --------------------------------------------------------------------------------------

#: Files found by the fuzzer (benchmarks/fuzz.py) and kept as they were found: not rebuilt here.
FUZZ_FINDS = [
    {"file": "h69-fuzz-bad-string-below-row-limit.xlsx",
     "what": "found by benchmarks/fuzz.py (10 minutes, 25,307 inputs), kept as is: a shared-string index out of "
             "range in a cell below the row limit (it crashed with AttributeError)",
     "check": 2, "expect": ["共享字符串"], "score": "error"},
]


def build() -> None:
    kept = {e["file"]: (FILES / e["file"]).read_bytes() for e in FUZZ_FINDS if (FILES / e["file"]).exists()}
    if FILES.exists():
        shutil.rmtree(FILES)
    FILES.mkdir(parents=True)
    for e in FUZZ_FINDS:
        if e["file"] in kept:
            (FILES / e["file"]).write_bytes(kept[e["file"]])
    ex_sheet = parts_of(EXAMPLE)[SHEET].decode("utf-8")
    assert '<c r="G11"' in ex_sheet

    # not a zip at all
    entry("h01-empty.xlsx", "0 bytes", 1, ["文件是空的"]).write_bytes(b"")
    entry("h02-text-renamed.xlsx", "a text file renamed .xlsx", 1, ["不是 Excel 工作簿"]).write_text(
        "这不是表格，只是一段文字。\n", encoding="utf-8")
    entry("h03-csv-renamed.xlsx", "a CSV export renamed .xlsx", 1, ["不是 Excel 工作簿", "CSV"]).write_text(
        "一级指标,二级指标,三级指标,分值,得分\n产出指标,数量指标,执法案件,10,10\n", encoding="utf-8-sig")
    entry("h04-truncated-zip.xlsx", "the first half of a workbook (download cut short)", 1, ["损坏"]).write_bytes(
        EXAMPLE.read_bytes()[: EXAMPLE.stat().st_size // 2])
    entry("h05-zip-garbage-tail.xlsx", "PK header then random bytes", 1, ["损坏"]).write_bytes(
        b"PK\x03\x04" + bytes((i * 73 + 11) % 256 for i in range(2000)))
    write_zip(entry("h06-empty-zip.xlsx", "a zip with no entries", 1, ["没有工作簿内容"]), {})

    # parts missing
    variant(entry("h07-no-workbook-xml.xlsx", "xl/workbook.xml removed", 1, ["workbook.xml", "缺失"]).name,
            EXAMPLE, workbook=None)
    variant(entry("h08-sheet-part-missing.xlsx", "xl/worksheets/sheet1.xml removed (relationship kept)", 1,
                  ["sheet1.xml", "缺失"]).name, EXAMPLE, sheet=None)
    variant(entry("h09-sheet-part-and-rel-missing.xlsx", "sheet1.xml and its relationship removed", 1,
                  ["自评表", "缺失"]).name, EXAMPLE, sheet=None,
            wbrels=lambda x: re.sub(r'<Relationship Id="rId1"[^>]*/>', "", x))
    no_styles = dict(styles=None, wbrels=lambda x: re.sub(r'<Relationship Id="rId4"[^>]*/>', "", x),
                     types=lambda x: re.sub(r'<Override PartName="/xl/styles.xml"[^>]*/>', "", x))
    variant(entry("h10-no-styles.xlsx", "styles.xml, its relationship and content type removed (a package "
                  "Excel opens): readable, number formats lost", 0, ["株洲市城市管理综合行政执法支队", "校验通过"],
                  score="ok").name, EXAMPLE, **no_styles)
    variant(entry("h68-no-styles-with-errors.xlsx", "the blank template (it has errors) without styles.xml: check "
                  "reads it; score needs a fill for its red marks", 1, ["自评表!F4"], score="ok").name,
            TEMPLATE, **no_styles)
    variant(entry("h11-no-content-types.xlsx", "[Content_Types].xml removed", 1, ["[Content_Types].xml"]).name,
            EXAMPLE, types=None)
    variant(entry("h12-wrong-content-type.xlsx", "the workbook declared as application/xml", 1, ["类型不对"]).name,
            EXAMPLE, types=lambda x: x.replace("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                               "application/xml"))
    variant(entry("h13-no-root-rels.xlsx", "_rels/.rels removed", 1, ["_rels/.rels"]).name, EXAMPLE,
            **{"_rels/.rels": None})
    variant(entry("h14-zero-byte-sheet.xlsx", "sheet1.xml is 0 bytes", 1, ["sheet1.xml", "XML 已损坏"]).name,
            EXAMPLE, sheet=b"")
    variant(entry("h15-zero-byte-strings.xlsx", "sharedStrings.xml is 0 bytes", 1, ["sharedStrings.xml", "XML 已损坏"]).name,
            EXAMPLE, strings=b"")
    variant(entry("h16-dangling-relationship.xlsx", "a sheet relationship to a drawing that is not in the zip", 1,
                  ["drawing1.xml", "缺失"]).name, EXAMPLE,
            **{"xl/worksheets/_rels/sheet1.xml.rels":
               '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
               '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
               'relationships/drawing" Target="../drawings/drawing1.xml"/></Relationships>'})

    # other file formats
    encrypted(entry("h17-encrypted-password.xlsx", "password-protected workbook (msoffcrypto-tool, agile "
                    "encryption: OLE file with EncryptionInfo)", 1, ["打开密码", "加密"]))
    if not soffice_convert(EXAMPLE, "xls", entry("h18-legacy-xls-renamed.xlsx", "Excel 97-2003 .xls (LibreOffice) "
                           "named .xlsx", 1, ["97-2003"])):
        raise SystemExit("LibreOffice is needed for the .xls and .ods files")
    shutil.copy(FILES / "h18-legacy-xls-renamed.xlsx",
                entry("h19-legacy.xls", "the same .xls with its own extension", 1, ["97-2003"]))
    soffice_convert(EXAMPLE, "ods", entry("h20-ods-renamed.xlsx", "OpenDocument spreadsheet (LibreOffice) named .xlsx",
                                          1, ["OpenDocument"]))
    docx(entry("h21-docx-renamed.xlsx", "a Word document renamed .xlsx", 1, ["Word 文档"]))
    write_zip(entry("h22-xlsb-renamed.xlsx", "an .xlsb (binary workbook) package named .xlsx", 1, ["二进制"]), {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                               'package/2006/content-types"><Override PartName="/xl/workbook.bin" ContentType="application/'
                               'vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                       'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                       'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>',
        "xl/workbook.bin": bytes(range(256))})

    # limits
    million_rows(entry("h23-million-rows.xlsx", "a 自评表 header and 1,000,000 rows (streamed, ~250 KB)", 1,
                       ["超出读取上限", "20000 行"]))
    bomb(entry("h24-zip-bomb-bzip2.xlsx", "tiny file, one part inflating to 3 GiB of zeros (bzip2, ZIP64)", 1,
               ["压缩炸弹"]), SHEET, 3 << 30, zipfile.ZIP_BZIP2, b'<?xml version="1.0"?><worksheet>')
    bomb(entry("h25-zip-bomb-ratio.xlsx", "one part of 60 MiB that deflates 1000:1 (under the size limits)", 1,
               ["压缩比异常"]), SHEET, 60 << 20, zipfile.ZIP_DEFLATED, b'<?xml version="1.0"?><worksheet>')
    many = [(name, data) for name, data in parts_of(EXAMPLE).items()]
    many += [(f"customXml/item{i}.xml", b"") for i in range(2100)]
    write_zip(entry("h26-many-entries.xlsx", "the example plus 2,100 empty parts", 1, ["文件过多"]), many,
              method=zipfile.ZIP_STORED)
    many_cells = "".join(f'<row r="{r}">' + '<c r="A{0}"/><c r="B{0}"/>'.format(r) * 16 + "</row>" for r in range(30, 7000))
    variant(entry("h27-many-empty-cells.xlsx", "over 200,000 empty <c> elements in the 自评表 sheet", 1,
                  ["超出读取上限"]).name, EXAMPLE,
            sheet=lambda x: x.replace("</sheetData>", many_cells + "</sheetData>"))
    merges = "".join(f'<mergeCell ref="R{r}:S{r}"/>' for r in range(1, 6000))
    variant(entry("h28-many-merges.xlsx", "6,000 merged ranges", 1, ["超出读取上限", "合并区域"]).name, EXAMPLE,
            sheet=lambda x: re.sub(r"<mergeCells[^>]*>", f'<mergeCells count="9999">{merges}', x, count=1))
    variant(entry("h29-huge-cell.xlsx", "one numeric cell of 900,000 digits (实际完成值)", 1,
                  ["自评表!G11", "应为数字"], score="ok").name, EXAMPLE,
            sheet=cells(G11=(f"<v>{'9' * 900_000}</v>", None)))
    variant(entry("h30-value-below-row-limit.xlsx", "a value in row 25,000 of the 自评表 sheet", 1,
                  ["超出读取上限"]).name, EXAMPLE,
            sheet=lambda x: x.replace("</sheetData>", '<row r="25000"><c r="A25000"><v>1</v></c></row></sheetData>'))

    # XML attacks, in each part we parse
    for part, short in (("sheet", "sheet1"), ("strings", "sharedStrings"), ("workbook", "workbook"), ("styles", "styles")):
        n = len(ENTRIES)
        variant(entry(f"h{n + 1:02d}-billion-laughs-{short}.xlsx", f"entity expansion (billion laughs) in {short}.xml",
                      1, ["DTD/实体声明"]).name, EXAMPLE, **{part: with_doctype(LAUGHS, "lol9")})
        variant(entry(f"h{n + 2:02d}-xxe-{short}.xlsx", f"external entity file:///etc/passwd in {short}.xml", 1,
                      ["DTD/实体声明"]).name, EXAMPLE, **{part: with_doctype(XXE, "xxe")})
    variant(entry("h39-xxe-rels.xlsx", "external entity in xl/_rels/workbook.xml.rels", 1, ["DTD/实体声明"]).name,
            EXAMPLE, wbrels=with_doctype(XXE, "xxe"))
    variant(entry("h40-xxe-content-types.xlsx", "external entity in [Content_Types].xml", 1, ["DTD/实体声明"]).name,
            EXAMPLE, types=with_doctype(XXE, "xxe"))
    variant(entry("h41-utf16-laughs.xlsx", "billion laughs in a UTF-16 workbook.xml", 1, ["DTD/实体声明"]).name,
            EXAMPLE, workbook=lambda x: with_doctype(LAUGHS, "lol9")(x).replace('encoding="UTF-8"', 'encoding="UTF-16"'))
    parts = parts_of(FILES / "h41-utf16-laughs.xlsx")
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].decode("utf-8").encode("utf-16")
    write_zip(FILES / "h41-utf16-laughs.xlsx", parts)
    variant(entry("h42-unknown-encoding.xlsx", "workbook.xml declares encoding x-no-such-charset", 1,
                  ["XML 已损坏"]).name, EXAMPLE, workbook=lambda x: x.replace('encoding="UTF-8"', 'encoding="x-no-such-charset"'))
    variant(entry("h43-raw-control-char.xlsx", "a raw U+0001 in a label (not allowed in XML 1.0)", 1,
                  ["XML 已损坏"]).name, EXAMPLE, sheet=cells(D11=inline("执法\x01案件")))

    # values: Excel errors, circular and broken formulas, names
    variant(entry("h44-excel-errors-in-inputs.xlsx", "#REF!/#DIV/0!/#N/A in 年度指标值/实际完成值/分值", 1,
                  ["自评表!G11", "自评表!F12", "自评表!H13"], score="ok").name, EXAMPLE,
            sheet=cells(G11=("<v>#REF!</v>", "e"), F12=("<v>#DIV/0!</v>", "e"), H13=("<v>#N/A</v>", "e")))
    variant(entry("h45-excel-errors-in-formulas.xlsx", "得分 I11 (a formula) with the cached error #DIV/0!",
                  0, ["自评表!I11", "公式缓存值与重算结", "#DIV/0!"], score="ok").name, EXAMPLE,
            sheet=lambda x: re.sub(r'(<c r="I11"[^>]*>)(<f>.*?</f>)<v>[^<]*</v>', r'\1\2<v>#DIV/0!</v>',
                                   re.sub(r'<c r="I11"([^>]*)>', r'<c r="I11"\1 t="e">', x, count=1), count=1))
    variant(entry("h46-circular-reference.xlsx", "得分 I11 holds =I11+1 (a circular reference): never evaluated, a "
                  "warning", 0, ["自评表!I11", "公式与模板不一致", "=I11+1"], score="ok").name, EXAMPLE,
            sheet=lambda x: re.sub(r'(<c r="I11"[^>]*>)<f>.*?</f>', r'\1<f>I11+1</f>', x, count=1))
    variant(entry("h47-defined-name-ref.xlsx", "XL_IND_ACTUAL points to #REF! (its column deleted)", 1,
                  ["定义名称缺失", "actual"]).name, EXAMPLE,
            workbook=lambda x: re.sub(r'(<definedName name="XL_IND_ACTUAL">)[^<]*', r"\1'自评表'!#REF!", x))
    variant(entry("h48-xl-names-deleted.xlsx", "every XL_* defined name deleted (read as a foreign layout)", 0,
                  ["h48-xl-names-deleted.xlsx", "校验通过"], score="ok").name, EXAMPLE,
            workbook=lambda x: re.sub(r'<definedName name="XL_[^"]*">[^<]*</definedName>', "", x))
    variant(entry("h49-name-to-missing-sheet.xlsx", "XL_IND_KEY points to a sheet that does not exist", 1,
                  ["找不到自评表工作表"]).name, EXAMPLE,
            workbook=lambda x: re.sub(r"(<definedName name=\"XL_IND_KEY\">)'自评表'", r"\1'已删除'", x))
    variant(entry("h50-invalid-dates.xlsx", "t=\"d\" cells with 2024-13-45 in 年度 and 实际完成值", 1,
                  ["自评表!G11", "0000-00-00T25:61:61"], score="ok").name, EXAMPLE,
            sheet=cells(J2=("<v>2024-13-45</v>", "d"), G11=("<v>0000-00-00T25:61:61</v>", "d")))
    variant(entry("h51-huge-numbers.xlsx", "1e308 / -1e308 / NaN / 1e999 in inputs, weight, score and 年度", 1,
                  ["自评表!G11", "自评表!F12", "自评表!H13", "自评表!I12", "数值过大"], score="ok").name, EXAMPLE,
            sheet=cells(G11=("<v>1e308</v>", None), F12=("<v>-1e308</v>", None), H13=("<v>1e308</v>", None),
                        G13=("<v>NaN</v>", None), J2=("<v>1e999</v>", None), I12=("<v>1.7976931348623157e308</v>", None)))
    variant(entry("h52-control-and-bidi.xlsx", "RTL override / control characters (_x0007_) in the unit name and a label: "
                  "read as typed", 0, ["\u202e队支法执政行合综理管市城市洲株"], score="ok").name, EXAMPLE,
            sheet=cells(C2=inline("\u202e队支法执政行合综理管市城市洲株\u202c_x0007_"), D11=inline("执法\u200f案件_x0001_\u2066")))
    variant(entry("h53-long-strings.xlsx", "32,767-character unit name, label and 偏差原因", 0, ["长长长长", "校验通过"], score="ok").name,
            EXAMPLE, sheet=cells(C2=inline("长" * 32767), D11=inline("名" * 32767), J12=inline("因" * 32767)))

    # package oddities
    variant(entry("h54-shared-string-out-of-range.xlsx", "a cell refers to shared string #99999 (and one to #-1)", 1,
                  ["单元格 D11", "共享字符串"]).name, EXAMPLE, sheet=cells(D11=("<v>99999</v>", "s"), D12=("<v>-1</v>", "s")))
    variant(entry("h55-duplicate-sheet-names.xlsx", "two sheets named 自评表", 1, ["同名"]).name, EXAMPLE,
            workbook=lambda x: x.replace('name="_xltools"', 'name="自评表"'))
    traversal = list(parts_of(EXAMPLE).items()) + [("../evil.txt", b"owned"), ("../../tmp/evil.sh", b"#!/bin/sh\n")]
    write_zip(entry("h56-path-traversal.xlsx", "entries named ../evil.txt and ../../tmp/evil.sh", 1, ["可疑的路径"]),
              traversal)
    entry("h57-zip-password-entry.xlsx", "sheet1.xml encrypted with a zip password (ZipCrypto)", 1,
          ["sheet1.xml", "压缩密码"]).write_bytes(with_encrypted_entry(EXAMPLE, SHEET, b"secret"))
    write_zip(entry("h58-zip64.xlsx", "the valid example written with ZIP64 extra fields on every entry", 0,
                    ["株洲市城市管理综合行政执法支队", "校验通过"], score="ok"), parts_of(EXAMPLE), zip64=True)
    macro_workbook(entry("h59-vba-auto-open.xlsm", "VBA project with Auto_Open/Workbook_Open creating a marker "
                         "file: read, never run", 0, ["株洲市城市管理综合行政执法支队"], score="ok", marker=MACRO_MARKER))
    entry("h60-unsupported-compression.xlsx", "styles.xml marked with compression method 98 (PPMd)", 1,
          ["styles.xml", "无法解压"]).write_bytes(set_method(parts_zip(EXAMPLE), "xl/styles.xml", 98))
    raw = bytearray(parts_zip(EXAMPLE))
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        info = z.getinfo("xl/theme/theme1.xml")
    start = info.header_offset + 30 + len(info.filename) + 10
    for i in range(start, start + 40):
        raw[i] ^= 0x5A
    entry("h61-corrupt-part.xlsx", "bytes of the deflated theme1.xml flipped (a part the reader does not parse)", 1,
          ["theme1.xml", "无法解压"]).write_bytes(bytes(raw))
    variant(entry("h62-bad-cell-address.xlsx", "a cell with r=\"A1048577\" (below Excel's last row)", 1,
                  ["无效的单元格地址"]).name, EXAMPLE,
            sheet=lambda x: x.replace("</sheetData>", '<row r="30"><c r="A1048577"><v>1</v></c></row></sheetData>'))
    variant(entry("h63-negative-row.xlsx", "a row with r=\"-5\"", 1, ["无效的行号"]).name, EXAMPLE,
            sheet=lambda x: x.replace("</sheetData>", '<row r="-5"><c><v>1</v></c></row></sheetData>'))
    variant(entry("h64-meta-sheet-corrupt.xlsx", "the hidden _xltools sheet's form spec is not JSON", 1,
                  ["_xltools", "已损坏"]).name, EXAMPLE,
            meta=lambda x: re.sub(r'(<c r="A4"[^>]*>)(.*?)(</c>)', r'\1<is><t>{not json</t></is>\3',
                                  re.sub(r'<c r="A4"([^>]*?) t="\w+"', r'<c r="A4"\1 t="inlineStr"', x, count=1), count=1))
    duplicate = list(parts_of(EXAMPLE).items())
    duplicate.append((SHEET, b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                            b'spreadsheetml/2006/main"><sheetData/></worksheet>'))
    write_zip(entry("h65-duplicate-entry.xlsx", "two zip entries named xl/worksheets/sheet1.xml", 1, ["重复"]),
              duplicate)
    variant(entry("h66-key-range-whole-column.xlsx", "XL_IND_KEY spans Q11:Q1048576 (a whole column)", 1,
                  ["自评表!H23", "应为数字"], score="ok").name, EXAMPLE,
            workbook=lambda x: re.sub(r"(<definedName name=\"XL_IND_KEY\">)[^<]*", r"\1'自评表'!$Q$11:$Q$1048576", x))
    wide = "".join(f'<c r="{c}1" t="inlineStr"><is><t>x</t></is></c>' for c in ("XFD",))
    variant(entry("h67-cell-in-last-column.xlsx", "every XL_* name deleted and a cell in column XFD (foreign reading)",
                  0, ["h67-cell-in-last-column.xlsx", "校验通过"], score="ok").name, EXAMPLE,
            workbook=lambda x: re.sub(r'<definedName name="XL_[^"]*">[^<]*</definedName>', "", x),
            sheet=lambda x: re.sub(r"(<row r=\"1\"[^>]*>.*?)</row>", lambda m: m[1] + wide + "</row>", x, count=1, flags=re.S))

    ENTRIES.extend(dict(e) for e in FUZZ_FINDS if e["file"] in kept)
    trust_boundary()
    exhaustion()
    write_back_and_names()

    (HERE / "expected.yaml").write_text(
        "# What `xltools check FILE` must answer for each file of tests/hostile/files/ (written by build.py).\n"
        "# check: exit code; expect: substrings of the output (Chinese message, cell, or issue code), all required;\n"
        "# score: `xltools score FILE -o OUT` refuses cleanly (error: exit 2 and a message) or writes (ok: exit 0/1);\n"
        + yaml.safe_dump({"files": ENTRIES}, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")


# --- issue 18: the trust boundary, resource exhaustion, write-back ---------------------------------

YUNNAN = ROOT / "workbooks" / "yunnan.xlsx"
META = "xl/worksheets/sheet2.xml"


def spec_of(base: Path) -> dict:
    """The form definition ``base`` carries in its hidden _xltools sheet."""
    import json

    from xltools.xlsx.layout import META_SHEET
    from xltools.xlsx.package import open_book
    meta = open_book(base).sheets[META_SHEET]
    return json.loads("".join(meta.text(r, 0) for r in range(3, meta.max_row + 1)))


def with_spec(name: str, base: Path, edit, what: str, check: int, expect: list[str], score: str = "ok", **extra):
    """``base`` whose embedded definition is ``edit(spec dict)`` (a dict, or raw text), written as
    one inline string in _xltools!A4 — what a unit gets by editing the hidden sheet."""
    import json
    from xml.sax.saxutils import escape
    data = spec_of(base)
    out = edit(data)
    text = out if isinstance(out, str) else json.dumps(data if out is None else out, ensure_ascii=False)
    cell = f'<c r="A4" t="inlineStr"><is><t>{escape(text)}</t></is></c>'
    return variant(entry(name, what, check, expect, score, **extra).name, base,
                   meta=lambda x: re.sub(r'<c r="A4"[^>]*>.*?</c>', lambda m: cell, x, count=1, flags=re.S))


def _set(**changes):
    def edit(d):
        d.update(changes)
    return edit


def _group_weight(name, weight):
    def edit(d):
        next(g for g in d["indicators"] if g["group"] == name)["weight"] = weight
    return edit


def _yunnan_leaf_rule(rule):
    def edit(d):
        def leaves(nodes):
            for n in nodes:
                yield from leaves(n.get("children", [])) if "group" in n else [n]
        leaf = next(x for x in leaves(d["indicators"]) if x.get("rule", {}).get("kind") == "step")
        leaf["rule"] = rule
    return edit


def trust_boundary() -> None:
    """The embedded definition is a claim: rules, grades and weights come from the shipped form."""
    changed = "_xltools!A4"  # the form-changed error's cell; its message starts:
    claim = "工作簿内的表式定义与表式"
    with_spec("h70-forged-grades.xlsx", EXAMPLE, _set(grades=[[0, "优"]]),
              "grades rewritten to [[0, 优]] in the hidden definition: graded by the shipped bands, an error",
              1, [changed, claim])
    with_spec("h71-forged-rule-criteria.xlsx", YUNNAN, _yunnan_leaf_rule({"kind": "manual", "criteria": "满分"}),
              "a step rule of the yunnan form replaced by a manual rule", 1, [changed, claim])
    with_spec("h72-forged-rule-own-leaf.xlsx", EXAMPLE,
              lambda d: d["indicators"][0]["children"][0].setdefault("children", []).append(
                  {"leaf": "自加指标", "weight": 10, "rule": {"kind": "tiers", "tiers": [[0, 10]]}}),
              "the unit's own leaf given a rule that always gives full marks", 1, [changed, claim])
    with_spec("h73-forged-group-weight.xlsx", EXAMPLE, _group_weight("产出指标", 80),
              "产出指标 weight 50 -> 80 in the definition", 1, [changed, claim])
    with_spec("h74-forged-funding.xlsx", EXAMPLE, _set(funding={"weight": 0, "label": "预算执行率"}),
              "预算执行率 weight 10 -> 0", 1, [changed, claim])
    with_spec("h75-forged-total.xlsx", EXAMPLE, _set(total=50), "满分 100 -> 50", 1, [changed, claim])
    with_spec("h76-forged-layout.xlsx", EXAMPLE, _set(layout="criteria"), "layout national -> criteria",
              1, [changed, claim])
    with_spec("h77-forged-title.xlsx", EXAMPLE, _set(title="别的表"), "the title changed", 1, [changed, claim])
    with_spec("h78-claims-other-form.xlsx", EXAMPLE, _set(id="project"),
              "a dept workbook claiming to be the project form: judged by project, every difference listed",
              1, [changed, claim])
    with_spec("h79-unknown-form-id.xlsx", EXAMPLE, _set(id="my-own-form"),
              "a form id that is not shipped (no --form given): not judged by its own rules", 1,
              ["不是内置表式", "--form"], score="error")
    for n, (target, label) in enumerate((("/etc/passwd", "etc-passwd"), ("/dev/zero", "dev-zero"),
                                         ("/dev/stdin", "stdin"), ("\\\\host\\share\\x.yaml", "unc"),
                                         ("dept", "shipped-id"))):
        with_spec(f"h{80 + n}-extends-{label}.xlsx", EXAMPLE, _set(extends=target),
                  f"extends: {target} in the definition: never opened", 1, ["_xltools", "extends"], score="error")
    with_spec("h85-weights-key.xlsx", EXAMPLE, _set(weights={"产出指标": 90}),
              "a weights: override in the definition", 1, ["_xltools", "weights"], score="error")
    with_spec("h86-add-key.xlsx", EXAMPLE, _set(add=[{"parent": "产出指标/数量指标", "leaf": "x", "weight": 1}]),
              "an add: in the definition", 1, ["_xltools", "add"], score="error")
    with_spec("h87-16400-groups.xlsx", EXAMPLE,
              lambda d: d["indicators"].extend({"group": f"组{i}", "weight": 0} for i in range(16400)),
              "16,400 groups declared (wider than column XFD in a summary)", 1, ["_xltools", "过长"],
              score="error")
    with_spec("h88-150-groups.xlsx", EXAMPLE,
              lambda d: d["indicators"].extend({"group": f"组{i}", "weight": 0} for i in range(150)),
              "150 extra groups (under the count limit): judged by the shipped form, an error per change",
              1, [changed, claim])
    with_spec("h89-deep-json.xlsx", EXAMPLE, lambda d: "[" * 5000 + "]" * 5000,
              "5,000 nested arrays (a RecursionError before)", 1, ["_xltools", "嵌套过深"], score="error")
    with_spec("h90-deep-groups.xlsx", EXAMPLE,
              lambda d: {**d, "indicators": [__import__("functools").reduce(
                  lambda child, i: {"group": f"g{i}", "children": [child]}, range(60), {"leaf": "x", "weight": 1})]},
              "groups nested 60 deep", 1, ["_xltools", "嵌套过深"], score="error")
    with_spec("h91-huge-definition.xlsx", EXAMPLE, lambda d: {**d, "description": _hanzi(600_000)},
              "a 600,000-character definition", 1, ["_xltools", "过长"], score="error")
    with_spec("h92-nan-weights.xlsx", EXAMPLE, lambda d: json_text(d).replace('"weight":50', '"weight":NaN', 1),
              "NaN as a group weight (json accepts it)", 1, ["_xltools"], score="error")
    with_spec("h93-definition-not-a-mapping.xlsx", EXAMPLE, lambda d: '"dept"', "the definition is a JSON string",
              1, ["_xltools", "已损坏"], score="error")
    with_spec("h94-forged-grade-labels.xlsx", EXAMPLE,
              _set(grades=[[90, "优秀"], [80, "良好"], [60, "合格"], [0, "不合格"]]),
              "grade labels renamed (same bounds)", 1, [changed, claim])
    with_spec("h95-own-leaf-derived.xlsx", EXAMPLE,
              lambda d: d["indicators"][1]["children"][0].setdefault("children", []).append(
                  {"leaf": "派生", "weight": 5, "derive": {"kind": "ratio"}}),
              "the unit's own leaf with a derivation", 1, ["_xltools"], score="error")
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>' for r in range(5, 20001))
    variant(entry("h96-meta-20000-rows.xlsx", "19,996 more rows of text in the hidden sheet", 1,
                  ["_xltools", "已损坏"]).name, EXAMPLE,
            meta=lambda x: x.replace("</sheetData>", rows + "</sheetData>"))


def _hanzi(n: int) -> str:
    """``n`` Chinese characters that do not compress much (under the ratio limit)."""
    import random
    rng = random.Random(3)
    return "".join(rng.choice("长文本说明表式指标分值等级规则") for _ in range(n))


def _elements(n: int, seed: int = 5) -> bytes:
    """``n`` empty elements that deflate about 100:1 (under the ratio limit): runs of <x/> broken by
    a random other one."""
    import random
    rng = random.Random(seed)
    out, count = [], 0
    while count < n:
        k = rng.randint(40, 120)
        out.append(b"<x/>" * k + b"<" + bytes([rng.choice(b"abcdefghijklmnopqrstuvw")]) + b"/>")
        count += k + 1
    return b"".join(out)


def json_text(d) -> str:
    import json
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def _spread(size: int, seed: int = 7) -> bytes:
    """``size`` bytes of letters that deflate about 150:1 (under the ratio limit): a 30 KB random
    block repeated, with one random letter every 600 bytes breaking the matches."""
    import random
    rng = random.Random(seed)
    block = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(30000))
    out = bytearray()
    while len(out) < size:
        for i in range(0, len(block), 600):
            out += block[i:i + 600] + bytes([rng.choice(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")])
    return bytes(out[:size])


def exhaustion() -> None:
    """Small files that cost CPU or memory under the size limits: refused before the cost."""
    base = parts_of(EXAMPLE)
    sheet = base[SHEET]

    def many_sheets(name, count, body, what, expect):
        parts = dict(base)
        wb = parts["xl/workbook.xml"].decode()
        rels = parts["xl/_rels/workbook.xml.rels"].decode()
        types = parts["[Content_Types].xml"].decode()
        extra_s, extra_r, extra_t = [], [], []
        for i in range(count):
            part = f"xl/worksheets/x{i}.xml"
            parts[part] = body
            extra_s.append(f'<sheet name="S{i}" sheetId="{100 + i}" r:id="rX{i}"/>')
            extra_r.append(f'<Relationship Id="rX{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                           f'relationships/worksheet" Target="worksheets/x{i}.xml"/>')
            extra_t.append(f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-officedocument.'
                           'spreadsheetml.worksheet+xml"/>')
        parts["xl/workbook.xml"] = wb.replace("</sheets>", "".join(extra_s) + "</sheets>").encode()
        parts["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>", "".join(extra_r) + "</Relationships>").encode()
        parts["[Content_Types].xml"] = types.replace("</Types>", "".join(extra_t) + "</Types>").encode()
        write_zip(entry(name, what, 1, expect), parts)

    full = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<sheetData>" + ("<row>" + "<c><v>1</v></c>" * 10 + "</row>") * 3000
            + "</sheetData></worksheet>").encode()  # under 1 MB a sheet: no ratio limit applies
    many_sheets("h97-190-sheets.xlsx", 190, full, "190 sheets of 30,000 cells each (check took 90 s)",
                ["工作表过多"])
    many = dict(base)
    rels_part = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/' \
                'package/2006/relationships">' + "".join(
                    f'<Relationship Id="r" Type="urn:x" Target="http://example.invalid/" TargetMode="External"/>'
                    for i in range(3000)) + "</Relationships>"
    for i in range(320):
        many[f"customXml/_rels/item{i}.xml.rels"] = rels_part
    write_zip(entry("h98-320-rels-parts.xlsx", "320 relationship parts of 3,000 relationships each (1.3 GB before)",
                    1, ["关系部件过多"]), many)
    many = dict(base)
    for i in range(250):
        many[f"customXml/_rels/item{i}.xml.rels"] = rels_part
    write_zip(entry("h99-250-big-rels-parts.xlsx", "250 relationship parts (under the count limit) of 3,000 "
                    "relationships: refused by their declared sizes, before any is parsed", 1, ["关系部件过多或过大"]),
              many)

    def in_sheet(marker: bytes, body: bytes, end: bytes) -> bytes:
        return sheet.replace(b"<sheetData>", marker + body + end + b"<sheetData>", 1)
    huge = _spread(30 << 20)
    variant(entry("h100-huge-comment.xlsx", "a 30 MB XML comment in the sheet (quadratic parsing before)", 1,
                  ["sheet1.xml", "过长"]).name, EXAMPLE, sheet=in_sheet(b"<!--", huge, b"-->"))
    variant(entry("h101-huge-attribute.xlsx", "a 30 MB attribute value in the sheet", 1, ["sheet1.xml", "过长"]).name,
            EXAMPLE, sheet=sheet.replace(b"<sheetData>", b'<sheetPr codeName="' + huge + b'"/><sheetData>', 1))
    variant(entry("h102-huge-cdata.xlsx", "a 30 MB CDATA section in a shared string", 1,
                  ["sharedStrings.xml", "过长"]).name, EXAMPLE,
            strings=lambda x: x.replace("<t>", "<t><![CDATA[" + huge.decode() + "]]>", 1))
    variant(entry("h103-huge-pi.xlsx", "a 30 MB processing instruction in the workbook part", 1,
                  ["workbook.xml", "过长"]).name, EXAMPLE,
            workbook=lambda x: x.replace("<sheets>", "<?x " + huge.decode() + "?><sheets>", 1))
    variant(entry("h104-huge-text.xlsx", "a 30 MB text node in a shared string", 1, ["sharedStrings.xml", "过长"]).name,
            EXAMPLE, strings=lambda x: x.replace("<t>", "<t>" + huge.decode(), 1))
    variant(entry("h105-comment-with-markup.xlsx", "a 30 MB comment full of '<' and '>' (short runs between them)",
                  1, ["sheet1.xml", "过长"]).name, EXAMPLE,
            sheet=in_sheet(b"<!--", huge.replace(b"A", b"<").replace(b"B", b">"), b"-->"))
    variant(entry("h106-many-elements-outside-data.xlsx", "2.5 million empty elements after the sheet data "
                  "(kept by a streaming parser)", 1, ["sheet1.xml", "元素过多"]).name, EXAMPLE,
            sheet=sheet.replace(b"</sheetData>", b"</sheetData><extLst>" + _elements(2_500_000) + b"</extLst>", 1))
    variant(entry("h107-styles-many-elements.xlsx", "styles.xml of 400,000 elements (a kept tree)", 1,
                  ["XML 元素过多"]).name, EXAMPLE,
            styles=lambda x: x.replace("</styleSheet>", "<extLst>" + _elements(400_000).decode() + "</extLst></styleSheet>"))
    # a part declaring 2,000 bytes whose deflate stream holds 500 MB
    raw = bytearray(parts_zip(EXAMPLE))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts_of(EXAMPLE).items():
            if name == "xl/theme/theme1.xml":
                continue
            z.writestr(zipfile.ZipInfo(name, FIXED), data, zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("xl/theme/theme1.xml", FIXED)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=False) as f:
            chunk = b"<a>" + bytes(1 << 20)
            for _ in range(500):
                f.write(chunk)
    data = bytearray(buf.getvalue())
    local, central = _headers(bytes(data), "xl/theme/theme1.xml")
    first = (b"<a>" + bytes(1 << 20))[:2000]
    for off in (local + 14, central + 16):
        struct.pack_into("<I", data, off, zlib.crc32(first))
    struct.pack_into("<I", data, local + 22, 2000)
    struct.pack_into("<I", data, central + 24, 2000)
    del raw
    entry("h108-stream-longer-than-declared.xlsx", "theme1.xml declares 2,000 bytes, its deflate stream holds "
          "500 MB (inflated whole before: 1 GB)", 1, ["theme1.xml"]).write_bytes(bytes(data))
    parts = parts_of(EXAMPLE)
    with zipfile.ZipFile(entry("h109-bzip2-part.xlsx", "a sound bzip2-compressed part (no spreadsheet program "
                               "writes one: inflates unbounded in zipfile)", 1, ["不支持的压缩方式"]), "w") as z:
        for name, data in parts.items():
            z.writestr(zipfile.ZipInfo(name, FIXED), data,
                       zipfile.ZIP_BZIP2 if name == "xl/styles.xml" else zipfile.ZIP_DEFLATED)
    lz = bytearray(parts_zip(EXAMPLE))
    lz = set_method(bytes(lz), "xl/theme/theme1.xml", zipfile.ZIP_LZMA)
    entry("h110-corrupt-lzma.xlsx", "theme1.xml marked LZMA over deflate bytes (a traceback before)", 1,
          ["theme1.xml", "不支持的压缩方式"]).write_bytes(lz)
    variant(entry("h111-comment-in-workbook.xlsx", "a 100 KB comment in workbook.xml (parsed whole)", 1,
                  ["workbook.xml", "过长"]).name, EXAMPLE,
            workbook=lambda x: x.replace("<sheets>", "<!--" + "c" * 100_000 + "--><sheets>", 1))


def write_back_and_names() -> None:
    """Crafted XML that string surgery could misplace; names and escapes read from cells."""
    variant(entry("h112-cell-in-comment.xlsx", "a commented-out copy of 得分 I11 before the real one: the "
                  "formula the string surgery restores lands in the comment; the check after writing refuses it",
                  0, ["校验通过"], score="error").name, EXAMPLE,
            sheet=lambda x: x.replace('<c r="I11"', '<!--<c r="I11" s="1"><v>0</v></c>--><c r="I11"', 1))
    variant(entry("h113-cell-in-cdata.xlsx", "another cell's text holds '<c r=\"I11\">' in CDATA", 0,
                  ["校验通过"], score="ok").name, EXAMPLE,
            sheet=lambda x: x.replace("</sheetData>", '<row r="40"><c r="A40" t="inlineStr"><is><t><![CDATA[<c r="I11">'
                                      '<f>1</f></c>]]></t></is></c></row></sheetData>', 1))
    variant(entry("h114-fake-prefix-in-comment.xlsx", "a comment before the root naming another prefix "
                  "(<x:worksheet): write-back must not take it", 0, ["校验通过"], score="ok").name, EXAMPLE,
            sheet=lambda x: x.replace("<worksheet", '<!-- <x:worksheet xmlns:x="urn:fake"> --><worksheet', 1))
    variant(entry("h115-xescape-unit.xlsx", "unit name typed with _xHHHH_ escapes: read decoded", 0,
                  ["株洲市城管支队ABC"], score="ok").name, EXAMPLE,
            sheet=cells(C2=inline("株洲市城管支队_x0041__x0042__x0043_")))
    for n, (unit, label) in enumerate((("../../逃逸", "traversal"), ("/tmp/xltools-abs/单位", "absolute"),
                                       ("单" * 300, "300-chars"))):
        variant(entry(f"h{116 + n}-unit-name-{label}.xlsx", f"unit name {unit[:20]!r}: report -o DIR stays in DIR", 0,
                      ["校验通过"], score="ok").name, EXAMPLE, sheet=cells(C2=inline(unit)))
    variant(entry("h119-markdown-injection.xlsx", "HTML, links and images in the unit name and a reason", 0,
                  ["校验通过"], score="ok").name, EXAMPLE,
            sheet=cells(C2=inline("&lt;img src=x onerror=alert(1)&gt;[点我](http://evil.invalid)")))
    parts = parts_of(EXAMPLE)
    parts["docProps/core.xml"] = parts["docProps/core.xml"].replace(b"<dc:creator>", b"<cp:keywords>xltools-summary"
                                                                    b"</cp:keywords><dc:creator>")
    parts["xl/worksheets/sheet1.xml"] = b""
    write_zip(entry("h120-damaged-claims-summary.xlsx", "a damaged file whose properties say it is an xltools "
                    "summary (was skipped with exit 0)", 1, ["sheet1.xml"]), parts)


def parts_zip(path: Path) -> bytes:
    """``path`` re-zipped (deflated, fixed dates): a clean base for byte surgery."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts_of(path).items():
            z.writestr(zipfile.ZipInfo(name, FIXED), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


if __name__ == "__main__":
    build()
    total = sum(p.stat().st_size for p in FILES.iterdir())
    print(f"{len(ENTRIES)} files, {total / 1024:.0f} KiB in {FILES}")
    for p in sorted(FILES.iterdir()):
        print(f"  {p.stat().st_size:>9,}  {p.name}")
