"""The issues' yardsticks, timed beside our own code so that a result can be read on this virtual
machine, whose speed drifts by 30-50 % from one minute to the next:

* ``xlsxwriter_table`` — XlsxWriter writing a plain 78-row table (issue 3: "about 8 ms here");
* ``calamine_read`` — python-calamine reading a workbook's cached values (issue 4: read + score of
  a 78-row table "about 1.2 ms"; the reading part).

:func:`interleaved` runs ours and the yardstick in alternating batches, so both see the same
machine, and reports each one's best batch and their ratio.
"""
from __future__ import annotations

import io
import time
from typing import Callable


def xlsxwriter_table() -> None:
    """A 78-row, 8-column table: text, numbers and a ROUND formula per row, three formats."""
    import xlsxwriter
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    ws = book.add_worksheet("表")
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#F2F2F2"})
    text = book.add_format({"border": 1, "text_wrap": True})
    num = book.add_format({"border": 1, "num_format": "0.00"})
    for c, title in enumerate(("一级", "二级", "三级", "指标值", "实际值", "分值", "得分", "说明")):
        ws.write_string(0, c, title, head)
    for r in range(1, 79):
        ws.write_string(r, 0, "产出指标", text)
        ws.write_string(r, 1, "数量指标", text)
        ws.write_string(r, 2, f"指标{r}", text)
        ws.write_number(r, 3, 100, num)
        ws.write_number(r, 4, 90 + r % 10, num)
        ws.write_number(r, 5, 5, num)
        ws.write_formula(r, 6, f"=ROUND(MIN(1,E{r + 1}/D{r + 1})*F{r + 1},2)", num, 4.5)
        ws.write_string(r, 7, "", text)
    book.close()


def calamine_reader(path) -> Callable[[], None]:
    from python_calamine import CalamineWorkbook

    def read() -> None:
        book = CalamineWorkbook.from_path(str(path))
        book.get_sheet_by_index(0).to_python()
    return read


def interleaved(funcs: list[Callable[[], None]], batch: int, batches: int = 7) -> list[tuple[float, float]]:
    """(best, mean) ms per call of each function, timed in alternating batches."""
    times: list[list[float]] = [[] for _ in funcs]
    for func in funcs:
        func()
    for _ in range(batches):
        for func, out in zip(funcs, times):
            start = time.perf_counter()
            for _ in range(batch):
                func()
            out.append((time.perf_counter() - start) / batch * 1000)
    return [(min(t), sum(t) / len(t)) for t in times]


#: What the issue measured for the XlsxWriter yardstick "here": machine-state scale = 8 / measured.
ISSUE_XLSXWRITER_MS = 8.0


def machine_scale(batches: int = 5, batch: int = 10) -> float:
    """How much faster (>1) or slower (<1) this machine is right now than when the issue measured
    its yardstick: the issue's 8 ms over the yardstick's best batch now."""
    xlsxwriter_table()
    best = min(_batch(xlsxwriter_table, batch) for _ in range(batches))
    return ISSUE_XLSXWRITER_MS / best


def _batch(func: Callable[[], None], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        func()
    return (time.perf_counter() - start) / n * 1000
