"""`drctl preflight`: is the DR region ready to take over? Scenario 4 prerequisites (exit 1 if a blocker fails
or cannot be read; checks that cannot reach the primary region block nothing: that is when a failover happens)."""

from __future__ import annotations

import argparse

from drctl.ops.figures import check_distinct_regions, check_identifier, runbook
from drctl.output import check_outputs, emit, stack_files
from stacks.settings.stack import CLUSTER_NAMES

ORDER = 52


def register(subparsers: argparse._SubParsersAction) -> None:
    settings = runbook()
    parser = subparsers.add_parser("preflight", help="pre-failover checks of the DR region (runbook: Scenario 4)", description=__doc__)
    parser.add_argument("--primary-region", default=settings.regions.primary, help="default %(default)s")
    parser.add_argument("--dr-region", default=settings.regions.dr, help="default %(default)s")
    parser.add_argument("--cluster", default=CLUSTER_NAMES["dr"], help="the DR EKS cluster (default %(default)s)")
    parser.add_argument("--replica-identifier", default=settings.database.replica_identifier, help="the DR read replica (default %(default)s)")
    parser.add_argument("--json", nargs="?", const="-", default=None, metavar="PATH|-",
                        help="write the checks as JSON to PATH, or to standard output when no PATH is given")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drctl.ops.aws import limits
    from drctl.ops.checks import checks_document, checks_table, summary
    from drctl.ops.preflight import blockers, preflight, verdict
    from drctl.ops.progress import activity

    check_distinct_regions("--primary-region", args.primary_region, "--dr-region", args.dr_region)
    check_identifier("--replica-identifier", args.replica_identifier)
    check_outputs([("--json", args.json)], reads=stack_files())
    limits()
    with activity(f"preflight {args.primary_region} -> {args.dr_region}"):
        checks = preflight(args.primary_region, args.dr_region, args.cluster, args.replica_identifier)
    ready = not blockers(checks, args.primary_region)
    document = checks_document("aivo-dr/preflight@1", checks, primaryRegion=args.primary_region, drRegion=args.dr_region)
    document["ok"] = ready  # ready to fail over: the primary's silence blocks nothing (drctl.ops.preflight.blockers)
    emit(document, args.json, checks_table(f"Preflight: failover {args.primary_region} -> {args.dr_region}", checks),
         f"{summary(checks)} - {verdict(checks, args.primary_region, args.dr_region)}")
    return 0 if ready else 1
