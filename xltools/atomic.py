"""Write a file so that readers see the old file or the whole new one, never half of one."""
from __future__ import annotations

import itertools
import os
from pathlib import Path


def write_bytes(path: str | Path, data: bytes | memoryview, mode: int | None = None) -> Path:
    """Write ``data`` to a temporary file beside ``path`` in one call, then rename it over ``path``.
    ``mode`` defaults to what a newly created file gets (0o666 less the umask).
    Callers assemble the file in memory: one write, where a zip written part by part to disk
    costs dozens of seeks and small writes."""
    path = Path(path)
    fd, tmp = _create_beside(path, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if mode is not None:
            os.chmod(tmp, mode)  # exactly this mode, whatever the umask
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
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
