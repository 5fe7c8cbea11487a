"""A number as a spreadsheet shows it under its number format: ``0.9`` in ``0%`` is ``90%``,
``120`` in ``0"件"`` is ``120件``, ``1112.67`` in ``#,##0.00`` is ``1,112.67``.  Pure, no I/O.

Covers what the templates and the tables people make use: sections (``pos;neg;zero``), percent,
decimal places, thousands separators, quoted and escaped literals, ``[Red]``/``[$¥-804]`` codes.
Dates, fractions and exponents are not numbers a 自评表 holds: they fall back to plain text of
the number (:func:`xltools.num.fmt`).  Rounding is half up, as Excel and LibreOffice show it.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from ..num import fmt

_SECTION = re.compile(r'"[^"]*"|\\.|;|[^";\\]+')
_TOKEN = re.compile(r'"(?P<quoted>[^"]*)"|\\(?P<escaped>.)|\[(?P<bracket>[^\]]*)\]|(?P<number>[0#?][0#?,]*(?:\.[0#?]*)?|\.[0#?]+)'
                    r'|(?P<other>.)')
_UNSUPPORTED = set("yYmMdDhHsSeE/")  # dates, times, exponents, fractions


def _sections(code: str) -> list[str]:
    out, current = [], ""
    for m in _SECTION.finditer(code):
        if m.group(0) == ";":
            out.append(current)
            current = ""
        else:
            current += m.group(0)
    return out + [current]


def shown(value: Decimal, code: str | None) -> str:
    """``value`` as a cell with number format ``code`` displays it."""
    if not code or code.strip().lower() in ("general", "@"):
        return fmt(value)
    sections = _sections(code)
    section, negative_sign = sections[0], value < 0
    if value < 0 and len(sections) > 1 and sections[1]:
        section, value, negative_sign = sections[1], -value, False
    elif value == 0 and len(sections) > 2 and sections[2]:
        section = sections[2]
    parts, number_seen = [], False
    percent = 0
    for m in _TOKEN.finditer(section):
        if m.group("quoted") is not None:
            parts.append(m.group("quoted"))
        elif m.group("escaped") is not None:
            parts.append(m.group("escaped"))
        elif m.group("bracket") is not None:
            bracket = m.group("bracket")
            if bracket.startswith("$"):  # [$¥-804]: a currency symbol
                parts.append(bracket[1:].split("-")[0])
        elif m.group("number") is not None and not number_seen:
            number_seen = True
            parts.append(m.group("number"))  # replaced below
        else:
            ch = m.group(0)
            if ch in _UNSUPPORTED:
                return fmt(value)
            if ch == "%":
                percent += 1
            if ch not in "_*":
                parts.append(ch)
    if not number_seen:
        return "".join(parts) or fmt(value)
    scaled = value * Decimal(100) ** percent
    text = "".join(_render(p, scaled) if _is_number(p) else p for p in parts)
    return ("-" if negative_sign and scaled != 0 else "") + text


def _is_number(part: str) -> bool:
    return bool(part) and part[0] in "0#?." and all(c in "0#?,." for c in part)


def _render(pattern: str, value: Decimal) -> str:
    integer, _, decimals = pattern.partition(".")
    places = sum(1 for c in decimals if c in "0#?")
    required = sum(1 for c in decimals if c == "0")
    rounded = abs(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, frac = format(rounded, "f").partition(".")
    frac = frac[:places]
    while len(frac) > required and frac.endswith("0"):  # "#" places drop trailing zeros
        frac = frac[:-1]
    if "," in integer:
        whole = f"{int(whole):,}"
    if whole == "0" and integer and "0" not in integer:  # "#.00": no leading zero
        whole = ""
    return whole + ("." + frac if frac or (places and required) else "")
