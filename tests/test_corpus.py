"""Acceptance corpus (GitHub issue 4): filled workbooks as people send them, with expected scores
and issues.

``tests/corpus/filled/`` holds workbooks made from our templates and then edited (rows inserted
and deleted, values typed as text, formulas overwritten or edited, stale cached values, sheets
renamed, a VBA project with a button, an image and a chart …) and official-layout tables built
without our templates.  ``tests/corpus/expected.yaml`` states, per file, the form, the layout
kind, the recomputed total and grade, the stated total and grade, and the complete set of
issues as (sheet!cell, code) — or the error message of a file that cannot be read.  Both are
made by ``python tests/corpus/build.py``, which documents how each file was made.

A case marked ``xfail`` is a known bug of the reader or the checks: its expectation is what
should happen, and the marker is strict, so a fix shows up as XPASS until the marker goes.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from xltools import api
from xltools.cli import cli
from xltools.errors import WorkbookError
from xltools.num import fmt

CORPUS = Path(__file__).resolve().parent / "corpus"
FILLED = CORPUS / "filled"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))["files"]
BY_NAME = {e["file"]: e for e in EXPECTED}


def _params(entries):
    out = []
    for e in entries:
        marks = [pytest.mark.xfail(reason=e["xfail"], strict=True)] if e.get("xfail") else []
        out.append(pytest.param(e, id=e["file"], marks=marks))
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _issues(result) -> set[tuple[str, str]]:
    return {(f"{i.location.sheet}!{i.location.cell}", i.code) for i in result.report.issues}


READABLE = [e for e in EXPECTED if "error" not in e]
UNREADABLE = [e for e in EXPECTED if "error" in e]


# -- the corpus itself -----------------------------------------------------------------------

def test_corpus_has_at_least_30_files_all_with_expectations():
    files = sorted(p.name for p in FILLED.iterdir() if p.suffix in (".xlsx", ".xlsm"))
    assert len(files) >= 30
    assert files == sorted(BY_NAME), "every corpus file needs an expectation and every expectation a file"


def test_corpus_mix():
    """What issue 4 asks for: template edits of every form, ≥ 5 mappable official-layout tables, an
    unmappable one, a VBA project with a button, an image with a chart."""
    template_forms = {e["form"] for e in EXPECTED if e["layout"] == "template"}
    assert template_forms >= {"dept", "project", "goals", "hubei", "yunnan", "dept-40-20-20"}
    assert sum(1 for e in READABLE if e["layout"] == "foreign") >= 5
    assert UNREADABLE
    with zipfile.ZipFile(FILLED / "t26-dept-40-20-20-vba-button.xlsm") as z:
        names = z.namelist()
        assert "xl/vbaProject.bin" in names
        assert any(n.startswith("xl/ctrlProps/") for n in names)  # the form-control button
    with zipfile.ZipFile(FILLED / "t24-project-image-and-chart.xlsx") as z:
        names = z.namelist()
        assert any(n.startswith("xl/media/") for n in names)
        assert any(n.startswith("xl/charts/chart") for n in names)


# -- every file: scores and issues ----------------------------------------------------------

@pytest.mark.parametrize("expected", _params(READABLE))
def test_scores_and_issues(expected):
    path = FILLED / expected["file"]
    before = _sha(path)
    result = api.check_workbook(path)
    assert _sha(path) == before, "checking must not modify the workbook"
    card = result.card
    assert card.form.id == expected["form"]
    assert result.reading.kind == expected["layout"]
    got = {
        "total": fmt(card.total), "grade": card.grade,
        "stated_total": None if card.stated_total is None else fmt(card.stated_total),
        "stated_grade": card.stated_grade,
        "issues": sorted(_issues(result)),
    }
    for k in ("unit", "year"):  # unit and year as the table writes them (collect finds duplicates by them)
        if k in expected:
            got[k], = [getattr(result.filing, k)]
    want = {k: expected[k] for k in ("total", "grade", "stated_total", "stated_grade", "unit", "year") if k in expected}
    want["issues"] = sorted(tuple(i) for i in expected["issues"])
    assert got == want


@pytest.mark.parametrize("expected", _params(UNREADABLE))
def test_unmappable_files_fail_clearly(expected):
    path = FILLED / expected["file"]
    before = _sha(path)
    with pytest.raises(WorkbookError) as info:
        api.check_workbook(path)
    assert expected["error"] in str(info.value)
    assert path.name in str(info.value), "the message names the file"
    assert _sha(path) == before


# -- the command line is the same code path ----------------------------------------------------

CLI_SAMPLE = ["t03-dept-row-inserted-copied.xlsx", "t23-project-stale-cache-openpyxl.xlsx",
              "t26-dept-40-20-20-vba-button.xlsm", "t27-goals-seed001-stated-typed.xlsx",
              "f02-seed002-title-rows-second-sheet.xlsx", "f05-yunnan-criteria-table.xlsx"]


@pytest.mark.parametrize("name", CLI_SAMPLE)
def test_cli_check_json_equals_library(name):
    path = str(FILLED / name)
    before = _sha(Path(path))
    run = CliRunner().invoke(cli, ["check", "--json", path])
    result = api.check_workbook(path)
    assert run.exit_code == (0 if result.report.valid else 1), run.output
    assert json.loads(run.output) == [json.loads(json.dumps(result.to_dict(), ensure_ascii=False))]
    assert _sha(Path(path)) == before


def test_cli_reports_unreadable_file_in_json(tmp_path):
    from xltools.cli import main
    entry = UNREADABLE[0]
    path = str(FILLED / entry["file"])
    run = CliRunner().invoke(cli, ["check", "--json", path])
    assert run.exit_code == 2  # unusable input, as `score` says for the same file (README's exit codes)
    for args in (["check", path], ["score", path, "-o", str(tmp_path / "out.xlsx")]):
        with pytest.raises(SystemExit) as info:
            main(args)
        assert info.value.code == 2, args
    [outcome] = json.loads(run.output)
    assert outcome["valid"] is False and entry["error"] in outcome["error"]["message"]


def test_cli_checks_the_whole_folder():
    run = CliRunner().invoke(cli, ["check", "--json", "--quiet", str(FILLED)])
    outcomes = json.loads(run.output)
    assert len(outcomes) == len(EXPECTED)
    assert run.exit_code == 2  # the corpus has files that cannot be read (and files with errors)


# -- issue 13: other people's tables ------------------------------------------------------------

HAND = [e for e in EXPECTED if e["file"].startswith(("h", "s"))]


def test_hand_typed_foreign_tables_cover_issue_13():
    """≥ 20 foreign tables typed by hand (tests/corpus/hand.py), every shipped form a unit fills by hand among
    them, and each seed report's table: 000, 001, 003, 004 here, 002 as f01/f02."""
    assert len(HAND) >= 20
    assert all(e["layout"] == "foreign" and "unit" in e and "year" in e for e in HAND)
    assert {e["form"] for e in HAND} >= {"dept", "project", "goals", "hubei", "yunnan"}
    assert {e["file"][:3] for e in HAND if e["file"].startswith("s")} == {"s00", "s01", "s03", "s04"}
    assert "f01-seed002-annex-as-printed.xlsx" in BY_NAME


def test_seed_slips_are_reported():
    """001: 4337.21 above 437.21 and its stated 93; 000: parts that do not add up; 004: weights adding to 96."""
    s01 = api.check_workbook(FILLED / "s01-seed001-goals.xlsx")
    assert ("自评表!E5", "subamount-exceeds-total") in _issues(s01) and s01.card.stated_total == 93
    assert ("自评表!G22", "total-differs") in _issues(s01)
    s00 = api.check_workbook(FILLED / "s00-seed000-level-weighted.xlsx")
    assert {"total-differs", "rate-differs"} <= s00.report.codes() and fmt(s00.card.total) == "89"
    s04 = api.check_workbook(FILLED / "s04-seed004-yunnan-official.xlsx")
    [weights] = [i for i in s04.report.issues if i.code == "total-weight"]
    assert "96" in weights.message and weights.location.cell == "C37"
    assert fmt(s04.card.total) == "95.5" and s04.card.grade == "优"


def test_percent_cells_print_as_percentages():
    result = api.check_workbook(FILLED / "h07-dept-percent-cells.xlsx")
    [rate] = [i for i in result.report.issues if i.code == "rate-differs"]
    assert "97.5%" in rate.message and "0.975" not in rate.message


def test_location_without_a_cell_is_chinese():
    from xltools.validation import Location
    assert str(Location("效益指标", "weight")) == "效益指标 分值"
    assert str(Location("资金情况", "total.spent")) == "资金情况 年度资金总额 全年执行数"
    assert str(Location("产出指标/数量指标/案件", "score")) == "产出指标·数量指标·案件 得分"
    assert "weight" not in str(Location("总分", "weight"))


@pytest.mark.parametrize("text,name,weight,title", [
    ("目标1（30分）市容市貌督察管理", "目标1", "30", "市容市貌督察管理"),
    ("目标1：市容市貌督察管理（30分）", "目标1", "30", "市容市貌督察管理"),
    ("目标一 市容市貌督察管理 (30分)", "目标1", "30", "市容市貌督察管理"),
    ("目标十二", "目标12", None, ""),
    ("目标1", "目标1", None, ""),
    ("数量指标（20分）", "数量指标", "20", ""),
    ("产出指标 (50分)", "产出指标", "50", ""),
    ("绩效目标可行性(2分)", "绩效目标可行性", "2", ""),
    ("完成督察面积（≥380平方公里）", "完成督察面积（≥380平方公里）", None, ""),
])
def test_labels_with_points_and_goal_names(text, name, weight, title):
    from decimal import Decimal
    from xltools.xlsx.foreign import split_label
    got = split_label(text)
    assert (got.name, got.weight, got.title) == (name, None if weight is None else Decimal(weight), title)


@pytest.mark.parametrize("rows,unit,year", [
    ([["某区城市管理局2023年度部门整体支出绩效自评表"]], "某区城市管理局", 2023),
    ([["部门整体支出绩效自评表（2023年度）"], ["部门名称", "", "某区城管局"]], "某区城管局", 2023),
    ([["自评表"], ["单位名称：某区城管执法大队"], ["年度：2022"]], "某区城管执法大队", 2022),
    ([["自评表"], ["填报单位（盖章）：某区环卫所", "", "单位：万元"], ["年度", 2021]], "某区环卫所", 2021),
    ([["附件2：2023年度自评表"], ["预算单位：", "某中心"]], "某中心", 2023),
    ([["2022年城管督察大队部门整体绩效自评表"], ["填报日期：2023年3月1日"]], "", 2022),
    ([["某局部门整体支出绩效自评表"], ["填报日期：2024年3月1日"]], "", None),
])
def test_unit_and_year_in_every_usual_writing(rows, unit, year):
    from xltools.xlsx.foreign import unit_year
    from xltools.xlsx.package import CellData, Grid
    cells = {(r, c): CellData(float(v) if isinstance(v, int) else v)
             for r, row in enumerate(rows) for c, v in enumerate(row) if v not in ("", None)}
    grid = Grid("t", cells, max_row=len(rows))
    assert unit_year(grid, len(rows)) == (unit, year)
