"""Write results back into a user's .xlsx/.xlsm without losing anything else.

openpyxl would drop shapes, form-control buttons, images and charts, so this module edits only the
zip parts it owns, by string surgery on the XML (no re-serialisation: namespace prefixes and
``mc:Ignorable`` stay as they were), and copies every other part unchanged. Entry order,
compression method, dates and attributes are kept; new parts are appended.

Choices (the OOXML details are commented where they matter):

* Cells: a formula is ``<f>`` plus its cached ``<v>``; a constant string is an inline string
  (sharedStrings is never touched). A rewritten ``<c>`` keeps only ``r`` and ``s`` (``cm``/``vm``
  metadata goes); a new cell takes its row's or column's style, like typing into it in Excel. Overwriting the master of a shared formula first expands each
  dependant into its own formula (openpyxl's ``Translator`` shifts the references). Cells inside a
  multi-cell array formula or data table are refused (ValueError). ``xl/calcChain.xml`` is
  removed when cell contents change; Excel rebuilds it.
* Marks: one solid ``<fill>`` per colour and, per original xf, one clone in ``<cellXfs>`` with
  that fillId and ``applyFill="1"``. Two originals may differ only in their fill, so their clones
  cannot tell them apart (and a user's own solid fill looks just like ours): the clone -> original
  map is recorded in a custom XML part of ours (root ``<marks xmlns="urn:xltools:patch:1">``) and
  checked against styles.xml on every run; entries that no longer match are dropped. Without a
  valid entry ``fill=""`` leaves the cell alone (a mark is never guessed away) — unless the
  caller passes ``was``, the original fill from the marks' record of the 校验结果 sheet (a cell
  marked through Excel by the button), and the cell's fill has a mark colour: then that fill
  comes back.
* Notes are legacy comments by author "xltools". In a comment written by someone else (the
  unit, or the Excel user the button wrote as, or LibreOffice after a round trip) our text is
  everything from :data:`xltools.writeback.MARKER` (or the older "【xltools】") on, in a run of
  its own; what is above it is never removed, and a comment with nothing else left goes. VML
  shapes other than our note's (form-control buttons, other notes) are kept. VML is assumed to
  use Excel's ``v:``/``o:``/``x:`` prefixes.
* The result sheet is recognised by its name: a worksheet called
  :data:`xltools.writeback.RESULT_SHEET` is taken to be ours and is replaced in place (same part,
  sheetId and tab position; its own rels are dropped); its looks become cellXfs found again on
  the next run. docProps/app.xml is left alone (its sheet titles are only a cache; Excel
  tolerates it).
* :func:`apply_plan` carries out the write-back plan of :mod:`xltools.writeback`; :func:`apply`
  is the general patcher under it.
* Unchanged parts keep their bytes, but are re-compressed (the zip stream may differ).
* Not handled: threaded comments, table (ListObject) headers, rows/cells without ``r``, strict
  OOXML, UTF-16 parts. Input with a DTD or entity declaration is rejected.
"""
from __future__ import annotations

import html
import math
import os
import posixpath
import re
import stat
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from defusedxml import ElementTree as SafeET

from ..atomic import write_bytes
from ..errors import WorkbookError
from ..validation import SEVERITY_FILLS
from ..writeback import HEADER_FILL, MARKER, RESULT_SHEET, ResultTable, WriteBack
from .cells import col_name, rowcol
from .package import Parts, read_parts, zip_parts

__all__ = ["AUTHOR", "CellEdit", "PatchStats", "apply", "apply_plan"]

AUTHOR = "xltools"
#: Where xltools' text starts in a note written by someone else (the older marker too).
_OUR_TEXT = re.compile(re.escape(MARKER) + "|【xltools】")
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
RT = REL_NS + "/"
CT = "application/vnd.openxmlformats-officedocument."
RECORD_NS = "urn:xltools:patch:1"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
TYPES = "[Content_Types].xml"
ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
#: CT_Worksheet child order: legacyDrawing must land in its slot or Excel "repairs" the file.
SHEET_ORDER = (
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection protectedRanges "
    "scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells phoneticPr "
    "conditionalFormatting dataValidations hyperlinks printOptions pageMargins pageSetup headerFooter "
    "rowBreaks colBreaks customProperties cellWatches ignoredErrors smartTags drawing legacyDrawing "
    "legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts extLst").split()


@dataclass(frozen=True)
class CellEdit:
    """One cell. None leaves a field alone; ``fill=""``/``note=""`` remove our mark/note.
    ``value`` may also be an int or Decimal; an error string ("#DIV/0!") caches a formula error."""
    sheet: str
    ref: str
    formula: str | None = None  # without "="; written with ``value`` as its cached result
    value: float | str | bool | None = None
    fill: str | None = None  # "FFC7CE" (RGB) or "FFFFC7CE" (ARGB)
    note: str | None = None
    #: The cell was marked before (by either applier) and had this fill then: "#RRGGBB" or "" (none).
    was: str | None = None


@dataclass(frozen=True)
class PatchStats:
    """What ``apply`` did; parts whose bytes came out equal count as copied, not rewritten."""
    cells_changed: int
    fills_added: int
    fills_removed: int
    notes_added: int
    notes_replaced: int
    notes_removed: int
    parts_rewritten: tuple[str, ...]
    parts_added: tuple[str, ...]
    parts_removed: tuple[str, ...]
    parts_copied: int


# --- XML string helpers ---------------------------------------------------------------------------

_ATTRS = r"""(?:[^>"']|"[^"]*"|'[^']*')*?"""  # attributes, '>' allowed inside quoted values
_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TAG = re.compile(rf"<!--.*?-->|<\?.*?\?>|<(/?)(?:[\w.-]+:)?([\w.-]+)({_ATTRS})(/?)>", re.S)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@cache
def _elem(local: str) -> re.Pattern:
    """Element with any prefix: group 1 qualified name, 2 attributes, 3 content (None if empty)."""
    return re.compile(rf"<((?:[\w.-]+:)?{local})\b({_ATTRS})(?:/>|>(.*?)</\1\s*>)", re.S)


def _attrs(text: str) -> dict[str, str]:
    return {m[1]: html.unescape(m[2] if m[2] is not None else m[3]) for m in _ATTR.finditer(text)}


def _set_attr(attrs: str, name: str, value: object) -> str:
    """Set (or with None remove) one attribute in an attribute string, keeping the others."""
    pat = re.compile(rf"""(\s){re.escape(name)}\s*=\s*(?:"[^"]*"|'[^']*')""")
    if value is None:
        return pat.sub("", attrs, count=1)
    new = f'{name}="{_esc_attr(str(value))}"'
    if pat.search(attrs):
        return pat.sub(lambda m: m[1] + new, attrs, count=1)
    body = attrs.rstrip()
    return f"{body} {new}{attrs[len(body):]}"


def _must(m: re.Match[str] | None, what: str) -> re.Match[str]:
    """A match a sound part always has; a damaged part is refused with a message, not a traceback."""
    if m is None:
        raise WorkbookError(f"工作簿内部的{what}结构不完整，无法写回。请在 Excel 或 WPS 中打开后另存为 .xlsx，再重试。")
    return m


def _rebuild(m: re.Match, attrs: str, content: str | None = None) -> str:
    """Element ``m`` (an _elem match) with new attributes and, if given, new content."""
    content = m[3] if content is None else content
    return f"<{m[1]}{attrs}/>" if content is None else f"<{m[1]}{attrs}>{content}</{m[1]}>"


def _esc_attr(s: str) -> str:
    return escape(s, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _xstr(s: str) -> str:
    """Cell/comment text: OOXML escapes control characters as _xHHHH_ (and a literal _xHHHH_)."""
    return escape(_xencoded(s), {"\r": "&#13;"})


def _xencoded(s: str) -> str:
    """The text as the XML holds it once parsed (ST_Xstring escapes, before XML escaping)."""
    s = re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", s)
    return _ILLEGAL.sub(lambda m: f"_x{ord(m[0]):04X}_", s)


def _prefix(xml: str, root: str) -> str:
    m = re.search(rf"<([\w.-]+:)?{root}\b", xml)
    if not m:
        raise ValueError(f"no <{root}> element")
    return m[1] or ""


def _before_close(xml: str, local: str, fragment: str) -> str:
    """Insert ``fragment`` as the last child of the (last) ``local`` element."""
    ends = list(re.finditer(rf"</(?:[\w.-]+:)?{local}\s*>", xml))
    if ends:
        return xml[: ends[-1].start()] + fragment + xml[ends[-1].start():]
    m = re.search(rf"<((?:[\w.-]+:)?{local})\b({_ATTRS})/>", xml)
    if not m:
        raise ValueError(f"no <{local}> element")
    return f"{xml[:m.start()]}<{m[1]}{m[2]}>{fragment}</{m[1]}>{xml[m.end():]}"


def _children(xml: str) -> list[tuple[str, int, int]]:
    """Top-level children of the root: (local name, start, end). mc:AlternateContent is named after
    its first Choice's child (Excel wraps controls/oleObjects in it)."""
    out, depth, pos, start, name = [], 0, 0, 0, ""
    while m := _TAG.search(xml, pos):
        pos = m.end()
        if m[2] is None:  # comment or processing instruction
            continue
        if m[1]:
            depth -= 1
            if depth == 1:
                out.append((name, start, m.end()))
        elif m[4]:
            if depth == 1:
                out.append((m[2], m.start(), m.end()))
        else:
            if depth == 1:
                name, start = m[2], m.start()
                if name == "sheetData":  # jump over the bulk of the sheet
                    pos = _must(re.compile(r"</(?:[\w.-]+:)?sheetData\s*>").search(xml, pos), "工作表").start()
            depth += 1
    for i, (name, s, e) in enumerate(out):
        choice = re.search(r"<(?:[\w.-]+:)?Choice\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)", xml[s:e])
        if name == "AlternateContent" and choice:
            out[i] = (choice[1], s, e)
    return out


def _insert_child(xml: str, local: str, fragment: str, order: list[str]) -> str:
    rank = order.index(local)
    for name, start, _ in _children(xml):
        if name in order and order.index(name) > rank:
            return xml[:start] + fragment + xml[start:]
    end = xml.rstrip().rfind("</")
    return xml[:end] + fragment + xml[end:]


def _rid_attr(xml: str, rid: str) -> str:
    """` r:id="rId3"` with the prefix the root binds to the relationships namespace (or a local one)."""
    root = _must(re.search(r"<(?![?!])[^>]*>", xml), "部件")[0]
    m = re.search(rf'xmlns:([\w.-]+)\s*=\s*"{re.escape(REL_NS)}"', root)
    return f' {m[1]}:id="{rid}"' if m else f' xmlns:r="{REL_NS}" r:id="{rid}"'


def _rc(ref: str) -> tuple[int, int]:
    """'H12' -> (11, 7), 0-based; rejects anything that is not one cell inside Excel's grid."""
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})", ref.strip())
    row, col = rowcol(m[1].upper() + m[2]) if m else (-1, -1)
    if not 0 <= row < 1048576 or not 0 <= col < 16384:
        raise ValueError(f"not a cell reference: {ref!r}")
    return row, col


def _ref(row: int, col: int) -> str:
    return f"{col_name(col)}{row + 1}"


def _num(v: float) -> str:
    if not math.isfinite(v):
        raise ValueError(f"cannot store {v!r} in a cell")
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


# --- the package -----------------------------------------------------------------------------------

def _verify(pkg: _Package, sheets: dict, by_sheet: dict) -> None:
    """Before anything is written: every rewritten part is well-formed XML, and each edited cell
    is, in the parsed result, exactly one ``<c>`` holding the formula and value written (string
    surgery that landed in a comment, another cell's text or a second copy of the cell is caught
    here).  ValueError otherwise: the caller refuses and the file stays as it was."""
    for name in pkg.order:
        if pkg.data[name] is not pkg.original.get(name) and name.endswith((".xml", ".rels")):  # Excel's VML need not be well-formed
            try:
                SafeET.fromstring(pkg.data[name], forbid_dtd=True)
            except SafeET.ParseError as exc:
                raise ValueError(f"{name}: not well-formed after patching ({exc})") from None
    for sheet, cells in by_sheet.items():
        wanted = {_ref(*rc): e for rc, e in cells.items() if e.formula is not None or e.value is not None}
        if not wanted:
            continue
        found: dict[str, list] = defaultdict(list)
        for c in SafeET.fromstring(pkg.data[sheets[sheet][0]], forbid_dtd=True).iter(f"{{{MAIN}}}c"):
            if c.get("r") in wanted:
                found[c.get("r")].append(c)
        for ref, e in wanted.items():
            if len(found[ref]) != 1 or not _holds(found[ref][0], e):
                raise ValueError(f"{sheet}!{ref}: the cell does not read back as written")


def _holds(c, e: CellEdit) -> bool:
    f = c.find(f"{{{MAIN}}}f")
    if e.formula is not None:
        text = e.formula[1:] if e.formula.startswith("=") else e.formula
        if f is None or (f.text or "") != text:
            return False
    if e.value is None or isinstance(e.value, bool):
        return True
    v = c.find(f"{{{MAIN}}}v")
    if isinstance(e.value, str):
        got = v.text if v is not None else "".join(t.text or "" for t in c.iter(f"{{{MAIN}}}t"))
        return (got or "") == _xencoded(e.value)
    return v is not None and v.text == _num(float(e.value))


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


class _Package:
    """The zip in memory: parts by name, original order and entry metadata."""

    def __init__(self, src: Path):
        parts = read_parts(src)
        self.meta, self.data, self.comment = parts.meta, parts.data, parts.comment
        self.original, self.order = dict(self.data), list(self.meta)

    def text(self, name: str) -> str:
        data = self.data[name]
        if re.search(rb"<!(DOCTYPE|ENTITY)", data):
            raise ValueError(f"{name}: DTDs and entity declarations are not accepted")
        return data.decode("utf-8")

    def parse(self, name: str):
        return SafeET.fromstring(self.data[name], forbid_dtd=True)

    def put(self, name: str, text: str) -> None:
        if name not in self.data:
            self.order.append(name)
        self.data[name] = text.encode("utf-8")

    def remove(self, name: str) -> None:
        if name in self.data:
            del self.data[name]
            self.order.remove(name)

    def new_name(self, pattern: str) -> str:
        taken = {n.lower() for n in self.data}
        return next(pattern.format(n) for n in range(1, 10**6) if pattern.format(n).lower() not in taken)

    def rels(self, part: str) -> list[tuple[str, str, str | None]]:
        """(Id, Type, target part name or None if external) of a part's relationships."""
        name, out = _rels_name(part), []
        for r in self.parse(name) if name in self.data else []:
            target = r.get("Target", "")
            if r.get("TargetMode") == "External":
                target = None
            elif target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
            out.append((r.get("Id"), r.get("Type"), target))
        return out

    def add_rel(self, part: str, rtype: str, target: str) -> str:
        name, ids = _rels_name(part), {i for i, _, _ in self.rels(part)}
        xml = self.text(name) if name in self.data else f'{DECL}<Relationships xmlns="{PKG_RELS}"/>'
        rid = next(f"rId{n}" for n in range(1, 10**6) if f"rId{n}" not in ids)
        href = posixpath.relpath(target, posixpath.dirname(part) or ".")
        rel = f'<Relationship Id="{rid}" Type="{rtype}" Target="{_esc_attr(href)}"/>'
        self.put(name, _before_close(xml, "Relationships", rel))
        return rid

    def remove_rel(self, part: str, rid: str) -> None:
        name = _rels_name(part)
        pat = rf"""<(?:[\w.-]+:)?Relationship\b(?:[^>"']|"[^"]*"|'[^']*')*?\sId="{re.escape(rid)}"{_ATTRS}/>"""
        self.put(name, re.sub(pat, "", self.text(name), count=1))

    def override(self, part: str, ctype: str) -> None:
        xml = self.text(TYPES)
        if not re.search(rf'PartName="/{re.escape(part)}"', xml, re.I):
            self.put(TYPES, _before_close(xml, "Types", f'<Override PartName="/{part}" ContentType="{ctype}"/>'))

    def has_default(self, ext: str) -> bool:
        return re.search(rf'<Default\b[^>]*Extension="{ext}"', self.text(TYPES), re.I) is not None

    def default(self, ext: str, ctype: str) -> None:
        if not self.has_default(ext):
            self.put(TYPES, _before_close(self.text(TYPES), "Types", f'<Default Extension="{ext}" ContentType="{ctype}"/>'))

    def drop_override(self, part: str) -> None:
        pat = rf'<Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>'
        self.put(TYPES, re.sub(pat, "", self.text(TYPES), count=1, flags=re.I))

    def save(self, dst: Path, mode: int) -> None:
        """Write atomically (see :mod:`xltools.atomic`): the parts in their order, each entry's
        metadata kept."""
        write_bytes(dst, zip_parts(Parts(self.data, self.meta, self.comment), self.order), mode)


# --- cells -----------------------------------------------------------------------------------------

def _cell_xml(q: str, ref: str, s: int, formula: str | None, value: object) -> str:
    p = q[:-1]  # the prefix of <c>, e.g. "" or "x:"
    head = f'<{q} r="{ref}"' + (f' s="{s}"' if s else "")
    if isinstance(value, bool):
        t, v = ' t="b"', str(int(value))
    elif isinstance(value, (int, float, Decimal)):
        t, v = "", _num(float(value))
    elif isinstance(value, str) and formula is not None:
        t, v = (' t="e"' if value in ERRORS else ' t="str"'), _xstr(value)
    elif isinstance(value, str):
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'{head} t="inlineStr"><{p}is><{p}t{space}>{_xstr(value)}</{p}t></{p}is></{q}>'
    elif value is None and formula is not None:
        t, v = "", None
    else:
        raise TypeError(f"{ref}: cannot store {type(value).__name__} {value!r}")
    if formula is not None:
        text = formula[1:] if formula.startswith("=") else formula
        if _ILLEGAL.search(text):
            raise ValueError(f"{ref}: control character in formula")
        f = f"<{p}f>{escape(text)}</{p}f>"
        return f"{head}{t}>{f}</{q}>" if v is None else f"{head}{t}>{f}<{p}v>{v}</{p}v></{q}>"
    return f"{head}{t}><{p}v>{v}</{p}v></{q}>"


def _unshare(body: str, targets: set[tuple[int, int]]) -> str:
    """Before overwriting ``targets``: refuse array/data-table ranges, expand shared-formula
    dependants of a master being overwritten into their own formulas."""
    if not re.search(r'\bt="(shared|array|dataTable)"', body):
        return body
    masters = {}  # si -> (master ref, formula text)
    for cm in _elem("c").finditer(body):
        fm = _elem("f").search(cm[3] or "")
        fa, ref = _attrs(fm[2]) if fm else {}, _attrs(cm[2]).get("r")
        if not fm or "ref" not in fa or ref is None:
            continue
        if fa.get("t") == "shared" and _rc(ref) in targets:
            masters[fa.get("si")] = (ref, html.unescape(fm[3] or ""))
        elif fa.get("t") in ("array", "dataTable") and ":" in fa["ref"]:
            (r0, c0), (r1, c1) = (_rc(x) for x in fa["ref"].split(":"))
            hit = [t for t in targets if r0 <= t[0] <= r1 and c0 <= t[1] <= c1]
            if hit:
                raise ValueError(f"{_ref(*hit[0])} is inside the {fa['t']} formula {fa['ref']}; not overwritten")
    if not masters:
        return body
    from openpyxl.formula.translate import Translator  # tokenizer-based reference shifting

    def expand(cm: re.Match) -> str:
        fm = _elem("f").search(cm[3] or "")
        if fm is None:
            return cm[0]
        fa = _attrs(fm[2])
        if fa.get("t") != "shared" or fa.get("si") not in masters or "ref" in fa:
            return cm[0]
        origin, text = masters[fa["si"]]
        moved = Translator("=" + text, origin=origin).translate_formula(_attrs(cm[2])["r"])[1:]
        content = cm[3][:fm.start()] + f"<{fm[1]}>{escape(moved)}</{fm[1]}>" + cm[3][fm.end():]
        return _rebuild(cm, cm[2], content)

    return _elem("c").sub(expand, body)


def _col_styles(xml: str) -> dict[int, int]:
    cols = _elem("cols").search(xml)
    out = {}
    for m in _elem("col").finditer(cols[3] or "") if cols else []:
        a = _attrs(m[2])
        out.update({c: int(a.get("style", 0)) for c in range(int(a["min"]) - 1, min(int(a["max"]), 16384))})
    return out


def _patch_rows(body: str, ops: dict, col_style: dict[int, int], p: str) -> str:
    """Apply ``ops[(row, col)](old_cell_xml | None, inherited_style) -> new xml | None`` inside
    sheetData, keeping row and cell order and creating rows/cells where needed."""
    by_row: defaultdict[int, dict[int, Callable]] = defaultdict(dict)
    for (r, c), op in ops.items():
        by_row[r][c] = op

    def patch_cells(inner: str, row_ops: dict, row_style: int | None) -> str:
        out, pos, todo = [], 0, sorted(row_ops)

        def new(c: int) -> str:  # a cell that does not exist yet inherits the row's or column's style
            return row_ops[c](None, col_style.get(c, 0) if row_style is None else row_style) or ""

        for cm in _elem("c").finditer(inner):
            if "r" not in (a := _attrs(cm[2])):
                raise ValueError("cells without an r attribute are not supported")
            col = _rc(a["r"])[1]
            out.append(inner[pos:cm.start()])
            while todo and todo[0] < col:
                out.append(new(todo.pop(0)))
            out.append(row_ops[todo.pop(0)](cm[0], 0) if todo and todo[0] == col else cm[0])
            pos = cm.end()
        return "".join(out + [new(c) for c in todo] + [inner[pos:]])

    out, pos, todo = [], 0, sorted(by_row)
    for rm in _elem("row").finditer(body):
        a = _attrs(rm[2])
        if "r" not in a:
            raise ValueError("rows without an r attribute are not supported")
        n = int(a["r"]) - 1
        out.append(body[pos:rm.start()])
        while todo and todo[0] < n:
            r = todo.pop(0)
            cells = patch_cells("", by_row[r], None)
            out.append(f'<{p}row r="{r + 1}">{cells}</{p}row>' if cells else "")
        if todo and todo[0] == n:
            row_style = int(a.get("s", 0)) if a.get("customFormat") in ("1", "true") else None
            attrs, cols = rm[2], sorted(by_row[todo[0]])
            if "spans" in a:  # an optional hint; widen it to cover the new cells
                nums = [int(x) for x in re.findall(r"\d+", a["spans"])] or [cols[0] + 1]
                attrs = _set_attr(attrs, "spans", f"{min(nums + [cols[0] + 1])}:{max(nums + [cols[-1] + 1])}")
            out.append(_rebuild(rm, attrs, patch_cells(rm[3] or "", by_row[todo.pop(0)], row_style)))
        else:
            out.append(rm[0])
        pos = rm.end()
    out.append(body[pos:])
    for r in todo:
        cells = patch_cells("", by_row[r], None)
        out.append(f'<{p}row r="{r + 1}">{cells}</{p}row>' if cells else "")
    return "".join(out)


def _patch_sheet_cells(xml: str, ops: dict, content: set[tuple[int, int]]) -> str:
    m = _must(re.search(rf"<((?:[\w.-]+:)?sheetData)\b({_ATTRS})(/?)>", xml), "工作表")
    if m[3]:
        start, end, body = m.start(), m.end(), ""
    else:
        close = _must(re.compile(rf"</{m[1]}\s*>").search(xml, m.end()), "工作表")
        start, end, body = m.start(), close.end(), xml[m.end():close.start()]
    body = _patch_rows(_unshare(body, content), ops, _col_styles(xml), m[1][:-len("sheetData")])
    xml = f"{xml[:start]}<{m[1]}{m[2]}>{body}</{m[1]}>{xml[end:]}"
    dim = re.search(r'(<(?:[\w.-]+:)?dimension\b[^>]*?\bref=")([^"]*)"', xml)
    if dim and re.fullmatch(r"[A-Z]+\d+(:[A-Z]+\d+)?", dim[2]):  # grow the used-range hint
        box = [_rc(x) for x in dim[2].split(":")] + list(ops)
        rows, cols = [b[0] for b in box], [b[1] for b in box]
        first, last = _ref(min(rows), min(cols)), _ref(max(rows), max(cols))
        new = first if first == last else f"{first}:{last}"
        if {_rc(x) for x in new.split(":")} != {_rc(x) for x in dim[2].split(":")}:
            xml = xml[:dim.start(2)] + new + xml[dim.end(2):]
    return xml


# --- marks (styles.xml) ----------------------------------------------------------------------------

class _Styles:
    """Mark fills and clones of cellXfs; ``record`` maps clone xf -> original xf."""

    def __init__(self, xml: str, record: dict[int, int]):
        self.xml, self.p = xml, _prefix(xml, "styleSheet")
        fills, xfs = _elem("fills").search(xml), _elem("cellXfs").search(xml)
        if not fills or not xfs:
            raise ValueError("styles.xml has no <fills>/<cellXfs>")
        fonts = _elem("fonts").search(xml)
        self.fills = [m[0] for m in _elem("fill").finditer(fills[3] or "")]
        self.xfs = [m[0] for m in _elem("xf").finditer(xfs[3] or "")]
        self.fonts = [m[0] for m in _elem("font").finditer(fonts[3] or "")] if fonts else []
        self.counts = len(self.fills), len(self.xfs), len(self.fonts)
        self.record = {k: b for k, b in record.items() if self._is_clone(k, b)}

    def _attrs(self, i: int) -> dict[str, str]:
        return _attrs(self._xf_match(i)[2])

    def _key(self, i: int) -> tuple:  # an xf without its fill
        m = self._xf_match(i)
        return sorted((k, v) for k, v in _attrs(m[2]).items() if k not in ("fillId", "applyFill")), m[3]

    def _xf_match(self, i: int) -> re.Match[str]:
        return _must(_elem("xf").match(self.xfs[i]), "样式")

    def _fill(self, i: int) -> int:
        return int(self._attrs(i).get("fillId", 0))

    def _is_mark_fill(self, f: int) -> bool:
        p = re.escape(self.p)
        pat = (rf'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="[0-9A-F]{{8}}"/>'
               rf'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>')
        return f < len(self.fills) and re.fullmatch(pat, self.fills[f]) is not None

    def _is_clone(self, k: int, b: int) -> bool:
        n = len(self.xfs)
        return (0 <= k < n and 0 <= b < n and k != b and self._key(k) == self._key(b)
                and self._attrs(k).get("applyFill") == "1" and self._is_mark_fill(self._fill(k)))

    def _solid(self, fill: str) -> int:
        """Index of the solid fill of colour ``fill`` (RRGGBB or AARRGGBB), added if new."""
        p, argb = self.p, ("FF" + fill if len(fill) == 6 else fill).upper()
        xml = (f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{argb}"/>'
               f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>')
        if xml not in self.fills:
            self.fills.append(xml)
        return self.fills.index(xml)

    def _xf(self, xml: str) -> int:
        if xml not in self.xfs:
            self.xfs.append(xml)
        return self.xfs.index(xml)

    def fill_text(self, s: int) -> str:
        """The fill of xf ``s`` as the marks' record keeps it: "#RRGGBB", or "" (none, or not plain RGB)."""
        f = self._fill(s) if 0 <= s < len(self.xfs) else 0
        m = re.search(r'patternType="solid".*?fgColor rgb="[0-9A-Fa-f]{2}([0-9A-Fa-f]{6})"', self.fills[f], re.S) \
            if f < len(self.fills) else None
        return "#" + m[1].upper() if m else ""

    def restyle(self, s: int, fill: str, was: str | None = None) -> tuple[int, int]:
        """(new xf, original xf) of a cell with xf ``s`` given ``fill`` ("" = unmark).  A cell the
        record does not know but the marks' record of the result sheet lists (``was``) and whose
        fill has a mark's colour was marked through Excel (or re-saved by another program): its
        original is ``s`` with the fill ``was``."""
        b = self.record.get(s)
        if b is None:
            b = s
            if was is not None and 0 <= s < len(self.xfs) and self.fill_text(s)[1:] in SEVERITY_FILLS.values():
                m = self._xf_match(s)
                attrs = _set_attr(m[2], "fillId", self._solid(was[1:]) if was else 0)
                b = self._xf(_rebuild(m, _set_attr(attrs, "applyFill", "1" if was else None)))
        if fill == "":
            return b, b
        f = self._solid(fill)
        for k, kb in sorted(self.record.items()):
            if kb == b and self._fill(k) == f:
                return k, b
        if not 0 <= b < len(self.xfs):
            raise ValueError(f"cell style index {b} is not in styles.xml")
        m = self._xf_match(b)
        self.xfs.append(_rebuild(m, _set_attr(_set_attr(m[2], "fillId", f), "applyFill", "1")))
        self.record[len(self.xfs) - 1] = b
        return len(self.xfs) - 1, b

    def look(self, name: str) -> int:
        """The xf of a look of the result sheet (see :class:`xltools.writeback.ResultTable`): found
        again on the next run, so running twice adds nothing."""
        p, bold, fill, wrap = self.p, name in ("header", "label"), None, name not in ("header", "top")
        if name == "header":
            fill = HEADER_FILL
        elif name in SEVERITY_FILLS:
            fill = SEVERITY_FILLS[name]
        font = 0
        if bold and self.fonts:
            m = _must(_elem("font").match(self.fonts[0]), "样式")
            inner = re.sub(rf"<{re.escape(p)}b\b[^>]*/>", "", m[3] or "")
            xml = f"<{m[1]}{m[2]}><{p}b/>{inner}</{m[1]}>"
            if xml not in self.fonts:
                self.fonts.append(xml)
            font = self.fonts.index(xml)
        f = self._solid(fill) if fill else 0
        align = f'<{p}alignment vertical="top"' + (' wrapText="1"' if wrap else "") + "/>"
        return self._xf(f'<{p}xf numFmtId="0" fontId="{font}" fillId="{f}" borderId="0" xfId="0" applyFont="1" '
                        f'applyFill="1" applyAlignment="1">{align}</{p}xf>')

    def result(self) -> str:
        xml = self.xml
        for local, items, n in (("fills", self.fills, self.counts[0]), ("cellXfs", self.xfs, self.counts[1]),
                                ("fonts", self.fonts, self.counts[2])):
            if len(items) > n:
                xml = _before_close(xml, local, "".join(items[n:]))
                m = _must(re.search(rf"<((?:[\w.-]+:)?{local})\b({_ATTRS})>", xml), "样式")
                xml = xml[:m.start()] + f"<{m[1]}{_set_attr(m[2], 'count', len(items))}>" + xml[m.end():]
        return xml


def _record(pkg: _Package) -> tuple[str | None, dict[int, int]]:
    """Our custom XML part, found by its root (LibreOffice keeps the part but drops its rel)."""
    for name in pkg.order:
        if re.fullmatch(r"customXml/item\d+\.xml", name) and pkg.parse(name).tag == f"{{{RECORD_NS}}}marks":
            return name, {int(m.get("xf")): int(m.get("base")) for m in pkg.parse(name)}
    return None, {}


def _save_record(pkg: _Package, wb: str, name: str | None, record: dict[int, int]) -> None:
    """Custom XML data part (Excel keeps these): customXml/itemN.xml + itemPropsN.xml."""
    if name is None:
        n = next(n for n in range(1, 10**6) if not {f"customXml/item{n}.xml", f"customXml/itemProps{n}.xml"} & set(pkg.data))
        name, props = f"customXml/item{n}.xml", f"customXml/itemProps{n}.xml"
        pkg.put(props, f'{DECL}<ds:datastoreItem ds:itemID="{{5B0E3A64-7C1D-4F0A-9E2B-6A1D0C7F3E11}}" '
                       'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
                       '<ds:schemaRefs/></ds:datastoreItem>')
        pkg.add_rel(name, RT + "customXmlProps", props)
        pkg.override(props, CT + "customXmlProperties+xml")
        if not pkg.has_default("xml"):
            pkg.override(name, "application/xml")
    if name not in {t for _, rt, t in pkg.rels(wb) if rt == RT + "customXml"}:
        pkg.add_rel(wb, RT + "customXml", name)
    marks = "".join(f'<mark xf="{k}" base="{b}"/>' for k, b in sorted(record.items()))
    pkg.put(name, f'{DECL}<marks xmlns="{RECORD_NS}">{marks}</marks>')


# --- notes (legacy comments + VML) -----------------------------------------------------------------

_NEW_VML = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
            '<o:idmap v:ext="edit" data="{block}"/></o:shapelayout></xml>')
_NOTE_TYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
              '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')
_NOTE_SHAPE = (
    '<v:shape id="_x0000_s{id}" type="#_x0000_t202" style="position:absolute;margin-left:{x}pt;'
    'margin-top:{y}pt;width:108pt;height:60pt;z-index:{z};visibility:hidden" fillcolor="#ffffe1" '
    'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
    '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left">'
    '</div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
    '<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row>'
    '<x:Column>{col}</x:Column></x:ClientData></v:shape>')


def _cut_ours(body: str) -> tuple[str, bool]:
    """A comment's rich text without xltools' part: from the marker on, wherever it starts (the
    marker may be split over runs: LibreOffice splits text by script when it saves)."""
    ts = list(_elem("t").finditer(body))
    texts = [html.unescape(m[3] or "") for m in ts]
    found = _OUR_TEXT.search("".join(texts))
    if not found:
        return body, False
    at, i = found.start(), 0
    while at >= len(texts[i]):  # the run the marker starts in
        at -= len(texts[i])
        i += 1
    m, text = ts[i], texts[i]
    kept = text[:at].rstrip()
    run_end = re.match(r"\s*</(?:[\w.-]+:)?r\s*>", body[m.end():])
    runs = list(re.finditer(r"<(?:[\w.-]+:)?r>", body[:m.start()]))
    if not kept and run_end and runs:  # the whole run was ours
        return body[:runs[-1].start()], True
    return body[:m.start()] + _rebuild(m, m[2], escape(kept, {"\r": "&#13;"})) + (run_end[0] if run_end else ""), True


def _note_shape(vml: str, row: int, col: int) -> re.Match | None:
    """The Note shape anchored at the cell (0-based <x:Row>/<x:Column>); buttons never match."""
    for m in _elem("shape").finditer(vml):
        if ('ObjectType="Note"' in m[0] and re.search(rf"<x:Row>\s*{row}\s*</x:Row>", m[0])
                and re.search(rf"<x:Column>\s*{col}\s*</x:Column>", m[0])):
            return m
    return None


def _add_note_shape(vml: str, row: int, col: int) -> str:
    if _note_shape(vml, row, col):
        return vml
    if 'id="_x0000_t202"' not in vml:
        first = _elem("shape").search(vml)
        at = first.start() if first else vml.rfind("</xml>")
        vml = vml[:at] + _NOTE_TYPE + vml[at:]
    idmap = re.search(r'<o:idmap\b[^>]*\bdata="(\d+)', vml)
    block = int(idmap[1]) if idmap else 1
    sid = max([int(n) for n in re.findall(r'_x0000_s(\d+)', vml)], default=block * 1024) + 1
    top = max(row - 1, 0)
    shape = _NOTE_SHAPE.format(id=sid, x=(col + 1) * 48 + 11.25, y=top * 15 + 1.5, z=vml.count("<v:shape ") + 1,
                               anchor=f"{col + 1}, 15, {top}, 2, {col + 3}, 15, {top + 4}, 16", row=row, col=col)
    at = vml.rfind("</xml>")
    return vml[:at] + shape + vml[at:]


def _set_note(cxml: str, vml: str, row: int, col: int, text: str) -> tuple[str, str, str | None]:
    """Add, replace or remove our note on one cell; returns (comments, vml, what happened)."""
    p, ref = _prefix(cxml, "comments"), _ref(row, col)
    authors_el = _must(_elem("authors").search(cxml), "批注")
    authors = [html.unescape(m[3] or "") for m in _elem("author").finditer(authors_el[3] or "")]
    ours = f'<{p}text><{p}t xml:space="preserve">{_xstr(text)}</{p}t></{p}text>'
    cm = next((m for m in _elem("comment").finditer(cxml) if _attrs(m[2]).get("ref") == ref), None)
    if cm is None:
        if not text:
            return cxml, vml, None
        if AUTHOR not in authors:
            cxml, authors = _before_close(cxml, "authors", f"<{p}author>{AUTHOR}</{p}author>"), authors + [AUTHOR]
        new = f'<{p}comment ref="{ref}" authorId="{authors.index(AUTHOR)}">{ours}</{p}comment>'
        later = [m for m in _elem("comment").finditer(cxml) if _rc(_attrs(m[2])["ref"]) > (row, col)]
        cxml = (cxml[:later[0].start()] + new + cxml[later[0].start():]) if later else _before_close(cxml, "commentList", new)
        return cxml, _add_note_shape(vml, row, col), "added"
    author = int(_attrs(cm[2]).get("authorId", 0))
    if author < len(authors) and authors[author] == AUTHOR:  # our own comment: replace or remove it whole
        if not text:
            shape = _note_shape(vml, row, col)
            vml = vml[:shape.start()] + vml[shape.end():] if shape else vml
            return cxml[:cm.start()] + cxml[cm.end():], vml, "removed"
        new = _rebuild(cm, cm[2], re.sub(rf"<({re.escape(p)}text)\b.*</\1>", lambda _: ours, cm[3], flags=re.S))
        return cxml[:cm.start()] + new + cxml[cm.end():], vml, "replaced"
    tm = _must(_elem("text").search(cm[3] or ""), "批注")  # someone else's comment: only the text from our marker on is ours
    body, had = _cut_ours(tm[3] or "")
    if not had and not text:
        return cxml, vml, None
    left = "".join(html.unescape(t[3] or "") for t in _elem("t").finditer(body)).strip()
    if not text and not left:
        shape = _note_shape(vml, row, col)  # nothing of the unit's left: it was all ours (written in Excel)
        vml = vml[:shape.start()] + vml[shape.end():] if shape else vml
        return cxml[:cm.start()] + cxml[cm.end():], vml, "removed"
    if text:
        if not _elem("r").search(body):  # a plain <t> cannot be followed by runs: make it a run
            body = _elem("t").sub(lambda m: f"<{p}r>{m[0]}</{p}r>", body, count=1)
        if not left:
            body = ""
        ours_text = text if text.startswith(MARKER) else MARKER + text  # found again by the next run
        run = _xstr(("\n\n" if left else "") + ours_text)
        body += f'<{p}r><{p}t xml:space="preserve">{run}</{p}t></{p}r>'
    inner = cm[3][:tm.start()] + _rebuild(tm, tm[2], body) + cm[3][tm.end():]
    new = _rebuild(cm, cm[2], inner)
    return cxml[:cm.start()] + new + cxml[cm.end():], _add_note_shape(vml, row, col), (
        ("replaced" if had else "added") if text else "removed")


def _patch_notes(pkg: _Package, part: str, xml: str, notes: dict, stats: Counter) -> str:
    rels = pkg.rels(part)
    comments = next((t for _, rt, t in rels if rt == RT + "comments"), None)
    # the VML of <legacyDrawing r:id>, not that of legacyDrawingHF (header/footer pictures)
    legacy = next((xml[s:e] for n, s, e in _children(xml) if n == "legacyDrawing"), None)
    rid = legacy and next(v for k, v in _attrs(legacy).items() if k.endswith(":id") or k == "id")
    vml = next((t for i, _, t in rels if i == rid), None)
    cxml = pkg.text(comments) if comments else f'{DECL}<comments xmlns="{MAIN}"><authors/><commentList/></comments>'
    if vml:
        vxml = pkg.text(vml)
    else:
        idmaps = (re.search(r'<o:idmap\b[^>]*\bdata="([^"]*)"', pkg.text(n)) for n in pkg.data if n.lower().endswith(".vml"))
        blocks = [int(b) for m in idmaps if m for b in re.findall(r"\d+", m[1])]
        vxml = _NEW_VML.format(block=max(blocks, default=0) + 1)
    changed = False
    for (r, c), text in sorted(notes.items()):
        cxml, vxml, what = _set_note(cxml, vxml, r, c, text)
        if what:
            stats[f"notes_{what}"] += 1
            changed = True
    if not changed:
        return xml
    if not comments:
        comments = pkg.new_name("xl/comments{}.xml")
        pkg.add_rel(part, RT + "comments", comments)
        pkg.override(comments, CT + "spreadsheetml.comments+xml")
    if not vml:
        vml = pkg.new_name("xl/drawings/vmlDrawing{}.vml")
        pkg.default("vml", CT + "vmlDrawing")
        rid = pkg.add_rel(part, RT + "vmlDrawing", vml)
        xml = _insert_child(xml, "legacyDrawing", f"<{_prefix(xml, 'worksheet')}legacyDrawing{_rid_attr(xml, rid)}/>", SHEET_ORDER)
    pkg.put(comments, cxml)
    pkg.put(vml, vxml)
    return xml


# --- the result sheet ------------------------------------------------------------------------------

def _result_xml(rs: ResultTable, looks: dict[str, int]) -> str:
    """The result sheet: its looks as xfs, frozen header, hidden columns, A4 landscape one page wide."""
    out = []
    for i, row in enumerate(rs.rows):
        cells = [_cell_xml("c", _ref(i, j), looks.get(rs.styles.get((i, j), ""), 0), None, v)
                 for j, v in enumerate(row) if v not in (None, "")]
        cells += [f'<c r="{_ref(i, j)}" s="{looks[name]}"/>' for (r, j), name in sorted(rs.styles.items())
                  if r == i and j < len(row) and row[j] in (None, "") and looks.get(name)]
        cells.sort(key=lambda c: _rc(_must(re.search(r'r="([A-Z]+\d+)"', c), "结果表")[1])[1])
        height = f' ht="{rs.heights[i]:g}" customHeight="1"' if i in rs.heights else ""
        out.append(f'<row r="{i + 1}"{height}>{"".join(cells)}</row>')
    links = "".join(f'<hyperlink ref="{_ref(k.row, k.col)}" location="{_esc_attr(k.location)}" '
                    f'display="{_esc_attr(k.cell)}"/>' for k in rs.links)
    ncols = max((len(r) for r in rs.rows), default=1) or 1
    width = dict(enumerate(rs.widths))
    cols = "".join(f'<col min="{j + 1}" max="{j + 1}" width="{width.get(j, 8.43):g}" customWidth="1"'
                   + (' hidden="1"' if j in rs.hidden else "") + "/>" for j in range(ncols))
    top = _ref(rs.freeze_rows, 0)
    pane = (f'<pane ySplit="{rs.freeze_rows}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>') if rs.freeze_rows else ""
    return (f'{DECL}<worksheet xmlns="{MAIN}" xmlns:r="{REL_NS}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<dimension ref="A1:{_ref(len(rs.rows) - 1, ncols - 1)}"/>'
            f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{"".join(out)}</sheetData>'
            + (f'<hyperlinks>{links}</hyperlinks>' if links else "")
            + '<printOptions gridLines="1"/>'
            '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
            '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
            '<headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter></worksheet>')


def _put_result(pkg: _Package, wb: str, sheets: dict, rs: ResultTable, looks: dict[str, int]) -> None:
    if not rs.name or len(rs.name) > 31 or re.search(r"[\[\]:*?/\\]", rs.name):
        raise ValueError(f"invalid sheet name {rs.name!r}")
    if rs.name in sheets:  # ours by name: replace in place
        part, rtype = sheets[rs.name]
        if rtype != RT + "worksheet":
            raise ValueError(f"{rs.name!r} exists and is not a worksheet")
        pkg.put(part, _result_xml(rs, looks))
        pkg.remove(_rels_name(part))
    else:
        part = pkg.new_name("xl/worksheets/sheet{}.xml")
        pkg.put(part, _result_xml(rs, looks))
        pkg.override(part, CT + "spreadsheetml.worksheet+xml")
        rid, wxml = pkg.add_rel(wb, RT + "worksheet", part), pkg.text(wb)
        ids = [int(a.get("sheetId", 0)) for a in map(_attrs, (m[2] for m in _elem("sheet").finditer(wxml)))]
        entry = (f'<{_prefix(wxml, "workbook")}sheet name="{_esc_attr(rs.name)}" '
                 f'sheetId="{max(ids, default=0) + 1}"{_rid_attr(wxml, rid)}/>')
        pkg.put(wb, _before_close(wxml, "sheets", entry))
    if rs.freeze_rows:
        _print_titles(pkg, wb, rs.name, rs.freeze_rows)


#: CT_Workbook child order: definedNames must land in its slot.
WORKBOOK_ORDER = ("fileVersion fileSharing workbookPr workbookProtection bookViews sheets functionGroups "
                  "externalReferences definedNames calcPr oleSize customWorkbookViews pivotCaches smartTagPr "
                  "smartTagTypes webPublishing fileRecoveryPr webPublishObjects extLst").split()


def _print_titles(pkg: _Package, wb: str, name: str, rows: int) -> None:
    """The sheet's first ``rows`` rows printed on every page (its _xlnm.Print_Titles name)."""
    wxml = pkg.text(wb)
    p = _prefix(wxml, "workbook")
    names = [html.unescape(_attrs(m[2]).get("name", "")) for m in _elem("sheet").finditer(wxml)]
    index = names.index(name)
    quoted = "'" + name.replace("'", "''") + "'"
    entry = f'<{p}definedName name="_xlnm.Print_Titles" localSheetId="{index}">{escape(quoted)}!$1:${rows}</{p}definedName>'
    for m in _elem("definedName").finditer(wxml):
        a = _attrs(m[2])
        if a.get("name") == "_xlnm.Print_Titles" and a.get("localSheetId") == str(index):
            if m[0] != entry:
                pkg.put(wb, wxml[:m.start()] + entry + wxml[m.end():])
            return
    if _elem("definedNames").search(wxml):
        pkg.put(wb, _before_close(wxml, "definedNames", entry))
    else:
        pkg.put(wb, _insert_child(wxml, "definedNames", f"<{p}definedNames>{entry}</{p}definedNames>",
                                  WORKBOOK_ORDER))


# --- apply -----------------------------------------------------------------------------------------

def _merge(edits: list[CellEdit]) -> dict[tuple[str, tuple[int, int]], CellEdit]:
    """One edit per cell; a later edit's non-None fields win."""
    merged: dict[tuple[str, tuple[int, int]], CellEdit] = {}
    for e in edits:
        if e.fill and not re.fullmatch(r"[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?", e.fill):
            raise ValueError(f"{e.sheet}!{e.ref}: fill must be RRGGBB or AARRGGBB, not {e.fill!r}")
        key = (e.sheet, _rc(e.ref))
        old = merged.get(key)
        merged[key] = e if old is None else replace(
            old, **{f: getattr(e, f) for f in ("formula", "value", "fill", "note", "was") if getattr(e, f) is not None})
    return merged


def _cell_op(e: CellEdit, rc: tuple[int, int], p: str, styles: _Styles | None, stats: Counter,
             originals: dict[tuple[str, str], str]):
    def op(old: str | None, inherited: int) -> str | None:
        m = _elem("c").fullmatch(old) if old else None
        q = m[1] if m else p + "c"
        s = int(_attrs(m[2]).get("s", 0)) if m else inherited
        new_s = s
        if e.fill is not None and styles is not None:  # fills only where the workbook has styles
            new_s, base = styles.restyle(s, e.fill, e.was)
            if e.fill:
                originals[(e.sheet, _ref(*rc))] = styles.fill_text(base)
        if new_s != s:
            stats["fills_added" if e.fill else "fills_removed"] += 1
        if e.formula is not None or e.value is not None:
            stats["cells_changed"] += 1
            return _cell_xml(q, _ref(*rc), new_s, e.formula, e.value)
        if m:
            return old if new_s == s else _rebuild(m, _set_attr(m[2], "s", new_s or None))
        return None if new_s == inherited else f'<{q} r="{_ref(*rc)}" s="{new_s}"/>'
    return op


def apply(src: Path, dst: Path, edits: list[CellEdit],
          result_sheet: ResultTable | Callable[[dict], ResultTable] | None) -> PatchStats:
    """Write ``edits`` and ``result_sheet`` into a copy of ``src`` at ``dst`` (may equal src).
    ``result_sheet`` may be a function of the original fills of the marked cells ((sheet, cell) ->
    "#RRGGBB" or ""), known only once the cells are patched: it gets them and returns the sheet."""
    src, dst = Path(src), Path(dst)
    pkg = _Package(src)
    wb = next(t for _, rt, t in pkg.rels("") if rt == RT + "officeDocument" and t is not None)
    wb_rels = {i: (rt, t) for i, rt, t in pkg.rels(wb) if t is not None}  # not external links
    sheets = {s.get("name"): wb_rels[s.get(f"{{{REL_NS}}}id")][::-1] for s in pkg.parse(wb).iter(f"{{{MAIN}}}sheet")}
    merged = _merge(edits)
    stats: Counter[str] = Counter()
    originals: dict[tuple[str, str], str] = {}
    styles = record_part = None
    styles_part = next((t for rt, t in wb_rels.values() if rt == RT + "styles"), None)
    if styles_part is None:  # a workbook without a styles part cannot carry fills: notes only
        merged = {k: replace(e, fill=None) for k, e in merged.items()}
    if styles_part is not None and (any(e.fill is not None for e in merged.values()) or result_sheet is not None):
        record_part, record = _record(pkg)
        styles = _Styles(pkg.text(styles_part), record)
    by_sheet: defaultdict[str, dict[tuple[int, int], CellEdit]] = defaultdict(dict)
    for (sheet, rc), e in merged.items():
        if sheet not in sheets or sheets[sheet][1] != RT + "worksheet":
            raise ValueError(f"no worksheet named {sheet!r}")
        if result_sheet is not None and sheet == RESULT_SHEET:
            raise ValueError(f"{sheet!r} is replaced by the result sheet; do not edit it")
        by_sheet[sheet][rc] = e
    for sheet, cells in by_sheet.items():
        part = sheets[sheet][0]
        xml = pkg.text(part)
        p = _prefix(xml, "worksheet")
        ops = {rc: _cell_op(e, rc, p, styles, stats, originals) for rc, e in cells.items()
               if e.formula is not None or e.value is not None or e.fill is not None}
        if ops:
            content = {rc for rc, e in cells.items() if e.formula is not None or e.value is not None}
            xml = _patch_sheet_cells(xml, ops, content)
        notes = {rc: e.note for rc, e in cells.items() if e.note is not None}
        if notes:
            xml = _patch_notes(pkg, part, xml, notes, stats)
        pkg.put(part, xml)
    if result_sheet is not None:
        table = result_sheet(originals) if callable(result_sheet) else result_sheet
        looks = {name: styles.look(name) for name in set(table.styles.values())} if styles else {}
        _put_result(pkg, wb, sheets, table, looks)
    if styles is not None and styles_part is not None:
        pkg.put(styles_part, styles.result())
        if styles.record or record_part:
            _save_record(pkg, wb, record_part, styles.record)
    if stats["cells_changed"]:  # cached dependency order is stale now; Excel rebuilds it
        for rid, rtype, target in pkg.rels(wb):
            if rtype == RT + "calcChain" and target is not None:
                pkg.remove_rel(wb, rid)
                pkg.remove(target)
                pkg.drop_override(target)
    _verify(pkg, sheets, by_sheet)
    mode = stat.S_IMODE(os.stat(dst if dst.exists() else src).st_mode)
    pkg.save(dst, mode)
    old, new = pkg.original, pkg.data
    return PatchStats(
        **{k: stats[k] for k in ("cells_changed", "fills_added", "fills_removed",
                                 "notes_added", "notes_replaced", "notes_removed")},
        parts_rewritten=tuple(n for n in pkg.order if n in old and old[n] != new[n]),
        parts_added=tuple(n for n in pkg.order if n not in old),
        parts_removed=tuple(n for n in old if n not in new),
        parts_copied=sum(1 for n in pkg.order if n in old and old[n] == new[n]))


def apply_plan(src: Path, dst: Path, plan: WriteBack) -> PatchStats:
    """The write-back plan (:mod:`xltools.writeback`) carried out on a file: formulas and their
    cached values back, earlier marks of clean cells removed, marks, the 校验结果 sheet."""
    edits = [CellEdit(r.sheet, r.cell, formula=r.formula.lstrip("="), value=r.value) for r in plan.restores]
    edits += [CellEdit(r.sheet, r.cell, value=r.value) for r in plan.rewrites]
    edits += [CellEdit(sheet, cell, fill="", note="", was=was) for sheet, cell, was in plan.unmarks()]
    edits += [CellEdit(m.sheet, m.cell, fill=m.fill, note=m.note, was=plan.old_marks.get((m.sheet, m.cell)))
              for m in plan.marks]
    return apply(src, dst, edits, plan.table)
