"""Mutations of valid workbooks for the fuzzer (tests/test_fuzz.py, benchmarks/fuzz.py).

Everything is driven by one ``random.Random``, so ``(base file, seed)`` reproduces an input.
Four families: the embedded form definition edited as a unit could (:func:`mutate_definition`),
parts made large in the ways that cost time or memory (:func:`mutate_sizes`), raw byte flips in the
zip, and structural edits of the XML of the parts we read
(sheets, workbook.xml, styles.xml, sharedStrings.xml): delete/duplicate elements, change the
attributes that matter (``t``, ``s``, ``r``, merge refs, defined names), inject text into values
and formulas, huge and non-finite numbers.  The XML is edited with lxml (prefixes kept).

:func:`run_one` runs ``check_workbook`` (and, when that worked, ``score_workbook`` to a copy) on
one input and classifies the outcome: ``valid``/``invalid`` (a Result), ``workbook-error`` /
``spec-error`` (an XltoolsError: a clear refusal), anything else is a ``crash``.
"""
from __future__ import annotations

import io
import random
import traceback
import zipfile
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
BASES = sorted((ROOT / "workbooks").glob("*.xlsx"))

XML_PARTS = ("xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml",
             "xl/worksheets/sheet2.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml")
HOSTILE_TEXT = ("", "abc", "#REF!", "#DIV/0!", "#N/A", "1e308", "-1e308", "1e309", "NaN", "nan", "inf", "-inf",
                "9" * 400, "-0", "0x10", "1,000", "١٢٣", "\u202e001\u202c", "_x0007__x0001_", "≥100%", "95%",
                "1E+999", "2024-13-45", "-1", "4294967296", "'自评表'!A1", "A1:B", "x" * 5000, " ", "𝟘",
                "TRUE", "1.7976931348623157e308", "5e-324", "1_000")
HOSTILE_ATTR = ("", "-1", "0", "1", "2", "65535", "999999999", "99999999999999999999", "A0", "A1", "XFD1048576",
                "XFE1", "AAAA1", "a1", "$A$1", "1A", "s", "e", "n", "b", "str", "inlineStr", "d", "x", "1e308",
                "NaN", "-5", "\u202e", "A1048577", "B2:A1", "Z99999999")
REF_TEXT = ("#REF!", "'自评表'!#REF!", "'自评表'!$A$1:$XFD$1048576", "'自评表'!$Q$1:$Q$1048576", "Nowhere!$A$1",
            "'自评表'!$ZZZ$1", "", "'自评表'!$J$4:$J$4", "'_xltools'!$A$1", "'自评表'!$A$0", "SUM(1)",
            "'自评表'!$Q$11:$Q$9", "'自评表'!$B$1048576")
NAMES = ("XL_IND_KEY", "XL_IND_L3", "XL_IND_SCORE", "XL_IND_WEIGHT", "XL_IND_ACTUAL", "XL_IND_TARGET",
         "XL_TOTAL_SCORE", "XL_GRADE", "XL_FUND_RATE", "XL_UNIT", "XL_YEAR", "XL_FUND_TOTAL_BUDGET", "_xlnm.X", "")


def read_parts(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i, z.read(i)) for i in z.infolist()]


def write_parts(parts: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# --- XML edits (each takes the root element and the rng, edits in place) ------------------------

def _elements(root) -> list:
    return [e for e in root.iter() if isinstance(e.tag, str)]


def _local(e) -> str:
    return etree.QName(e).localname


def delete_element(root, rng):
    cands = [e for e in _elements(root) if e.getparent() is not None]
    if cands:
        e = rng.choice(cands)
        e.getparent().remove(e)


def duplicate_element(root, rng):
    import copy
    cands = [e for e in _elements(root) if e.getparent() is not None]
    if cands:
        e = rng.choice(cands)
        e.addnext(copy.deepcopy(e))


def change_attribute(root, rng):
    cands = [e for e in _elements(root) if e.attrib]
    if cands:
        e = rng.choice(cands)
        e.set(rng.choice(list(e.attrib)), rng.choice(HOSTILE_ATTR))


def cell_attribute(root, rng):
    cells = [e for e in _elements(root) if _local(e) in ("c", "row")]
    if cells:
        e = rng.choice(cells)
        e.set(rng.choice(("t", "s", "r") if _local(e) == "c" else ("r", "spans", "ht")), rng.choice(HOSTILE_ATTR))


def inject_text(root, rng):
    cands = [e for e in _elements(root) if _local(e) in ("v", "t", "f", "definedName", "numFmt")] or _elements(root)
    e = rng.choice(cands)
    e.text = rng.choice(HOSTILE_TEXT)
    if _local(e) == "numFmt":
        e.set("formatCode", rng.choice(HOSTILE_TEXT))


def text_into_number(root, rng):
    """A numeric cell gets text (with or without t="str"/"s")."""
    cells = [e for e in _elements(root) if _local(e) == "c" and e.get("t") in (None, "n")]
    if cells:
        c = rng.choice(cells)
        v = next((x for x in c if isinstance(x.tag, str) and _local(x) == "v"), None)
        if v is None:
            v = etree.SubElement(c, etree.QName(c).namespace and f"{{{etree.QName(c).namespace}}}v" or "v")
        v.text = rng.choice(HOSTILE_TEXT)
        if rng.random() < 0.3:
            c.set("t", rng.choice(("s", "str", "e", "b", "d")))


def huge_number(root, rng):
    vs = [e for e in _elements(root) if _local(e) == "v"]
    if vs:
        rng.choice(vs).text = rng.choice(("1e308", "-1e308", "1.7976931348623157e308", "5e-324", "1e-320",
                                          "123456789012345678901234567890", "-0", "1e16", "0.1e-7"))


def break_merge(root, rng):
    merges = [e for e in _elements(root) if _local(e) == "mergeCell"]
    if merges:
        rng.choice(merges).set("ref", rng.choice(("A1", "B2:A1", "ZZZZ1:A1", "A1:XFD1048576", "", ":", "A1:A1",
                                                  "D11:D1048576", "A:A", "1:1")))


def rename_defined_name(root, rng):
    names = [e for e in _elements(root) if _local(e) == "definedName"]
    if names:
        e = rng.choice(names)
        if rng.random() < 0.5:
            e.set("name", rng.choice(NAMES))
        else:
            e.text = rng.choice(REF_TEXT)


def sheet_attribute(root, rng):
    sheets = [e for e in _elements(root) if _local(e) == "sheet"]
    if sheets:
        e = rng.choice(sheets)
        key = rng.choice(("name", "state", "sheetId", "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"))
        e.set(key, rng.choice(("自评表", "_xltools", "hidden", "veryHidden", "", "rId1", "rId2", "rId99", "x" * 40)))


XML_EDITS = (delete_element, duplicate_element, change_attribute, cell_attribute, inject_text, text_into_number,
             huge_number, break_merge, rename_defined_name, sheet_attribute)


# --- package-level edits --------------------------------------------------------------------------

def mutate_xml(parts: dict[str, bytes], rng: random.Random) -> str:
    name = rng.choice([p for p in XML_PARTS if p in parts] or list(parts))
    try:
        root = etree.fromstring(parts[name], etree.XMLParser(resolve_entities=False, huge_tree=False))
    except etree.XMLSyntaxError:
        return "xml-unparsable"
    edit = rng.choice(XML_EDITS)
    for _ in range(rng.choice((1, 1, 1, 2, 3, 8))):
        try:
            edit(root, rng)
        except ValueError:  # lxml refuses some values (e.g. an attribute on a comment)
            pass
    parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return f"{edit.__name__}@{name}"


def mutate_package(parts: dict[str, bytes], rng: random.Random) -> str:
    choice = rng.random()
    names = list(parts)
    if choice < 0.3:
        name = rng.choice(names)
        del parts[name]
        return f"drop@{name}"
    if choice < 0.5:
        name = rng.choice(names)
        parts[name] = b""
        return f"empty@{name}"
    if choice < 0.7:
        name = rng.choice(names)
        data = bytearray(parts[name])
        if data:
            cut = rng.randrange(len(data))
            parts[name] = bytes(data[:cut])
        return f"truncate@{name}"
    name = rng.choice(names)
    data = bytearray(parts[name])
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    parts[name] = bytes(data)
    return f"flip-in-part@{name}"


# --- the embedded definition (hidden _xltools sheet) and part sizes --------------------------------

META_PART = "xl/worksheets/sheet2.xml"
SPEC_VALUES = (None, 0, -1, 1e308, "NaN", float("nan"), "", "优", [], {}, [[0, "优"]], [[100, "优"], [0, "差"]],
               "/etc/passwd", "/dev/zero", "\\\\host\\share\\x.yaml", "dept", "x" * 5000, {"kind": "manual"},
               {"kind": "tiers", "tiers": [[0, 100]]}, {"kind": "nope"}, [[[[[[]]]]]], True, 10 ** 30)
SPEC_KEYS = ("id", "title", "kind", "layout", "levels", "funding", "grades", "total", "indicators", "extends",
             "weights", "add", "description", "rule", "weight", "group", "leaf", "children", "derive", "x")


def _spec_text(parts: dict[str, bytes]) -> str | None:
    """The definition's JSON (cell A4 of the hidden sheet, a shared string in our templates)."""
    import re
    meta = parts.get(META_PART, b"").decode("utf-8", "replace")
    m = re.search(r'<c r="A4"[^>]*t="s"[^>]*><v>(\d+)</v>', meta)
    strings = parts.get("xl/sharedStrings.xml")
    if not m or strings is None:
        return None
    try:
        root = etree.fromstring(strings, etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:  # broken by an earlier mutation
        return None
    items = [e for e in root if isinstance(e.tag, str)]
    i = int(m[1])
    return "".join(items[i].itertext()) if i < len(items) else None


def _edit_json(data, rng: random.Random, depth: int = 0):
    """One random change somewhere in the definition: a value replaced, a key added or dropped, a
    node duplicated many times, or nesting deepened."""
    if isinstance(data, dict) and data and (depth > 3 or rng.random() < 0.4):
        key = rng.choice(list(data))
        choice = rng.random()
        if choice < 0.4:
            data[key] = rng.choice(SPEC_VALUES)
        elif choice < 0.6:
            data[rng.choice(SPEC_KEYS)] = rng.choice(SPEC_VALUES)
        elif choice < 0.8:
            del data[key]
        else:
            data[key] = {"group": "g", "children": [data[key]]}
        return data
    if isinstance(data, list) and data and rng.random() < 0.3:
        item = rng.choice(data)
        data.extend([item] * rng.choice((1, 10, 200, 3000)))
        return data
    children = list(data.values()) if isinstance(data, dict) else data if isinstance(data, list) else []
    nested = [c for c in children if isinstance(c, (dict, list)) and c]
    if nested:
        _edit_json(rng.choice(nested), rng, depth + 1)
    return data


def _nodes(data, limit: int = 300_001) -> int:
    """JSON values in ``data`` as written out (a value shared n times counts n times), up to ``limit``."""
    count, todo = 0, [data]
    while todo and count < limit:
        item = todo.pop()
        count += 1
        if isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return count


def mutate_definition(parts: dict[str, bytes], rng: random.Random) -> str:
    """The hidden sheet's definition changed as a unit could (JSON edited, or replaced by text)."""
    import json
    import re
    from xml.sax.saxutils import escape
    text = _spec_text(parts)
    if text is None:
        return "definition-absent"
    try:
        data = json.loads(text)
    except ValueError:
        return "definition-unparsable"
    kind = rng.random()
    if kind < 0.8:
        for _ in range(rng.choice((1, 1, 2, 4))):
            data = _edit_json(data, rng)
        if _nodes(data) > 300_000:  # copies of copies: keep the input itself small enough to build
            return "definition-too-big"
        new = json.dumps(data, ensure_ascii=False)
    elif kind < 0.9:
        new = rng.choice(("[" * 3000 + "]" * 3000, '{"id": "dept"', "null", '"dept"', text[: rng.randrange(len(text))],
                          text.replace("{", "{" * 20, 1)))
    else:
        new = text * rng.choice((2, 50))
    cell = f'<c r="A4" t="inlineStr"><is><t>{escape(new)}</t></is></c>'
    parts[META_PART] = re.sub(rb'<c r="A4".*?</c>', lambda m: cell.encode("utf-8"), parts[META_PART], count=1,
                              flags=re.S)
    return "definition"


def mutate_sizes(parts: dict[str, bytes], rng: random.Random) -> str:
    """A part made large in one of the ways that cost time or memory: a long comment, attribute,
    text or CDATA, many elements, many sheets' worth of relationship parts."""
    name = rng.choice([p for p in XML_PARTS if p in parts] or list(parts))
    data = parts[name]
    size = rng.choice((70_000, 1 << 20, 3 << 20))
    filler = bytes(rng.choice(b"abcdefgh") for _ in range(997)) * (size // 997 + 1)
    filler = filler[:size]
    kind = rng.choice(("comment", "attribute", "text", "cdata", "elements", "pi", "rels"))
    cut = data.rfind(b"</")
    if cut < 0:
        return f"sizes-skip@{name}"
    if kind == "comment":
        insert = b"<!--" + filler + b"-->"
    elif kind == "attribute":
        insert = b'<x a="' + filler + b'"/>'
    elif kind == "text":
        insert = b"<x>" + filler + b"</x>"
    elif kind == "cdata":
        insert = b"<x><![CDATA[" + filler + b"]]></x>"
    elif kind == "pi":
        insert = b"<?x " + filler + b"?>"
    elif kind == "elements":
        insert = b"<x/>" * (size // 4)
    else:
        rels = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                b'relationships">' + b'<Relationship Id="r" Type="urn:x" Target="http://x.invalid/" '
                b'TargetMode="External"/>' * rng.choice((10, 3000)) + b"</Relationships>")
        for i in range(rng.choice((5, 100, 310))):
            parts[f"customXml/_rels/item{i}.xml.rels"] = rels
        return "sizes-rels"
    parts[name] = data[:cut] + insert + data[cut:]
    return f"sizes-{kind}@{name}"


def flip_zip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def mutate(base: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """One mutated workbook from ``base`` and what was done to it."""
    if rng.random() < 0.12:
        return flip_zip_bytes(base, rng), ["flip-zip-bytes"]
    parts = {i.filename: d for i, d in read_parts(base)}
    done = []
    for _ in range(rng.choice((1, 1, 2, 3, 5))):
        r = rng.random()
        if r < 0.6:
            done.append(mutate_xml(parts, rng))
        elif r < 0.75:
            done.append(mutate_package(parts, rng))
        elif r < 0.92:
            done.append(mutate_definition(parts, rng))
        else:
            done.append(mutate_sizes(parts, rng))
    return write_parts(list(parts.items())), done


# --- running one input ----------------------------------------------------------------------------

def run_one(path: Path, out_dir: Path, do_score: bool = True) -> tuple[str, str]:
    """(outcome kind, detail).  Kinds: valid, invalid, workbook-error, spec-error, crash."""
    from xltools import api
    from xltools.errors import SpecError, WorkbookError, XltoolsError
    detail = ""
    try:
        result = api.check_workbook(path)
        kind = "valid" if result.report.valid else "invalid"
        str(result.to_dict())  # the JSON the CLI prints must be buildable too
        if do_score:
            out = out_dir / "scored.xlsx"
            if out.exists():
                out.unlink()
            api.score_workbook(path, out)
    except WorkbookError as exc:
        kind, detail = "workbook-error", str(exc)
    except SpecError as exc:
        kind, detail = "spec-error", str(exc)
    except XltoolsError as exc:
        kind, detail = "xltools-error", str(exc)
    except Exception:  # noqa: BLE001 - every other exception is a crash
        kind, detail = "crash", traceback.format_exc()
    return kind, detail


def crash_signature(tb: str) -> str:
    """The exception type and the innermost xltools frame: groups crashes by cause."""
    lines = tb.strip().splitlines()
    last = lines[-1] if lines else "?"
    frames = [ln.strip() for ln in lines if ln.strip().startswith("File ") and "xltools" in ln]
    where = frames[-1] if frames else "?"
    return f"{last.split(':')[0]} at {where}"
