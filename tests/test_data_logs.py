"""The log buckets: one per region, owned by the primary stack, the us-east-1 one replicated into the us-west-2 one;
every other bucket logs its access into the log bucket of its own region."""

from __future__ import annotations

import json

import pytest

from drctl.engine import Plan
from drctl.engine.plan import SettingsProblem
from tests.helpers.planning import only, plan

EAST, WEST = "us-east-1", "us-west-2"
LOGS = {EAST: "aivo-production-logs-us-east-1", WEST: "aivo-production-logs-us-west-2"}


def of_bucket(p: Plan, type_: str, name: str):
    found = [r for r in p.resources if r.type == type_ and r.inputs.get("bucket") == name]
    assert len(found) == 1, (type_, name, [r.name for r in found])
    return found[0]


@pytest.mark.parametrize("region", [EAST, WEST])
def test_a_log_bucket_per_region_kept_encrypted_private_and_bounded(region: str) -> None:
    p = plan("primary")
    bucket = only(p, "aws:s3/bucket:Bucket", f"logs-{region}")
    assert (bucket.inputs["bucket"], bucket.region, bucket.inputs["tags"]["data-class"]) == (LOGS[region], region, "logs")
    assert bucket.protect and bucket.retain_on_delete
    (rule,) = of_bucket(p, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", LOGS[region]).inputs["rules"]
    # S3 delivers server access logs only into SSE-S3 buckets.
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    assert of_bucket(p, "aws:s3/bucketVersioning:BucketVersioning", LOGS[region]).inputs["versioningConfiguration"]["status"] == "Enabled"
    (lifecycle,) = of_bucket(p, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", LOGS[region]).inputs["rules"]
    assert lifecycle["expiration"] == {"days": 365} and lifecycle["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    ownership = of_bucket(p, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", LOGS[region]).inputs["rule"]["objectOwnership"]
    assert ownership == "BucketOwnerEnforced"  # CloudFront's logs, which need ACLs, have a bucket of their own
    statements = {s["Sid"]: s for s in json.loads(of_bucket(p, "aws:s3/bucketPolicy:BucketPolicy", LOGS[region]).inputs["policy"])["Statement"]}
    assert statements["S3ServerAccessLogs"]["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert statements["FlowLogsWrite"]["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:logs:{region}:123456789012:*"}
    assert "DenyInsecureTransport" in statements


def test_the_primary_regions_logs_replicate_into_the_dr_regions_log_bucket() -> None:
    p = plan("primary")
    replication = only(p, "aws:s3/bucketReplicationConfig:BucketReplicationConfig", "logs-replication")
    (rule,) = replication.inputs["rules"]
    assert replication.inputs["bucket"] == LOGS[EAST] and replication.region == EAST
    assert rule["destination"]["bucket"] == f"arn:aws:s3:::{LOGS[WEST]}" and rule["id"] == "to-dr"
    alarms = {r.inputs["name"]: r for r in p.by_type("aws:cloudwatch/metricAlarm:MetricAlarm") if "logs" in r.inputs["name"]}
    # Logs are no tier's data: their replication pages the lowest tier.
    assert sorted(alarms) == ["aivo-low-logs-replication-failed", "aivo-low-logs-replication-latency"]
    assert all(a.inputs["dimensions"]["SourceBucket"] == LOGS[EAST] for a in alarms.values())


@pytest.mark.parametrize(("state", "bucket", "region"), [
    (("primary",), "aivo-production-assets", EAST), (("primary",), "aivo-production-assets-us-west-2", WEST),
    (("primary",), "aivo-production-velero", EAST), (("primary",), "aivo-production-velero-us-west-2", WEST),
    (("dr",), "aivo-dr-canary-123456789012-us-west-2", WEST), (("dr",), "aivo-production-cdn-logs-us-west-2", WEST),
])
def test_every_other_bucket_logs_its_access_into_its_regions_log_bucket(state: tuple[str, ...], bucket: str, region: str) -> None:
    logging = of_bucket(plan(*state), "aws:s3/bucketLogging:BucketLogging", bucket)
    assert (logging.inputs["targetBucket"], logging.inputs["targetPrefix"], logging.region) == (LOGS[region], f"s3/{bucket}/", region)


def test_only_the_primary_stack_declares_log_buckets() -> None:
    assert not [r for r in plan("dr").by_type("aws:s3/bucket:Bucket") if r.inputs["bucket"] in LOGS.values()]


def test_a_log_bucket_prefix_too_long_for_the_replication_role_is_refused_in_one_line() -> None:
    prefix = "l" * 45  # its buckets fit S3's 63, its replication role does not fit IAM's 64
    with pytest.raises(SettingsProblem) as caught:
        plan("primary", f"storage.logBucketPrefix={prefix}")
    assert str(caught.value) == (f'aivo-dr:storage.logBucketPrefix = "{prefix}": at most 42 characters: the log replication role '
                                 f"{prefix}-us-east-1-replication must fit IAM's 64")
