"""The write-back plan (:mod:`xltools.writeback`) carried out in the workbook open in Excel, through
xlwings — what :func:`xltools.xlsx.patch.apply_plan` does to a file.

The only module besides :mod:`.adapter` that touches xlwings objects, and the only one that uses
``Sheet.api`` (Excel's own objects, for sheet protection, page setup and frozen panes: xlwings has
no API for them; on macOS they are skipped).  Every
call it makes is one the fake workbook in ``tests/test_excel.py`` implements and compares with
xlwings' own signatures.
"""
from __future__ import annotations

from .. import writeback as W
from ..errors import WorkbookError
from ..validation import SEVERITY_FILLS

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

    def __enter__(self) -> Session:
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
def restore_formulas(session: Session, restores: list[W.Restore]) -> list[W.Restore]:
    """Put back the formulas typed over (Excel computes them); returns those."""
    done = [r for r in restores if r.overwritten]
    for r in done:
        session.sheet(r.sheet).range((r.row + 1, r.col + 1)).formula = r.formula
    return done


def rewrite_values(session: Session, rewrites: list[W.Rewrite]) -> list[W.Rewrite]:
    """Numbers typed as text become numbers (the cell keeps its format); returns those."""
    for r in rewrites:
        session.sheet(r.sheet).range((r.row + 1, r.col + 1)).value = r.value
    return rewrites


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
def clear_marks(session: Session, old_marks: dict[tuple[str, str], str]) -> int:
    """Undo every mark of the record (from either applier): original fill back, xltools' note
    text gone.  The cells marked again are marked afresh by :func:`write_marks`."""
    names = set(session.names())
    done = 0
    for (sheet_name, cell), original in sorted(old_marks.items()):
        if sheet_name not in names:
            continue
        rng = session.sheet(sheet_name).range(cell)
        rng.color = W.color_value(original)
        set_note(rng, W.strip_mark(note_text(rng)))
        done += 1
    return done


def write_marks(session: Session, marks: list[W.Mark]) -> dict[tuple[str, str], str]:
    """Colour and annotate each mark's cell; returns each cell's fill before (for the record)."""
    originals = {}
    for mark in marks:
        rng = session.sheet(mark.sheet).range(mark.cell)
        originals[(mark.sheet, mark.cell)] = W.color_text(rng.color)
        rng.color = "#" + mark.fill
        set_note(rng, W.with_mark(note_text(rng), mark.note))
    return originals


def write_result_sheet(session: Session, table: W.ResultTable) -> None:
    wb = session.wb
    active = wb.sheets.active
    names = session.names()
    if table.name in names:
        sheet = session.sheet(table.name)
        sheet.clear()
    else:
        sheet = wb.sheets.add(table.name, after=wb.sheets[len(names) - 1])
    sheet.range((1, 1)).value = [[typed(v) for v in row] for row in table.rows]
    for link in table.links:
        sheet.range((link.row + 1, link.col + 1)).add_hyperlink("#" + link.location, link.cell,
                                                                f"转到 {link.sheet}!{link.cell}")
    align(sheet, table.styles)
    for look, r, c1, c2 in row_runs(table.styles):  # one COM call per run of cells, not per cell
        rng = sheet.range((r + 1, c1 + 1), (r + 1, c2 + 1))
        if look == "header":
            rng.color = "#" + W.HEADER_FILL
        elif look in SEVERITY_FILLS:
            rng.color = "#" + SEVERITY_FILLS[look]
        if look in ("header", "label"):
            rng.font.bold = True
    for r, height in table.heights.items():
        sheet.range((r + 1, 1)).row_height = height
    for c, width in enumerate(table.widths):
        sheet.range((1, c + 1)).column_width = width
    for c in table.hidden:
        sheet.range((1, c + 1)).column_width = 0  # hidden: the record of the marks
    page_setup(wb, sheet, table.freeze_rows)
    if active.name != sheet.name:
        active.activate()


def row_runs(styles: dict[tuple[int, int], str]) -> list[tuple[str, int, int, int]]:
    """(look, row, first column, last column) of neighbouring cells in a row with the same look."""
    runs: list[list] = []
    for (r, c), look in sorted(styles.items()):
        if runs and runs[-1][:2] == [look, r] and runs[-1][3] == c - 1:
            runs[-1][3] = c
        else:
            runs.append([look, r, c, c])
    return [tuple(run) for run in runs]


def align(sheet, styles: dict[tuple[int, int], str]) -> None:
    """Wrapped and top-aligned cells, a column's run of rows at a time (Windows: Excel's Range)."""
    for look in ("wrap", "top"):
        cells = sorted((c, r) for (r, c), name in styles.items() if name == look)
        runs: list[list[int]] = []
        for c, r in cells:
            if runs and runs[-1][0] == c and runs[-1][2] == r - 1:
                runs[-1][2] = r
            else:
                runs.append([c, r, r])
        for c, r1, r2 in runs:
            try:
                rng = sheet.range((r1 + 1, c + 1), (r2 + 1, c + 1)).api
                rng.VerticalAlignment = -4160  # xlTop
                if look == "wrap":
                    rng.WrapText = True
            except AttributeError:  # macOS: no COM objects; the text still shows, unwrapped
                return


def typed(value):
    """A value as xlwings writes it (like typing): text that looks like a formula gets a quote."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        return "'" + value
    return value


def page_setup(wb, sheet, freeze_rows: int) -> None:
    """A4 landscape, one page wide, the header frozen (Windows: Excel's own objects)."""
    try:
        ws = sheet.api
        setup = ws.PageSetup
        setup.PaperSize, setup.Orientation = 9, 2  # xlPaperA4, xlLandscape
        setup.Zoom, setup.FitToPagesWide, setup.FitToPagesTall = False, 1, False
        setup.PrintTitleRows = f"$1:${freeze_rows}"
        sheet.activate()
        window = wb.app.api.ActiveWindow
        window.FreezePanes = False
        window.SplitColumn, window.SplitRow = 0, freeze_rows
        window.FreezePanes = True
    except AttributeError:  # macOS: no COM objects; the sheet works without
        pass


def refresh_marks(session: Session, result, book) -> int:
    """Carry out the plan's marks: remove earlier marks, mark ``result``'s issues and rewrite the
    result sheet — or, for a workbook without issues, delete it: a clean workbook carries no trace."""
    plan = W.plan(result, book)
    clear_marks(session, plan.old_marks)
    if not result.report.issues:
        if W.RESULT_SHEET in session.names():
            session.wb.sheets[W.RESULT_SHEET].delete()
        return 0
    originals = write_marks(session, plan.marks)
    write_result_sheet(session, plan.table(originals))
    return len(plan.marks)


def has_result_sheet(session: Session) -> bool:
    return W.RESULT_SHEET in session.names()
