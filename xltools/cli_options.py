"""The options every ``xltools`` command spells the same way (``--json``, ``--quiet``, ``--force``)
and the one way JSON reaches stdout.  Shared by :mod:`xltools.cli` and :mod:`xltools.cli_bureau`."""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import click

json_option = click.option("--json", "as_json", is_flag=True, help="输出 JSON（供程序读取）。")
quiet_option = click.option("--quiet", "-q", is_flag=True, help="不输出进度信息。")
force_option = click.option("--force", is_flag=True,
                            help="输出文件已存在时覆盖它（默认不覆盖，以免冲掉已填好的表）。")

form_option = click.option("--form", "form", type=click.Path(), default=None,
                           help="按此表式评判（内置表式名称或 .yaml 表式文件）；默认按工作簿声明的内置表式。"
                                "工作簿内的表式定义只作比对，从不作为评分规则。")


def bureau_form(form):
    """The form of --form (None: each workbook's shipped form)."""
    from .spec import load_form
    return None if form is None else load_form(form)



def output_dir_option(default: str):
    """``-o`` for the commands that write a set of files into a folder."""
    return click.option("-o", "--output", default=default, show_default=True, type=click.Path(file_okay=False),
                        help="输出目录。")


def echo_paths(paths: Iterable[Path]) -> None:
    """The files a command wrote, one per line on stdout (for scripts)."""
    click.echo("".join(f"{path}\n" for path in paths), nl=False)


def emit_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
