"""Draft the 绩效自评报告 (the narrative report) from a scored filing — issue 7.

::

    from xltools.api import evaluate_file
    from xltools.draft import draft_report

    draft_report(evaluate_file("table.yaml"), Path("报告.docx"))          # Word (python-docx)
    draft_report(evaluate_file("table.yaml"), Path("报告.md"), fmt="md")  # Markdown
    draft_report(evaluate_file("table.yaml"), Path("报告.pdf"), fmt="pdf")  # PDF (Word draft through LibreOffice)

The content is built once (:func:`build`, a neutral :class:`Draft` of headings, paragraphs, tables,
a figure and placeholders) and rendered twice, so the Word and Markdown drafts always say the same.
Every number comes from the :class:`~xltools.api.Result`: the recomputed scores, the filing's own
values and the check report.  When the table has errors the 起草说明 (drafting note) at the top says
so and lists them; the body never carries issue codes.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import make_parent
from ..errors import XltoolsError, refuse_overwrite
from .content import Bar, Draft, Figure, Heading, Paragraph, Row, Span, Table, build

if TYPE_CHECKING:  # pragma: no cover
    from ..api import Result

__all__ = ["draft_report", "build", "FORMATS", "Draft", "Heading", "Paragraph", "Span", "Table", "Row", "Figure",
           "Bar"]

FORMATS = {"docx": ".docx", "md": ".md", "pdf": ".pdf"}
_ALIASES = {"word": "docx", "markdown": "md"}


def draft_report(result: Result, output: Path | str, fmt: str = "docx", *, overwrite: bool = False) -> Path:
    """Write the report draft for ``result`` to ``output`` and return the path written.

    ``fmt`` is ``"docx"`` (Word, needs python-docx), ``"md"`` (Markdown) or ``"pdf"`` (the Word
    draft converted by LibreOffice).  ``output`` may be a directory: the file is then named after
    the title (``2021年度…自评报告.docx``).  An existing file is kept unless ``overwrite``.
    """
    fmt = _ALIASES.get(fmt.lower(), fmt.lower())
    if fmt not in FORMATS:
        raise XltoolsError(f"不支持的格式 {fmt!r}，可用：{', '.join(FORMATS)}")
    draft = build(result)
    output = Path(output)
    if output.is_dir():  # named after the unit's title: made safe (no separators, "..", reserved names)
        from ..distribute import safe_stem
        output = output / f"{safe_stem(draft.title, '自评报告')}{FORMATS[fmt]}"
    _check_output(output, fmt, overwrite)
    make_parent(output)
    return render(draft, output, fmt)


def _check_output(output: Path, fmt: str, overwrite: bool) -> None:
    suffix = output.suffix.lower()
    if suffix in FORMATS.values() and suffix != FORMATS[fmt]:
        raise XltoolsError(f"{output}：扩展名 {suffix} 与格式 {fmt} 不一致，请把文件名改为 {output.stem}{FORMATS[fmt]}")
    refuse_overwrite([output], overwrite)


def render(draft: Draft, output: Path, fmt: str) -> Path:
    """Lay ``draft`` out as ``fmt`` at ``output``."""
    if fmt == "docx":  # made aside, then written atomically: a full disk or read-only folder leaves no 0-byte .docx
        import tempfile

        from ..atomic import write_bytes
        from .word import render as word
        with tempfile.TemporaryDirectory(prefix="xltools-") as tmp:
            data = word(draft, Path(tmp) / "report.docx").read_bytes()
        return write_bytes(output, data)
    if fmt == "pdf":
        from .pdf import render as pdf
        return pdf(draft, output)
    from .markdown import render as markdown
    return markdown(draft, output)
