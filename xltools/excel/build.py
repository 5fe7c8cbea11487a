"""``xltools excel build``: the add-in ``xltools.xlam`` and the ``.xlsm`` templates with buttons,
made from the text sources in ``xltools/excel/macros/`` (package data: an installed wheel builds too)
— nothing binary is kept in the repository.

- ``xltools.xlam``: an OOXML add-in assembled here part by part (content type
  ``application/vnd.ms-excel.addin.macroEnabled.main+xml``, one sheet, the workbook window hidden as
  Excel writes add-ins), the ribbon ``customUI/customUI14.xml`` related from ``_rels/.rels``, and the
  VBA project made by pyOpenVBA from ``macros/*.bas`` and xlwings' own custom-add-in module
  (:mod:`.xlwings_vba`), and the add-in's settings sheet ``xltools.conf`` (the interpreter that
  ``xltools excel install`` found): a self-contained xlwings custom add-in.
- ``<template>.xlsm``: each standard template written by :func:`xltools.template.new_workbook` as
  usual, then re-packed from outside the writer: workbook content type made macro-enabled, three
  form-control buttons (VML, the way XlsxWriter's ``insert_button`` writes them) at the top of the
  scoring-aid columns, and the VBA project (``macros/xltools.bas``) added by pyOpenVBA.

The Chinese texts of the VBA code (``macros/messages.txt``) become hidden defined names
``XLTOOLS_MSG_<KEY>`` in both kinds of file: a VBA project keeps its source in one ANSI code page,
a defined name is Unicode.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from .. import __version__
from ..atomic import make_parent, write_bytes
from ..errors import XltoolsError
from ..xlsx.layout import SHEET
from ..xlsx.package import Parts, read_parts, zip_parts
from . import xlwings_vba
from .xlwings_vba import CONF_SHEET

PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
UI_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"  # for customUI14
VML_REL = REL + "/vmlDrawing"
ADDIN_MAIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
ADDIN_NAME = "xltools.xlam"
#: The module every build gets, and the one only the add-in gets (its ribbon callbacks).
CORE_MODULE, RIBBON_MODULE = "xltools", "xltools_ribbon"
MESSAGE_PREFIX = "XLTOOLS_MSG_"
MESSAGE_CHUNK = 250  # Excel allows 255 characters in a text constant
#: The sheet buttons: caption, macro (a Public Sub of macros/xltools.bas).
BUTTONS = (("重新计算", "XltoolsRecalculate"), ("校验", "XltoolsCheck"), ("生成报告", "XltoolsReport"))
BUTTON_SIZE = (84, 30)  # pixels
BUTTON_GAP = 6


class BuildError(XltoolsError):
    code = "build-error"


# -- sources ----------------------------------------------------------------------------------
def macros_dir() -> Path:
    """Where the VBA sources are: ``$XLTOOLS_MACROS``, else the package's ``excel/macros``."""
    env = os.environ.get("XLTOOLS_MACROS")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parent / "macros")
    for folder in candidates:
        if (folder / f"{CORE_MODULE}.bas").is_file():
            return folder
    raise BuildError("找不到 VBA 源文件（xltools/excel/macros/xltools.bas）：这份 xltools 安装不完整。"
                     "请重新安装：pip install --force-reinstall \"xltools-jixiao[excel]\"。")


@dataclass(frozen=True)
class Sources:
    modules: dict[str, str]  # VB_Name -> source (CRLF, without the Attribute VB_Name line)
    messages: dict[str, str]  # KEY -> text ("\n" kept as the two characters)
    ribbon: str  # customUI14.xml


def read_sources(folder: Path | None = None) -> Sources:
    folder = folder or macros_dir()
    modules = {}
    for path in sorted(folder.glob("*.bas")):
        text = path.read_text(encoding="utf-8")
        if not text.isascii():
            bad = next(i for i, ch in enumerate(text) if not ch.isascii())
            raise BuildError(f"{path.name}：VBA 源文件只能用 ASCII 字符（第 {text.count(chr(10), 0, bad) + 1} 行），"
                             "中文提示写在 messages.txt 中。")
        m = re.match(r'Attribute VB_Name = "([A-Za-z_][A-Za-z0-9_]*)"\r?\n', text)
        if not m:
            raise BuildError(f"{path.name}：第一行应为 Attribute VB_Name = \"模块名\"。")
        body = text[m.end():].replace("\r\n", "\n").replace("\n", "\r\n")
        modules[m.group(1)] = body
    if CORE_MODULE not in modules:
        raise BuildError(f"{folder}：缺少 {CORE_MODULE}.bas。")
    return Sources(modules, read_messages(folder / "messages.txt"), (folder / "customUI14.xml").read_text(encoding="utf-8"))


def read_messages(path: Path) -> dict[str, str]:
    out = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, text = line.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]*", key):
            raise BuildError(f"{path.name} 第 {n} 行：应为 KEY = 文本（KEY 为大写字母、数字、下划线）。")
        out[key] = text.strip()
    return out


def message_names(messages: dict[str, str]) -> dict[str, str]:
    """Hidden defined names holding the messages: name -> formula text (a quoted string)."""
    out = {}
    for key, text in messages.items():
        chunks = [text[i:i + MESSAGE_CHUNK] for i in range(0, len(text), MESSAGE_CHUNK)] or [""]
        for n, chunk in enumerate(chunks, 1):
            name = MESSAGE_PREFIX + key + ("" if n == 1 else f"_{n}")
            out[name] = '"' + chunk.replace('"', '""') + '"'
    return out


def _defined_names_xml(names: dict[str, str]) -> str:
    return "".join(f'<definedName name="{n}" hidden="1">{escape(f)}</definedName>' for n, f in names.items())


# -- the VBA project ----------------------------------------------------------------------------
def add_vba(xlsm: Path, modules: dict[str, str]) -> None:
    """Give the macro-enabled package ``xlsm`` (no project yet) a VBA project holding ``modules``:
    pyOpenVBA adds the document modules Excel would (ThisWorkbook, Sheet1, …), the code names,
    the relationship and the content type."""
    try:
        from pyopenvba import ExcelFile
    except ImportError:
        raise BuildError("生成宏文件需要 pyOpenVBA：pip install pyOpenVBA（或 pip install \"xltools-jixiao[excel]\"）。") from None
    with ExcelFile(xlsm) as book:
        project = book.add_vba_project()
        for name, source in modules.items():
            project.add_module(name, source)
        book.save()


def _rezip(parts: dict[str, bytes], path: Path) -> None:
    """Write ``parts`` as a fresh package: [Content_Types].xml first, fixed timestamps (a build is
    reproducible), through the one package writer (:func:`xltools.xlsx.package.zip_parts`)."""
    order = ["[Content_Types].xml"] + [p for p in parts if p != "[Content_Types].xml"]
    path.write_bytes(zip_parts(Parts(parts), order))


def _read(path: Path) -> dict[str, bytes]:
    return read_parts(path).data


# -- the add-in -----------------------------------------------------------------------------------
def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def settings_sheet(settings: dict[str, str]) -> str:
    """The add-in's ``xltools.conf`` sheet: one setting per row, key in A, value in B (Unicode
    cells: a Chinese user name in a path needs no code page)."""
    rows = "".join(f'<row r="{n}">{_inline(f"A{n}", key)}{_inline(f"B{n}", value)}</row>'
                   for n, (key, value) in enumerate(settings.items(), 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetPr codeName="Sheet2"/><sheetData>{rows}</sheetData></worksheet>')


def _addin_parts(sources: Sources, settings: dict[str, str]) -> dict[str, bytes]:
    names = _defined_names_xml(message_names(sources.messages))
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{XLSM_MAIN}"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/worksheets/sheet2.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{REL}/extended-properties" Target="docProps/app.xml"/>'
            f'<Relationship Id="rId4" Type="{UI_REL}" Target="customUI/customUI14.xml"/>'
            '</Relationships>'),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<dc:title>xltools 绩效自评</dc:title><dc:creator>xltools</dc:creator>'
            f'<dc:description>xltools {__version__}：功能区“绩效自评”（重新计算、校验、生成报告），通过 xlwings 调用 Python。</dc:description>'
            '<dcterms:created xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z</dcterms:created>'
            '</cp:coreProperties>'),
        "docProps/app.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            '<Application>Microsoft Excel</Application></Properties>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{REL}/worksheet" Target="worksheets/sheet2.xml"/>'
            '</Relationships>'),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{REL}">'
            '<workbookPr codeName="ThisWorkbook"/>'
            '<bookViews><workbookView visibility="hidden"/></bookViews>'
            f'<sheets><sheet name="xltools" sheetId="1" r:id="rId1"/>'
            f'<sheet name="{CONF_SHEET}" sheetId="2" r:id="rId3"/></sheets>'
            f'<definedNames>{names}</definedNames>'
            '<calcPr calcId="191029"/></workbook>'),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetPr codeName="Sheet1"/><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>xltools 绩效自评加载项</t></is></c></row>'
            f'<row r="2"><c r="A2" t="inlineStr"><is><t>xltools {__version__}</t></is></c></row>'
            '</sheetData></worksheet>'),
        "xl/styles.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '</styleSheet>'),
    }
    parts["xl/worksheets/sheet2.xml"] = settings_sheet(settings)
    out = {name: text.encode("utf-8") for name, text in parts.items()}
    out["customUI/customUI14.xml"] = sources.ribbon.encode("utf-8")
    return out


def build_addin(output: str | Path, sources: Sources | None = None, settings: dict[str, str] | None = None) -> Path:
    """Write ``xltools.xlam`` (or the given file name) and return its path.  ``settings`` fill its
    ``xltools.conf`` sheet (``xltools excel install`` passes this Python); without them the add-in's
    buttons say to run ``xltools excel install``."""
    sources = sources or read_sources()
    modules = dict(sources.modules)
    name, code = xlwings_vba.module()
    modules[name] = code
    output = Path(output)
    if output.suffix.lower() != ".xlam":
        output = output / ADDIN_NAME
    make_parent(output)
    with tempfile.TemporaryDirectory(prefix="xltools-xlam-") as tmp:
        staged = Path(tmp) / "addin.xlsm"  # pyOpenVBA adds projects to .xlsm packages
        _rezip(_addin_parts(sources, settings or {}), staged)
        add_vba(staged, modules)
        parts = _read(staged)
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(XLSM_MAIN.encode(), ADDIN_MAIN.encode())
        _rezip(parts, Path(tmp) / "out.xlam")
        write_bytes(output, (Path(tmp) / "out.xlam").read_bytes())
    return output


# -- the .xlsm templates ------------------------------------------------------------------------
def build_templates(directory: str | Path, sources: Sources | None = None) -> list[Path]:
    """The standard templates (``workbooks/``) as ``.xlsm`` with buttons, into ``directory``."""
    from ..template import new_workbook, standard_set
    sources = sources or read_sources()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    with tempfile.TemporaryDirectory(prefix="xltools-xlsm-") as tmp:
        for name, kwargs in standard_set():
            xlsx = new_workbook(output=Path(tmp) / name, **kwargs)
            out.append(xlsm_from_xlsx(xlsx, directory / Path(name).with_suffix(".xlsm").name, sources))
    return out


def build_all(directory: str | Path) -> list[Path]:
    sources = read_sources()
    return [build_addin(Path(directory) / ADDIN_NAME, sources)] + build_templates(directory, sources)


def xlsm_from_xlsx(xlsx: str | Path, output: str | Path, sources: Sources | None = None) -> Path:
    """A template ``.xlsx`` (written by our writer) as ``.xlsm`` with buttons and the VBA project."""
    from ..xlsx.package import open_book
    sources = sources or read_sources()
    xlsx, output = Path(xlsx), Path(output)
    book = open_book(xlsx)
    if "XL_IND_MANUAL" not in book.names:
        raise BuildError(f"{xlsx.name}：不是 xltools 模板（缺少定义名称 XL_IND_MANUAL），无法加按钮。")
    parts = _read(xlsx)
    types = parts["[Content_Types].xml"].decode("utf-8")
    if XLSX_MAIN not in types:
        raise BuildError(f"{xlsx.name}：工作簿内容类型不是 .xlsx。")
    parts["[Content_Types].xml"] = types.replace(XLSX_MAIN, XLSM_MAIN).encode("utf-8")
    parts["xl/workbook.xml"] = _add_names(parts["xl/workbook.xml"].decode("utf-8"),
                                          message_names(sources.messages)).encode("utf-8")
    sheet_part = _sheet_part(parts, SHEET)
    column = book.names["XL_IND_MANUAL"][2]
    _add_buttons(parts, sheet_part, column)
    modules = {CORE_MODULE: sources.modules[CORE_MODULE]}
    with tempfile.TemporaryDirectory(prefix="xltools-xlsm-") as tmp:
        staged = Path(tmp) / output.name
        _rezip(parts, staged)
        add_vba(staged, modules)
        make_parent(output)
        write_bytes(output, staged.read_bytes())
    return output


def _add_names(workbook: str, names: dict[str, str]) -> str:
    xml = _defined_names_xml(names)
    if "</definedNames>" in workbook:
        return workbook.replace("</definedNames>", xml + "</definedNames>", 1)
    return workbook.replace("</sheets>", f"</sheets><definedNames>{xml}</definedNames>", 1)


def _attrs(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([\w:]+)="([^"]*)"', tag))


def _rels(parts: dict[str, bytes], part: str) -> tuple[str, dict[str, dict[str, str]]]:
    folder, _, name = part.rpartition("/")
    rels_name = f"{folder}/_rels/{name}.rels"
    text = parts.get(rels_name, b"").decode("utf-8")
    found = {a.get("Id", ""): a for a in (_attrs(t) for t in re.findall(r"<Relationship\b[^>]*>", text))}
    return rels_name, found


def _sheet_part(parts: dict[str, bytes], sheet_name: str) -> str:
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    _, rels = _rels(parts, "xl/workbook.xml")
    for tag in re.findall(r"<sheet\b[^>]*>", workbook):
        a = _attrs(tag)
        if a.get("name") == escape(sheet_name, {'"': "&quot;"}):
            target = rels[a["r:id"]]["Target"]
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise BuildError(f"模板中没有工作表“{sheet_name}”。")


# -- buttons (VML form controls) ------------------------------------------------------------------
def _column_pixels(sheet_xml: str, count: int) -> list[int]:
    """Pixel width of the first ``count`` columns (Calibri 11: max digit width 7)."""
    widths = [64] * count
    for tag in re.findall(r"<col\b[^>]*>", sheet_xml):
        a = _attrs(tag)
        px = 0 if a.get("hidden") == "1" else int(((256 * float(a.get("width", "8.43")) + 128 // 7) / 256) * 7)
        for c in range(int(a["min"]) - 1, min(int(a["max"]), count)):
            widths[c] = px
    return widths


def _row_pixels(sheet_xml: str, row: int) -> int:
    m = re.search(rf'<row\b[^>]*\br="{row + 1}"[^>]*>', sheet_xml)
    height = float(_attrs(m.group()).get("ht", "15")) if m else 15.0
    return round(height * 4 / 3)


def _anchor(x: int, widths: list[int]) -> tuple[int, int]:
    """(column, offset in pixels) of the horizontal pixel position ``x``."""
    col = 0
    while col < len(widths) - 1 and x >= widths[col]:
        x -= widths[col]
        col += 1
    return col, x


def button_shapes(sheet_xml: str, column: int, first_id: int, row: int = 0) -> str:
    """The VML of the three buttons, side by side from ``column`` in ``row`` (the title row)."""
    w, h = BUTTON_SIZE
    widths = _column_pixels(sheet_xml, column + 40)
    row_px = _row_pixels(sheet_xml, row)
    top = max(0, (row_px - h) // 2)
    x0 = sum(widths[:column]) + BUTTON_GAP
    y0 = sum(_row_pixels(sheet_xml, r) for r in range(row)) + top
    shapes = []
    for i, (caption, macro) in enumerate(BUTTONS):
        left = x0 + i * (w + BUTTON_GAP)
        c1, o1 = _anchor(left, widths)
        c2, o2 = _anchor(left + w, widths)
        shapes.append(
            f'<v:shape id="_x0000_s{first_id + i}" type="#_x0000_t201" '
            f'style="position:absolute;margin-left:{left * 0.75:g}pt;margin-top:{y0 * 0.75:g}pt;'
            f'width:{w * 0.75:g}pt;height:{h * 0.75:g}pt;z-index:{first_id + i};mso-wrap-style:tight" '
            'o:button="t" fillcolor="buttonFace [67]" strokecolor="windowText [64]" o:insetmode="auto">'
            '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/><o:lock v:ext="edit" rotation="t"/>'
            '<v:textbox style="mso-direction-alt:auto" o:singleclick="f"><div style="text-align:center">'
            f'<font face="Microsoft YaHei" size="200" color="#000000">{escape(caption)}</font></div></v:textbox>'
            '<x:ClientData ObjectType="Button">'
            f'<x:Anchor>{c1}, {o1}, {row}, {top}, {c2}, {o2}, {row}, {top + h}</x:Anchor>'
            '<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>'
            f'<x:FmlaMacro>[0]!{macro}</x:FmlaMacro>'
            '<x:TextHAlign>Center</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape>')
    return "".join(shapes)


BUTTON_SHAPETYPE = (
    '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" '
    'o:connecttype="rect"/><o:lock v:ext="edit" shapetype="t"/></v:shapetype>')
VML_HEAD = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
            '<o:idmap v:ext="edit" data="{data}"/></o:shapelayout>')
#: Elements that come after legacyDrawing in a worksheet (schema order).
_AFTER_LEGACY = ("<legacyDrawingHF", "<drawingHF", "<picture", "<oleObjects", "<controls", "<webPublishItems",
                 "<tableParts", "<extLst", "</worksheet>")


def _add_buttons(parts: dict[str, bytes], sheet_part: str, column: int) -> None:
    sheet = parts[sheet_part].decode("utf-8")
    rels_name, rels = _rels(parts, sheet_part)
    legacy = re.search(r'<legacyDrawing\b[^>]*r:id="([^"]+)"', sheet)
    if legacy:  # the sheet has notes: the buttons join their VML part
        target = rels[legacy.group(1)]["Target"]
        vml_part = "xl/" + target.replace("../", "") if target.startswith("../") else target.lstrip("/")
        vml = parts[vml_part].decode("utf-8")
        ids = [int(i) for i in re.findall(r'id="_x0000_s(\d+)"', vml)]
        first = max(ids, default=1024) + 1
        shapes = BUTTON_SHAPETYPE + button_shapes(sheet, column, first)
        parts[vml_part] = vml.replace("</xml>", shapes + "</xml>").encode("utf-8")
        return
    n = 1
    while f"xl/drawings/vmlDrawing{n}.vml" in parts:
        n += 1
    vml_part = f"xl/drawings/vmlDrawing{n}.vml"
    data = 1 + len([p for p in parts if p.startswith("xl/drawings/vmlDrawing")])
    parts[vml_part] = (VML_HEAD.format(data=data) + BUTTON_SHAPETYPE
                       + button_shapes(sheet, column, data * 1024 + 1) + "</xml>").encode("utf-8")
    rid = 1
    while f"rId{rid}" in rels:
        rid += 1
    relationship = f'<Relationship Id="rId{rid}" Type="{VML_REL}" Target="../drawings/vmlDrawing{n}.vml"/>'
    if rels_name in parts:
        text = parts[rels_name].decode("utf-8").replace("</Relationships>", relationship + "</Relationships>")
    else:
        text = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<Relationships xmlns="{PKG}">{relationship}</Relationships>')
    parts[rels_name] = text.encode("utf-8")
    at = min(i for i in (sheet.find(tag) for tag in _AFTER_LEGACY) if i >= 0)
    if 'xmlns:r="' not in sheet[:sheet.find(">", sheet.find("<worksheet"))]:
        sheet = sheet.replace("<worksheet ", f'<worksheet xmlns:r="{REL}" ', 1)
        at = min(i for i in (sheet.find(tag) for tag in _AFTER_LEGACY) if i >= 0)
    parts[sheet_part] = (sheet[:at] + f'<legacyDrawing r:id="rId{rid}"/>' + sheet[at:]).encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    if 'Extension="vml"' not in types:
        types = types.replace("<Override ", f'<Default Extension="vml" ContentType="{VML_TYPE}"/><Override ', 1)
        parts["[Content_Types].xml"] = types.encode("utf-8")
