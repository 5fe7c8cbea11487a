"""Exceptions for input that cannot be used at all.

Everything that is merely *wrong* in a table (a bad sum, a score above its weight)
is an :class:`xltools.report.Issue`, never an exception.  Exceptions carry a
Chinese message for the user that says where the problem is and what to do.
"""
from __future__ import annotations


class XltoolsError(Exception):
    """Base class.  ``str(err)`` is the Chinese message shown to users."""

    code = "error"


class SpecError(XltoolsError):
    """A form spec file (or dict) cannot be used.

    ``source`` names the file, ``key`` the dotted key inside it.
    """

    code = "spec-error"

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None,
                 fix: str | None = None):
        self.source, self.key, self.fix, self.detail = source, key, fix, message
        parts = []
        if source:
            parts.append(f"表式定义文件 {source}")
        if key:
            parts.append(f"键 {key}")
        where = "，".join(parts)
        text = f"{where}：{message}" if where else message
        if fix:
            text += f"。处理办法：{fix}"
        super().__init__(text)


class WorkbookError(XltoolsError):
    """A workbook cannot be read or written."""

    code = "workbook-error"
