"""`drctl plan`: run the Pulumi program offline under Pulumi's mock engine and show what `pulumi up` would send."""

from __future__ import annotations

import argparse

from drctl.commands.common import add_plan_arguments
from drctl.detection import alarm_rows, alarm_table
from drctl.engine import run_plan
from drctl.output import check_outputs, emit, stack_files, text
from drctl.render import counts_tables, plan_tree, site_notice, summary_line

ORDER = 10


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("plan", help="plan a stack offline (no cloud, no credentials)", description=__doc__)
    add_plan_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    check_outputs([("--json", args.json)], reads=stack_files(args.program))
    plan = run_plan(args.stack, args.config, args.program)
    notice = site_notice(plan)
    alarms = [alarm_table(plan), ""] if alarm_rows(plan) else []
    emit(plan.document(), args.json, plan_tree(plan), "", counts_tables(plan), "", *alarms, summary_line(plan),
         *([text(notice, style="yellow")] if notice else []))
    return 0
