"""Rules whose score the evaluator gives: 定性 (qualitative, three bands) and 人工 (manual)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from ..num import ZERO, clamp, fmt, literal, round2
from .base import Outcome, Problem, Refs, Rule, RuleInput, register

#: The national 定性 bands: (label, low share, high share).  A score s is in a band when
#: low·w <= s < high·w, except the top band which includes w itself.
BANDS: tuple[tuple[str, Decimal, Decimal], ...] = (
    ("达成年度指标", Decimal("0.8"), Decimal(1)),
    ("部分达成年度指标并具有一定效果", Decimal("0.6"), Decimal("0.8")),
    ("未达成年度指标且效果较差", ZERO, Decimal("0.6")),
)
BAND_SHORT = {"达成": BANDS[0][0], "部分达成": BANDS[1][0], "未达成": BANDS[2][0]}


def band_of(score: Decimal, weight: Decimal) -> str:
    for label, low, _high in BANDS:
        if score >= low * weight:
            return label
    return BANDS[-1][0]


def band_range(label: str, weight: Decimal) -> tuple[Decimal, Decimal] | None:
    label = BAND_SHORT.get(label, label)
    for name, low, high in BANDS:
        if name == label:
            return low * weight, high * weight
    return None


def in_band_formula(band: str, score: str, weight: str) -> str:
    """Excel's twin of :func:`_in_band`: TRUE when the score in cell ``score`` lies in the band
    named in cell ``band`` (the last band when the name is another), for the weight in ``weight``."""
    def inside(low: Decimal, high: Decimal) -> str:
        above = f"{score}>=0" if low == 0 else f"{score}>={weight}*{literal(low)}"
        below = f"{score}<={weight}" if high == 1 else f"{score}<{weight}*{literal(high)}"
        return f"AND({above},{below})"
    *named, (_, low, high) = BANDS
    out = inside(low, high)
    for label, low, high in reversed(named):
        out = f'IF({band}="{label}",{inside(low, high)},{out})'
    return out


def judged_formula(refs: Refs) -> str:
    """The evaluator's score, rounded and kept within [0, weight]; blank counts 0."""
    m, w = refs.manual, refs.weight
    return f"IF(ISNUMBER({m}),MIN({w},MAX(0,ROUND({m},2))),0)"


class _Judged(Rule):
    """A score the evaluator gives: rounded and kept within [0, weight] by both faces; each rule
    says what it checks about it (:meth:`scored`)."""

    judged = True
    noun: ClassVar[str] = ""  # how messages name the indicator

    def evaluate(self, inp: RuleInput) -> Outcome:
        if inp.stated is None:
            return Outcome(None, f"{self.title}：未填写得分",
                           (Problem("missing-score", f"{self.noun}需要评价人填写得分", field="score"),), judged=True)
        return self.scored(inp, clamp(round2(inp.stated), ZERO, inp.weight))

    def scored(self, inp: RuleInput, score: Decimal) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError

    def formula(self, refs: Refs) -> str:
        return "=" + judged_formula(refs)


@register
@dataclass(frozen=True)
class Qualitative(_Judged):
    """定性: the evaluator picks a band and a score inside it; the tool checks the band."""

    kind = "qualitative"
    title = "定性指标"
    noun = "定性指标"

    def scored(self, inp: RuleInput, score: Decimal) -> Outcome:
        problems: tuple[Problem, ...] = ()
        band = band_of(score, inp.weight)
        text = f"定性指标，评价人评分{fmt(score)}分（{band}档）"
        if inp.band:
            rng = band_range(inp.band, inp.weight)
            if rng is None:
                problems += (Problem("unknown-band", f"不认识的定性档次“{inp.band}”", field="band"),)
            elif not _in_band(score, rng, inp.weight):
                low, high = rng
                problems += (Problem(
                    "qualitative-band",
                    f"选择了“{BAND_SHORT.get(inp.band, inp.band)}”档，该档得分应在{fmt(low)}–{fmt(high)}分"
                    f"{'' if high == inp.weight else '（不含上限）'}，实际填{fmt(score)}分",
                    field="score"),)
        return Outcome(score, text, problems, judged=True)

    def describe(self, weight: Decimal) -> str:
        return (f"达成年度指标得{fmt(weight * BANDS[0][1])}–{fmt(weight)}分；部分达成得"
                f"{fmt(weight * BANDS[1][1])}–{fmt(weight * BANDS[0][1])}分（不含）；未达成得0–"
                f"{fmt(weight * BANDS[1][2])}分（不含）")


def _in_band(score: Decimal, rng: tuple[Decimal, Decimal], weight: Decimal) -> bool:
    low, high = rng
    return low <= score <= high if high == weight else low <= score < high


@register
@dataclass(frozen=True)
class Manual(_Judged):
    """人工评分: a score by judgement, allowed, but a reason is required when points are lost."""

    kind = "manual"
    title = "人工评分"
    noun = "人工评分指标"
    criteria: str = ""  # the written standard the evaluator applies

    def scored(self, inp: RuleInput, score: Decimal) -> Outcome:
        return Outcome(score, f"人工评分{fmt(score)}分" + (f"（标准：{self.criteria}）" if self.criteria else ""),
                       judged=True)

    def describe(self, weight: Decimal) -> str:
        return self.criteria or f"由评价人按实际情况评分，满分{fmt(weight)}分，扣分须说明理由"
