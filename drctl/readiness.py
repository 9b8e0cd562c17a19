"""Readiness of the declared stacks: the pack's model (policies/recovery) over the three plans a failover involves.

The primary and dr stacks in standby give the RPO sources (replication, RTC, the Velero schedule, the replica and
its lag alarm, the DR cache); the dr stack in failover gives the graph of the failover's `pulumi up`. Each plan is
turned into the very PolicyResource objects the pack's policy sees (drctl/checking.py), so `drctl readiness` and
`tiers-within-objectives` compute the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drctl.checking import stack_resources
from drctl.diffing import Diff, diff_plans
from drctl.engine import Plan
from drctl.engine.planner import Planner
from drctl.errors import UsageError
from drctl.pack import catalog  # noqa: F401  (puts the pack on the import path)
from policies.recovery import Figures, Readiness, assess, calibrated, load_figures, measurements, read_plan
from policies.recovery.facts import StoreRpo
from policies.recovery.figures import DrillRecordError

FAILOVER = "failover=true"


@dataclass
class ReadinessRun:
    readiness: Readiness
    plans: dict[str, Plan]
    diff: Diff

    @property
    def flip_steps_outside_diff(self) -> list[str]:
        """Steps the model takes from the failover plan that `pulumi up` would not change (the model and the flip's
        diff must agree on what the failover does)."""
        changed = {c.urn for c in self.diff.changes}
        # A Global Datastore's failover is the operator's API call beside the `pulumi up` (docs/architecture.md): its
        # replication group does not change on the flip.
        return sorted(t.urn.rsplit("::", 1)[-1] for t in _step_nodes(self)
                      if t.urn not in changed and t.figure != "cache-global-failover")


def _step_nodes(run: ReadinessRun) -> list[Any]:
    figures = run.readiness.figures or load_figures()
    facts = read_plan(stack_resources(run.plans["dr failover"]), figures)
    return [n for n in facts.nodes.values() if n.step]


def load_drills(paths: list[Path]) -> list[tuple[str, dict[str, Any]]]:
    """Every record read bounded and validated whole (drctl/ops/record.py) before any of its figures is used."""
    from drctl.ops.record import read_record

    return [(path.name, read_record(path, "--calibrate")) for path in paths]


def figures_for(drills: list[Path]) -> Figures:
    figures = load_figures()
    if not drills:
        return figures
    try:
        return calibrated(figures, measurements(load_drills(drills), figures))
    except DrillRecordError as error:
        raise UsageError("--calibrate", str(error).split(":")[0], str(error).split(": ", 1)[1]) from None


def readiness(config: list[str], program: Path | None = None, drills: list[Path] | None = None, observe: bool = False,
              source: Planner | None = None) -> ReadinessRun:
    """Plan primary and dr in standby and dr in failover with the same overrides, and assess them. `source` says
    where the plans come from (default: planned now, from `program`)."""
    from drctl.stack_settings import stack_settings

    figures = figures_for(drills or [])
    source = source or Planner(program)
    program = source.program_dir
    primary = source.plan("primary", list(config))
    # The dr stack reads the primary planned with the same overrides (cache.drMode global needs its Global Datastore),
    # not the primary as its own stack file sets it.
    peer = {stack_settings("dr", program).peer.stack: primary.outputs}
    plans = {
        "primary": primary,
        "dr": source.plan("dr", list(config), peer_outputs=peer),
        "dr failover": source.plan("dr", [*config, FAILOVER], peer_outputs=peer),
    }
    facts = [read_plan(stack_resources(plan), figures) for plan in plans.values()]
    diff = diff_plans(plans["dr"], plans["dr failover"], [], [FAILOVER])
    observed: dict[str, StoreRpo] = {}
    unobserved: list[str] = []
    if observe:
        from drctl.readiness_observe import observe as read_observed

        observed, unobserved = read_observed(plans)
    result = ReadinessRun(assess(facts, figures, observed), plans, diff)
    result.readiness.notes.extend(f"not observed: {line}" for line in unobserved)
    return result
