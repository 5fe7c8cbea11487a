"""What every scoring rule is: one small object with two faces.

* ``evaluate(RuleInput) -> Outcome`` — the score in exact Decimal arithmetic and a one-line
  Chinese explanation;
* ``formula(Refs) -> str`` — an Excel formula that computes the same number from cells,
  using only functions Excel 2010+, WPS and LibreOffice share (IF, AND, OR, MIN, MAX, ROUND,
  INT, ABS, ISNUMBER, FIND).

Rules are registered by ``kind`` in :data:`REGISTRY`; a spec names a rule as
``{kind: step, threshold: 95%, ...}`` and :func:`rule_from_params` builds it.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from decimal import Decimal
from typing import Any, ClassVar

from ..errors import SpecError
from ..num import fmt, literal, pct, to_json
from ..parse import BLANK, Value, parse
from ..validation import Severity

REGISTRY: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: add a rule class to the registry under ``cls.kind``."""
    if cls.kind in REGISTRY:
        raise RuntimeError(f"rule kind registered twice: {cls.kind}")
    REGISTRY[cls.kind] = cls
    return cls


@dataclass(frozen=True)
class Problem:
    """Something a rule noticed about its inputs.  ``field`` is the column it concerns."""

    code: str
    message: str
    field: str = "actual"  # target | actual | score | reason | band
    severity: Severity = "error"


@dataclass(frozen=True)
class RuleInput:
    weight: Decimal
    target: Value = BLANK
    actual: Value = BLANK
    stated: Decimal | None = None  # the score typed (or cached) in the table
    band: str | None = None  # 定性 band chosen by the evaluator
    raw_actual: str = ""  # the actual cell as typed (checklists read item marks from it)


@dataclass(frozen=True)
class Outcome:
    score: Decimal | None  # None: the rule cannot compute (judged rule without a score, missing value)
    explanation: str
    problems: tuple[Problem, ...] = ()
    judged: bool = False  # the score is the evaluator's (定性/人工), not computed from values


@dataclass(frozen=True)
class Refs:
    """A1 references of the cells a formula may use (``$F$12`` or ``F12``)."""

    weight: str
    actual: str = ""
    target: str = ""
    op: str = ""
    manual: str = ""  # the evaluator's score for judged rules


@dataclass(frozen=True)
class Rule:
    """Base class; subclasses are frozen dataclasses whose fields are the rule's parameters."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""  # Chinese name of the rule shape
    #: judged rules take their score from the evaluator (定性, 人工); the tool only checks it.
    judged: ClassVar[bool] = False
    #: the unit types the 年度指标值 and its comparison (指标方向 ≥/≤/＝/定性) and the rule scores the
    #: actual against it; other rules carry their own thresholds, so those cells are not inputs.
    typed_target: ClassVar[bool] = False

    def operator(self, target: Value) -> str | None:
        """The comparison applied to ``target``: its own sign (a rule with a direction adds one)."""
        return target.op

    @property
    def numeric(self) -> bool:
        """The rule scores a number typed in the 实际完成值 cell (judged rules read the evaluator's
        score, a checklist its item marks, a 定性 national row words)."""
        return not self.judged

    @property
    def reads_rate(self) -> bool:
        """The actual is a rate: a plain 93 typed for it is read as 93 % (scoring.prepare_actual)."""
        return False

    def evaluate(self, inp: RuleInput) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError

    def formula(self, refs: Refs) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self, weight: Decimal) -> str:
        """评价标准 text for the template."""
        return self.title

    def max_score(self, weight: Decimal) -> Decimal:
        return weight

    # -- parameters <-> plain dicts (spec files) -------------------------------------
    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != f.default:
                out[f.name] = _plain(value)
        return out

    @classmethod
    def from_params(cls, params: dict[str, Any], where: str = "") -> Rule:
        names = {f.name: f for f in fields(cls)}
        unknown = sorted(set(params) - set(names) - {"kind"})
        if unknown:
            raise SpecError(f"规则 {cls.kind} 没有参数 {', '.join(unknown)}", key=where,
                            fix=f"可用参数：{', '.join(names) or '无'}")
        kwargs = {}
        for name in names:
            if name in params:
                kwargs[name] = cls.convert(name, params[name], f"{where}.{name}")
        try:
            return cls(**kwargs)
        except SpecError as exc:
            raise SpecError(exc.detail, key=where, fix=exc.fix) from None
        except TypeError as exc:
            missing = [n for n, f in names.items() if n not in kwargs and _required(f)]
            raise SpecError(f"规则 {cls.kind} 缺少参数 {', '.join(missing)}", key=where,
                            fix="在规则里补上这些参数") from exc

    @classmethod
    def convert(cls, name: str, value: Any, where: str) -> Any:
        """Convert one raw parameter; subclasses override for structured params."""
        return value


def _required(f) -> bool:
    return f.default is MISSING and f.default_factory is MISSING


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return to_json(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def rule_from_params(params: dict[str, Any] | str | None, where: str = "rule") -> Rule:
    """Build a rule from a spec dict such as ``{"kind": "tiers", "tiers": [...]}``."""
    if params is None:
        params = {"kind": "national"}
    if isinstance(params, str):
        params = {"kind": params}
    if not isinstance(params, dict):
        raise SpecError("规则应写成键值表，例如 {kind: national}", key=where)
    kind = params.get("kind")
    if not isinstance(kind, str) or kind not in REGISTRY:
        raise SpecError(f"不认识的规则类型 {kind!r}", key=f"{where}.kind",
                        fix=f"可用类型：{', '.join(sorted(REGISTRY))}")
    return REGISTRY[kind].from_params(params, where)


# -- shared parameter converters -------------------------------------------------------

def to_decimal(value: Any, where: str, *, points: bool = False) -> Decimal:
    """A spec number: 2, 0.2, "0.2", "95%" (-> 0.95).  ``points`` (scores, deductions) must be >= 0."""
    parsed = parse(value)
    if not parsed.is_number or parsed.op is not None:
        raise SpecError(f"应为数字，实际是 {value!r}", key=where, fix="写成数字，如 0.2 或 95%")
    if points and parsed.amount < 0:
        raise SpecError(f"分数不能为负数，实际是 {value!r}", key=where)
    return parsed.amount


# -- helpers shared by rules --------------------------------------------------------------

def show(number: Decimal, like: Value | None = None) -> str:
    """Show a number in the unit of ``like`` (percent if it is a ratio)."""
    if like is not None and like.ratio:
        return pct(number)
    return fmt(number) + (like.unit if like is not None else "")


def need_number(inp: RuleInput, title: str) -> Outcome | None:
    """An Outcome explaining why the actual value is unusable, or None when it is a number."""
    if inp.actual.is_number:
        return None
    if inp.actual.is_blank:
        return Outcome(None, f"{title}：未填写实际完成值",
                       (Problem("missing-value", "未填写实际完成值，无法按规则计分"),))
    if inp.actual.kind == "error":
        return Outcome(None, f"{title}：实际完成值无法识别",
                       (Problem("unparseable-value", f"实际完成值“{inp.actual.text}”无法识别：{inp.actual.reason}"),))
    return Outcome(None, f"{title}：实际完成值不是数字",
                   (Problem("not-a-number", f"实际完成值“{inp.actual.text}”不是数字，本规则需要数字"),))


def lit(value: Decimal) -> str:
    return literal(value)

