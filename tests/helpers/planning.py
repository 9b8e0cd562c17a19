"""Shared helpers: plan a stack once per set of overrides and query the recorded resources.

Plans come through the plan cache every command uses (.cache/plans, or AIVO_DR_PLAN_CACHE): the suite's workers
plan each distinct state once per run between them (the first plans it, the others wait and read it), and a later
run whose inputs are unchanged plans nothing.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

from drctl.engine import Plan
from drctl.engine.planner import Planner
from drctl.engine.records import ResourceRecord
from drctl.engine.saved import cache_from_environment

PLANNER = Planner(cache=cache_from_environment())


@functools.lru_cache(maxsize=64)
def _cached(stack: str, overrides: tuple[str, ...]) -> Plan:
    return PLANNER.plan(stack, overrides)


@functools.lru_cache(maxsize=64)
def _planned_under(mutant: str, stack: str, overrides: tuple[str, ...]) -> Plan:
    return Planner(cache=None).plan(stack, overrides)


def plan(stack: str, *overrides: str) -> Plan:
    """The plan of `stack` with `--config` overrides (cached: plans are deterministic).

    Under mutation testing (docs/testing.md) a mutant of the stack program's own code (`stacks.`) changes the plan,
    so it is planned afresh, neither from the plan cache (whose key is the unmutated source) nor from memory.
    """
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if mutant.startswith("stacks."):
        return _planned_under(mutant, stack, tuple(overrides))
    return _cached(stack, tuple(overrides))


def only(p: Plan, type_: str, name_contains: str = "") -> ResourceRecord:
    """The single resource of a type (optionally whose name contains a string); fails loudly otherwise."""
    found = [r for r in p.resources if r.type == type_ and name_contains in r.name]
    assert len(found) == 1, f"expected one {type_} matching {name_contains!r}, found {[r.name for r in found]}"
    return found[0]


def by_urn(p: Plan) -> dict[str, ResourceRecord]:
    return {r.urn: r for r in p.resources}


def policy_json(value: Any) -> dict[str, Any]:
    """An IAM/bucket policy input (a JSON string) as a dict."""
    return json.loads(value) if isinstance(value, str) else value
