"""`drctl schedule`: the runbook's Testing Schedule, each row with what runs it, Last Tested and Next Scheduled read
from AWS (restore jobs, FIS experiments) and the drill records; a row whose last test is too old or failed is a FAIL."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from drctl.output import check_outputs, emit, stack_files, text, visible

ORDER = 54


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("schedule", help="the runbook's Testing Schedule from evidence (runbook: Testing Schedule)",
                                   description=__doc__)
    parser.add_argument("--drills", type=Path, default=Path("drill-reports"), metavar="DIR",
                        help="where drctl drill run wrote its records (searched recursively; default %(default)s)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", default=None, metavar="PATH|-", help="write the rows as JSON to PATH, or - for standard output only")
    output.add_argument("--markdown", action="store_true", help="print the runbook's table in Markdown (for the runbook)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from drctl.ops.aws import limits
    from drctl.ops.figures import runbook
    from drctl.ops.progress import activity
    from drctl.ops.schedule import FAIL, document, markdown, schedule, summary_line

    drills = sorted(args.drills.rglob("*.json")) if args.drills.is_dir() else []
    check_outputs([("--json", args.json)], reads=[*stack_files(), *drills])
    limits()
    now = datetime.now(UTC)
    with activity("schedule: restore jobs, FIS experiments, drill records"):
        rows = schedule(runbook("dr"), runbook("primary"), args.drills, now)
    code = 1 if any(r.status == FAIL for r in rows) else 0
    if args.markdown:
        print(visible(markdown(rows, now), keep_newlines=True), end="")
        return code
    table = Table(title="Testing Schedule", title_justify="left")
    for column in ("test", "frequency", "last tested", "next scheduled", "what runs it", "status"):
        table.add_column(column, overflow="fold", no_wrap=column in ("frequency", "status"))
    for r in rows:
        last = (f"{r.last_tested:%Y-%m-%d %H:%M} UTC: " if r.last_tested else "") + r.last_detail
        upcoming = (f"{r.next_scheduled:%Y-%m-%d %H:%M} UTC " if r.next_scheduled else "") + f"({r.next_detail})"
        table.add_row(r.test, r.frequency, last, upcoming, text(*r.mechanisms), r.status)
    emit(document(rows, now), args.json, table, summary_line(rows))
    return code
