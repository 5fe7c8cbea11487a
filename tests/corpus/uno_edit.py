"""Edit workbooks the way a person does in a spreadsheet program, through LibreOffice's UNO API.

Run by :mod:`build` with the *system* Python (``/usr/bin/python3``, which has the Debian package
``python3-uno``), never imported by the tests::

    /usr/bin/python3 tests/corpus/uno_edit.py jobs.json

``jobs.json`` is a list of ``{"src": path, "dst": path, "ops": [[op, args...], ...]}``.  Every
job loads ``src`` in a headless LibreOffice, applies the operations in order, recalculates every
formula (as Excel does when it saves) and stores ``dst`` as .xlsx.  Unlike openpyxl, LibreOffice
does what Excel does on a structural edit: inserting or deleting rows moves defined names,
merged ranges and formula references; renaming a sheet updates every reference to it.

Operations (rows and columns 0-based, cells in A1 notation):

* ``["unprotect", sheet]``                       sheet protection off (the template has no password)
* ``["insert_rows", sheet, row, count]``         insert ``count`` blank rows above ``row``
* ``["delete_rows", sheet, row, count]``
* ``["copy", sheet, "D11:Q11", "D12"]``         copy cells (formulas adjust, like Ctrl+C/Ctrl+V); as in
  Excel, a paste that would cut a merged range does nothing, so copy the unmerged part of a row
* ``["number", sheet, "A1", 12.5]``              type a number
* ``["text", sheet, "A1", "93%"]``               type text (kept as text, like a cell formatted as 文本)
* ``["formula", sheet, "A1", "=H11"]``           type a formula
* ``["clear", sheet, "A1"]``                     delete the cell's content
* ``["rename_sheet", old, new]`` · ``["move_sheet", name, position]`` · ``["insert_sheet", name, position]``
  · ``["remove_sheet", name]``
* ``["column_width", sheet, col, width_cm]``
* ``["unmerge", sheet, "B11:B15"]`` · ``["merge", sheet, "B11:B13"]``
* ``["string_at", sheet, "A1", text]``           alias of ``text``
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

SOFFICE = "/usr/bin/soffice"


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def url(path):
    return uno.systemPathToFileUrl(os.path.abspath(path))


def start(profile):
    pipe = f"xltools_corpus_{os.getpid()}"
    proc = subprocess.Popen([SOFFICE, f"-env:UserInstallation={url(profile)}", "--headless", "--invisible",
                             "--nologo", "--norestore", "--nolockcheck", "--nodefault",
                             f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(120):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("LibreOffice did not start")
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    return proc, desktop


def apply(doc, op):
    name, *args = op
    sheets = doc.Sheets
    if name == "rename_sheet":
        sheets.getByName(args[0]).setName(args[1])
        return
    if name == "move_sheet":
        sheets.moveByName(args[0], args[1])
        return
    if name == "remove_sheet":
        sheets.removeByName(args[0])
        return
    if name == "insert_sheet":
        sheets.insertNewByName(args[0], args[1])
        return
    sheet = sheets.getByName(args[0])
    if name == "unprotect":
        sheet.unprotect("")
    elif name == "insert_rows":
        sheet.Rows.insertByIndex(args[1], args[2])
    elif name == "delete_rows":
        sheet.Rows.removeByIndex(args[1], args[2])
    elif name == "copy":
        src = sheet.getCellRangeByName(args[1]).RangeAddress
        dst = sheet.getCellRangeByName(args[2]).CellAddress
        sheet.copyRange(dst, src)
    elif name == "number":
        sheet.getCellRangeByName(args[1]).setValue(args[2])
    elif name in ("text", "string_at"):
        sheet.getCellRangeByName(args[1]).setString(args[2])
    elif name == "formula":
        sheet.getCellRangeByName(args[1]).setFormula(args[2])
    elif name == "clear":
        sheet.getCellRangeByName(args[1]).clearContents(1 | 2 | 4 | 16)  # VALUE|DATETIME|STRING|FORMULA
    elif name == "column_width":
        sheet.Columns.getByIndex(args[1]).Width = int(args[2] * 1000)
    elif name == "unmerge":
        sheet.getCellRangeByName(args[1]).merge(False)
    elif name == "merge":
        sheet.getCellRangeByName(args[1]).merge(True)
    else:
        raise ValueError(f"unknown operation {op!r}")


def main(jobs_file):
    jobs = json.load(open(jobs_file, encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="xltools-uno-") as tmp:
        proc, desktop = start(os.path.join(tmp, "profile"))
        try:
            for job in jobs:
                doc = desktop.loadComponentFromURL(url(job["src"]), "_blank", 0, (prop("Hidden", True),))
                if doc is None:
                    raise RuntimeError(f"cannot open {job['src']}")
                try:
                    for op in job["ops"]:
                        apply(doc, op)
                    doc.calculateAll()
                    doc.storeToURL(url(job["dst"]), (prop("FilterName", "Calc MS Excel 2007 XML"),))
                finally:
                    doc.close(True)
                print(job["dst"], flush=True)
        finally:
            try:
                desktop.terminate()
            except Exception:
                pass
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)


if __name__ == "__main__":
    main(sys.argv[1])
