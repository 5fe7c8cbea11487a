"""Draft the 绩效自评报告 (the narrative report) from a scored filing — issue 7.

::

    from xltools.api import evaluate_file
    from xltools.draft import draft_report

    draft_report(evaluate_file("table.yaml"), Path("报告.docx"))          # Word (python-docx)
    draft_report(evaluate_file("table.yaml"), Path("报告.md"), fmt="md")  # Markdown

The content is built once (:func:`build`, a neutral :class:`Draft` of headings, paragraphs, tables,
a figure and placeholders) and rendered twice, so the Word and Markdown drafts always say the same.
Every number comes from the :class:`~xltools.api.Result`: the recomputed scores, the filing's own
values and the check report.  When the table has errors the report lists them first and says that
its numbers are the recomputed ones.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .content import Bar, Draft, Figure, Heading, Paragraph, Row, Span, Table, build

if TYPE_CHECKING:  # pragma: no cover
    from ..api import Result

__all__ = ["draft_report", "build", "FORMATS", "Draft", "Heading", "Paragraph", "Span", "Table", "Row", "Figure",
           "Bar"]

FORMATS = {"docx": ".docx", "md": ".md"}
_ALIASES = {"word": "docx", "markdown": "md"}


def draft_report(result: "Result", output: Path | str, fmt: str = "docx") -> Path:
    """Write the report draft for ``result`` to ``output`` and return the path written.

    ``fmt`` is ``"docx"`` (Word, needs python-docx) or ``"md"`` (Markdown).  ``output`` may be a
    directory: the file is then named after the title (``2021年度…自评报告.docx``).
    """
    fmt = _ALIASES.get(fmt.lower(), fmt.lower())
    if fmt not in FORMATS:
        raise ValueError(f"不支持的格式 {fmt!r}，可用：{', '.join(FORMATS)}")
    draft = build(result)
    output = Path(output)
    if output.is_dir():
        output = output / f"{draft.title}{FORMATS[fmt]}"
    if fmt == "docx":
        from .word import render
    else:
        from .markdown import render
    return render(draft, output)
