"""Read an .xlsx/.xlsm package safely and fast: sheets as grids of cells (cached value, formula,
number format), merged ranges and defined names.  No third-party spreadsheet library.

Every workbook is untrusted input: the zip is checked against size and ratio limits before any
part is inflated, XML is parsed with defusedxml (no DTDs, no entities), and reading stops at a
row limit.  Anything unusable raises :class:`xltools.errors.WorkbookError` with a Chinese message
that names the file and says what to do.
"""
from __future__ import annotations

import math
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
import xml.etree.ElementTree as ET

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException, DTDForbidden

from ..errors import WorkbookError
from .cells import rowcol

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass(frozen=True)
class Limits:
    """What one workbook may cost us.  Exceeding a limit is a clear error, never a hang."""

    max_entries: int = 2000
    max_total_bytes: int = 200 * 1024 * 1024  # unpacked
    max_part_bytes: int = 100 * 1024 * 1024
    max_ratio: int = 200  # unpacked/packed, for parts over 1 MiB unpacked
    max_rows: int = 20000  # rows read per sheet
    max_cells: int = 500000  # <c> elements per sheet, empty ones included (they cost parsing time too)
    max_merges: int = 5000  # merged ranges per sheet (lookups are linear in them)


DEFAULT_LIMITS = Limits()
#: What reading a damaged zip can raise, besides OSError: a bad CRC or header (BadZipFile), a broken
#: deflate stream (zlib.error), an entry cut short (EOFError), an encrypted entry (RuntimeError), an
#: unsupported compression method or zip version (NotImplementedError).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError, OSError)
SPREADSHEET_TYPES = ("spreadsheetml", "ms-excel")
PERCENT_FORMAT_IDS = {9, 10}
BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%",
                   11: "0.00E+00", 49: "@"}


@dataclass
class CellData:
    value: object = None  # float, str, bool, or an Excel error string like "#DIV/0!"
    formula: str | None = None  # without "="; "" for a dependant of a shared formula
    fmt: str = "General"
    error: bool = False


@dataclass
class Grid:
    name: str
    cells: dict[tuple[int, int], CellData] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    state: str = "visible"
    truncated: bool = False
    max_row: int = -1
    max_col: int = -1

    def get(self, row: int, col: int) -> CellData:
        return self.cells.get((row, col)) or _EMPTY

    def value(self, row: int, col: int):
        return self.get(row, col).value

    def text(self, row: int, col: int) -> str:
        value = self.value(row, col)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def merged_top_left(self, row: int, col: int) -> tuple[int, int]:
        for r1, c1, r2, c2 in self.merged:
            if r1 <= row <= r2 and c1 <= col <= c2:
                return r1, c1
        return row, col


_EMPTY = CellData()


@dataclass
class Book:
    path: str
    sheets: dict[str, Grid]
    names: dict[str, tuple[str, int, int, int, int]]  # defined name -> (sheet, r1, c1, r2, c2)
    has_vba: bool = False

    def sheet(self, name: str) -> Grid | None:
        return self.sheets.get(name)

    def name_range(self, name: str) -> tuple[str, int, int, int, int] | None:
        return self.names.get(name)


# ---------------------------------------------------------------------------


def sniff(path: Path) -> str:
    """What a file is by its first bytes: zip, ole (legacy .xls or an encrypted OOXML), or other."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise WorkbookError(f"{path}：无法打开（{exc.strerror or type(exc).__name__}）。请检查路径和权限。") from None
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"
    return "empty" if not head else "other"


def open_book(path: str | Path, limits: Limits = DEFAULT_LIMITS, *, sheets: set[str] | None = None) -> Book:
    """Read a workbook.  ``sheets`` limits which sheets are parsed (None: all)."""
    path = Path(path)
    kind = sniff(path)
    if kind == "empty":
        raise WorkbookError(f"{path.name}：文件是空的（0 字节）。请重新导出或重新发送该文件。")
    if kind == "ole":
        raise WorkbookError(_ole_message(path))
    if kind != "zip":
        raise WorkbookError(f"{path.name}：不是 Excel 工作簿（.xlsx）。如果是 CSV、WPS 或其他格式，"
                            "请在 Excel/WPS 中“另存为”Excel 工作簿（*.xlsx）后再试。")
    try:
        archive = zipfile.ZipFile(path)
    except ZIP_ERRORS as exc:
        raise WorkbookError(f"{path.name}：文件已损坏，无法解压（{type(exc).__name__}）。请重新保存或重新发送。") from None
    with archive:
        _check_zip(path, archive, limits)
        return _read_book(path, archive, limits, sheets)


def _ole_message(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(65536)
    except OSError:
        data = b""
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        return (f"{path.name}：工作簿设置了打开密码（已加密），无法读取。请在 Excel/WPS 中“文件→信息→保护工作簿”"
                "取消密码后另存，再试。")
    return (f"{path.name}：这是旧版 Excel 97-2003 格式（.xls）。请在 Excel/WPS 中“另存为”Excel 工作簿（*.xlsx）后再试。")


def _check_zip(path: Path, archive: zipfile.ZipFile, limits: Limits) -> None:
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise WorkbookError(f"{path.name}：压缩包内文件过多（{len(infos)} 个），不像正常的工作簿，已拒绝读取。")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_part_bytes or total > limits.max_total_bytes:
            raise WorkbookError(f"{path.name}：解压后过大（超过 {limits.max_total_bytes // 1024 // 1024} MB），"
                                "可能是“压缩炸弹”或异常文件，已拒绝读取。")
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(1, info.compress_size):
            raise WorkbookError(f"{path.name}：部件 {info.filename} 压缩比异常（{info.file_size // max(1, info.compress_size)}:1），"
                                "可能是“压缩炸弹”，已拒绝读取。")
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or ".." in name.split("/") or ":" in name.split("/")[0]:
            raise WorkbookError(f"{path.name}：压缩包内有可疑的路径“{info.filename[:80]}”（指向包外），"
                                "不像正常的工作簿，已拒绝读取。")
    _check_entries(path, archive, infos)
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        if "content.xml" in names and "mimetype" in names:
            raise WorkbookError(f"{path.name}：这是 OpenDocument 表格（.ods）。请另存为 Excel 工作簿（*.xlsx）后再试。")
        if "word/document.xml" in names:
            raise WorkbookError(f"{path.name}：这是 Word 文档，不是 Excel 工作簿。")
        raise WorkbookError(f"{path.name}：压缩包里没有工作簿内容（xl/workbook.xml），不是有效的 .xlsx 文件。")


def _check_entries(path: Path, archive: zipfile.ZipFile, infos) -> None:
    """Inflate every entry once (streaming, nothing kept) so that a damaged or encrypted part is a
    clear error here, not a crash later in a part the reader does not parse (score copies them all).
    Sizes were checked first, so this costs at most ``max_total_bytes`` of inflating."""
    for info in infos:
        if info.flag_bits & 0x1:
            raise WorkbookError(f"{path.name}：压缩包内的部件 {info.filename} 设置了压缩密码（加密），无法读取。"
                                "请在 Excel/WPS 中打开后另存为普通的 Excel 工作簿（*.xlsx），再试。")
        try:
            with archive.open(info) as f:
                while f.read(1 << 20):
                    pass
        except ZIP_ERRORS as exc:
            raise WorkbookError(f"{path.name}：部件 {info.filename} 无法解压（{type(exc).__name__}），文件已损坏。"
                                "请重新保存或重新发送。") from None


def _xml(path: Path, archive: zipfile.ZipFile, part: str):
    try:
        data = archive.read(part)
    except KeyError:
        return None
    except ZIP_ERRORS as exc:
        raise WorkbookError(f"{path.name}：部件 {part} 无法解压（{type(exc).__name__}），文件可能已损坏。") from None
    try:
        return parse_xml(data)
    except DefusedXmlException:
        raise WorkbookError(f"{path.name}：部件 {part} 含有 DTD/实体声明（可能是恶意构造的文件），已拒绝读取。") from None
    except ET.ParseError as exc:
        raise WorkbookError(f"{path.name}：部件 {part} 的 XML 已损坏（{exc}），请在 Excel 中打开修复后另存。") from None


def parse_xml(data: bytes):
    """Parse one package part.  OOXML never needs a DTD, so any DOCTYPE or ENTITY declaration is
    refused outright (as defusedxml's forbid_dtd does: entity expansion and external entities both
    need one); what remains is parsed by the C-accelerated ElementTree, 5x faster than defusedxml's
    pure-Python tree builder on our parts."""
    head = data[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) == 4 and (head[1] == 0 or head[0] == 0)):
        text = data.decode("utf-16", errors="replace")  # UTF-16 part: look for the declarations in text
        if "<!DOCTYPE" in text or "<!ENTITY" in text:
            raise DTDForbidden(None, None, None)
        return SafeET.fromstring(data, forbid_dtd=True)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise DTDForbidden(None, None, None)
    return ET.fromstring(data)


def _rels(path: Path, archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    folder, _, name = part.rpartition("/")
    root = _xml(path, archive, f"{folder}/_rels/{name}.rels")
    out = {}
    if root is None:
        return out
    for rel in root.iter(f"{PKG_REL}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        out[rel.get("Id", "")] = _join(folder, target)
    return out


def _join(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    parts = (folder.split("/") if folder else []) + target.split("/")
    out: list[str] = []
    for p in parts:
        if p == "..":
            if out:
                out.pop()
        elif p and p != ".":
            out.append(p)
    return "/".join(out)


def _read_book(path: Path, archive: zipfile.ZipFile, limits: Limits, only: set[str] | None) -> Book:
    workbook_part = "xl/workbook.xml"
    root = _xml(path, archive, workbook_part)
    if root is None:
        raise WorkbookError(f"{path.name}：缺少 xl/workbook.xml，不是有效的 .xlsx 文件。")
    rels = _rels(path, archive, workbook_part)
    strings = _shared_strings(path, archive, rels)
    formats = _formats(path, archive, rels)
    sheets: dict[str, Grid] = {}
    order: list[str] = []
    for sheet in root.iter(f"{NS}sheet"):
        name = sheet.get("name", "")
        order.append(name)
        part = rels.get(sheet.get(f"{REL_NS}id", ""))
        if part is None or (only is not None and name not in only):
            continue
        grid = Grid(name, state=sheet.get("state", "visible"))
        if part in {i.filename for i in archive.infolist()}:
            _read_sheet(path, archive, part, grid, strings, formats, limits)
        sheets[name] = grid
    names = {}
    for dn in root.iter(f"{NS}definedName"):
        if dn.get("localSheetId") is not None:
            continue
        parsed = parse_ref(dn.text or "")
        if parsed:
            names[dn.get("name", "")] = parsed
    has_vba = any(i.filename.lower().endswith("vbaproject.bin") for i in archive.infolist())
    return Book(str(path), sheets, names, has_vba)


_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def parse_ref(text: str) -> tuple[str, int, int, int, int] | None:
    m = _REF.match(text.strip().lstrip("="))
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    r1, c1 = rowcol(f"{m.group(3)}{m.group(4)}")
    if m.group(5):
        r2, c2 = rowcol(f"{m.group(5)}{m.group(6)}")
    else:
        r2, c2 = r1, c1
    return sheet, r1, c1, r2, c2


def _shared_strings(path, archive, rels) -> list[str]:
    part = next((p for p in rels.values() if p.endswith("sharedStrings.xml")), None)
    root = _xml(path, archive, part) if part else None
    if root is None:
        return []
    return ["".join(t.text or "" for t in si.iter(f"{NS}t")) for si in root.iter(f"{NS}si")]


def _formats(path, archive, rels) -> list[str]:
    part = next((p for p in rels.values() if p.endswith("styles.xml")), None)
    root = _xml(path, archive, part) if part else None
    if root is None:
        return []
    custom = {int(n.get("numFmtId", "0")): n.get("formatCode", "General") for n in root.iter(f"{NS}numFmt")}
    xfs = root.find(f"{NS}cellXfs")
    out = []
    for xf in (xfs if xfs is not None else []):
        fid = int(xf.get("numFmtId", "0") or 0)
        out.append(custom.get(fid) or BUILTIN_FORMATS.get(fid, "General"))
    return out


_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")


def _read_sheet(path, archive, part, grid: Grid, strings, formats, limits: Limits) -> None:
    root = _xml(path, archive, part)
    if root is None:
        return
    data = root.find(f"{NS}sheetData")
    count = 0
    for row_index, row in enumerate(data if data is not None else []):
        r = int(row.get("r", row_index + 1)) - 1
        if r >= limits.max_rows:
            grid.truncated = True
            break
        for col_index, c in enumerate(row):
            ref = c.get("r")
            if ref:
                m = _CELL_REF.match(ref)
                if not m:
                    continue
                rr, cc = rowcol(ref)
            else:
                rr, cc = r, col_index
            cell = _cell(c, strings, formats)
            if cell is not None:
                grid.cells[(rr, cc)] = cell
                grid.max_row, grid.max_col = max(grid.max_row, rr), max(grid.max_col, cc)
                count += 1
                if count > limits.max_cells:
                    grid.truncated = True
                    return
    merges = root.find(f"{NS}mergeCells")
    for m in (merges if merges is not None else []):
        ref = m.get("ref", "")
        if ":" in ref:
            a, b = ref.split(":", 1)
            try:
                (r1, c1), (r2, c2) = rowcol(a), rowcol(b)
            except (ValueError, AttributeError):
                continue
            grid.merged.append((r1, c1, r2, c2))


def _cell(c, strings, formats) -> CellData | None:
    t = c.get("t", "n")
    s = int(c.get("s", "0") or 0)
    fmt = formats[s] if 0 <= s < len(formats) else "General"
    f = c.find(f"{NS}f")
    formula = None
    if f is not None:
        formula = f.text or ""
    v = c.find(f"{NS}v")
    raw = v.text if v is not None else None
    value: object = None
    error = False
    if t == "inlineStr":
        is_ = c.find(f"{NS}is")
        value = "".join(x.text or "" for x in is_.iter(f"{NS}t")) if is_ is not None else ""
    elif raw is None:
        value = None
    elif t == "s":
        try:
            value = strings[int(raw)]
        except (ValueError, IndexError):
            value = None
    elif t in ("str", "d"):
        value = raw
    elif t == "b":
        value = raw in ("1", "true")
    elif t == "e":
        value, error = raw, True
    else:
        try:
            value = float(raw)
        except ValueError:
            value = raw
    if value is None and formula is None and fmt == "General":
        return None
    return CellData(value, formula, fmt, error)

