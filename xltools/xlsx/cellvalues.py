"""What a template row holds, and the Filing those cells mean.

A template keeps numbers as numbers: the operator in its own cell (指标方向), the target and the
actual value as numbers shown with their unit by the number format (``0"件"``, ``0.00%``), or as
text where they are qualitative.  The formulas compute from exactly these cells, and Python
scores a template from exactly these cells too — :func:`filing_from_rows` is used both by the
writer (to compute the cached value of every formula) and by the reader.  Pure: no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from ..model import Entry, Filing, Form, FundingRow, Leaf, key
from ..num import places
from ..parse import Value, align, parse
from ..scoring import prepare_actual
from .numfmt import shown


@dataclass(frozen=True)
class Cell:
    """A cell value as stored: a Decimal, a str, or None; ``fmt`` is the number format for numbers."""

    value: Decimal | str | None = None
    fmt: str = "General"

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, Decimal)


@dataclass(frozen=True)
class Row:
    """The input cells of one indicator row."""

    key: str  # the indicator path (hidden column); "group/" for a blank row
    name: str = ""
    weight: Decimal | None = None
    op: str = ""
    target: Cell = field(default_factory=Cell)
    actual: Cell = field(default_factory=Cell)
    manual: Decimal | None = None
    reason: str = ""
    band: str = ""
    inputs: tuple[Cell, Cell] = (Cell(), Cell())
    stated: object = None  # a score typed over the formula (read back from a workbook)


def number_format(value: Value) -> str:
    """The format that shows a number the way it was typed: 98% -> 0%, 437万元 -> 0"万元"."""
    number = value.amount
    if value.ratio:
        digits = places((number * 100).normalize()) if value.unit == "%" else 2
        return "0%" if digits == 0 else "0." + "0" * min(digits, 4) + "%"
    digits = places(number.normalize())
    base = "0" if digits == 0 else "0." + "0" * min(digits, 6)
    if value.unit and '"' not in value.unit:
        return f'{base}"{value.unit}"'
    return "General" if digits == 0 else base


def cell_for(raw) -> Cell:
    """A typed value as the cell should hold it (the operator goes to its own cell)."""
    value = parse(raw)
    if value.is_number:
        return Cell(value.number, number_format(value))
    if value.is_blank:
        return Cell()
    return Cell(value.text)


def row_for(parent: tuple[str, ...], leaf: Leaf | None, entry: Entry) -> Row:
    """The cells of one row from a typed entry (a filing made from YAML, or a foreign table).

    Numbers are written in the unit the formulas compare them in: an actual typed as a plain 93
    against a percentage target (or for a rate rule) is written as 93 %, as Python reads it.
    """
    if leaf is None:
        return Row(key=key(parent + ("",)))
    raw_target = entry.target if entry.target is not None else leaf.target
    target = parse(raw_target)
    actual = parse(entry.actual)
    op = ""
    if leaf.rule.typed_target:
        op = leaf.rule.operator(target) or ""
        if not op and not target.is_number and not target.is_blank:
            op = "定性"
        if target.is_number and actual.is_number and target.ratio != actual.ratio:
            aligned = align(target, actual)
            if not isinstance(aligned, str):
                target = replace(target, number=aligned.target, ratio=True, unit="%")
                actual = replace(actual, number=aligned.actual, ratio=True, unit="%")
    else:
        actual, _ = prepare_actual(leaf.rule, actual)
    manual = _manual(parent + (leaf.name,), leaf, entry)
    inputs = (Cell(), Cell())
    typed = _cell(actual)
    if leaf.derive:
        first, second = leaf.derive.inputs  # every derivation has two inputs
        inputs = (cell_for(entry.inputs.get(first)), cell_for(entry.inputs.get(second)))
        if any(c.value is not None for c in inputs):
            typed = Cell()  # computed from its inputs by the formula
    return Row(key=key(parent + (leaf.name,)), name=leaf.name, weight=leaf.weight, op=op,
               target=_cell(target), actual=typed, manual=manual, reason=(entry.reason or ""),
               band=entry.band or "", inputs=inputs)


def _cell(value: Value) -> Cell:
    if value.is_number:
        return Cell(value.number, number_format(value))
    if value.is_blank:
        return Cell()
    return Cell(value.text)


def _manual(path: tuple[str, ...], leaf: Leaf, entry: Entry) -> Decimal | None:
    """The evaluator's score: given as such, or the stated score where it is the one that counts
    (a judged leaf, or a deduction by judgement with a reason)."""
    from ..scoring import score_leaf
    given = parse(entry.manual)
    if given.is_number:
        return given.number
    if entry.score is None:  # no stated score: nothing to keep
        return None
    result = score_leaf(path, leaf, replace(entry, manual=None))
    if result.stated is not None and (result.judged or result.score == result.stated != result.rule_score):
        return result.stated
    return None


def cell_value(cell: Cell, op: str = "", rate: bool = False) -> Value:
    """How Python reads a template cell: exactly what the formula sees.  A number is a number
    (a rate rule's always a fraction; no unit conversion, as in the formulas); text is text, even
    when it looks like a number ("1,112.67" typed as text is not a number to ISNUMBER)."""
    if cell.value is None:
        return parse(None)
    if isinstance(cell.value, Decimal):
        if op == "定性":
            return Value("text", text=str(cell.value))
        return Value("number", text=str(cell.value), op=op or None, number=cell.value, ratio=rate,
                     shown=shown(cell.value, cell.fmt))
    text = str(cell.value)
    return Value("text" if text.strip() else "blank", text=text)


def filing_from_rows(form: Form, rows: list[tuple[tuple[str, ...], Leaf, Row]], *, unit: str = "",
                     year: int | None = None, funding: dict[str, FundingRow] | None = None,
                     goal: tuple[str, str] = ("", "")) -> Filing:
    """The Filing that a template's cells mean (``rows``: (group path, leaf, row) per used row)."""
    entries = {}
    added: dict[tuple[str, ...], list[Leaf]] = {}
    known = {key(p) for p, _ in form.leaves()}
    for parent, leaf, row in rows:
        path = parent + (leaf.name,)
        if key(path) not in known:
            added.setdefault(parent, []).append(leaf)
        target = cell_value(row.target, row.op if leaf.rule.typed_target else "", leaf.rule.reads_rate)
        if row.op == "定性" and leaf.rule.typed_target:
            target = Value("text", text=target.text or "定性")
        inputs = {}
        if leaf.derive:
            inputs = {name: cell_value(cell) for name, cell in zip(leaf.derive.inputs, row.inputs)}
        entries[key(path)] = Entry(target=target, actual=cell_value(row.actual, rate=leaf.rule.reads_rate), manual=row.manual,
                                   reason=row.reason or None, band=row.band or None, inputs=inputs,
                                   score=row.stated)
    filing_form = form.with_leaves(added) if added else form
    return Filing(form=filing_form, unit=unit, year=year, funding=funding or {}, entries=entries,
                  goal_planned=goal[0], goal_achieved=goal[1])


def funding_cells(filing: Filing) -> dict[str, FundingRow]:
    """Funding amounts as the cells hold them (numbers where readable)."""
    out = {}
    for name, row in filing.funding.items():
        out[name] = FundingRow(**{col: cell_for(getattr(row, col)).value for col in ("initial", "budget", "spent")})
    return out

