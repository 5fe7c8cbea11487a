"""Templates: up to date, complete cached values, names, validation, protection, CLI."""
import re
import zipfile
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xltools.cli import cli
from xltools.filing import load_filing
from xltools.model import Filing
from xltools.spec import load_form
from xltools.template import build_standard, new_workbook, standard_set
from compare import diff
from xltools.xlsx.layout import SHEET, build_layout, defined_names
from xltools.xlsx.writer import write_workbook

ROOT = Path(__file__).parent.parent
WORKBOOKS = ROOT / "workbooks"
EXAMPLE = WORKBOOKS / "example-zhuzhou-2021.xlsx"


def test_workbooks_are_up_to_date(tmp_path):
    """Golden files: the committed templates equal a fresh build, part by part (regenerate with
    `xltools templates` and review the diff)."""
    fresh = build_standard(tmp_path)
    assert sorted(p.name for p in fresh) == sorted(p.name for p in WORKBOOKS.glob("*.xlsx"))
    for path in fresh:
        assert diff(WORKBOOKS / path.name, path) == [], f"{path.name} is stale: run `xltools templates`"


def test_golden_compare_sees_a_layout_change(tmp_path):
    filing = Filing(form=load_form("dept"))
    write_workbook(tmp_path / "a.xlsx", filing, rows=2)
    write_workbook(tmp_path / "b.xlsx", filing, rows=3)
    assert "xl/worksheets/sheet1.xml: differs" in diff(tmp_path / "a.xlsx", tmp_path / "b.xlsx")


@pytest.mark.parametrize("name", [n for n, _ in standard_set()])
def test_every_formula_has_a_cached_value(name):
    with zipfile.ZipFile(WORKBOOKS / name) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    cells = re.findall(r"<c ([^>]*[^/>])>(.*?)</c>", xml)
    formulas = [(attrs, c) for attrs, c in cells if "<f>" in c]
    assert formulas
    for attrs, cell in formulas:
        value = re.search(r"<v>(.*?)</v>", cell)
        # an empty <v> is XlsxWriter's cached "": only the 总分/等级 of a template with nothing typed show blank
        assert value and (value.group(1) != "" or '=0,"",ROUND(' in cell or ',"")</f>' in cell), cell


def test_readers_see_the_numbers():
    """openpyxl, pandas and calamine read real numbers from the cached values."""
    book = openpyxl.load_workbook(EXAMPLE, data_only=True)
    ws = book[SHEET]
    names = {n: book.defined_names[n].attr_text for n in book.defined_names}
    total_ref = names["XL_TOTAL_SCORE"].split("!")[1].replace("$", "")
    grade_ref = names["XL_GRADE"].split("!")[1].replace("$", "")
    rate_ref = names["XL_FUND_RATE"].split("!")[1].replace("$", "")
    assert ws[total_ref].value == 100 and ws[grade_ref].value == "优" and ws[rate_ref].value == 1
    import pandas as pd
    frame = pd.read_excel(EXAMPLE, sheet_name=SHEET, header=None, engine="openpyxl")
    row, col = openpyxl.utils.cell.coordinate_to_tuple(total_ref)
    assert frame.iat[row - 1, col - 1] == 100
    calamine = pytest.importorskip("python_calamine")
    sheet = calamine.CalamineWorkbook.from_path(str(EXAMPLE)).get_sheet_by_name(SHEET).to_python()
    assert sheet[row - 1][col - 1] == 100


def test_defined_names_point_at_the_layout():
    layout = build_layout(load_filing(ROOT / "xltools/data/zhuzhou-2021.yaml").form, rows=1)
    book = openpyxl.load_workbook(EXAMPLE)
    expected = defined_names(layout)
    assert set(expected) <= set(book.defined_names)
    for must in ("XL_UNIT", "XL_YEAR", "XL_FUND_TOTAL_BUDGET", "XL_FUND_RATE", "XL_FUND_SCORE", "XL_IND_TARGET",
                 "XL_IND_ACTUAL", "XL_IND_SCORE", "XL_IND_KEY", "XL_TOTAL_SCORE", "XL_GRADE", "XL_SUMMARY"):
        assert must in book.defined_names
    ws = book[SHEET]
    unit = book.defined_names["XL_UNIT"].attr_text.split("!")[1].split(":")[0].replace("$", "")
    assert ws[unit].value == "株洲市城市管理综合行政执法支队"


def test_inputs_unlocked_formulas_locked_sheet_protected():
    book = openpyxl.load_workbook(EXAMPLE)
    ws = book[SHEET]
    assert ws.protection.sheet and not ws.protection.password
    layout = build_layout(load_filing(ROOT / "xltools/data/zhuzhou-2021.yaml").form, rows=1)
    slot = layout.slots[0]
    cell = lambda key: ws.cell(slot.row + 1, layout.c(key) + 1)  # noqa: E731
    assert cell("score").value.startswith("=IF(") and cell("score").protection.locked
    assert cell("rule_score").protection.locked
    for key in ("target", "actual", "reason", "manual", "weight", "op"):
        assert not cell(key).protection.locked, key
    def validated(r, c):
        return any(ws.cell(r + 1, c + 1).coordinate in dv.sqref for dv in ws.data_validations.dataValidation)

    def marked(r, c):
        return any(ws.cell(r + 1, c + 1).coordinate in cf.sqref for cf in ws.conditional_formatting)
    for key in ("op", "weight", "manual", "band"):
        assert validated(slot.row, layout.c(key)) and validated(layout.slots[-1].row, layout.c(key)), key
    for name, r in layout.funding_rows.items():  # amounts: numbers ≥ 0; spent ≤ budget; sources ≤ total
        for column in ("initial", "budget", "spent"):
            assert validated(r, layout.FUNDING_VALUE_COLS[column]), (name, column)
            assert marked(r, layout.FUNDING_VALUE_COLS[column]) == (name != "total" or column == "spent"), (name, column)
    for r in layout.summary_rows.values():
        assert marked(r, layout.summary_cols["weights"])
    assert marked(slot.row, layout.c("reason")) and marked(layout.slots[-1].row, layout.c("manual"))
    assert ws.freeze_panes
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.paperSize == 9  # national: one A4 page
    assert ws.print_title_rows


def test_password_option(tmp_path):
    out = new_workbook("dept", tmp_path / "p.xlsx", password="abc")
    assert openpyxl.load_workbook(out)[SHEET].protection.password


def test_values_keep_their_units_and_operators():
    book = openpyxl.load_workbook(EXAMPLE)
    ws = book[SHEET]
    layout = build_layout(load_filing(ROOT / "xltools/data/zhuzhou-2021.yaml").form, rows=1)
    row = layout.slots[0].row + 1
    assert ws.cell(row, layout.c("op") + 1).value == "≥"
    target = ws.cell(row, layout.c("target") + 1)
    assert target.value == 100 and target.number_format == '0"件"'
    actual = ws.cell(layout.slots[-1].row + 1, layout.c("actual") + 1)
    assert actual.value == 0.93 and actual.number_format == "0%"


def test_qualitative_text_stays_visible():
    book = openpyxl.load_workbook(EXAMPLE)
    values = [c.value for row in book[SHEET].iter_rows() for c in row]
    for text in ("整洁、有序、舒适", "效果显著", "全年365天，全天24小时，无缝隙执", "不超预算"):
        assert text in values


def test_meta_sheet_carries_the_spec():
    book = openpyxl.load_workbook(WORKBOOKS / "yunnan.xlsx")
    meta = book["_xltools"]
    assert meta.sheet_state == "hidden"
    assert meta["B2"].value == "yunnan"
    import json
    from xltools.spec import form_from_dict
    text = "".join(c.value for (c,) in meta.iter_rows(min_row=4, max_col=1) if c.value is not None)
    assert form_from_dict(json.loads(text)) == load_form("yunnan")


def test_cli_new_with_options(tmp_path):
    out = tmp_path / "安宁.xlsx"
    result = CliRunner().invoke(cli, ["new", "yunnan", "-o", str(out), "--unit", "安宁市城市管理综合服务中心",
                                      "--year", "2023"])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)[SHEET]
    values = [c.value for row in ws.iter_rows(max_row=3) for c in row]
    assert "安宁市城市管理综合服务中心" in values and 2023 in values
    assert "2023年度部门整体支出绩效评价表（云南）" in values


def test_cli_new_preset_and_rows(tmp_path):
    out = tmp_path / "d.xlsx"
    result = CliRunner().invoke(cli, ["new", "project", "-o", str(out), "--preset", "dept-40-20-20", "--rows", "3"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out, data_only=True)
    ws = book[SHEET]
    ref = book.defined_names["XL_FUND_WEIGHT"].attr_text.split("!")[1].replace("$", "")
    assert ws[ref].value == 20
    layout = build_layout(load_form("project"), rows=3)
    assert len(layout.slots) == 9 * 3


def test_cli_new_with_data(tmp_path):
    out = tmp_path / "zz.xlsx"
    data = ROOT / "xltools/data/zhuzhou-2021.yaml"
    result = CliRunner().invoke(cli, ["new", "dept", "-o", str(out), "--data", str(data), "--rows", "1"])
    assert result.exit_code == 0, result.output
    assert diff(out, EXAMPLE) == []


@pytest.mark.parametrize("args,code", [
    (["new", "nope", "-o", "x.xlsx"], 2),
    (["new", "dept"], 2),
    (["new", "dept", "-o", "x.xlsx", "--rows", "99"], 2),
    (["new", "dept", "-o", "x.xlsx", "--year", "1900"], 2),
])
def test_cli_new_usage_errors(tmp_path, args, code):
    from xltools.cli import main
    import os
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == code
    finally:
        os.chdir(cwd)


def test_derived_leaves_compute_from_their_inputs(tmp_path):
    from xltools.filing import filing_from_dict
    filing = filing_from_dict({"form": "hubei", "indicators": [
        {"path": "运行成本/公用经费控制/公用经费控制率", "inputs": {"实际公用经费": 11.70, "预算公用经费": 13.72}}]})
    layout, card = write_workbook(tmp_path / "h.xlsx", filing)
    ws = openpyxl.load_workbook(tmp_path / "h.xlsx", data_only=True)[SHEET]
    slot = next(s for s in layout.slots if s.key == "运行成本/公用经费控制/公用经费控制率")
    assert ws.cell(slot.row + 1, layout.c("actual") + 1).value == 0.8528
    assert card.leaf(slot.key).score == D(5)
