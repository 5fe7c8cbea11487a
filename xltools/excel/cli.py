"""``xltools excel build|install|uninstall|bundle`` — each command calls one function of this package."""
from __future__ import annotations

import click

from ..cli_options import echo_paths, output_dir_option
from ..clitext import CnGroup


@click.group("excel", cls=CnGroup)
def excel():
    """Excel 中的按钮：加载项 xltools.xlam（功能区“绩效自评”）和带按钮的 .xlsm 模板（通过 xlwings）。"""


@excel.command("build")
@output_dir_option("dist/excel")
def build_cmd(output):
    """生成 xltools.xlam 和各标准模板的 .xlsm（带“重新计算/校验/生成报告”按钮）。"""
    from .build import build_all
    echo_paths(build_all(output))


@excel.command("install")
def install_cmd():
    """为当前用户安装加载项（不需要管理员权限）：加载项自带设置，使用当前的 Python，不改动 xlwings 和其他工具的设置。"""
    from .install import install
    for line in install():
        click.echo(line)


@excel.command("uninstall")
def uninstall_cmd():
    """按安装记录撤销安装：删除加载项，恢复被替换的文件（以及早期版本修改过的 xlwings 设置）。"""
    from .install import uninstall
    for line in uninstall():
        click.echo(line)


@excel.command("bundle")
@output_dir_option("dist/xltools-offline")
@click.option("--python", "pythons", multiple=True, metavar="X.Y",
              help="目标电脑的 Python 版本（可重复；默认 3.10–3.13 全部）。")
@click.option("--wheel", type=click.Path(dir_okay=False, exists=True),
              help="xltools-jixiao 的 wheel 文件（默认从源代码目录打包）。")
def bundle_cmd(output, pythons, wheel):
    """离线安装包：加载项、Windows 上各依赖的 wheel、安装脚本（给不能上网的电脑）。"""
    from .bundle import SUPPORTED_PYTHONS, bundle
    folder = bundle(output, pythons or SUPPORTED_PYTHONS, wheel,
                    progress=lambda text: click.echo(text, err=True))
    click.echo(str(folder))


def register(cli) -> None:
    cli.add_command(excel)
