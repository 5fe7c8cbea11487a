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
    (["report", "-o", "x.md"], "缺少参数 PATH", "Missing argument"),
    (["collect", "x.xlsx", "-o", "s.xlsx", "--workers", "0"], "--workers 的值无效：0 超出允许范围", "is not in the range"),
    (["report", __file__, "-o", "x", "--format", "pdf"], "--format 的值无效：'pdf' 不是可选的值（可选：'docx', 'md'）", "is not one of"),
    (["forms", "extra"], "多余的参数：extra", "unexpected extra argument"),
]


@pytest.mark.parametrize("args, chinese, english", USAGE_ERRORS, ids=[e for *_, e in USAGE_ERRORS])
def test_click_usage_errors_are_chinese_with_exit_2(args, chinese, english, tmp_path):
    out = subprocess.run([sys.executable, "-c", "from xltools.cli import main; main()", *args],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 2 and out.stdout == ""
    assert f"错误：{chinese}" in out.stderr, out.stderr
    assert f"用法：xltools {args[0]} [OPTIONS]" in out.stderr and f"查看帮助：xltools {args[0]} --help" in out.stderr
    for english_text in (english, "Error:", "Usage:", "Try '", "Traceback"):
        assert english_text not in out.stderr


def test_usage_messages_cover_clicks_other_wordings():
    from xltools.cli import usage_message
    assert usage_message(click.UsageError("No such command 'x'.")) == "没有命令 'x'"
    assert usage_message(click.BadOptionUsage("-o", "Option '-o' requires an argument.")) == "选项 -o 后面缺少值"
    assert usage_message(click.BadParameter("'a' is not a valid integer range.", param_hint="--year")) == \
        "--year 的值无效：'a' 不是整数"
    assert usage_message(click.UsageError("没有找到要校验的 .xlsx/.xlsm 文件")) == "没有找到要校验的 .xlsx/.xlsm 文件"
