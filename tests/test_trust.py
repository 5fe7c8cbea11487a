"""The bureau's trust boundary (issue 18): a unit's workbook cannot change the rules, reach the
bureau's files or exhaust it.  The corpus files are in tests/hostile/files (build.py); here what a
person checks on them: the numbers come from the shipped form, not from the forged definition; a
form file passed with --form is the judge; special files get a row without being opened; outputs
never land on inputs or outside their folder; unit text stays text in the Markdown report."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from xltools import api
from xltools.errors import WorkbookError

ROOT = Path(__file__).resolve().parents[1]
FILES = ROOT / "tests" / "hostile" / "files"
EXAMPLE = ROOT / "workbooks" / "example-zhuzhou-2021.xlsx"


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from xltools.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=timeout)


def collect_rows(proc: subprocess.CompletedProcess) -> dict[str, dict]:
    """``collect --json``: file name -> its summary row (English keys)."""
    return {Path(d["source"]).name: d["summary"] for d in json.loads(proc.stdout)}


def changed(result) -> list[str]:
    return [i.message for i in result.report.issues if i.code == "form-changed"]


# --- the definition in the workbook is only a claim -------------------------------------------------

def test_forged_grades_are_graded_by_the_shipped_bands():
    """[[0, 优]] in the hidden sheet: the example (100 points) stays 优 by the real bands, and a
    forged table scoring 78.72 would be 中: the band used is the shipped one."""
    result = api.check_workbook(FILES / "h70-forged-grades.xlsx")
    assert result.card.form.grades == api.check_workbook(EXAMPLE).card.form.grades
    assert result.card.form.grades.grade(Decimal("78.72")) == "中"
    assert not result.report.valid
    assert any("等级档次" in m and "0分(含)以上为优" in m for m in changed(result))


def test_forged_rule_is_not_used():
    """yunnan: a step rule replaced by a manual one in the definition; the reading uses the
    shipped step rule and says what changed."""
    forged = api.check_workbook(FILES / "h71-forged-rule-criteria.xlsx")
    shipped = api.check_workbook(ROOT / "workbooks" / "yunnan.xlsx")
    assert [leaf.rule for _, leaf in forged.card.form.leaves()] == [leaf.rule for _, leaf in shipped.card.form.leaves()]
    assert any("评分规则" in m for m in changed(forged))


def test_own_leaf_with_full_marks_rule_scored_by_the_national_rule():
    result = api.check_workbook(FILES / "h72-forged-rule-own-leaf.xlsx")
    assert any("自加指标" in m and "评分规则" in m for m in changed(result))
    assert all(type(leaf.rule).__name__ == "National" for _, leaf in result.card.form.leaves())


def test_clean_templates_carry_no_difference():
    for path in sorted((ROOT / "workbooks").glob("*.xlsx")):
        assert changed(api.check_workbook(path)) == [], path.name


@pytest.mark.parametrize("name", ["h80-extends-etc-passwd.xlsx", "h81-extends-dev-zero.xlsx", "h82-extends-stdin.xlsx",
                                  "h83-extends-unc.xlsx"])
def test_extends_is_never_opened(name, monkeypatch):
    """No path in a workbook is opened: spec._read is never called while reading it."""
    import xltools.spec as spec
    opened = []
    monkeypatch.setattr(spec, "_read", lambda p: opened.append(p) or ("", str(p)))
    with pytest.raises(WorkbookError, match="extends"):
        api.check_workbook(FILES / name)
    assert opened == []


def test_unknown_form_needs_the_bureaus_form_file(tmp_path):
    """A template made from a unit's own form file: refused without --form, judged by the file with
    it, and a different file is a form-changed error (exit 1)."""
    own = tmp_path / "own.yaml"
    own.write_text("extends: dept\nid: own-form\nweights: {产出指标: 40, 效益指标: 40}\n", encoding="utf-8")
    book = tmp_path / "own.xlsx"
    assert cli("new", str(own), "-o", str(book)).returncode == 0
    with pytest.raises(WorkbookError, match="--form"):
        api.check_workbook(book)
    proc = cli("check", str(book))
    assert proc.returncode == 2 and "--form" in proc.stdout  # unusable without the form: exit 2
    assert changed(api.check_workbook(book, api.load_form(own))) == []
    other = tmp_path / "other.yaml"
    other.write_text("extends: dept\nid: own-form\nweights: {产出指标: 60, 效益指标: 20}\n", encoding="utf-8")
    proc = cli("check", str(book), "--form", str(other))
    assert proc.returncode == 1 and "_xltools!A4" in proc.stdout


def test_forged_files_are_errors_in_collect(tmp_path):
    pytest.importorskip("pandas")
    folder = tmp_path / "交回"
    folder.mkdir()
    for name in ("h70-forged-grades.xlsx", "h71-forged-rule-criteria.xlsx", "h73-forged-group-weight.xlsx"):
        (folder / name).write_bytes((FILES / name).read_bytes())
    proc = cli("collect", str(folder), "-o", str(tmp_path / "汇总.xlsx"), "--json", "-q", "--workers", "1")
    assert proc.returncode == 1, proc.stderr
    rows = collect_rows(proc)
    # h70 and h73 are the same unit: the newer counts, the other is 已被替代; each has its error
    assert {r["status_cn"] for r in rows.values()} <= {"有错误", "已被替代"} and all(r["errors"] for r in rows.values())
    assert "表式定义" in rows["h70-forged-grades.xlsx"]["reason"]
    assert rows["h70-forged-grades.xlsx"]["grade"] == "优"  # 100 points by the shipped bands


# --- special files, outputs over inputs ------------------------------------------------------------

def _specials(folder: Path) -> dict[str, str]:
    os.mkfifo(folder / "管道.xlsx")
    (folder / "断链.xlsx").symlink_to(folder / "不存在.xlsx")
    (folder / "循环.xlsx").symlink_to(folder / "循环.xlsx")
    (folder / "设备.xlsx").symlink_to("/dev/zero")
    return {"管道.xlsx": "命名管道", "断链.xlsx": "不存在", "循环.xlsx": "循环", "设备.xlsx": "设备文件"}


def test_special_files_are_refused_without_opening(tmp_path):
    for name, why in _specials(tmp_path).items():
        start = time.perf_counter()
        proc = cli("check", str(tmp_path / name), timeout=30)
        out = proc.stdout + proc.stderr  # a dangling or looping link is "找不到" before reading: a usage error
        assert proc.returncode == 2 and (why in out or "找不到" in out) and "Traceback" not in out, name
        assert time.perf_counter() - start < 10
        proc = cli("score", str(tmp_path / name), "-o", str(tmp_path / "out.xlsx"), timeout=30)
        assert proc.returncode == 2 and (why in proc.stderr or "不存在" in proc.stderr), proc.stderr


def test_collect_rows_for_special_files_and_no_backups(tmp_path):
    pytest.importorskip("pandas")
    folder = tmp_path / "交回"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(EXAMPLE.read_bytes())
    (folder / "a.bak.xlsx").write_bytes(EXAMPLE.read_bytes())  # what score --in-place leaves
    (folder / "a.bak2.xlsx").write_bytes(EXAMPLE.read_bytes())
    reasons = _specials(folder)
    (folder / "假汇总.xlsx").write_bytes((FILES / "h120-damaged-claims-summary.xlsx").read_bytes())
    proc = cli("collect", str(folder), "-o", str(tmp_path / "汇总.xlsx"), "--json", "-q", "--workers", "2", timeout=120)
    rows = collect_rows(proc)
    assert proc.returncode == 1
    assert set(rows) == {"a.xlsx", "假汇总.xlsx", *reasons}  # no backups, so no duplicate-unit of a and a.bak
    assert rows["a.xlsx"]["status_cn"] == "通过"
    for name, why in reasons.items():
        assert rows[name]["status_cn"] == "无法读取" and why in rows[name]["reason"], rows[name]
    assert rows["假汇总.xlsx"]["status_cn"] == "无法读取"  # not skipped as if it were our summary


def test_collect_never_writes_over_an_input(tmp_path):
    pytest.importorskip("pandas")
    folder = tmp_path / "col"
    folder.mkdir()
    unit = folder / "good-1.xlsx"
    unit.write_bytes(EXAMPLE.read_bytes())
    before = unit.read_bytes()
    for force in ((), ("--force",)):  # not even with --force
        proc = cli("collect", str(folder), "-o", str(unit), "-q", "--workers", "1", *force)
        assert proc.returncode == 2 and "覆盖" in proc.stderr
        assert unit.read_bytes() == before
    summary = tmp_path / "汇总.xlsx"
    assert cli("collect", str(folder), "-o", str(summary), "-q", "--workers", "1").returncode == 0
    # an earlier summary is replaced with --force
    assert cli("collect", str(folder), "-o", str(summary), "-q", "--workers", "1", "--force").returncode == 0


def test_workers_die_with_their_parent(tmp_path):
    """kill -9 of the parent of a collect: its workers (busy with a file) go too."""
    script = tmp_path / "parent.py"
    script.write_text("import time\nfrom xltools.pool import pool_map\n"
                      "pool_map(time.sleep, [60, 60], lambda i, why: None, 2, None, None)\n")
    parent = subprocess.Popen([sys.executable, str(script)], env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        children: list[int] = []
        for _ in range(100):
            children = [int(p) for p in os.listdir("/proc") if p.isdigit() and _ppid(int(p)) == parent.pid]
            if len(children) >= 2:
                break
            time.sleep(0.1)
        assert len(children) >= 2
        time.sleep(0.5)
        parent.kill()
        parent.wait()
        time.sleep(1.0)
        alive = [c for c in children if _ppid(c) is not None and _state(c) != "Z"]
        assert alive == []
    finally:
        if parent.poll() is None:
            parent.kill()


def _ppid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


# --- names and text from the workbook ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["h116-unit-name-traversal.xlsx", "h117-unit-name-absolute.xlsx",
                                  "h118-unit-name-300-chars.xlsx"])
def test_report_into_a_folder_stays_in_it(name, tmp_path):
    out = tmp_path / "报告"
    out.mkdir()
    proc = cli("report", str(FILES / name), "-o", str(out), "--format", "md")
    assert proc.returncode == 0, proc.stderr
    made = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert made and all(p.parent == out for p in made), made
    assert all(len(p.stem.removesuffix(".chart")) <= 80 for p in made)
    assert not Path("/tmp/xltools-abs").exists()


def test_markdown_report_keeps_unit_text_as_text(tmp_path):
    out = tmp_path / "r.md"
    assert cli("report", str(FILES / "h119-markdown-injection.xlsx"), "-o", str(out)).returncode == 0
    text = out.read_text(encoding="utf-8")
    import re
    assert not re.search(r"(?<!\\)<img", text) and not re.search(r"(?<!\\)\]\(http://evil", text)
    assert "\\<img src=x onerror=alert(1)\\>\\[点我\\]" in text


def test_xhhhh_escapes_are_decoded():
    assert api.check_workbook(FILES / "h115-xescape-unit.xlsx").filing.unit == "株洲市城管支队ABC"


# --- write-back --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["h112-cell-in-comment.xlsx", "h113-cell-in-cdata.xlsx",
                                  "h114-fake-prefix-in-comment.xlsx"])
def test_score_writes_where_the_reader_found_the_cell(name, tmp_path):
    """Restoring 得分 I11's formula: the result reads back with the formula in I11 (not in a
    comment or another cell's text), or score refuses and writes nothing."""
    import zipfile

    from xltools.xlsx.package import open_book
    src = tmp_path / "in.xlsx"
    src.write_bytes((FILES / name).read_bytes())
    patch = subprocess.run([sys.executable, "-c", "import sys, re, zipfile\n"
                            "z = zipfile.ZipFile(sys.argv[1]); parts = {i.filename: z.read(i) for i in z.infolist()}\n"
                            "s = parts['xl/worksheets/sheet1.xml'].decode()\n"
                            "s = re.sub(r'(<c r=\"I11\"[^>]*>)<f>[^<]*</f>', r'\\1', s)\n"  # the formula typed over
                            "parts['xl/worksheets/sheet1.xml'] = s.encode()\n"
                            "w = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\n"
                            "[w.writestr(n, d) for n, d in parts.items()]; w.close()\n", str(src)])
    assert patch.returncode == 0
    out = tmp_path / "out.xlsx"
    proc = cli("score", str(src), "-o", str(out))
    assert "Traceback" not in proc.stderr
    if proc.returncode == 2:
        assert not out.exists()
        return
    book = open_book(out)
    grid = book.sheets["自评表"]
    assert grid.get(10, 8).formula, "I11 holds the restored formula"
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None


# --- the token guard, chunk boundaries included ----------------------------------------------------

@pytest.mark.parametrize("data, refused", [
    (b"<a>" + b"x" * 90 + b"</a>", False),
    (b"<a>" + b"x" * 150 + b"</a>", True),  # a text over max_token
    (b'<a b="' + b"x" * 150 + b'"/>', True),  # an attribute
    (b"<a><!--" + b"c" * 40 + b"--></a>", False),
    (b"<a><!--" + b"c<" * 40 + b"--></a>", True),  # a comment full of "<": short runs, one long token
    (b"<a><![CDATA[" + b"<" * 60 + b"]]></a>", True),
    (b"<a><!--" + b"c" * 40 + b"--><!--" + b"d" * 40 + b"--></a>", False),  # two short ones
    (b"<?x " + b"<p" * 40 + b"?><a/>", True),
])
@pytest.mark.parametrize("step", [1, 3, 7, 1000])
def test_long_tokens_are_refused_whatever_the_chunks(data, refused, step):
    from xltools.xlsx.package import Limits, Tokens
    guard = Tokens(Path("x.xlsx"), "p", Limits(max_token=100, max_special=50))
    try:
        for i in range(0, len(data), step):
            guard.feed(data[i:i + step])
    except WorkbookError as exc:
        assert refused and "过长" in str(exc)
    else:
        assert not refused
