"""`drctl check`: plan a stack offline and run every policy of the CrossGuard pack (policies/) against it.

`--all` checks every state a pull request must keep safe, each plan made once: both stacks of this project,
in standby and in their failover state (primary with activeRegion us-west-2, dr with failover true). With
`--program`, `--all` checks each stack of that program as its file sets it. The first state is planned here
(it imports the SDKs and is the plan the dr stack reads); the others are planned by forks of this process
that share it, in parallel where there is more than one CPU and this process has no other thread (forking
a threaded process can copy a lock another thread holds); otherwise one after another.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import threading
from typing import Any

from rich.table import Table

from drctl.checking import Violation, check_document, check_plan, pack_policies, summary
from drctl.commands.common import State, add_plan_arguments, planner, project_states
from drctl.engine.planner import Planner
from drctl.errors import UsageError
from drctl.output import check_outputs, console, stack_files, text, write_json

ORDER = 30
ALL_SCHEMA = "aivo-dr/check-all@1"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="run the policy pack offline against a stack's plan (exit 1 on a mandatory violation)",
        description=__doc__,
    )
    add_plan_arguments(parser, stack_required=False)
    parser.add_argument("--all", action="store_true",
                        help="check both stacks in standby and failover (each plan made once)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.all and (args.stack or args.config):
        raise UsageError("--all", None, "alone: it checks every stack and state itself (drop --stack and --config)")
    if not args.all and not args.stack:
        raise UsageError("--stack", None, "required (or --all for every stack and state)")
    check_outputs([("--json", args.json)], reads=stack_files(args.program))
    states = project_states(args.program) if args.all else [State(args.stack, tuple(args.config))]
    policies = pack_policies()
    results = check_states(states, planner(args))
    documents = [{"state": s.label, "config": list(s.overrides), **check_document(s.stack, v, policies)} for s, _p, v in results]
    passed = all(d["summary"]["passed"] for d in documents)
    document: dict[str, Any] = documents[0] if not args.all else {
        "schema": ALL_SCHEMA, "states": documents, "summary": {"states": len(documents), "passed": passed},
    }
    if not args.all:
        document = {k: v for k, v in document.items() if k not in ("state", "config")}
    if args.json == "-":
        write_json(document, "-")
        return 0 if passed else 1
    out = console()
    for state, project, violations in results:
        if violations:
            out.print(violations_table(f"Policy violations: {project}/{state.label}", violations))
        out.print(summary_line(project, state.label, summary(violations, policies)))
    if args.all:
        failed = [d["state"] for d in documents if not d["summary"]["passed"]]
        out.print(f"{len(documents)} states checked: " + ("all passed" if passed else f"FAILED: {', '.join(failed)}"))
    if args.json:
        write_json(document, args.json)
        out.print(f"check document written to {args.json}")
    return 0 if passed else 1


Result = tuple[State, str, list[Violation]]


def _check_state(state: State, source: Planner) -> Result:
    plan = source.plan(state.stack, state.overrides)
    return state, plan.project, check_plan(plan, pack_policies())


def _check_in_fork(state: State, source: Planner) -> Result | None:
    """A forked worker's check; None when it failed: the parent checks that state again, and raises the same
    error as a serial run would (an engine error does not travel back through a pipe intact)."""
    try:
        return _check_state(state, source)
    except Exception:
        return None


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, e.g. under taskset), not the machine's count."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def check_states(states: list[State], source: Planner) -> list[Result]:
    """Each state's plan checked, in order; the states after the first in forks that share its plan."""
    first, rest = _check_state(states[0], source), states[1:]
    workers = min(len(rest), usable_cpus())
    if workers < 2 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [first, *(_check_state(state, source) for state in rest)]
    with multiprocessing.get_context("fork").Pool(len(rest)) as pool:
        forked = pool.starmap(_check_in_fork, [(state, source) for state in rest], chunksize=1)
    return [first, *(result or _check_state(state, source) for state, result in zip(rest, forked, strict=True))]


def violations_table(title: str, violations: list[Violation]) -> Table:
    table = Table(title=title, show_lines=False)
    for column in ("policy", "level", "resource", "message"):
        table.add_column(column, overflow="fold")
    for v in violations:
        level = text("mandatory", style="bold red") if v.level == "mandatory" else text("advisory", style="yellow")
        table.add_row(v.policy, level, v.resource, v.message)
    return table


def summary_line(project: str, state: str, s: dict) -> str:
    verdict = "passed" if s["passed"] else "FAILED"
    return (
        f"{project}/{state}: {verdict} - {s['policies']} policies, {s['mandatory']} mandatory and "
        f"{s['advisory']} advisory violations ({s['policiesViolated']} policies violated)"
    )
