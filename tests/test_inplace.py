"""``score --in-place`` done right (issue 18): the file and its backup are each old or complete after
``kill -9`` at any moment, no temporary file is left, a symlink is followed, read-only files and
folders and a full disk are Chinese errors with exit 2 (and nothing half-written)."""
from __future__ import annotations

import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "example-zhuzhou-2021.xlsx"
BLANK = ROOT / "workbooks" / "dept.xlsx"  # has errors: score marks cells, so the file really changes
COMMAND = [sys.executable, "-c", "from xltools.cli import main; main()"]


def score_in_place(path: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, "score", "--in-place", str(path)], capture_output=True, text=True, timeout=120,
                          **kw)


def complete(path: Path) -> bool:
    """A whole workbook that xltools reads (what a finished write leaves)."""
    from xltools.xlsx.package import open_book
    try:
        with zipfile.ZipFile(path) as z:
            if z.testzip() is not None:
                return False
        open_book(path)
    except Exception:  # noqa: BLE001 - anything unreadable is "not complete"
        return False
    return True


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp")


def with_big_part(base: Path) -> bytes:
    """``base`` plus a 6 MB part of random bytes (a picture, say): writing it takes long enough for
    a kill to land in the middle of the write."""
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        out.writestr("xl/media/image1.bin", random.Random(1).randbytes(6 << 20))
    return buf.getvalue()


@pytest.mark.slow
def test_kill_9_during_score_in_place_leaves_old_or_complete_files_and_no_temp(tmp_path):
    """30 trials, each killed (SIGKILL) after a random delay spread over a whole run."""
    old = with_big_part(BLANK)
    start = time.perf_counter()
    probe = tmp_path / "probe" / "a.xlsx"
    probe.parent.mkdir()
    probe.write_bytes(old)
    assert score_in_place(probe).returncode == 1  # the blank template has errors: exit 1, written
    run = time.perf_counter() - start
    scored = probe.read_bytes()
    assert scored != old and complete(probe)
    rng = random.Random(18)
    outcomes = {"old": 0, "new": 0}
    for trial in range(30):
        folder = tmp_path / f"t{trial}"
        folder.mkdir()
        target = folder / "a.xlsx"
        target.write_bytes(old)
        proc = subprocess.Popen([*COMMAND, "score", "--in-place", str(target)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.1) * run)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = target.read_bytes()
        assert now == old or complete(target), f"trial {trial}: a.xlsx is neither old nor complete"
        outcomes["old" if now == old else "new"] += 1
        backup = folder / "a.bak.xlsx"
        assert not backup.exists() or backup.read_bytes() == old, f"trial {trial}: a partial backup"
        assert now == old or backup.exists(), f"trial {trial}: written without a backup"
        assert leftovers(folder) == [], f"trial {trial}: {leftovers(folder)}"
        assert sorted(p.name for p in folder.iterdir()) in (["a.xlsx"], ["a.bak.xlsx", "a.xlsx"])
    assert outcomes["old"] and outcomes["new"], outcomes  # the kills landed before and after the write


def test_sigterm_removes_the_temporary_file(tmp_path):
    """SIGTERM while the file is being written (in a child process): the temporary file goes, the
    target stays old, and the process ends without a traceback."""
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"old")
    script = ("import os, signal, sys, time\nfrom pathlib import Path\nfrom xltools.atomic import write_with\n"
              "def slow(tmp):\n    Path(tmp).write_bytes(b'half')\n    os.kill(os.getpid(), signal.SIGTERM)\n"
              "    time.sleep(5)\n"
              "try:\n    write_with(sys.argv[1], slow)\nexcept KeyboardInterrupt:\n    sys.exit(3)\n")
    proc = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == []


def test_a_temporary_file_of_a_killed_process_is_removed_by_the_next_write(tmp_path):
    from xltools.atomic import write_bytes
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".a.xlsx.{dead.stdout.strip()}.0.tmp"
    stale.write_bytes(b"half")
    write_bytes(tmp_path / "a.xlsx", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx"]


def test_symlink_is_followed_and_stays_a_link(tmp_path):
    real = tmp_path / "真实" / "a.xlsx"
    real.parent.mkdir()
    real.write_bytes(BLANK.read_bytes())
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    proc = score_in_place(link)
    assert proc.returncode == 1, proc.stderr
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert real.read_bytes() != BLANK.read_bytes() and complete(real)
    assert (real.parent / "a.bak.xlsx").read_bytes() == BLANK.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.xlsx", "真实"]


def _refused(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("错误：") and "Traceback" not in proc.stderr
    for w in words:
        assert w in proc.stderr, proc.stderr


def test_read_only_file_is_refused(tmp_path):
    target = tmp_path / "a.xlsx"
    target.write_bytes(BLANK.read_bytes())
    os.chmod(target, 0o444)
    _refused(score_in_place(target), "a.xlsx", "只读")
    assert target.read_bytes() == BLANK.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx"]


def test_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "只读"
    folder.mkdir()
    target = folder / "a.xlsx"
    target.write_bytes(BLANK.read_bytes())
    os.chmod(folder, 0o555)
    try:
        _refused(score_in_place(target), "a.xlsx", "只读")
        assert sorted(p.name for p in folder.iterdir()) == ["a.xlsx"]
    finally:
        os.chmod(folder, 0o755)


def _mount_tmpfs(path: Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    path.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_full_disk_is_a_chinese_error_and_nothing_half_written(tmp_path):
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "40k"):
        pytest.skip("cannot mount a small tmpfs here (needs root and mount): the full-disk case is not run")
    try:
        target = disk / "a.xlsx"
        target.write_bytes(BLANK.read_bytes())  # ~14 KB of 40 KB: the backup fits, the result does not
        (disk / "fill").write_bytes(b"x" * (40 * 1024 - 2 * len(BLANK.read_bytes()) - 4096))
        proc = score_in_place(target)
        _refused(proc, "磁盘空间不足")
        assert target.read_bytes() == BLANK.read_bytes()
        assert leftovers(disk) == []
        backup = disk / "a.bak.xlsx"
        assert not backup.exists() or backup.read_bytes() == BLANK.read_bytes()
        # report, collect and -o onto the full disk: Chinese errors, exit 2, no 0-byte file left
        proc = subprocess.run([*COMMAND, "score", str(EXAMPLE), "-o", str(disk / "b.xlsx")], capture_output=True,
                              text=True, timeout=120)
        _refused(proc, "磁盘空间不足")
        assert not (disk / "b.xlsx").exists() and leftovers(disk) == []
        proc = subprocess.run([*COMMAND, "report", str(EXAMPLE), "-o", str(disk / "r.docx")], capture_output=True,
                              text=True, timeout=120)
        _refused(proc, "磁盘空间不足")
        assert not (disk / "r.docx").exists() and leftovers(disk) == []
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_read_only_mount_is_a_chinese_error(tmp_path):
    disk = tmp_path / "ro"
    if not _mount_tmpfs(disk, "1m"):
        pytest.skip("cannot mount a tmpfs here (needs root and mount)")
    try:
        (disk / "a.xlsx").write_bytes(BLANK.read_bytes())
        assert subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True).returncode == 0
        _refused(score_in_place(disk / "a.xlsx"), "a.xlsx")
        proc = subprocess.run([*COMMAND, "score", str(EXAMPLE), "-o", str(disk / "b.xlsx")], capture_output=True,
                              text=True, timeout=120)
        _refused(proc, "b.xlsx")
        proc = subprocess.run([*COMMAND, "report", str(EXAMPLE), "-o", str(disk / "r.docx")], capture_output=True,
                              text=True, timeout=120)
        _refused(proc, "r.docx")
        assert sorted(p.name for p in disk.iterdir()) == ["a.xlsx"]
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_backup_keeps_the_permission_bits(tmp_path):
    target = tmp_path / "a.xlsx"
    target.write_bytes(BLANK.read_bytes())
    os.chmod(target, 0o640)
    assert score_in_place(target).returncode == 1
    assert stat.S_IMODE(os.stat(tmp_path / "a.bak.xlsx").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
