"""`drctl backups verify`: the runbook's Backup Verification as a table of checks (exit 1 on any FAIL)."""

from __future__ import annotations

import argparse

from drctl.ops.figures import check_bucket, check_distinct_regions, check_identifier, runbook
from drctl.output import check_outputs, emit, stack_files

ORDER = 50


def register(subparsers: argparse._SubParsersAction) -> None:
    settings = runbook()
    parser = subparsers.add_parser("backups", help="backup operations (runbook: Backup Verification)", description=__doc__)
    sub = parser.add_subparsers(dest="backups_command", metavar="ACTION", parser_class=type(parser))
    sub.required = True
    verify_parser = sub.add_parser("verify", help="check snapshots, PITR, AWS Backup, S3 and Velero backups against the runbook")
    verify_parser.add_argument("--region", default=settings.regions.primary, help="the database's region (default %(default)s)")
    verify_parser.add_argument("--dr-region", default=settings.regions.dr, help="where copies and replicas go (default %(default)s)")
    verify_parser.add_argument("--db-identifier", default=settings.database.identifier, help="RDS instance (default %(default)s)")
    verify_parser.add_argument("--assets-bucket", default=settings.storage.assets_bucket, help="default %(default)s")
    verify_parser.add_argument("--velero-bucket", default=settings.storage.velero_bucket, help="default %(default)s")
    verify_parser.add_argument("--json", default=None, metavar="PATH|-", help="write the checks as JSON to PATH, or - for standard output only")
    verify_parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drctl.ops.aws import limits
    from drctl.ops.backups import verify
    from drctl.ops.checks import checks_document, checks_table, exit_status, summary
    from drctl.ops.progress import activity

    check_distinct_regions("--region", args.region, "--dr-region", args.dr_region)
    check_identifier("--db-identifier", args.db_identifier)
    check_bucket("--assets-bucket", args.assets_bucket)
    check_bucket("--velero-bucket", args.velero_bucket)
    check_outputs([("--json", args.json)], reads=stack_files())
    limits()
    with activity(f"backups verify {args.db_identifier} ({args.region})"):
        checks = verify(args.db_identifier, args.region, args.dr_region, args.assets_bucket, args.velero_bucket)
    document = checks_document("aivo-dr/backups-verify@1", checks, dbIdentifier=args.db_identifier, region=args.region)
    emit(document, args.json, checks_table(f"Backup verification: {args.db_identifier} ({args.region})", checks), summary(checks))
    return exit_status(checks)
