"""The library calls behind the CLI commands: each command calls one function here."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .checks import check
from .filing import load_filing
from .model import Filing
from .num import fmt
from .report import Report
from .scoring import Scorecard, score
from .spec import builtin_ids, load_form

DEMO_DATA = "zhuzhou-2021.yaml"


@dataclass(frozen=True)
class Result:
    """A filing with its recomputed scores and its check report."""

    filing: Filing
    card: Scorecard
    report: Report

    def to_dict(self) -> dict[str, Any]:
        return {**self.report.to_dict(), "unit": self.filing.unit, "year": self.filing.year,
                "scores": self.card.to_dict()}


def evaluate(filing: Filing, source: str = "") -> Result:
    card = score(filing)
    report = check(filing, card)
    if source:
        from dataclasses import replace
        report = replace(report, source=source)
    return Result(filing, card, report)


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
                    "weights": {name: float(w) if w != int(w) else int(w) for name, w in weights},
                    "weights_text": "、".join(f"{name} {fmt(w)}" for name, w in weights)})
    return out
