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
