"""Where a command's plans come from: made now, read from the plan cache, or read from a folder of saved plans.

Every command that plans goes through one `Planner`, so `--no-cache` and `--plans DIR` mean the same everywhere.
A plan made now is stored (in the cache, or as a saved plan) only when everything its run opened in the program's
tree is among the inputs its key hashes (drctl/engine/inputs.py): a stale plan can never be served.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drctl.errors import EngineError

from .inputs import (
    PlanInputs,
    environment_dependencies,
    loaded_sources,
    plan_inputs,
    recording_environment,
    recording_opens,
    unhashed_reads,
)
from .project import REPOSITORY, Program, load_program, stack_names
from .records import Plan
from .saved import PlanCache, Saved, SavedPlans, cached


def _log_made(inputs: PlanInputs, storable: bool, cache: PlanCache | None) -> None:
    """With AIVO_DR_PLAN_LOG set, one line per plan made (not read): how a run of the suite shows it planned each
    distinct state once between its workers."""
    log = os.environ.get("AIVO_DR_PLAN_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as stream:
            stream.write(f"{os.getpid()}\t{inputs.key[:16]}\t{' '.join((inputs.stack, *inputs.overrides))}\t"
                         f"{'stored' if storable else 'not stored'}\t{cache.root if cache else '-'}\n")


@dataclass
class Planner:
    program_dir: Path | None = None
    cache: PlanCache | None = None
    saved: SavedPlans | None = None

    @property
    def program(self) -> Program:
        return load_program((self.program_dir or REPOSITORY).resolve())

    def plan(self, stack: str, overrides: list[str] | tuple[str, ...] = (),
             peer_outputs: dict[str, dict[str, Any]] | None = None) -> Plan:
        overrides = tuple(overrides)
        if self.saved is not None:
            return self.saved.plan(self.program, stack, overrides, peer_outputs)
        if self.cache is None:
            from . import run_plan

            return run_plan(stack, list(overrides), self.program_dir, peer_outputs=peer_outputs)
        program = self.program
        inputs = plan_inputs(program, stack, overrides, peer_outputs)
        return cached(self.cache, inputs, lambda: self._make(program, inputs, peer_outputs))

    def save(self, stack: str, overrides: list[str] | tuple[str, ...] = ()) -> Saved:
        """A plan, the inputs it was made from and the variables its run read, to write as a saved plan (refused when
        its run read a file its inputs do not hash: such a plan could not be checked against a checkout later)."""
        program = self.program
        inputs = plan_inputs(program, stack, tuple(overrides))
        found = self.cache.saved(inputs) if self.cache is not None else None
        if found is not None:
            return found
        made, storable = self._make(program, inputs, None)
        if not storable:
            raise EngineError(f"the plan of {stack} cannot be saved: its run read files its inputs do not record")
        if self.cache is not None:
            self.cache.put(made)
        return made

    def _make(self, program: Program, inputs: PlanInputs, peer_outputs: dict[str, dict[str, Any]] | None) -> tuple[Saved, bool]:
        from . import plan as engine

        self._seed_siblings(program, inputs)
        loaded = loaded_sources()
        with recording_opens() as opened, recording_environment() as variables:
            made = engine.run_plan(inputs.stack, list(inputs.overrides), self.program_dir, peer_outputs=peer_outputs)
        storable = not unhashed_reads(program, opened, inputs.files, loaded)
        _log_made(inputs, storable, self.cache)
        reads = {name: os.environ.get(name) for name in environment_dependencies(variables)}
        return Saved(inputs, made, reads), storable

    def _seed_siblings(self, program: Program, inputs: PlanInputs) -> None:
        """Siblings this program may read (a StackReference) and the cache holds: handed to the engine, so a
        miss on the dr stack does not plan the primary again."""
        from . import plan as engine

        if self.cache is None:
            return
        for sibling in stack_names(program):
            if sibling == inputs.stack:
                continue
            # The sibling with its own settings: the same files and versions, so the same inputs but for the state.
            found = self.cache.get(dataclasses.replace(inputs, stack=sibling, overrides=(), peers=None))
            if found is not None:
                engine.remember_sibling(program, sibling, found)
