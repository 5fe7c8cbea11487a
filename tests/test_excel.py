"""The buttons inside Excel (issue 5), tested on Linux.

- A fake of exactly the xlwings API the glue calls, backed by a real .xlsx (openpyxl, loaded twice:
  formulas and cached values), checked against xlwings' own signatures when xlwings is installed.
- The adapter and the three entry points end to end against the fake: what they write into the
  workbook equals ``api.check_workbook(file)`` (same issues, same cells, same scores); running twice
  gives the same workbook; every error becomes a Chinese message box.
- The built add-in and .xlsm templates: olevba reads every module, every ribbon callback, button
  macro and RunPython string names something that exists; LibreOffice opens the .xlsm, keeps its
  formulas computing, maps the buttons to the macros and runs the pure-VBA fallback (through UNO).
"""
from __future__ import annotations

import datetime as dt
import importlib
import importlib.machinery
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import types
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from xltools import api
from xltools.errors import XltoolsError
from xltools import writeback as plan
from xltools.excel import adapter, apply, build, glue, install
from xltools.xlsx.cells import a1, rowcol
from xltools.xlsx.package import open_book

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbooks" / "example-zhuzhou-2021.xlsx"
MACROS = ROOT / "xltools" / "excel" / "macros"
ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}
ALLOW = ("AllowFormattingCells", "formatCells"), ("AllowFormattingColumns", "formatColumns"), \
    ("AllowFormattingRows", "formatRows"), ("AllowInsertingColumns", "insertColumns"), \
    ("AllowInsertingRows", "insertRows"), ("AllowInsertingHyperlinks", "insertHyperlinks"), \
    ("AllowDeletingColumns", "deleteColumns"), ("AllowDeletingRows", "deleteRows"), ("AllowSorting", "sort"), \
    ("AllowFiltering", "autoFilter"), ("AllowUsingPivotTables", "pivotTables")
from xltools.validation import SEVERITY_FILLS


def _rgb(hexcolor):
    return tuple(int(hexcolor[k:k + 2], 16) for k in (0, 2, 4))


# =============================================================================================
# The fake: the xlwings API subset of xltools.excel (adapter, apply, glue) and nothing more.
# Public members mirror xlwings.main's classes (checked below); helpers start with "_".
# =============================================================================================
class FakeComError(Exception):
    """What Excel raises through COM (e.g. writing to a protected cell)."""


class _Cell:
    def __init__(self):
        self.value = None
        self.formula = None  # with "="
        self.fmt = "General"
        self.color = None
        self.note = None
        self.link = None
        self.locked = True
        self.bold = False
        self.align = {}


class _PageSetup:
    """Excel's PageSetup, as far as apply.page_setup sets it."""
    PaperSize = Orientation = Zoom = FitToPagesWide = FitToPagesTall = PrintTitleRows = None


class FakeWindow:
    """Excel's ActiveWindow, as far as apply.page_setup sets it: freezing applies to the active sheet."""

    def __init__(self, app):
        self._app = app
        self.SplitColumn = self.SplitRow = 0

    @property
    def FreezePanes(self):
        return self._app._book._active._frozen is not None

    @FreezePanes.setter
    def FreezePanes(self, value):
        self._app._book._active._frozen = (self.SplitRow, self.SplitColumn) if value else None


class FakeAppApi:
    def __init__(self, app):
        self.ActiveWindow = FakeWindow(app)


class _Protection:
    def __init__(self, flags):
        for name, value in flags.items():
            setattr(self, name, value)


class FakeWorksheetApi:
    """The few members of Excel's COM Worksheet that apply.py uses for sheet protection."""

    def __init__(self, sheet):
        self._sheet = sheet

    @property
    def ProtectContents(self):
        return self._sheet._protected is not None

    @property
    def Protection(self):
        return _Protection(self._sheet._protected["flags"])

    @property
    def ProtectDrawingObjects(self):
        return self._sheet._protected["objects"]

    @property
    def ProtectScenarios(self):
        return self._sheet._protected["scenarios"]

    @property
    def EnableSelection(self):
        return self._sheet._selection

    @EnableSelection.setter
    def EnableSelection(self, value):
        self._sheet._selection = value

    @property
    def PageSetup(self):
        return self._sheet._page

    def Unprotect(self, Password=None):
        protected = self._sheet._protected
        if protected is not None and protected["password"] and Password != protected["password"]:
            raise FakeComError("The password you supplied is not correct.")
        self._sheet._protected = None

    def Protect(self, Password=None, DrawingObjects=True, Contents=True, Scenarios=True, UserInterfaceOnly=False,
                **allow):
        flags = {name: bool(allow.get(name, False)) for name, _ in ALLOW}
        self._sheet._protected = {"password": Password or "", "flags": flags, "objects": DrawingObjects,
                                  "scenarios": Scenarios}


class FakeFont:
    def __init__(self, rng):
        self._rng = rng

    @property
    def bold(self):
        bolds = {self._rng._sheet._cell(r, c).bold for r, c in self._rng._coords()}
        return bolds.pop() if len(bolds) == 1 else None

    @bold.setter
    def bold(self, value):
        for r, c in self._rng._coords():
            cell = self._rng._sheet._cell(r, c, create=True)
            self._rng._sheet._check_write(cell)
            cell.bold = bool(value)


class FakeRangeApi:
    """The members of Excel's COM Range that apply.py sets: alignment of every cell of the range."""

    def __init__(self, rng):
        self._rng = rng

    def _set(self, name, value):
        for r, c in self._rng._coords():
            cell = self._rng._sheet._cell(r, c, create=True)
            self._rng._sheet._check_write(cell)
            cell.align[name] = value

    WrapText = property(None, lambda self, value: self._set("WrapText", value))
    VerticalAlignment = property(None, lambda self, value: self._set("VerticalAlignment", value))


class FakeNote:
    def __init__(self, cell, sheet):
        self._cell, self._sheet = cell, sheet

    @property
    def text(self):
        return self._cell.note

    @text.setter
    def text(self, value):
        self._sheet._check_write(self._cell)
        self._cell.note = value

    def delete(self):
        self._sheet._check_write(self._cell)
        self._cell.note = None


class FakeName:
    def __init__(self, name, refers_to):
        self._name, self._refers_to = name, refers_to

    @property
    def name(self):
        return self._name

    @property
    def refers_to(self):
        return self._refers_to


def _excel_formula_text(cell: _Cell) -> str:
    """Range.Formula of one cell: the formula, else the constant as text."""
    if cell.formula:
        return cell.formula
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    return str(value)


class FakeRange:
    def __init__(self, sheet, r1, c1, r2=None, c2=None, options=None):
        self._sheet = sheet
        self._r1, self._c1 = r1, c1
        self._r2, self._c2 = (r2 or r1), (c2 or c1)
        self._options = dict(options or {})

    # -- geometry
    @property
    def row(self):
        return self._r1

    @property
    def column(self):
        return self._c1

    @property
    def shape(self):
        return self._r2 - self._r1 + 1, self._c2 - self._c1 + 1

    @property
    def address(self):
        first = f"${get_column_letter(self._c1)}${self._r1}"
        if (self._r1, self._c1) == (self._r2, self._c2):
            return first
        return f"{first}:${get_column_letter(self._c2)}${self._r2}"

    @property
    def last_cell(self):
        return FakeRange(self._sheet, self._r2, self._c2, options=self._options)

    def options(self, convert=None, **options):
        return FakeRange(self._sheet, self._r1, self._c1, self._r2, self._c2, {**self._options, **options})

    def _coords(self):
        return [(r, c) for r in range(self._r1, self._r2 + 1) for c in range(self._c1, self._c2 + 1)]

    def _shaped(self, get):
        rows = [[get(self._sheet._cell(r, c)) for c in range(self._c1, self._c2 + 1)]
                for r in range(self._r1, self._r2 + 1)]
        if self._options.get("ndim") == 2:
            return rows
        if self.shape == (1, 1):
            return rows[0][0]
        if self.shape[0] == 1:
            return rows[0]
        if self.shape[1] == 1:
            return [r[0] for r in rows]
        return rows

    # -- content
    @property
    def value(self):
        def get(cell):
            v = cell.value
            if isinstance(v, str) and v in ERRORS and not self._options.get("err_to_str"):
                return None  # xlwings' default for Excel errors
            return v
        return self._shaped(get)

    @value.setter
    def value(self, data):
        if not isinstance(data, (list, tuple)):
            data = [[data]]
        elif data and not isinstance(data[0], (list, tuple)):
            data = [list(data)]
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                cell = self._sheet._cell(self._r1 + i, self._c1 + j, create=True)
                self._sheet._check_write(cell)
                if isinstance(v, str) and v.startswith("="):  # Excel takes it for a formula
                    cell.formula, cell.value = v, None
                else:
                    if isinstance(v, str) and v.startswith("'"):
                        v = v[1:]
                    cell.formula, cell.value = None, (None if v == "" else v)

    @property
    def formula(self):
        if self.shape == (1, 1):
            return _excel_formula_text(self._sheet._cell(self._r1, self._c1))
        return tuple(tuple(_excel_formula_text(self._sheet._cell(r, c)) for c in range(self._c1, self._c2 + 1))
                     for r in range(self._r1, self._r2 + 1))

    @formula.setter
    def formula(self, value):
        for r, c in self._coords():
            cell = self._sheet._cell(r, c, create=True)
            self._sheet._check_write(cell)
            if isinstance(value, str) and value.startswith("="):
                cell.formula, cell.value = value, None  # no engine: the value is unknown until calculate()
            else:
                cell.formula, cell.value = None, value

    @property
    def number_format(self):
        formats = {self._sheet._cell(r, c).fmt for r, c in self._coords()}
        return formats.pop() if len(formats) == 1 else None

    @property
    def color(self):
        colors = {self._sheet._cell(r, c).color for r, c in self._coords()}
        return colors.pop() if len(colors) == 1 else None

    @color.setter
    def color(self, color_or_rgb):
        if isinstance(color_or_rgb, str):
            color_or_rgb = tuple(int(color_or_rgb[i:i + 2], 16) for i in (1, 3, 5))
        for r, c in self._coords():
            cell = self._sheet._cell(r, c, create=True)
            self._sheet._check_write(cell)
            cell.color = tuple(color_or_rgb) if color_or_rgb is not None else None

    @property
    def font(self):
        return FakeFont(self)

    @property
    def api(self):
        return FakeRangeApi(self)

    @property
    def note(self):
        cell = self._sheet._cell(self._r1, self._c1)
        return FakeNote(cell, self._sheet) if cell.note is not None else None

    def add_note(self, text):
        assert self.shape == (1, 1) and self.note is None and isinstance(text, str) and text
        cell = self._sheet._cell(self._r1, self._c1, create=True)
        self._sheet._check_write(cell)
        cell.note = text
        return FakeNote(cell, self._sheet)

    def add_hyperlink(self, address, text_to_display=None, screen_tip=None):
        cell = self._sheet._cell(self._r1, self._c1, create=True)
        self._sheet._check_write(cell)
        cell.link = address
        cell.value = text_to_display if text_to_display is not None else address

    @property
    def merge_cells(self):
        """Excel's MergeCells: True if every cell is merged, False if none, None (Null) if mixed."""
        merged = {self._sheet._merge_of(r, c) is not None for r, c in self._coords()}
        return merged.pop() if len(merged) == 1 else None

    @property
    def merge_area(self):
        area = self._sheet._merge_of(self._r1, self._c1)
        return FakeRange(self._sheet, *area) if area else FakeRange(self._sheet, self._r1, self._c1)

    @property
    def row_height(self):
        heights = {self._sheet._heights.get(r, 15.0) for r in range(self._r1, self._r2 + 1)}
        return heights.pop() if len(heights) == 1 else None

    @row_height.setter
    def row_height(self, value):
        if self._sheet._protected and not self._sheet._protected["flags"]["AllowFormattingRows"]:
            raise FakeComError("protected sheet: cannot change row heights")
        for r in range(self._r1, self._r2 + 1):
            self._sheet._heights[r] = value

    @property
    def column_width(self):
        widths = {self._sheet._widths.get(c, 8.43) for c in range(self._c1, self._c2 + 1)}
        return widths.pop() if len(widths) == 1 else None

    @column_width.setter
    def column_width(self, value):
        if self._sheet._protected and not self._sheet._protected["flags"]["AllowFormattingColumns"]:
            raise FakeComError("protected sheet: cannot change column widths")
        for c in range(self._c1, self._c2 + 1):
            self._sheet._widths[c] = value


class FakeSheet:
    def __init__(self, book, name, visible=-1):
        self._book, self._name, self._visible = book, name, visible
        self._cells: dict[tuple[int, int], _Cell] = {}
        self._widths: dict[int, float] = {}
        self._heights: dict[int, float] = {}
        self._merged: list[tuple[int, int, int, int]] = []
        self._protected = None
        self._selection = 0
        self._page = _PageSetup()
        self._frozen = None

    @property
    def name(self):
        return self._name

    @property
    def visible(self):
        return self._visible  # Excel's XlSheetVisibility, as xlwings returns it on Windows

    @property
    def api(self):
        return FakeWorksheetApi(self)

    @property
    def used_range(self):
        used = [rc for rc, cell in self._cells.items()
                if cell.value is not None or cell.formula or cell.color or cell.note or cell.link]
        if not used:
            return FakeRange(self, 1, 1)
        rows, cols = [r for r, _ in used], [c for _, c in used]
        return FakeRange(self, min(rows), min(cols), max(rows), max(cols))

    def range(self, cell1, cell2=None):
        def point(ref):
            if isinstance(ref, tuple):
                return ref
            r, c = rowcol(ref)
            return r + 1, c + 1
        if isinstance(cell1, str) and ":" in cell1:
            c1, r1, c2, r2 = range_boundaries(cell1.replace("$", ""))
            return FakeRange(self, r1, c1, r2, c2)
        r1, c1 = point(cell1)
        r2, c2 = point(cell2) if cell2 is not None else (r1, c1)
        return FakeRange(self, r1, c1, r2, c2)

    def clear(self):
        for cell in self._cells.values():
            self._check_write(cell)
        self._cells.clear()
        self._widths.clear()
        self._heights.clear()

    def delete(self):
        self._book._sheets.remove(self)
        if self._book._active is self:
            self._book._active = self._book._sheets[0]

    def activate(self):
        self._book._active = self

    # -- helpers
    def _cell(self, r, c, create=False):
        cell = self._cells.get((r, c))
        if cell is None:
            cell = _Cell()
            if create:
                self._cells[(r, c)] = cell
        return cell

    def _check_write(self, cell):
        if self._protected is not None and cell.locked:
            raise FakeComError("The cell or chart you're trying to change is on a protected sheet.")

    def _merge_of(self, r, c):
        for r1, c1, r2, c2 in self._merged:
            if r1 <= r <= r2 and c1 <= c <= c2:
                return r1, c1, r2, c2
        return None


class FakeSheets:
    def __init__(self, book):
        self._book = book

    def __iter__(self):
        return iter(list(self._book._sheets))

    def __len__(self):
        return len(self._book._sheets)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._book._sheets[key]
        for sheet in self._book._sheets:
            if sheet.name == key:
                return sheet
        raise KeyError(key)

    @property
    def active(self):
        return self._book._active

    def add(self, name=None, before=None, after=None):
        sheets = self._book._sheets
        assert name not in [s.name for s in sheets]
        sheet = FakeSheet(self._book, name or f"Sheet{len(sheets) + 1}")
        at = sheets.index(after) + 1 if after is not None else (sheets.index(before) if before is not None else 0)
        sheets.insert(at, sheet)
        self._book._active = sheet
        return sheet


class FakeApp:
    def __init__(self, engine=None):
        self._engine = engine
        self._status = False
        self._updating = True
        self._alerts: list[tuple[str, str, str]] = []
        self._book = None
        self._api = FakeAppApi(self)

    @property
    def api(self):
        return self._api

    @property
    def status_bar(self):
        return self._status

    @status_bar.setter
    def status_bar(self, value):
        self._status = value

    @property
    def screen_updating(self):
        return self._updating

    @screen_updating.setter
    def screen_updating(self, value):
        self._updating = value

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self._alerts.append((prompt, title, mode))
        return "ok"

    def calculate(self):
        if self._engine is not None:
            self._engine(self._book)


class FakeBook:
    _caller = None

    @classmethod
    def caller(cls):
        if cls._caller is None:
            raise FakeComError("not called from Excel")
        return cls._caller

    def __init__(self, path, engine=None, fullname=None):
        self._path = Path(path)
        self._fullname = fullname or str(Path(path).resolve())
        self._app = FakeApp(engine)
        self._app._book = self
        self._sheets: list[FakeSheet] = []
        self._names: list[FakeName] = []
        _load(self, self._path)
        self._active = self._sheets[0]

    @property
    def app(self):
        return self._app

    @property
    def fullname(self):
        return self._fullname

    @property
    def api(self):  # the COM Workbook: only FullName is read (Excel's own, a URL for OneDrive)
        return types.SimpleNamespace(FullName=self._fullname)

    @property
    def sheets(self):
        return FakeSheets(self)

    @property
    def names(self):
        return list(self._names)


def _color(fill):
    if fill is None or fill.fill_type != "solid":
        return None
    rgb = fill.fgColor.rgb if fill.fgColor is not None and fill.fgColor.type == "rgb" else None
    if not isinstance(rgb, str) or len(rgb) != 8:
        return None
    return int(rgb[2:4], 16), int(rgb[4:6], 16), int(rgb[6:8], 16)


def _load(book: FakeBook, path: Path) -> None:
    """Formulas from one load, cached values from a second one (openpyxl has no engine)."""
    wf = openpyxl.load_workbook(path)
    wv = openpyxl.load_workbook(path, data_only=True)
    states = {"visible": -1, "hidden": 0, "veryHidden": 2}
    for ws in wf.worksheets:
        sheet = FakeSheet(book, ws.title, states[ws.sheet_state])
        values = wv[ws.title]
        for row in ws.iter_rows():
            for xc in row:
                cell = _Cell()
                if xc.data_type == "f":
                    text = getattr(xc.value, "text", xc.value)
                    cell.formula = text if text.startswith("=") else "=" + text
                    cell.value = values[xc.coordinate].value
                else:
                    cell.value = xc.value
                if isinstance(cell.value, int) and not isinstance(cell.value, bool):
                    cell.value = float(cell.value)
                cell.fmt = xc.number_format or "General"
                cell.color = _color(xc.fill)
                cell.note = xc.comment.text if xc.comment else None
                cell.locked = bool(xc.protection.locked)
                sheet._cells[(xc.row, xc.column)] = cell
        for rng in ws.merged_cells.ranges:
            c1, r1, c2, r2 = rng.bounds
            sheet._merged.append((r1, c1, r2, c2))
        for letter, dim in ws.column_dimensions.items():
            if dim.width:
                sheet._widths[openpyxl.utils.column_index_from_string(letter)] = dim.width
        p = ws.protection
        if p.sheet:
            sheet._protected = {"password": p.password or "", "objects": bool(p.objects),
                                "scenarios": bool(p.scenarios),
                                "flags": {ours: not bool(getattr(p, theirs)) for ours, theirs in ALLOW}}
        book._sheets.append(sheet)
    for name, dn in wf.defined_names.items():
        book._names.append(FakeName(name, "=" + dn.attr_text))
    for ws in wf.worksheets:  # sheet-scope names come as Sheet!Name, as from Excel
        for name, dn in ws.defined_names.items():
            book._names.append(FakeName(f"{ws.title}!{name}", "=" + dn.attr_text))


def save_fake(book: FakeBook, path: Path) -> Path:
    """The fake's workbook as an .xlsx (formulas without cached values), for LibreOffice."""
    wb = openpyxl.load_workbook(book._path)
    names = [s.name for s in book._sheets]
    for title in list(wb.sheetnames):
        if title not in names:
            del wb[title]
    for sheet in book._sheets:
        ws = wb[sheet.name] if sheet.name in wb.sheetnames else wb.create_sheet(sheet.name)
        for row in ws.iter_rows():
            for xc in row:
                if (xc.row, xc.column) not in sheet._cells and not isinstance(xc, openpyxl.cell.cell.MergedCell):
                    xc.value = None
        for (r, c), cell in sheet._cells.items():
            xc = ws.cell(r, c)
            if isinstance(xc, openpyxl.cell.cell.MergedCell):
                continue
            xc.value = cell.formula if cell.formula else cell.value
    wb.save(path)
    return path


def snapshot(book: FakeBook):
    """Everything the glue can change, comparable with ==."""
    out = {"sheets": [(s.name, s._visible) for s in book._sheets],
           "protection": {s.name: s._protected for s in book._sheets}}
    for s in book._sheets:
        out[s.name] = {rc: (c.value, c.formula, c.color, c.note, c.link, c.bold, tuple(sorted(c.align.items())))
                       for rc, c in s._cells.items()
                       if c.value is not None or c.formula or c.color or c.note or c.link}
        out[s.name + "/widths"] = dict(s._widths)
        out[s.name + "/heights"] = dict(s._heights)
    return out


@pytest.fixture
def fake_xw(monkeypatch, tmp_path):
    """xltools.excel.glue sees the fake as the xlwings module."""
    module = types.SimpleNamespace(Book=FakeBook)
    monkeypatch.setattr(glue, "xw", module)
    monkeypatch.setattr(FakeBook, "_caller", None)
    monkeypatch.setenv("XLTOOLS_HOME", str(tmp_path / "xltools-home"))
    return module


def caller(path, **kwargs) -> FakeBook:
    book = FakeBook(path, **kwargs)
    FakeBook._caller = book
    return book


def patch_cells(src: Path, dst: Path, cells: dict[str, object]) -> Path:
    """A copy of ``src`` whose 自评表 cells are replaced by constants (formulas and all), XML-level,
    so every other cached value stays as the writer left it."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                for ref, value in cells.items():
                    m = re.search(rf'<c r="{ref}"( s="\d+")?(?: t="\w+")?(?:/>|>.*?</c>)', text)
                    assert m, ref
                    text = text[:m.start()] + f'<c r="{ref}"{m.group(1) or ""}><v>{value}</v></c>' + text[m.end():]
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return dst


@pytest.fixture
def broken(tmp_path) -> Path:
    """The example with 执法案件's 得分 formula overwritten by 8 and 执法满意率 losing points with
    no 偏差原因 (a reason removed)."""
    return patch_cells(EXAMPLE, tmp_path / "broken.xlsx", {"I11": 8, "G20": 0.85})


# =============================================================================================
# The fake against xlwings' own signatures
# =============================================================================================
def _public(cls):
    return {name: member for name, member in vars(cls).items()
            if not name.startswith("_") or name in ("__getitem__", "__iter__", "__len__")}


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def test_fake_matches_xlwings_signatures():
    xlwings_main = pytest.importorskip("xlwings.main")
    pairs = {FakeApp: xlwings_main.App, FakeBook: xlwings_main.Book, FakeSheets: xlwings_main.Sheets,
             FakeSheet: xlwings_main.Sheet, FakeRange: xlwings_main.Range, FakeNote: xlwings_main.Note,
             FakeName: xlwings_main.Name, FakeFont: xlwings_main.Font}
    checked = 0
    for fake, real in pairs.items():
        for name, member in _public(fake).items():
            if name == "__init__":
                continue
            theirs = inspect.getattr_static(real, name, None)
            for klass in real.__mro__:  # inherited members (Collection.__getitem__ …)
                if theirs is None and name in vars(klass):
                    theirs = vars(klass)[name]
            assert theirs is not None, f"xlwings.{real.__name__} has no {name}"
            if isinstance(member, property):
                assert isinstance(theirs, property), f"{real.__name__}.{name} is not a property in xlwings"
                if member.fset is not None:
                    assert theirs.fset is not None, f"{real.__name__}.{name} is read-only in xlwings"
            elif isinstance(member, classmethod):
                assert isinstance(theirs, classmethod), f"{real.__name__}.{name} is not a classmethod"
                assert _params(member.__func__) == _params(theirs.__func__), name
            else:
                assert callable(theirs), f"{real.__name__}.{name}"
                assert _params(member) == _params(theirs), f"{real.__name__}.{name}{inspect.signature(theirs)}"
            checked += 1
    assert checked > 30


def test_glue_uses_only_what_the_fake_implements():
    """Every attribute the excel package reads off an xlwings object is implemented by the fake
    (a crude but useful guard: the package's source names no other xlwings member)."""
    implemented = set()
    for cls in (FakeApp, FakeBook, FakeSheets, FakeSheet, FakeRange, FakeNote, FakeName, FakeWorksheetApi,
                FakeFont, FakeAppApi, FakeRangeApi):
        implemented |= set(_public(cls))
    allowed = implemented | {"xw", "Book", "caller", "AddComment", "utils", "fullname_url_to_local_path", "FullName"}
    for module in (adapter, apply, glue):
        source = Path(module.__file__).read_text(encoding="utf-8")
        for obj, attr in re.findall(r"\b(wb|sheet|book|rng|cell|used|note|ws|app|name|area|xw)\.([A-Za-z_]\w*)",
                                    source):
            if obj == "book" and attr in ("names", "sheets", "path", "has_vba"):
                continue  # our own Book
            assert attr in allowed or attr in ("cells", "merged", "max_row", "max_col", "state", "truncated",
                                               "get", "text", "value", "fmt"), f"{module.__name__}: {obj}.{attr}"


# =============================================================================================
# The adapter: Excel's view of the workbook reads like the file
# =============================================================================================
@pytest.mark.parametrize("path", [EXAMPLE, ROOT / "workbooks" / "yunnan.xlsx"], ids=lambda p: p.stem)
def test_adapter_reads_what_the_file_reader_reads(path):
    from_file = open_book(path)
    from_excel = adapter.book_from_xlwings(FakeBook(path))
    assert from_excel.names == {k: v for k, v in from_file.names.items()}
    assert list(from_excel.sheets) == list(from_file.sheets)
    for name, grid in from_file.sheets.items():
        other = from_excel.sheets[name]
        assert other.state == grid.state
        for rc, cell in grid.cells.items():
            if cell.value is None and cell.formula is None:
                continue  # formatting only
            mine = other.get(*rc)
            assert (mine.value, mine.formula, mine.error) == (cell.value, cell.formula, cell.error), (name, a1(*rc))
    ind = from_file.names["XL_IND_TARGET"]
    grid, other = from_file.sheets[ind[0]], from_excel.sheets[ind[0]]
    for r in range(ind[1], ind[3] + 1):
        for key in ("XL_IND_TARGET", "XL_IND_ACTUAL"):
            c = from_file.names[key][2]
            if isinstance(grid.value(r, c), float):
                assert other.get(r, c).fmt == grid.get(r, c).fmt
    a, b = api.check_book(from_file), api.check_book(from_excel)
    assert a.report.flatten(("sheet", "cell", "code")) == b.report.flatten(("sheet", "cell", "code"))
    assert a.card.to_dict() == b.card.to_dict()


def test_adapter_shapes_and_values():
    assert adapter.as_2d(5.0, 1, 1) == [[5.0]]
    assert adapter.as_2d([1, 2], 1, 2) == [[1, 2]]
    assert adapter.as_2d([1, 2], 2, 1) == [[1], [2]]
    assert adapter.as_2d(((1, 2), (3, 4)), 2, 2) == [[1, 2], [3, 4]]
    cell = adapter.to_cell_data(dt.datetime(2024, 1, 1), "45292")
    assert cell.value == 45292.0 and cell.formula is None
    assert adapter.to_cell_data("#DIV/0!", "=1/0").error
    assert adapter.to_cell_data("", "=IF(1,\"\",1)").value is None
    assert adapter.to_cell_data(None, "") is None
    assert adapter.sheet_state(-1) == "visible" and adapter.sheet_state(True) == "visible"
    assert adapter.sheet_state(0) == "hidden" and adapter.sheet_state(2) == "veryHidden"
    assert adapter.parse_address("$B$12:$C$15") == (11, 1, 14, 2)


def test_adapter_follows_merges_of_a_foreign_layout(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    ws.append(["一级指标", "二级指标", "三级指标", "分值", "得分"])
    ws.append(["产出", "数量", "a", 10, 10])
    ws.append([None, None, "b", 10, 8])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    wb.save(tmp_path / "f.xlsx")
    book = adapter.book_from_xlwings(FakeBook(tmp_path / "f.xlsx"))
    assert sorted(book.sheets["表"].merged) == sorted(open_book(tmp_path / "f.xlsx").sheets["表"].merged)


# =============================================================================================
# The entry points end to end against the fake
# =============================================================================================
def _result_rows(book: FakeBook):
    sheet = book.sheets[plan.RESULT_SHEET]
    data = sheet.used_range.options(ndim=2).value
    return data


def _issue_rows(book: FakeBook):
    rows = _result_rows(book)
    assert rows[0][:len(plan.HEADER)] == list(plan.HEADER)
    out = []
    for r in rows[1:]:
        if not r[0]:
            break
        out.append(r[:len(plan.HEADER)])
    return out


def _summary(book: FakeBook) -> dict[str, str]:
    return {r[4]: r[5] for r in _result_rows(book) if not r[0] and r[4]}


def _sorted_issues(result):
    return plan.plan(result, open_book(EXAMPLE)).issues


def test_check_clean_workbook_leaves_no_trace(fake_xw):
    book = caller(EXAMPLE)
    before = snapshot(book)
    glue.check()
    assert snapshot(book) == before
    (message, title, mode), = book.app._alerts
    assert "校验通过" in message and "重新计算总分 100 分" in message and "等级：优" in message
    assert title == "绩效自评" and mode == "info"
    assert book.app.status_bar is False and book.app.screen_updating is True


def test_check_marks_exactly_what_check_workbook_reports(fake_xw, broken):
    expected = api.check_workbook(broken)
    assert {i.code for i in expected.report.issues} >= {"formula-overwritten", "missing-reason"}
    book = caller(broken)
    original = snapshot(book)
    glue.check()
    # the issue list: same issues, same cells, sorted by sheet and cell, Chinese only
    rows = _issue_rows(book)
    issues = _sorted_issues(expected)
    assert sorted(issues, key=lambda i: i.code) == sorted(expected.report.issues, key=lambda i: i.code)
    assert [(r[2], r[3]) for r in rows] == [(i.location.sheet, i.location.cell) for i in issues]
    assert [rowcol(r[3]) for r in rows] == sorted(rowcol(r[3]) for r in rows)
    assert [(r[1], r[4], r[5]) for r in rows] == [(i.label, i.title, i.message) for i in issues]
    # every issue cell coloured by its worst severity, with a note holding each of its messages
    sheet = book.sheets["自评表"]
    marks = plan.marks(expected)
    assert {(m.sheet, m.cell) for m in marks} == {(i.location.sheet, i.location.cell) for i in expected.report.issues}
    for m in marks:
        rng = sheet.range(m.cell)
        assert rng.color == _rgb(m.fill)
        assert rng.note.text.startswith(plan.MARKER)
        for issue in expected.report.issues:
            if issue.location.cell == m.cell:
                assert issue.message in rng.note.text
    untouched = [rc for rc in original["自评表"] if a1(rc[0] - 1, rc[1] - 1) not in {m.cell for m in marks}]
    assert all(snapshot(book)["自评表"][rc] == original["自评表"][rc] for rc in untouched)
    # the same scores
    labels = _summary(book)
    assert labels["总分"] == f"得分 {expected.card.total.normalize():f}，等级 {expected.card.grade}"
    assert labels["资金执行"].startswith(f"得分 {expected.card.funding.score.normalize():f}（")
    for g in expected.card.top_groups():
        assert labels[g.name].startswith(f"得分 {g.score.normalize():f}（")
    # links to the cells, the protection put back as it was, the user left on the sheet
    result_sheet = book.sheets[plan.RESULT_SHEET]
    links = {(r, c): cell.link for (r, c), cell in result_sheet._cells.items() if cell.link}
    row_of = {(r[2], r[3]): n + 2 for n, r in enumerate(rows)}
    assert links[(row_of[("自评表", "I11")], plan.LINK_COLUMN + 1)] == "#'自评表'!I11"
    assert len(links) == len(rows)
    # how it looks: bold coloured header frozen, severity coloured, A4 landscape one page wide
    assert all(result_sheet._cell(1, c).bold and result_sheet._cell(1, c).color == _rgb(plan.HEADER_FILL)
               for c in range(1, len(plan.HEADER) + 1))
    assert [result_sheet._cell(n + 2, 2).color for n in range(len(rows))] == \
        [_rgb(SEVERITY_FILLS[i.severity]) for i in issues]
    assert result_sheet._frozen == (1, 0)
    assert all(result_sheet._cell(n + 2, 6).align == {"VerticalAlignment": -4160, "WrapText": True}
               and result_sheet._cell(n + 2, 1).align == {"VerticalAlignment": -4160} for n in range(len(rows)))
    page = result_sheet._page
    assert (page.PaperSize, page.Orientation, page.FitToPagesWide, page.FitToPagesTall) == (9, 2, 1, False)
    assert page.PrintTitleRows == "$1:$1"
    assert all(result_sheet._widths[c + 1] == 0 for c in plan.ResultTable("", [], [], {}).hidden)
    assert book.sheets["自评表"]._protected == original["protection"]["自评表"]
    assert book.sheets.active.name == "自评表"
    (message, _, mode), = book.app._alerts
    errors = len(expected.report.errors)
    assert f"发现{errors} 个错误" in message and mode == "info"


def test_check_twice_gives_the_same_workbook(fake_xw, broken):
    book = caller(broken)
    glue.check()
    once = snapshot(book)
    glue.check()
    assert snapshot(book) == once


def test_marks_go_when_the_problems_are_fixed(fake_xw, broken):
    book = caller(broken)
    sheet = book.sheets["自评表"]
    assert sheet.range("I11").note is None
    sheet._cell(11, 9).note = "单位自己的批注"  # a note the unit wrote: kept above xltools' text
    glue.check()
    assert sheet.range("I11").note.text.startswith("单位自己的批注\n\n" + plan.MARKER)
    # the unit fixes the table: formula back, 偏差原因 written, the cached values as Excel would
    fixed = api.check_workbook(EXAMPLE)
    owned = {(o.row + 1, o.col + 1): o.formula for o in fixed.reading.owned}
    sheet._protected, saved = None, sheet._protected
    sheet.range("I11").formula = owned[(11, 9)]
    sheet.range("G20").value = 0.93
    for (r, c), cell in FakeBook(EXAMPLE).sheets["自评表"]._cells.items():
        if cell.formula:
            sheet._cell(r, c, create=True).value = cell.value
    sheet._protected = saved
    glue.check()
    after = snapshot(book)
    assert plan.RESULT_SHEET not in [s for s, _ in after["sheets"]]
    clean = FakeBook(EXAMPLE)
    clean.sheets["自评表"]._cell(11, 9).note = "单位自己的批注"
    assert after["自评表"] == snapshot(clean)["自评表"]  # colours and notes as they were
    assert "校验通过" in book.app._alerts[-1][0]


def test_recalculate_restores_overwritten_formulas(fake_xw, broken):
    expected = api.check_workbook(broken)
    book = caller(broken)
    glue.recalculate()
    owned = {(o.row + 1, o.col + 1): o.formula for o in expected.reading.owned}
    assert book.sheets["自评表"].range("I11").formula == owned[(11, 9)]
    overwritten = [i for i in expected.report.issues if i.code == "formula-overwritten"]
    for issue in overwritten:
        r, c = rowcol(issue.location.cell)
        assert book.sheets["自评表"].range((r + 1, c + 1)).formula == owned[(r + 1, c + 1)]
    (message, _, mode), = book.app._alerts
    assert "已恢复被改写为数值的公式：I11（原为8）" in message and mode == "info"
    assert plan.RESULT_SHEET not in [s.name for s in book.sheets]  # no marks unless asked for


def test_recalculate_with_libreoffice_as_the_engine(fake_xw, broken, soffice, tmp_path):
    """With LibreOffice computing the fake's formulas, 重新计算 leaves a workbook whose check equals
    the file's: the formula is back, and every score is the rule's."""
    from libreoffice import recalculate

    def engine(book):
        out = recalculate([save_fake(book, tmp_path / "fake.xlsx")], tmp_path / "calc")[0]
        values = openpyxl.load_workbook(out, data_only=True)
        for sheet in book._sheets:
            for (r, c), cell in sheet._cells.items():
                if cell.formula:
                    v = values[sheet.name].cell(r, c).value
                    cell.value = float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    book = caller(broken, engine=engine)
    glue.check()  # marks first, so 重新计算 refreshes them
    glue.recalculate()
    after = api.check_book(adapter.book_from_xlwings(book))
    codes = {i.code for i in after.report.issues}
    assert "formula-overwritten" not in codes and "cached-value-differs" not in codes
    assert codes == {"missing-reason"}
    expected = api.check_workbook(broken).card  # the same scores; only the typed-over 8 is gone
    assert (after.card.total, after.card.grade) == (expected.total, expected.grade)
    assert [(r.key, r.score) for r in after.card.leaves] == [(r.key, r.score) for r in expected.leaves]
    assert [g.to_dict() for g in after.card.groups] == [g.to_dict() for g in expected.groups]
    assert after.card.leaf("产出指标/数量指标/执法案件").stated is None
    rows = _issue_rows(book)
    assert [(r[2], r[3], r[4]) for r in rows] == [("自评表", "J20", "扣分但未填写偏差原因")]
    assert book.sheets["自评表"].range("I11").color != _rgb(SEVERITY_FILLS["error"])  # its mark is gone
    assert "校验标注已更新" in book.app._alerts[-1][0]


def test_errors_become_a_chinese_message_box(fake_xw, monkeypatch, tmp_path):
    book = caller(EXAMPLE)

    def refuse(_book):
        raise XltoolsError("自评表的定义名称缺失")
    monkeypatch.setattr(glue, "check_book", refuse)
    glue.check()
    message, title, mode = book.app._alerts[-1]
    assert message == "校验未完成：自评表的定义名称缺失" and mode == "critical" and title == "绩效自评"

    monkeypatch.setenv("XLTOOLS_HOME", str(tmp_path))

    def crash(_book):
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr(glue, "check_book", crash)
    glue.recalculate()
    message, _, mode = book.app._alerts[-1]
    assert message.startswith("重新计算未完成：xltools 内部错误（ZeroDivisionError：division by zero）")
    assert "Traceback" not in message and mode == "critical"
    assert "ZeroDivisionError" in (tmp_path / "excel-errors.log").read_text(encoding="utf-8")
    assert book.app.status_bar is False


def test_outside_excel_the_message_is_the_exit_text(fake_xw, monkeypatch):
    with pytest.raises(SystemExit) as exc:
        glue.check()  # no caller: not started from Excel
    assert "校验未完成" in str(exc.value.code) and "Traceback" not in str(exc.value.code)
    monkeypatch.setattr(glue, "xw", None)
    with pytest.raises(SystemExit) as exc:
        glue.report()
    assert "pip install" in str(exc.value.code) and "xlwings" in str(exc.value.code)


def test_a_password_protected_sheet_is_explained(fake_xw, broken):
    book = caller(broken)
    book.sheets["自评表"]._protected["password"] = "secret"
    glue.check()
    message, _, mode = book.app._alerts[-1]
    assert "设置了保护密码" in message and mode == "critical"
    assert book.sheets["自评表"]._protected["password"] == "secret"


def test_report_writes_next_to_the_workbook(fake_xw, monkeypatch, tmp_path):
    written = []

    def draft_report(result, output, fmt="docx"):
        written.append((result.card.total, Path(output), fmt))
        Path(output).write_text("draft", encoding="utf-8")
        return Path(output)
    stub = types.ModuleType("xltools.draft")
    stub.draft_report = draft_report
    stub.__spec__ = importlib.machinery.ModuleSpec("xltools.draft", None)
    monkeypatch.setitem(sys.modules, "xltools.draft", stub)
    shutil.copy(EXAMPLE, tmp_path / "表.xlsx")
    book = caller(tmp_path / "表.xlsx")
    glue.report()
    glue.report()
    assert [w[1].name for w in written] == ["表-自评报告初稿.docx", "表-自评报告初稿（2）.docx"]
    assert written[0][0] == Decimal("100.00") and written[0][2] == "docx"
    message = book.app._alerts[-1][0]
    assert str(tmp_path / "表-自评报告初稿（2）.docx") in message


def test_report_path_for_urls_and_unsaved_workbooks(monkeypatch, tmp_path):
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    (tmp_path / "Documents").mkdir()
    url = "https://example.sharepoint.com/sites/finance/Shared Documents/2024/自评表.xlsx"
    assert glue.report_path(url) == tmp_path / "Documents" / "自评表-自评报告初稿.docx"
    assert glue.report_path("工作簿1") == tmp_path / "Documents" / "工作簿1-自评报告初稿.docx"


def test_missing_draft_module_is_a_message(fake_xw, monkeypatch):
    monkeypatch.setattr(glue, "find_spec", lambda name: None)
    book = caller(EXAMPLE)
    glue.report()
    message, _, mode = book.app._alerts[-1]
    assert "还不能生成报告" in message and mode == "critical"


def save_marked(book: FakeBook, path: Path) -> Path:
    """The fake's workbook as Excel would save it after a button: values, formulas with their cached
    values, fills, notes (by the Excel user, not "xltools"), links, bold and hidden columns."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from xltools.xlsx.patch import CellEdit, apply
    plain = save_fake(book, path.with_name("plain-" + path.name))
    wb = openpyxl.load_workbook(plain)
    for sheet in book._sheets:
        ws = wb[sheet.name]
        for (r, c), cell in sheet._cells.items():
            xc = ws.cell(r, c)
            if isinstance(xc, openpyxl.cell.cell.MergedCell):
                continue
            if cell.color:
                xc.fill = PatternFill("solid", fgColor="%02X%02X%02X" % cell.color)
            xc.comment = Comment(cell.note, "Excel 用户") if cell.note else None
            if cell.link:
                xc.hyperlink = cell.link
            if cell.bold:
                xc.font = Font(bold=True)
        for c, width in sheet._widths.items():
            ws.column_dimensions[get_column_letter(c)].width = width
            ws.column_dimensions[get_column_letter(c)].hidden = width == 0
    wb.save(plain)
    cached = [CellEdit(sheet.name, a1(r - 1, c - 1), formula=cell.formula[1:], value=cell.value)
              for sheet in book._sheets for (r, c), cell in sheet._cells.items() if cell.formula]
    apply(plain, path, cached, None)
    return path


def _file_table(path: Path) -> list[list]:
    """The 校验结果 sheet of a file as rows (None for blanks), trailing blanks dropped."""
    ws = openpyxl.load_workbook(path)[plan.RESULT_SHEET]
    return _trimmed([[c.value for c in row] for row in ws.iter_rows()])


def _fake_table(book: FakeBook) -> list[list]:
    return _trimmed([[None if v == "" else v for v in row] for row in _result_rows(book)])


def _trimmed(rows):
    rows = [list(r) for r in rows]
    for r in rows:
        while r and r[-1] is None:
            r.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _marked_cells(path: Path) -> dict[str, tuple]:
    """自评表 cells with an error/review mark colour (the template uses the info colour itself) or
    xltools' note text."""
    ws = openpyxl.load_workbook(path)["自评表"]
    out = {}
    for row in ws.iter_rows():
        for c in row:
            rgb = c.fill.fgColor.rgb if c.fill.fill_type == "solid" and c.fill.fgColor.type == "rgb" else ""
            note = c.comment.text if c.comment else ""
            if rgb[-6:] in (SEVERITY_FILLS["error"], SEVERITY_FILLS["review"]) or "xltools" in note:
                out[c.coordinate] = (rgb, note)
    return out


def test_button_sheet_then_score(fake_xw, broken, tmp_path):
    """A workbook the button checked (its 校验结果 sheet, fills and notes as Excel saves them) goes
    through ``xltools score``: the same 校验结果, the button's marks of cells now clean removed."""
    book = caller(broken)
    glue.check()
    button = _fake_table(book)
    marked = save_marked(book, tmp_path / "button.xlsx")
    assert set(_marked_cells(marked)) >= {"I11", "J20"}
    result, scored = api.score_workbook(marked, tmp_path / "scored.xlsx")  # was: not a cell reference
    assert _file_table(scored) == button
    # score restored I11's formula; run again: only J20 (no 偏差原因) is left marked, I11 is clean
    _, again = api.score_workbook(scored, tmp_path / "again.xlsx")
    left = _marked_cells(again)
    assert set(left) == {"J20"}, left
    ws, was = openpyxl.load_workbook(again)["自评表"], openpyxl.load_workbook(broken)["自评表"]
    assert ws["I11"].fill.fgColor.rgb[-6:] == was["I11"].fill.fgColor.rgb[-6:] == "F2F2F2"  # its own grey back
    assert ws["I11"].comment is None and str(ws["I11"].value).startswith("=")


def test_score_sheet_then_button(fake_xw, broken, tmp_path):
    """A workbook ``xltools score`` wrote goes through the button: it reads score's record, unmarks
    what is clean and writes the 校验结果 that score writes for the same workbook."""
    _, scored = api.score_workbook(broken, tmp_path / "scored.xlsx")
    assert set(_marked_cells(scored)) >= {"I11", "J20"}
    book = caller(scored)
    glue.check()
    _, again = api.score_workbook(scored, tmp_path / "again.xlsx")
    assert _fake_table(book) == _file_table(again)
    sheet = book.sheets["自评表"]
    assert sheet.range("I11").color == (242, 242, 242) and sheet.range("I11").note is None  # its own grey back
    j20, = [m for m in plan.marks(api.check_workbook(scored)) if m.cell == "J20"]
    assert sheet.range("J20").color == _rgb(j20.fill)
    assert sheet.range("J20").note.text.startswith(plan.MARKER)
    assert sheet.range("J20").note.text.count(plan.MARKER) == 1


def test_plan_notes_round_trip():
    assert plan.with_mark(None, plan.MARKER + "\nx") == plan.MARKER + "\nx"
    assert plan.strip_mark("mine\n\n" + plan.MARKER + "\nx") == "mine"
    assert plan.strip_mark(plan.MARKER + "\nx") is None
    assert plan.with_mark("mine\n\n" + plan.MARKER + "\nold", plan.MARKER + "\nnew") == "mine\n\n" + plan.MARKER + "\nnew"
    assert plan.color_value(plan.color_text((1, 2, 255))) == (1, 2, 255)
    assert plan.color_value(plan.color_text(None)) is None


# =============================================================================================
# The VBA: sources, built files, names that must exist
# =============================================================================================
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    pytest.importorskip("pyopenvba", reason="building the VBA project needs pyOpenVBA (the excel extra)")
    out = tmp_path_factory.mktemp("excel")
    return build.build_all(out)


def _subs(source: str) -> dict[str, str]:
    """Public Sub/Function name -> its parameter list."""
    return {m.group(2): m.group(3) for m in re.finditer(
        r"^Public (Sub|Function) (\w+)\(([^)]*)\)", source, re.M)}


def _vba_modules(path: Path) -> dict[str, str]:
    from oletools.olevba import VBA_Parser
    parser = VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros()
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def test_vba_sources_are_ascii_and_name_their_modules():
    sources = build.read_sources(MACROS)
    assert set(sources.modules) == {"xltools", "xltools_ribbon"}
    for path in MACROS.glob("*.bas"):
        assert path.read_text(encoding="utf-8").isascii(), path.name


def test_olevba_reads_every_module_of_the_built_files(built):
    pytest.importorskip("oletools", reason="olevba comes with oletools (pip install oletools)")
    sources = build.read_sources(MACROS)
    for path in built:
        modules = _vba_modules(path)
        wanted = set(sources.modules) if path.suffix == ".xlam" else {"xltools"}
        assert wanted <= set(modules), path.name
        assert "ThisWorkbook" in modules
        for name in wanted:
            assert _subs(modules[name]) == _subs(sources.modules[name]), (path.name, name)


def test_ribbon_callbacks_and_button_macros_exist(built):
    sources = build.read_sources(MACROS)
    ribbon_subs = _subs(sources.modules["xltools_ribbon"])
    core_subs = _subs(sources.modules["xltools"])
    callbacks = re.findall(r'onAction="(\w+)"', sources.ribbon)
    assert len(callbacks) == 4
    for name in callbacks:
        assert ribbon_subs.get(name) == "control As IRibbonControl", name
    for body in re.findall(r"Sub \w+\(control As IRibbonControl\)\s*\n\s*(\w+)\s*\n", sources.modules["xltools_ribbon"]):
        assert core_subs.get(body) == "", body
    addin = zipfile.ZipFile(next(p for p in built if p.suffix == ".xlam"))
    assert addin.read("customUI/customUI14.xml").decode("utf-8") == sources.ribbon
    rels = addin.read("_rels/.rels").decode("utf-8")
    assert f'Type="{build.UI_REL}" Target="customUI/customUI14.xml"' in rels
    assert build.ADDIN_MAIN in addin.read("[Content_Types].xml").decode("utf-8")
    for path in built:
        if path.suffix != ".xlsm":
            continue
        with zipfile.ZipFile(path) as z:
            vml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".vml"))
            assert build.XLSM_MAIN in z.read("[Content_Types].xml").decode("utf-8")
        macros = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
        assert macros == [m for _, m in build.BUTTONS], path.name
        assert all(core_subs.get(m) == "" for m in macros)


def test_runpython_strings_import_and_name_functions():
    source = build.read_sources(MACROS).modules["xltools"]
    prefix = re.search(r'PY_GLUE As String = "([^"]+)"', source).group(1)
    entries = re.findall(r'RunXltools "(\w+)"', source)
    assert sorted(entries) == ["check", "recalculate", "report"]
    for entry in entries:
        command = prefix + entry + "()"
        m = re.fullmatch(r"import ([\w.]+) as (\w+); \2\.(\w+)\(\)", command)
        assert m, command
        function = getattr(importlib.import_module(m.group(1)), m.group(3))
        assert callable(function) and not inspect.signature(function).parameters


def test_every_message_the_vba_asks_for_is_a_defined_name(built):
    source = build.read_sources(MACROS).modules["xltools"]
    keys = set(re.findall(r'Msg\("(\w+)"\)', source))
    messages = build.read_messages(MACROS / "messages.txt")
    assert keys <= set(messages)
    names = build.message_names(messages)
    assert all(len(f) <= 257 for f in names.values())
    for path in built:
        with zipfile.ZipFile(path) as z:
            workbook = z.read("xl/workbook.xml").decode("utf-8")
        for key in keys:
            assert f'name="{build.MESSAGE_PREFIX}{key}" hidden="1"' in workbook, (path.name, key)


def test_the_xlsm_reads_like_its_template(built, tmp_path):
    """The .xlsm is the template plus buttons: xltools reads and checks it exactly the same."""
    xlsm = next(p for p in built if p.name == "example-zhuzhou-2021.xlsm")
    a, b = api.check_workbook(EXAMPLE), api.check_workbook(xlsm)
    assert a.card.to_dict() == b.card.to_dict() and b.report.valid
    assert open_book(xlsm).has_vba


# =============================================================================================
# CLI and install
# =============================================================================================
def test_cli_build_and_linux_install(tmp_path, capsys):
    pytest.importorskip("pyopenvba")
    from click.testing import CliRunner
    from xltools.cli import cli, main
    result = CliRunner().invoke(cli, ["excel", "build", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "xltools.xlam").is_file() and (tmp_path / "dept.xlsm").is_file()
    if sys.platform.startswith("linux"):
        with pytest.raises(SystemExit) as exc:
            main(["excel", "install"])
        assert exc.value.code == 2
        assert "没有 Microsoft Excel" in capsys.readouterr().err


def test_install_refuses_without_excel():
    with pytest.raises(install.ExcelUnavailable):
        install.install(install.Machine(platform="linux"))


# =============================================================================================
# LibreOffice: the .xlsm keeps computing, its buttons are mapped, the VBA fallback runs
# =============================================================================================
def test_libreoffice_recalculates_the_xlsm(built, soffice, tmp_path):
    """LibreOffice recalculates every formula of the .xlsm to the value Python wrote (the buttons
    and the VBA project change nothing of the table)."""
    from libreoffice import recalculate, recalculated_values
    xlsm = next(p for p in built if p.name == "example-zhuzhou-2021.xlsm")
    out = recalculate([xlsm], tmp_path)[0]
    computed = recalculated_values(xlsm, out, sheet="自评表")
    grid = open_book(xlsm).sheets["自评表"]
    assert len(computed) > 30
    for ref, value in computed.items():
        cached = grid.value(*rowcol(ref.split("!")[1]))
        if isinstance(cached, float):
            assert value == pytest.approx(cached, abs=1e-9), ref
        else:
            assert (value or "") == (cached or ""), ref
    book = open_book(xlsm)
    _, r, c, _, _ = book.names["XL_TOTAL_SCORE"]
    assert Decimal(str(computed[f"自评表!{a1(r, c)}"])) == api.check_workbook(xlsm).card.total


UNO_PROBE = r'''
import json, os, subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue

def pv(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

soffice, profile_uri, path, out = sys.argv[1:5]
pipe = "xltools_uno_%d" % os.getpid()
proc = subprocess.Popen([soffice, "-env:UserInstallation=" + profile_uri, "--headless", "--invisible", "--nologo",
                         "--nodefault", "--norestore", "--nolockcheck", "--accept=pipe,name=%s;urp;" % pipe],
                        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
result = {}
desktop = None
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(600):
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except Exception:
            time.sleep(0.1)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0,
                                       (pv("Hidden", True), pv("MacroExecutionMode", 4)))
    forms = doc.Sheets.getByName("自评表").DrawPage.Forms
    result["buttons"] = []
    for i in range(forms.Count):
        form = forms.getByIndex(i)
        for j in range(form.Count):
            result["buttons"].append([form.getByIndex(j).Label,
                                      [e.ScriptCode for e in form.getScriptEvents(j)]])
    libraries = doc.BasicLibraries
    result["modules"] = {}
    for name in libraries.ElementNames:
        libraries.loadLibrary(name)
        result["modules"][name] = list(libraries.getByName(name).ElementNames)
    provider = doc.getScriptProvider()
    url = "vnd.sun.star.script:VBAProject.xltools.%s?language=Basic&location=document"
    result["diagnose"] = provider.getScript(url % "XltoolsDiagnose").invoke((), (), ())[0]
    result["ran"] = []
    for macro in sys.argv[5:]:  # the button Subs: fallback path, MsgBox does not block headless
        provider.getScript(url % macro).invoke((), (), ())
        result["ran"].append(macro)
    result["calls"] = []  # functions called with arguments: [[name, [args]], ...] in $XLTOOLS_PROBE_CALLS
    for name, args in json.loads(os.environ.get("XLTOOLS_PROBE_CALLS", "[]")):
        try:
            result["calls"].append(provider.getScript(url % name).invoke(tuple(args), (), ())[0])
        except Exception as exc:
            result["calls"].append("ERROR " + str(exc))
    doc.close(True)
finally:
    try:
        desktop.terminate()
    except Exception:
        pass
    try:
        proc.wait(timeout=30)
    except Exception:
        os.killpg(proc.pid, 9)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False)
'''


def _system_python_with_uno() -> str | None:
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if candidate and subprocess.run([candidate, "-c", "import uno"], capture_output=True).returncode == 0:
            return candidate
    return None


def test_libreoffice_maps_the_buttons_and_runs_the_vba_fallback(built, soffice, tmp_path):
    """LibreOffice (VBA compatibility mode, macros enabled through UNO) imports the project, ties each
    sheet button to its Sub, and the pure-VBA fallback, run there, finds no xlwings add-in and
    returns the install instructions read from the hidden names — Chinese text intact."""
    python = _system_python_with_uno()
    if python is None:
        message = "python3-uno is not installed: apt-get install -y python3-uno"
        if os.environ.get("CI") and os.environ.get("XLTOOLS_REQUIRE_UNO"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from libreoffice import write_profile
    xlsm = next(p for p in built if p.name == "dept.xlsm")
    probe = tmp_path / "probe.py"
    probe.write_text(UNO_PROBE, encoding="utf-8")
    out = tmp_path / "out.json"
    profile = write_profile(tmp_path / "profile")
    macros = [macro for _, macro in build.BUTTONS]
    subprocess.run([python, str(probe), soffice, profile, str(xlsm), str(out), *macros], check=True, timeout=240,
                   stdin=subprocess.DEVNULL)
    result = json.loads(out.read_text(encoding="utf-8"))
    assert "xltools" in result["modules"]["VBAProject"]
    assert [label for label, _ in result["buttons"]] == [caption for caption, _ in build.BUTTONS]
    for (label, scripts), (_, macro) in zip(result["buttons"], build.BUTTONS):
        assert scripts == [f"vnd.sun.star.script:VBAProject.xltools.{macro}?language=Basic&location=document"]
    expected = build.read_messages(MACROS / "messages.txt")["NO_ADDIN"].replace("\\n", "\n")
    assert result["diagnose"] == expected
    assert result["ran"] == macros  # each button's Sub ran to its MsgBox without Python or an error
