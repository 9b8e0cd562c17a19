"""`drctl diff`: plan a stack under two sets of settings and show what `pulumi up` would change between them.

Exit status: 0 no data store would be replaced or deleted, 1 one would (or the program failed),
2 bad arguments or settings (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.table import Table

from drctl.commands.common import add_plan_arguments, planner
from drctl.diffing import Diff, diff_plans
from drctl.errors import UsageError
from drctl.output import Output, check_outputs, console, dump_json, stack_files, text, visible, write_files, write_json

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
    parser.add_argument("--markdown", default=None, metavar="PATH|-",
                        help="write the changes as a Markdown table to PATH, or - for standard output (the README's failover table)")
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
    check_outputs([("--json", args.json), ("--markdown", args.markdown)], reads=stack_files(args.program), dash=("--json", "--markdown"))
    if args.json == "-" and args.markdown == "-":
        raise UsageError("--markdown", "-", "a file path when --json is - (standard output carries one document)")
    for option, values in (("--from", args.before), ("--to", args.after)):
        for setting in values:
            check_setting(option, setting)
    source = planner(args)
    old = source.plan(args.stack, [*args.config, *args.before])
    new = source.plan(args.stack, [*args.config, *args.after])
    diff = diff_plans(old, new, args.before, args.after)
    files = [Output("--json", Path(args.json), dump_json(diff.document()).encode())] if args.json not in (None, "-") else []
    if args.markdown not in (None, "-"):
        files.append(Output("--markdown", Path(args.markdown), (markdown(diff) + "\n").encode()))
    write_files(files)
    if args.json == "-":
        write_json(diff.document(), "-")
    elif args.markdown == "-":
        sys.stdout.write(visible(markdown(diff), keep_newlines=True) + "\n")
    else:
        out = console()
        out.print(diff_table(diff))
        out.print()
        out.print(summary_line(diff))
        for output in files:
            out.print(f"diff {'document' if output.flag == '--json' else 'table'} written to {output.path}")
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


def markdown(diff: Diff) -> str:
    """The changes as a Markdown table, sorted by action, type and name, then the summary line and the IAM count:
    what `drctl diff --markdown` writes and `make docs` puts in the README (the failover's change list)."""
    lines = ["| action | type | name | changed inputs |", "|---|---|---|---|"]
    for change in sorted(diff.changes, key=lambda c: (c.action, c.type, c.name)):
        paths = ", ".join(f"`{p.path}`" for p in change.paths)
        lines.append(f"| {change.action} | `{change.type}` | `{change.name}` | {paths} |".replace("\n", " "))
    iam = sum(1 for c in diff.changes if c.type.startswith("aws:iam/"))
    return "\n".join([*lines, "", f"{summary_line(diff)}; IAM resources changed: {iam}"])


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
