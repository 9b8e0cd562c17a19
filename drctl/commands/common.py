"""Arguments shared by the commands that plan a stack."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from drctl.engine.planner import Planner
from drctl.engine.project import REPOSITORY, load_program, stack_names
from drctl.engine.saved import SavedPlans, cache_from_environment
from drctl.errors import UsageError


def add_plan_arguments(parser: argparse.ArgumentParser, json_output: bool = True, stack_required: bool = True) -> None:
    parser.add_argument("--stack", required=stack_required,
                        help="stack to plan: primary or dr (any Pulumi.<stack>.yaml with --program)")
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a stack setting for this run only, like `pulumi config set` (repeatable; dotted keys set a path)",
    )
    parser.add_argument("--program", type=Path, default=None, metavar="DIR", help="a Pulumi Python program directory (default: this repository)")
    if json_output:
        parser.add_argument("--json", default=None, metavar="PATH|-", help="write the JSON document to PATH, or - for standard output")
    add_plan_source_arguments(parser)


def add_plan_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the command's plans come from: the plan cache (default), a fresh run, or a folder of saved plans."""
    parser.add_argument("--no-cache", action="store_true",
                        help="plan now and neither read nor fill the plan cache (.cache/plans; `drctl cache clear` empties it)")
    parser.add_argument("--plans", type=Path, default=None, metavar="DIR",
                        help="read every plan from DIR (written by `drctl plan --all --out DIR`) and plan nothing; a plan "
                             "made from other inputs than this checkout's is refused")


def planner(args: argparse.Namespace) -> Planner:
    """The Planner the command's arguments ask for (--program, --no-cache, --plans)."""
    program = getattr(args, "program", None)
    folder = getattr(args, "plans", None)
    if folder is not None:
        if getattr(args, "no_cache", False):
            raise UsageError("--plans", str(folder), "alone: saved plans are read, nothing is planned (drop --no-cache)")
        if not folder.is_dir():
            raise UsageError("--plans", str(folder), "a folder written by `drctl plan --all --out`")
        return Planner(program, saved=SavedPlans(folder))
    if getattr(args, "no_cache", False):
        return Planner(program)
    return Planner(program, cache=cache_from_environment())


@dataclass(frozen=True)
class State:
    """A stack under a set of settings overrides, as a PR must keep it safe."""

    stack: str
    overrides: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return " ".join((self.stack, *self.overrides))


def project_states(program: Path | None) -> list[State]:
    """This project's stacks in standby and failover; any other program's stacks as their files set them."""
    if program is None or program.resolve() == REPOSITORY:
        from stacks.settings.stack import DR_REGION

        return [State("primary"), State("primary", (f"activeRegion={DR_REGION}",)), State("dr"), State("dr", ("failover=true",))]
    return [State(stack) for stack in stack_names(load_program(program.resolve()))]
