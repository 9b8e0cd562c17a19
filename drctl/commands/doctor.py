"""`drctl doctor --stack primary|dr`: what is still wrong in this account for the stack, before the first deploy and
before every drill. One table of PASS/WARN/FAIL rows per section; exit 1 on any FAIL (or a region that did not
answer), 2 for bad input."""

from __future__ import annotations

import argparse
from pathlib import Path

from drctl.errors import UsageError
from drctl.output import check_json_target, check_outputs, emit, stack_files

ORDER = 49


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("doctor", help="is this account ready for a stack? (before the first deploy and every drill)",
                                   description=__doc__)
    parser.add_argument("--stack", required=True, metavar="primary|dr", help="the stack whose account, site and region to check")
    parser.add_argument("--program", type=Path, default=None, metavar="DIR",
                        help="the Pulumi project with Pulumi.<stack>.yaml (default: this repository)")
    parser.add_argument("--json", nargs="?", const="-", default=None, metavar="PATH|-",
                        help="write the checks as JSON to PATH, or to standard output when no PATH is given")
    parser.set_defaults(handler=run)


def check_json_path(target: str | None) -> None:
    """A --json PATH in a directory drctl can really write to (a file is written there and removed), before any AWS call."""
    from drctl.ops.files import writable_directory

    check_json_target(target)
    if not target or target == "-":
        return
    if Path(target).is_dir():
        raise UsageError("--json", target, "a file path, not a directory")
    try:
        writable_directory("--json", Path(target).parent)
    except UsageError as error:
        raise UsageError("--json", target, error.allowed.replace("a directory", "a path in a directory", 1)) from None


def run(args: argparse.Namespace) -> int:
    from drctl.engine.project import REPOSITORY
    from drctl.ops.aws import limits, require_credentials
    from drctl.ops.checks import exit_status
    from drctl.ops.doctor import STACKS, context, doctor, document, tables, verdict
    from drctl.ops.progress import activity
    from drctl.stack_settings import stack_settings

    if args.stack not in STACKS:
        raise UsageError("--stack", args.stack, " or ".join(STACKS))
    check_json_path(args.json)
    program = (args.program or REPOSITORY).resolve()
    check_outputs([("--json", args.json)], reads=stack_files(program))
    limits()
    settings = stack_settings(args.stack, program)
    require_credentials("doctor")
    ctx = context(args.stack, settings, program)
    with activity(f"doctor {args.stack} ({settings.region})"):
        rows = doctor(ctx)
    emit(document(ctx, rows), args.json, *tables(ctx, rows), verdict(ctx, rows))
    return exit_status([row.check for row in rows])
