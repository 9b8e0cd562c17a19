"""Arguments shared by the commands that plan a stack."""

from __future__ import annotations

import argparse
from pathlib import Path


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
