"""The offline engine: runs a Pulumi Python program under Pulumi's own mocks and records what it would send.

`run_plan` imports the Pulumi SDKs (a few seconds); `Plan` and the records do not, so a command that reads a
saved or cached plan never pays for them.
"""

from __future__ import annotations

from typing import Any

from .records import Plan


def run_plan(*args: Any, **kwargs: Any) -> Plan:
    """drctl.engine.plan.run_plan, imported when first needed."""
    from .plan import run_plan as run

    return run(*args, **kwargs)


__all__ = ["Plan", "run_plan"]
