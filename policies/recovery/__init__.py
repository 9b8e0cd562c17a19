"""The readiness model: each tier's achievable RTO and RPO computed from planned resources, with a verdict.

Used by the pack's `tiers-within-objectives` policy (policies/readiness.py) and by `drctl readiness`, so the two
cannot disagree. Pure: it reads PolicyResource objects and steps.yaml, nothing else.
"""

from .facts import PlanFacts, read_plan
from .figures import Figures, calibrated, load_figures, measurements
from .model import ACCEPTED, BREACH, OK, Readiness, TierReadiness, assess, document

__all__ = ["ACCEPTED", "BREACH", "OK", "Figures", "PlanFacts", "Readiness", "TierReadiness", "assess", "calibrated",
           "document", "load_figures", "measurements", "read_plan"]
