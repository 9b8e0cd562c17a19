"""`drctl plan`: run the Pulumi program offline under Pulumi's mock engine and show what `pulumi up` would send.

`--out DIR` keeps each plan as a saved plan (the plan and every input it was made from), as `pulumi preview
--save-plan` and `terraform plan -out` do: `drctl check`, `readiness`, `diff` and `python -m drctl.docgen` read them
with `--plans DIR` and plan nothing themselves. `--all` plans every state a pull request must keep safe (both stacks,
in standby and in failover), the set `drctl check --all` checks.
"""

from __future__ import annotations

import argparse

from drctl.commands.common import State, add_plan_arguments, planner, project_states
from drctl.detection import alarm_rows, alarm_table
from drctl.engine.saved import write_folder
from drctl.errors import UsageError
from drctl.ops.files import writable_directory
from drctl.output import check_outputs, console, emit, stack_files, text
from drctl.render import counts_tables, plan_tree, site_notice, summary_line

ORDER = 10


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("plan", help="plan a stack offline (no cloud, no credentials)", description=__doc__)
    add_plan_arguments(parser, stack_required=False)
    parser.add_argument("--all", action="store_true", help="plan both stacks in standby and failover (with --out)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="write each plan as a saved plan into DIR, with an index (read back with --plans DIR)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.all and (args.stack or args.config):
        raise UsageError("--all", None, "alone: it plans every stack and state itself (drop --stack and --config)")
    if not args.all and not args.stack:
        raise UsageError("--stack", None, "required (or --all with --out for every stack and state)")
    if args.all and not args.out:
        raise UsageError("--all", None, "with --out DIR: the states' plans are written as saved plans, not printed")
    if args.out and args.plans:
        raise UsageError("--out", args.out, "without --plans: saved plans are made by planning")
    if args.out and args.json:
        raise UsageError("--out", args.out, "without --json: the saved plan holds the plan document")
    check_outputs([("--json", args.json)], reads=stack_files(args.program))
    source = planner(args)
    if args.out:
        from pathlib import Path

        folder = writable_directory("--out", Path(args.out))
        states = project_states(args.program) if args.all else [State(args.stack, tuple(args.config))]
        saved = [source.save(state.stack, state.overrides) for state in states]
        written = write_folder(folder, saved)
        out = console()
        for one in saved:
            out.print(summary_line(one.plan))
        out.print(f"{len(saved)} saved plans and their index written to {folder} ({len(written)} files)")
        return 0
    plan = source.plan(args.stack, args.config)
    notice = site_notice(plan)
    alarms = [alarm_table(plan), ""] if alarm_rows(plan) else []
    emit(plan.document(), args.json, plan_tree(plan), "", counts_tables(plan), "", *alarms, summary_line(plan),
         *([text(notice, style="yellow")] if notice else []))
    return 0
