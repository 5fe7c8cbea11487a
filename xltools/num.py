"""Exact arithmetic helpers: Decimal in, Decimal out, half-up rounding like Excel's ROUND."""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
#: Derived rates (执行率, 控制率 ...) are kept to 0.01 % — four decimals of the fraction —
#: exactly as they are displayed; what the user sees is what gets scored.
RATE_PLACES = 4
#: Step counts are rounded to this many places before INT(), in Python and in Excel alike,
#: so that binary floating point (0.95-0.93)/0.01 = 1.9999999999999998 still counts 2 steps.
STEP_PLACES = 6


def dec(value) -> Decimal:
    """Convert int/str/float/Decimal to Decimal without binary noise (floats via repr)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("bool is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:  # pragma: no cover - callers validate first
        raise ValueError(f"not a number: {value!r}") from exc


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """Excel ROUND(value, places): half away from zero.  A local context keeps enough digits for
    any quotient of two values the parser accepts (|x| <= 1e15)."""
    with localcontext() as ctx:
        ctx.prec = 80
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


#: Scores and rates are rounded twice: first to 9 places, then to their own places.  Binary
#: floating point in Excel/LibreOffice may land a hair below a half-cent tie (0.00499999999999989
#: for 0.005) and Decimal division may land a hair below an exact tie (0.01499…9 for 0.015); the
#: first rounding puts both on the tie, so both engines round it the same way.  Formulas use
#: :func:`guard_formula` for the same two steps.
GUARD_PLACES = 9


def round2(value: Decimal) -> Decimal:
    return round_half_up(value, 2)


def guarded(value: Decimal, places: int = 2) -> Decimal:
    """ROUND(ROUND(value, 9), places)."""
    return round_half_up(round_half_up(value, GUARD_PLACES), places)


def guard_formula(expr: str, places: int = 2) -> str:
    return f"ROUND(ROUND({expr},{GUARD_PLACES}),{places})"


def round_rate(value: Decimal) -> Decimal:
    return guarded(value, RATE_PLACES)


def floor_int(value: Decimal) -> Decimal:
    """Excel INT(): round toward minus infinity."""
    return value.to_integral_value(rounding=ROUND_FLOOR)


def ceil_int(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_CEILING)


def clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))


def fmt(value: Decimal | None, places: int | None = None) -> str:
    """Human text for a number: no exponent, trailing zeros dropped (10.50 -> 10.5, 10.00 -> 10)."""
    if value is None:
        return "—"
    if places is not None:
        value = round_half_up(value, places)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def places(value: Decimal) -> int:
    """Digits after the point as written: 0.950 -> 3, 12 -> 0, 1E+2 -> 0."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0  # NaN/Infinity: none


def to_json(value: Decimal | None) -> int | float | None:
    """A Decimal as a JSON number: an int when whole, else the float nearest it (a 2-place score
    comes back as the same text); None stays None.  Every ``to_dict`` and ``--json`` uses this."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def pct(value: Decimal | None, places: int = 2) -> str:
    """A fraction as percent text: 0.9328 -> '93.28%'."""
    if value is None:
        return "—"
    return fmt(value * HUNDRED, places) + "%"


def literal(value: Decimal) -> str:
    """A Decimal as an Excel formula literal (no exponent, no trailing zeros)."""
    return fmt(value)
