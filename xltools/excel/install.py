"""``xltools excel install`` / ``uninstall``: the add-in for the current user, no administrator rights.

The add-in is a self-contained xlwings *custom add-in* (xlwings' recommended way to distribute a
tool, ``xlwings quickstart NAME --addin``): it carries xlwings' VBA and its own settings sheet
``xltools.conf``, so install changes nothing user-wide — no ``~/.xlwings/xlwings.conf``, no
``xlwings.xlam``; other xlwings tools on the PC are unaffected and cannot affect us.

Install:

1. asks Excel for its startup folder (``Application.StartupPath``, through xlwings/COM; the
   documented default only when Excel cannot be asked, said so in the output);
2. builds ``xltools.xlam`` there with the settings of *this* Python (:func:`settings`): the
   interpreter (``pythonw.exe`` beside it on Windows, or ``CONDA PATH``/``CONDA ENV`` for a conda
   environment), ``USE UDF SERVER`` (one warm Python for the session's clicks),
   ``ADD_WORKBOOK_TO_PYTHONPATH`` False — built locally, so it carries no Mark of the Web;
3. on macOS, copies xlwings' AppleScript (what ``xlwings runpython install`` does);
4. journals every step in ``~/.xltools/excel-install.json`` *before* taking it (with a backup of
   any file it replaces), so uninstall undoes exactly that and a half-failed install is rolled back
   at once — or later by ``xltools excel uninstall``.

An earlier xltools install that edited ``~/.xlwings/xlwings.conf`` (journal key ``config_before``) is
undone first; that file is read as UTF-8 or in the ANSI code page (cp936 on Chinese Windows, what
xlwings' VBA ``Open … For Input`` and Python's ``open()`` use) and written back in the code page.

On Linux there is no Excel: a clear message and exit code 2.
"""
from __future__ import annotations

import json
import locale
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import copy_file, make_parent, write_bytes
from ..errors import XltoolsError
from .build import ADDIN_NAME, build_addin

STATE_FILE = "excel-install.json"
XLWINGS_ADDIN = "xlwings.xlam"


class ExcelUnavailable(XltoolsError):
    code = "excel-unavailable"


def ask_excel_startup() -> Path | None:
    """Excel's own answer for the user's startup folder (``Application.StartupPath``), or None when
    Excel cannot be asked (not installed, COM blocked)."""
    try:
        import xlwings as xw
    except ImportError:
        return None
    try:
        active = xw.apps.active if xw.apps.count else None
        if active is not None:
            return Path(active.startup_path)
        app = xw.App(visible=False, add_book=False)
        try:
            return Path(app.startup_path)
        finally:
            app.quit()
    except Exception:  # noqa: BLE001 — any COM failure: fall back to the documented default
        return None


@dataclass
class Machine:
    """Where things go on this computer (all overridable, for tests)."""

    platform: str = sys.platform
    home: Path = field(default_factory=Path.home)
    env: dict = field(default_factory=lambda: dict(os.environ))
    python: str = sys.executable
    prefix: str = sys.prefix
    #: The ANSI code page: what VBA's ``Open … For Input`` and xlwings' Python ``open()`` read.
    encoding: str = field(default_factory=lambda: locale.getpreferredencoding(False))
    ask_excel: Callable[[], Path | None] = ask_excel_startup

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

    def startup_dir(self) -> tuple[Path, str]:
        """(folder, how it was found)."""
        if self.env.get("XLTOOLS_XLSTART"):
            return Path(self.env["XLTOOLS_XLSTART"]), "环境变量 XLTOOLS_XLSTART"
        asked = self.ask_excel()
        if asked:
            return Path(asked), "Excel 报告的启动文件夹"
        if self.windows:
            appdata = Path(self.env.get("APPDATA") or self.home / "AppData" / "Roaming")
            return appdata / "Microsoft" / "Excel" / "XLSTART", "没能询问 Excel，使用默认位置"
        return (self.home / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content.localized"
                / "Startup.localized" / "Excel"), "没能询问 Excel，使用默认位置"

    def legacy_xlwings_config(self) -> Path:
        if self.mac:
            return self.home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "xlwings.conf"
        return self.home / ".xlwings" / "xlwings.conf"

    def applescript_dir(self) -> Path:
        return self.home / "Library" / "Application Scripts" / "com.microsoft.Excel"

    def state_dir(self) -> Path:
        return Path(self.env.get("XLTOOLS_HOME") or self.home / ".xltools")


def settings(machine: Machine, xlwings_version: str) -> dict[str, str]:
    """The add-in's ``xltools.conf`` sheet for this Python."""
    python = machine.python
    if machine.mac:
        return {"INTERPRETER_MAC": python, "XLTOOLS_PYTHON": python, "ADD_WORKBOOK_TO_PYTHONPATH": "False"}
    windowed = _sibling(python, "pythonw.exe")
    out = {"INTERPRETER_WIN": windowed, "XLTOOLS_PYTHON": windowed}
    conda_base = _conda_base(machine)
    if conda_base:  # xlwings activates a conda env only when the interpreter is the bare name
        out.update({"INTERPRETER_WIN": "pythonw", "CONDA PATH": conda_base, "CONDA ENV": machine.prefix})
    dll = f"xlwings64-{xlwings_version}.dll"
    warm = any((Path(folder) / dll).is_file() for folder in (machine.prefix, _parent(windowed),
                                                              _parent(_parent(windowed))))
    out.update({"USE UDF SERVER": "True" if warm else "False", "SHOW CONSOLE": "False",
                "ADD_WORKBOOK_TO_PYTHONPATH": "False"})
    return out


def _sibling(python: str, name: str) -> str:
    sep = "\\" if "\\" in python else "/"
    folder = python.rsplit(sep, 1)[0] if sep in python else ""
    candidate = f"{folder}{sep}{name}" if folder else name
    return candidate if Path(candidate).is_file() else python


def _parent(path: str) -> str:
    sep = "\\" if "\\" in path else "/"
    return path.rsplit(sep, 1)[0] if sep in path else ""


def _conda_base(machine: Machine) -> str | None:
    if not (Path(machine.prefix) / "conda-meta").is_dir():
        return None
    exe = machine.env.get("CONDA_EXE")
    return str(Path(exe).parent.parent) if exe else None


# -- the legacy xlwings config file: lines of "KEY","VALUE" (only undone, never written anew) ---
_LINE = re.compile(r'^"([^"]*)","([^"]*)"\s*$')


def read_text(path: Path, encoding: str) -> tuple[str, str]:
    """(text, encoding used): UTF-8 when it decodes, else the ANSI code page; never a traceback."""
    data = path.read_bytes()
    for enc in ("utf-8", encoding):
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(encoding, errors="replace"), encoding


def read_config(path: Path, encoding: str = "utf-8") -> dict[str, str]:
    out = {}
    if path.is_file():
        for line in read_text(path, encoding)[0].splitlines():
            m = _LINE.match(line.strip())
            if m:
                out[m.group(1)] = m.group(2)
    return out


def restore_config(path: Path, before: dict[str, str | None], encoding: str) -> None:
    """Put the keys an earlier install set back to ``before`` (None = remove); other lines kept; the
    file written in the ANSI code page its readers use."""
    text, _ = read_text(path, encoding) if path.is_file() else ("", encoding)
    kept, seen = [], set()
    for line in text.splitlines():
        m = _LINE.match(line.strip())
        if m and m.group(1) in before:
            seen.add(m.group(1))
            if before[m.group(1)] is not None:
                kept.append(f'"{m.group(1)}","{before[m.group(1)]}"')
        elif line.strip():
            kept.append(line)
    kept += [f'"{key}","{value}"' for key, value in before.items() if value is not None and key not in seen]
    data = "".join(line + "\r\n" for line in kept)
    try:
        encoded = data.encode(encoding)
    except UnicodeEncodeError:
        raise XltoolsError(f"{path} 中有当前系统代码页（{encoding}）不能表示的字符，无法按 xlwings 读取的编码写回。"
                           "请手工编辑该文件。") from None
    write_bytes(path, encoded)


# -- the journal ----------------------------------------------------------------------------------
class Journal:
    """What install did, written before each step: ``{"steps": [{"kind", "path", "backup"}]}``."""

    def __init__(self, machine: Machine):
        self.path = machine.state_dir() / STATE_FILE
        self.data = json.loads(read_text(self.path, "utf-8")[0]) if self.path.is_file() else {}
        self.data.setdefault("steps", [])

    def save(self) -> None:
        make_parent(self.path)
        write_bytes(self.path, json.dumps(self.data, ensure_ascii=False, indent=2).encode("utf-8"))

    def file_step(self, target: Path, backups: Path) -> dict:
        """Record (before writing) that ``target`` is about to be written; back up what was there."""
        step = {"kind": "file", "path": str(target), "backup": None}
        if target.exists():
            backups.mkdir(parents=True, exist_ok=True)
            backup = backups / target.name
            copy_file(target, backup)
            step["backup"] = str(backup)
        self.data["steps"].append(step)
        self.save()
        return step


def _undo(journal: Journal, machine: Machine) -> list[str]:
    done = []
    for step in reversed(journal.data.get("steps", [])):
        target = Path(step["path"])
        try:
            if step.get("backup") and Path(step["backup"]).is_file():
                copy_file(step["backup"], target)
                Path(step["backup"]).unlink()
                done.append(f"已恢复安装前的文件：{target}")
            elif target.is_file():
                target.unlink()
                done.append(f"已删除：{target}")
        except PermissionError:
            raise XltoolsError(f"无法删除或恢复 {target}：文件正被 Excel 使用。请先关闭 Excel，再运行本命令。") from None
    journal.data["steps"] = []
    legacy = journal.data.pop("config_before", None)
    if legacy:  # an earlier version of xltools edited xlwings' user-wide config
        config = Path(journal.data.pop("config", "") or machine.legacy_xlwings_config())
        if config.is_file():
            restore_config(config, legacy, machine.encoding)
            done.append(f"已恢复 xlwings 用户配置（早期版本的 xltools 修改过）：{config}")
    if journal.data.pop("xlwings_addin_added", False):
        added = Path(journal.data.pop("xlwings_addin", ""))
        if added.name == XLWINGS_ADDIN and added.is_file():
            added.unlink()
            done.append(f"已删除早期版本安装的 xlwings 加载项：{added}")
    old = Path(journal.data.pop("addin", "") or ".")
    if old.name == ADDIN_NAME and old.is_file():
        old.unlink()
        done.append(f"已删除早期版本安装的加载项：{old}")
    for key in ("xlwings_addin", "config"):
        journal.data.pop(key, None)
    return done


# -- install / uninstall ------------------------------------------------------------------------
def xlwings_version() -> str:
    try:
        import xlwings
    except ImportError:
        raise XltoolsError("没有安装 xlwings：请先运行 pip install \"xltools-jixiao[excel]\"。") from None
    return xlwings.__version__


def install(machine: Machine | None = None) -> list[str]:
    """Install for the current user; returns what was done (Chinese lines)."""
    machine = machine or Machine()
    machine.require_excel()
    version = xlwings_version()
    journal = Journal(machine)
    done = _undo(journal, machine)  # a previous install (of any version) first
    journal.save()
    startup, how = machine.startup_dir()
    backups = machine.state_dir() / "backup"
    wanted = settings(machine, version)
    try:
        startup.mkdir(parents=True, exist_ok=True)
        journal.file_step(startup / ADDIN_NAME, backups)
        addin = build_addin(startup / ADDIN_NAME, settings=wanted)
        done.append(f"已安装加载项（{how}）：{addin}")
        done.append("加载项自带设置（不改动 xlwings 和其他工具的设置）：" + "，".join(f"{k} = {v}" for k, v in wanted.items()))
        if machine.mac:
            import xlwings
            script = Path(xlwings.__file__).parent / f"xlwings-{version}.applescript"
            target = machine.applescript_dir() / script.name
            target.parent.mkdir(parents=True, exist_ok=True)
            journal.file_step(target, backups)
            copy_file(script, target)
            done.append(f"已启用 RunPython（{target}）")
    except BaseException as exc:
        try:
            _undo(journal, machine)
            journal.save()
        except XltoolsError:
            pass  # the journal keeps the rest: xltools excel uninstall finishes the job
        if isinstance(exc, PermissionError):
            raise XltoolsError(f"无法写入 {exc.filename or startup}：文件正被 Excel 使用。请先关闭 Excel，再运行本命令。"
                               "已撤销本次安装做过的改动。") from None
        if isinstance(exc, OSError):
            raise XltoolsError(f"安装没有完成（{exc.strerror or exc}：{exc.filename or startup}），"
                               "已撤销本次安装做过的改动。") from None
        raise
    if wanted.get("USE UDF SERVER") == "False" and not machine.mac:
        done.append("提示：没有找到 xlwings 的 DLL，按钮每次点击都会启动一次 Python（较慢）。重新安装 xlwings 可解决。")
    done.append(f"安装记录：{journal.path}（xltools excel uninstall 按它撤销）")
    done.append("请重新启动 Excel：功能区会出现“绩效自评”选项卡。")
    return done


def uninstall(machine: Machine | None = None) -> list[str]:
    machine = machine or Machine()
    machine.require_excel()
    journal = Journal(machine)
    done = _undo(journal, machine)
    if journal.path.is_file():
        journal.path.unlink()
    return done or ["没有找到 xltools 的安装记录，没有需要撤销的改动。"]
