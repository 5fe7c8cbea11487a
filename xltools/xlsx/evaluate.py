"""Evaluate one of our formulas over a sheet's *stored* values: what the spreadsheet shows after it
recalculates that one cell from the cells as they are saved (inputs and other cells' cached values).

This tells a stale cache from a wrong cell: when a formula cell's cached value equals its own
formula over the stored values, the workbook was recalculated, and a difference from Python's
recomputation is real (a cell typed over upstream, text the formulas cannot read), not "saved
without recalculating".

A small Excel expression language, with Excel's own semantics where our formulas rely on them:
blanks count as 0 or "", ``SUM``/``MIN``/``MAX``/``COUNT`` skip text in ranges, ``AND``/``OR``
evaluate every argument (errors propagate), ``IF`` is lazy, ``ROUND`` rounds half away from zero on
the decimal value.  Anything else (other sheets, unknown functions) raises :class:`Unsupported`.
Pure: a ``lookup(row, col) -> value`` callback supplies the cells.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from .cells import rowcol as parse_ref


class Unsupported(Exception):
    """A formula this evaluator does not model."""


class XlErr(str):
    """An Excel error value (#VALUE!, #DIV/0! …)."""


VALUE, DIV0, NUM = XlErr("#VALUE!"), XlErr("#DIV/0!"), XlErr("#NUM!")
ERRORS = {"#VALUE!", "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!"}

_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"]|"")*")|(?P<ref>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)(?![A-Z0-9(])'
                    r'|(?P<func>[A-Z][A-Z0-9.]*)\(|(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)'
                    r'|(?P<bool>TRUE|FALSE)(?![A-Z0-9(])|(?P<op><>|<=|>=|[-+*/^&=<>(),%]))', re.I)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise Unsupported(f"cannot read formula at {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        if kind is None:  # every alternative of _TOKEN is a named group
            raise Unsupported(f"cannot read formula at {text[pos:pos + 20]!r}")
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    """Recursive descent into a tuple AST: ("num", x) ("str", s) ("ref", r1, c1, r2, c2) ("call", NAME, args)
    ("bin", op, a, b) ("neg", a) ("pct", a)."""

    def __init__(self, tokens):
        self.t, self.i = tokens, 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else (None, None)

    def take(self, value=None):
        tok = self.peek()
        if tok[0] is None or (value is not None and tok[1] != value):
            raise Unsupported(f"expected {value!r}")
        self.i += 1
        return tok

    def parse(self):
        node = self.compare()
        if self.i != len(self.t):
            raise Unsupported("trailing tokens")
        return node

    def _binary(self, ops, sub):
        node = sub()
        while self.peek()[0] == "op" and self.peek()[1] in ops:
            op = self.take()[1]
            node = ("bin", op, node, sub())
        return node

    def compare(self):
        return self._binary(("=", "<>", "<", ">", "<=", ">="), self.concat)

    def concat(self):
        return self._binary(("&",), self.add)

    def add(self):
        return self._binary(("+", "-"), self.mul)

    def mul(self):
        return self._binary(("*", "/"), self.unary)

    def unary(self):
        if self.peek() == ("op", "-"):
            self.take()
            return ("neg", self.unary())
        if self.peek() == ("op", "+"):
            self.take()
            return self.unary()
        return self._binary(("^",), self.postfix)

    def postfix(self):
        node = self.primary()
        while self.peek() == ("op", "%"):
            self.take()
            node = ("pct", node)
        return node

    def primary(self):
        kind, value = self.take()
        if kind == "num":
            return ("num", float(value))
        if kind == "str":
            return ("str", value[1:-1].replace('""', '"'))
        if kind == "bool":
            return ("bool", value.upper() == "TRUE")
        if kind == "ref":
            parts = [parse_ref(p.replace("$", "")) for p in value.upper().split(":")]
            (r1, c1), (r2, c2) = parts[0], parts[-1]
            return ("ref", min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
        if kind == "func":
            args = []
            if self.peek() != ("op", ")"):
                args.append(self.compare())
                while self.peek() == ("op", ","):
                    self.take()
                    args.append(self.compare())
            self.take(")")
            return ("call", value.upper(), args)
        if (kind, value) == ("op", "("):
            node = self.compare()
            self.take(")")
            return node
        raise Unsupported(f"unexpected {value!r}")


def parse_formula(text: str):
    return _Parser(_tokens(text.lstrip("="))).parse()


# -- values ------------------------------------------------------------------------------------

def _err(v) -> bool:
    return isinstance(v, XlErr)


def _num(v):
    """Coerce a scalar for arithmetic (blank 0, TRUE 1, "3" 3, other text #VALUE!)."""
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    if _err(v):
        return v
    try:
        return float(str(v).strip())
    except ValueError:
        return VALUE


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return format(Decimal(repr(v)).normalize(), "f") if v != int(v) else str(int(v))
    return str(v)


def _truth(v):
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    if _err(v):
        return v
    if str(v).upper() in ("TRUE", "FALSE"):
        return str(v).upper() == "TRUE"
    return VALUE


def _rank(v):
    """Excel's order of types in comparisons: numbers < text < booleans (blank as 0 or "")."""
    if isinstance(v, bool):
        return 2, v
    if isinstance(v, (int, float)):
        return 0, v
    return 1, str(v).lower()


def _compare(op, a, b):
    if _err(a):
        return a
    if _err(b):
        return b
    if a is None:
        a = "" if isinstance(b, str) else (False if isinstance(b, bool) else 0.0)
    if b is None:
        b = "" if isinstance(a, str) else (False if isinstance(a, bool) else 0.0)
    x, y = _rank(a), _rank(b)
    return {"=": x == y, "<>": x != y, "<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]


def _round(x: float, places: int) -> float:
    q = Decimal(1).scaleb(-places)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP)) if places >= 0 else \
        float(Decimal(repr(x)).scaleb(places).quantize(Decimal(1), rounding=ROUND_HALF_UP).scaleb(-places))


class Evaluator:
    def __init__(self, lookup: Callable[[int, int], object]):
        self.lookup = lookup

    def value(self, node):
        """A scalar (a single-cell range is its value; a larger range is #VALUE!)."""
        v = self.eval(node)
        if isinstance(v, list):
            return v[0] if len(v) == 1 else VALUE
        return v

    def eval(self, node):
        kind = node[0]
        if kind in ("num", "str", "bool"):
            return node[1]
        if kind == "ref":
            _, r1, c1, r2, c2 = node
            if (r2 - r1 + 1) * (c2 - c1 + 1) > 100000:
                raise Unsupported("range too large")
            return [self._cell(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
        if kind == "neg":
            v = _num(self.value(node[1]))
            return v if _err(v) else -v
        if kind == "pct":
            v = _num(self.value(node[1]))
            return v if _err(v) else v / 100
        if kind == "bin":
            return self._binary(node[1], self.value(node[2]), self.value(node[3]))
        name, args = node[1], node[2]
        fn = getattr(self, "f_" + name.replace(".", "_"), None)
        if fn is None:
            raise Unsupported(f"function {name}")
        return fn(args)

    def _cell(self, r, c):
        v = self.lookup(r, c)
        if isinstance(v, str) and v in ERRORS:
            return XlErr(v)
        return v

    def _binary(self, op, a, b):
        if op in ("=", "<>", "<", ">", "<=", ">="):
            return _compare(op, a, b)
        if op == "&":
            if _err(a) or _err(b):
                return a if _err(a) else b
            return _text(a) + _text(b)
        x, y = _num(a), _num(b)
        if _err(x) or _err(y):
            return x if _err(x) else y
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/":
            return DIV0 if y == 0 else x / y
        try:
            return float(x ** y)
        except (OverflowError, ZeroDivisionError, ValueError):
            return NUM

    # -- argument helpers --------------------------------------------------------------------
    def _numbers(self, args, *, count_text=False):
        """Numbers of the arguments: from ranges only numbers; direct arguments coerced."""
        out = []
        for a in args:
            v = self.eval(a)
            if isinstance(v, list):
                for x in v:
                    if _err(x):
                        return x
                    if isinstance(x, (int, float)) and not isinstance(x, bool):
                        out.append(float(x))
            else:
                x = _num(v)
                if _err(x):
                    return x
                out.append(x)
        return out

    def _bools(self, args):
        out = []
        for a in args:
            v = self.eval(a)
            for x in (v if isinstance(v, list) else [v]):
                if _err(x):
                    return x
                if isinstance(v, list) and (x is None or isinstance(x, str)):
                    continue
                t = _truth(x)
                if _err(t):
                    return t
                out.append(t)
        return out if out else VALUE

    # -- functions ---------------------------------------------------------------------------
    def f_IF(self, args):
        cond = _truth(self.value(args[0]))
        if _err(cond):
            return cond
        if cond:
            return self.value(args[1]) if len(args) > 1 else True
        return self.value(args[2]) if len(args) > 2 else False

    def f_IFERROR(self, args):
        v = self.value(args[0])
        return self.value(args[1]) if _err(v) else v

    def f_AND(self, args):
        b = self._bools(args)
        return b if _err(b) else all(b)

    def f_OR(self, args):
        b = self._bools(args)
        return b if _err(b) else any(b)

    def f_NOT(self, args):
        t = _truth(self.value(args[0]))
        return t if _err(t) else not t

    def f_ISNUMBER(self, args):
        v = self.value(args[0])
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    def f_ISTEXT(self, args):
        v = self.value(args[0])
        return isinstance(v, str) and not _err(v)

    def f_ISERROR(self, args):
        return _err(self.value(args[0]))

    def f_ISBLANK(self, args):
        return self.value(args[0]) is None

    def f_SUM(self, args):
        n = self._numbers(args)
        return n if _err(n) else math.fsum(n)

    def f_MIN(self, args):
        n = self._numbers(args)
        return n if _err(n) else (min(n) if n else 0.0)

    def f_MAX(self, args):
        n = self._numbers(args)
        return n if _err(n) else (max(n) if n else 0.0)

    def f_COUNT(self, args):
        count = 0
        for a in args:
            v = self.eval(a)
            count += sum(1 for x in (v if isinstance(v, list) else [v])
                         if isinstance(x, (int, float)) and not isinstance(x, bool))
        return float(count)

    def f_COUNTA(self, args):
        count = 0
        for a in args:
            v = self.eval(a)
            count += sum(1 for x in (v if isinstance(v, list) else [v]) if x is not None)
        return float(count)

    def f_ROUND(self, args):
        x, p = _num(self.value(args[0])), _num(self.value(args[1]))
        if _err(x) or _err(p):
            return x if _err(x) else p
        return _round(x, int(p))

    def f_INT(self, args):
        x = _num(self.value(args[0]))
        return x if _err(x) else float(math.floor(x))

    def f_ABS(self, args):
        x = _num(self.value(args[0]))
        return x if _err(x) else abs(x)

    def f_N(self, args):
        v = self.value(args[0])
        return v if _err(v) else (float(v) if isinstance(v, (int, float)) else 0.0)

    def f_VALUE(self, args):
        v = self.value(args[0])
        return _num(v) if not isinstance(v, (int, float)) or isinstance(v, bool) else float(v)

    def f_LEN(self, args):
        v = self.value(args[0])
        return v if _err(v) else float(len(_text(v)))

    def f_TRIM(self, args):
        v = self.value(args[0])
        return v if _err(v) else " ".join(p for p in _text(v).split(" ") if p)

    def f_CHAR(self, args):
        x = _num(self.value(args[0]))
        return x if _err(x) else chr(int(x))

    def f_SUBSTITUTE(self, args):
        vals = [self.value(a) for a in args[:3]]
        bad = next((v for v in vals if _err(v)), None)
        if bad is not None:
            return bad
        text, old, new = (_text(v) for v in vals)
        return text.replace(old, new) if old else text

    def f_FIND(self, args):
        vals = [self.value(a) for a in args[:2]]
        bad = next((v for v in vals if _err(v)), None)
        if bad is not None:
            return bad
        pos = _text(vals[1]).find(_text(vals[0]))
        return VALUE if pos < 0 else float(pos + 1)


def evaluate(formula: str, lookup: Callable[[int, int], object]):
    """The value of ``formula`` (with or without "=") over ``lookup``; a list becomes its first cell."""
    return Evaluator(lookup).value(parse_formula(formula))
