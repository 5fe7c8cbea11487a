"""Render the docs' pictures from real output: xlsx/docx -> pdf (LibreOffice) -> png (pdftoppm).

    python docs/render.py     # docs/templates/*.png (every page of each template, side by side)
                              # docs/report-zhuzhou-2021.png (the report's pages, 3 to a row)

Needs LibreOffice (Calc and Writer), a CJK font (fonts-noto-cjk), poppler-utils and Pillow.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from xltools.api import check_file
from xltools.draft import draft_report
from xltools.soffice import convert

ROOT = Path(__file__).resolve().parent.parent


def pages(pdf: Path, dpi: int) -> list[Image.Image]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(Path(tmp) / "p")], check=True)
        return [Image.open(p).convert("RGB") for p in sorted(Path(tmp).glob("p-*.png"))]


def sheet(images: list[Image.Image], per_row: int, gap: int = 12) -> Image.Image:
    """Pages side by side, ``per_row`` to a row, on a light grey ground."""
    w, h = max(i.width for i in images), max(i.height for i in images)
    rows = (len(images) + per_row - 1) // per_row
    cols = min(per_row, len(images))
    out = Image.new("RGB", (cols * w + (cols + 1) * gap, rows * h + (rows + 1) * gap), (230, 230, 230))
    for n, image in enumerate(images):
        out.paste(image, (gap + (n % per_row) * (w + gap), gap + (n // per_row) * (h + gap)))
    return out


def render_templates(workbooks: list[Path], outdir: Path, dpi: int = 80) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for pdf in convert(workbooks, Path(tmp), "pdf"):
            target = outdir / f"{pdf.stem}.png"
            sheet(pages(pdf, dpi), per_row=2).save(target, optimize=True)
            written.append(target)
    return written


def render_report(workbook: Path, target: Path, dpi: int = 50) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        pdf = draft_report(check_file(workbook), Path(tmp) / "report.pdf", fmt="pdf")
        sheet(pages(pdf, dpi), per_row=3).save(target, optimize=True)
    return target


if __name__ == "__main__":
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm is missing: apt-get install -y poppler-utils")
    for path in render_templates(sorted((ROOT / "workbooks").glob("*.xlsx")), ROOT / "docs" / "templates"):
        print(path.relative_to(ROOT))
    example = ROOT / "workbooks" / "example-zhuzhou-2021.xlsx"
    print(render_report(example, ROOT / "docs" / "report-zhuzhou-2021.png").relative_to(ROOT))
