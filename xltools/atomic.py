"""Write a file so that readers see the old file or the whole new one, never half of one.

Templates, scored workbooks (:mod:`xltools.xlsx.patch`), the bureau's summary, manifests and CSV
files go through here: a temporary file beside the target, then a rename.  A failure is a
:class:`~xltools.errors.WorkbookError` that names the target and says what to do.  Not yet: the
drafted report (``draft/word.py``, ``draft/markdown.py``) and the add-in's build and install files
(issue 14 lists the report).
"""
from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any, Callable

from .errors import WorkbookError, os_reason


def write_bytes(path: str | Path, data: bytes | memoryview, mode: int | None = None) -> Path:
    """Write ``data`` in one call.  Callers assemble the file in memory: one write, where a zip
    written part by part to disk costs dozens of seeks and small writes."""
    def fill(fd: int, tmp: str) -> None:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    return _replace(Path(path), fill, mode)


def write_with(path: str | Path, write: Callable[[Path], Any], mode: int | None = None) -> Path:
    """``write(tmp)`` fills the temporary file by its path (a library that opens files itself)."""
    def fill(fd: int, tmp: str) -> None:
        os.close(fd)
        write(Path(tmp))
    return _replace(Path(path), fill, mode)


def _replace(path: Path, fill: Callable[[int, str], None], mode: int | None) -> Path:
    """``mode`` defaults to what a newly created file gets (0o666 less the umask)."""
    tmp = None
    try:
        fd, tmp = _create_beside(path, 0o666 if mode is None else mode)
        fill(fd, tmp)
        if mode is not None:
            os.chmod(tmp, mode)  # exactly this mode, whatever the umask
        os.replace(tmp, path)
        tmp = None
    except PermissionError:
        raise WorkbookError(f"{path}：无法写入（没有权限）。如果该文件正在 Excel/WPS 中打开，请关闭后重试；"
                            "否则请换一个有写入权限的文件夹。") from None
    except OSError as exc:
        raise WorkbookError(f"{path}：无法写入（{os_reason(exc)}）。请检查文件夹是否存在、磁盘是否已满，"
                            "或换一个保存位置。") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return path


_counter = itertools.count()


def _create_beside(path: Path, mode: int) -> tuple[int, str]:
    """A new, exclusively created file next to ``path`` (same file system, so the rename is atomic).
    Created with ``mode`` less the umask, as any new file; named by process and a counter: unique
    without the cost of tempfile's random names."""
    while True:
        tmp = str(path.parent / f".{path.name}.{os.getpid()}.{next(_counter)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode), tmp
        except FileExistsError:  # left over by an earlier process of the same id: take the next number
            continue
