"""Read values as people type them: ``≥100件``, ``不低于90%``, ``９８％``, ``1,112.67``, ``整洁、有序``.

A value is one of four kinds:

* ``number`` — an optional comparison operator, a Decimal and a unit.  Percentages are
  stored as fractions (``98%`` -> ``0.98``, ``ratio=True``) so that they compare with
  the fractions Excel stores in percent-formatted cells;
* ``text`` — qualitative (``整洁、有序、舒适``, ``按时完成``, or prose with several numbers);
* ``blank`` — nothing typed;
* ``error`` — looks like a number but cannot be read (``≥``, ``1..5``, ``#DIV/0!``);
  ``reason`` says why.  Nothing is ever guessed.

Pure functions, no I/O.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from .num import HUNDRED, fmt

#: Operator spelled as symbols, longest first.
_SYMBOLS = (
    (">=", "≥"), ("=>", "≥"), ("≥", "≥"), ("≧", "≥"), ("⩾", "≥"),
    ("<=", "≤"), ("=<", "≤"), ("≤", "≤"), ("≦", "≤"), ("⩽", "≤"),
    ("==", "="), (">", ">"), ("<", "<"), ("=", "="),
)
#: Operator spelled as words (before the number), longest first.
_WORDS = (
    ("大于或等于", "≥"), ("大于等于", "≥"), ("不少于", "≥"), ("不低于", "≥"), ("不小于", "≥"),
    ("不得低于", "≥"), ("不得少于", "≥"), ("至少", "≥"), ("达到", "≥"), ("达", "≥"),
    ("小于或等于", "≤"), ("小于等于", "≤"), ("不超过", "≤"), ("不高于", "≤"), ("不大于", "≤"),
    ("不多于", "≤"), ("不得超过", "≤"), ("未超过", "≤"), ("未超出", "≤"), ("至多", "≤"),
    ("最多", "≤"), ("控制在", "≤"),
    ("高于", ">"), ("大于", ">"), ("超过", ">"), ("多于", ">"),
    ("低于", "<"), ("小于", "<"), ("少于", "<"), ("未达到", "<"),
    ("等于", "="),
)
_WORDS_LONGEST_FIRST = sorted(_WORDS, key=lambda pair: -len(pair[0]))
#: Operator spelled as words after the number (``95%以上``, ``5%以内``).
_SUFFIXES = (
    ("及以上", "≥"), ("以上", "≥"), ("及以下", "≤"), ("以下", "≤"), ("以内", "≤"),
)
EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
                "#GETTING_DATA", "#SPILL!", "#CALC!")
#: A number as people write it: optional sign, optional thousands separators, decimals.
_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
#: Anything that looks like a number token, to catch malformed ones (1..5, 12,34).
_TOKEN = re.compile(r"[-+]?\d[\d,.]*\d|[-+]?\d")
_UNIT = re.compile(r"[%‰]|[^\s\d,.，。；;、:：()（）\[\]【】\"'“”‘’/~\-+=<>≥≤]{1,6}")
#: Numbers beyond this are not budget figures; they are typos or hostile input.
MAX_ABS = Decimal("1e15")
#: Unit scales for converting between related units (target unit vs actual unit).
_SCALES = {
    "元": ("元", Decimal(1)), "千元": ("元", Decimal(1000)), "米": ("米", Decimal(1)), "m": ("米", Decimal(1)),
    "千米": ("米", Decimal(1000)),
    "公里": ("米", Decimal(1000)), "平方米": ("平方米", Decimal(1)), "平方公里": ("平方米", Decimal(10) ** 6),
    "公顷": ("平方米", Decimal(10000)), "亩": ("平方米", Decimal(2000) / 3), "立方米": ("立方米", Decimal(1)),
}
#: Prefixes that scale any unit: 万平方米, 万人次, 亿元.
_PREFIXES = (("万", Decimal(10000)), ("亿", Decimal(10) ** 8), ("千", Decimal(1000)))
#: Unit symbols folded to their Chinese names before NFKC (which would turn ㎡ into "m2", a second number).
_UNIT_SYMBOLS = (("平方千米", "平方公里"), ("km²", "平方公里"), ("km2", "平方公里"), ("㎢", "平方公里"),
                 ("㎡", "平方米"), ("m²", "平方米"), ("M²", "平方米"), ("㎥", "立方米"), ("m³", "立方米"),
                 ("M³", "立方米"), ("㎞", "公里"), ("km", "公里"), ("KM", "公里"), ("Km", "公里"))


def unit_scale(unit: str) -> tuple[str, Decimal] | None:
    """(base unit, factor): 万平方米 -> (平方米, 10000), 公里 -> (米, 1000), 人次 -> (人次, 1)."""
    if unit in _SCALES:
        return _SCALES[unit]
    for prefix, factor in _PREFIXES:
        if unit.startswith(prefix) and len(unit) > 1:
            base, inner = unit_scale(unit[len(prefix):]) or (unit[len(prefix):], Decimal(1))
            return base, factor * inner
    return (unit, Decimal(1)) if unit else None


#: The four kinds of value (see the module's docstring).
Kind = Literal["number", "text", "blank", "error"]


@dataclass(frozen=True)
class Value:
    """A parsed cell value: ``number`` is set exactly when ``kind`` is ``"number"``."""

    kind: Kind
    text: str = ""
    op: str | None = None
    number: Decimal | None = None
    unit: str = ""
    ratio: bool = False
    reason: str | None = None
    #: A number read from a workbook cell as the cell shows it under its number format (``90%``,
    #: ``120件``); "" when the value was typed as text.  Not part of the value's identity.
    shown: str = field(default="", compare=False)

    @property
    def is_number(self) -> bool:
        return self.kind == "number"

    @property
    def is_blank(self) -> bool:
        return self.kind == "blank"

    @property
    def amount(self) -> Decimal:
        """The number of a number value (callers ask :attr:`is_number` first)."""
        if self.number is None:
            raise ValueError(f"a {self.kind} value has no number: {self.text!r}")
        return self.number

    def display(self) -> str:
        """Canonical text: ``≥100件``, ``93%``, ``整洁``."""
        if self.number is None:
            return self.text
        number = fmt(self.number * HUNDRED) + self.unit if self.unit == "%" else (
            fmt(self.number * 1000) + "‰" if self.unit == "‰" else fmt(self.number) + self.unit)
        return (self.op or "") + number


BLANK = Value("blank")


def number(value, *, op: str | None = None, unit: str = "", ratio: bool = False) -> Value:
    """Build a number Value directly (used for numeric cells)."""
    num = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else str(value))
    return Value("number", text=str(value), op=op, number=num, unit=unit, ratio=ratio)


def parse(raw) -> Value:
    """Parse one cell value (str, int, float, Decimal or None)."""
    if raw is None:
        return BLANK
    if isinstance(raw, Value):
        return raw
    if isinstance(raw, bool):
        return Value("text", text="是" if raw else "否")
    if isinstance(raw, (int, float, Decimal)):
        return _from_number(raw)
    text = str(raw)
    if len(text) <= CACHED_TEXT:
        return _parse_cached(text)
    return _parse_text(text)


#: Texts up to this length are parsed once per process: the same targets, units and marks recur
#: in every row and every workbook of a collection (a Value is immutable, so it can be shared).
CACHED_TEXT = 100


def _parse_text(text: str) -> Value:
    norm = _normalize(text)
    if not norm:
        return BLANK
    shown = text.strip()
    if any("\u2460" <= ch <= "\u2473" for ch in text):  # ①②③: item marks of a checklist, not 123
        return Value("text", text=shown)
    if norm.upper() in EXCEL_ERRORS:
        return Value("error", text=shown, reason=f"单元格是错误值 {norm.upper()}，通常是公式引用出错")
    return _from_text(shown, norm)


_parse_cached = lru_cache(maxsize=8192)(_parse_text)


def _from_number(raw) -> Value:
    try:
        value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    except (InvalidOperation, ValueError):
        return Value("error", text=str(raw), reason="不是有效数字")
    if not value.is_finite():
        return Value("error", text=str(raw), reason="不是有效数字")
    if abs(value) > MAX_ABS:
        return Value("error", text=str(raw), reason="数值过大，可能是输入错误")
    return Value("number", text=str(raw), number=value)


def _normalize(text: str) -> str:
    for symbol, name in _UNIT_SYMBOLS:  # before NFKC, which reads ㎡ and m² as "m2"
        text = text.replace(symbol, name)
    # NFKC folds full-width digits, ％, ＞, ＝ and the ideographic space.
    out = unicodedata.normalize("NFKC", text)
    out = out.replace("−", "-").replace("－", "-").replace("﹪", "%")
    return re.sub(r"\s+", "", out)


_SCIENTIFIC = re.compile(r"[-+]?\d+(?:\.\d+)?[eE][-+]?\d+")


def _from_text(shown: str, norm: str) -> Value:
    if _SCIENTIFIC.fullmatch(norm):  # 1E-7, 1e400: what Excel shows for very small/large numbers
        return _from_number(Decimal(norm))
    tokens = _TOKEN.findall(norm)
    numbers = _NUMBER.findall(norm)
    op, body = _leading_operator(norm)
    if not tokens:
        if op is not None:
            return Value("error", text=shown, op=op, reason="有比较符号但没有数字")
        return Value("text", text=shown)
    bad = [t for t in tokens if not _NUMBER.fullmatch(t)]
    if bad:
        return Value("error", text=shown, reason=f"数字写法不对：{bad[0]}")
    if len(numbers) > 1:
        if op is not None:
            return Value("error", text=shown, op=op, reason="有多个数字，无法判断以哪个为准")
        return Value("text", text=shown)  # prose such as 全年365天，全天24小时
    match = _NUMBER.search(body)
    if match is None:  # the number sat before the operator word: "95%不低于"
        return Value("error", text=shown, reason="比较符号应写在数字前面")
    before, after = body[: match.start()], body[match.end():]
    if op is None:
        op = _word_operator(before)
    unit_match = _UNIT.match(after)
    unit = unit_match.group(0) if unit_match else ""
    rest = after[len(unit):]
    if unit.endswith(tuple(s for s, _ in _SUFFIXES)):  # "件以上" -> unit 件, suffix 以上
        for suffix, _ in _SUFFIXES:
            if unit.endswith(suffix):
                rest, unit = unit[-len(suffix):] + rest, unit[: -len(suffix)]
                break
    suffix_op = _suffix_operator(rest)
    if suffix_op is not None:
        if op is not None and op != suffix_op:
            return Value("error", text=shown, reason="数字前后的比较方向相互矛盾")
        op = suffix_op
    value = Decimal(match.group(0).replace(",", ""))
    if abs(value) > MAX_ABS:
        return Value("error", text=shown, reason="数值过大，可能是输入错误")
    ratio = unit in ("%", "‰")
    if unit == "%":  # scaleb keeps the written precision: 99.4% -> 0.994, 100% -> 1.00
        value = value.scaleb(-2)
    elif unit == "‰":
        value = value.scaleb(-3)
    return Value("number", text=shown, op=op, number=value, unit=unit, ratio=ratio)


def _leading_operator(norm: str) -> tuple[str | None, str]:
    for symbol, op in _SYMBOLS:
        if norm.startswith(symbol):
            return op, norm[len(symbol):]
    return None, norm


def _word_operator(before: str) -> str | None:
    for word, op in _WORDS_LONGEST_FIRST:
        if before.endswith(word) or (word in before and len(word) >= 2):
            return op
    for symbol, op in _SYMBOLS:  # "案件处理率≥95%": symbol after a label
        if before.endswith(symbol):
            return op
    return None


def _suffix_operator(rest: str) -> str | None:
    rest = rest.lstrip("(（含)）")
    for suffix, op in _SUFFIXES:
        if rest.startswith(suffix):
            return op
    return None


# ---------------------------------------------------------------------------
# Comparing a target with an actual value


@dataclass(frozen=True)
class Aligned:
    """Target and actual numbers brought into the same unit; ``note`` says what was assumed."""

    target: Decimal
    actual: Decimal
    note: str | None = None


#: A plain number compared with a percentage is read as percent points above this
#: (98 -> 98 %), as a fraction at or below it (0.98 -> 98 %).
PERCENT_POINTS_ABOVE = Decimal("1.5")


def align(target: Value, actual: Value) -> Aligned | str:
    """Bring two numbers into one unit.  Returns Aligned, or a Chinese reason string."""
    t, a = target.amount, actual.amount
    note = None
    if target.ratio != actual.ratio:
        if target.ratio:
            if abs(a) > PERCENT_POINTS_ABOVE:
                a, note = a / HUNDRED, f"实际值 {fmt(actual.number)} 按百分数 {fmt(a)}% 理解"
        elif abs(t) > PERCENT_POINTS_ABOVE:
            t, note = t / HUNDRED, f"目标值 {fmt(target.number)} 按百分数 {fmt(t)}% 理解"
        return Aligned(t, a, note)
    tu, au = target.unit, actual.unit
    if tu and au and tu != au and not target.ratio:
        ts, as_ = unit_scale(tu), unit_scale(au)
        if ts and as_ and ts[0] == as_[0]:
            a = a * as_[1] / ts[1]
            note = f"实际值单位 {au} 换算为 {tu}"
        else:
            return f"目标单位“{tu}”与实际单位“{au}”不同，无法比较"
    return Aligned(t, a, note)


#: Words that open a summary row's label (小计 may stand anywhere: 目标1小计, 产出指标小计).
SUMMARY = ("小计", "合计", "总计", "总分")


def is_summary_label(text: str) -> bool:
    """A label of a summary row, never an indicator: 小计 anywhere; 合计/总计/总分 at the start."""
    return text.startswith(SUMMARY) or "小计" in text
