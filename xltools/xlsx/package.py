"""Read an .xlsx/.xlsm package safely and fast: sheets as grids of cells (cached value, formula,
number format), merged ranges and defined names.  No third-party spreadsheet library.

Every workbook is untrusted input: the zip is checked against size and ratio limits before any
part is inflated, XML is parsed with defusedxml (no DTDs, no entities), and reading stops at a
row limit.  Anything unusable raises :class:`xltools.errors.WorkbookError` with a Chinese message
that names the file and says what to do.
"""
from __future__ import annotations

import errno
import io
import math
import os
import re
import stat
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import cast
from urllib.parse import unquote
from xml.parsers import expat

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException, DTDForbidden

from ..errors import WorkbookError, os_reason
from .cells import a1, rowcol

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


@dataclass(frozen=True)
class Limits:
    """What one workbook may cost us.  Exceeding a limit is a clear error, never a hang."""

    max_entries: int = 2000
    max_total_bytes: int = 200 * 1024 * 1024  # unpacked
    max_part_bytes: int = 100 * 1024 * 1024
    max_ratio: int = 200  # unpacked/packed, for parts over 1 MiB unpacked
    max_rows: int = 20000  # rows read per sheet
    max_cells: int = 200000  # <c> elements per sheet, empty ones included (they cost parsing time too)
    max_merges: int = 5000  # merged ranges per sheet (lookups are linear in them)
    max_sheets: int = 100  # sheets of the workbook (each costs a parse)
    max_book_cells: int = 400000  # <c> elements of all sheets together
    max_rels: int = 300  # relationship parts (each is parsed whole and kept)
    max_rels_bytes: int = 4 * 1024 * 1024  # their declared sizes together (checked before any is parsed)
    max_tree_nodes: int = 300_000  # elements of the parts parsed whole and kept, the workbook over
    max_part_nodes: int = 600_000  # "<" of one part (its tags): 200,000 cells of a value each
    max_token: int = 2 * 1024 * 1024  # bytes of one text or tag (between two "<")
    max_special: int = 64 * 1024  # bytes of one comment, CDATA section or processing instruction


DEFAULT_LIMITS = Limits()
#: What reading a damaged zip can raise, besides OSError: a bad CRC or header (BadZipFile), a broken
#: deflate stream (zlib.error), an entry cut short (EOFError), an encrypted entry (RuntimeError), an
#: unsupported compression method or zip version (NotImplementedError).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError, OSError)
SPREADSHEET_TYPES = ("spreadsheetml", "ms-excel")
BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%",
                   11: "0.00E+00", 49: "@"}


@dataclass(slots=True)
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
    cell_count: int = 0  # <c> elements parsed
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


# ---------------------------------------------------------------------------


def _open(path: Path):
    """The file, opened only when it is a regular file: a FIFO would block, a device never end."""
    refuse_special(path)
    try:
        return open(path, "rb")
    except OSError as exc:
        raise WorkbookError(f"{path.name}：无法打开（{os_reason(exc)}）。请检查路径和权限。") from None


def refuse_special(path: Path) -> None:
    """WorkbookError unless ``path`` is (a link to) a regular file; looks without opening it."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if os.path.islink(path):
            why = "符号链接循环" if exc.errno == errno.ELOOP else "符号链接指向的文件不存在"
            raise WorkbookError(f"{path.name}：无法打开（{why}）。请改用链接指向的真实文件。") from None
        raise WorkbookError(f"{path.name}：无法打开（{os_reason(exc)}）。请检查路径和权限。") from None
    if not stat.S_ISREG(mode):
        what = ("文件夹" if stat.S_ISDIR(mode) else "命名管道（FIFO）" if stat.S_ISFIFO(mode) else
                "设备文件" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "套接字" if stat.S_ISSOCK(mode) else "特殊文件")
        raise WorkbookError(f"{path.name}：这是{what}，不是普通文件，未打开读取。请改用真正的 .xlsx 工作簿文件。")


def _kind(head: bytes) -> str:
    """What a file is by its first bytes: zip, ole (legacy .xls or an encrypted OOXML), empty or other."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"
    return "empty" if not head else "other"


def open_book(path: str | Path, limits: Limits = DEFAULT_LIMITS, *, sheets: set[str] | None = None) -> Book:
    """Read a workbook.  ``sheets`` limits which sheets are parsed (None: all)."""
    path = Path(path)
    with _open(path) as f:
        kind = _kind(f.read(8))
        if kind == "empty":
            raise WorkbookError(f"{path.name}：文件是空的（0 字节）。请重新导出或重新发送该文件。")
        if kind == "ole":
            raise WorkbookError(_ole_message(path))
        if kind != "zip":
            raise WorkbookError(f"{path.name}：不是 Excel 工作簿（.xlsx）。如果是 CSV、WPS 或其他格式，"
                                "请在 Excel/WPS 中“另存为”Excel 工作簿（*.xlsx）后再试。")
        try:
            f.seek(0)
            archive = _Archive(f)
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


class _Archive(zipfile.ZipFile):
    """The workbook's zip, with the parts the integrity check inflated kept for the reader, so that
    no part is inflated or parsed twice: ``trees`` of the small parts the reader parses anyway
    (relationships, content types, workbook, styles), ``data`` of small sheets and shared strings."""

    def __init__(self, file):
        super().__init__(file)
        self.trees: dict[str, object] = {}
        self.data: dict[str, bytes] = {}


def _check_zip(path: Path, archive: _Archive, limits: Limits) -> None:
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
    if len({i.filename for i in infos}) != len(infos):
        raise WorkbookError(f"{path.name}：压缩包内有重复的部件名（同名的两份内容），不像正常的工作簿，已拒绝读取。")
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or ".." in name.split("/") or ":" in name.split("/")[0]:
            raise WorkbookError(f"{path.name}：压缩包内有可疑的路径“{info.filename[:80]}”（指向包外），"
                                "不像正常的工作簿，已拒绝读取。")
    _check_entries(path, archive, infos, limits)
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        if "content.xml" in names and "mimetype" in names:
            raise WorkbookError(f"{path.name}：这是 OpenDocument 表格（.ods）。请另存为 Excel 工作簿（*.xlsx）后再试。")
        if "xl/workbook.bin" in names:
            raise WorkbookError(f"{path.name}：这是 Excel 二进制工作簿（.xlsb）。请在 Excel 中“另存为”Excel 工作簿（*.xlsx）后再试。")
        if "word/document.xml" in names:
            raise WorkbookError(f"{path.name}：这是 Word 文档，不是 Excel 工作簿。")
        raise WorkbookError(f"{path.name}：压缩包里没有工作簿内容（xl/workbook.xml），不是有效的 .xlsx 文件。")


#: What Excel, WPS and LibreOffice write.  Other methods (bzip2, LZMA) inflate without a bound per
#: read in Python's zipfile, so a part could inflate far past its declared size: refused.
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def read_member(f, size: int) -> bytes:
    """All of an open zip member, inflated in bounded steps: zipfile stops at the declared ``size``
    (a stream holding more is cut there and fails its CRC), never inflating the rest first."""
    chunks, got = [], 0
    while chunk := f.read(min(1 << 20, max(size - got, 0) + 1)):
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


@dataclass
class Parts:
    """A package's parts in memory, in zip order, with each entry's metadata and the zip comment:
    what the write-back patches and the add-in builder edits before :func:`zip_parts` writes them."""

    data: dict[str, bytes]
    meta: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    comment: bytes = b""


def read_parts(path: str | Path) -> Parts:
    """Every part of a package whose reading was already checked (:func:`open_book`) or that we
    made ourselves, each inflated in bounded steps (:func:`read_member`).  ValueError on a zip
    with two entries of one name."""
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        meta = {i.filename: i for i in infos}
        if len(meta) != len(infos):
            raise ValueError(f"{path}: duplicate zip entries")
        data = {}
        for info in infos:
            with z.open(info) as f:
                data[info.filename] = read_member(f, info.file_size)
        return Parts(data, meta, z.comment)


#: The entry time of parts with no metadata to keep (reproducible add-in builds).
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def zip_parts(parts: Parts, order: list[str] | None = None) -> bytes:
    """The package as zip bytes, parts in ``order`` (default: as stored).  A part keeps its own
    entry's metadata (time, compression, attributes, comment); a new part copies that of
    ``[Content_Types].xml``, or is deflated with :data:`FIXED_TIME` when there is none."""
    template = parts.meta.get("[Content_Types].xml") or next(iter(parts.meta.values()), None)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.comment = parts.comment
        for name in order if order is not None else list(parts.data):
            old = parts.meta.get(name, template)
            info = zipfile.ZipInfo(name, old.date_time if old else FIXED_TIME)
            if old is not None:
                info.compress_type, info.create_system = old.compress_type, old.create_system
                info.external_attr = old.external_attr
                info.comment = old.comment if name in parts.meta else b""
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, parts.data[name])
    return buffer.getvalue()


def _check_entries(path: Path, archive: _Archive, infos, limits: Limits | None = None) -> None:
    """Inflate every entry once (streaming, nothing kept) so that a damaged or encrypted part is a
    clear error here, not a crash later in a part the reader does not parse (score copies them all).
    Sizes were checked first, so this costs at most ``max_total_bytes`` of inflating."""
    limits = limits or DEFAULT_LIMITS
    present = {i.filename for i in infos}
    rels = [i for i in infos if i.filename.endswith(".rels")]
    if len(rels) > limits.max_rels or sum(i.file_size for i in rels) > limits.max_rels_bytes:
        raise WorkbookError(f"{path.name}：关系部件过多或过大（{len(rels)} 个，共 {sum(i.file_size for i in rels) // 1024} KB；"
                            f"上限 {limits.max_rels} 个、{limits.max_rels_bytes // 1024 // 1024} MB），不像正常的工作簿，"
                            "已拒绝读取（超出读取上限）。")
    budget = _Budget(path, limits)
    for info in infos:
        if info.flag_bits & 0x1:
            raise WorkbookError(f"{path.name}：压缩包内的部件 {info.filename} 设置了压缩密码（加密），无法读取。"
                                "请在 Excel/WPS 中打开后另存为普通的 Excel 工作簿（*.xlsx），再试。")
        if info.compress_type not in _METHODS:
            raise WorkbookError(f"{path.name}：部件 {info.filename} 使用了不支持的压缩方式（{info.compress_type}），"
                                "无法解压。请在 Excel/WPS 中打开后另存为 Excel 工作簿（*.xlsx），再试。")
        try:
            name, small = info.filename, info.file_size <= WHOLE_PART_BYTES
            with archive.open(info) as f:
                if name.endswith(".rels"):  # small; score follows them: sound XML, no dangling target
                    archive.trees[name] = tree = budget.tree(name, read_member(f, info.file_size))
                    _check_rels(path, name, tree, present)
                elif _STREAMED.match(name):  # parsed by the reader itself
                    if small:
                        archive.data[name] = read_member(f, info.file_size)
                elif name.lower().endswith(".xml"):  # score edits parts as text: they must be sound
                    if small and _KEPT.match(name):
                        archive.trees[name] = budget.tree(name, read_member(f, info.file_size))
                    elif info.file_size <= _SAME_BYTES:
                        _check_small_xml(path, name, read_member(f, info.file_size), limits)
                    else:
                        _check_xml(path, name, f, limits)
                while f.read(1 << 20):  # to the end: the CRC is checked there
                    pass
        except ZIP_ERRORS as exc:
            raise WorkbookError(f"{path.name}：部件 {info.filename} 无法解压（{type(exc).__name__}），文件已损坏。"
                                "请重新保存或重新发送。") from None


class _Budget:
    """The elements of the parts parsed whole and kept (relationships, content types, workbook,
    styles), counted before each is parsed: together at most ``max_tree_nodes``."""

    def __init__(self, path: Path, limits: Limits):
        self.path, self.limits, self.nodes = path, limits, 0

    def tree(self, name: str, data: bytes):
        self.nodes += data.count(b"<")
        if self.nodes > self.limits.max_tree_nodes:
            raise WorkbookError(f"{self.path.name}：部件 {name} 等处的 XML 元素过多（超过 {self.limits.max_tree_nodes} 个），"
                                "超出读取上限，已拒绝读取。")
        return _parsed(self.path, name, data, self.limits)


#: Parts parsed in full by the reader itself (as a stream, refusing DTDs): not checked twice.
_STREAMED = re.compile(r"xl/(worksheets/[^/]+|sharedStrings)\.xml$")
#: Small parts the reader parses in any case: their trees are kept from the check.
_KEPT = re.compile(r"(\[Content_Types\]|xl/workbook|xl/styles)\.xml$")


#: Parts whose bytes were seen before are not parsed again: workbooks made from one template share
#: their content types, relationships, workbook, styles, theme and properties parts, so a collection
#: parses each of those once.  Keyed by the exact bytes (never by a checksum), so a part is reused
#: only where it is identical; the trees are only read, never changed.
_SAME_BYTES = 64 * 1024
_SAME_LIMIT = 256
_same_trees: dict[bytes, object] = {}
_sound: set[bytes] = set()


def _parsed(path: Path, name: str, data: bytes, limits: Limits):
    if len(data) > _SAME_BYTES:
        return _parse_part(path, name, data, limits)
    tree = _same_trees.get(data)
    if tree is None:
        tree = _parse_part(path, name, data, limits)
        if len(_same_trees) >= _SAME_LIMIT:
            _same_trees.clear()
        _same_trees[data] = tree
    return tree


def _check_small_xml(path: Path, name: str, data: bytes, limits: Limits) -> None:
    if data not in _sound:
        _check_xml(path, name, io.BytesIO(data), limits)
        if len(_sound) >= _SAME_LIMIT:
            _sound.clear()
        _sound.add(data)


def _check_xml(path: Path, name: str, f, limits: Limits) -> None:
    """Well-formed and without DTD, checked by expat as a stream (no tree: flat memory, C speed)."""
    parser = expat.ParserCreate()
    guard = Tokens(path, name, limits)

    def refuse(*args):
        raise DTDForbidden(None, None, None)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        while chunk := f.read(1 << 20):
            guard.feed(chunk)
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except DefusedXmlException:
        raise WorkbookError(f"{path.name}：部件 {name} 含有 DTD/实体声明（可能是恶意构造的文件），已拒绝读取。") from None
    except (expat.ExpatError, LookupError, ValueError) as exc:
        raise WorkbookError(f"{path.name}：部件 {name} 的 XML 已损坏（{str(exc)[:120]}），请在 Excel 中打开修复后另存。") from None


def _check_rels(path: Path, name: str, root, present: set[str]) -> None:
    folder = name.rpartition("_rels/")[0].rstrip("/")
    for rel in root.iter(f"{PKG_REL}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = _join(folder, unquote(rel.get("Target", "")))
        if target not in present:
            raise WorkbookError(f"{path.name}：{name} 引用的部件 {target or '（空）'} 缺失，文件已损坏。"
                                "请在 Excel 中打开修复后另存，或重新发送。")


def _xml(path: Path, archive: _Archive, part: str, limits: Limits | None = None):
    if part in archive.trees:
        return archive.trees[part]
    try:
        data = archive.data.pop(part, None)
        if data is None:
            info = archive.getinfo(part)
            with archive.open(info) as f:
                data = read_member(f, info.file_size)
    except KeyError:
        return None
    except ZIP_ERRORS as exc:
        raise WorkbookError(f"{path.name}：部件 {part} 无法解压（{type(exc).__name__}），文件可能已损坏。") from None
    return _parse_part(path, part, data, limits or DEFAULT_LIMITS)


def _parse_part(path: Path, part: str, data: bytes, limits: Limits):
    try:
        if data.count(b"<") > limits.max_part_nodes:
            raise WorkbookError(f"{path.name}：部件 {part} 的 XML 元素过多（超过 {limits.max_part_nodes} 个），"
                                "超出读取上限，已拒绝读取。")
        Tokens(path, part, limits).feed(data)
        return parse_xml(data)
    except DefusedXmlException:
        raise WorkbookError(f"{path.name}：部件 {part} 含有 DTD/实体声明（可能是恶意构造的文件），已拒绝读取。") from None
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: an unknown encoding
        raise WorkbookError(f"{path.name}：部件 {part} 的 XML 已损坏（{str(exc)[:120]}），请在 Excel 中打开修复后另存。") from None


class Tokens:
    """Refuses, before the parser sees them, single XML tokens so long that parsing them in chunks
    costs quadratic time (expat re-reads an unfinished token with every chunk): a text or tag over
    ``max_token`` bytes (the run between two "<"), a comment, CDATA section or processing
    instruction over ``max_special``.  Fed chunk by chunk; linear, at C speed."""

    _OPEN = re.compile(rb"<(!--|!\[CDATA\[|\?)")
    _CLOSE = {b"!--": b"-->", b"![CDATA[": b"]]>", b"?": b"?>"}

    def __init__(self, path: Path, part: str, limits: Limits):
        self.path, self.part = path, part
        self.max_token, self.max_special = limits.max_token, limits.max_special
        # a run of over max_token bytes without "<", starting after a "<" (or at the start): each
        # position is tried once (the look-behind fails at once inside a run), so the search is linear
        self._long = re.compile(rb"(?<![^<])[^<]{%d}" % (self.max_token + 1))
        self.run = 0  # bytes since the last "<" (across chunks)
        self.offset = 0  # where the current chunk starts in the part
        self.tail = b""  # the last bytes of the previous chunk: a marker may straddle two chunks
        self.close: bytes | None = None  # the end of the comment/CDATA/PI we are in
        self.opened = 0  # where it started
        self.seen = 0  # openings before this offset were handled

    def feed(self, chunk: bytes) -> None:
        first = chunk.find(b"<")
        self.run += len(chunk) if first < 0 else first
        if self.run > self.max_token or (first >= 0 and self._long.search(chunk, first)):
            self._refuse("一段文字或一个标记")
        if first >= 0:
            self.run = len(chunk) - chunk.rfind(b"<") - 1
        self._specials(chunk)
        self.offset += len(chunk)

    def _specials(self, chunk: bytes) -> None:
        data, base = self.tail + chunk, self.offset - len(self.tail)
        pos = 0
        while True:
            if self.close is not None:
                end = data.find(self.close, max(pos, 0))
                stop = base + (end if end >= 0 else len(data))
                if stop - self.opened > self.max_special:
                    self._refuse("一段注释、CDATA 或处理指令")
                if end < 0:
                    break
                pos = end + len(self.close)
                self.close, self.seen = None, base + pos
                continue
            m = self._OPEN.search(data, max(pos, self.seen - base))
            if m is None:
                break
            self.close, self.opened, pos = self._CLOSE[m[1]], base + m.start(), m.end()
            self.seen = base + m.end()
        self.tail = data[-8:]

    def _refuse(self, what: str) -> None:
        raise WorkbookError(f"{self.path.name}：部件 {self.part} 中{what}过长（超过读取上限），"
                            "不像正常的工作簿（可能是恶意构造的文件），已拒绝读取。")


def parse_xml(data: bytes):
    """Parse one package part.  OOXML never needs a DTD, so any DOCTYPE or ENTITY declaration is
    refused outright (as defusedxml's forbid_dtd does: entity expansion and external entities both
    need one); what remains is parsed by the C-accelerated ElementTree, 5x faster than defusedxml's
    pure-Python tree builder on our parts."""
    if _looks_utf16(data[:4]):
        text = data.decode("utf-16", errors="replace")  # UTF-16 part: look for the declarations in text
        if "<!DOCTYPE" in text or "<!ENTITY" in text:
            raise DTDForbidden(None, None, None)
        return SafeET.fromstring(data, forbid_dtd=True)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise DTDForbidden(None, None, None)
    return ET.fromstring(data)


def _rels(path: Path, archive: _Archive, part: str) -> dict[str, str]:
    folder, _, name = part.rpartition("/")
    root = _xml(path, archive, f"{folder}/_rels/{name}.rels")
    out: dict[str, str] = {}
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


def _read_book(path: Path, archive: _Archive, limits: Limits, only: set[str] | None) -> Book:
    present = {i.filename for i in archive.infolist()}
    workbook_part = _workbook_part(path, archive, present)
    root = _xml(path, archive, workbook_part)
    if root is None:
        raise WorkbookError(f"{path.name}：缺少 {workbook_part}，不是有效的 .xlsx 文件。")
    rels = _rels(path, archive, workbook_part)
    lost = sorted(p for p in rels.values() if p not in present)
    if lost:
        raise WorkbookError(f"{path.name}：工作簿引用的部件 {'、'.join(lost[:3])} 缺失，文件已损坏。"
                            "请在 Excel 中打开修复后另存，或重新发送。")
    strings = _shared_strings(path, archive, rels, limits)
    formats = _formats(path, archive, rels)
    sheets: dict[str, Grid] = {}
    used = 0  # cells read so far (the book's budget)
    listed = list(root.iter(f"{NS}sheet"))
    if len(listed) > limits.max_sheets:
        raise WorkbookError(f"{path.name}：工作表过多（{len(listed)} 个，上限 {limits.max_sheets}），超出读取上限，"
                            "不像自评表，已拒绝读取。请删除多余的工作表后另存，再试。")
    for sheet in root.iter(f"{NS}sheet"):
        name = sheet.get("name", "")
        if name in sheets:
            raise WorkbookError(f"{path.name}：有两个同名的工作表“{name}”，文件已损坏。请在 Excel 中打开修复后另存。")
        part = rels.get(sheet.get(f"{REL_NS}id", ""))
        if part is None or part not in present:
            raise WorkbookError(f"{path.name}：工作表“{name}”的内容（{part or '关系'}）缺失，文件已损坏。"
                                "请在 Excel 中打开修复后另存，或重新发送。")
        if only is not None and name not in only:
            continue
        grid = Grid(name, state=sheet.get("state", "visible"))
        left = limits.max_book_cells - used
        _read_sheet(path, archive, part, grid, strings, formats,
                    limits if left >= limits.max_cells else replace(limits, max_cells=max(left, 0)))
        used += grid.cell_count
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


def _workbook_part(path: Path, archive: _Archive, present: set[str]) -> str:
    """The workbook part named by _rels/.rels, declared a spreadsheet in [Content_Types].xml
    (what Excel requires before it opens a package; score writes through the same two parts)."""
    if "[Content_Types].xml" not in present or "_rels/.rels" not in present:
        missing = "[Content_Types].xml" if "[Content_Types].xml" not in present else "_rels/.rels"
        raise WorkbookError(f"{path.name}：缺少部件 {missing}，不是有效的 .xlsx 文件（文件已损坏）。"
                            "请在 Excel/WPS 中重新保存，或重新发送。")
    top = _xml(path, archive, "_rels/.rels")
    part = None
    for rel in top.iter(f"{PKG_REL}Relationship"):
        if rel.get("Type", "").endswith("/officeDocument") and rel.get("TargetMode") != "External":
            part = _join("", rel.get("Target", ""))
            break
    if part is None or part not in present:
        raise WorkbookError(f"{path.name}：_rels/.rels 没有指向工作簿内容（{part or '无 officeDocument 关系'}），"
                            "不是有效的 .xlsx 文件（文件已损坏）。")
    types = _xml(path, archive, "[Content_Types].xml")
    ctype = ""
    for o in types.iter(f"{CT_NS}Override"):
        if o.get("PartName", "").lstrip("/").lower() == part.lower():
            ctype = o.get("ContentType", "")
    if not ctype:
        ext = part.rpartition(".")[2].lower()
        ctype = next((d.get("ContentType", "") for d in types.iter(f"{CT_NS}Default")
                      if d.get("Extension", "").lower() == ext), "")
    if "binary" in ctype:
        raise WorkbookError(f"{path.name}：这是 Excel 二进制工作簿（.xlsb）。请在 Excel 中“另存为”Excel 工作簿（*.xlsx）后再试。")
    if not any(t in ctype for t in SPREADSHEET_TYPES):
        what = "Word 文档" if "wordprocessingml" in ctype else "演示文稿" if "presentationml" in ctype else None
        if what:
            raise WorkbookError(f"{path.name}：这是{what}，不是 Excel 工作簿。")
        raise WorkbookError(f"{path.name}：[Content_Types].xml 中工作簿 {part} 的类型不对（“{ctype or '未声明'}”），"
                            "文件已损坏或不是 Excel 工作簿。请在 Excel/WPS 中重新保存后再试。")
    return part


_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


@lru_cache(maxsize=4096)
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
    if min(r1, r2) < 0:  # row 0 ("$A$0") is no cell
        return None
    return sheet, r1, c1, r2, c2


def _int(text, default: int = 0) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def _shared_strings(path, archive, rels, limits: Limits) -> list[str]:
    part = next((p for p in rels.values() if p.endswith("sharedStrings.xml")), None)
    out: list[str] = []
    if part is None or part not in archive.NameToInfo:
        return out
    for event, elem, parent in _stream(path, archive, part, ("si",), limits):
        if event == "root":
            continue
        out.append(xstring("".join(t.text or "" for t in elem.iter(f"{NS}t"))))
        parent.remove(elem)
    return out


_XESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def xstring(text: str) -> str:
    """Decode OOXML's ``_xHHHH_`` escapes (ST_Xstring: characters XML cannot hold, and ``_x005F_``
    for a literal underscore), as Excel shows the text."""
    if "_x" not in text:
        return text
    return _XESCAPE.sub(lambda m: chr(int(m[1], 16)), text)


def _formats(path, archive, rels) -> tuple[str, ...]:
    part = next((p for p in rels.values() if p.endswith("styles.xml")), None)
    root = _xml(path, archive, part) if part else None
    if root is None:
        return ()
    known = _formats_of.get(id(root))
    if known is not None and known[0] is root:  # the same (shared) styles tree as an earlier workbook
        return known[1]
    out = _read_formats(root)
    if len(_formats_of) >= _SAME_LIMIT:
        _formats_of.clear()
    _formats_of[id(root)] = (root, out)
    return out


_formats_of: dict[int, tuple[object, tuple[str, ...]]] = {}


def _read_formats(root) -> tuple[str, ...]:
    custom = {_int(n.get("numFmtId"), -1): n.get("formatCode", "General") for n in root.iter(f"{NS}numFmt")}
    xfs = root.find(f"{NS}cellXfs")
    out = []
    for xf in (xfs if xfs is not None else []):
        fid = _int(xf.get("numFmtId"))
        out.append(custom.get(fid) or BUILTIN_FORMATS.get(fid, "General"))
    return tuple(out)


def _stream(path: Path, archive: _Archive, part: str, tags: tuple[str, ...], limits: Limits = DEFAULT_LIMITS):
    """Parse a big part as a stream: yields ("start"|"end", element, parent) for the local names in
    ``tags`` — "end" when the element is complete, "start" (attributes only) for "row".  The caller
    removes what it has used from ``parent``, so memory stays flat whatever the part's size.  DTDs and
    entity declarations are refused chunk by chunk, before expat sees them; a UTF-16 part (never
    written by Excel) is parsed whole by :func:`parse_xml`."""
    wanted = {f"{NS}{t}" for t in tags}
    info = archive.NameToInfo.get(part)
    if info is None:
        return
    if info.file_size <= WHOLE_PART_BYTES:  # the usual case: one C-speed parse of the whole part
        root = _xml(path, archive, part, limits)  # DTDs refused by parse_xml
        yield "root", root, _NO_PARENT
        yield from _whole_events(root, wanted)
        return
    try:
        f = archive.open(part)
    except ZIP_ERRORS as exc:
        raise WorkbookError(f"{path.name}：部件 {part} 无法解压（{type(exc).__name__}），文件可能已损坏。") from None
    with f:
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
        stack: list = []
        tail = b""
        first = True
        guard = Tokens(path, part, limits)
        nodes = 0

        def events():
            # only start and end events were asked for: each item is an element
            for event, elem in cast("Iterator[tuple[str, ET.Element]]", parser.read_events()):
                if event == "start":
                    stack.append(elem)
                    if len(stack) == 1:
                        yield "root", elem, _NO_PARENT
                    elif elem.tag == _ROW and elem.tag in wanted:
                        yield "start", elem, _CLEAR
                    continue
                stack.pop()
                if elem.tag in wanted:
                    yield "end", elem, _CLEAR if stack else _NO_PARENT
        try:
            while True:
                chunk = f.read(1 << 16)
                if not chunk:
                    break
                if first and _looks_utf16(chunk):
                    root = _xml(path, archive, part, limits)
                    yield "root", root, _NO_PARENT
                    yield from _whole_events(root, wanted)
                    return
                first = False
                if b"<!DOCTYPE" in tail + chunk or b"<!ENTITY" in tail + chunk:
                    raise DTDForbidden(None, None, None)
                tail = chunk[-16:]
                guard.feed(chunk)
                nodes += chunk.count(b"<")  # counted before parsing: each element costs Python time
                if nodes > limits.max_part_nodes:
                    raise WorkbookError(f"{path.name}：部件 {part} 的 XML 元素过多（超过 {limits.max_part_nodes} 个），"
                                        "超出读取上限，已拒绝读取。")
                parser.feed(chunk)
                yield from events()
            parser.close()
            yield from events()
        except DefusedXmlException:
            raise WorkbookError(f"{path.name}：部件 {part} 含有 DTD/实体声明（可能是恶意构造的文件），已拒绝读取。") from None
        except (ET.ParseError, LookupError) as exc:
            raise WorkbookError(f"{path.name}：部件 {part} 的 XML 已损坏（{str(exc)[:120]}），请在 Excel 中打开修复后另存。") from None
        except ZIP_ERRORS as exc:
            raise WorkbookError(f"{path.name}：部件 {part} 无法解压（{type(exc).__name__}），文件可能已损坏。") from None


def _whole_events(root, wanted: set[str]) -> list:
    """The events of :func:`_stream` for a part parsed whole (a list: cheaper than yielding one by one)."""
    return [("start" if elem.tag == _ROW else "end", elem, _NO_PARENT) for elem in root.iter() if elem.tag in wanted]


#: Parts up to this size are parsed whole (fast); larger ones as a stream (flat memory).
WHOLE_PART_BYTES = 2 * 1024 * 1024


class _NoParent:
    """The parent of a root element, or of any element of a part parsed whole: nothing to free."""

    def remove(self, elem) -> None:
        pass


_NO_PARENT = _NoParent()


class _Clear:
    """The "parent" of a streamed element: freeing it empties it (O(1)) instead of removing it from
    its parent (O(siblings): quadratic for millions of cells under one element).  What remains of
    it, an empty element, goes with its parent, which is emptied in turn when it ends."""

    def remove(self, elem) -> None:
        elem.clear()


_CLEAR = _Clear()


def _looks_utf16(head: bytes) -> bool:
    return head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) >= 4 and (head[1] == 0 or head[0] == 0))


_CELL_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})")
_ROW, _C, _MERGE, _DATA, _F, _V, _IS, _T = (f"{NS}{t}" for t in ("row", "c", "mergeCell", "sheetData", "f", "v", "is", "t"))


@lru_cache(maxsize=65536)
def _position(ref: str) -> tuple[int, int] | None:
    """"B12" -> (11, 1); None for anything that is not a cell inside A1:XFD1048576."""
    m = _CELL_REF.fullmatch(ref)
    if not m or not 0 < int(m.group(2)) <= 1048576:
        return None
    rr, cc = rowcol(ref)
    return (rr, cc) if cc < 16384 else None


def _read_sheet(path, archive, part, grid: Grid, strings, formats, limits: Limits) -> None:
    """Cells, merges; stops (``grid.truncated``) at ``limits`` — a value or formula below row
    ``max_rows``, more than ``max_cells`` cells or ``max_merges`` merges: the readers turn that into an
    error.  Empty formatted cells below the row limit are skipped."""
    where = f"工作表“{grid.name}”"
    rows = cells = 0
    r = col_index = -1
    root = data = None
    store = grid.cells
    max_row = max_col = -1
    max_rows, max_cells = limits.max_rows, limits.max_cells
    try:
        for event, elem, parent in _stream(path, archive, part, ("row", "c", "mergeCell", "sheetData"), limits):
            tag = elem.tag
            if tag == _C:
                cells += 1
                if cells > max_cells:
                    grid.truncated = True
                    return
                col_index += 1
                ref = elem.get("r")
                if ref:
                    pos = _position(ref)
                    if pos is None:
                        raise WorkbookError(f"{path.name}：{where}中有无效的单元格地址“{ref[:20]}”，文件已损坏。"
                                            "请在 Excel 中打开修复后另存。")
                    rr, cc = pos
                    col_index = cc
                else:
                    rr, cc = max(r, 0), col_index
                cell = _cell(elem, strings, formats)
                parent.remove(elem)
                if cell is None:
                    continue
                if cell is _BAD_STRING:
                    raise WorkbookError(f"{path.name}：{where}单元格 {a1(rr, cc)} 引用了不存在的共享字符串"
                                        f"（共 {len(strings)} 个），文件已损坏。请在 Excel 中打开修复后另存。")
                if rr >= max_rows:  # formatting far down (LibreOffice writes row 1048576) is no content
                    if cell.value is not None or cell.formula is not None:
                        grid.truncated = True
                        return
                    continue
                store[(rr, cc)] = cell
                if rr > max_row:
                    max_row = rr
                if cc > max_col:
                    max_col = cc
            elif event == "root":
                root = tag
            elif tag == _ROW:
                if event == "start":
                    rows += 1
                    text = elem.get("r")
                    r = _int(text, -1) - 1 if text is not None else r + 1
                    if r < 0:
                        raise WorkbookError(f"{path.name}：{where}中有无效的行号“{text[:20]}”，文件已损坏。"
                                            "请在 Excel 中打开修复后另存。")
                    col_index = -1
                    if rows > max_cells:  # row elements cost parsing time like cells
                        grid.truncated = True
                        return
                else:
                    parent.remove(elem)
            elif tag == _DATA:
                data = elem
            elif tag == _MERGE:
                ref = elem.get("ref", "")
                parent.remove(elem)
                if ":" in ref:
                    a, b = ref.split(":", 1)
                    if not (_CELL_REF.fullmatch(a) and _CELL_REF.fullmatch(b)):
                        continue  # not a range of cells: ignored, as before
                    (r1, c1), (r2, c2) = rowcol(a), rowcol(b)
                    if len(grid.merged) >= limits.max_merges:
                        grid.truncated = True
                        return
                    grid.merged.append((r1, c1, r2, c2))
    finally:
        grid.max_row, grid.max_col = max(grid.max_row, max_row), max(grid.max_col, max_col)
        grid.cell_count = cells
    if root == f"{NS}worksheet" and data is None:  # required by the schema; score writes into it
        raise WorkbookError(f"{path.name}：{where}缺少单元格数据（sheetData），文件已损坏。请在 Excel 中打开修复后另存。")


_BAD_STRING = CellData()  # a sentinel, told apart by identity


def _cell(c, strings, formats) -> CellData | None:
    s = c.get("s")
    fmt = "General"
    if s is not None:
        index = _int(s, -1)
        if 0 <= index < len(formats):
            fmt = formats[index]
    t = c.get("t", "n")
    if not len(c) and t != "inlineStr":  # a blank cell: kept only for its number format
        return None if fmt == "General" else CellData(None, None, fmt)
    f = v = is_ = None
    for child in c:
        tag = child.tag
        if tag == _V:
            v = child if v is None else v
        elif tag == _F:
            f = child if f is None else f
        elif tag == _IS:
            is_ = child if is_ is None else is_
    formula = None if f is None else (f.text or "")
    raw = v.text if v is not None else None
    value: object = None
    error = False
    if t == "inlineStr":
        value = xstring("".join(x.text or "" for x in is_.iter(_T))) if is_ is not None else ""
    elif raw is None:
        value = None
    elif t == "s":
        index = _int(raw, -1)
        if not 0 <= index < len(strings):
            return _BAD_STRING
        value = strings[index]
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
        if isinstance(value, float) and not math.isfinite(value):
            value = raw  # Excel never stores NaN/inf: keep what was written, as text
    if value is None and formula is None and fmt == "General":
        return None
    return CellData(value, formula, fmt, error)

