"""The ``xltools`` command line.  Each command calls one function of :mod:`xltools.api`;
library errors become a Chinese message and exit code 2 in one place (:func:`main`).

Exit codes: 0 ok, 1 validation failures, 2 usage errors or unusable input.
"""
from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import click

from . import api
from .cli_options import (
    bureau_form,
    echo_paths,
    emit_json,
    force_option,
    form_option,
    json_option,
    output_dir_option,
    quiet_option,
)
from .clitext import VERSION_HELP, VERSION_MESSAGE, CnGroup
from .console import table
from .errors import XltoolsError, XltoolsHint, refuse_overwrite
from .num import fmt, pct


@click.group(cls=CnGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xltools", message=VERSION_MESSAGE, help=VERSION_HELP)
def cli():
    """xltools：绩效自评表的表样、校验、评分与汇总工具。"""


@cli.command("forms")
@json_option
def forms_cmd(as_json):
    """列出内置表式及其分值。"""
    rows = api.forms()
    if as_json:
        emit_json([{k: v for k, v in r.items() if k != "weights_text"} for r in rows])
        return
    click.echo(table(["表式", "名称", "分值", "内置三级指标"],
                     [(r["id"], r["title"], r["weights_text"], r["leaves"]) for r in rows]))


@cli.command("demo")
@json_option
@click.option("--report", "report_path", type=click.Path(dir_okay=True),
              help="同时起草自评报告（.docx、.md 或 .pdf）。")
@force_option
def demo_cmd(as_json, report_path, force):
    """给种子示例（株洲市城市管理综合行政执法支队 2021 年自评表）重新评分。"""
    result = api.demo()
    if report_path:
        path = _draft(result, report_path, None, force)
        click.echo(f"已起草 {path}", err=True)
    if as_json:
        emit_json(result.to_dict())
    else:
        click.echo(render_result(result))
    sys.exit(0 if result.report.valid else 1)


@cli.command("new")
@click.argument("form", metavar="表式")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="输出的 .xlsx 文件。")
@click.option("--unit", default="", help="单位（部门/项目）名称。")
@click.option("--year", type=click.IntRange(2000, 2100), help="年度。")
@click.option("--preset", help="分值预设（内置名称如 dept-40-20-20，或 .yaml 文件）。")
@click.option("--rows", type=click.IntRange(0, 50), default=2, show_default=True,
              help="每个二级指标至少留出的三级指标行数。")
@click.option("--data", type=click.Path(exists=True, dir_okay=False), help="预填数据文件（YAML）。")
@click.option("--password", default=None, help="工作表保护密码（默认保护但不设密码）。")
@force_option
def new_cmd(form, output, unit, year, preset, rows, data, password, force):
    """生成“表式”的模板（表式：内置表式名称，或 .yaml 表式文件）。"""
    from .template import new_workbook
    refuse_overwrite([output], force)
    path = new_workbook(form, output, unit=unit, year=year, preset=preset, rows=rows, data=data, password=password)
    click.echo(f"已生成 {path}", err=True)


@cli.command("templates")
@output_dir_option("workbooks")
def templates_cmd(output):
    """重新生成标准模板（workbooks/ 目录：各表式空白模板和株洲示例）。"""
    from .template import build_standard
    echo_paths(build_standard(output))


@cli.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(), metavar="文件或文件夹...")
@json_option
@quiet_option
@form_option
def check_cmd(paths, as_json, quiet, form):
    """校验并重新评分工作簿（.xlsx/.xlsm，可给文件夹），列出每个问题所在的单元格。

    退出码：0 没有错误；1 有文件存在错误；2 用法错误或有文件无法读取（与 score 相同）。
    """
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise click.UsageError(f"找不到 {'、'.join(missing)}：请检查路径")
    from .collect import find_files  # folders: .xls/.et/.ods … too, each reported as collect does
    files = find_files(paths)
    if not files:
        raise click.UsageError("没有找到要校验的 .xlsx/.xlsm 文件")
    form = bureau_form(form)
    outcomes, failed, unusable = [], False, False
    for i, path in enumerate(files, 1):
        if not quiet and len(files) > 1:
            click.echo(f"[{i}/{len(files)}] {path}", err=True)
        try:
            result = api.check_file(path, form)
        except XltoolsError as exc:
            unusable = True
            outcomes.append({"source": str(path), "valid": False, "error": {"code": exc.code, "message": str(exc)}})
            if not as_json:
                click.echo(f"{path}\n  无法读取：{exc}\n")
            continue
        failed = failed or not result.report.valid
        outcomes.append(result.to_dict())
        if not as_json:
            click.echo(render_check(result))
    if as_json:
        emit_json(outcomes)
    sys.exit(2 if unusable else 1 if failed else 0)


@cli.command("score")
@click.argument("path", type=click.Path(exists=True, dir_okay=False), metavar="工作簿")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="写入结果的新文件。")
@click.option("--in-place", is_flag=True, help="直接写回原文件（先备份为 *.bak.xlsx）。")
@json_option
@force_option
@form_option
def score_cmd(path, output, in_place, as_json, force, form):
    """重新评分并写回：恢复公式和得分，在有问题的单元格上标色、加批注，并生成“校验结果”工作表。

    原文件除非用 --in-place 否则不改动；工作簿中的其他内容（宏、按钮、图片、图表、批注、样式）原样保留。
    """
    if in_place == bool(output):
        raise click.UsageError("请用 -o 指定输出文件，或用 --in-place 直接写回原文件，二者选一。")
    if output:
        refuse_overwrite([output], force)
    result, dst = api.score_workbook(path, output, in_place=in_place, form=bureau_form(form))
    if as_json:
        emit_json({**result.to_dict(), "output": str(dst)})
    else:
        click.echo(render_check(result))
        click.echo(f"已写入 {dst}", err=True)
    sys.exit(0 if result.report.valid else 1)


@cli.command("report")
@click.argument("path", type=click.Path(exists=True, dir_okay=False), metavar="工作簿")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="输出文件（.docx、.md 或 .pdf）或文件夹。")
@click.option("--format", "fmt", type=click.Choice(["docx", "md", "pdf"]), default=None,
              help="docx（默认）、md 或 pdf（经 LibreOffice 转换）；不写时按输出文件扩展名判断。")
@force_option
@form_option
def report_cmd(path, output, fmt, force, form):
    """按工作簿（或数据文件）起草自评报告：数字全部来自重新计算，文字部分留待填写。"""
    result = api.check_file(path, bureau_form(form))
    out = _draft(result, output, fmt, force)
    click.echo(f"已起草 {out}", err=True)
    if not result.report.valid:
        click.echo(f"注意：自评表有 {len(result.report.errors)} 个错误，已列在报告的起草说明中，请先更正。", err=True)
        sys.exit(1)


def _draft(result, output, fmt, force=False):
    from .draft import FORMATS, draft_report
    output = Path(output)
    suffix = output.suffix.lower().lstrip(".")
    fmt = fmt or (suffix if suffix in FORMATS else "docx")
    return draft_report(result, output, fmt, overwrite=force)


def render_check(result: api.Result) -> str:
    card, report = result.card, result.report
    stated = f"（填报 {fmt(card.stated_total)}）" if card.stated_total is not None else ""
    lines = [f"{report.source}", f"  {result.filing.unit or '（未填单位）'}  重新计算总分 {fmt(card.total)}{stated}  等级 {card.grade}"]
    if report.issues:
        rows = [(str(i.location), i.label, i.title, i.message)
                for i in report.issues]
        lines.append(table(["位置", "级别", "问题", "说明"], rows, limits=[16, 0, 20, 80]))
    lines.append("  校验通过" if report.valid else f"  {len(report.errors)} 个错误，{len(report.reviews)} 项待补充")
    return "\n".join(lines) + "\n"


def render_result(result: api.Result) -> str:
    card, filing = result.card, result.filing
    lines = [f"{filing.unit} {filing.year or ''} {card.form.title}".strip(), ""]
    if card.funding:
        f = card.funding
        lines.append(f"资金情况：全年预算数 {fmt(f.budget)} 万元，全年执行数 {fmt(f.spent)} 万元，"
                     f"执行率 {pct(f.rate)}，得分 {fmt(f.score)}/{fmt(f.weight)}")
        lines.append("")
    rows = [(r.key, fmt(r.weight), fmt(r.score), r.explanation) for r in card.leaves]
    lines.append(table(["指标", "分值", "得分", "说明"], rows, limits=[0, 0, 0, 60]))
    lines.append("")
    lines.append("  ".join(f"{g.name} {fmt(g.score)}/{fmt(g.weight)}" for g in card.top_groups()))
    lines.append(f"总分 {fmt(card.total)}  等级 {card.grade}")
    report = result.report
    if report.issues:
        lines.append("")
        lines.append(table(["位置", "问题", "说明"],
                           [(str(i.location), i.code, i.message) for i in report.issues], limits=[30, 0, 70]))
    lines.append("")
    lines.append("校验通过" if report.valid else f"发现 {len(report.errors)} 个错误、{len(report.reviews)} 项待补充")
    return "\n".join(lines)


def _register_more() -> None:
    """Commands that live in their own modules (one room each)."""
    from . import cli_bureau
    from .excel import cli as excel_cli
    cli_bureau.register(cli)
    excel_cli.register(cli)


# click's own English usage messages (click 8.1–8.4) in Chinese; any other text (ours) is kept.
_CLICK_TEXT = [
    (r"(.+) is not in the range (.+)\.", r"\1 超出允许范围（\2）"),
    (r"(.+) is not a valid integer(?: range)?\.", r"\1 不是整数"),
    (r"(.+) is not a valid float(?: range)?\.", r"\1 不是数字"),
    (r"(?:File|Path) (.+) does not exist\.", r"文件 \1 不存在"),
    (r"Directory (.+) does not exist\.", r"文件夹 \1 不存在"),
    (r"\w+ (.+) is a directory\.", r"\1 是文件夹，应为文件"),
    (r"\w+ (.+) is a file\.", r"\1 是文件，应为文件夹"),
    (r"\w+ (.+) is not readable\.", r"\1 无法读取"),
    (r"\w+ (.+) is not writable\.", r"\1 无法写入"),
    (r"(.+) is not (?:one of )?('.*)\.", r"\1 不是可选的值（可选：\2）"),
    (r"No such command (.+)\.", r"没有命令 \1"),
    (r"Got unexpected extra arguments? \((.*)\)", r"多余的参数：\1"),
    (r"Missing command\.", "缺少命令"),
]


def _cn(text: str) -> str:
    for pattern, repl in _CLICK_TEXT:
        if m := re.fullmatch(pattern, text, re.S):
            return m.expand(repl)
    return text


def usage_message(exc: click.UsageError) -> str:
    """The Chinese text of a usage error, built from the exception's attributes."""
    param = getattr(exc, "param", None)
    param_hint = getattr(exc, "param_hint", None)
    if param_hint is not None:
        hint = param_hint if isinstance(param_hint, str) else " / ".join(param_hint)
    elif isinstance(param, click.Option):
        hint = "/".join(param.opts)
    else:
        hint = param.human_readable_name if param is not None else ""
    if isinstance(exc, click.NoSuchOption):
        text = f"没有选项 {exc.option_name}"
    elif isinstance(exc, click.BadOptionUsage):
        text = f"选项 {exc.option_name} " + ("不接受值" if "does not take" in exc.message else "后面缺少值")
    elif isinstance(exc, click.MissingParameter):
        text = f"缺少{'选项' if isinstance(param, click.Option) else '参数'} {hint}".rstrip()
    elif isinstance(exc, click.BadParameter):
        text = f"{hint} 的值无效：{_cn(exc.message)}" if hint else f"值无效：{_cn(exc.message)}"
    else:
        text = _cn(exc.message)
    possibilities = getattr(exc, "possibilities", None)
    if possibilities:
        text += f"（是否想用 {'、'.join(possibilities)}？）"
    return text


def show_usage_error(exc: click.UsageError) -> None:
    ctx = exc.ctx
    if ctx is not None:
        click.echo(re.sub(r"^Usage:\s*", "用法：", ctx.get_usage()), err=True)
        if ctx.command.get_help_option(ctx) is not None:
            click.echo(f"查看帮助：{ctx.command_path} --help\n", err=True)
    click.echo(f"错误：{usage_message(exc)}", err=True)


def main(argv=None):
    """Run the CLI; Chinese hints (:class:`XltoolsHint`) are shown as “提示：” lines on stderr, and no
    other warning text of Python or a library reaches the user."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _main(argv)
        finally:
            shown = set()
            for w in caught:
                text = str(w.message)
                if issubclass(w.category, XltoolsHint) and text not in shown:
                    shown.add(text)
                    click.echo(f"提示：{text}", err=True)


def _main(argv=None):
    try:
        cli.main(args=argv, prog_name="xltools", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已取消", err=True)
        sys.exit(1)
    except click.UsageError as exc:
        if type(exc).show is click.UsageError.show:  # not NoArgsIsHelpError (click 8.2+), which prints the help
            show_usage_error(exc)
        else:
            exc.show()
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"错误：{exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except XltoolsError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    except OSError as exc:  # a file the library did not name itself: still a Chinese message, exit 2
        from .errors import os_reason
        where = f"{exc.filename}：" if exc.filename else ""
        click.echo(f"错误：{where}{os_reason(exc)}。请检查路径、权限和磁盘空间。", err=True)
        sys.exit(2)
    except SystemExit:
        raise
    sys.exit(0)


_register_more()

if __name__ == "__main__":  # pragma: no cover
    main()
