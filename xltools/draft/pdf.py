"""The report as PDF: the Word draft (:mod:`.word`) converted by LibreOffice headless.

Without LibreOffice the user gets a Chinese message saying what to install or how to make the PDF
from the Word draft instead.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from .. import soffice
from ..atomic import write_bytes
from ..errors import XltoolsError
from . import word
from .content import Draft

MISSING = ("生成 PDF 需要 LibreOffice，但没有找到（soffice）：请安装 LibreOffice 后重试；"
           "或用 -o 报告.docx 生成 Word 稿，在 Word/WPS 中“另存为 PDF”")


def render(draft: Draft, output: Path) -> Path:
    if soffice.soffice_path() is None:
        raise XltoolsError(MISSING)
    with tempfile.TemporaryDirectory(prefix="xltools-report-") as tmp:
        docx = word.render(draft, Path(tmp) / "report.docx")
        try:
            pdf = soffice.convert([docx], Path(tmp) / "pdf", "pdf:writer_pdf_Export", timeout=300)[0]
        except (RuntimeError, OSError) as exc:
            raise XltoolsError(f"{output}：LibreOffice 没有生成 PDF（{type(exc).__name__}）。"
                               "请用 -o 报告.docx 生成 Word 稿后另存为 PDF") from None
        return write_bytes(output, pdf.read_bytes())
