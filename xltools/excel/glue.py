"""The entry points of the buttons, called by ``RunPython`` from the add-in or a template's button::

    RunPython "import xltools.excel.glue as g; g.check()"

Each is as thin as xlwings' fibonacci example: ``xw.Book.caller()``, read the workbook, call the
library (:func:`xltools.api.check_book`), write back.  :func:`button` turns the returned text into
a message box and every error into a Chinese message — never a Python traceback window.
"""
from __future__ import annotations

import functools
import os
import traceback
from datetime import datetime
from importlib.util import find_spec
from pathlib import Path

from ..api import check_book
from ..errors import XltoolsError
from .adapter import book_from_xlwings
from .apply import Session, has_result_sheet, refresh_marks, restore_formulas
from .plan import check_message, recalc_message, report_message, restores, workbook_name

try:
    import xlwings as xw
except ImportError:  # the CLI and the tests work without it; the buttons say what to install
    xw = None

TITLE = "绩效自评"
NO_XLWINGS = "这台电脑的 Python 里没有安装 xlwings。请在命令行运行：pip install \"xltools[excel]\"，然后运行：xltools excel install。"


def state_dir() -> Path:
    return Path(os.environ.get("XLTOOLS_HOME") or Path.home() / ".xltools")


def button(action: str):
    """Decorate an entry point: status bar while it runs, its returned text in a message box,
    :class:`XltoolsError` and any other exception as a Chinese message (details to a log file)."""
    def decorate(fn):
        @functools.wraps(fn)
        def run():
            _status(f"xltools：正在{action}……")
            try:
                message, mode = fn(), "info"
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
        book = book_from_xlwings(wb)
        result = check_book(book)
        restored = restore_formulas(session, restores(result, book))
        wb.app.calculate()
        checked = has_result_sheet(session)
        if restored or checked:
            result = check_book(book_from_xlwings(wb))
        marked = refresh_marks(session, result) if checked else 0
    return recalc_message(result, restored, checked, marked)


@button("校验")
def check():
    """校验: mark every issue on its cell (colour and note) and list them on the 校验结果 sheet."""
    wb = _caller()
    with Session(wb) as session:
        result = check_book(book_from_xlwings(wb))
        marked = refresh_marks(session, result)
    return check_message(result, marked)


@button("生成报告")
def report():
    """生成报告: the 自评报告 draft (Word) next to the workbook."""
    wb = _caller()
    result = check_book(book_from_xlwings(wb))
    path, note = write_report(result, report_path(wb.fullname))
    return report_message(path, result, note)


# -- helpers ----------------------------------------------------------------------------------
def _caller():
    if xw is None:
        raise XltoolsError(NO_XLWINGS)
    return xw.Book.caller()


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


def report_path(fullname: str) -> Path:
    """Where the report goes: next to the workbook; for a workbook on OneDrive/SharePoint (its
    FullName is a URL) next to its synced local copy if xlwings finds one; for an unsaved one, or
    when no local folder is known, the user's Documents folder."""
    text = str(fullname)
    stem = Path(workbook_name(text)).stem or "绩效自评表"
    folder = None
    if "://" in text:
        try:
            from xlwings.utils import fullname_url_to_local_path
            folder = Path(fullname_url_to_local_path(text)).parent
        except Exception:  # noqa: BLE001 — xlwings could not map the URL
            folder = None
    elif Path(text).parent != Path(".") and Path(text).parent.is_dir():
        folder = Path(text).parent
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
        raise XltoolsError("这个版本的 xltools 还不能生成报告（缺少 xltools.draft）。请升级：pip install -U \"xltools[excel]\"。")
    from ..draft import draft_report
    try:
        return Path(draft_report(result, path, fmt="docx")), ""
    except ImportError:
        md = unique(path.with_suffix(".md"))
        return (Path(draft_report(result, md, fmt="md")),
                "（这台电脑没有安装 python-docx，已生成 Markdown 版本；pip install python-docx 后可生成 Word 版本。）")
