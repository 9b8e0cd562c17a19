"""`drctl check`: plan a stack offline and run every policy of the CrossGuard pack (policies/) against it."""

from __future__ import annotations

import argparse

from rich.table import Table

from drctl.checking import check_document, check_plan, pack_policies, summary
from drctl.commands.common import add_plan_arguments
from drctl.engine import run_plan
from drctl.output import check_json_target, console, write_json

ORDER = 30


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="run the policy pack offline against a stack's plan (exit 1 on a mandatory violation)",
        description=__doc__,
    )
    add_plan_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    check_json_target(args.json)
    plan = run_plan(args.stack, args.config, args.program)
    policies = pack_policies()
    violations = check_plan(plan, policies)
    document = check_document(plan.stack, violations, policies)
    status = 0 if document["summary"]["passed"] else 1
    if args.json == "-":
        write_json(document, "-")
        return status
    out = console()
    if violations:
        table = Table(title=f"Policy violations: {plan.project}/{plan.stack}", show_lines=False)
        for column in ("policy", "level", "resource", "message"):
            table.add_column(column, overflow="fold")
        for v in violations:
            level = "[bold red]mandatory[/bold red]" if v.level == "mandatory" else "[yellow]advisory[/yellow]"
            table.add_row(v.policy, level, v.resource, v.message)
        out.print(table)
    out.print(summary_line(plan.project, plan.stack, summary(violations, policies)))
    if args.json:
        write_json(document, args.json)
        out.print(f"check document written to {args.json}")
    return status


def summary_line(project: str, stack: str, s: dict) -> str:
    verdict = "passed" if s["passed"] else "FAILED"
    return (
        f"{project}/{stack}: {verdict} - {s['policies']} policies, {s['mandatory']} mandatory and "
        f"{s['advisory']} advisory violations ({s['policiesViolated']} policies violated)"
    )
