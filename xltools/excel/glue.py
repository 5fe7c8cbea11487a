"""The entry points of the buttons, called by ``RunPython`` from the add-in or a template's button::

    RunPython "import xltools.excel.glue as g; g.check()"

Each is as thin as xlwings' fibonacci example: ``xw.Book.caller()``, read the workbook, call the
library (:func:`xltools.api.check_book`), write back.  :func:`button` turns the returned text into
a message box and every error into a Chinese message — never a Python traceback window.
"""
from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Mapping
from datetime import datetime
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ..api import Result, check_book
from ..errors import XltoolsError
from ..writeback import restores, rewrites
from ..xlsx.package import Book
from .adapter import book_from_xlwings
from .apply import Session, has_result_sheet, refresh_marks, restore_formulas, rewrite_values
from .messages import check_message, recalc_message, report_message, workbook_name

xw: Any  # the module, or None without xlwings
try:
    import xlwings as xw
except ImportError:  # the CLI and the tests work without it; the buttons say what to install
    xw = None

TITLE = "绩效自评"
NO_XLWINGS = "这台电脑的 Python 里没有安装 xlwings。请在命令行运行：pip install \"xltools-jixiao[excel]\"，然后运行：xltools excel install。"
#: Settings a received workbook could carry for xlwings (a sheet inside it, a file beside it).
#: The add-in never reads them (see xlwings_vba.py); the buttons say they were ignored.
FOREIGN_SETTINGS = ("xlwings.conf", "xltools.conf")
#: Folder names of Windows' temporary, Outlook-attachment and Office-cache locations: a report
#: written there would be lost, so it goes to Documents.
TRANSIENT_PARTS = ("content.outlook", "inetcache", "temporary internet files", "content.mso", "content.ie5",
                   "content.word", "olk")


def state_dir() -> Path:
    return Path(os.environ.get("XLTOOLS_HOME") or Path.home() / ".xltools")


def button(action: str):
    """Decorate an entry point: status bar while it runs, its returned text in a message box,
    :class:`XltoolsError` and any other exception as a Chinese message (details to a log file)."""
    def decorate(fn):
        @functools.wraps(fn)
        def run():
            # "python -c" (how xlwings starts Python) puts the current folder first on sys.path;
            # the add-in starts Python in its own folder, and nothing found there is imported later
            sys.path[:] = [p for p in sys.path if p not in ("", ".")]
            _status(f"正在{action}…")
            try:
                message, mode = fn(), "info"
                ignored = ignored_settings(_caller())
                if ignored:
                    message += "\n\n" + ignored
            except XltoolsError as exc:
                message, mode = f"{action}未完成：{exc}", "critical"
            except Exception as exc:  # noqa: BLE001 — the user gets a message, the log gets the trace
                log = _log(action)
                message, mode = (f"{action}未完成：xltools 内部错误（{type(exc).__name__}：{exc}）。\n"
                                 f"详细信息已记录在 {log}，请把该文件发给维护人员。"), "critical"
            _tell(message, mode)
        return run
    return decorate


@button("重新计算")
def recalculate():
    """重新计算: put back formulas overwritten by numbers, recalculate, refresh earlier marks."""
    wb = _caller()
    with Session(wb) as session:
        book, result = _checked(wb)
        restored = restore_formulas(session, restores(result, book))
        rewritten = rewrite_values(session, rewrites(result))  # 120件 typed as text -> 120
        wb.app.calculate()
        checked = has_result_sheet(session)
        if restored or rewritten or checked:
            book, result = _checked(wb)
        marked = refresh_marks(session, result, book) if checked else 0
    return recalc_message(result, restored, checked, marked)


@button("校验")
def check():
    """校验: mark every issue on its cell (colour and note) and list them on the 校验结果 sheet."""
    wb = _caller()
    with Session(wb) as session:
        book, result = _checked(wb)
        marked = refresh_marks(session, result, book)
    return check_message(result, marked)


@button("生成报告")
def report():
    """生成报告: the 自评报告 draft (Word) next to the workbook."""
    wb = _caller()
    _, result = _checked(wb)
    path, note = write_report(result, report_path(raw_fullname(wb)))
    return report_message(path, result, note)


# -- helpers ----------------------------------------------------------------------------------
def _caller():
    if xw is None:
        raise XltoolsError(NO_XLWINGS)
    return xw.Book.caller()


def _checked(wb) -> tuple[Book, Result]:
    """The workbook as Excel holds it now (unsaved edits included), and its check."""
    book = book_from_xlwings(wb)
    return book, check_book(book)


def _status(text) -> None:
    try:
        _caller().app.status_bar = text
    except Exception:  # noqa: BLE001 — not inside Excel: nothing to show it on
        pass


def _tell(message: str, mode: str) -> None:
    """Show ``message`` in Excel; outside Excel (or if Excel cannot be reached) exit with it, which
    RunPython shows in its own error box — as text, not as a traceback."""
    try:
        app = _caller().app
        app.status_bar = False
        app.alert(message, title=TITLE, mode=mode)
    except Exception:  # noqa: BLE001
        raise SystemExit(message) from None


def _log(action: str) -> Path:
    path = state_dir() / "excel-errors.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"--- {datetime.now():%Y-%m-%d %H:%M:%S} {action}\n{traceback.format_exc()}\n")
    except OSError:
        pass
    return path


def raw_fullname(wb) -> str:
    """Excel's own ``FullName`` (a URL for OneDrive/SharePoint with AutoSave).  xlwings'
    ``Book.fullname`` maps such a URL with folders taken from an ``xlwings.conf`` sheet *in the
    workbook*, which must never decide where we write; macOS has no COM ``FullName``."""
    try:
        name = wb.api.FullName
    except Exception:  # noqa: BLE001 — macOS (AppleScript reference), or no COM object
        name = None
    return name if isinstance(name, str) else str(wb.fullname)


def ignored_settings(wb) -> str:
    """The note for xlwings settings the workbook carries (sheet or file beside it), which the
    add-in ignored — or ""."""
    sheets = [s.name for s in wb.sheets]
    found = [f"工作表“{title}”" for title in sheets if title.lower() in FOREIGN_SETTINGS]
    fullname = raw_fullname(wb)
    if "://" not in fullname and Path(fullname).parent != Path("."):
        found += [f"同一文件夹中的文件“{conf}”" for conf in FOREIGN_SETTINGS if (Path(fullname).parent / conf).is_file()]
    if not found:
        return ""
    return ("注意：这份工作簿带有 xlwings 设置（" + "、".join(found) + "），已忽略："
            "按钮只使用 xltools excel install 设置的 Python。如果这不是您自己放的，请向发件单位核实。")


def transient(folder: Path, env: Mapping[str, str] | None = None) -> bool:
    """A temporary or mail-attachment folder (Outlook's ``INetCache/Content.Outlook``, %TEMP%, …)."""
    env = os.environ if env is None else env
    parts = [p.lower() for p in Path(folder).parts]
    if any(part in TRANSIENT_PARTS for part in parts):
        return True
    text = str(folder).lower().replace("/", "\\").rstrip("\\")
    temps = [env.get(k, "") for k in ("TEMP", "TMP")]
    return any(t and (text + "\\").startswith(t.lower().replace("/", "\\").rstrip("\\") + "\\") for t in temps)


def report_path(fullname: str, env: dict | None = None) -> Path:
    """Where the report goes: next to the workbook; for a workbook on OneDrive/SharePoint (its
    FullName is a URL) next to its synced local copy if xlwings finds one (from the user's own
    settings only, never the workbook's); for an unsaved one, one in a temporary or mail folder, or
    when no local folder is known, the user's Documents folder."""
    text = str(fullname)
    stem = Path(workbook_name(text)).stem or "绩效自评表"
    folder = None
    if "://" in text:
        try:
            from xlwings.utils import fullname_url_to_local_path
            folder = Path(fullname_url_to_local_path(text, None, None, None)).parent
        except Exception:  # noqa: BLE001 — xlwings could not map the URL
            folder = None
    elif Path(text).parent != Path(".") and Path(text).parent.is_dir():
        folder = Path(text).parent
    if folder is not None and transient(folder, env):
        folder = None
    if folder is None:
        documents = Path.home() / "Documents"
        folder = documents if documents.is_dir() else Path.home()
    return unique(folder / f"{stem}-自评报告初稿.docx")


def unique(path: Path) -> Path:
    """``path``, or ``name（2）.docx`` … when it exists: an edited draft is never overwritten."""
    n = 2
    out = path
    while out.exists():
        out = path.with_name(f"{path.stem}（{n}）{path.suffix}")
        n += 1
    return out


def write_report(result, path: Path) -> tuple[Path, str]:
    """(path written, note) — Word when python-docx is there, else Markdown with a note."""
    if find_spec("xltools.draft") is None:
        raise XltoolsError("这个版本的 xltools 还不能生成报告（缺少 xltools.draft）。请升级：pip install -U \"xltools-jixiao[excel]\"。")
    from ..draft import draft_report
    try:
        return Path(draft_report(result, path, fmt="docx")), ""
    except ImportError:
        md = unique(path.with_suffix(".md"))
        return (Path(draft_report(result, md, fmt="md")),
                "（这台电脑没有安装 python-docx，已生成 Markdown 版本；pip install python-docx 后可生成 Word 版本。）")
