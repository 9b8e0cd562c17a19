"""S3 checks shared by backup verification and preflight: versioning, replication to the DR region, the
replica, lifecycle. Each reads one region; an AWS failure is raised to its group (drctl.ops.groups)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from drctl.ops.aws import client, error_code
from drctl.ops.checks import FAIL, PASS, WARN, Check
from drctl.ops.figures import runbook


def versioning_check(bucket: str, region: str) -> Check:
    status = client("s3", region).get_bucket_versioning(Bucket=bucket).get("Status", "never enabled")
    return Check(f"s3 {bucket} versioning", PASS if status == "Enabled" else FAIL, f"versioning {status}")


def replication_label(bucket: str) -> str:
    return f"s3 {bucket} replication"


def replication_check(bucket: str, region: str, dr_region: str) -> Check:
    """An enabled rule on the source bucket that copies it to its DR replica (name: settings' replica_name).

    Read from the source bucket's region only; the replica itself is replica_check's row, read from the DR
    region, so that row still answers when the source region does not."""
    label = replication_label(bucket)
    replica = runbook().storage.replica_name(bucket, dr_region)
    try:
        rules = client("s3", region).get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"].get("Rules", [])
    except ClientError as error:
        if error_code(error) == "ReplicationConfigurationNotFoundError":
            return Check(label, FAIL, "no replication configuration")
        raise
    enabled = [r for r in rules if r.get("Status") == "Enabled" and r.get("Destination", {}).get("Bucket") == f"arn:aws:s3:::{replica}"]
    if not enabled:
        return Check(label, FAIL, f"no enabled rule replicating to {replica}")
    minutes = runbook().storage.replication_time_minutes
    rtc = enabled[0].get("Destination", {}).get("ReplicationTime", {})
    if rtc.get("Status") != "Enabled" or rtc.get("Time", {}).get("Minutes") != minutes:
        return Check(label, WARN, f"rule {enabled[0].get('ID', '?')} to {replica} without {minutes}-minute Replication Time Control")
    return Check(label, PASS, f"rule {enabled[0].get('ID', '?')} to {replica}, RTC {minutes} min")


def replica_label(bucket: str, dr_region: str) -> str:
    return f"s3 {runbook().storage.replica_name(bucket, dr_region)} replica"


def replica_check(bucket: str, dr_region: str) -> Check:
    """The DR replica of a bucket is in the DR region with versioning enabled (S3 stops replicating into a
    destination whose versioning is not enabled)."""
    label = replica_label(bucket, dr_region)
    replica = runbook().storage.replica_name(bucket, dr_region)
    s3 = client("s3", dr_region)
    located = s3.get_bucket_location(Bucket=replica).get("LocationConstraint") or "us-east-1"
    if located != dr_region:
        return Check(label, FAIL, f"{replica} is in {located}, not {dr_region}")
    versioning = s3.get_bucket_versioning(Bucket=replica).get("Status", "never enabled")
    if versioning != "Enabled":
        return Check(label, FAIL, f"{replica} in {dr_region} has versioning {versioning}")
    return Check(label, PASS, f"{replica} in {dr_region}, versioning Enabled")


def lifecycle_check(bucket: str, region: str) -> Check:
    """Non-current versions to GLACIER after 30 days and deleted after 365 (the runbook's S3 Assets)."""
    label = f"s3 {bucket} lifecycle"
    want = runbook().storage
    try:
        rules = client("s3", region).get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", [])
    except ClientError as error:
        if error_code(error) == "NoSuchLifecycleConfiguration":
            return Check(label, FAIL, "no lifecycle configuration")
        raise
    enabled = [r for r in rules if r.get("Status") == "Enabled"]
    glacier = any(
        t.get("StorageClass") == "GLACIER" and t.get("NoncurrentDays") == want.noncurrent_to_glacier_days
        for r in enabled
        for t in r.get("NoncurrentVersionTransitions", [])
    )
    expire = any(r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") == want.noncurrent_expiration_days for r in enabled)
    missing = [
        text
        for text, ok in (
            (f"non-current to GLACIER after {want.noncurrent_to_glacier_days} days", glacier),
            (f"non-current deleted after {want.noncurrent_expiration_days} days", expire),
        )
        if not ok
    ]
    if missing:
        return Check(label, FAIL, "missing: " + "; ".join(missing))
    return Check(label, PASS, f"non-current to GLACIER after {want.noncurrent_to_glacier_days} days, deleted after {want.noncurrent_expiration_days}")
