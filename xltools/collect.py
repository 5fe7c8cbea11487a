"""Many filled workbooks -> one summary workbook for the finance bureau (``xltools collect``).

A map over files plus a reduce, so the per-file step could run anywhere (a process pool here, a
cluster later):

* **map** — :func:`summarize_file` (top-level, picklable): read, re-score and check one workbook
  with :func:`xltools.api.check_workbook` and return plain data (str, int, float, None, lists and
  dicts).  It never raises: a file that cannot be read becomes a row with its error
  (``workbook-error`` …), anything unexpected a row with ``internal-error``.  :func:`pool_map`
  runs it in worker processes one file at a time, so a worker that dies or takes longer than
  ``--timeout`` seconds on a file is replaced and only that file becomes a row with the reason;
* **reduce** — :func:`collect`: rows in, three pandas DataFrames out (汇总, 问题清单, 指标明细),
  plus what only the whole set can tell: the same unit and year in two files (``duplicate-unit``)
  and the ranking;
* :func:`write_summary` — the summary workbook (XlsxWriter, native charts) and, on request, the
  three tables as UTF-8-BOM CSV files.

Text from workbooks is untrusted: in CSV a string starting with ``= + - @`` (or a tab/CR) gets a
leading apostrophe; in the workbook every string is written with ``write_string`` (never
``write()``), so nothing a unit typed can become a formula.

Numbers in the summary are exactly those of ``api.check_workbook(path).to_dict()``.  填报总分 /
填报得分 are what the file states: a number typed over the template's formula, or — while the
formula is intact — the formula's result, which is the recomputed value.
"""
from __future__ import annotations

import csv
import functools
import math
import os
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import api
from .atomic import write_with
from .errors import WorkbookError, XltoolsError
from .model import SEP
from .num import to_json
from .pool import CRASH, DEFAULT_TIMEOUT, TIMEOUT, counter, pool_map
from .roster import Roster, read_roster
from .scoring import stated_number
from .validation import CODES, SEVERITY_FILLS, Issue, Location, Severity, severity_format

if TYPE_CHECKING:  # pandas is imported where the tables are built: the map step (a worker) never needs it
    import pandas as pd

#: 状态 of a row: from the severity model (错误 -> 有错误, only 待补充 -> 需补充说明, neither -> 通过), or
#: what happened to the file; 未交 rows are units of the list with no file of the round.
OK, NEEDS_REVIEW, HAS_ERRORS, UNREADABLE, INTERNAL, SKIPPED = "通过", "需补充说明", "有错误", "无法读取", "程序错误", "已跳过"
SUPERSEDED, MISSING = "已被替代", "未交"
FAILED_STATES = (HAS_ERRORS, UNREADABLE, INTERNAL)
#: 状态 -> the English word of ``--json`` (``summary.status``).
STATUS_KEYS = {OK: "ok", NEEDS_REVIEW: "review", HAS_ERRORS: "errors", UNREADABLE: "unreadable", INTERNAL: "internal-error",
               SKIPPED: "skipped", SUPERSEDED: "superseded", MISSING: "missing"}
LAYOUT_CN = {"template": "模板", "foreign": "外部格式"}
DEDUCTION = "扣分·"
#: 核对 flags of a row (a unit not on the list, another year, another 单位编码), in the 核对 column.
FLAG_CN = {"unit-not-listed": "不在名单", "year-differs": "年度不符", "code-differs": "编码不符"}

SUMMARY_HEAD = ["排名", "单位", "编码", "年度", "表式", "格式", "填报总分", "填报等级", "重新计算总分", "重新计算等级", "执行率"]
SUMMARY_TAIL = ["错误数", "待补充数", "核对", "文件", "状态", "原因"]
#: The printable 汇总: essential columns -> the wide table's column they show.
PRINT_COLUMNS = {"序号": None, "单位": "单位", "编码": "编码", "表式": "表式", "填报总分": "填报总分",
                 "重新计算总分": "重新计算总分", "等级": "重新计算等级", "执行率": "执行率", "错误": "错误数",
                 "待补充": "待补充数", "状态": "状态"}
MISSING_COLUMNS = ["序号", "单位", "编码", "名单行", "说明"]
#: ``--json``: the summary row's English keys (documented in the README).
SUMMARY_KEYS = {"排名": "rank", "单位": "unit", "编码": "code", "年度": "year", "表式": "form_title", "格式": "layout_cn",
                "填报总分": "stated_total", "填报等级": "stated_grade", "重新计算总分": "total", "重新计算等级": "grade",
                "执行率": "rate", "错误数": "errors", "待补充数": "reviews", "核对": "flags_cn", "文件": "file",
                "状态": "status_cn", "原因": "reason"}
ISSUE_COLUMNS = ["文件", "单位", "工作表", "单元格", "指标", "代码", "级别", "问题", "说明"]
LEAF_COLUMNS = ["文件", "单位", "表式", "一级", "二级", "三级", "分值", "填报得分", "重新计算得分", "扣分", "说明"]
#: Keywords stored in the document properties of the workbooks xltools writes for the bureau
#: (the distribution manifest, this summary): collecting a folder that holds them skips them.
OWN_OUTPUT_KEYWORDS = ("xltools-manifest", "xltools-summary")
REASONS_SHOWN = 3
EXCEL_STRING_LIMIT = 32767
EXCEL_MAX_ROWS = 1_048_576


@dataclass
class Collection:
    """The reduce step's result: one row per file, per issue, per scored leaf."""

    summary: pd.DataFrame
    issues: pd.DataFrame
    leaves: pd.DataFrame
    missing: pd.DataFrame | None = None  # 未交: units of the list with no file of the round (None: no list)
    year: int | None = None  # the round's year
    listed: int | None = None  # units on the list
    documents: list[dict] | None = None  # collect --json: one document per file (and per 未交 unit)

    @property
    def valid(self) -> bool:
        """True when no file has errors or failed to be read."""
        return not self.summary["状态"].isin(FAILED_STATES).any()

    def counts(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.summary["状态"].value_counts().items()}


# ---------------------------------------------------------------------------
# map: one file -> plain data


def summarize_file(path: str | os.PathLike, document: bool = False, form: str | None = None) -> dict[str, Any]:
    """Read, re-score and check one workbook; plain picklable data, never an exception.
    ``document``: also ``check --json``'s document of the file (for ``collect --json``).  ``form``:
    the bureau's form file (--form), by which every workbook is judged instead of the shipped form
    it claims."""
    path = str(path)
    try:
        result = api.check_workbook(path) if form is None else api.check_workbook(path, bureau_form(form))
    except XltoolsError as exc:
        if _is_own_output(path):
            return _failed(path, None, "该文件是 xltools 生成的分发清单或汇总表，不是自评表，已跳过", SKIPPED)
        code = exc.code if exc.code in CODES else "workbook-error"
        return _failed(path, code, str(exc), UNREADABLE)
    except Exception as exc:  # noqa: BLE001 - one bad file must never stop the run
        return _failed(path, "internal-error", _internal(exc), INTERNAL)
    try:
        out = _summarize(path, result)
        if document:
            out["document"] = result.to_dict()
        return out
    except Exception as exc:  # noqa: BLE001
        return _failed(path, "internal-error", _internal(exc), INTERNAL)


def summarize_with_document(path: str | os.PathLike, form: str | None = None) -> dict[str, Any]:
    return summarize_file(path, document=True, form=form)


def _mtime(path: str) -> float | None:
    """When the file was last saved (the newest of one unit's files is the one that counts)."""
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def status_of(errors: int, reviews: int) -> str:
    """通过 / 需补充说明 / 有错误 from the counts of the severity model."""
    return HAS_ERRORS if errors else NEEDS_REVIEW if reviews else OK


@functools.lru_cache(maxsize=4)
def bureau_form(form: str | None):
    """The bureau's form file, read once per worker (None: each workbook's shipped form)."""
    from .spec import load_form
    return None if form is None else load_form(form)


def refuse_non_summary(output: str | os.PathLike) -> None:
    """The summary may replace an earlier summary (with --force), never another file: a unit's
    workbook in the folder being collected is not overwritten even with --force."""
    if os.path.lexists(output) and not _is_own_output(str(output)):
        raise WorkbookError(f"{output}：已有同名文件，且不是 xltools 生成的汇总表（可能是单位交回的工作簿），"
                            "为免覆盖已拒绝写入。请换一个输出文件名，或放到汇总的文件夹之外。")


def _internal(exc: BaseException) -> str:
    return _internal_text(f"{type(exc).__name__}：{str(exc)[:200]}")


def _failed(path: str, code: str | None, message: str, state: str) -> dict[str, Any]:
    issues = []
    if code is not None:
        issue = Issue(code, "error", Location(), message)
        issues.append(_issue_row(path, "", issue))
    row: dict[str, Any] = {"单位": "", "编码": "", "年度": None, "表式": "", "格式": "", "填报总分": None, "填报等级": "",
           "重新计算总分": None, "重新计算等级": "", "执行率": None, "deductions": [],
           "错误数": 1 if code is not None else 0, "待补充数": 0, "核对": "", "文件": path, "状态": state, "原因": message}
    document = {"source": path, "valid": False, "error": {"code": code or "skipped", "message": message}}
    return {"summary": row, "issues": issues, "leaves": [], "mtime": _mtime(path), "form": "", "document": document}


def _is_own_output(path: str) -> bool:
    """A manifest or summary xltools wrote (by its properties), and a sound package: a damaged file
    claiming to be one is a failure like any other, never skipped."""
    if not os.path.isfile(path):  # a FIFO or device is never opened
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("docProps/core.xml")
            if info.file_size > 65536:
                return False
            text = archive.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, RuntimeError, EOFError, NotImplementedError):
        return False
    if not any(k in text for k in OWN_OUTPUT_KEYWORDS):
        return False
    from .xlsx.package import open_book
    try:
        open_book(path)
    except XltoolsError:
        return False
    return True


def _summarize(path: str, result: api.Result) -> dict[str, Any]:
    data = result.to_dict()
    scores = data["scores"]
    template = data["layout"] == "template"
    unit = data["unit"] or ""
    funding = scores["funding"]
    deductions = [[g["path"], g["deduction"]] for g in scores["groups"] if SEP not in g["path"]]
    if funding is not None:
        label = result.card.form.funding.label if result.card.form.funding else "预算执行率"
        deductions.insert(0, [label, _sub(funding["weight"], funding["score"])])
    stated_total = scores["stated_total"]
    stated_grade = scores["stated_grade"]
    if template:  # the template's formulas, where intact, compute exactly the recomputed values
        stated_total = scores["total"] if stated_total is None else stated_total
        stated_grade = stated_grade or scores["grade"]
    errors = data["stats"]["errors"]
    form_title = form_name(result.card.form.title)
    reasons = []
    if not template:
        reasons.append(f"外部格式：按表头识别为“{result.card.form.id}”表式，公式未校验")
    error_messages = [i["message"] for i in data["issues"] if i["severity"] == "error"]
    if error_messages:
        shown = "；".join(error_messages[:REASONS_SHOWN])
        more = f"等{len(error_messages)}个错误" if len(error_messages) > REASONS_SHOWN else ""
        reasons.append(shown + more)
    row = {"单位": unit, "编码": data.get("code") or "", "年度": data["year"], "表式": form_title,
           "格式": LAYOUT_CN.get(data["layout"], data["layout"]),
           "填报总分": stated_total if isinstance(stated_total, (int, float)) else None,
           "填报等级": stated_grade or "", "重新计算总分": scores["total"], "重新计算等级": scores["grade"],
           "执行率": funding["rate"] if funding is not None else None, "deductions": deductions,
           "错误数": errors, "待补充数": data["stats"]["reviews"], "核对": "", "文件": path,
           "状态": status_of(errors, data["stats"]["reviews"]), "原因": "；".join(reasons)}
    leaf_at = _leaf_at(result)
    issues = [_issue_row(path, unit, i, leaf_at) for i in result.report.issues]
    leaves = []
    form_id = form_title
    if funding is not None:
        label = deductions[0][0]
        leaves.append({"文件": path, "单位": unit, "表式": form_id, "一级": label, "二级": "", "三级": label,
                       "分值": funding["weight"], "填报得分": _stated_funding(result, funding, template),
                       "重新计算得分": funding["score"], "扣分": deductions[0][1], "说明": funding["explanation"]})
    for leaf in scores["leaves"]:
        parts = leaf["path"].split(SEP)
        stated = leaf["stated_score"]
        if stated is None and template:
            stated = leaf["score"]
        leaves.append({"文件": path, "单位": unit, "表式": form_id, "一级": parts[0],
                       "二级": SEP.join(parts[1:-1]), "三级": parts[-1], "分值": leaf["weight"],
                       "填报得分": stated, "重新计算得分": leaf["score"], "扣分": _sub(leaf["weight"], leaf["score"]),
                       "说明": leaf["explanation"]})
    return {"summary": row, "issues": issues, "leaves": leaves, "mtime": _mtime(path), "form": scores["form"]}


def form_name(title: str) -> str:
    """A form's title as the 表式 column shows it: 部门整体支出绩效自评表（按绩效目标） -> 部门整体支出（按绩效目标）."""
    for word in ("绩效自评表", "绩效评价表", "自评表"):
        title = title.replace(word, "")
    return title or "自评表"


def _stated_funding(result: api.Result, funding: dict, template: bool):
    """The 资金得分 the file states (typed over the formula, or a foreign table's cell)."""
    stated, _ = stated_number(result.filing.stated_funding_score)
    if stated is not None:
        return to_json(stated)
    return funding["score"] if template else None


def _sub(a, b):
    """a − b for JSON numbers of 2 places, exact."""
    if a is None or b is None:
        return None
    return to_json(Decimal(str(a)) - Decimal(str(b)))


#: Location fields (columns of the table) in the words of the form.
FIELD_CN = {"target": "年度指标值", "actual": "实际完成值", "weight": "分值", "score": "得分", "reason": "偏差原因",
            "manual": "评价人评分", "band": "定性档次", "rate": "执行率", "grade": "等级", "initial": "年初预算数",
            "budget": "全年预算数", "spent": "全年执行数", "total": "年度资金总额", "fiscal": "当年财政拨款",
            "carryover": "上年结转资金", "other": "其他资金"}


def _where(path: str, field: str) -> str:
    """``产出指标/数量指标/执法案件`` + ``actual`` -> ``产出指标/数量指标/执法案件·实际完成值``."""
    words = "·".join(FIELD_CN.get(part, part) for part in field.split(".")) if field else ""
    return "·".join(x for x in (path, words) if x)


def _leaf_at(result: api.Result) -> Callable[[Location], str]:
    """An issue's cell -> the leaf of its row (a value the reader could not use names only its cell)."""
    reading = result.reading
    by_row = {r + 1: k for k, r in reading.rows.items()} if reading is not None and reading.sheet else {}

    def leaf(loc: Location) -> str:
        m = re.fullmatch(r"\$?[A-Z]+\$?(\d+)", loc.cell or "")
        return by_row.get(int(m.group(1)), "") if m and loc.sheet == reading.sheet else ""
    return leaf


def _issue_row(path: str, unit: str, issue: Issue, leaf_at: Callable[[Location], str] | None = None) -> dict[str, Any]:
    loc = issue.location
    where = _where(loc.path, loc.field) or (leaf_at(loc) if leaf_at is not None else "")
    return {"文件": path, "单位": unit, "工作表": loc.sheet or "", "单元格": loc.cell or "",
            "指标": where,
            "代码": issue.code, "级别": issue.label, "问题": issue.title, "说明": issue.message}


# ---------------------------------------------------------------------------
# running the map

def map_files(files: Sequence[str], workers: int | None = None,
              progress: Callable[[int], None] | None = None,
              func: Callable[[str], dict] = summarize_file,
              timeout: float | None = DEFAULT_TIMEOUT) -> list[dict[str, Any]]:
    """``func`` over every file, in file order (see :func:`pool_map`); a file whose worker dies or
    runs out of time becomes a row with the reason."""
    def failed(path: str, why: str) -> dict[str, Any]:
        if why == TIMEOUT:
            return _failed(path, "timeout", f"处理该文件超过{timeout:g}秒仍未完成，已中止（文件可能过大或结构"
                           "异常）。可用 --timeout 放宽时限后重试；其他文件不受影响。", UNREADABLE)
        if why == CRASH:
            return _failed(path, "internal-error", "处理该文件时工作进程异常退出（可能内存不足或文件触发了程序缺陷）。"
                           "请把该文件发给 xltools 维护者；其他文件不受影响。", INTERNAL)
        return _failed(path, "internal-error", _internal_text(why), INTERNAL)
    return pool_map(func, [str(f) for f in files], failed, workers, timeout, progress)


def _internal_text(detail: str) -> str:
    return f"读取时发生程序内部错误（{detail}）。请把该文件发给 xltools 维护者；其他文件不受影响。"


# ---------------------------------------------------------------------------
# reduce


def collect(paths: Iterable[str | os.PathLike], workers: int | None = None,
            progress: Callable[[int, int], None] | None = None,
            exclude: Iterable[str | os.PathLike] = (), timeout: float | None = DEFAULT_TIMEOUT,
            units: str | os.PathLike | Roster | None = None, year: int | None = None,
            documents: bool = False, form: str | None = None) -> Collection:
    """Check and re-score every workbook under ``paths`` (files and folders, recursively).

    ``workers``: processes (None: one per CPU; 1 with no ``timeout``: in this process).
    ``timeout``: seconds one file may take (None or 0: no limit).  ``progress(done, total)`` is
    called as files finish.  ``exclude``: files to leave out (the summary being written).
    ``units``: the round's list of units (a path or a :class:`Roster`): files are matched to it,
    units without a file are 未交.  ``year``: the round's year (else the list's 年度): files of
    another year are flagged.  ``documents``: keep each file's ``check --json`` document.
    ``form``: the bureau's form file (--form) every workbook is judged by."""
    roster = read_roster(Path(units), year) if units is not None and not isinstance(units, Roster) else units
    skip = {os.path.realpath(p) for p in exclude}
    files = [str(f) for f in find_files(paths) if os.path.realpath(f) not in skip]
    func = summarize_with_document if documents else summarize_file
    if form is not None:
        bureau_form(str(form))  # an unusable --form is a SpecError here, before any worker starts
        func = functools.partial(func, form=str(form))
    rows = map_files(files, workers, counter(progress, len(files)), func=func, timeout=timeout)
    return reduce_rows(rows, roster, year if year is not None else roster.year if roster else None, documents)


#: Other spreadsheet formats: in a folder they are listed too, each a row saying to save as .xlsx.
OTHER_SPREADSHEETS = (".xls", ".xlsb", ".et", ".ett", ".ods", ".xltx", ".xltm", ".numbers")


def find_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The workbooks under ``paths`` (:func:`api.expand_paths`) and, in folders, files in other
    spreadsheet formats, which a unit may have sent back instead of .xlsx."""
    paths = list(paths)
    files = api.expand_paths(paths)
    seen = {Path(os.path.realpath(f)) for f in files}
    folders = [Path(p) for p in paths if Path(p).is_dir()]
    for folder in folders:
        for f in sorted(folder.rglob("*")):
            if (f.suffix.lower() in OTHER_SPREADSHEETS and not f.name.startswith("~$") and f.is_file()
                    and Path(os.path.realpath(f)) not in seen):
                seen.add(Path(os.path.realpath(f)))
                files.append(f)
    # macOS leaves "._name.xlsx" resource files beside each file when it zips or copies to a USB stick
    return [f for f in files if not (f.name.startswith("._") and any(folder in f.parents for folder in folders))]


def reduce_rows(rows: list[dict[str, Any]], roster: Roster | None = None, year: int | None = None,
                documents: bool = False) -> Collection:
    """Per-file rows -> the tables: checks each file against the round (``roster``, ``year``),
    resolves the same unit in several files (the newest counts), lists the units with no file
    (未交), ranks by recomputed total the files that count."""
    import pandas as pd
    summary = [dict(r["summary"]) for r in rows]
    issues = [i for r in rows for i in r["issues"]]
    leaves = [leaf for r in rows for leaf in r["leaves"]]
    round_ = _Round(rows, summary, roster, year)
    issues += round_.issue_rows
    summary += round_.missing_rows()
    groups: list[str] = []
    for row in summary:
        for name, _ in row["deductions"]:
            if name not in groups:
                groups.append(name)
    sort_groups = []
    for i, row in enumerate(summary):
        found = dict(row.pop("deductions"))
        for name in groups:
            row[DEDUCTION + name] = found.get(name)
        sort_groups.append(round_.group(i, row))
    columns = SUMMARY_HEAD + [DEDUCTION + g for g in groups] + SUMMARY_TAIL
    frame = pd.DataFrame.from_records(summary, columns=[c for c in columns if c != "排名"])
    frame["_i"], frame["_group"] = range(len(summary)), sort_groups
    for name in ("年度", "错误数", "待补充数"):
        frame[name] = frame[name].astype("Int64")
    for name in ["填报总分", "重新计算总分", "执行率"] + [DEDUCTION + g for g in groups]:
        frame[name] = pd.to_numeric(frame[name]).astype("float64")
    frame = frame.sort_values(["_group", "重新计算总分", "单位", "文件"], ascending=[True, False, True, True],
                              na_position="last", kind="mergesort").reset_index(drop=True)
    ranked = frame["_group"] == 0
    frame.insert(0, "排名", frame["重新计算总分"].where(ranked).rank(method="min", ascending=False).astype("Int64"))
    order = list(frame.pop("_i"))
    frame.pop("_group")
    issue_frame = pd.DataFrame.from_records(issues, columns=ISSUE_COLUMNS)
    leaf_frame = pd.DataFrame.from_records(leaves, columns=LEAF_COLUMNS)
    for name in ("分值", "填报得分", "重新计算得分", "扣分"):
        leaf_frame[name] = pd.to_numeric(leaf_frame[name]).astype("float64")
    missing = round_.missing_frame() if roster is not None else None
    collection = Collection(frame, issue_frame, leaf_frame, missing, round_.year,
                            len(roster.units) if roster is not None else None)
    if documents:
        collection.documents = round_.documents(frame, order, groups)
    return collection


def _unit_key(unit: str) -> str:
    """The same unit however typed: full-width letters and brackets, spaces (as distribute does)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", unit or ""))


#: Other files named in a duplicate's message (the rest are counted: "另见 u002.xlsx 等 499 份").
OTHERS_SHOWN = 3


def _some(names: list[str], total: int) -> str:
    shown = "、".join(names[:OTHERS_SHOWN])
    return shown + (f" 等 {total} 份" if total > len(names[:OTHERS_SHOWN]) else "")


class _Round:
    """What only the whole set can tell, file by file: on the list or not, the round's year, the
    same 单位编码, the same unit in several files; and the units with no file.  Linear in the files."""

    def __init__(self, rows: list[dict], summary: list[dict], roster: Roster | None, year: int | None):
        self.rows, self.summary, self.roster, self.year = rows, summary, roster, year
        self.extra: dict[int, list[Issue]] = defaultdict(list)
        self.flags: dict[int, list[str]] = defaultdict(list)
        self.issue_rows: list[dict] = []
        self.submitted: set[int] = set()  # ids of the roster's units with a file of the round
        self.other_years: dict[int, list[tuple[int | None, str]]] = defaultdict(list)
        same: dict[tuple, list[int]] = defaultdict(list)
        for i, row in enumerate(summary):
            if row["状态"] == SKIPPED:
                continue
            key = self._check(i, row)
            if key is not None:
                same[key].append(i)
        for idxs in same.values():
            if len(idxs) > 1:
                self._resolve(idxs)

    # -- one file against the round ------------------------------------------------------------
    def _check(self, i: int, row: dict) -> tuple | None:
        readable = row["状态"] in (OK, NEEDS_REVIEW, HAS_ERRORS)
        unit_id: Any = None
        if self.roster is not None:
            if readable:
                match = self.roster.match(row["单位"], row["编码"])
                if match.unit is None:
                    self._flag(i, "unit-not-listed", "review", "单位",
                               f"“{row['单位'] or '（未填单位名称）'}”不在单位名单 {Path(self.roster.source).name} 中"
                               f"{'（单位编码 ' + row['编码'] + '）' if row['编码'] else ''}。请确认是否为本轮应交的单位；"
                               "若是，请在名单中补上该单位（及单位编码）后重新汇总")
                elif match.code_differs:
                    self._flag(i, "code-differs", "review", "单位编码",
                               f"单位编码“{row['编码']}”与名单中“{match.unit.name}”的编码“{match.unit.code}”不一致"
                               f"（按单位名称对应，名单第{match.unit.row}行）。请核对单位编码")
            else:  # no unit inside: the file's name, as distribute named it, if it is one of the list
                match = self.roster.match_file_name(Path(row["文件"]).stem)
                if match.unit is not None and not row["单位"]:
                    row["单位"] = match.unit.name
            if match.unit is not None:
                unit_id = id(match.unit)
                if not row["编码"]:
                    row["编码"] = match.unit.code  # codes carried through from the list
        if self.year is not None and readable and row["年度"] is not None and row["年度"] != self.year:
            self._flag(i, "year-differs", "error", "年度",
                       f"该文件是{row['年度']}年度的自评表，本轮汇总的是{self.year}年度，未计入排名。请确认单位是否交错了文件")
            if unit_id is not None:
                self.other_years[unit_id].append((row["年度"], Path(row["文件"]).name))
            return None
        if unit_id is not None:
            self.submitted.add(unit_id)
        if not readable:
            return None
        if unit_id is not None:
            return ("listed", unit_id, row["年度"])
        key = _unit_key(row["单位"])
        return ("name", key, row["年度"]) if key else None

    def _flag(self, i: int, code: str, severity: Severity, where: str, message: str) -> None:
        row = self.summary[i]
        issue = Issue(code, severity, Location(where), message)
        self._add(i, issue)
        self.flags[i].append(code)
        row["核对"] = "；".join(FLAG_CN[c] for c in self.flags[i])
        row["原因"] = FLAG_CN[code] + ("；" + row["原因"] if row["原因"] else "")

    def _add(self, i: int, issue: Issue) -> None:
        row = self.summary[i]
        self.extra[i].append(issue)
        self.issue_rows.append(_issue_row(row["文件"], row["单位"], issue))
        if issue.severity == "error":
            row["错误数"] += 1
        elif issue.severity == "review":
            row["待补充数"] += 1
        if row["状态"] in (OK, NEEDS_REVIEW, HAS_ERRORS):
            row["状态"] = status_of(row["错误数"], row["待补充数"])

    # -- the same unit in several files: the newest counts ---------------------------------------
    def _resolve(self, idxs: list[int]) -> None:
        newest = sorted(idxs, key=lambda i: (-(self.rows[i].get("mtime") or 0), Path(self.summary[i]["文件"]).name))
        kept, others = newest[0], newest[1:]
        row = self.summary[kept]
        name = Path(row["文件"]).name
        when = f"{row['年度']}年度" if row["年度"] else "（未填年度）"
        total = len(idxs)
        names = [Path(self.summary[i]["文件"]).name for i in others[:OTHERS_SHOWN]]
        self._add(kept, Issue("duplicate-unit", "info", Location("单位"),
                              f"“{row['单位']}”{when}共有{total}份自评表，以最近保存的本文件为准；"
                              f"另见 {_some(names, len(others))}，未计入排名"))
        for i in others:
            other = self.summary[i]
            self._add(i, Issue("duplicate-unit", "info", Location("单位"),
                               f"“{other['单位']}”{when}共有{total}份自评表，以最近保存的 {name} 为准，本文件未计入排名。"
                               "如应以本文件为准，请删除或移走其余文件后重新汇总"))
            other["状态"] = SUPERSEDED
            other["原因"] = f"已被较新的 {name} 替代" + ("；" + other["原因"] if other["原因"] else "")

    # -- what the round shows ------------------------------------------------------------------
    def group(self, i: int, row: dict) -> int:
        """Sort group: 0 ranked, 1 scored but not counted, 2 no score, 3 未交."""
        if row["状态"] == MISSING:
            return 3
        if row["重新计算总分"] is None:
            return 2
        if row["状态"] == SUPERSEDED or {"unit-not-listed", "year-differs"} & set(self.flags.get(i, ())):
            return 1
        return 0 if row["状态"] in (OK, NEEDS_REVIEW, HAS_ERRORS) else 2

    def missing_units(self):
        if self.roster is None:
            return []
        return [u for u in self.roster.units if id(u) not in self.submitted]

    def _missing_note(self, unit) -> str:
        seen = self.other_years.get(id(unit))
        if not seen:
            return ""
        return "只收到其他年度的文件：" + "、".join(f"{name}（{y}年度）" for y, name in seen[:OTHERS_SHOWN]) + (
            f" 等 {len(seen)} 份" if len(seen) > OTHERS_SHOWN else "")

    def missing_rows(self) -> list[dict]:
        out = []
        for unit in self.missing_units():
            note = self._missing_note(unit)
            out.append({"单位": unit.name, "编码": unit.code, "年度": self.year, "表式": "", "格式": "", "填报总分": None,
                        "填报等级": "", "重新计算总分": None, "重新计算等级": "", "执行率": None, "deductions": [],
                        "错误数": None, "待补充数": None, "核对": "", "文件": "", "状态": MISSING,
                        "原因": f"名单第{unit.row}行的单位没有交回{self._year_words()}自评表" + (f"（{note}）" if note else "")})
        return out

    def _year_words(self) -> str:
        return f"{self.year}年度" if self.year else "本轮"

    def missing_frame(self) -> pd.DataFrame:
        import pandas as pd
        records = [{"序号": n, "单位": u.name, "编码": u.code, "名单行": u.row, "说明": self._missing_note(u)}
                   for n, u in enumerate(self.missing_units(), 1)]
        return pd.DataFrame.from_records(records, columns=MISSING_COLUMNS)

    def documents(self, frame: pd.DataFrame, order: list[int], groups: list[str]) -> list[dict]:
        """``collect --json``: per file its ``check --json`` document, the round's issues added,
        and its summary row with English keys; then one document per 未交 unit."""
        out = []
        for record, i in zip(records(frame), order):
            summary = {SUMMARY_KEYS[k]: v for k, v in record.items() if k in SUMMARY_KEYS}
            summary["status"] = STATUS_KEYS.get(record["状态"], record["状态"])
            summary["flags"] = list(self.flags.get(i, ()))
            summary["deductions"] = {g: record[DEDUCTION + g] for g in groups}
            if i < len(self.rows):
                doc = dict(self.rows[i].get("document") or {"source": record["文件"], "valid": False})
                summary["form"] = self.rows[i].get("form") or None
                extra = [issue.to_dict() for issue in self.extra.get(i, ())]
                if "issues" in doc:
                    doc["issues"] = doc["issues"] + extra
                    doc["stats"] = {**doc["stats"], "errors": record["错误数"], "reviews": record["待补充数"]}
                    doc["valid"] = record["错误数"] == 0
                elif extra:
                    doc["issues"] = extra
            else:
                summary["form"] = None
                doc = {"source": None, "valid": False, "error": {"code": "not-submitted", "message": record["原因"]}}
            doc["summary"] = summary
            out.append(doc)
        return out


# ---------------------------------------------------------------------------
# output


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts for JSON: NaN/NA -> None, numpy scalars -> Python."""
    out = []
    for row in frame.to_dict("records"):
        out.append({k: _plain(v) for k, v in row.items()})
    return out


def _plain(value):
    """A table cell as plain Python: NaN and pandas' NA -> None, numpy scalars -> int/float/str."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, float):
        if value != value:
            return None
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_csv(value):
    """A string that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """UTF-8 with BOM (Excel opens it as UTF-8), CRLF, formula-escaped text."""
    path = Path(path)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow([escape_csv(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            writer.writerow([_csv_cell(v) for v in row])
    return path


def _csv_cell(value):
    value = _plain(value)
    if value is None:
        return ""
    return escape_csv(value)


def csv_paths(output: str | Path) -> dict[str, Path]:
    output = Path(output)
    return {name: output.with_name(f"{output.stem}-{name}.csv") for name in ("汇总", "未交", "问题清单", "指标明细")}


def write_summary(collection: Collection, output: str | Path, *, csv: bool = False) -> list[Path]:
    """The summary workbook (汇总, 图表, 问题清单, 指标明细 — native charts on 图表) and, with
    ``csv``, the three tables as UTF-8-BOM CSV files beside it.  Returns the paths written."""
    output = Path(output)
    if output.suffix.lower() != ".xlsx":
        raise WorkbookError(f"{output}：汇总表应保存为 .xlsx 文件")
    if not output.parent.is_dir():
        raise WorkbookError(f"{output}：文件夹 {output.parent} 不存在，请先创建")
    written = [write_with(output, lambda tmp: _SummaryWriter(collection, tmp).write())]
    if csv:
        frames = {"汇总": collection.summary, "未交": collection.missing, "问题清单": collection.issues,
                  "指标明细": collection.leaves}
        for name, path in csv_paths(output).items():
            if frames[name] is not None:  # 未交 only with a list of units
                written.append(write_with(path, functools.partial(write_csv, frames[name])))
    return written


#: Column widths (characters) and number formats by column name.
WIDTHS = {"排名": 5, "单位": 24, "编码": 10, "核对": 12, "序号": 5, "名单行": 7, "年度": 6, "表式": 8, "格式": 8, "填报等级": 8, "重新计算等级": 8, "执行率": 8,
          "错误数": 6, "待补充数": 6, "文件": 32, "状态": 8, "原因": 56, "工作表": 8, "单元格": 7, "指标": 30,
          "代码": 20, "级别": 5, "问题": 20, "说明": 90, "一级": 12, "二级": 14, "三级": 22}
SCORE_COLUMNS = {"填报总分", "重新计算总分", "分值", "填报得分", "重新计算得分", "扣分"}
GRADE_ORDER = ("优", "优秀", "良", "良好", "中", "差")
GRADE_COLORS = {"优": "#70AD47", "优秀": "#70AD47", "良": "#5B9BD5", "良好": "#5B9BD5", "中": "#FFC000", "差": "#C00000"}
#: 执行率 bins for the spread chart: (label, low inclusive, high exclusive); None: open.
RATE_BINS = (("<60%", None, 0.6), ("60%–80%", 0.6, 0.8), ("80%–90%", 0.8, 0.9), ("90%–95%", 0.9, 0.95),
             ("95%–100%", 0.95, 1.0), ("100%", 1.0, "="), (">100%", 1.0, None))
RANKING_MAX = 30


class _SummaryWriter:
    def __init__(self, collection: Collection, path: Path):
        import xlsxwriter
        self.c = collection
        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                                     "strings_to_formulas": False, "strings_to_urls": False})
        self.book.set_properties({"title": "预算绩效自评汇总", "author": "xltools", "keywords": "xltools-summary",
                                  "comments": "xltools collect 生成"})
        b = self.book
        base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter"}
        self.f = {
            "head": b.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "align": "center", "text_wrap": True}),
            "text": b.add_format(base), "int": b.add_format({**base, "num_format": "0", "align": "center"}),
            "score": b.add_format({**base, "num_format": "0.00"}), "pct": b.add_format({**base, "num_format": "0.00%"}),
            "center": b.add_format({**base, "align": "center"}),
            "title": b.add_format({"bold": True, "font_size": 12, "font_name": "宋体"}),
            "bad": b.add_format(severity_format("error")),
            "good": b.add_format({"font_color": "#006100", "bg_color": "#C6EFCE"}),
            "differs": b.add_format({"bg_color": f"#{SEVERITY_FILLS['review']}"}),
            "review": b.add_format(severity_format("review")),
            "missing": b.add_format({"font_color": "#7F7F7F", "italic": True}),
            "print_title": b.add_format({"bold": True, "font_size": 14, "font_name": "宋体", "align": "center",
                                         "valign": "vcenter"}),
            "print_note": b.add_format({"font_size": 10, "font_name": "宋体", "align": "left", "valign": "vcenter"}),
        }

    def write(self) -> None:
        s = self.c.summary
        from .xlsx.fastsheet import FastSheet
        names = ["打印汇总", "汇总"] + (["未交"] if self.c.missing is not None else []) + ["图表", "问题清单", "指标明细"]
        sheets = {name: self.book.add_worksheet(name, worksheet_class=FastSheet) for name in names}
        self._print_sheet(sheets["打印汇总"], s)
        self._table(sheets["汇总"], s)
        self._summary_marks(sheets["汇总"], s)
        sheets["汇总"].set_header(f"&L{_header_text(self._title())}&R{_header_text(self.counts_line())}")
        if self.c.missing is not None:
            self._table(sheets["未交"], self.c.missing)
            sheets["未交"].set_header(f"&C{_header_text(self._title())}：未交 {len(self.c.missing)} 个单位")
        self._charts(sheets["图表"], s)
        self._table(sheets["问题清单"], self.c.issues)
        self._table(sheets["指标明细"], self.c.leaves)
        sheets["打印汇总"].activate()
        self.book.close()

    # -- the printable 汇总 -----------------------------------------------------------------------
    def _title(self) -> str:
        return (f"{self.c.year}年度" if self.c.year else "") + "预算绩效自评汇总"

    def counts_line(self) -> str:
        """名单 40 个单位，已交 30，未交 10；收到文件 33 份：通过 12，需补充说明 9 …"""
        s = self.c.summary
        files = s[s["状态"] != MISSING]
        counts = files["状态"].value_counts()
        order = [OK, NEEDS_REVIEW, HAS_ERRORS, UNREADABLE, INTERNAL, SUPERSEDED, SKIPPED]
        text = f"收到文件 {len(files)} 份：" + "，".join(f"{k} {int(counts[k])}" for k in order if k in counts)
        if self.c.missing is not None and self.c.listed is not None:  # set together, with a list
            missing = len(self.c.missing)
            text = f"名单 {self.c.listed} 个单位，已交 {self.c.listed - missing}，未交 {missing}；" + text
        return text

    def _print_sheet(self, ws, frame: pd.DataFrame) -> None:
        """A4 landscape, the essential columns, one page wide, the header repeated on every page."""
        rows = frame[frame["状态"] != SKIPPED]
        heads = list(PRINT_COLUMNS)
        widths = {"序号": 5, "单位": 30, "编码": 11, "表式": 16, "填报总分": 9, "重新计算总分": 9, "等级": 6,
                  "执行率": 9, "错误": 6, "待补充": 7, "状态": 11}
        formats = {"序号": self.f["int"], "编码": self.f["center"], "表式": self.f["text"], "单位": self.f["text"],
                   "填报总分": self.f["score"], "重新计算总分": self.f["score"], "等级": self.f["center"],
                   "执行率": self.f["pct"], "错误": self.f["int"], "待补充": self.f["int"], "状态": self.f["center"]}
        last = len(heads) - 1
        for j, name in enumerate(heads):
            ws.set_column(j, j, widths[name])
        ws.set_row(0, 28)
        ws.merge_range(0, 0, 0, last, self._title(), self.f["print_title"])
        ws.set_row(1, 20)
        ws.merge_range(1, 0, 1, last, self.counts_line(), self.f["print_note"])
        ws.set_row(2, 30)
        for j, name in enumerate(heads):
            ws.write_string(2, j, name, self.f["head"])
        columns = [PRINT_COLUMNS[h] for h in heads]
        for n, record in enumerate(rows[[c for c in columns if c]].itertuples(index=False, name=None), 1):
            values = iter(record)
            cells = [(n if c is None else _value(next(values)), formats[h]) for h, c in zip(heads, columns)]
            ws.write_cells(2 + n, cells)
        n = max(len(rows), 1)
        j = heads.index("状态")
        self._status_marks(ws, 3, 2 + n, j)
        ws.repeat_rows(2)
        ws.freeze_panes(3, 2)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(0.4, 0.4, 0.6, 0.5)
        missing = f"　未交 {len(self.c.missing)} 个单位" if self.c.missing is not None else ""
        ws.set_header(f"&L{_header_text(self._title())}&R{_header_text(missing.strip())}")
        ws.set_footer("&L打印汇总&C第 &P 页，共 &N 页")
        ws.print_area(0, 0, 2 + n, last)

    # -- tables ------------------------------------------------------------------------------
    def _format_of(self, name: str):
        if name in SCORE_COLUMNS or name.startswith(DEDUCTION):
            return self.f["score"]
        if name == "执行率":
            return self.f["pct"]
        if name in ("排名", "年度", "错误数", "待补充数"):
            return self.f["int"]
        if name in ("格式", "状态", "级别", "填报等级", "重新计算等级", "单元格", "工作表"):
            return self.f["center"]
        return self.f["text"]

    def _table(self, ws, frame: pd.DataFrame) -> None:
        columns = list(frame.columns)
        formats = [self._format_of(c) for c in columns]
        ws.set_row(0, 30)
        for j, name in enumerate(columns):
            ws.set_column(j, j, WIDTHS.get(name, 9 if name.startswith(DEDUCTION) else 10))
            ws.write_string(0, j, name, self.f["head"])
        r, last = 0, EXCEL_MAX_ROWS - 2  # the header, and the row saying what did not fit
        for r, row in enumerate(frame.itertuples(index=False, name=None), 1):
            if r > last:  # XlsxWriter would drop them silently
                ws.write_string(r, 0, f"……另有{len(frame) - last}行超出 Excel 的行数上限，未写入本表；"
                                "完整数据请用 --csv 导出", self.f["bad"])
                break
            ws.write_cells(r, [(_value(v), formats[j]) for j, v in enumerate(row)])
        ws.freeze_panes(1, 2 if "单位" in columns[:2] else 1)
        ws.autofilter(0, 0, max(r, 1), len(columns) - 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.set_margins(0.4, 0.4, 0.5, 0.5)

    def _status_marks(self, ws, first: int, last: int, j: int) -> None:
        """状态 cells: 通过 green, 需补充说明 yellow, failures red, 未交 grey."""
        from xlsxwriter.utility import xl_rowcol_to_cell
        cell = xl_rowcol_to_cell(first, j, col_abs=True)
        for state, fmt_ in ((OK, "good"), (NEEDS_REVIEW, "review"), (MISSING, "bad")):
            ws.conditional_format(first, j, last, j, {"type": "cell", "criteria": "==", "value": f'"{state}"',
                                                      "format": self.f[fmt_]})
        ws.conditional_format(first, j, last, j, {"type": "formula", "format": self.f["bad"],
                                                  "criteria": "=OR(" + ",".join(f'{cell}="{s}"' for s in FAILED_STATES) + ")"})

    def _summary_marks(self, ws, frame: pd.DataFrame) -> None:
        from xlsxwriter.utility import xl_rowcol_to_cell
        n = max(len(frame), 1)
        col = {name: j for j, name in enumerate(frame.columns)}
        self._status_marks(ws, 1, n, col["状态"])
        stated, computed = col["填报总分"], col["重新计算总分"]
        a, b = xl_rowcol_to_cell(1, stated, col_abs=True), xl_rowcol_to_cell(1, computed, col_abs=True)
        ws.conditional_format(1, stated, n, stated, {"type": "formula", "format": self.f["differs"],
                                                     "criteria": f"=AND(ISNUMBER({a}),ISNUMBER({b}),ROUND({a}-{b},2)<>0)"})
        ws.conditional_format(1, computed, n, computed, {"type": "data_bar", "bar_color": "#9BC2E6",
                                                         "min_type": "num", "min_value": 0,
                                                         "max_type": "num", "max_value": 100})

    # -- charts --------------------------------------------------------------------------------
    def _charts(self, ws, frame: pd.DataFrame) -> None:
        """Counts by grade and by 执行率 (formulas over the ranked rows of 汇总) and three charts in
        a grid of :data:`CHART_GRID` cells that never overlap; ranking bars coloured by grade."""
        from xlsxwriter.utility import quote_sheetname, xl_range_abs
        ranked = frame[frame["排名"].notna()]
        n = max(len(ranked), 1)
        col = {name: j for j, name in enumerate(frame.columns)}
        sheet = quote_sheetname("汇总")
        grade_rng = f"{sheet}!{xl_range_abs(1, col['重新计算等级'], n, col['重新计算等级'])}"
        rate_rng = f"{sheet}!{xl_range_abs(1, col['执行率'], n, col['执行率'])}"
        present = [g for g in ranked["重新计算等级"].dropna().unique() if g]
        grades = [g for g in GRADE_ORDER if g in ("优", "良", "中", "差") or g in present]
        grades += sorted(g for g in present if g not in grades)
        grade_counts = ranked["重新计算等级"].value_counts()
        rates = ranked["执行率"].dropna()
        bins = []
        for label, low, high in RATE_BINS:
            if high == "=":
                bins.append((label, f'=COUNTIFS({rate_rng},"={low}")', int((rates == low).sum())))
                continue
            parts, mask = [], rates == rates
            if low is not None:
                parts.append(f'{rate_rng},">={low}"' if high is not None else f'{rate_rng},">{low}"')
                mask &= (rates >= low) if high is not None else (rates > low)
            if high is not None:
                parts.append(f'{rate_rng},"<{high}"')
                mask &= rates < high
            bins.append((label, f"=COUNTIFS({','.join(parts)})", int(mask.sum())))
        ws.set_column(0, 0, 10)
        ws.set_column(1, 1, 8)
        ws.set_column(3, 3, 12)
        ws.set_column(4, 4, 8)
        ws.write_string(0, 0, "重新计算等级分布", self.f["title"])
        ws.write_string(0, 3, "预算执行率分布", self.f["title"])
        ws.write_string(1, 0, "等级", self.f["head"])
        ws.write_string(1, 1, "单位数", self.f["head"])
        ws.write_string(1, 3, "执行率", self.f["head"])
        ws.write_string(1, 4, "单位数", self.f["head"])
        for i in range(max(len(grades), len(bins))):
            r = 2 + i
            if i < len(grades):
                ws.write_string(r, 0, grades[i], self.f["center"])
                ws.write_formula(r, 1, f"=COUNTIF({grade_rng},{_a1(r, 0)})", self.f["int"],
                                 int(grade_counts.get(grades[i], 0)))
            if i < len(bins):
                label, formula, value = bins[i]
                ws.write_string(r, 3, label, self.f["center"])
                ws.write_formula(r, 4, formula, self.f["int"], value)
        note_row = 3 + max(len(grades), len(bins))
        ws.write_string(note_row, 0, "按计入排名的文件（重新计算的总分和执行率）统计；计数为公式，随“汇总”表更新。")
        top = note_row + 2

        grade_chart = self.book.add_chart({"type": "column"})
        grade_chart.add_series({"name": "单位数", "categories": ["图表", 2, 0, 1 + len(grades), 0],
                                "values": ["图表", 2, 1, 1 + len(grades), 1], "data_labels": {"value": True},
                                "points": [{"fill": {"color": GRADE_COLORS.get(g, "#A5A5A5")}} for g in grades],
                                "gap": 80})
        grade_chart.set_title({"name": "等级分布（重新计算）", "name_font": {"size": 12}})
        grade_chart.set_legend({"none": True})
        grade_chart.set_y_axis({"name": "单位数", "min": 0, "major_gridlines": {"visible": True,
                                                                         "line": {"color": "#D9D9D9"}}})

        rate_chart = self.book.add_chart({"type": "column"})
        rate_chart.add_series({"name": "单位数", "categories": ["图表", 2, 3, 1 + len(bins), 3],
                               "values": ["图表", 2, 4, 1 + len(bins), 4], "data_labels": {"value": True},
                               "fill": {"color": "#5B9BD5"}, "gap": 40})
        rate_chart.set_title({"name": "预算执行率分布", "name_font": {"size": 12}})
        rate_chart.set_legend({"none": True})
        rate_chart.set_x_axis({"name": "执行率"})
        rate_chart.set_y_axis({"name": "单位数", "min": 0, "major_gridlines": {"visible": True,
                                                                         "line": {"color": "#D9D9D9"}}})
        width, height, gap = CHART_GRID
        grade_chart.set_size({"width": width, "height": height})
        rate_chart.set_size({"width": width, "height": height})
        ws.insert_chart(top, 0, grade_chart, {"x_offset": 0, "y_offset": 0, "object_position": 3})
        ws.insert_chart(top, 0, rate_chart, {"x_offset": width + gap, "y_offset": 0, "object_position": 3})

        k = min(len(ranked), RANKING_MAX)
        if k:
            j_unit, j_total = col["单位"], col["重新计算总分"]
            ranking = self.book.add_chart({"type": "bar"})
            colours = [GRADE_COLORS.get(g, "#A5A5A5") for g in ranked["重新计算等级"].head(k)]
            ranking.add_series({"name": "重新计算总分", "categories": ["汇总", 1, j_unit, k, j_unit],
                                "values": ["汇总", 1, j_total, k, j_total], "data_labels": {"value": True,
                                                                                         "num_format": "0.00"},
                                "points": [{"fill": {"color": c}} for c in colours], "gap": 40})
            title = "重新计算总分排名（颜色为等级）" + (f"（前{k}名）" if len(ranked) > k else "")
            ranking.set_title({"name": title, "name_font": {"size": 12}})
            ranking.set_legend({"none": True})
            ranking.set_y_axis({"reverse": True, "num_font": {"size": 8}})
            ranking.set_x_axis({"min": 0, "max": 100, "major_unit": 20,
                                "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
            ranking.set_size({"width": 2 * width + gap, "height": max(height, 60 + 20 * k)})
            ws.insert_chart(top, 0, ranking, {"x_offset": 0, "y_offset": height + gap, "object_position": 3})
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)


#: The charts' grid on 图表: each small chart's width and height and the gap between charts (pixels);
#: the ranking spans both columns below them.
CHART_GRID = (480, 288, 20)


def _header_text(text: str) -> str:
    """Text for a page header: "&" is a code there."""
    return text.replace("&", "&&")


def _a1(r: int, c: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell
    return xl_rowcol_to_cell(r, c)


def _value(value):
    """A table value as FastSheet.write_cells takes it: str (within Excel's limit), a finite number,
    or None (blank, also for NaN and infinity); a bool or anything else becomes its text."""
    if type(value) is str:  # most cells
        return value[:EXCEL_STRING_LIMIT]
    value = _plain(value)
    if value is None or isinstance(value, str):
        return value if value is None else value[:EXCEL_STRING_LIMIT]
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    return str(value)[:EXCEL_STRING_LIMIT]
