"""`drctl restore-test`: restore a snapshot to a throw-away instance, check its data, delete it (exit 1 on any FAIL)."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from drctl.errors import UsageError
from drctl.ops.figures import (
    POLL_SECONDS,
    TIMEOUT_MINUTES,
    check_identifier,
    check_instance_class,
    check_number,
    check_region,
    check_throwaway,
    runbook,
)
from drctl.output import check_outputs, emit, stack_files

ORDER = 51
THROWAWAY_PREFIX = "aivo-restore-test"
_SNAPSHOT = re.compile(r"^[A-Za-z][A-Za-z0-9:-]{0,254}$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def register(subparsers: argparse._SubParsersAction) -> None:
    settings = runbook()
    parser = subparsers.add_parser("restore-test", help="restore a snapshot and verify its data (runbook: Test restore)", description=__doc__)
    parser.add_argument("--snapshot", default="latest", help="latest (newest available snapshot of --db-identifier) or a snapshot id")
    parser.add_argument("--db-identifier", default=settings.database.identifier, help="whose snapshots `latest` means (default %(default)s)")
    parser.add_argument("--target-identifier", default=THROWAWAY_PREFIX, help="the throw-away instance (default %(default)s)")
    parser.add_argument("--instance-class", default=settings.database.instance_class, help="default %(default)s")
    parser.add_argument("--region", default=settings.regions.primary, help="default %(default)s")
    parser.add_argument("--dsn-env", required=True, metavar="VAR",
                        help="environment variable with a libpq DSN (credentials, dbname); with no host in it, the restored endpoint is used")
    parser.add_argument("--expect", type=Path, required=True, metavar="FILE", help="YAML/JSON: table -> {min_rows, checksum, checksum_query}")
    parser.add_argument("--db-subnet-group", default=None, help="subnet group for the test instance (an isolated one)")
    parser.add_argument("--vpc-security-group-id", action="append", default=[], help="security group for the test instance (repeatable)")
    parser.add_argument("--timeout-minutes", default="90", help="give up waiting for the instance after this long, 1 to 1440 (default %(default)s)")
    parser.add_argument("--poll-seconds", default="30", help="how often to look at the instance, 1 to 600 (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the test instance afterwards (default: delete it)")
    parser.add_argument("--allow-other-host", action="store_true",
                        help="check the host the DSN names even though it is not the restored instance (default: refused)")
    parser.add_argument("--json", default=None, metavar="PATH|-", help="write the checks as JSON to PATH, or - for standard output only")
    parser.set_defaults(handler=run)


def _dsn(var: str) -> str:
    if not _ENV.fullmatch(var) or not os.environ.get(var):
        raise UsageError("--dsn-env", var, "the name of a set environment variable holding a libpq DSN, e.g. 'dbname=aivo user=aivo_admin'")
    return os.environ[var]


def _check_host(var: str, dsn: str, target: str, region: str, allowed: bool) -> None:
    """The checks must run against the restored instance: a DSN that names a host of its own is refused
    unless it names that instance (its endpoint starts with the identifier) or --allow-other-host says so."""
    from drctl.ops.restore import named_hosts

    if allowed:
        return
    for named in named_hosts(dsn, dict(os.environ)):
        key, _, value = named.partition("=")
        if key == "host" and all(h.split(".")[0] == target for h in value.split(",")):
            continue
        raise UsageError(f"--dsn-env {var}", named,
                         f"no host (the restored instance is checked) or the restored instance's endpoint ({target}.<id>.{region}.rds.amazonaws.com); "
                         "--allow-other-host checks another host")


def run(args: argparse.Namespace) -> int:
    from drctl.ops.aws import aws_errors, limits
    from drctl.ops.checks import checks_document, checks_table, exit_status, summary
    from drctl.ops.integrity import load_expectations
    from drctl.ops.progress import activity
    from drctl.ops.restore import RestorePlan, restore_test

    check_region("--region", args.region)
    check_identifier("--db-identifier", args.db_identifier)
    check_throwaway("--target-identifier", args.target_identifier, THROWAWAY_PREFIX)
    check_instance_class("--instance-class", args.instance_class)
    if args.snapshot != "latest" and not _SNAPSHOT.fullmatch(args.snapshot):
        raise UsageError("--snapshot", args.snapshot, "latest or a DB snapshot identifier such as rds:aivo-production-postgres-2024-01-15-03-00")
    timeout_minutes = check_number("--timeout-minutes", args.timeout_minutes, *TIMEOUT_MINUTES)
    poll_seconds = check_number("--poll-seconds", args.poll_seconds, *POLL_SECONDS)
    dsn = _dsn(args.dsn_env)
    _check_host(args.dsn_env, dsn, args.target_identifier, args.region, args.allow_other_host)
    expectations = load_expectations(args.expect)
    check_outputs([("--json", args.json)], reads=[*stack_files(), args.expect])
    limits()
    plan = RestorePlan(
        region=args.region, snapshot=args.snapshot, db_identifier=args.db_identifier, target=args.target_identifier,
        instance_class=args.instance_class, dsn=dsn, expectations=expectations, keep=args.keep,
        timeout_s=timeout_minutes * 60, poll_s=poll_seconds,
        subnet_group=args.db_subnet_group, security_groups=tuple(args.vpc_security_group_id), allow_other_host=args.allow_other_host,
    )
    with aws_errors("restore-test"), activity(f"restore-test {args.target_identifier} ({args.region})"):
        checks, record = restore_test(plan)
    document = checks_document("aivo-dr/restore-test@1", checks, region=args.region, **record)
    title = f"Restore test: {record['snapshot']} -> {args.target_identifier} ({args.region})"
    emit(document, args.json, checks_table(title, checks), summary(checks))
    return exit_status(checks)
