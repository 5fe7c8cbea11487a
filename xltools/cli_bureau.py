"""CLI commands for the finance bureau: distribute templates to units, collect them back.

Each command calls one library function (:func:`xltools.distribute.distribute`,
:func:`xltools.collect.collect` + :func:`xltools.collect.write_summary`); pandas is imported only
when one of them runs, so ``xltools check`` stays light.

Exit codes: 0 every row/file fine; 1 some rows could not be used, or some files have errors or
cannot be read; 2 usage errors or unusable input (the unit list itself unreadable).
"""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from .cli_options import emit_json, force_option, json_option, quiet_option

#: Files listed on the terminal before "…" (the workbook and the manifest have them all).
SHOWN = 30

workers_option = click.option("--workers", type=click.IntRange(1, 256), help="并行进程数（默认为 CPU 核数）。")
year_option = click.option("--year", type=click.IntRange(2000, 2100),
                           help="本轮的年度，如 2024（名单没有“年度”列时必填；年度为空的行用它）。")
timeout_option = click.option("--timeout", type=click.FloatRange(min=0), default=60, show_default=True,
                              help="每个文件最多处理的秒数，超时的文件单独列出原因，其余照常；0 表示不限。")


def register(group: click.Group) -> None:
    """Add the bureau's commands to the main ``xltools`` group."""
    from .errors import refuse_overwrite

    @group.command("distribute")
    @click.argument("units", type=click.Path(), metavar="单位名单")
    @click.option("-o", "--output", "outdir", required=True, type=click.Path(),
                  help="输出文件夹（每个单位一份模板，另有 manifest.csv / manifest.xlsx）。")
    @click.option("--indicators", type=click.Path(),
                  help="各单位的绩效指标表（单位名称、一级指标、二级指标、三级指标、年度指标值、分值）。")
    @year_option
    @workers_option
    @timeout_option
    @quiet_option
    @json_option
    @force_option
    def distribute_cmd(units, outdir, indicators, year, workers, timeout, quiet, as_json, force):
        """按“单位名单”（.xlsx 或 .csv）为每个单位生成预填、受保护的自评表模板。

        名单列：单位名称、单位编码、年度、表式、年初预算数、全年预算数、全年执行数（其余列忽略）。
        名单没有“年度”列时必须用 --year 指定年度。
        不能使用的行写入清单并说明原因，其余照常生成。退出码：0 全部生成；1 有行未生成；2 用法错误。
        """
        from .distribute import MADE, distribute
        folder = Path(outdir)
        if folder.is_dir():  # a second run into the same folder would replace the templates handed out
            refuse_overwrite(sorted(p for p in folder.iterdir() if p.suffix.lower() in (".xlsx", ".csv"))[:3], force)
        with _bar(quiet, "生成模板") as progress:
            manifest = distribute(units, outdir, indicators=indicators, workers=workers, progress=progress,
                                  timeout=timeout, year=year)
        if as_json:
            from .collect import records
            emit_json(records(manifest))
        else:
            made = int((manifest["状态"] == MADE).sum())
            click.echo(f"已生成 {made} 份模板到 {outdir}（清单：manifest.xlsx、manifest.csv）")
            _list([(r["单位"] or "（无名称）", r["状态"], r["原因"]) for r in manifest.to_dict("records") if r["原因"]],
                  ["单位", "状态", "原因"])
        sys.exit(0 if (manifest["状态"] == MADE).all() else 1)

    @group.command("collect")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(), metavar="文件或文件夹...")
    @click.option("-o", "--output", required=True, type=click.Path(),
                  help="汇总工作簿（.xlsx）：打印汇总、汇总、未交、图表、问题清单、指标明细。")
    @click.option("--units", type=click.Path(),
                  help="本轮的单位名单（.xlsx 或 .csv，与 distribute 相同）：列出未交的单位，标出不在名单、年度不符、编码不符的文件。")
    @year_option
    @json_option
    @click.option("--csv", "as_csv", is_flag=True,
                  help="另存汇总、未交、问题清单、指标明细为 UTF-8 CSV（与汇总工作簿同目录；以 = + - @ 开头的文字前加 ' ，防止被当作公式）。")
    @workers_option
    @timeout_option
    @quiet_option
    @force_option
    @click.option("--form", "form", type=click.Path(), default=None,
                  help="按此表式评判每个工作簿（内置表式名称或 .yaml 表式文件）；默认按各工作簿声明的内置表式。")
    def collect_cmd(paths, output, units, year, as_json, as_csv, workers, timeout, quiet, force, form):
        """汇总各单位交回的自评表（文件或文件夹，含子文件夹）：逐个校验、重新评分，写出汇总工作簿。

        无法读取、超时或出错的文件各占一行并写明原因，不影响其他文件。同一单位有多份时以最近保存的为准，
        其余标为“已被替代”。给出 --units 名单时另有“未交”表。--json：每个文件一份与 check --json
        相同的文档，另加汇总行（英文键，见说明文档）。
        退出码：0 没有错误（含需补充说明）；1 有文件存在错误或无法读取；2 用法错误。
        """
        from .collect import FAILED_STATES, MISSING, collect, csv_paths, refuse_non_summary, write_summary
        from .errors import WorkbookError
        from .roster import read_roster
        missing = [p for p in paths if not Path(p).exists()]
        if missing:
            raise WorkbookError("找不到 " + "、".join(missing))
        out = Path(output)
        if out.suffix.lower() != ".xlsx" or out.is_dir():
            raise WorkbookError(f"{output}：汇总表应为 .xlsx 文件，如 -o 汇总.xlsx")
        if not out.resolve().parent.is_dir():
            raise WorkbookError(f"{output}：文件夹 {out.parent} 不存在，请先创建")
        ours = [out, *csv_paths(out).values()]
        refuse_overwrite(ours if as_csv else [out], force)
        refuse_non_summary(out)  # even with --force: never a unit's workbook
        roster = read_roster(units, year) if units is not None else None  # a bad list: exit 2 before the work
        with _bar(quiet, "汇总") as progress:
            collection = collect(paths, workers=workers, progress=progress, exclude=ours, timeout=timeout,
                                 units=roster, year=year, documents=as_json, form=form)
        if (collection.summary["状态"] != MISSING).sum() == 0:
            raise WorkbookError("没有找到要汇总的 .xlsx/.xlsm 文件")
        written = write_summary(collection, output, csv=as_csv)
        if as_json:
            emit_json(collection.documents)
        else:
            counts = collection.counts()
            files = sum(v for k, v in counts.items() if k != MISSING)
            click.echo(f"汇总 {files} 个文件：" + "，".join(f"{k} {v}" for k, v in counts.items() if k != MISSING))
            if collection.missing is not None:
                click.echo(f"名单 {collection.listed} 个单位，未交 {len(collection.missing)} 个" +
                           ("：" + "、".join(collection.missing["单位"].head(SHOWN)) if len(collection.missing) else "")
                           + ("……" if len(collection.missing) > SHOWN else ""))
            bad = collection.summary[collection.summary["状态"].isin(FAILED_STATES)]
            _list([(r["文件"], r["状态"], r["原因"]) for r in bad.to_dict("records")], ["文件", "状态", "原因"])
            click.echo("已写入 " + "、".join(str(p) for p in written))
        sys.exit(0 if collection.valid else 1)


@contextlib.contextmanager
def _bar(quiet: bool, label: str):
    """A progress callback ``(done, total)`` drawing a bar on stderr, or None when quiet."""
    if quiet:
        yield None
        return
    state: dict = {}
    try:
        def progress(done: int, total: int) -> None:
            bar = state.get("bar")
            if bar is None:
                bar = state["bar"] = click.progressbar(length=total, label=label, file=click.get_text_stream("stderr"))
                bar.__enter__()
            bar.update(done - bar.pos)
        yield progress
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


def _list(rows: list[tuple], headers: list[str]) -> None:
    from .console import table
    if not rows:
        return
    shown = rows[:SHOWN]
    click.echo(table(headers, shown, limits=[40, 0, 90]))
    if len(rows) > SHOWN:
        click.echo(f"……另有 {len(rows) - SHOWN} 行，见输出的工作簿/清单")
