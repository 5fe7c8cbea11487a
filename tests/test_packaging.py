"""What a user installs (issue 15): the wheel and sdist carry everything ``xltools excel build`` needs,
under a distribution name that is ours; the offline bundle holds only Windows or pure-Python wheels.

Both tests build for real (``python -m build``, ``pip download`` from the package index); they are
marked slow and run on CI.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from xltools import __version__
from xltools.excel import bundle

ROOT = Path(__file__).resolve().parent.parent
MACRO_FILES = {"xltools.bas", "xltools_ribbon.bas", "customUI14.xml", "messages.txt"}


def _source_copy(dest: Path) -> Path:
    """The tracked files of the repository (a build writes build/ and *.egg-info next to them)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode("utf-8").split("\0")):
        src, dst = ROOT / name, dest / name
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(src.read_bytes())
    # the working tree's changes are what is tested (uncommitted edits included)
    return dest


@pytest.mark.slow
def test_wheel_and_sdist_install_into_a_fresh_venv_and_build_the_addin(tmp_path):
    pytest.importorskip("build", reason="python -m build (pip install build)")
    src = _source_copy(tmp_path / "src")
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(dist), str(src)],
                   check=True, capture_output=True, timeout=600)
    wheel = dist / f"xltools_jixiao-{__version__}-py3-none-any.whl"
    sdist = dist / f"xltools_jixiao-{__version__}.tar.gz"
    assert wheel.is_file() and sdist.is_file(), sorted(p.name for p in dist.iterdir())
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(f"xltools_jixiao-{__version__}.dist-info/METADATA").decode("utf-8")
        scripts = z.read(f"xltools_jixiao-{__version__}.dist-info/entry_points.txt").decode("utf-8")
    assert {f"xltools/excel/macros/{n}" for n in MACRO_FILES} <= names
    assert "Name: xltools-jixiao" in meta and "xltools = xltools.cli:main" in scripts
    # the tests' harness stays with the tests (tests/libreoffice.py, tests/compare.py)
    assert not {"xltools/libreoffice.py", "xltools/xlsx/compare.py"} & names and "xltools/soffice.py" in names
    with tarfile.open(sdist) as t:
        assert {f"xltools_jixiao-{__version__}/xltools/excel/macros/{n}" for n in MACRO_FILES} <= set(t.getnames())

    venv = tmp_path / "venv"
    # system site-packages only for speed (pandas, matplotlib …); xltools itself must come from the wheel
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "XLTOOLS_MACROS")}
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"{wheel}[excel]"], env=env, cwd=tmp_path,
                   check=True, capture_output=True, timeout=600)
    where = subprocess.run([str(python), "-c", "import xltools; print(xltools.__file__)"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(venv), where
    out = tmp_path / "built"
    run = subprocess.run([str(bindir / "xltools"), "excel", "build", "-o", str(out)], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert (out / "xltools.xlam").is_file() and (out / "dept.xlsm").is_file()
    assert "找不到 VBA 源文件" not in run.stderr


@pytest.mark.slow
def test_offline_bundle_holds_only_windows_or_pure_python_wheels(tmp_path):
    pytest.importorskip("pyopenvba")
    pytest.importorskip("xlwings")
    folder = bundle.bundle(tmp_path / "offline", pythons=("3.11",))
    wheels = sorted(p.name for p in (folder / "wheels").iterdir())
    assert bundle.foreign_wheels(folder / "wheels") == []
    names = {w.split("-")[0].lower() for w in wheels}
    # ours, the excel extra, and what only Windows needs (pip download alone misses pywin32 on Linux)
    assert {"xltools_jixiao", "xlwings", "pyopenvba", "pandas", "numpy", "openpyxl", "pywin32"} <= names
    assert all(w.endswith(("-none-any.whl", "-win_amd64.whl")) for w in wheels)
    assert bundle.missing_requirements(folder / "wheels", "3.11") == []
    # what install.cmd runs, resolved for Windows with no index: the folder is complete
    resolve = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-index",
                              "--find-links", str(folder / "wheels"), "--platform", "win_amd64", "--python-version", "3.11",
                              "--implementation", "cp", "--only-binary=:all:", "--target", str(tmp_path / "target"),
                              f"xltools-jixiao[excel]=={__version__}"], capture_output=True, text=True, timeout=300)
    assert resolve.returncode == 0, resolve.stderr
    assert "Would install" in resolve.stdout and "xlwings-" in resolve.stdout
    assert (folder / "xltools.xlam").is_file()
    cmd = (folder / "install.cmd").read_text(encoding="utf-8")
    assert "--no-index --find-links" in cmd and f"xltools-jixiao[excel]=={__version__}" in cmd
    sums = (folder / "SHA256SUMS.txt").read_text(encoding="utf-8")
    assert all(f"wheels/{w}" in sums for w in wheels)


def test_foreign_wheels_are_named(tmp_path):
    for name in ("a-1.0-py3-none-any.whl", "b-2.0-cp311-cp311-win_amd64.whl", "c-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
                 "d-1.0-cp311-cp311-win32.whl", "e-1.0.tar.gz", "f-1.0-cp311-abi3-macosx_11_0_arm64.whl"):
        (tmp_path / name).write_bytes(b"")
    assert bundle.foreign_wheels(tmp_path) == ["c-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
                                               "d-1.0-cp311-cp311-win32.whl",
                                               "f-1.0-cp311-abi3-macosx_11_0_arm64.whl", "e-1.0.tar.gz"]


def test_every_install_hint_names_our_distribution():
    """No message tells a user to ``pip install xltools`` (someone else's 2015 package)."""
    for path in list((ROOT / "xltools").rglob("*.py")) + list((ROOT / "xltools").rglob("*.txt")) + \
            [ROOT / "README.md", ROOT / "docs" / "excel.md"]:
        text = path.read_text(encoding="utf-8")
        assert "xltools[" not in text and "install xltools\n" not in text, path
