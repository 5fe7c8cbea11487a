"""``xltools excel install`` / ``uninstall``: the add-in for the current user, no administrator rights.

Install does what ``xlwings addin install`` and ``xlwings config create`` do, for our add-in too:

1. builds ``xltools.xlam`` from ``macros/`` straight into the user's Excel startup folder
   (Windows ``%APPDATA%\\Microsoft\\Excel\\XLSTART``, a trusted location; macOS the Office group
   container's ``Startup.localized/Excel``) — built locally, so it carries no Mark of the Web;
2. copies the xlwings add-in of the installed xlwings package there, unless the same file is
   already there (the add-in and the Python package must be the same version);
3. points xlwings at this Python (``INTERPRETER_WIN``/``INTERPRETER_MAC`` in xlwings' user config
   file) and sets ``ADD_WORKBOOK_TO_PYTHONPATH`` to False — xltools is an installed package, and
   that setting is what makes xlwings fail on workbooks opened from OneDrive/SharePoint URLs;
4. on macOS, copies xlwings' AppleScript (what ``xlwings runpython install`` does);
5. remembers what it changed (``~/.xltools/excel-install.json``) so uninstall puts it back.

On Linux there is no Excel: a clear message and exit code 2.
"""
from __future__ import annotations

import filecmp
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import XltoolsError
from .build import ADDIN_NAME, build_addin

XLWINGS_ADDIN = "xlwings.xlam"
STATE_FILE = "excel-install.json"


class ExcelUnavailable(XltoolsError):
    code = "excel-unavailable"


@dataclass
class Machine:
    """Where things go on this computer (all overridable, for tests)."""

    platform: str = sys.platform
    home: Path = field(default_factory=Path.home)
    env: dict = field(default_factory=lambda: dict(os.environ))
    python: str = sys.executable

    @property
    def windows(self) -> bool:
        return self.platform.startswith("win")

    @property
    def mac(self) -> bool:
        return self.platform == "darwin"

    def require_excel(self) -> None:
        if not (self.windows or self.mac):
            raise ExcelUnavailable(
                "这台电脑是 Linux（或其他系统），没有 Microsoft Excel，无法安装 Excel 加载项。"
                "在这里请直接用命令行：xltools check 工作簿.xlsx；模板中的公式在 WPS、LibreOffice 中照常计算。")

    def startup_dir(self) -> Path:
        if self.env.get("XLTOOLS_XLSTART"):
            return Path(self.env["XLTOOLS_XLSTART"])
        if self.windows:
            appdata = Path(self.env.get("APPDATA") or self.home / "AppData" / "Roaming")
            return appdata / "Microsoft" / "Excel" / "XLSTART"
        return (self.home / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content.localized"
                / "Startup.localized" / "Excel")

    def xlwings_config(self) -> Path:
        """xlwings' user config file (``xlwings.USER_CONFIG_FILE``)."""
        if self.mac:
            return self.home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "xlwings.conf"
        return self.home / ".xlwings" / "xlwings.conf"

    def applescript_dir(self) -> Path:
        return self.home / "Library" / "Application Scripts" / "com.microsoft.Excel"

    def state_file(self) -> Path:
        return Path(self.env.get("XLTOOLS_HOME") or self.home / ".xltools") / STATE_FILE

    def settings(self) -> dict[str, str]:
        interpreter = "INTERPRETER_MAC" if self.mac else "INTERPRETER_WIN"
        return {interpreter: self.python, "ADD_WORKBOOK_TO_PYTHONPATH": "False"}


# -- xlwings' config file: lines of "KEY","VALUE" -----------------------------------------------
_LINE = re.compile(r'^"([^"]*)","([^"]*)"\s*$')


def read_config(path: Path) -> dict[str, str]:
    out = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            m = _LINE.match(line.strip())
            if m:
                out[m.group(1)] = m.group(2)
    return out


def write_config(path: Path, changes: dict[str, str | None]) -> None:
    """Set (or, for None, remove) keys; other lines are kept as they are."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    kept = [line for line in lines if line.strip() and (_LINE.match(line.strip()) is None
                                                      or _LINE.match(line.strip()).group(1) not in changes)]
    kept += [f'"{key}","{value}"' for key, value in changes.items() if value is not None]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in kept), encoding="utf-8")


# -- install / uninstall ------------------------------------------------------------------------
def xlwings_files() -> tuple[Path, Path, str]:
    """(xlwings.xlam, its AppleScript, version) of the installed xlwings package."""
    try:
        import xlwings
    except ImportError:
        raise XltoolsError("没有安装 xlwings：请先运行 pip install \"xltools[excel]\"。") from None
    root = Path(xlwings.__file__).parent
    return root / "addin" / XLWINGS_ADDIN, root / f"xlwings-{xlwings.__version__}.applescript", xlwings.__version__


def _copy(src: Path, dst: Path) -> None:
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    except PermissionError:
        raise XltoolsError(f"无法写入 {dst}：文件正被 Excel 使用。请先关闭 Excel，再运行本命令。") from None


def install(machine: Machine | None = None) -> list[str]:
    """Install for the current user; returns what was done (Chinese lines)."""
    machine = machine or Machine()
    machine.require_excel()
    xlwings_addin, applescript, version = xlwings_files()
    startup = machine.startup_dir()
    state_path = machine.state_file()
    state = json.loads(state_path.read_text(encoding="utf-8")) if state_path.is_file() else {}
    done = []
    try:
        startup.mkdir(parents=True, exist_ok=True)
        addin = build_addin(startup / ADDIN_NAME)
    except PermissionError:
        raise XltoolsError(f"无法写入 {startup / ADDIN_NAME}：文件正被 Excel 使用。请先关闭 Excel，再运行本命令。") from None
    done.append(f"已安装加载项：{addin}")
    target = startup / XLWINGS_ADDIN
    if target.is_file() and filecmp.cmp(xlwings_addin, target, shallow=False):
        done.append(f"xlwings 加载项已是 {version} 版：{target}")
    else:
        state.setdefault("xlwings_addin_added", not target.is_file())
        _copy(xlwings_addin, target)
        done.append(f"已安装 xlwings {version} 加载项：{target}")
    config = machine.xlwings_config()
    before = read_config(config)
    wanted = machine.settings()
    previous = state.setdefault("config_before", {})
    for key in wanted:
        previous.setdefault(key, before.get(key))
    write_config(config, wanted)
    done.append(f"已设置 xlwings（{config}）：" + "，".join(f"{k} = {v}" for k, v in wanted.items()))
    if machine.mac:
        _copy(applescript, machine.applescript_dir() / applescript.name)
        done.append(f"已启用 RunPython（{machine.applescript_dir() / applescript.name}）")
    state.update({"addin": str(addin), "xlwings_addin": str(target), "config": str(config)})
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_text(json.dumps(state, ensure_ascii=False, indent=2), encoding="utf-8")
    done.append("请重新启动 Excel：功能区会出现“绩效自评”选项卡。")
    return done


def uninstall(machine: Machine | None = None) -> list[str]:
    machine = machine or Machine()
    machine.require_excel()
    state_path = machine.state_file()
    state = json.loads(state_path.read_text(encoding="utf-8")) if state_path.is_file() else {}
    done = []
    addin = Path(state.get("addin") or machine.startup_dir() / ADDIN_NAME)
    if addin.is_file():
        try:
            addin.unlink()
        except PermissionError:
            raise XltoolsError(f"无法删除 {addin}：文件正被 Excel 使用。请先关闭 Excel，再运行本命令。") from None
        done.append(f"已删除加载项：{addin}")
    else:
        done.append(f"没有找到加载项：{addin}")
    if state.get("xlwings_addin_added") and Path(state.get("xlwings_addin", "")).is_file():
        Path(state["xlwings_addin"]).unlink()
        done.append(f"已删除安装时添加的 xlwings 加载项：{state['xlwings_addin']}")
    if state.get("config_before"):
        config = Path(state.get("config") or machine.xlwings_config())
        write_config(config, state["config_before"])
        done.append(f"已恢复 xlwings 设置：{config}")
    if state_path.is_file():
        state_path.unlink()
    return done
