"""The CLI: exit codes, output, and --json equal to the library's own dicts."""
import json

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
