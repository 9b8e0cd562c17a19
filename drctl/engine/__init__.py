"""The offline engine: runs a Pulumi Python program under Pulumi's own mocks and records what it would send."""

from .plan import Plan, run_plan

__all__ = ["Plan", "run_plan"]
