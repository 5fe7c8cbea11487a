"""Every output goes through xltools.atomic: whole or not at all, and a Chinese error naming the file."""
import os
import subprocess
import sys

import pytest

from xltools.atomic import write_bytes, write_with
from xltools.errors import WorkbookError


def test_replaces_the_file_whole_with_a_new_files_mode(tmp_path):
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"old")
    os.chmod(target, 0o600)
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    fresh = tmp_path / "fresh"
    fresh.write_bytes(b"")
    assert os.stat(target).st_mode & 0o777 == os.stat(fresh).st_mode & 0o777  # as any new file
    write_bytes(target, b"x", mode=0o640)
    assert os.stat(target).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "fresh"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "汇总.xlsx"
    target.write_bytes(b"old")

    def broken(tmp):
        tmp.write_bytes(b"half")
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        write_with(target, broken)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["汇总.xlsx"]


def test_a_missing_folder_is_a_chinese_error_naming_the_file(tmp_path):
    target = tmp_path / "没有这个文件夹" / "x.xlsx"
    with pytest.raises(WorkbookError) as err:
        write_bytes(target, b"x")
    assert str(target) in str(err.value) and "找不到文件或文件夹" in str(err.value)


def test_cli_new_into_a_missing_folder_exits_2_without_traceback(tmp_path):
    out = subprocess.run([sys.executable, "-c", "from xltools.cli import main; main()", "new", "dept",
                          "-o", str(tmp_path / "missing" / "t.xlsx")], capture_output=True, text=True)
    assert out.returncode == 2
    assert "无法写入" in out.stderr and "Traceback" not in out.stderr
