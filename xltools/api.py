"""The library calls behind the CLI commands: each command calls one function here."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from .checks import check
from .filing import load_filing
from .model import Filing
from .num import fmt, to_json
from .scoring import Scorecard, score
from .spec import builtin_ids, load_form
from .validation import Report

DEMO_DATA = "zhuzhou-2021.yaml"


@dataclass(frozen=True)
class Result:
    """A filing with its recomputed scores and its check report (and, for a workbook, how it was read)."""

    filing: Filing
    card: Scorecard
    report: Report
    reading: Any = None  # xltools.xlsx.reader.Reading for workbooks

    def to_dict(self) -> dict[str, Any]:
        return {**self.report.to_dict(), "unit": self.filing.unit, "code": self.filing.code,
                "year": self.filing.year,
                "layout": self.reading.kind if self.reading is not None else "data",
                "scores": self.card.to_dict()}


def evaluate(filing: Filing, source: str = "") -> Result:
    card = score(filing)
    report = check(filing, card)
    if source:
        report = replace(report, source=source)
    return Result(filing, card, report)


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def check_workbook(path: str | Path, form=None) -> Result:
    """Read, re-score and check one workbook file; every issue carries its sheet and cell."""
    from .xlsx.package import open_book
    return check_book(open_book(path), form)


def check_book(book, form=None) -> Result:
    """Re-score and check a workbook already read into a :class:`xltools.xlsx.package.Book`
    (from a file, or from the workbook open in Excel through xlwings).  The rules come from
    ``form`` (the bureau's --form) or the shipped form the workbook claims, never from the workbook."""
    from .xlsx.foreign import read_foreign
    from .xlsx.formula_checks import fold, formula_issues
    from .xlsx.reader import is_template, read_template
    reading = read_template(book, form) if is_template(book) else read_foreign(book)
    card = score(reading.filing)
    report = check(reading.filing, card).locate(reading.locate)
    report = replace(report, issues=report.issues + tuple(reading.issues))
    if reading.kind == "template":
        extra = formula_issues(reading, book.sheets[reading.sheet], card)
        report = replace(report, issues=fold(report.issues + tuple(extra)))
    return Result(reading.filing, card, replace(report, source=str(book.path)), reading)


def score_workbook(path: str | Path, output: str | Path | None = None, *, in_place: bool = False,
                   backup: bool = True, form=None) -> tuple[Result, Path]:
    """Write recomputed scores, marks, notes and the 校验结果 sheet into a copy of ``path``
    (``output``), or into ``path`` itself with ``in_place`` (after copying it to a backup).
    Everything else in the workbook survives: only the parts xltools owns are patched."""
    from .atomic import copy_file
    from .errors import WorkbookError
    from .writeback import plan
    from .xlsx.package import open_book
    from .xlsx.patch import apply_plan
    src = Path(path)
    if in_place == (output is not None):
        raise WorkbookError("请用 -o 指定输出文件，或用 --in-place 直接写回原文件（会先备份），二者选一。")
    if in_place:  # a symbolic link: its target is scored (the link stays a link)
        src = Path(os.path.realpath(src))
    book = open_book(src)
    result = check_book(book, form)
    dst = Path(output) if output is not None else src  # exactly one of the two, checked above
    if not in_place and os.path.realpath(dst) == os.path.realpath(src):
        raise WorkbookError(f"{src.name}：输出文件与输入相同；要写回原文件请用 --in-place。")
    if in_place:
        refuse_read_only(src)
    if in_place and backup:
        copy_file(src, backup_path(src))  # complete or absent, never half a backup
    try:
        apply_plan(src, dst, plan(result, book))
    except (ValueError, KeyError, StopIteration, TypeError, IndexError, AttributeError) as exc:
        # a package the reader accepts but write-back cannot place every edit in (or the result
        # did not read back as written): refused before the result is written
        raise WorkbookError(f"{src.name}：无法写回结果（{type(exc).__name__}：{str(exc)[:200]}），"
                            "原文件未改动。请在 Excel/WPS 中打开该文件另存后再试。") from None
    return result, dst


def refuse_read_only(path: Path) -> None:
    """--in-place never writes into a file or folder marked read-only (for everyone, also root)."""
    from .errors import WorkbookError
    for what, p in (("文件", path), ("文件夹", path.parent)):
        try:
            mode = os.stat(p).st_mode
        except OSError:
            continue
        if not mode & 0o222 or not os.access(p, os.W_OK):
            raise WorkbookError(f"{path.name}：{what} {p} 是只读的，未写回也未备份。请取消只读属性，"
                                "或用 -o 另存为新文件。")


def backup_path(path: Path) -> Path:
    """name.xlsx -> name.bak.xlsx (then .bak2 …): never overwrites an earlier backup."""
    n, candidate = 1, path.with_name(f"{path.stem}.bak{path.suffix}")
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}.bak{n}{path.suffix}")
    return candidate


def check_file(path: str | Path, form=None) -> Result:
    """A workbook or a filing data file (YAML)."""
    if Path(path).suffix.lower() in (".yaml", ".yml"):
        return evaluate_file(path)
    return check_workbook(path, form)


def expand_paths(paths) -> list[Path]:
    """Files and folders (recursively) -> workbook files, sorted, duplicates removed."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if _listed(q)))
        else:
            out.append(p)
    seen, unique = set(), []
    for p in out:
        real = os.path.realpath(p)  # never raises (a symlink loop is read later as a clear error)
        if real not in seen:
            seen.add(real)
            unique.append(p)
    return unique


_BACKUP = re.compile(r"\.bak\d*$", re.I)


def _listed(q: Path) -> bool:
    """A folder entry to read: a workbook by name, not a folder, not Excel's lock file "~$…", not a
    backup :func:`backup_path` made.  FIFOs, devices and dangling links are listed: reading refuses
    them without opening them, so they get a row saying why."""
    return (q.suffix.lower() in WORKBOOK_SUFFIXES and not q.name.startswith("~$") and not _BACKUP.search(q.stem)
            and not q.is_dir())


def evaluate_file(path: str | Path) -> Result:
    """Score and check a filing data file (YAML)."""
    return evaluate(load_filing(path), str(path))


def demo_path() -> Path:
    return Path(str(resources.files("xltools.data").joinpath(DEMO_DATA)))


def demo() -> Result:
    """The seed 002 株洲 example, scored."""
    return evaluate_file(demo_path())


def forms() -> list[dict[str, Any]]:
    """Every shipped form with its top-level weights."""
    out = []
    for form_id in builtin_ids():
        form = load_form(form_id)
        weights = [(form.funding.label, form.funding.weight)] if form.funding else []
        weights += [(n.name, n.weight if n.weight is not None else n.total_weight()) for n in form.indicators]
        out.append({"id": form.id, "title": form.title, "description": form.description,
                    "leaves": sum(1 for _ in form.leaves()),
                    "weights": {name: to_json(w) for name, w in weights},
                    "weights_text": "、".join(f"{name} {fmt(w)}" for name, w in weights)})
    return out
