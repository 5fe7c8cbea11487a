"""Render a :class:`~xltools.draft.content.Draft` as Markdown (same words and numbers as the Word file).

Placeholders stay in their 【请填写：……】 brackets and are set in bold.  The figure is written
next to the Markdown file as ``<stem>.chart.png`` and linked; without matplotlib only its caption
is kept.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..atomic import write_bytes
from . import chart
from .content import PLACEHOLDER, STRONG, Draft, Figure, Heading, Paragraph, Table

HASHES = {0: "#", 1: "##", 2: "###", 3: "####"}


#: Characters that Markdown (or the HTML it allows) reads as markup anywhere in a line, and what it
#: reads as markup at the start of one (lists, quotes, headings): a backslash before them makes each
#: the character itself (CommonMark: any ASCII punctuation may be escaped).
_MARKUP = re.compile(r"([\\`*_{}\[\]<>#!|~&])")
_LEADING = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")


def _escape(text: str) -> str:
    """Text typed by a unit, shown as typed: no links, images, HTML, emphasis or table breaks."""
    text = _MARKUP.sub(r"\\\1", " ".join(text.splitlines()) if "\n" in text or "\r" in text else text)
    return _LEADING.sub(lambda m: m[1] + ("\\" + m[2] if not m[2][0].isdigit() else m[2] + "\\"), text, count=1)


def _inline(spans) -> str:
    out = []
    for span in spans:
        text = _escape(span.text)
        if span.kind in (STRONG, PLACEHOLDER) and span.text.strip():
            out.append(f"**{text}**")
        else:
            out.append(text)
    return "".join(out)


def _table(block: Table) -> list[str]:
    lines = [f"**{_escape(block.caption)}**", ""]
    lines.append("| " + " | ".join(_escape(h) for h in block.header) + " |")
    lines.append("|" + "|".join(":---:" if i in block.centered else "---" for i in range(len(block.header))) + "|")
    for row in block.rows:
        cells = [_escape(c) for c in row.cells]
        if row.strong:
            cells = [f"**{c}**" if c else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render(draft: Draft, output: Path) -> Path:
    lines: list[str] = []
    for block in draft.blocks:
        if isinstance(block, Heading):
            lines += [f"{HASHES[block.level]} {_escape(block.text.replace(chr(10), ''))}", ""]
        elif isinstance(block, Paragraph):
            text = _inline(block.spans)
            if block.role == "signature":
                text = f'<p align="right">{text}</p>'
            lines += [text, ""]
        elif isinstance(block, Table):
            lines += _table(block) + [""]
        elif isinstance(block, Figure):
            png = chart.render(block.bars)
            if png is not None:
                image = output.with_name(f"{output.stem}.chart.png")
                write_bytes(image, png)
                lines += [f"![{_escape(block.caption)}]({image.name})", ""]
            lines += [f"*{_escape(block.caption)}*", ""]
    return write_bytes(output, ("\n".join(lines).rstrip() + "\n").encode("utf-8"))  # whole or not at all
