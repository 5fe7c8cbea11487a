"""The CLI: exit codes, output, and --json equal to the library's own dicts."""
import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from xltools import api
from xltools.cli import cli, main


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_help_lists_commands():
    result = run("--help")
    assert result.exit_code == 0
    assert "forms" in result.output and "demo" in result.output


def test_forms_lists_the_five_forms_and_the_preset():
    result = run("forms")
    assert result.exit_code == 0
    for form_id in ("dept", "project", "goals", "hubei", "yunnan", "dept-40-20-20"):
        assert form_id in result.output
    assert "产出指标 50" in result.output


def test_forms_json_equals_library():
    result = run("forms", "--json")
    data = json.loads(result.output)
    assert data == [{k: v for k, v in r.items() if k != "weights_text"} for r in api.forms()]
    yunnan = next(f for f in data if f["id"] == "yunnan")
    assert yunnan["weights"] == {"投入": 30, "过程": 20, "产出": 30, "效果": 20}


def test_demo_prints_total_and_grade():
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "总分 100  等级 优" in result.output
    assert "执行率 100%" in result.output


def test_demo_json_equals_library():
    result = run("demo", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == json.loads(json.dumps(api.demo().to_dict(), ensure_ascii=False))
    data = json.loads(result.output)
    assert data["scores"]["total"] == 100 and data["valid"] is True


def test_unknown_command_is_a_usage_error():
    assert run("nonsense").exit_code == 2


def test_library_errors_become_chinese_message_and_exit_2(capsys, monkeypatch):
    from xltools.errors import SpecError

    def boom():
        raise SpecError("没有名为“x”的表式")
    monkeypatch.setattr(api, "forms", boom)
    try:
        main(["forms"])
    except SystemExit as exc:
        assert exc.code == 2
    err = capsys.readouterr().err
    assert "错误：没有名为“x”的表式" in err and "Traceback" not in err


# click's own usage errors, through the real entry point: Chinese, exit 2, usage and help hint kept
USAGE_ERRORS = [
    (["new", "dept", "-o", "x.xlsx", "--foo"], "没有选项 --foo", "No such option"),
    (["new", "dept"], "缺少选项 -o/--output", "Missing option"),
    (["report", "-o", "x.md"], "缺少参数 工作簿", "Missing argument"),
    (["collect", "x.xlsx", "-o", "s.xlsx", "--workers", "0"], "--workers 的值无效：0 超出允许范围", "is not in the range"),
    (["report", __file__, "-o", "x", "--format", "rtf"], "--format 的值无效：'rtf' 不是可选的值（可选：'docx', 'md', 'pdf'）", "is not one of"),
    (["forms", "extra"], "多余的参数：extra", "unexpected extra argument"),
]


@pytest.mark.parametrize("args, chinese, english", USAGE_ERRORS, ids=[e for *_, e in USAGE_ERRORS])
def test_click_usage_errors_are_chinese_with_exit_2(args, chinese, english, tmp_path):
    out = subprocess.run([sys.executable, "-c", "from xltools.cli import main; main()", *args],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 2 and out.stdout == ""
    assert f"错误：{chinese}" in out.stderr, out.stderr
    assert f"用法：xltools {args[0]} [选项]" in out.stderr and f"查看帮助：xltools {args[0]} --help" in out.stderr
    for english_text in (english, "Error:", "Usage:", "Try '", "Traceback", "OPTIONS"):
        assert english_text not in out.stderr


def test_usage_messages_cover_clicks_other_wordings():
    from xltools.cli import usage_message
    assert usage_message(click.UsageError("No such command 'x'.")) == "没有命令 'x'"
    assert usage_message(click.BadOptionUsage("-o", "Option '-o' requires an argument.")) == "选项 -o 后面缺少值"
    assert usage_message(click.BadParameter("'a' is not a valid integer range.", param_hint="--year")) == \
        "--year 的值无效：'a' 不是整数"
    assert usage_message(click.UsageError("没有找到要校验的 .xlsx/.xlsm 文件")) == "没有找到要校验的 .xlsx/.xlsm 文件"


# -- issue 17: nothing overwritten without --force, report -o a.pdf, Chinese help, missing files ---------

def _in_process(args, cwd):
    return subprocess.run([sys.executable, "-c", "from xltools.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd)


def test_no_command_overwrites_an_existing_file_without_force(tmp_path):
    from pathlib import Path
    filled = Path(__file__).parent.parent / "workbooks" / "example-zhuzhou-2021.xlsx"
    target = tmp_path / "已填好的表.xlsx"
    target.write_bytes(filled.read_bytes())
    report = tmp_path / "报告.md"
    report.write_text("我写了一半的报告", encoding="utf-8")
    for args in (["new", "dept", "-o", target.name], ["score", str(filled), "-o", target.name],
                 ["report", str(filled), "-o", report.name], ["demo", "--report", report.name],
                 ["collect", str(filled), "-o", target.name]):
        out = _in_process(args, tmp_path)
        assert out.returncode == 2, (args, out.stderr)
        assert "已存在，没有覆盖" in out.stderr and "--force" in out.stderr and "Traceback" not in out.stderr, args
        assert target.read_bytes() == filled.read_bytes() and report.read_text(encoding="utf-8") == "我写了一半的报告"
    assert _in_process(["new", "dept", "-o", target.name, "--force"], tmp_path).returncode == 0
    assert target.read_bytes() != filled.read_bytes()
    assert _in_process(["report", str(filled), "-o", report.name, "--force"], tmp_path).returncode == 0
    assert report.read_text(encoding="utf-8").startswith("# ")


def test_report_to_pdf_is_a_pdf(soffice, tmp_path):
    from pathlib import Path
    filled = Path(__file__).parent.parent / "workbooks" / "example-zhuzhou-2021.xlsx"
    out = _in_process(["report", str(filled), "-o", "a.pdf"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"
    assert not list(tmp_path.glob("*.docx"))  # no stray Word file beside it


def test_report_to_pdf_without_libreoffice_says_what_to_do(tmp_path, monkeypatch):
    from pathlib import Path

    from xltools import soffice
    monkeypatch.setattr(soffice, "soffice_path", lambda: None)
    filled = Path(__file__).parent.parent / "workbooks" / "example-zhuzhou-2021.xlsx"
    with pytest.raises(SystemExit) as exit_:
        main(["report", str(filled), "-o", str(tmp_path / "a.pdf")])
    assert exit_.value.code == 2 and not (tmp_path / "a.pdf").exists()


def _commands(group, path=()):
    for name in group.list_commands(None):
        command = group.get_command(None, name)
        yield path + (name,)
        if isinstance(command, click.Group):
            yield from _commands(command, path + (name,))


#: What may stay Latin in a help text: command and option names, file types, products, values.
ALLOWED = {"xltools", "excel", "Excel", "WPS", "LibreOffice", "JSON", "CSV", "YAML", "UTF", "BOM", "xlwings", "Python",
           "docx", "md", "pdf", "xlsx", "xlsm", "xlam", "yaml", "csv", "dept", "Word", "PDF", "workbooks", "dist",
           "CPU", "Windows", "wheel", "macOS", "jixiao"}


def test_help_of_every_command_is_in_chinese():
    import re
    commands = [()] + list(_commands(cli))
    assert len(commands) >= 14
    for path in commands:
        result = CliRunner().invoke(cli, [*path, "--help"], prog_name="xltools")
        assert result.exit_code == 0, path
        text = result.output
        names = set(path) | set(cli.list_commands(None)) | {"build", "install", "uninstall", "bundle"}
        text = re.sub(r"--?[\w-]+|[\w./-]*[./][\w./-]+|\[[\w|]+\]", " ", text)  # options, files, choices
        english = {w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED | names}
        assert not english, (path, english)
        assert "用法：" in result.output and "选项：" in result.output and "显示本帮助并退出" in result.output


MISSING = [["check", "无此文件.xlsx"], ["score", "无此文件.xlsx", "-o", "x.xlsx"], ["report", "无此文件.xlsx", "-o", "x.md"],
           ["new", "dept", "--data", "无此文件.yaml", "-o", "x.xlsx"], ["new", "无此文件.yaml", "-o", "x.xlsx"],
           ["new", "dept", "--preset", "无此文件.yaml", "-o", "x.xlsx"], ["collect", "无此文件.xlsx", "-o", "x.xlsx"],
           ["distribute", "无此文件.xlsx", "-o", "d"]]


@pytest.mark.parametrize("args", MISSING, ids=[a[0] + str(i) for i, a in enumerate(MISSING)])
def test_a_missing_file_is_exit_2_in_chinese(args, tmp_path):
    out = _in_process(args, tmp_path)
    assert out.returncode == 2, out.stderr
    assert "无此文件" in out.stderr and ("找不到" in out.stderr or "不存在" in out.stderr), out.stderr
    for english in ("No such file", "Traceback", "Error:", "does not exist"):
        assert english not in out.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
@pytest.mark.parametrize("name", ["x.docx", "x.md", "nope/x.docx"])
def test_report_to_an_unwritable_place_says_so_in_chinese(name, capsys):
    """/proc takes no new files: the draft is written through xltools.atomic, so the user reads
    which file could not be written (exit 2), not a Python traceback (exit 1)."""
    from pathlib import Path
    filled = Path(__file__).parent.parent / "workbooks" / "example-zhuzhou-2021.xlsx"
    with pytest.raises(SystemExit) as exit_:
        main(["report", str(filled), "-o", f"/proc/{name}"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.startswith("错误：/proc/") and "无法" in err and "Traceback" not in err
