"""Exceptions for input that cannot be used at all.

Everything that is merely *wrong* in a table (a bad sum, a score above its weight)
is an :class:`xltools.report.Issue`, never an exception.  Exceptions carry a
Chinese message for the user that says where the problem is and what to do.
"""
from __future__ import annotations

import errno


class XltoolsError(Exception):
    """Base class.  ``str(err)`` is the Chinese message shown to users."""

    code = "error"


class XltoolsHint(UserWarning):
    """A hint for the user in Chinese (a missing font, an optional library): not an error.  The CLI
    shows these as “提示：…” lines and nothing else of Python's warnings machinery."""


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


def os_reason(exc: OSError) -> str:
    """An operating-system error in Chinese (for messages that name the file themselves)."""
    words = {errno.ENOENT: "找不到文件或文件夹", errno.EACCES: "没有权限", errno.EPERM: "没有权限",
             errno.ENOTDIR: "路径中有同名的文件，不是文件夹", errno.EISDIR: "这是一个文件夹", errno.EEXIST: "已有同名文件",
             errno.ENOSPC: "磁盘空间不足", errno.EROFS: "磁盘只读", errno.ENAMETOOLONG: "文件名或路径过长"}
    found = words.get(exc.errno) if exc.errno is not None else None
    return found or f"{type(exc).__name__}：{exc.strerror or exc}"


class OutputExistsError(XltoolsError):
    """The output file exists and overwriting was not asked for (``--force``)."""

    code = "output-exists"

    def __init__(self, paths):
        self.paths = [str(p) for p in paths]
        super().__init__(f"{'、'.join(self.paths)} 已存在，没有覆盖：请换一个文件名（或文件夹），或加 --force 覆盖")


def refuse_overwrite(paths, force: bool = False) -> None:
    """Raise :class:`OutputExistsError` when any of ``paths`` exists, unless ``force``."""
    from pathlib import Path

    existing = [p for p in paths if Path(p).exists()]
    if existing and not force:
        raise OutputExistsError(existing)
