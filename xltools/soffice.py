"""LibreOffice headless: convert documents with a private profile that recalculates on load.

The package uses it to turn the drafted report into PDF (:mod:`xltools.draft.pdf`); the tests'
harness (``tests/libreoffice.py``) builds on it to recalculate workbooks and read the results.

Key points (all verified against LibreOffice 7.4):

* By default LibreOffice does NOT recalculate .xlsx formulas on load; it copies
  the cached ``<v>`` values. Every conversion here therefore runs with a fresh
  temporary user profile whose ``registrymodifications.xcu`` sets
  ``OOXMLRecalcMode``/``ODFRecalcMode`` to 0 ("always recalculate").
* One ``soffice --convert-to`` call silently stops after ~246 input files
  (exit code 0, no message), so inputs are converted in chunks and every
  expected output is checked afterwards.
* soffice runs in its own session/process group; on timeout the whole group
  (and anything else still using our private profile) is killed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = [
    "FILTERS",
    "soffice_path",
    "has_image_export",
    "write_profile",
    "convert",
]

# Output extension -> LibreOffice export filter name (Calc document filters).
# Image filters (png/jpg/svg) live in graphicfilter.xcd, shipped by the Debian
# package libreoffice-draw-nogui, not by libreoffice-calc-nogui.
FILTERS: dict[str, str] = {
    "xlsx": "Calc MS Excel 2007 XML",
    "ods": "calc8",
    "pdf": "calc_pdf_Export",
    "png": "calc_png_Export",  # first page only
    "jpg": "calc_jpg_Export",
    "svg": "calc_svg_Export",
    "csv": "Text - txt - csv (StarCalc)",
    "html": "HTML (StarCalc)",
}

# 0 = always recalculate, 1 = never, 2 = prompt (the prompt is "never" headless).
_RECALC_XCU = """\
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

_FALLBACK_SOFFICE = "/usr/lib/libreoffice/program/soffice"
_IMAGE_FORMATS = {"png", "jpg", "svg", "gif", "bmp", "tiff"}


def soffice_path() -> str | None:
    """Return the LibreOffice executable, or None if it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    if os.access(_FALLBACK_SOFFICE, os.X_OK):
        return _FALLBACK_SOFFICE
    return None


def has_image_export() -> bool:
    """True if the Calc image export filters (calc_png_Export...) are installed."""
    soffice = soffice_path()
    if soffice is None:
        return False
    program = Path(os.path.realpath(soffice)).parent
    return (program.parent / "share" / "registry" / "graphicfilter.xcd").is_file()


def write_profile(profile_dir: Path) -> str:
    """Create a user profile that always recalculates on load.

    Writes ``<profile_dir>/user/registrymodifications.xcu`` before the first
    launch (LibreOffice keeps these items and merges its own defaults into the
    file) and returns the ``file://`` URI for ``-env:UserInstallation``.
    """
    user = Path(profile_dir) / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_RECALC_XCU, encoding="utf-8")
    return Path(profile_dir).resolve().as_uri()


def _split_fmt(fmt: str) -> tuple[str, str]:
    """'pdf' -> ('pdf', 'pdf:calc_pdf_Export'); 'ext:Filter' is passed through."""
    ext, sep, filt = fmt.partition(":")
    ext = ext.lower().lstrip(".")
    if not sep:
        filt = FILTERS.get(ext, "")
    return ext, f"{ext}:{filt}" if filt else ext


def _plan(paths: Sequence[Path], outdir: Path, ext: str) -> list[tuple[Path, Path]]:
    """Pair each input with its output path.

    The first input with a given stem goes to ``outdir/<stem>.<ext>``; the
    n-th repeat of that stem goes to ``outdir/dup<n>/<stem>.<ext>`` so every
    output keeps its stem and nothing is overwritten.
    """
    seen: dict[str, int] = {}
    plan = []
    for src in paths:
        key = src.stem.casefold()  # also safe on case-insensitive filesystems
        n = seen.get(key, 0)
        seen[key] = n + 1
        target_dir = outdir if n == 0 else outdir / f"dup{n}"
        target = target_dir / f"{src.stem}.{ext}"
        if target == src:
            raise ValueError(f"output would overwrite its input: {src}")
        plan.append((src, target))
    return plan


def _processes_using(marker: str) -> list[int]:
    """PIDs whose command line contains ``marker`` (our private profile URI)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if marker in cmdline:
            pids.append(int(entry.name))
    return pids


def _kill(proc: subprocess.Popen | None, profile_uri: str) -> None:
    """Kill the soffice process group plus any stray process on our profile.

    Pass ``proc`` only while it is unreaped, so its group id cannot have been
    reused by an unrelated process.
    """
    if proc is not None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for pid in _processes_using(profile_uri):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _run_soffice(
    soffice: str,
    profile_uri: str,
    convert_to: str,
    target_dir: Path,
    inputs: Sequence[Path],
    timeout: float,
) -> str:
    """Run one ``soffice --convert-to`` call; return its combined output."""
    cmd = [
        soffice,
        f"-env:UserInstallation={profile_uri}",
        "--headless",
        "--invisible",
        "--nologo",
        "--nodefault",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        convert_to,
        "--outdir",
        str(target_dir),
        *map(str, inputs),
    ]
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # own process group, so a timeout kills it all
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc, profile_uri)
        proc.communicate()
        raise TimeoutError(
            f"LibreOffice did not finish {len(inputs)} file(s) within {timeout:g} s "
            f"(first: {inputs[0]}); its processes were killed"
        ) from None
    finally:
        if proc.poll() is None:  # e.g. KeyboardInterrupt while waiting
            _kill(proc, profile_uri)
            proc.wait()
    # soffice.bin normally exits with the launcher; kill any leftover anyway.
    _kill(None, profile_uri)
    return out.decode("utf-8", "replace")


def convert(
    paths: Iterable[Path],
    outdir: Path,
    fmt: str,
    chunk: int = 100,
    timeout: float = 600,
) -> list[Path]:
    """Convert spreadsheets with LibreOffice headless; return output paths.

    ``fmt`` is an extension from :data:`FILTERS` (``"xlsx"``, ``"pdf"``,
    ``"png"`` ...) or an explicit ``"ext:Filter Name"``. Formulas are
    recalculated on load, so PDF/PNG renderings show computed values.
    Outputs are returned in input order (see :func:`_plan` for duplicate
    stems). At most ``chunk`` files go to one soffice call; ``timeout`` is
    per call. Raises RuntimeError naming every missing output.
    """
    soffice = soffice_path()
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    if chunk < 1:
        raise ValueError("chunk must be >= 1")
    paths = [Path(p).resolve() for p in paths]
    for p in paths:
        if not p.is_file():
            raise FileNotFoundError(p)
    outdir = Path(outdir).resolve()
    ext, convert_to = _split_fmt(fmt)
    plan = _plan(paths, outdir, ext)

    # Group by target directory (stems are unique inside each group), then chunk.
    groups: dict[Path, list[tuple[Path, Path]]] = {}
    for src, target in plan:
        groups.setdefault(target.parent, []).append((src, target))
        # A stale output from an earlier run would hide a failed conversion.
        target.unlink(missing_ok=True)

    with tempfile.TemporaryDirectory(prefix="xltools-lo-") as tmp:
        profile_uri = write_profile(Path(tmp) / "profile")
        for target_dir, items in groups.items():
            target_dir.mkdir(parents=True, exist_ok=True)
            for start in range(0, len(items), chunk):
                batch = items[start : start + chunk]
                log = _run_soffice(
                    soffice,
                    profile_uri,
                    convert_to,
                    target_dir,
                    [src for src, _ in batch],
                    timeout,
                )
                missing = [
                    src
                    for src, target in batch
                    if not target.is_file() or target.stat().st_size == 0
                ]
                if missing:
                    names = "\n  ".join(str(m) for m in missing)
                    hint = ""
                    if ext in _IMAGE_FORMATS and not has_image_export():
                        hint = "(image export needs libreoffice-draw-nogui)\n"
                    raise RuntimeError(
                        f"LibreOffice produced no {ext} output for "
                        f"{len(missing)} of {len(batch)} file(s):\n  {names}\n"
                        f"{hint}soffice output (tail):\n{log[-2000:]}"
                    )
    return [target for _, target in plan]
