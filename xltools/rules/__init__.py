"""The rule library: each rule one small object with a Python face and an Excel face.

Import :data:`REGISTRY` to list them; :func:`rule_from_params` builds one from a spec dict.
"""
from . import checklist, converted, execution, judged, national, step, tiers  # noqa: F401  (registration)
from .base import REGISTRY, Outcome, Problem, Refs, Rule, RuleInput, register, rule_from_params
from .execution import execution_rate, rate_formula
from .judged import BANDS, band_of, band_range

__all__ = ["REGISTRY", "Outcome", "Problem", "Refs", "Rule", "RuleInput", "register", "rule_from_params",
           "execution_rate", "rate_formula", "BANDS", "band_of", "band_range"]
