"""Plain-text tables for the terminal that line up Chinese text (wide characters count 2)."""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache


@lru_cache(maxsize=4096)
def width(text: str) -> int:
    """Display width: wide (CJK) characters count 2.  Cached: templates measure the same notes
    and criteria for every workbook of a form."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def clip(text: str, limit: int) -> str:
    if width(text) <= limit:
        return text
    out, used = "", 0
    for ch in text:
        w = width(ch)
        if used + w > limit - 1:
            break
        out, used = out + ch, used + w
    return out + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], limits: Sequence[int] | None = None) -> str:
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    if limits:
        cells = [[clip(c, limits[i]) if limits[i] else c for i, c in enumerate(row)] for row in cells]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c + " " * (widths[i] - width(c)) for i, c in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
