"""The plan (:mod:`.plan`) written into the workbook open in Excel, through xlwings.

The only module besides :mod:`.adapter` that touches xlwings objects, and the only one that uses
``Sheet.api`` (Excel's own object, for sheet protection: xlwings has no protection API).  Every
call it makes is one the fake workbook in ``tests/test_excel.py`` implements and compares with
xlwings' own signatures.
"""
from __future__ import annotations

from ..errors import WorkbookError
from . import plan as P

#: Worksheet.Protection flags kept across an unprotect/protect cycle (Excel's names).
PROTECTION_FLAGS = ("AllowFormattingCells", "AllowFormattingColumns", "AllowFormattingRows",
                    "AllowInsertingColumns", "AllowInsertingRows", "AllowInsertingHyperlinks",
                    "AllowDeletingColumns", "AllowDeletingRows", "AllowSorting", "AllowFiltering",
                    "AllowUsingPivotTables")


class Session:
    """One button press on workbook ``wb``: screen updating off, sheets unprotected when first
    written to and protected again — with their own settings — when the session closes."""

    def __init__(self, wb):
        self.wb = wb
        self._protected: dict[str, tuple] = {}
        self._seen: set[str] = set()
        self._updating = None

    def __enter__(self) -> "Session":
        try:
            self._updating = self.wb.app.screen_updating
            self.wb.app.screen_updating = False
        except Exception:  # noqa: BLE001 — cosmetic only
            self._updating = None
        return self

    def __exit__(self, *exc) -> None:
        try:
            present = set(self.names())
            for name, saved in self._protected.items():
                if name in present:
                    protect(self.wb.sheets[name], saved)
        finally:
            if self._updating is not None:
                self.wb.app.screen_updating = self._updating

    def names(self) -> list[str]:
        return [s.name for s in self.wb.sheets]

    def sheet(self, name: str):
        """The sheet ``name``, ready to be written to."""
        sheet = self.wb.sheets[name]
        if name not in self._seen:
            self._seen.add(name)
            saved = unprotect(sheet)
            if saved is not None:
                self._protected[name] = saved
        return sheet


def unprotect(sheet):
    """Unprotect a sheet protected without a password; returns what :func:`protect` needs to
    put the same protection back, None if the sheet was not protected (or on macOS, where
    ``Sheet.api`` is not Excel's COM object: the user unprotects by hand there)."""
    try:
        ws = sheet.api
        if not ws.ProtectContents:
            return None
        flags = {flag: bool(getattr(ws.Protection, flag)) for flag in PROTECTION_FLAGS}
        flags["DrawingObjects"] = bool(ws.ProtectDrawingObjects)
        flags["Scenarios"] = bool(ws.ProtectScenarios)
        selection = ws.EnableSelection
    except AttributeError:
        return None
    try:
        ws.Unprotect("")
    except Exception:  # noqa: BLE001 — COM reports a wrong password as a generic error
        raise WorkbookError(f"工作表“{sheet.name}”设置了保护密码，xltools 无法在上面标注或恢复公式。"
                            "请先在“审阅→撤销工作表保护”中输入密码撤销保护，再点按钮。") from None
    return flags, selection


def protect(sheet, saved) -> None:
    flags, selection = saved
    ws = sheet.api
    ws.Protect(Password="", Contents=True, **flags)
    ws.EnableSelection = selection


# -- formulas ---------------------------------------------------------------------------------
def restore_formulas(session: Session, restores: list[P.Restore]) -> list[P.Restore]:
    for r in restores:
        session.sheet(r.sheet).range((r.row + 1, r.col + 1)).formula = r.formula
    return restores


# -- notes ------------------------------------------------------------------------------------
def note_text(rng) -> str | None:
    note = rng.note
    return note.text if note is not None else None


def set_note(rng, text: str | None) -> None:
    """Set, replace or (``text`` None) delete the note of one cell."""
    note = rng.note
    if text is None:
        if note is not None:
            note.delete()
    elif note is not None:
        note.text = text
    elif hasattr(rng, "add_note"):  # xlwings >= 0.37.5
        rng.add_note(text)
    else:  # older xlwings on Windows: Excel's own Range.AddComment
        rng.api.AddComment(text)


# -- marks ------------------------------------------------------------------------------------
def clear_marks(session: Session) -> int:
    """Undo the marks an earlier run recorded in the result sheet; returns how many."""
    if P.RESULT_SHEET not in session.names():
        return 0
    book = session.wb.sheets[P.RESULT_SHEET]
    last = book.used_range.last_cell.row
    if last <= P.BOOK_ROW:
        return 0
    first_col, last_col = P.BOOK_COLUMNS[0], P.BOOK_COLUMNS[-1]
    rows = book.range((P.BOOK_ROW + 1, first_col), (last, last_col)).options(ndim=2).value
    names = set(session.names())
    done = 0
    for sheet_name, cell, color in rows:
        if not sheet_name or not cell or sheet_name not in names:
            continue
        rng = session.sheet(sheet_name).range(str(cell))
        rng.color = P.color_value(color)
        set_note(rng, P.strip_mark(note_text(rng)))
        done += 1
    return done


def write_marks(session: Session, marks: list[P.Mark]) -> list[list[str]]:
    """Colour and annotate each mark's cell; returns the bookkeeping rows (sheet, cell, old fill)."""
    kept = []
    for mark in marks:
        rng = session.sheet(mark.sheet).range(mark.cell)
        kept.append([mark.sheet, mark.cell, P.color_text(rng.color)])
        rng.color = mark.color
        set_note(rng, P.with_mark(note_text(rng), mark.text))
    return kept


def write_result_sheet(session: Session, result, kept: list[list[str]]) -> None:
    wb = session.wb
    active = wb.sheets.active
    names = session.names()
    if P.RESULT_SHEET in names:
        sheet = session.sheet(P.RESULT_SHEET)
        sheet.clear()
    else:
        sheet = wb.sheets.add(P.RESULT_SHEET, after=wb.sheets[len(names) - 1])
    content = P.result_sheet(result, P.workbook_name(wb.fullname))
    sheet.range((1, 1)).value = content.rows
    for link in content.links:
        sheet.range((link.row, link.col)).add_hyperlink(link.address, link.text, f"转到 {link.text}")
    for row in content.header_rows:
        sheet.range((row, 1), (row, len(P.TABLE_HEADER))).color = P.HEADER_COLOR
    for col, w in P.WIDTHS.items():
        sheet.range((1, col)).column_width = w
    sheet.range((P.BOOK_ROW, P.BOOK_COLUMNS[0])).value = [list(P.BOOK_HEADER)] + kept
    for col in P.BOOK_COLUMNS:
        sheet.range((1, col)).column_width = 0  # hidden: xltools' memory of the marks
    if active.name != sheet.name:
        active.activate()


def refresh_marks(session: Session, result) -> int:
    """Remove earlier marks, then mark ``result``'s issues and rewrite the result sheet — or, for
    a workbook without issues, delete the result sheet: a clean workbook carries no trace."""
    clear_marks(session)
    if not result.report.issues:
        if P.RESULT_SHEET in session.names():
            session.wb.sheets[P.RESULT_SHEET].delete()
        return 0
    marks = P.marks(result)
    kept = write_marks(session, marks)
    write_result_sheet(session, result, kept)
    return len(marks)


def has_result_sheet(session: Session) -> bool:
    return P.RESULT_SHEET in session.names()
