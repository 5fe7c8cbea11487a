"""Render the standard templates to PNG for the docs: xlsx -> pdf (LibreOffice) -> png (pdftoppm).

    python docs/render.py            # writes docs/templates/*.png (first page of each)

Needs LibreOffice, a CJK font (fonts-noto-cjk) and poppler-utils.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from xltools.libreoffice import convert

ROOT = Path(__file__).resolve().parent.parent


def render(workbooks: list[Path], outdir: Path, dpi: int = 80) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm is missing: apt-get install -y poppler-utils")
    outdir.mkdir(parents=True, exist_ok=True)
    pngs = []
    with tempfile.TemporaryDirectory() as tmp:
        for pdf in convert(workbooks, Path(tmp), "pdf"):
            target = outdir / pdf.stem
            subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf),
                            str(target)], check=True)
            pngs.append(target.with_suffix(".png"))
    return pngs


if __name__ == "__main__":
    for path in render(sorted((ROOT / "workbooks").glob("*.xlsx")), ROOT / "docs" / "templates"):
        print(path.relative_to(ROOT))
