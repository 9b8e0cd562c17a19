"""`drctl diff`: plan a stack under two sets of settings and show what `pulumi up` would change between them.

Exit status: 0 no data store would be replaced or deleted, 1 one would (or the program failed),
2 bad arguments or settings (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.table import Table

from drctl.commands.common import add_plan_arguments
from drctl.diffing import Diff, diff_plans
from drctl.engine import run_plan
from drctl.errors import UsageError
from drctl.output import check_outputs, console, stack_files, text, write_json

ORDER = 20
DATA_LOSS_EXIT = 1
VALUE_WIDTH = 40


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="what changes between two settings of a stack (exit 1 if a data store would be replaced or deleted)",
        description=__doc__,
    )
    add_plan_arguments(parser)
    parser.add_argument("--from", dest="before", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting of the first plan, e.g. failover=false (repeatable)")
    parser.add_argument("--to", dest="after", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting of the second plan, e.g. failover=true (repeatable)")
    parser.set_defaults(handler=run)


def check_setting(option: str, text: str) -> None:
    """One KEY=VALUE per --from/--to, refused with the option's own name (not --config)."""
    key, sep, _value = text.partition("=")
    if not sep or not key.strip():
        raise UsageError(option, text, "KEY=VALUE, e.g. failover=true (one setting per option; repeat the option for more)")


def run(args: argparse.Namespace) -> int:
    if not args.before and not args.after:
        raise UsageError("--from", None, "at least one --from or --to KEY=VALUE: with neither, both plans are the stack's "
                         "own settings and the diff says nothing")
    check_outputs([("--json", args.json)], reads=stack_files(args.program))
    for option, values in (("--from", args.before), ("--to", args.after)):
        for setting in values:
            check_setting(option, setting)
    old = run_plan(args.stack, [*args.config, *args.before], args.program)
    new = run_plan(args.stack, [*args.config, *args.after], args.program)
    diff = diff_plans(old, new, args.before, args.after)
    if args.json == "-":
        write_json(diff.document(), "-")
    else:
        out = console()
        out.print(diff_table(diff))
        out.print()
        out.print(summary_line(diff))
        if args.json:
            write_json(diff.document(), args.json)
            out.print(f"diff document written to {args.json}")
    return DATA_LOSS_EXIT if diff.data_stores_replaced_or_deleted else 0


def short(value: Any) -> str:
    text = "(absent)" if value is None else value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 3] + "..."


def display_type(type_: str) -> str:
    """`aws:rds/instance:Instance` -> `aws:rds:Instance`, as `pulumi preview` shows types (JSON keeps the token)."""
    parts = type_.split(":")
    if len(parts) == 3 and "/" in parts[1]:
        return f"{parts[0]}:{parts[1].split('/')[0]}:{parts[2]}"
    return type_


def diff_table(diff: Diff) -> Table:
    before = " ".join(diff.before) or "(stack settings)"
    after = " ".join(diff.after) or "(stack settings)"
    table = Table(title=f"{diff.stack}: {before} -> {after}")
    table.add_column("action", no_wrap=True)
    table.add_column("type", overflow="fold", max_width=32)
    table.add_column("name", overflow="fold", max_width=30)
    table.add_column("changed paths", overflow="fold", min_width=44)
    for change in diff.changes:
        lines = [
            f"{p.path}: {short(p.old)} -> {short(p.new)}" + (f"  [forces replacement: {p.forces}]" if p.forces else "")
            for p in change.paths
        ]
        lines.extend(change.reasons)
        action = text(change.action, *(["DATA STORE"] if change.loses_data else []))
        # The console shows "[secret]" and "[forces replacement: ...]" as typed (drctl.output): no markup to escape.
        table.add_row(action, display_type(change.type), change.name, text(*lines))
    return table


def summary_line(diff: Diff) -> str:
    counts = diff.counts()
    parts = [f"{counts[a]} to {a}" for a in ("create", "update", "replace", "delete")]
    parts += [f"{counts[a]} to {a}" for a in ("read", "discard") if counts[a]]
    lost = diff.data_stores_replaced_or_deleted
    verdict = (
        "no data store replaced or deleted"
        if not lost
        else "DATA STORES REPLACED OR DELETED: " + ", ".join(f"{c.name} ({c.type}, {c.action})" for c in lost)
    )
    refused = [c.name for c in diff.changes if any(r.startswith("refused by the provider") for r in c.reasons)]
    warning = f"; `pulumi up` would fail on: {', '.join(refused)} (see its reasons)" if refused else ""
    return f"{diff.stack}: " + ", ".join(parts) + f"; {verdict}{warning}"
