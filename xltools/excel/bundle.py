"""``xltools excel bundle``: an offline install folder for Windows PCs with no internet.

The folder holds

- ``wheels/``: our wheel and the Windows wheels of every dependency (the ``excel`` extra included)
  for each supported Python version, fetched with ``pip download --platform win_amd64
  --only-binary=:all: --python-version X`` — pure-Python wheels (``py3-none-any``) or ``win_amd64``
  ones, nothing else (checked: :func:`foreign_wheels`);
- ``xltools.xlam``: the add-in as built here, for IT to review (the install script builds the one
  actually used, configured for the Python it installs into);
- ``install.cmd`` / ``install.ps1``: ``pip install --no-index --find-links wheels`` then
  ``xltools excel install``; ``uninstall.cmd``;
- ``acceptance.ps1``: the acceptance test of the buttons on that PC (docs/excel.md §7);
- ``说明.txt`` and ``SHA256SUMS.txt``.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from .. import __version__
from ..atomic import copy_file, write_bytes
from ..errors import XltoolsError

DISTRIBUTION = "xltools-jixiao"
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
PLATFORM = "win_amd64"
_WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(?:-\d[^-]*)?-(?P<py>[^-]+)-(?P<abi>[^-]+)-(?P<plat>[^-]+)\.whl$")


class BundleError(XltoolsError):
    code = "bundle-error"


def foreign_wheels(folder: Path) -> list[str]:
    """Wheels in ``folder`` that are neither pure Python nor for 64-bit Windows."""
    bad = []
    for path in sorted(folder.glob("*.whl")):
        m = _WHEEL.match(path.name)
        platforms = set(m.group("plat").split(".")) if m else set()
        if not m or not (platforms <= {"any"} and m.group("abi") == "none" or PLATFORM in platforms):
            bad.append(path.name)
    others = [p.name for p in folder.iterdir() if p.suffix != ".whl"]
    return bad + others


def windows_environment(version: str) -> dict[str, str]:
    """PEP 508 marker values of CPython ``version`` on 64-bit Windows."""
    return {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "platform_machine": "AMD64",
            "python_version": version, "python_full_version": version + ".0", "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "platform_release": "10", "platform_version": "10.0",
            "implementation_version": version + ".0", "extra": ""}


def missing_requirements(folder: Path, version: str) -> list[str]:
    """Requirements that apply on Windows but that no wheel in ``folder`` provides.  ``pip download
    --platform`` evaluates environment markers for the machine it runs on (so a Linux host never
    fetches e.g. xlwings' ``pywin32; platform_system == "Windows"``): they are evaluated here for
    the target instead."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version
    env = windows_environment(version)
    present = {}
    for path in folder.glob("*.whl"):
        m = _WHEEL.match(path.name)
        if m:
            present[canonicalize_name(m.group("name"))] = Version(m.group("version"))
    missing = []
    for path in sorted(folder.glob("*.whl")):
        with zipfile.ZipFile(path) as z:
            meta = next((n for n in z.namelist() if n.endswith(".dist-info/METADATA")), None)
            text = z.read(meta).decode("utf-8", "replace") if meta else ""
        wheel = _WHEEL.match(path.name)
        if wheel is None:
            raise BundleError(f"{path.name} 不是规范的 wheel 文件名，请从文件夹中删除它后重试")
        name = canonicalize_name(wheel.group("name"))
        extras = ("", "excel") if name == canonicalize_name(DISTRIBUTION) else ("",)
        for line in re.findall(r"^Requires-Dist: (.+)$", text, re.M):
            req = Requirement(line.strip())
            if req.marker and not any(req.marker.evaluate({**env, "extra": e}) for e in extras):
                continue
            have = present.get(canonicalize_name(req.name))
            if have is None or (req.specifier and have not in req.specifier):
                missing.append(f"{req.name}{req.specifier}")
    return sorted(set(missing))


def source_root() -> Path | None:
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


def _run(args: list[str], what: str) -> None:
    proc = subprocess.run(args, capture_output=True, text=True, encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-6:])
        raise BundleError(f"{what}没有成功（{' '.join(args[:4])} …）：\n{tail}")


def our_wheel(dest: Path, wheel: Path | None, pip: Sequence[str]) -> Path:
    if wheel:
        if not Path(wheel).is_file():
            raise BundleError(f"找不到 wheel 文件：{wheel}")
        return copy_file(wheel, dest / Path(wheel).name)
    root = source_root()
    if root is None:
        raise BundleError(f"这份 xltools 是从 wheel 安装的，无法重新打包自身：请用 --wheel 指定 {DISTRIBUTION} 的 .whl 文件。")
    leftovers = [root / "build", root / f"{DISTRIBUTION.replace('-', '_')}.egg-info"]
    existed = {p for p in leftovers if p.exists()}
    try:
        _run([*pip, "wheel", "--no-deps", "--wheel-dir", str(dest), str(root)], "打包 xltools")
    finally:  # an in-tree setuptools build leaves these behind; remove what we made
        for path in set(leftovers) - existed:
            shutil.rmtree(path, ignore_errors=True)
    found = sorted(dest.glob(f"{DISTRIBUTION.replace('-', '_')}-{__version__}-*.whl"))
    if not found:
        raise BundleError("打包 xltools 后没有找到 wheel 文件。")
    return found[-1]


def install_scripts(pythons: Sequence[str]) -> dict[str, str]:
    req = f'{DISTRIBUTION}[excel]=={__version__}'
    run_cli = "from xltools.cli import main; main(['excel', '{cmd}'])"
    cmd = "\r\n".join([
        "@echo off",
        "rem xltools offline install: no internet needed. Python " + " / ".join(pythons) + " (64-bit).",
        "chcp 65001 >nul",
        "setlocal",
        'cd /d "%~dp0"',
        "set PY=python",
        "where py >nul 2>nul && set PY=py -3",
        f'%PY% -m pip install --no-index --find-links "%~dp0wheels" "{req}" || goto :failed',
        f'%PY% -c "{run_cli.format(cmd="install")}" || goto :failed',
        "echo.",
        "echo 安装完成。请重新启动 Excel。",
        "pause",
        "exit /b 0",
        ":failed",
        "echo.",
        "echo 安装没有完成，请把上面的信息发给信息技术部门。",
        "pause",
        "exit /b 1",
    ]) + "\r\n"
    ps1 = "\r\n".join([
        "# xltools offline install (PowerShell): powershell -ExecutionPolicy Bypass -File install.ps1",
        "$ErrorActionPreference = 'Stop'",
        "$here = Split-Path -Parent $MyInvocation.MyCommand.Path",
        "$py = if (Get-Command py -ErrorAction SilentlyContinue) { @('py', '-3') } else { @('python') }",
        f"& $py[0] $py[1..9] -m pip install --no-index --find-links (Join-Path $here 'wheels') '{req}'",
        "if ($LASTEXITCODE -ne 0) { Write-Error 'pip install failed'; exit 1 }",
        f"& $py[0] $py[1..9] -c \"{run_cli.format(cmd='install')}\"",
        "if ($LASTEXITCODE -ne 0) { exit 1 }",
        "Write-Host '安装完成。请重新启动 Excel。'",
    ]) + "\r\n"
    uninstall = "\r\n".join([
        "@echo off", "chcp 65001 >nul", "set PY=python", "where py >nul 2>nul && set PY=py -3",
        f'%PY% -c "{run_cli.format(cmd="uninstall")}"', "pause",
    ]) + "\r\n"
    readme = "\r\n".join([
        "xltools 绩效自评：离线安装包",
        "",
        f"适用于 64 位 Windows 上的 Python {'、'.join(pythons)}（64 位），不需要联网，不需要管理员权限。",
        "1. 关闭 Excel；",
        "2. 双击 install.cmd（或在 PowerShell 中运行 install.ps1）；",
        "3. 重新启动 Excel，功能区出现“绩效自评”选项卡。",
        "卸载：双击 uninstall.cmd。",
        "",
        "安装后请运行验收脚本（Excel 关闭时）：powershell -ExecutionPolicy Bypass -File acceptance.ps1 -SkipInstall，",
        "它会打开 Excel 逐个点按钮并在桌面 xltools-acceptance 文件夹中写出 report.txt。",
        "",
        "wheels 文件夹是 xltools 及其依赖的安装文件；xltools.xlam 供信息技术部门审阅（安装时会按本机 Python 重新生成）。",
        "SHA256SUMS.txt 列出每个文件的校验值。",
    ]) + "\r\n"
    return {"install.cmd": cmd, "install.ps1": ps1, "uninstall.cmd": uninstall, "说明.txt": readme}


def bundle(output: str | Path, pythons: Sequence[str] = SUPPORTED_PYTHONS, wheel: Path | None = None,
           pip: Sequence[str] = (sys.executable, "-m", "pip"),
           progress: Callable[[str], None] = lambda _text: None) -> Path:
    """Write the offline folder ``output``; returns it."""
    out = Path(output)
    wheels = out / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    progress("打包 xltools …")
    ours = our_wheel(wheels, wheel, pip)
    for version in pythons:
        progress(f"下载 Python {version} 的 Windows 依赖 …")
        _run([*pip, "download", "--dest", str(wheels), "--only-binary=:all:", "--platform", PLATFORM,
              "--python-version", version, "--implementation", "cp", "--find-links", str(wheels),
              f"{DISTRIBUTION}[excel]=={__version__}"], f"下载 Python {version} 的依赖")
        for _ in range(5):  # what only Windows needs, and what that needs in turn
            missing = missing_requirements(wheels, version)
            if not missing:
                break
            progress("下载只在 Windows 上需要的依赖：" + "、".join(missing))
            _run([*pip, "download", "--dest", str(wheels), "--only-binary=:all:", "--platform", PLATFORM,
                  "--python-version", version, "--implementation", "cp", "--no-deps", *missing],
                 f"下载 Python {version} 的 Windows 依赖")
        else:
            raise BundleError("Windows 依赖没有下载完整：" + "、".join(missing))
    bad = foreign_wheels(wheels)
    if bad:
        raise BundleError("离线包中有不是 64 位 Windows 或纯 Python 的文件：" + "、".join(bad))
    progress("生成加载项 …")
    from .build import build_addin
    build_addin(out / "xltools.xlam")
    copy_file(Path(__file__).with_name("acceptance.ps1"), out / "acceptance.ps1")
    for name, text in install_scripts(pythons).items():
        write_bytes(out / name, text.encode("utf-8-sig" if name.endswith((".ps1", ".txt")) else "utf-8"))
    sums = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(out).as_posix()}"
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != "SHA256SUMS.txt"]
    write_bytes(out / "SHA256SUMS.txt", ("\n".join(sums) + "\n").encode("utf-8"))
    progress(f"完成：{out}（{ours.name} 和 {len(list(wheels.glob('*.whl'))) - 1} 个依赖）")
    return out
