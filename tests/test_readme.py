"""The README's example output is real: regenerate it and compare (docs that cannot drift)."""
import os
import re
from pathlib import Path

from click.testing import CliRunner

from xltools.cli import cli
from xltools.xlsx.patch import CellEdit, apply

ROOT = Path(__file__).parent.parent


def readme_block(command: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n\$ " + re.escape(command) + r"\n(.*?)```", text, re.S)
    assert block, f"README has no output block for `{command}`"
    return block.group(1).rstrip("\n").split("\n")


def test_readme_check_example(tmp_path):
    # the README's broken.xlsx: the example with a leaf score and the total typed over their formulas
    apply(ROOT / "workbooks" / "example-zhuzhou-2021.xlsx", tmp_path / "broken.xlsx",
          [CellEdit("自评表", "I11", value=8), CellEdit("自评表", "I21", value=98)], None)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(cli, ["check", "broken.xlsx"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1
    assert result.output.rstrip("\n").split("\n") == readme_block("xltools check broken.xlsx")


def test_readme_commands_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"```bash\n(.*?)```", text, re.S))
    commands = set(re.findall(r"^xltools ([a-z]+)", blocks, re.M))
    registered = set(cli.list_commands(None))
    assert commands and commands <= registered, commands - registered
