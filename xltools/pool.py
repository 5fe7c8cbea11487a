"""A process pool for maps over files that must survive any one file: a worker that dies or hangs
on an item is replaced, and only that item fails (``concurrent.futures`` can neither say which
item killed a worker nor stop one that hangs).  Used by ``collect`` and ``distribute``."""
from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait
from typing import Any

#: Seconds one file may take in a worker before the worker is killed (``--timeout``).
DEFAULT_TIMEOUT = 60.0
#: What :func:`pool_map` tells ``failed`` when a worker died or ran out of time.
CRASH, TIMEOUT = "crash", "timeout"


def pool_map(func: Callable, items: Sequence, failed: Callable[[Any, str], Any],
             workers: int | None = None, timeout: float | None = DEFAULT_TIMEOUT,
             tick: Callable[[int], None] | None = None) -> list:
    """``func`` over ``items`` in ``workers`` processes (None: one per CPU), results in item order.

    Each worker gets one item at a time (plus one queued), so the parent always knows which item
    a worker is on: a worker that dies (killed for memory, a crash in a C library, an exception
    ``func`` let out) or that spends more than ``timeout`` seconds on one item is replaced, and
    that item's result is ``failed(item, why)`` — ``why`` is :data:`CRASH`, :data:`TIMEOUT` or the
    exception's type and text; the run goes on.  With ``workers=1`` and no timeout (None or 0)
    everything runs here, in this process."""
    if not items:
        return []
    tick = tick or (lambda n: None)
    workers = max(1, min(workers or os.cpu_count() or 1, len(items) or 1))
    results: list = [None] * len(items)
    if workers == 1 and not timeout:
        for i, item in enumerate(items):
            results[i] = func(item)
            tick(1)
        return results
    todo = deque(range(len(items)))
    pool: list[_Worker] = []
    done = False
    try:
        pool = [_Worker(func) for _ in range(workers)]
        while todo or any(w.queue for w in pool):
            for w in pool:
                while todo and len(w.queue) < 2:
                    w.send(todo.popleft(), items)
            busy = [w for w in pool if w.queue]
            left = min(w.since + timeout for w in busy) - time.monotonic() if timeout else None
            ready = wait([w.conn for w in busy], None if left is None else max(left, 0))
            for w in busy:
                why = None
                if w.conn in ready:
                    try:
                        ok, out = w.conn.recv()
                    except (EOFError, OSError):
                        why = CRASH
                    else:
                        i = w.queue.popleft()
                        results[i] = out if ok else failed(items[i], out)
                        w.since = time.monotonic()
                        tick(1)
                        continue
                elif timeout and time.monotonic() - w.since >= timeout:
                    why = TIMEOUT
                if why is not None:
                    i = w.queue.popleft()
                    results[i] = failed(items[i], why)
                    tick(1)
                    todo.extendleft(reversed(w.queue))  # queued, not started: to any worker
                    w.restart()
        done = True
    finally:
        for w in pool:
            w.stop(kill=not done)  # Ctrl-C or an error here: do not wait for the workers
    return results


class _Worker:
    """One worker process fed through a pipe; ``queue`` holds the indexes it was sent, the first
    being the one it is working on since ``since``."""

    def __init__(self, func: Callable) -> None:
        self.func = func
        self.queue: deque[int] = deque()
        self.since = time.monotonic()
        self._start()

    def _start(self) -> None:
        import multiprocessing
        self.conn, child = multiprocessing.Pipe()
        self.proc = multiprocessing.Process(target=_serve, args=(child, self.func, os.getpid()), daemon=True)
        self.proc.start()
        child.close()

    def send(self, index: int, items: Sequence) -> None:
        if not self.queue:
            self.since = time.monotonic()
        self.queue.append(index)
        try:
            self.conn.send(items[index])
        except OSError:  # the worker is gone: the pool finds out when it reads the pipe
            pass

    def restart(self) -> None:
        self.stop(kill=True)
        self.queue.clear()
        self._start()

    def stop(self, kill: bool = False) -> None:
        if not kill:
            try:
                self.conn.send(None)  # not EOF: other workers may hold a copy of this end
            except OSError:
                pass
            self.proc.join(5)
        self.conn.close()
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()


def _serve(conn, func: Callable, parent: int) -> None:
    """A worker's loop: item in, ``(True, func(item))`` or ``(False, error text)`` out; it leaves on
    None, or when the parent is gone (killed: a forked sibling may keep the pipe open)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _bound_worker()
    while True:
        try:
            while not conn.poll(1):
                if os.getppid() != parent:
                    return
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        try:
            conn.send((True, func(item)))
        except BaseException as exc:  # noqa: BLE001 - incl. a result that cannot be pickled
            conn.send((False, f"{type(exc).__name__}：{str(exc)[:200]}"))


#: Address space one worker may use: a hostile file fails in its worker (a row), never the machine.
WORKER_MEMORY = 1536 * 1024 * 1024


def _bound_worker() -> None:
    """Die with the parent even mid-file (Linux: the kernel sends SIGKILL when the parent goes, also
    after ``kill -9``), and stay within WORKER_MEMORY."""
    import resource
    import signal
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the poll of getppid() in _serve remains
        pass
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY or soft > WORKER_MEMORY:
            resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, hard))
    except (ValueError, OSError):
        pass


def counter(progress: Callable[[int, int], None] | None, total: int) -> Callable[[int], None] | None:
    """An increment callback that reports (done, total) to ``progress``."""
    if progress is None:
        return None
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress(done, total)
    return tick
