"""policies/storage.py and the S3 relationships of policies/stack.py, on a compliant source/replica pair."""

from __future__ import annotations

import json

import pytest

from drctl.checking import check_plan
from policies import stack, storage
from policies._common import (
    S3_BUCKET,
    S3_LIFECYCLE,
    S3_LOGGING,
    S3_OWNERSHIP,
    S3_POLICY,
    S3_PUBLIC_ACCESS_BLOCK,
    S3_REPLICATION,
    S3_SSE,
    S3_VERSIONING,
)
from tests.helpers.policies import ACCOUNT, DELETE, EAST, UNKNOWN, WEST, mutate, plan_of, res, urn, violations, without


def blamed(policy, records, config=None) -> list[tuple[str, str]]:
    """(resource, message) of each violation: the resource a stack policy blames is part of its verdict."""
    overrides = {policy.name: config} if config else None
    return [(v.resource, v.message) for v in check_plan(plan_of(*records), [policy], overrides)]


def tls_policy(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }]})


def bucket_set(prefix: str, bucket: str, region: str, log_to: str | None = None) -> list:
    key = f"arn:aws:kms:{region}:{ACCOUNT}:key/{prefix}"
    logging = [res(S3_LOGGING, f"{prefix}-access-logs", {"bucket": bucket, "targetBucket": log_to or f"aivo-production-logs-{region}",
                                                         "targetPrefix": f"s3/{bucket}/"}, region=region)] if log_to != "" else []
    return [
        res(S3_BUCKET, prefix, {"bucket": bucket}, region=region, protect=True),
        res(S3_VERSIONING, f"{prefix}-versioning", {"bucket": bucket, "versioningConfiguration": {"status": "Enabled"}}, region=region),
        res(S3_SSE, f"{prefix}-sse", {"bucket": bucket, "rules": [{"applyServerSideEncryptionByDefault": {
            "sseAlgorithm": "aws:kms", "kmsMasterKeyId": key}, "bucketKeyEnabled": True}]}, region=region),
        res(S3_PUBLIC_ACCESS_BLOCK, f"{prefix}-public-access", {"bucket": bucket, "blockPublicAcls": True, "blockPublicPolicy": True,
            "ignorePublicAcls": True, "restrictPublicBuckets": True}, region=region),
        res(S3_POLICY, f"{prefix}-tls-only", {"bucket": bucket, "policy": tls_policy(bucket)}, region=region),
        res(S3_LIFECYCLE, f"{prefix}-lifecycle", {"bucket": bucket, "rules": [{"id": "noncurrent", "status": "Enabled", "filter": {},
            "noncurrentVersionTransitions": [{"noncurrentDays": 30, "storageClass": "GLACIER"}],
            "noncurrentVersionExpiration": {"noncurrentDays": 365},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}}]}, region=region),
        *logging,
    ]


def compliant() -> list:
    source = bucket_set("source", "aivo-production-assets", EAST)
    replica = bucket_set("replica", "aivo-production-assets-us-west-2", WEST)
    replication = res(S3_REPLICATION, "replication", {"bucket": "aivo-production-assets", "role": "arn:aws:iam::x:role/r", "rules": [{
        "id": "to-dr", "status": "Enabled", "filter": {}, "deleteMarkerReplication": {"status": "Enabled"},
        "destination": {"bucket": "arn:aws:s3:::aivo-production-assets-us-west-2",
                        "replicationTime": {"status": "Enabled", "time": {"minutes": 15}},
                        "metrics": {"status": "Enabled", "eventThreshold": {"minutes": 15}}},
    }]}, region=EAST, depends_on=(urn(S3_VERSIONING, "source-versioning"), urn(S3_VERSIONING, "replica-versioning")))
    return [*source, *replica, replication]


ALL = [*storage.POLICIES, stack.replication_destination_valid, stack.buckets_replicated]

CASES = [
    (storage.s3_versioning_enabled, "replica-versioning", "versioningConfiguration.status", "Suspended",
     ["bucket replica: versioning status is Suspended, it must be Enabled"]),
    (storage.s3_sse_kms, "source-sse", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256",
     ["bucket source: sseAlgorithm is AES256, it must be aws:kms"]),
    (storage.s3_sse_kms, "source-sse", "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", DELETE,
     ["bucket source: kmsMasterKeyId must name a customer-managed KMS key"]),
    (storage.s3_public_access_blocked, "replica-public-access", "restrictPublicBuckets", False,
     ["bucket replica: public access block must set restrictPublicBuckets to true"]),
    (storage.s3_tls_only, "source-tls-only", "policy", json.dumps({"Statement": []}),
     ["bucket source has no bucket policy denying requests without TLS (aws:SecureTransport false)"]),
    (storage.s3_noncurrent_lifecycle, "source-lifecycle", "rules.0.noncurrentVersionTransitions.0.noncurrentDays", 60,
     ["bucket source: non-current versions must move to Glacier within 30 days (found 60)"]),
    (storage.s3_noncurrent_lifecycle, "replica-lifecycle", "rules.0.noncurrentVersionExpiration.noncurrentDays", 400,
     ["bucket replica: non-current versions must expire within 365 days (found 400)"]),
    # one day past each runbook figure (the compliant buckets sit exactly on 30 and 365)
    (storage.s3_noncurrent_lifecycle, "source-lifecycle", "rules.0.noncurrentVersionTransitions.0.noncurrentDays", 31,
     ["bucket source: non-current versions must move to Glacier within 30 days (found 31)"]),
    (storage.s3_noncurrent_lifecycle, "replica-lifecycle", "rules.0.noncurrentVersionExpiration.noncurrentDays", 366,
     ["bucket replica: non-current versions must expire within 365 days (found 366)"]),
    (storage.s3_multipart_aborted, "source-lifecycle", "rules.0.abortIncompleteMultipartUpload.daysAfterInitiation", 8,
     ["bucket source: no Enabled whole-bucket lifecycle rule aborts incomplete multipart uploads within 7 days (found 8)"]),
    (storage.s3_replication_rtc, "replication", "rules.0.destination.replicationTime.status", "Disabled",
     ["bucket source replication rule to-dr: replication time control must be Enabled with 15 minutes"]),
    (storage.s3_replication_rtc, "replication", "rules.0.destination.metrics", DELETE,
     ["bucket source replication rule to-dr: replication metrics must be Enabled with a 15-minute event threshold"]),
    (storage.s3_replication_rtc, "replication", "rules.0.deleteMarkerReplication.status", "Disabled",
     ["bucket source replication rule to-dr: delete marker replication must be Enabled"]),
    (stack.replication_destination_valid, "replication", "rules.0.destination.bucket", "arn:aws:s3:::elsewhere",
     ["replication: destination arn:aws:s3:::elsewhere is not a bucket declared in this stack"]),
    (stack.replication_destination_valid, "replica-versioning", "versioningConfiguration.status", "Suspended",
     ["replication: destination aivo-production-assets-us-west-2 must have versioning Enabled"]),
    (stack.replication_destination_valid, "replica-lifecycle", "rules.0.noncurrentVersionExpiration.noncurrentDays", 90,
     ["replication: destination aivo-production-assets-us-west-2 must have the source's non-current lifecycle (30, 365) (has (30, 90)); expirations are not replicated"]),
    (stack.replication_destination_valid, "replica", "region", EAST,
     [f"replication: destination aivo-production-assets-us-west-2 is in {EAST}, the source's region; it must be in another region"]),
]


@pytest.mark.parametrize("policy", ALL, ids=lambda p: p.name)
def test_compliant_buckets_pass(policy):
    assert violations(policy, compliant()) == []


@pytest.mark.parametrize(("policy", "name", "path", "value", "expected"), CASES, ids=lambda c: getattr(c, "name", None))
def test_one_mutated_field_fails_with_the_exact_message(policy, name, path, value, expected):
    assert violations(policy, mutate(compliant(), name, path, value)) == expected


@pytest.mark.parametrize(("policy", "missing", "expected"), [
    (storage.s3_versioning_enabled, "source-versioning", "bucket source has no BucketVersioning"),
    (storage.s3_sse_kms, "replica-sse", "bucket replica has no server-side encryption configuration"),
    (storage.s3_public_access_blocked, "source-public-access", "bucket source has no BucketPublicAccessBlock"),
    (storage.s3_tls_only, "replica-tls-only", "bucket replica has no bucket policy denying requests without TLS (aws:SecureTransport false)"),
])
def test_a_missing_sub_resource_fails_against_its_bucket(policy, missing, expected):
    assert violations(policy, without(compliant(), missing)) == [expected]


def test_without_replication_neither_bucket_is_a_source_or_a_replica():
    assert violations(stack.buckets_replicated, without(compliant(), "replication")) == [
        "bucket replica is neither replicated to another region nor a replica",
        "bucket source is neither replicated to another region nor a replica",
    ]


def test_replication_must_wait_for_both_buckets_versioning():
    records = compliant()
    records[-1].depends_on = [urn(S3_VERSIONING, "source-versioning")]
    assert violations(stack.replication_destination_valid, records) == [
        "replication: must depend on the versioning of aivo-production-assets-us-west-2 (replication requires it first)"
    ]


def test_sub_resources_join_by_dependency_when_the_bucket_id_is_unknown():
    records = mutate(compliant(), "source-versioning", "bucket", UNKNOWN)
    records[1].depends_on = [urn(S3_BUCKET, "source")]
    assert violations(storage.s3_versioning_enabled, records) == []
    orphan = mutate(compliant(), "source-versioning", "bucket", UNKNOWN)
    assert violations(storage.s3_versioning_enabled, orphan) == [
        "bucket source has no BucketVersioning",
        "source-versioning: bucket is unknown at preview and has no dependency on a declared bucket, so it cannot be joined to one",
    ]


def test_an_unknown_status_is_a_violation_not_a_pass():
    assert violations(storage.s3_versioning_enabled, mutate(compliant(), "source-versioning", "versioningConfiguration.status", UNKNOWN)) == [
        "source: versioningConfiguration.status is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it from settings)"
    ]


def test_an_unknown_bucket_policy_is_a_violation_not_a_pass():
    assert violations(storage.s3_tls_only, mutate(compliant(), "source-tls-only", "policy", UNKNOWN)) == [
        "source: policy is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it from settings)"
    ]


def log_bucket(algorithm: str = "AES256") -> list:
    """A log bucket that the compliant pair's source logs into (a target of a BucketLogging: no logging of its own)."""
    records = bucket_set("logs", "aivo-production-logs-us-east-1", EAST, log_to="")
    next(r for r in records if r.name == "logs").inputs["tags"] = {"data-class": "logs"}
    sse = next(r for r in records if r.name == "logs-sse")
    sse.inputs["rules"] = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": algorithm}}]
    return records


def test_a_log_bucket_is_encrypted_with_sse_s3_and_not_logged_into_itself():
    records = [*compliant(), *log_bucket()]
    for policy in (storage.s3_sse_kms, storage.s3_access_logged):
        assert violations(policy, records) == []
    assert violations(storage.s3_sse_kms, [*compliant(), *log_bucket("aws:kms")]) == [
        "bucket logs receives S3 server access logs: its default encryption must be AES256 (SSE-S3), the only one S3 delivers "
        "access logs into"]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda r: without(r, "source-access-logs"), "bucket source has no server access logging (BucketLogging) into a log bucket"),
    (lambda r: mutate(r, "source-access-logs", "targetBucket", "aivo-production-assets"),
     "bucket source logs its access into itself; log into a log bucket"),
    (lambda r: mutate(r, "source-access-logs", "targetBucket", "aivo-production-assets-us-west-2"),
     "bucket source logs its access into aivo-production-assets-us-west-2, a bucket of another region; S3 delivers access logs "
     "only within a region"),
])
def test_a_bucket_without_access_logging_in_its_region_fails(change, expected):
    assert violations(storage.s3_access_logged, change(compliant())) == [expected]


def test_incomplete_multipart_uploads_are_aborted_within_the_maximum():
    late = mutate(compliant(), "source-lifecycle", "rules.0.abortIncompleteMultipartUpload.daysAfterInitiation", 30)
    assert violations(storage.s3_multipart_aborted, late) == [
        "bucket source: no Enabled whole-bucket lifecycle rule aborts incomplete multipart uploads within 7 days (found 30)"]
    assert violations(storage.s3_multipart_aborted, late, config={"maximumDays": 30}) == []
    assert storage.s3_multipart_aborted.config_schema.properties["maximumDays"]["default"] == 7


ACL_MESSAGE = ("bucket {b}: object ownership is {o}; it must be BucketOwnerEnforced (ACLs disabled), or BucketOwnerPreferred "
               "on the bucket a CloudFront distribution writes its standard logs to")


@pytest.mark.parametrize(("bucket", "ownership", "expected"), [
    ("source", "BucketOwnerEnforced", []),
    ("logs", "BucketOwnerPreferred", []),  # the CDN's log bucket
    ("source", "BucketOwnerPreferred", [ACL_MESSAGE.format(b="source", o="BucketOwnerPreferred")]),
    ("logs", "ObjectWriter", [ACL_MESSAGE.format(b="logs", o="ObjectWriter")]),
])
def test_acls_stay_disabled_except_on_the_cdn_log_bucket(bucket, ownership, expected):
    name = "aivo-production-assets" if bucket == "source" else "aivo-production-logs-us-east-1"
    cdn = res("aws:cloudfront/distribution:Distribution", "cdn", {
        "loggingConfig": {"bucket": "aivo-production-logs-us-east-1.s3.amazonaws.com", "prefix": "cdn/"}}, region=None)
    records = [*compliant(), *log_bucket(), cdn,
               res(S3_OWNERSHIP, f"{bucket}-ownership", {"bucket": name, "rule": {"objectOwnership": ownership}})]
    assert violations(storage.s3_acls_disabled, records) == expected


def test_an_access_log_bucket_that_no_distribution_logs_into_keeps_acls_disabled():
    records = [*compliant(), *log_bucket(),
               res(S3_OWNERSHIP, "logs-ownership", {"bucket": "aivo-production-logs-us-east-1", "rule": {"objectOwnership": "BucketOwnerPreferred"}})]
    assert violations(storage.s3_acls_disabled, records) == [ACL_MESSAGE.format(b="logs", o="BucketOwnerPreferred")]


@pytest.mark.parametrize(("statement", "expected"), [
    ({"Sid": "Public", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "*"},
     "bucket source: Public allows s3:GetObject to everyone (Principal *)"),
    ({"Sid": "Lockout", "Effect": "Deny", "Principal": "*", "Action": "s3:PutBucketPolicy", "Resource": "*"},
     "bucket source: Lockout denies everyone s3:PutBucketPolicy without a condition: only the root user could change the "
     "bucket policy again"),
])
def test_a_bucket_policy_open_to_everyone_or_locking_everyone_out_fails(statement, expected):
    document = json.loads(tls_policy("aivo-production-assets"))
    document["Statement"].append(statement)
    assert violations(storage.s3_policy_not_public, mutate(compliant(), "source-tls-only", "policy", json.dumps(document))) == [expected]


def test_lifecycle_thresholds_are_configurable_within_bounds():
    assert violations(storage.s3_noncurrent_lifecycle, compliant(), config={"glacierWithinDays": 7}) == [
        "bucket replica: non-current versions must move to Glacier within 7 days (found 30)",
        "bucket source: non-current versions must move to Glacier within 7 days (found 30)",
    ]
    schema = storage.s3_noncurrent_lifecycle.config_schema.properties
    assert (schema["glacierWithinDays"]["default"], schema["expireWithinDays"]["default"]) == (30, 365)


def test_a_data_bucket_named_as_a_log_target_is_not_excused():
    records = [*compliant(), *log_bucket()]
    del next(r for r in records if r.name == "logs").inputs["tags"]
    assert violations(storage.s3_access_logged, records) == [
        "bucket logs has no server access logging (BucketLogging) into a log bucket"]
    assert violations(storage.s3_sse_kms, records) == ["bucket logs: sseAlgorithm is AES256, it must be aws:kms"]


def transient_set() -> list:
    """A canary's bucket tagged transient whose one whole-bucket rule expires every object, old versions too, in 31 days."""
    return [
        res(S3_BUCKET, "canary", {"bucket": "aivo-canary-artifacts", "tags": {"data-class": "transient"}}, region=WEST),
        res(S3_LIFECYCLE, "canary-lifecycle", {"bucket": "aivo-canary-artifacts", "rules": [{
            "id": "expire", "status": "Enabled", "filter": {}, "expiration": {"days": 31},
            "noncurrentVersionExpiration": {"noncurrentDays": 31}}]}, region=WEST),
    ]


NOT_REPLICATED = ["bucket canary is neither replicated to another region nor a replica"]
OTHER_RULE = {"id": "runs", "status": "Disabled", "filter": {}, "expiration": {"days": 1},
              "noncurrentVersionExpiration": {"noncurrentDays": 1}}


@pytest.mark.parametrize(("name", "path", "value", "expected"), [
    ("canary-lifecycle", "rules.0.id", "expire", []),  # exactly 31 days, current and old versions
    ("canary-lifecycle", "rules", [OTHER_RULE, {**OTHER_RULE, "status": "Enabled", "expiration": {"days": 31}}], []),
    ("canary-lifecycle", "rules.0.status", "Disabled", NOT_REPLICATED),
    ("canary-lifecycle", "rules.0.filter", {"prefix": "runs/"}, NOT_REPLICATED),
    ("canary-lifecycle", "rules.0.filter", {"tag": {"key": "kind", "value": "run"}}, NOT_REPLICATED),
    ("canary-lifecycle", "rules.0.filter", {"and": {"prefix": "runs/", "tags": {"kind": "run"}}}, NOT_REPLICATED),
    ("canary-lifecycle", "rules.0.expiration.days", 32, NOT_REPLICATED),
    ("canary-lifecycle", "rules.0.noncurrentVersionExpiration.noncurrentDays", 32, NOT_REPLICATED),
    ("canary-lifecycle", "rules.0.expiration", DELETE, NOT_REPLICATED),
    ("canary-lifecycle", "rules.0.noncurrentVersionExpiration", DELETE, NOT_REPLICATED),
    ("canary", "tags", {"data-class": "logs"}, NOT_REPLICATED),
    ("canary", "tags", DELETE, NOT_REPLICATED),
])
def test_only_a_transient_bucket_that_expires_everything_within_31_days_is_excused_from_replication(name, path, value, expected):
    assert violations(stack.buckets_replicated, mutate([*compliant(), *transient_set()], name, path, value)) == expected


def test_a_transient_bucket_without_a_lifecycle_is_not_excused():
    assert violations(stack.buckets_replicated, [*compliant(), *transient_set()[:1]]) == NOT_REPLICATED


def test_a_transient_bucket_is_excused_from_the_glacier_lifecycle_only_while_it_expires_everything():
    records = [*compliant(), *transient_set()]
    assert violations(storage.s3_noncurrent_lifecycle, records) == []
    assert violations(storage.s3_noncurrent_lifecycle, mutate(records, "canary-lifecycle", "rules.0.expiration.days", 32)) == [
        "bucket canary: non-current versions must move to Glacier within 30 days (found None)"]
    assert violations(storage.s3_noncurrent_lifecycle, mutate(records, "canary", "tags", {"data-class": "logs"})) == [
        "bucket canary: non-current versions must move to Glacier within 30 days (found None)"]


UNKNOWN_TAGS = "canary: tags is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it from settings)"


@pytest.mark.parametrize(("policy", "expected"), [
    (storage.s3_noncurrent_lifecycle, [("canary", UNKNOWN_TAGS)]),
    (stack.buckets_replicated, [("canary", NOT_REPLICATED[0]), ("canary", UNKNOWN_TAGS)]),
], ids=lambda v: getattr(v, "name", None))
def test_bucket_tags_unknown_at_preview_are_reported_against_the_bucket_which_is_not_excused(policy, expected):
    assert blamed(policy, mutate([*compliant(), *transient_set()], "canary", "tags", UNKNOWN)) == expected


def test_a_lifecycle_that_cannot_be_joined_to_its_bucket_is_reported_once():
    orphan = mutate(compliant(), "source-lifecycle", "bucket", UNKNOWN)
    assert violations(storage.s3_noncurrent_lifecycle, orphan) == [
        "bucket source: non-current versions must expire within 365 days (found None)",
        "bucket source: non-current versions must move to Glacier within 30 days (found None)",
        "source-lifecycle: bucket is unknown at preview and has no dependency on a declared bucket, so it cannot be joined to one",
    ]


def on_bucket(message: str) -> tuple[str, str]:
    """The violation as it should be reported: against the bucket its message names (`bucket NAME ...`)."""
    return message.split()[1].rstrip(":"), message


STORAGE_CASES = [case for case in CASES if case[0] in storage.POLICIES]


@pytest.mark.parametrize(("policy", "name", "path", "value", "expected"), STORAGE_CASES, ids=lambda c: getattr(c, "name", None))
def test_each_violation_is_reported_against_its_bucket(policy, name, path, value, expected):
    assert blamed(policy, mutate(compliant(), name, path, value)) == [on_bucket(m) for m in expected]


@pytest.mark.parametrize(("policy", "missing", "expected"), [
    (storage.s3_versioning_enabled, "source-versioning", "bucket source has no BucketVersioning"),
    (storage.s3_sse_kms, "replica-sse", "bucket replica has no server-side encryption configuration"),
    (storage.s3_public_access_blocked, "source-public-access", "bucket source has no BucketPublicAccessBlock"),
    (storage.s3_tls_only, "replica-tls-only", "bucket replica has no bucket policy denying requests without TLS (aws:SecureTransport false)"),
    (storage.s3_access_logged, "source-access-logs", "bucket source has no server access logging (BucketLogging) into a log bucket"),
])
def test_a_missing_sub_resource_is_reported_against_its_bucket(policy, missing, expected):
    assert blamed(policy, without(compliant(), missing)) == [on_bucket(expected)]


# A sub-resource whose bucket is unknown at preview and that depends on no declared bucket: each policy over that
# sub-resource's type says so (against the sub-resource) besides what the bucket then lacks.
ORPHANS = [
    (storage.s3_versioning_enabled, "source-versioning", "bucket source has no BucketVersioning"),
    (storage.s3_sse_kms, "source-sse", "bucket source has no server-side encryption configuration"),
    (storage.s3_public_access_blocked, "source-public-access", "bucket source has no BucketPublicAccessBlock"),
    (storage.s3_tls_only, "source-tls-only", "bucket source has no bucket policy denying requests without TLS (aws:SecureTransport false)"),
    (storage.s3_access_logged, "source-access-logs", "bucket source has no server access logging (BucketLogging) into a log bucket"),
    (storage.s3_multipart_aborted, "source-lifecycle",
     "bucket source: no Enabled whole-bucket lifecycle rule aborts incomplete multipart uploads within 7 days (found None)"),
    (storage.s3_replication_rtc, "replication", None),
    (storage.s3_policy_not_public, "source-tls-only", None),
]


@pytest.mark.parametrize(("policy", "orphan", "lacking"), ORPHANS, ids=lambda c: getattr(c, "name", None))
def test_a_sub_resource_that_cannot_be_joined_to_a_bucket_is_reported_against_itself(policy, orphan, lacking):
    unjoined = (orphan, f"{orphan}: bucket is unknown at preview and has no dependency on a declared bucket, so it cannot be joined to one")
    expected = sorted([unjoined, *([on_bucket(lacking)] if lacking else [])], key=lambda found: found[1])
    assert blamed(policy, mutate(compliant(), orphan, "bucket", UNKNOWN)) == expected


def test_an_ownership_control_that_cannot_be_joined_to_a_bucket_is_reported_against_itself():
    records = [*compliant(), res(S3_OWNERSHIP, "source-ownership", {"bucket": UNKNOWN, "rule": {"objectOwnership": "BucketOwnerEnforced"}})]
    assert blamed(storage.s3_acls_disabled, records) == [("source-ownership", "source-ownership: bucket is unknown at preview and has "
                                                          "no dependency on a declared bucket, so it cannot be joined to one")]


REPLICATION_RULE = "bucket source replication rule {}: {}"


@pytest.mark.parametrize(("path", "value", "expected"), [
    ("rules", [], ["bucket source: replication configuration has no rules"]),
    ("rules.0.status", "Disabled", [REPLICATION_RULE.format("to-dr", "status must be Enabled")]),
    ("rules.0.id", DELETE, []),
    ("rules.0.destination.replicationTime.time.minutes", 30,
     [REPLICATION_RULE.format("to-dr", "replication time control must be Enabled with 15 minutes")]),
    ("rules.0.destination.metrics.eventThreshold.minutes", 10,
     [REPLICATION_RULE.format("to-dr", "replication metrics must be Enabled with a 15-minute event threshold")]),
    ("rules.0.destination.metrics.status", "Disabled",
     [REPLICATION_RULE.format("to-dr", "replication metrics must be Enabled with a 15-minute event threshold")]),
    ("rules", [{"status": "Disabled"}],
     [REPLICATION_RULE.format(0, "delete marker replication must be Enabled"),
      REPLICATION_RULE.format(0, "replication metrics must be Enabled with a 15-minute event threshold"),
      REPLICATION_RULE.format(0, "replication time control must be Enabled with 15 minutes"),
      REPLICATION_RULE.format(0, "status must be Enabled")]),
])
def test_every_replication_rule_is_enabled_with_rtc_metrics_and_delete_markers(path, value, expected):
    assert blamed(storage.s3_replication_rtc, mutate(compliant(), "replication", path, value)) == [on_bucket(m) for m in expected]


def test_a_replication_rule_unknown_at_preview_is_reported_against_its_bucket():
    assert blamed(storage.s3_replication_rtc, mutate(compliant(), "replication", "rules.0.status", UNKNOWN)) == [
        ("source", "source: status is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it from settings)")]


def test_dsse_kms_is_kms_encryption():
    records = mutate(compliant(), "source-sse", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "aws:kms:dsse")
    assert violations(storage.s3_sse_kms, records) == []


def test_every_public_access_flag_left_off_is_named():
    records = mutate(mutate(compliant(), "source-public-access", "blockPublicAcls", False), "source-public-access", "ignorePublicAcls", DELETE)
    assert blamed(storage.s3_public_access_blocked, records) == [
        on_bucket("bucket source: public access block must set blockPublicAcls, ignorePublicAcls to true")]


def tls_statement(**changes) -> dict:
    statement = json.loads(tls_policy("aivo-production-assets"))["Statement"][0]
    statement.update(changes)
    return {k: v for k, v in statement.items() if v is not DELETE}


NO_TLS = ["bucket source has no bucket policy denying requests without TLS (aws:SecureTransport false)"]
READ = {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/reader"}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::aivo-production-assets/*"}


@pytest.mark.parametrize(("statements", "expected"), [
    ([READ, tls_statement()], []),  # found after another statement
    (["not a statement", tls_statement()], []),
    ([tls_statement(Principal={"AWS": "*"})], []),
    ([tls_statement(Principal={"AWS": ["*"]})], []),
    ([tls_statement(Action="*")], []),
    ([tls_statement(Action=["s3:GetObject", "s3:*"])], []),
    ([tls_statement(Effect="Allow")], NO_TLS),
    ([tls_statement(Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})], NO_TLS),
    ([tls_statement(Principal={"Service": "cloudfront.amazonaws.com"})], NO_TLS),
    ([tls_statement(Action="s3:GetObject")], NO_TLS),
    ([tls_statement(Condition=DELETE)], NO_TLS),
    ([tls_statement(Condition={"Bool": {"aws:SecureTransport": "true"}})], NO_TLS),
    ([tls_statement(Condition={"Bool": {"aws:SecureTransport": False}})], []),
])
def test_only_a_deny_of_all_s3_to_everyone_without_tls_makes_a_bucket_tls_only(statements, expected):
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    assert violations(storage.s3_tls_only, mutate(compliant(), "source-tls-only", "policy", document)) == expected


@pytest.mark.parametrize(("rules", "expected"), [
    # a disabled rule before the enabled one
    ([{"id": "off", "status": "Disabled", "filter": {}}, "compliant"], []),
    # a Glacier transition without its day counts from day 0
    ([{"id": "now", "status": "Enabled", "filter": {}, "noncurrentVersionTransitions": [{"storageClass": "DEEP_ARCHIVE"}],
       "noncurrentVersionExpiration": {"noncurrentDays": 365}}], []),
    ([{"id": "ia", "status": "Enabled", "filter": {}, "noncurrentVersionTransitions": [
        {"noncurrentDays": 7, "storageClass": "STANDARD_IA"}, {"noncurrentDays": 30, "storageClass": "GLACIER_IR"}],
       "noncurrentVersionExpiration": {"noncurrentDays": 90}}], []),
    ([{"id": "none", "status": "Enabled", "filter": {}}],
     ["bucket source: non-current versions must expire within 365 days (found None)",
      "bucket source: non-current versions must move to Glacier within 30 days (found None)"]),
    ([{"id": "off", "status": "Disabled", "filter": {}, "noncurrentVersionTransitions": [{"noncurrentDays": 30, "storageClass": "GLACIER"}],
       "noncurrentVersionExpiration": {"noncurrentDays": 365}}],
     ["bucket source: non-current versions must expire within 365 days (found None)",
      "bucket source: non-current versions must move to Glacier within 30 days (found None)"]),
])
def test_the_noncurrent_lifecycle_is_read_over_the_enabled_rules(rules, expected):
    compliant_rule = next(r for r in compliant() if r.name == "source-lifecycle").inputs["rules"][0]
    rules = [compliant_rule if rule == "compliant" else rule for rule in rules]
    assert blamed(storage.s3_noncurrent_lifecycle, mutate(compliant(), "source-lifecycle", "rules", rules)) == [
        on_bucket(m) for m in expected]


def test_the_expiry_bound_is_configurable():
    assert violations(storage.s3_noncurrent_lifecycle, compliant(), config={"expireWithinDays": 364}) == [
        "bucket replica: non-current versions must expire within 364 days (found 365)",
        "bucket source: non-current versions must expire within 364 days (found 365)",
    ]


ABORT = "bucket source: no Enabled whole-bucket lifecycle rule aborts incomplete multipart uploads within 7 days (found {})"


@pytest.mark.parametrize(("rules", "expected"), [
    ([{"status": "Enabled", "filter": {}, "abortIncompleteMultipartUpload": {"daysAfterInitiation": 30}},
      {"status": "Enabled", "filter": {}, "abortIncompleteMultipartUpload": {"daysAfterInitiation": 3}}], []),
    ([{"status": "Enabled", "filter": {}}], [ABORT.format(None)]),
    ([{"status": "Disabled", "filter": {}, "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1}}], [ABORT.format(None)]),
    ([{"status": "Enabled", "filter": {"prefix": "uploads/"}, "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1}}],
     [ABORT.format(None)]),
    ([{"status": "Enabled", "filter": {"tag": {"key": "kind", "value": "upload"}},
       "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1}}], [ABORT.format(None)]),
    ([{"status": "Enabled", "filter": {"and": {"prefix": "uploads/", "tags": {"kind": "upload"}}},
       "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1}}], [ABORT.format(None)]),
    ([{"status": "Enabled", "filter": {"prefix": "uploads/"}, "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1}},
      {"status": "Enabled", "filter": {}, "abortIncompleteMultipartUpload": {"daysAfterInitiation": 14}}], [ABORT.format(14)]),
])
def test_only_an_enabled_whole_bucket_rule_aborts_incomplete_uploads(rules, expected):
    assert blamed(storage.s3_multipart_aborted, mutate(compliant(), "source-lifecycle", "rules", rules)) == [
        on_bucket(m) for m in expected]


@pytest.mark.parametrize("records", [
    [*compliant(), *log_bucket()],
    mutate([*compliant(), *log_bucket()], "source-access-logs", "bucket", UNKNOWN),  # joined by dependency below
])
@pytest.mark.parametrize(("name", "expected"), [
    # a bucket's own region input (pulumi-aws v7) wins over its provider's
    ("source", "bucket source logs its access into aivo-production-logs-us-east-1, a bucket of another region; S3 delivers "
     "access logs only within a region"),
    ("logs", "bucket source logs its access into aivo-production-logs-us-east-1, a bucket of another region; S3 delivers "
     "access logs only within a region"),
])
def test_access_logging_into_a_bucket_of_another_region_is_reported_against_the_bucket(records, name, expected):
    next(r for r in records if r.name == "source-access-logs").depends_on = [urn(S3_BUCKET, "source")]
    assert blamed(storage.s3_access_logged, mutate(records, name, "region", WEST)) == [on_bucket(expected)]
    assert blamed(storage.s3_access_logged, records) == []


@pytest.mark.parametrize(("target", "expected"), [
    ("aivo-production-assets", "bucket source logs its access into itself; log into a log bucket"),
    ("aivo-production-assets-us-west-2", "bucket source logs its access into aivo-production-assets-us-west-2, a bucket of "
     "another region; S3 delivers access logs only within a region"),
])
def test_access_logging_into_itself_is_reported_against_the_bucket(target, expected):
    assert blamed(storage.s3_access_logged, mutate(compliant(), "source-access-logs", "targetBucket", target)) == [on_bucket(expected)]


def test_a_log_bucket_whose_encryption_is_wrong_is_reported_against_it():
    assert blamed(storage.s3_sse_kms, [*compliant(), *log_bucket("aws:kms")]) == [on_bucket(
        "bucket logs receives S3 server access logs: its default encryption must be AES256 (SSE-S3), the only one S3 delivers "
        "access logs into")]


@pytest.mark.parametrize("bucket", ["aivo-production-assets", UNKNOWN])
def test_a_bucket_tagged_logs_that_logs_into_itself_is_no_log_bucket(bucket):
    records = mutate(mutate(compliant(), "source-access-logs", "targetBucket", "aivo-production-assets"), "source-access-logs",
                     "bucket", bucket)
    next(r for r in records if r.name == "source-access-logs").depends_on = [urn(S3_BUCKET, "source")]
    records = mutate(mutate(records, "source", "tags", {"data-class": "logs"}), "source-sse", "rules.0", {
        "applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}})
    assert violations(storage.s3_sse_kms, records) == ["bucket source: sseAlgorithm is AES256, it must be aws:kms"]
    assert violations(storage.s3_access_logged, records) == ["bucket source logs its access into itself; log into a log bucket"]


def test_a_log_target_unknown_at_preview_names_no_log_bucket():
    records = mutate([*compliant(), *log_bucket()], "source-access-logs", "targetBucket", UNKNOWN)
    assert violations(storage.s3_sse_kms, records) == ["bucket logs: sseAlgorithm is AES256, it must be aws:kms"]
    assert blamed(storage.s3_access_logged, records) == [
        ("logs", "bucket logs has no server access logging (BucketLogging) into a log bucket"),
        ("source", "source: targetBucket is unknown at preview, so this cannot be verified; make it known at preview (e.g. build "
         "it from settings)")]


def distribution(name: str, bucket, depends_on: list[str] | None = None):
    cdn = res("aws:cloudfront/distribution:Distribution", name, {"loggingConfig": {"bucket": bucket, "prefix": "cdn/"}}, region=None)
    cdn.property_dependencies = {"loggingConfig": depends_on or []}
    return cdn


def preferred(*buckets: str) -> list:
    return [res(S3_OWNERSHIP, f"{b}-ownership", {"bucket": b, "rule": {"objectOwnership": "BucketOwnerPreferred"}}) for b in buckets]


def test_acls_stay_enabled_on_each_distributions_log_bucket():
    records = [*compliant(), *log_bucket(), *bucket_set("dotted", "aivo.s3.logs", EAST),
               distribution("cdn", "aivo-production-logs-us-east-1.s3.amazonaws.com"),
               distribution("cdn-2", "aivo.s3.logs.s3.amazonaws.com"),
               *preferred("aivo-production-logs-us-east-1", "aivo.s3.logs")]
    assert violations(storage.s3_acls_disabled, records) == []


def test_a_log_bucket_name_unknown_at_preview_is_found_by_its_dependency():
    records = [*compliant(), *log_bucket(), *preferred("aivo-production-logs-us-east-1")]
    logs = urn(S3_BUCKET, "logs")
    assert violations(storage.s3_acls_disabled, [*records, distribution("cdn", UNKNOWN, [logs])]) == []
    other = [urn(S3_LOGGING, "source-access-logs"), urn(S3_BUCKET, "source")]
    assert blamed(storage.s3_acls_disabled, [*records, distribution("cdn", UNKNOWN, other)]) == [
        on_bucket(ACL_MESSAGE.format(b="logs", o="BucketOwnerPreferred"))]


def test_every_ownership_control_of_a_bucket_is_checked():
    records = [*compliant(), *log_bucket(), distribution("cdn", "aivo-production-logs-us-east-1.s3.amazonaws.com"),
               *preferred("aivo-production-logs-us-east-1"),
               res(S3_OWNERSHIP, "logs-enforced", {"bucket": "aivo-production-logs-us-east-1", "rule": {"objectOwnership": "BucketOwnerEnforced"}}),
               res(S3_OWNERSHIP, "logs-writer", {"bucket": "aivo-production-logs-us-east-1", "rule": {"objectOwnership": "ObjectWriter"}})]
    assert blamed(storage.s3_acls_disabled, records) == [on_bucket(ACL_MESSAGE.format(b="logs", o="ObjectWriter"))]


PUBLIC = "bucket source: {} allows {} to everyone (Principal *)"


@pytest.mark.parametrize(("statements", "expected"), [
    ([READ], []),
    ([{"Sid": "Mine", "Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]}, "Action": "s3:*"}], []),
    (["not a statement", {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}],
     [PUBLIC.format("Open", "s3:GetObject")]),
    ([READ, {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:root", "*"]}, "Action": ["s3:GetObject", "s3:ListBucket"]}],
     [PUBLIC.format("statement 2", "s3:GetObject, s3:ListBucket")]),
    # Allow is what a statement without an Effect means
    ([{"Sid": "NoEffect", "Principal": "*", "Action": "s3:GetObject"}], [PUBLIC.format("NoEffect", "s3:GetObject")]),
    ([{"Sid": "Lockout", "Effect": "Deny", "Principal": "*", "Action": ["s3:GetObject", "s3:*"]}],
     ["bucket source: Lockout denies everyone s3:GetObject, s3:* without a condition: only the root user could change the "
      "bucket policy again"]),
    ([{"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject"}], []),
])
def test_bucket_policy_statements_for_everyone(statements, expected):
    document = json.loads(tls_policy("aivo-production-assets"))
    document["Statement"] = [document["Statement"][0], *statements]
    records = mutate(compliant(), "source-tls-only", "policy", json.dumps(document))
    assert blamed(storage.s3_policy_not_public, records) == [on_bucket(m) for m in expected]


def test_a_log_target_is_found_after_a_logging_whose_target_is_unknown():
    records = mutate(mutate([*compliant(), *log_bucket()], "source-access-logs", "targetBucket", UNKNOWN),
                     "replica-access-logs", "targetBucket", "aivo-production-logs-us-east-1")
    assert violations(storage.s3_sse_kms, records) == []


def test_an_unjoinable_lifecycle_is_reported_by_the_replication_policy_too():
    """It might be the expiry that excuses a transient bucket."""
    orphan = mutate(compliant(), "source-lifecycle", "bucket", UNKNOWN)
    assert blamed(stack.buckets_replicated, orphan) == [("source-lifecycle", "source-lifecycle: bucket is unknown at preview and has "
                                                         "no dependency on a declared bucket, so it cannot be joined to one")]
