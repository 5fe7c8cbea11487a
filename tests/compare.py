"""Compare workbooks part by part (after XlsxWriter's test helpers): unzip, drop noise, diff.

Used to check that ``workbooks/`` is up to date and, when we write results back into a user's
workbook, that every part we do not own survives unchanged.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

#: Parts whose content changes with time or tool version, not with the layout.
NOISE = (re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>"),
         re.compile(rb"<AppVersion>[^<]*</AppVersion>"))


def parts(path: str | Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {info.filename: z.read(info) for info in z.infolist() if not info.is_dir()}


def _clean(data: bytes) -> bytes:
    for pattern in NOISE:
        data = pattern.sub(b"", data)
    return data


def diff(a: str | Path, b: str | Path, ignore: tuple[str, ...] = ()) -> list[str]:
    """Names of the parts that differ (present in one only, or different after removing noise)."""
    pa, pb = parts(a), parts(b)
    out = []
    for name in sorted(set(pa) | set(pb)):
        if name in ignore:
            continue
        if name not in pa or name not in pb:
            out.append(f"{name}: only in {'b' if name not in pa else 'a'}")
        elif _clean(pa[name]) != _clean(pb[name]):
            out.append(f"{name}: differs")
    return out
