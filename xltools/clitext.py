"""Click's own visible text in Chinese, the click-supported way: command classes whose context uses
a help formatter that writes 用法/选项/命令 and Chinese metavars, and a help option saying 显示本帮助并退出.

Every command of the ``xltools`` group is a :class:`Command` (``CnGroup.command_class``); nested
groups are created with ``cls=CnGroup``.  No global state is touched (click's gettext stays as is).
"""
from __future__ import annotations

import re

import click

from .console import width

#: Section headings click writes.
SECTIONS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
#: Metavars and usage words click derives from parameter types and names (whole tokens).
WORDS = {
    "[OPTIONS]": "[选项]", "COMMAND": "命令", "[ARGS]...": "[参数]...", "ARGS": "参数",
    "INTEGER RANGE": "整数", "FLOAT RANGE": "数字", "INTEGER": "整数", "FLOAT": "数字", "TEXT": "文本",
    "FILE": "文件", "FILENAME": "文件", "DIRECTORY": "文件夹", "PATH": "路径", "BOOLEAN": "是/否",
}
_WORD = re.compile("|".join(re.escape(w) for w in sorted(WORDS, key=len, reverse=True)))
HELP = "显示本帮助并退出。"
VERSION_HELP = "显示版本号并退出。"
VERSION_MESSAGE = "%(prog)s 版本 %(version)s"


def words(text: str) -> str:
    return _WORD.sub(lambda m: WORDS[m.group(0)], text)


def extras(text: str) -> str:
    """``[default: 2; required]`` -> ``[默认：2；必填]``."""
    def one(m):
        inner = m.group(1).replace("default: ", "默认：").replace("required", "必填").replace("; ", "；")
        return f"[{inner}]"
    return re.sub(r"\[((?:default: |required)[^\]]*|[^\]]*; (?:default: |required)[^\]]*)\]", one, text)


class HelpFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, words(args), "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{SECTIONS.get(heading, heading)}：\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        """Two columns lined up by display width (a Chinese character is two columns wide)."""
        rows = [(words(a), extras(b)) for a, b in rows]
        if not rows:
            return
        first = min(col_max, max(width(a) for a, _ in rows))
        indent = " " * self.current_indent
        for term, text in rows:
            self.write(indent + term)
            if text:
                if width(term) <= first:
                    self.write(" " * (first - width(term) + col_spacing))
                else:
                    self.write("\n" + indent + " " * (first + col_spacing))
                self.write(text.replace("\n", "\n" + indent + " " * (first + col_spacing)))
            self.write("\n")


class Context(click.Context):
    formatter_class = HelpFormatter


class _Chinese(click.Command):
    context_class = Context

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP
        return option


class Command(_Chinese):
    pass


class CnGroup(_Chinese, click.Group):
    command_class = Command
    group_class = type  # groups made with @group.group() are CnGroup too
