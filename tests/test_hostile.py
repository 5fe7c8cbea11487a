"""The hostile corpus (tests/hostile/files, made by tests/hostile/build.py; expectations in
tests/hostile/expected.yaml): broken, foreign and malicious files.

For every file, ``xltools check`` (the real console script, in a subprocess limited to 500 MB of
address space) answers within 5 s with the expected exit code and a clear message naming the file
(and the cell where there is one), and no traceback; ``xltools score FILE -o OUT`` refuses cleanly
(exit 2 and a message) or writes the copy.  ``collect`` over the corpus and the templates reports
each bad file as a row.  No command modifies an input file, and no macro ever runs.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from xltools import api

HERE = Path(__file__).resolve().parent / "hostile"
FILES = HERE / "files"
ROOT = HERE.parents[1]
EXPECTED = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))["files"]
BY_NAME = {e["file"]: e for e in EXPECTED}
SECONDS = 5.0
MEMORY = 500 * 1024 * 1024
MARKER = Path(next(e["marker"] for e in EXPECTED if "marker" in e))
#: sha256 of every corpus file when this module was imported, before any command ran on them.
HASHES = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(FILES.iterdir())}


def _xltools() -> list[str]:
    script = shutil.which("xltools")
    return [script] if script else [sys.executable, "-c", "from xltools.cli import main; main()"]


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    """The console script under the memory limit; (process, seconds)."""
    start = time.perf_counter()
    proc = subprocess.run([*_xltools(), *args], capture_output=True, text=True, timeout=60, preexec_fn=_limit,
                          env={**os.environ, "PYTHONWARNINGS": "default"})
    return proc, time.perf_counter() - start


def no_crash(proc: subprocess.CompletedProcess) -> None:
    both = proc.stdout + proc.stderr
    assert "Traceback" not in both and "MemoryError" not in both, both[-3000:]


def test_corpus_is_complete():
    on_disk = {p.name for p in FILES.iterdir()}
    assert on_disk == set(BY_NAME), on_disk ^ set(BY_NAME)
    assert len(on_disk) >= 50
    assert all(p.stat().st_size < 1024 * 1024 for p in FILES.iterdir()), "keep every corpus file small"


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_check(name):
    e = BY_NAME[name]
    proc, took = run("check", str(FILES / name))
    no_crash(proc)
    out = proc.stdout + proc.stderr
    assert proc.returncode == e["check"], out[-2000:]
    assert name in out  # the message names the file
    for text in e["expect"]:
        assert text in out, f"{text!r} not in:\n{out[-2000:]}"
    if proc.returncode:
        assert "UserWarning" not in out
    assert took < SECONDS, f"{name}: {took:.1f} s"


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_score(name, tmp_path):
    e = BY_NAME[name]
    if e["score"] == "known-bug":
        pytest.xfail(e["bug"])
    out_file = tmp_path / "scored.xlsx"
    proc, took = run("score", str(FILES / name), "-o", str(out_file))
    no_crash(proc)
    if e["score"] == "error":
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert proc.stderr.startswith("错误：") and name in proc.stderr
        assert not out_file.exists()
    else:
        assert proc.returncode in (0, 1), proc.stdout + proc.stderr
        assert out_file.exists()
        assert api.check_workbook(out_file).card.total is not None  # what score wrote reads back
    assert took < SECONDS, f"{name}: {took:.1f} s"


def test_library_refuses_with_workbook_error():
    """In-process: every unreadable file raises WorkbookError (never another exception), with a
    message starting with the file name; readable ones give a Result."""
    from xltools.errors import WorkbookError
    for e in EXPECTED:
        path = FILES / e["file"]
        try:
            result = api.check_workbook(path)
        except WorkbookError as exc:
            assert str(exc).startswith(e["file"] + "："), str(exc)
            assert e["check"] == 2 and e["score"] == "error"  # unusable: check and score both exit 2
        else:
            assert e["check"] in (0, 1) and result.report.source == str(path)


@pytest.mark.slow
def test_collect_reports_each_bad_file(tmp_path):
    pytest.importorskip("pandas")
    summary = tmp_path / "汇总.xlsx"
    start = time.perf_counter()
    proc = subprocess.run([*_xltools(), "collect", str(FILES), str(ROOT / "workbooks"), "-o", str(summary), "--json",
                           "-q", "--workers", "2"], capture_output=True, text=True, timeout=300)
    took = time.perf_counter() - start
    no_crash(proc)
    assert proc.returncode == 1, proc.stderr[-2000:]
    rows = {Path(d["source"]).name: {"状态": d["summary"]["status_cn"], "原因": d["summary"]["reason"]}
            for d in json.loads(proc.stdout)}
    files = api.expand_paths([FILES])  # .xlsx/.xlsm only: h19-legacy.xls is not collected
    assert len(files) == len(BY_NAME) - 1
    for path in files:
        e = BY_NAME[path.name]
        row = rows[path.name]
        if row["状态"] == "无法读取":  # the same message as check: it names the file and says what is wrong
            assert e["check"] == 2 and row["原因"].startswith(path.name + "："), row
            assert all(x in row["原因"] for x in e["expect"]), row
        else:  # read: its issues (many files copy the same example: the newest counts, the others superseded)
            assert row["状态"] in ("通过", "需补充说明", "有错误", "已被替代"), row
            assert e["check"] == 0 or row["状态"] in ("有错误", "已被替代"), row
    for p in (ROOT / "workbooks").glob("*.xlsx"):
        assert rows[p.name]["状态"] in ("通过", "需补充说明", "有错误", "已被替代")
    assert summary.exists()
    assert took < 120, f"collect took {took:.0f} s"


def test_nothing_modified_and_no_macro_ran(tmp_path):
    """check, score -o, report and collect over every corpus file leave every input byte-identical
    (HASHES were taken when this module was imported), and the Auto_Open macro never ran."""
    from xltools.cli import main
    if MARKER.exists():
        MARKER.unlink()

    def call(*args):
        try:
            main(list(args))
        except SystemExit as exc:
            return exc.code
        return 0

    for i, p in enumerate(sorted(FILES.iterdir())):
        if BY_NAME[p.name]["score"] == "known-bug":
            continue
        assert call("check", "-q", str(p)) in (0, 1, 2)
        assert call("score", str(p), "-o", str(tmp_path / f"s{i}.xlsx")) in (0, 1, 2)
        assert call("report", str(p), "-o", str(tmp_path / f"r{i}.md")) in (0, 1, 2)
    if shutil.which("xltools"):
        subprocess.run(["xltools", "collect", str(FILES), "-o", str(tmp_path / "c.xlsx"), "-q", "--workers", "1"],
                       capture_output=True, timeout=300)
    now = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(FILES.iterdir())}
    assert now == HASHES
    assert not MARKER.exists(), "a macro ran"
    assert not list(FILES.glob("*.bak*")) and not (FILES.parent / "evil.txt").exists()


def test_xml_parsers_refuse_dtds():
    """Every XML parse of the package goes through a DTD-refusing parser."""
    import re

    from defusedxml.common import DefusedXmlException

    from xltools.xlsx.package import parse_xml
    for payload in (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
                    b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
                    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode("utf-16")):
        with pytest.raises(DefusedXmlException):
            parse_xml(payload)
    unsafe = []
    for path in (ROOT / "xltools").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"^.*\b(?:ET|ElementTree|etree|minidom|expat)\.(?:fromstring|parse|XML|iterparse|"
                             r"XMLParser|parseString|ParserCreate)\b.*$", text, re.M):
            line = m[0]
            if "SafeET" in line or "defused" in line:
                continue
            unsafe.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    # package.py: ET.fromstring after parse_xml's own DTD check; expat with DTD handlers that refuse
    assert sorted(unsafe) == ["xltools/xlsx/package.py: parser = expat.ParserCreate()",
                              "xltools/xlsx/package.py: return ET.fromstring(data)"], unsafe
