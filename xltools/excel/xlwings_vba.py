"""The xlwings VBA module of our add-in: xlwings' own custom-add-in module, isolated.

xlwings recommends a *custom add-in* for distributed tools (``xlwings quickstart NAME --addin``):
the add-in carries xlwings' VBA (``xlwings_custom_addin.bas``, BSD-licensed, shipped in the xlwings
package) with its own ``PROJECT_NAME``, and its own ``<PROJECT_NAME>.conf`` settings sheet, so the
xlwings add-in and the user's ``~/.xlwings/xlwings.conf`` are neither needed nor touched.

Out of the box that module still looks, *before* the add-in's sheet, at a ``<name>.conf`` sheet in
the *active* workbook and a ``<name>.conf`` file beside it, and runs a received workbook's ``*.py``
sheets as embedded code.  Our add-in works on workbooks people send us, so the module is taken from
the installed xlwings (its DLL version must match the Python package) with these edits, each of
which must match as often as expected or the build stops:

1. ``PROJECT_NAME`` is ``xltools``;
2. ``GetConfig`` reads only this add-in's own ``xltools.conf`` sheet (written by
   ``xltools excel install``) — no active-workbook sheet, no directory file, no user file;
   ``GetConfigFromSheet`` (its only helper, which needs a Dictionary class on macOS) goes;
3. ``RunPython`` never treats a workbook's ``*.py`` sheets as embedded code;
4. the workbooks' paths are not put on the Python command line (``prepare_sys_path`` gets
   ``false;;;…``: nothing from the workbook's folder is ever added to ``sys.path``, and a file name
   never reaches ``cmd.exe`` there).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

from ..errors import XltoolsError

PROJECT = "xltools"
CONF_SHEET = f"{PROJECT}.conf"
SOURCE = "xlwings_custom_addin.bas"

GET_CONFIG = '''Function GetConfig(configKey As String, Optional default As String = "", Optional source As String = "") As Variant
    ' xltools: settings come only from this add-in's own "xltools.conf" sheet, written by
    ' "xltools excel install". Never from the workbook being checked (its sheets or a file
    ' beside it) nor from a user-wide file.
    Dim sht As Worksheet
    Dim r As Long
    GetConfig = default
    On Error Resume Next
    Set sht = ThisWorkbook.Worksheets(PROJECT_NAME & ".conf")
    On Error GoTo 0
    If sht Is Nothing Then Exit Function
    For r = 1 To 200
        If CStr(sht.Cells(r, 1).Value) = "" Then Exit Function
        If UCase(CStr(sht.Cells(r, 1).Value)) = UCase(configKey) Then
            GetConfig = CStr(sht.Cells(r, 2).Value)
            Exit Function
        End If
    Next r
End Function
'''

#: (what, pattern, replacement, how many matches are expected).
EDITS = (
    ("PROJECT_NAME", r'Public Const PROJECT_NAME As String = "[^"]*"',
     f'Public Const PROJECT_NAME As String = "{PROJECT}"', 1),
    ("GetConfigFromSheet", r'#If App = "Microsoft Excel" Then\r\nFunction GetConfigFromSheet\(.*?\r\nEnd Function\r\n#End If\r\n',
     "", 1),
    ("GetConfig", r'Function GetConfig\(configKey As String.*?\r\nEnd Function\r\n', GET_CONFIG.replace("\n", "\r\n"), 1),
    ("embedded code", r"    uses_embedded_code = False\r\n    For i = 1 To 2\r\n.*?\r\n    Next i\r\n",
     "    uses_embedded_code = False  ' xltools: a workbook's *.py sheets are never run\r\n", 1),
    ("workbook paths", r'AddExcelDir & ";" & (?:ActiveFullName|ActiveWorkbook\.FullName) & ";" & '
                       r'(?:ThisFullName|ThisWorkbook\.FullName) & ";"',
     '"false;;;"', 3),
)


def source_path() -> Path:
    spec = find_spec("xlwings")
    if spec is None or not spec.origin:
        raise XltoolsError("没有安装 xlwings：请先运行 pip install \"xltools-jixiao[excel]\"。")
    path = Path(spec.origin).parent / SOURCE
    if not path.is_file():
        raise XltoolsError(f"这个版本的 xlwings 没有 {SOURCE}（自定义加载项的 VBA 模块）。请升级：pip install -U xlwings。")
    return path


def isolate(text: str) -> str:
    """xlwings' custom-add-in module with the edits above (CRLF kept)."""
    text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    for what, pattern, replacement, expected in EDITS:
        found = len(re.findall(pattern, text, flags=re.S))
        if found != expected:
            raise XltoolsError(f"xlwings 的 VBA 模块与 xltools 预期的不一致（{what}：找到 {found} 处，应为 {expected} 处）。"
                               "请安装 xltools 支持的 xlwings 版本，或向维护人员报告 xlwings 的版本号。")
        text = re.sub(pattern, _literally(replacement), text, flags=re.S)
    return text



def _literally(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement for :func:`re.sub` that inserts ``text`` as it is (no backslash escapes)."""
    return lambda _match: text


def module(path: Path | None = None) -> tuple[str, str]:
    """(module name, source without its ``Attribute VB_Name`` line) for pyOpenVBA."""
    text = (path or source_path()).read_text(encoding="utf-8")
    m = re.match(r'Attribute VB_Name = "(\w+)"\r?\n', text)
    if not m:
        raise XltoolsError(f"{SOURCE}：第一行应为 Attribute VB_Name。")
    return m.group(1), isolate(text[m.end():])
