"""Runbook "Test restore (non-production)": restore a snapshot beside production, check its data, delete it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg.conninfo

from drctl.errors import UsageError
from drctl.ops.aws import OpsError, aws_errors, client
from drctl.ops.backups import latest_snapshot
from drctl.ops.checks import FAIL, PASS, WARN, Check, minutes
from drctl.ops.integrity import Expectation, integrity_checks
from drctl.ops.waiting import wait_available

# The tag that marks an instance this tool created: it deletes nothing without it.
PURPOSE_TAG = "aivo-dr:purpose"


def named_hosts(dsn: str, environ: dict[str, str]) -> list[str]:
    """What in the DSN (or libpq's environment) can send the connection somewhere of its own choosing: host,
    hostaddr (libpq connects to it whatever host says), a service file entry, PGHOSTADDR."""
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    named = [f"{key}={params[key]}" for key in ("host", "hostaddr", "service") if params.get(key)]
    if environ.get("PGHOSTADDR"):
        named.append(f"PGHOSTADDR={environ['PGHOSTADDR']}")
    return named


def target_conninfo(dsn: str, endpoint: dict[str, Any] | None) -> str:
    """The DSN to check: as given when it names a host; else pointed at the restored instance's endpoint."""
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    if not params.get("host") and endpoint:
        params["host"], params["port"] = endpoint.get("Address"), endpoint.get("Port")
    return psycopg.conninfo.make_conninfo("", **{k: v for k, v in params.items() if v is not None})


def resolve_snapshot(rds: Any, wanted: str, db_identifier: str) -> dict[str, Any]:
    """`latest` is the newest available snapshot of the database (the runbook's query); else the named one."""
    if wanted == "latest":
        with aws_errors(f"describe_db_snapshots {db_identifier}"):
            snapshots = rds.describe_db_snapshots(DBInstanceIdentifier=db_identifier)["DBSnapshots"]
        snapshot = latest_snapshot([s for s in snapshots if s.get("Status") == "available"])
        if snapshot is None:
            raise OpsError(f"describe_db_snapshots {db_identifier}: no available snapshot")
        return snapshot
    with aws_errors(f"describe_db_snapshots {wanted}"):
        return rds.describe_db_snapshots(DBSnapshotIdentifier=wanted)["DBSnapshots"][0]


@dataclass(frozen=True)
class RestorePlan:
    region: str
    snapshot: str
    db_identifier: str
    target: str
    instance_class: str
    dsn: str
    expectations: list[Expectation]
    keep: bool
    timeout_s: float
    poll_s: float
    subnet_group: str | None = None
    security_groups: tuple[str, ...] = ()
    allow_other_host: bool = False


def _exists(rds: Any, identifier: str) -> bool:
    try:
        rds.describe_db_instances(DBInstanceIdentifier=identifier)
    except rds.exceptions.DBInstanceNotFoundFault:
        return False
    return True


def restore_test(plan: RestorePlan) -> tuple[list[Check], dict[str, Any]]:
    """Restore, wait, check, clean up. Returns the check rows and what was restored (for the JSON record)."""
    rds = client("rds", plan.region)
    with aws_errors(f"describe_db_instances {plan.target}"):
        if _exists(rds, plan.target):
            raise UsageError("--target-identifier", plan.target, f"an identifier with no instance yet (it exists in {plan.region}; delete it first)")
    snapshot = resolve_snapshot(rds, plan.snapshot, plan.db_identifier)
    snap_id = snapshot["DBSnapshotIdentifier"]
    extra: dict[str, Any] = {}
    if plan.subnet_group:
        extra["DBSubnetGroupName"] = plan.subnet_group
    if plan.security_groups:
        extra["VpcSecurityGroupIds"] = list(plan.security_groups)
    with aws_errors(f"restore_db_instance_from_db_snapshot {snap_id}"):
        rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier=plan.target, DBSnapshotIdentifier=snap_id, DBInstanceClass=plan.instance_class,
            # A test copy: private, single-AZ, deletable; tagged so cleanup can prove it is ours.
            PubliclyAccessible=False, MultiAZ=False, DeletionProtection=False,
            Tags=[{"Key": PURPOSE_TAG, "Value": "restore-test"}, {"Key": "source-snapshot", "Value": snap_id}], **extra,
        )
    record: dict[str, Any] = {"snapshot": snap_id, "snapshotCreateTime": str(snapshot.get("SnapshotCreateTime")), "target": plan.target}
    checks = [Check("snapshot", PASS, f"{snap_id} ({snapshot.get('SnapshotType')}) of {snapshot.get('DBInstanceIdentifier')}, taken {snapshot.get('SnapshotCreateTime'):%Y-%m-%d %H:%M} UTC")]
    try:
        ok, status, waited = wait_available(rds, plan.target, plan.timeout_s, plan.poll_s, "restoring")
        record["restoreSeconds"] = round(waited, 1)
        if not ok:
            checks.append(Check("restore available", FAIL, f"{plan.target} is {status} after {minutes(waited)} (timeout {minutes(plan.timeout_s)})"))
            return checks, record
        with aws_errors(f"describe_db_instances {plan.target}"):
            endpoint = rds.describe_db_instances(DBInstanceIdentifier=plan.target)["DBInstances"][0].get("Endpoint")
        checks.append(Check("restore available", PASS, f"{plan.target} ({plan.instance_class}) available after {minutes(waited)}"))
        conninfo = target_conninfo(plan.dsn, endpoint)
        rows, record["checkedHost"] = integrity_checks(conninfo, plan.expectations, (endpoint or {}).get("Address"), plan.allow_other_host)
        checks += rows
    finally:
        checks.append(_clean_up(rds, plan))
    return checks, record


def _clean_up(rds: Any, plan: RestorePlan) -> Check:
    if plan.keep:
        return Check("cleanup", WARN, f"kept {plan.target} (--keep): delete it when done, it costs money")
    with aws_errors(f"list_tags_for_resource {plan.target}"):
        arn = rds.describe_db_instances(DBInstanceIdentifier=plan.target)["DBInstances"][0]["DBInstanceArn"]
        tags = {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=arn).get("TagList", [])}
    if tags.get(PURPOSE_TAG) != "restore-test":
        return Check("cleanup", FAIL, f"{plan.target} lacks the tag {PURPOSE_TAG}=restore-test: not deleted")
    with aws_errors(f"delete_db_instance {plan.target}"):
        # No final snapshot: only for this throw-away copy of an existing snapshot, never for production.
        rds.delete_db_instance(DBInstanceIdentifier=plan.target, SkipFinalSnapshot=True, DeleteAutomatedBackups=True)
    return Check("cleanup", PASS, f"deleting {plan.target} (throw-away copy, no final snapshot)")
