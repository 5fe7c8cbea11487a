"""Write a file so that readers see the old file or the whole new one, never half of one.

Templates, scored workbooks (:mod:`xltools.xlsx.patch`) and their backups, the bureau's summary,
manifests and CSV files, the drafted report (Word, Markdown and its chart, PDF), the add-in and its
install files go through here: a temporary file beside the target, flushed to disk
(fsync), then a rename, and the folder flushed too.  Where Linux allows, the temporary file has no
name until it is complete (O_TMPFILE), so even ``kill -9`` leaves nothing behind; otherwise it is a
hidden ``.NAME.PID.N.tmp`` removed on any error and on SIGTERM/SIGHUP/Ctrl-C, and one left by a
killed process is removed by the next write into that folder.  A failure is a
:class:`~xltools.errors.WorkbookError` that names the target and says what to do.
"""
from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import signal
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import WorkbookError, os_reason


def write_bytes(path: str | Path, data: bytes | memoryview, mode: int | None = None) -> Path:
    """Write ``data`` in one call.  Callers assemble the file in memory: one write, where a zip
    written part by part to disk costs dozens of seeks and small writes."""
    def fill(fd: int, tmp: str | None) -> None:
        view = memoryview(data).cast("B")
        while view:
            view = view[os.write(fd, view):]
    return _replace(Path(path), fill, mode, anonymous=True)


def copy_file(src: str | Path, dst: str | Path) -> Path:
    """``dst`` becomes a complete copy of ``src`` (same permission bits), atomically: a backup."""
    src = Path(src)
    try:
        data, mode = src.read_bytes(), stat.S_IMODE(os.stat(src).st_mode)
    except OSError as exc:
        raise WorkbookError(f"{src}：无法读取（{os_reason(exc)}），未做任何改动。") from None
    return write_bytes(dst, data, mode)


def make_parent(path: str | Path) -> None:
    """Create the folder ``path`` is to be written in (and its parents), or say why it cannot be."""
    parent = Path(path).parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbookError(f"{path}：无法创建文件夹 {parent}（{os_reason(exc)}）。请换一个保存位置。") from None


def write_with(path: str | Path, write: Callable[[Path], Any], mode: int | None = None) -> Path:
    """``write(tmp)`` fills the temporary file by its path (a library that opens files itself)."""
    def fill(fd: int, tmp: str | None) -> None:
        assert tmp is not None  # anonymous=False: the temporary file has a name
        write(Path(tmp))
    return _replace(Path(path), fill, mode, anonymous=False)


def _replace(path: Path, fill: Callable[[int, str | None], None], mode: int | None, anonymous: bool) -> Path:
    """``mode`` defaults to what a newly created file gets (0o666 less the umask)."""
    tmp = fd = None
    create = 0o666 if mode is None else mode
    try:
        with _signals_interrupt():
            _sweep(path)
            if anonymous and (fd := _anonymous(path.parent, create)) is not None:
                fill(fd, None)
                _finish(fd, mode)
                name = _temp_name(path)
                if _link(fd, name):  # named only once complete: kill -9 before this leaves nothing
                    tmp = name
                os.close(fd)
                fd = None
            if tmp is None:
                fd, tmp = _create_beside(path, create)
                if not anonymous:  # the writer opens the file by its name
                    os.close(fd)
                    fd = None
                fill(-1 if fd is None else fd, tmp)
                if fd is None:
                    fd = os.open(tmp, os.O_RDONLY)
                _finish(fd, mode)
                os.close(fd)
                fd = None
            os.replace(tmp, path)
            tmp = None
            _fsync_dir(path.parent)
    except PermissionError:
        raise WorkbookError(f"{path}：无法写入（没有权限）。如果该文件正在 Excel/WPS 中打开，请关闭后重试；"
                            "否则请换一个有写入权限的文件夹。") from None
    except OSError as exc:
        raise WorkbookError(f"{path}：无法写入（{os_reason(exc)}）。请检查文件夹是否存在、磁盘是否已满，"
                            "或换一个保存位置。") from None
    finally:
        if fd is not None:
            os.close(fd)
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)
    return path


def _anonymous(folder: Path, mode: int) -> int | None:
    """A file without a name in ``folder`` (Linux O_TMPFILE), or None where that is not supported."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, mode)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):  # a file system without it
            return None
        raise


def _link(fd: int, name: str) -> bool:
    """Give the anonymous file ``fd`` the name ``name`` (linkat with AT_EMPTY_PATH, else through
    /proc/self/fd); False where this system allows neither."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.linkat(fd, b"", -100, os.fsencode(name), 0x1000) == 0:  # AT_FDCWD, AT_EMPTY_PATH
            return True
    except (OSError, AttributeError):
        pass
    try:
        os.link(f"/proc/self/fd/{fd}", name, follow_symlinks=True)
        return True
    except OSError:
        return False


def _finish(fd: int, mode: int | None) -> None:
    if mode is not None:
        os.fchmod(fd, mode)  # exactly this mode, whatever the umask
    os.fsync(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a folder: the rename is still atomic
        pass
    finally:
        os.close(fd)


_counter = itertools.count()


def _temp_name(path: Path) -> str:
    return str(path.parent / f".{path.name}.{os.getpid()}.{next(_counter)}.tmp")


def _create_beside(path: Path, mode: int) -> tuple[int, str]:
    """A new, exclusively created file next to ``path`` (same file system, so the rename is atomic).
    Created with ``mode`` less the umask, as any new file; named by process and a counter: unique
    without the cost of tempfile's random names."""
    while True:
        tmp = _temp_name(path)
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode), tmp
        except FileExistsError:  # left over by an earlier process of the same id: take the next number
            continue


def _sweep(path: Path) -> None:
    """Remove temporary files for ``path`` left by a process that no longer runs (killed mid-write)."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.\d+\.tmp")
    try:
        names = [n for n in os.listdir(path.parent) if n.startswith(f".{path.name}.") and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        m = pattern.fullmatch(name)
        if m and not _alive(int(m[1])):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


@contextlib.contextmanager
def _signals_interrupt():
    """SIGTERM and SIGHUP raise KeyboardInterrupt while a file is written, so that the temporary
    file is removed (by ``finally``) as on Ctrl-C; the handlers are restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    saved = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is None:
            continue
        try:
            saved[sig] = signal.signal(sig, interrupt)
        except (ValueError, OSError):
            pass
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
