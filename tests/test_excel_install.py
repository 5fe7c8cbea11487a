"""The add-in on a real Chinese office PC (issue 15), simulated on Linux.

- install with a Chinese user name and an existing cp936 xlwings config from an earlier xltools
  install: no crash, the Chinese interpreter path intact in the add-in's own settings sheet, the old
  config put back in its code page, nothing user-wide written; uninstall undoes it all; a
  half-failed install is rolled back;
- the add-in never takes settings from the workbook being checked: xlwings' VBA as built into our
  add-in reads only the add-in's own sheet, and a workbook with an ``xlwings.conf`` sheet or file is
  checked as if it had none, with a note saying it was ignored;
- reports of mail attachments and temporary files go to Documents.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import types
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xltools.errors import XltoolsError
from xltools.excel import build, glue, install, xlwings_vba

from libreoffice import write_profile

from test_excel import EXAMPLE, UNO_PROBE, _system_python_with_uno, caller, fake_xw  # noqa: F401  (fixture)

pytest.importorskip("pyopenvba", reason="building the add-in needs pyOpenVBA (the excel extra)")
pytest.importorskip("xlwings", reason="the add-in carries xlwings' VBA module")

ZHANG = "C:\\Users\\张三\\AppData\\Local\\Programs\\Python\\Python311\\python.exe"


def addin_settings(path: Path) -> dict[str, str]:
    """The add-in's xltools.conf sheet, read from its XML (openpyxl does not open add-ins)."""
    from xml.etree import ElementTree
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode("utf-8")
        assert f'<sheet name="{xlwings_vba.CONF_SHEET}" sheetId="2" r:id="rId3"/>' in workbook
        assert 'Target="worksheets/sheet2.xml"' in z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        root = ElementTree.fromstring(z.read("xl/worksheets/sheet2.xml"))
    rows = [["".join(t.text or "" for t in c.iter(f"{{{ns['m']}}}t")) for c in row.findall("m:c", ns)]
            for row in root.iter(f"{{{ns['m']}}}row")]
    return {key: value for key, value in rows}


def machine(tmp_path: Path, **kwargs) -> install.Machine:
    home = tmp_path / "Users" / "张三"
    xlstart = home / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART"
    options = dict(platform="win32", home=home, env={}, python=ZHANG, prefix=str(tmp_path / "py"),
                   encoding="cp936", ask_excel=lambda: xlstart)
    options.update(kwargs)
    return install.Machine(**options)


def test_chinese_user_and_an_earlier_cp936_config(tmp_path):
    m = machine(tmp_path)
    # what an earlier xltools install left: a cp936 xlwings.conf (xlwings itself writes it so) with
    # Chinese in it, its journal, and the xlwings add-in it copied
    config = m.legacy_xlwings_config()
    config.parent.mkdir(parents=True)
    original = '"INTERPRETER_WIN","D:\\软件\\Python\\python.exe"\r\n"LICENSE_KEY","x"\r\n'
    config.write_bytes(('"INTERPRETER_WIN","C:\\新\\python.exe"\r\n"ADD_WORKBOOK_TO_PYTHONPATH","False"\r\n'
                        '"LICENSE_KEY","x"\r\n').encode("cp936"))
    xlstart = m.ask_excel()
    xlstart.mkdir(parents=True)
    (xlstart / "xlwings.xlam").write_bytes(b"old copy")
    (xlstart / "xltools.xlam").write_bytes(b"old add-in")
    state = m.state_dir() / install.STATE_FILE
    state.parent.mkdir(parents=True)
    state.write_text(
        '{"config_before": {"INTERPRETER_WIN": "D:\\\\软件\\\\Python\\\\python.exe", "ADD_WORKBOOK_TO_PYTHONPATH": null},'
        f' "xlwings_addin_added": true, "xlwings_addin": "{(xlstart / "xlwings.xlam").as_posix()}",'
        f' "addin": "{(xlstart / "xltools.xlam").as_posix()}", "config": "{config.as_posix()}"}}', encoding="utf-8")

    lines = install.install(m)

    assert config.read_bytes().decode("cp936") == original  # the earlier install undone, in cp936
    assert not (xlstart / "xlwings.xlam").exists()  # no second xlwings add-in
    settings = addin_settings(xlstart / "xltools.xlam")
    assert settings["INTERPRETER_WIN"] == ZHANG and settings["XLTOOLS_PYTHON"] == ZHANG
    assert settings["ADD_WORKBOOK_TO_PYTHONPATH"] == "False"
    assert any("Excel 报告的启动文件夹" in line for line in lines)
    assert not (m.home / ".xltools" / "xltools.conf").exists()
    user_wide = sorted(p.relative_to(m.home).as_posix() for p in m.home.rglob("*") if p.is_file())
    assert user_wide == [".xltools/excel-install.json", ".xlwings/xlwings.conf",
                         "AppData/Roaming/Microsoft/Excel/XLSTART/xltools.xlam"]

    install.install(m)  # again: the first one is undone, not stacked
    install.uninstall(m)
    assert not (xlstart / "xltools.xlam").exists() and not state.exists()
    assert config.read_bytes().decode("cp936") == original


def test_a_cp936_config_that_is_not_utf8_never_crashes(tmp_path):
    path = tmp_path / "xlwings.conf"
    path.write_bytes('"INTERPRETER_WIN","C:\\Users\\李四\\python.exe"\n'.encode("cp936"))
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")  # what the old install did
    assert install.read_config(path, "cp936") == {"INTERPRETER_WIN": "C:\\Users\\李四\\python.exe"}


def test_a_replaced_addin_comes_back_and_excel_is_asked_first(tmp_path):
    m = machine(tmp_path)
    xlstart = m.ask_excel()
    xlstart.mkdir(parents=True)
    (xlstart / "xltools.xlam").write_bytes(b"someone else's file")
    install.install(m)
    assert (xlstart / "xltools.xlam").read_bytes() != b"someone else's file"
    install.uninstall(m)
    assert (xlstart / "xltools.xlam").read_bytes() == b"someone else's file"

    fallback = machine(tmp_path / "b", ask_excel=lambda: None, env={"APPDATA": str(tmp_path / "b" / "roaming")})
    lines = install.install(fallback)
    assert (tmp_path / "b" / "roaming" / "Microsoft" / "Excel" / "XLSTART" / "xltools.xlam").is_file()
    assert any("没能询问 Excel" in line for line in lines)


def test_a_half_failed_install_is_rolled_back(tmp_path, monkeypatch):
    m = machine(tmp_path)
    xlstart = m.ask_excel()

    def half(output, sources=None, settings=None):
        Path(output).write_bytes(b"half written")
        raise OSError(28, "No space left on device", str(output))
    monkeypatch.setattr(install, "build_addin", half)
    with pytest.raises(XltoolsError) as exc:
        install.install(m)
    assert "已撤销" in str(exc.value)
    assert not (xlstart / "xltools.xlam").exists()
    assert '"steps": []' in (m.state_dir() / install.STATE_FILE).read_text(encoding="utf-8")


def test_conda_environment_gets_conda_settings(tmp_path):
    prefix = tmp_path / "envs" / "jx"
    (prefix / "conda-meta").mkdir(parents=True)
    m = machine(tmp_path, prefix=str(prefix), env={"CONDA_EXE": str(tmp_path / "conda" / "Scripts" / "conda.exe")})
    s = install.settings(m, "0.37.8")
    assert s["INTERPRETER_WIN"] == "pythonw" and s["CONDA ENV"] == str(prefix)
    assert s["CONDA PATH"] == str(tmp_path / "conda") and s["XLTOOLS_PYTHON"] == ZHANG


def test_one_warm_python_when_the_xlwings_dll_is_there(tmp_path):
    m = machine(tmp_path)
    assert install.settings(m, "0.37.8")["USE UDF SERVER"] == "False"
    Path(m.prefix).mkdir(parents=True)
    (Path(m.prefix) / "xlwings64-0.37.8.dll").write_bytes(b"")
    assert install.settings(m, "0.37.8")["USE UDF SERVER"] == "True"


# -- never steered by the workbook ----------------------------------------------------------------
def _procedure(source: str, name: str) -> str:
    m = re.search(rf"^(?:Public |Private )?(?:Function|Sub) {name}\(.*?^End (?:Function|Sub)", source, re.M | re.S)
    assert m, name
    return m.group()


def test_the_addins_xlwings_vba_reads_only_its_own_sheet(tmp_path):
    name, source = xlwings_vba.module()
    assert name == "xlwings"
    assert re.search(r'PROJECT_NAME As String = "xltools"', source)
    get_config = _procedure(source, "GetConfig")
    assert "ThisWorkbook" in get_config
    for foreign in ("ActiveWorkbook", "FileExists", "GetConfigFromFile", "GetDirectoryConfigFilePath",
                    "GetConfigFilePath"):
        assert foreign not in get_config
    assert "GetConfigFromSheet" not in source  # the active-workbook sheet reader is gone
    run = _procedure(source, "RunPython")
    assert '".py"' not in run  # a workbook's *.py sheets are never run as embedded code
    for procedure in (run, _procedure(source, "XLPyCommand")):  # no workbook path on the command line
        line = next(x for x in procedure.splitlines() if "PYTHONPATH = " in x and "GetConfig" in x)
        assert line.strip().startswith('PYTHONPATH = "false;;;" & GetConfig("ONEDRIVE_CONSUMER_'), line
    # every setting xlwings' VBA asks for goes through GetConfig (nothing reads a file or sheet around it)
    assert "Open sFile For Input" in source  # only inside GetConfigFromFile, which nothing calls now
    callers = [m.start() for m in re.finditer(r"GetConfigFromFile\(", source)]
    definitions = [m.start() for m in re.finditer(r"Function GetConfigFromFile\(", source)]
    assert len(callers) == len(definitions) == 1
    addin = build.build_addin(tmp_path / "xltools.xlam", settings={"INTERPRETER_WIN": ZHANG})
    assert addin_settings(addin) == {"INTERPRETER_WIN": ZHANG}
    from test_excel import _vba_modules
    stored = _vba_modules(addin)  # what Excel will compile, as olevba reads it back from the file
    assert set(stored) >= {"xltools", "xltools_ribbon", "xlwings"}
    assert _procedure(stored["xlwings"], "GetConfig").replace("\r\n", "\n") == get_config.replace("\r\n", "\n")


def test_an_unknown_xlwings_vba_stops_the_build():
    with pytest.raises(XltoolsError) as exc:
        xlwings_vba.isolate('Public Const PROJECT_NAME As String = "myaddin"\r\n')
    assert "xlwings 的 VBA 模块与 xltools 预期的不一致" in str(exc.value)


def _with_foreign_settings(tmp_path: Path, sheet: bool = True) -> Path:
    """The example as a unit might send it: an xlwings.conf sheet added by hand (openpyxl) that
    points the interpreter at a share and adds a PYTHONPATH (``sheet=False``: the same save
    without that sheet, to compare with)."""
    wb = openpyxl.load_workbook(EXAMPLE)
    if sheet:
        ws = wb.create_sheet("xlwings.conf")
        ws["A1"], ws["B1"] = "INTERPRETER_WIN", "\\\\evil\\share\\python.exe"
        ws["A2"], ws["B2"] = "PYTHONPATH", "\\\\evil\\share\\lib"
        ws["A3"], ws["B3"] = "ONEDRIVE_CONSUMER_WIN", "\\\\evil\\share"
    path = tmp_path / ("单位报送.xlsx" if sheet else "对照.xlsx")
    wb.save(path)
    return path


def test_a_workbook_with_an_xlwings_conf_sheet_is_checked_as_if_it_had_none(fake_xw, tmp_path):  # noqa: F811
    book = caller(_with_foreign_settings(tmp_path))
    glue.check()
    message, _, mode = book.app._alerts[-1]
    assert "已忽略" in message and "工作表“xlwings.conf”" in message
    clean = caller(_with_foreign_settings(tmp_path, sheet=False))
    glue.check()
    same, _, same_mode = clean.app._alerts[-1]
    assert "已忽略" not in same
    assert message.split("\n\n注意：")[0] == same and mode == same_mode


def test_the_current_folder_is_not_on_pythons_path_when_a_button_runs(fake_xw, monkeypatch):  # noqa: F811
    """``python -c`` puts the current folder first on sys.path; a button drops it before importing
    anything else (the report's python-docx, xltools.draft)."""
    monkeypatch.setattr("sys.path", ["", *__import__("sys").path, "."])
    caller(EXAMPLE)
    glue.check()
    assert "" not in __import__("sys").path and "." not in __import__("sys").path


def test_the_status_bar_says_what_runs(fake_xw, monkeypatch):  # noqa: F811
    book = caller(EXAMPLE)
    shown = []
    real = type(book.app).status_bar
    monkeypatch.setattr(type(book.app), "status_bar", property(real.fget, lambda app, v: (shown.append(v), real.fset(app, v))))
    glue.check()
    glue.recalculate()
    assert shown == ["正在校验…", False, "正在重新计算…", False]


def test_an_xlwings_conf_file_beside_the_workbook_is_ignored_and_reported(fake_xw, tmp_path):  # noqa: F811
    folder = tmp_path / "收到的附件"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "表.xlsx")
    (folder / "xlwings.conf").write_text('"INTERPRETER_WIN","\\\\evil\\python.exe"\n', encoding="utf-8")
    book = caller(folder / "表.xlsx")
    glue.check()
    message = book.app._alerts[-1][0]
    assert "校验通过" in message and "同一文件夹中的文件“xlwings.conf”" in message


def test_onedrive_mapping_never_uses_the_workbooks_sheet(fake_xw, tmp_path, monkeypatch):  # noqa: F811
    seen = []
    fake_utils = types.ModuleType("xlwings.utils")

    def mapping(url, *sheet_config):
        seen.append(sheet_config)
        raise RuntimeError("no local copy")
    fake_utils.fullname_url_to_local_path = mapping
    monkeypatch.setitem(__import__("sys").modules, "xlwings.utils", fake_utils)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    (tmp_path / "Documents").mkdir()
    url = "https://d.docs.live.net/abc/自评表.xlsx"
    book = caller(_with_foreign_settings(tmp_path), fullname=url)
    assert glue.raw_fullname(book) == url
    assert glue.report_path(glue.raw_fullname(book)) == tmp_path / "Documents" / "自评表-自评报告初稿.docx"
    assert seen == [(None, None, None)]


@pytest.mark.parametrize("folder", [
    "C:\\Users\\张三\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\Q1W2E3R4",
    "C:\\Users\\张三\\AppData\\Local\\Microsoft\\Windows\\Temporary Internet Files\\Content.Outlook\\X",
    "C:\\Users\\张三\\AppData\\Local\\Temp\\Rar$DIa0.123",
])
def test_mail_and_temporary_folders_are_transient(folder):
    env = {"TEMP": "C:\\Users\\张三\\AppData\\Local\\Temp"}
    assert glue.transient(Path(folder.replace("\\", "/")), env) or glue.transient(folder, env)


def test_reports_of_mail_attachments_go_to_documents(tmp_path, monkeypatch):
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    (tmp_path / "Documents").mkdir()
    outlook = tmp_path / "INetCache" / "Content.Outlook" / "AB12CD34"
    outlook.mkdir(parents=True)
    assert glue.report_path(str(outlook / "自评表.xlsx")) == tmp_path / "Documents" / "自评表-自评报告初稿.docx"
    desk = tmp_path / "桌面"
    desk.mkdir()
    assert glue.report_path(str(desk / "自评表.xlsx")) == desk / "自评表-自评报告初稿.docx"
    assert not glue.transient(desk, {"TEMP": str(tmp_path / "Temp")})


# -- the VBA's decisions, run by LibreOffice's VBA support ----------------------------------------
#: (inAddin, addinLoaded, hasWorkbook, protectedView, python, pythonFound) -> message key
DECISIONS = [
    ((False, False, True, False, "", False), "NO_ADDIN"),  # a template's button, no add-in
    ((False, True, True, False, "", False), ""),  # a template's button: forwarded to the add-in
    ((True, True, False, True, ZHANG, True), "PROTECTED_VIEW"),  # an e-mail attachment, not yet enabled
    ((True, True, False, False, ZHANG, True), "NO_WORKBOOK"),
    ((True, True, True, True, ZHANG, True), ""),  # another window is protected, the active book is not
    ((True, True, True, False, "", False), "NOT_INSTALLED"),  # built by "excel build", never installed
    ((True, True, True, False, ZHANG, False), "PYTHON_MISSING"),  # Python uninstalled since
    ((True, True, True, False, ZHANG, True), ""),
]
#: (entry, readOnly, warnedBefore) -> question key
CONFIRMS = [
    (("check", False, False), "UNDO_LOST"), (("check", False, True), ""), (("recalculate", True, True), "READ_ONLY"),
    (("report", True, False), ""), (("report", False, False), ""),
]


def test_vba_decisions_run_in_libreoffice(soffice, tmp_path):
    """The VBA's decisions (Protected View, no workbook, add-in or Python missing, read-only, undo
    lost) are pure functions of the facts: LibreOffice's VBA support runs them.  Gathering the facts
    (Application.ActiveProtectedViewWindow, ThisWorkbook.IsAddin, ReadOnly) is Excel's: see the
    acceptance script."""
    python = _system_python_with_uno()
    if python is None:
        pytest.skip("python3-uno is not installed")
    xlsm = build.xlsm_from_xlsx(EXAMPLE, tmp_path / "probe.xlsm")
    calls = [["XltoolsDecide", list(args)] for args, _ in DECISIONS] + \
            [["XltoolsConfirm", list(args)] for args, _ in CONFIRMS] + \
            [["ParentOf", [ZHANG]], ["ParentOf", ["python"]], ["XltoolsDiagnose", []]]
    probe = tmp_path / "probe.py"
    probe.write_text(UNO_PROBE, encoding="utf-8")
    out = tmp_path / "out.json"
    subprocess.run([python, str(probe), soffice, write_profile(tmp_path / "profile"), str(xlsm), str(out)],
                   check=True, timeout=240, stdin=subprocess.DEVNULL,
                   env={**os.environ, "XLTOOLS_PROBE_CALLS": json.dumps(calls)})
    result = json.loads(out.read_text(encoding="utf-8"))["calls"]
    assert result[:len(DECISIONS)] == [key for _, key in DECISIONS]
    assert result[len(DECISIONS):-3] == [key for _, key in CONFIRMS]
    # the folder Python is started in (never Excel's current folder, see EnterFolder)
    assert result[-3:-1] == [ZHANG.rsplit("\\", 1)[0], ""]
    # the facts as LibreOffice has them: a document (not an add-in), no xltools.xlam loaded
    messages = build.read_messages(build.macros_dir() / "messages.txt")
    assert result[-1] == messages["NO_ADDIN"].replace("\\n", "\n")
    keys = {key for _, key in DECISIONS + CONFIRMS if key}
    assert keys <= set(messages) and {"STATUS_CHECK", "STATUS_RECALCULATE", "STATUS_REPORT"} <= set(messages)
    assert messages["STATUS_CHECK"] == "正在校验…"


def test_the_acceptance_script_names_what_exists():
    """The Windows acceptance script can only run on Windows; here: it reads as PowerShell 5.1 will
    read it (UTF-8 with a BOM), every macro it clicks is a Public Sub of the add-in, every text it
    looks for in a dialog is one the VBA or the Python side really shows, and the settings it edits
    are the add-in's own."""
    path = Path(build.__file__).with_name("acceptance.ps1")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    script = raw.decode("utf-8-sig")
    source = build.read_sources().modules["xltools"]
    subs = set(re.findall(r"^Public Sub (\w+)\(\)", source, re.M))
    clicked = set(re.findall(r'Click "(\w+)"', script))
    assert clicked == {"XltoolsCheck", "XltoolsRecalculate", "XltoolsReport"} and clicked <= subs
    shown = (build.macros_dir() / "messages.txt").read_text(encoding="utf-8") + \
        Path(glue.__file__).read_text(encoding="utf-8") + Path(glue.__file__).with_name("messages.py").read_text(encoding="utf-8")
    for text in re.findall(r'-match "([^"]+)"', script):
        if not text.isascii():
            assert text in shown, text
    assert f'Worksheets.Item("{xlwings_vba.CONF_SHEET}")' in script and '"XLTOOLS_PYTHON"' in script
    assert "XLTOOLS_PYTHON" in install.settings(install.Machine(platform="win32", python="C:\\p\\python.exe",
                                                                 prefix="C:\\p"), "0.37.8")
