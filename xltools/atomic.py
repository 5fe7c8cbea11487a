"""Write a file so that readers see the old file or the whole new one, never half of one."""
from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path


def write_bytes(path: str | Path, data: bytes | memoryview, mode: int | None = None) -> Path:
    """Write ``data`` to a temporary file beside ``path`` in one call, then rename it over ``path``.
    ``mode`` defaults to what a newly created file gets (0o666 less the umask).

    One write of a buffer assembled in memory: an .xlsx written part by part straight to disk costs
    dozens of seeks and small writes, which was a third of the time to write a template here."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _new_file_mode() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


@cache
def _new_file_mode() -> int:
    umask = os.umask(0)  # the only way to read it is to set it: once per process
    os.umask(umask)
    return 0o666 & ~umask
