"""`drctl cache`: the plan cache every planning command shares (.cache/plans, or AIVO_DR_PLAN_CACHE).

A plan is cached under the digest of everything it was made from, so a changed input is always a miss and the
cache never needs clearing for correctness; `clear` frees the space.
"""

from __future__ import annotations

import argparse

from drctl.engine.saved import cache_from_environment
from drctl.output import console

ORDER = 95


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("cache", help="show or clear the plan cache", description=__doc__)
    parser.add_argument("action", choices=("info", "clear"), help="info: where it is and how many plans it holds; clear: empty it")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    cache = cache_from_environment()
    out = console()
    if args.action == "clear":
        removed = cache.clear()
        out.print(f"plan cache {cache.root}: {removed} plans removed")
    else:
        out.print(f"plan cache {cache.root}: {cache.entries()} plans")
    return 0
