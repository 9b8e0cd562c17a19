"""Shared helpers: plan a stack once per set of overrides and query the recorded resources."""

from __future__ import annotations

import functools
import json
from typing import Any

from drctl.engine import Plan, run_plan
from drctl.engine.monitor import ResourceRecord


@functools.lru_cache(maxsize=64)
def _cached(stack: str, overrides: tuple[str, ...]) -> Plan:
    return run_plan(stack, list(overrides))


def plan(stack: str, *overrides: str) -> Plan:
    """The plan of `stack` with `--config` overrides (cached: plans are deterministic)."""
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
