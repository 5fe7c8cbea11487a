"""Render a :class:`~xltools.draft.content.Draft` as a Word document (python-docx), typeset like a
government document (GB/T 9704 党政机关公文格式, as 自评报告 are usually laid out):

* A4, margins 3.7 / 3.5 / 2.8 / 2.6 cm (top / bottom / left / right);
* title 方正小标宋简体 二号 centered; “一、” 黑体 三号; “（一）” 楷体 三号; “①” 仿宋 三号 bold;
  body 仿宋 三号, first line indented 2 characters, line spacing fixed 28 pt;
  tables 仿宋 小四; numbers and Latin text Times New Roman;
* page numbers “— 1 —” 宋体 四号, right on odd pages, left on even pages;
* text to be written by a person in red.

East-Asian fonts are set on ``w:rFonts/@w:eastAsia`` (python-docx's ``font.name`` sets only the
Latin slots) and the document language is zh-CN, so Word and LibreOffice pick the right faces.
Headings carry outline levels (navigation pane) through their own styles.
"""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..atomic import write_bytes
from . import chart
from .content import PLACEHOLDER, STRONG, Draft, Figure, Heading, Paragraph, Table

#: Font faces by role (eastAsia); change here to taste (e.g. 仿宋_GB2312, 楷体_GB2312).
FONTS = {
    "title": "方正小标宋简体",
    "h1": "黑体",
    "h2": "楷体",
    "body": "仿宋",
    "page": "宋体",
    "latin": "Times New Roman",
}
#: Chinese font sizes (字号) in points.
ZIHAO = {"二号": 22, "三号": 16, "四号": 14, "小四": 12, "五号": 10.5}
LINE = Pt(28)  # fixed line spacing of the body
BODY = ZIHAO["三号"]
TABLE = ZIHAO["小四"]
DENSE = ZIHAO["五号"]
KEEP_TOGETHER_ROWS = 15  # shorter tables are kept on one page
RED = RGBColor(0xFF, 0x00, 0x00)
PAGE = {"width": Cm(21), "height": Cm(29.7), "top": Cm(3.7), "bottom": Cm(3.5), "left": Cm(2.8), "right": Cm(2.6)}
TEXT_WIDTH_CM = 21 - 2.8 - 2.6  # 15.6 cm

_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


# -- low-level formatting (oxml) ----------------------------------------------------------------

def set_fonts(rpr, east: str, latin: str | None = None) -> None:
    """Set all four rFonts slots on an ``w:rPr`` (Latin -> ascii/hAnsi/cs, CJK -> eastAsia)."""
    latin = latin or FONTS["latin"]
    rfonts = rpr.get_or_add_rFonts()
    for attr in _THEME_ATTRS:  # theme fonts win over explicit names in Word: drop them
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east)
    rfonts.set(qn("w:hint"), "eastAsia")  # “ ” and other shared punctuation in the CJK face


def set_lang(rpr) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")


def indent_chars(ppr, first: float = 0, right: float = 0, size: float = BODY) -> None:
    """Indents in characters (Word's *Chars attributes) with twips fallbacks for other readers."""
    ind = ppr.get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(int(first * 100)))
    ind.set(qn("w:firstLine"), str(int(first * size * 20)))
    if right:
        ind.set(qn("w:rightChars"), str(int(right * 100)))
        ind.set(qn("w:right"), str(int(right * size * 20)))


def _style(doc, name: str, style_id: str, *, east: str, size: float, bold: bool = False, align=None,
           first: float = 0, line=LINE, before=0, after=0, outline: int | None = None, keep_next=False,
           latin: str | None = None):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = style_id
    if name != "Normal":
        style.base_style = styles["Normal"]
        style.quick_style = True
    font = style.font
    font.size = Pt(size)
    font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    set_fonts(rpr, east, latin)
    pf = style.paragraph_format
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = line
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    pf.alignment = align if align is not None else WD_ALIGN_PARAGRAPH.JUSTIFY
    pf.widow_control = True
    pf.keep_with_next = keep_next
    indent_chars(style.element.get_or_add_pPr(), first=first, size=size)
    if outline is not None:
        style.element.get_or_add_pPr().get_or_add_outlineLvl().val = outline
    return style


def setup(doc) -> None:
    """Page, defaults and the styles the renderer uses."""
    # defaults: no theme fonts, Chinese language, no spacing after paragraphs
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, FONTS["body"])
    set_lang(rpr)
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    if spacing is not None:
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")

    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE["width"], PAGE["height"]
    section.top_margin, section.bottom_margin = PAGE["top"], PAGE["bottom"]
    section.left_margin, section.right_margin = PAGE["left"], PAGE["right"]
    section.header_distance = Cm(1.5)
    section.footer_distance = Cm(2.5)

    center = WD_ALIGN_PARAGRAPH.CENTER
    _style(doc, "Normal", "Normal", east=FONTS["body"], size=BODY, first=2)
    _style(doc, "报告标题", "ReportTitle", east=FONTS["title"], size=ZIHAO["二号"], align=center,
           line=Pt(38), after=28, outline=None, keep_next=True)
    _style(doc, "一级标题", "ReportHeading1", east=FONTS["h1"], size=BODY, first=2, outline=0, keep_next=True)
    _style(doc, "二级标题", "ReportHeading2", east=FONTS["h2"], size=BODY, first=2, outline=1, keep_next=True)
    _style(doc, "三级标题", "ReportHeading3", east=FONTS["body"], size=BODY, bold=True, first=2, outline=2,
           keep_next=True)
    _style(doc, "表格文字", "ReportTableText", east=FONTS["body"], size=TABLE, line=Pt(20),
           align=WD_ALIGN_PARAGRAPH.LEFT)
    _style(doc, "表头", "ReportTableHead", east=FONTS["h1"], size=TABLE, line=Pt(20), align=center)
    _style(doc, "表格小字", "ReportTableTextSmall", east=FONTS["body"], size=DENSE, line=Pt(16),
           align=WD_ALIGN_PARAGRAPH.LEFT)
    _style(doc, "小表头", "ReportTableHeadSmall", east=FONTS["h1"], size=DENSE, line=Pt(16), align=center)
    _style(doc, "图表标题", "ReportCaption", east=FONTS["h1"], size=ZIHAO["四号"], align=center, keep_next=False)
    _style(doc, "插图", "ReportPicture", east=FONTS["body"], size=BODY, line=None, align=center, keep_next=True,
           before=6)
    _style(doc, "页码", "ReportPageNumber", east=FONTS["page"], size=ZIHAO["四号"], line=None, latin=FONTS["page"])
    _page_numbers(doc)


def _page_numbers(doc) -> None:
    """“— 1 —”: odd pages right, even pages left, one character in from the margin."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = doc.styles["页码"]
        p.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(ZIHAO["四号"])
        else:
            p.paragraph_format.left_indent = Pt(ZIHAO["四号"])
        p.add_run("— ")
        _field(p, "PAGE", "1")
        p.add_run(" —")


def _field(paragraph, instruction: str, shown: str) -> None:
    def fld(kind):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(el)

    fld("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    fld("separate")
    paragraph.add_run(shown)
    fld("end")


# -- blocks -------------------------------------------------------------------------------------

HEADING_STYLES = {0: "报告标题", 1: "一级标题", 2: "二级标题", 3: "三级标题"}


def _spans(paragraph, spans) -> None:
    for span in spans:
        run = paragraph.add_run(span.text)
        if span.kind == STRONG:
            run.bold = True
        elif span.kind == PLACEHOLDER:
            run.font.color.rgb = RED


def _heading(doc, block: Heading) -> None:
    p = doc.add_paragraph(style=doc.styles[HEADING_STYLES[block.level]])
    for i, line in enumerate(block.text.split("\n")):
        run = p.add_run(line)
        if i < len(block.text.split("\n")) - 1:
            run.add_break()


def _paragraph(doc, block: Paragraph) -> None:
    p = doc.add_paragraph()
    _spans(p, block.spans)
    pf = p.paragraph_format
    if block.role == "pagebreak":
        p.add_run().add_break(WD_BREAK.PAGE)
    elif block.role == "attachment-label":  # “附件” at the top left of the attached table's page (黑体)
        indent_chars(p._p.get_or_add_pPr(), first=0)
        for run in p.runs:
            set_fonts(run._r.get_or_add_rPr(), FONTS["h1"])
    elif block.role == "attachment":
        pf.space_before = LINE
        pf.keep_with_next = True
    elif block.role == "signature":
        pf.keep_with_next = True  # 署名 and 成文日期 stay together
        pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        indent_chars(p._p.get_or_add_pPr(), first=0, right=2)
        previous = p._p.getprevious()
        if previous is not None and "附件" in "".join(previous.itertext()):
            pf.space_before = Pt(56)


def _cell(cell, text: str, style, *, strong=False, center=False, keep=False) -> None:
    p = cell.paragraphs[0]
    p.style = style
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if keep:
        p.paragraph_format.keep_with_next = True
    run = p.add_run(text)
    if strong:
        run.bold = True
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _table(doc, block: Table) -> None:
    doc.add_paragraph(block.caption, style=doc.styles["图表标题"]).paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    scale = TEXT_WIDTH_CM / sum(block.widths)
    widths = [Cm(w * scale) for w in block.widths]
    if block.dense:
        head, body = doc.styles["小表头"], doc.styles["表格小字"]
    else:
        head, body = doc.styles["表头"], doc.styles["表格文字"]
    together = len(block.rows) < KEEP_TOGETHER_ROWS
    for i, text in enumerate(block.header):
        _cell(table.rows[0].cells[i], text, head, keep=True)
    for r, row in enumerate(block.rows, 1):
        last = r == len(block.rows)
        for i, text in enumerate(row.cells):
            _cell(table.rows[r].cells[i], text, body, strong=row.strong, center=i in block.centered,
                  keep=together and not last)
    for r, tr in enumerate(table.rows):
        trpr = tr._tr.get_or_add_trPr()
        trpr.append(_on("w:cantSplit"))  # a row never breaks across pages
        if r == 0:
            trpr.append(_on("w:tblHeader"))  # the header row repeats on every page
    for i, width in enumerate(widths):
        table.columns[i].width = width
        for cell in table.columns[i].cells:
            cell.width = width


def _on(tag: str):
    el = OxmlElement(tag)
    el.set(qn("w:val"), "true")
    return el


def _figure(doc, block: Figure) -> None:
    png = chart.render(block.bars)
    if png is None:
        return
    p = doc.add_paragraph(style=doc.styles["插图"])
    p.add_run().add_picture(io.BytesIO(png), width=Cm(min(14.0, TEXT_WIDTH_CM)))
    doc.add_paragraph(block.caption, style=doc.styles["图表标题"])


def render(draft: Draft, output: Path) -> Path:
    doc = Document()
    setup(doc)
    props = doc.core_properties
    props.title = draft.title
    props.author = draft.unit or "xltools"
    props.language = "zh-CN"
    props.comments = "由 xltools 根据绩效自评表生成的自评报告初稿"
    for block in draft.blocks:
        if isinstance(block, Heading):
            _heading(doc, block)
        elif isinstance(block, Paragraph):
            _paragraph(doc, block)
        elif isinstance(block, Table):
            _table(doc, block)
        elif isinstance(block, Figure):
            _figure(doc, block)
    buffer = io.BytesIO()
    doc.save(buffer)
    return write_bytes(output, buffer.getbuffer())
