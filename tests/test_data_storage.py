"""Object storage: both bucket pairs carry the runbook's versioning, lifecycle and replication, and the
replication role can touch exactly its two buckets and two keys."""

from __future__ import annotations

import pytest

from components.storage import replication_policy, tls_only_policy
from tests.helpers.planning import only, plan, policy_json

PAIRS = [("assets", "aivo-production-assets"), ("velero", "aivo-production-velero")]


def bucket(p, name):
    return only(p, "aws:s3/bucket:Bucket", name)


def of_bucket(p, type_, bucket_name):
    found = [r for r in p.resources if r.type == type_ and r.inputs.get("bucket") == bucket_name]
    assert len(found) == 1, (type_, bucket_name, [r.name for r in found])
    return found[0]


def key_arn_of(p, record) -> str:
    from drctl.engine.outputs import mock_outputs

    return mock_outputs(record.type, record.name, {}, record.region, record.urn)[1]["arn"]


@pytest.mark.parametrize(("kind", "name"), PAIRS)
def test_both_buckets_are_versioned_encrypted_private_and_tls_only(kind: str, name: str) -> None:
    p = plan("primary")
    for side, bucket_name, region in (("source", name, "us-east-1"), ("replica", f"{name}-us-west-2", "us-west-2")):
        b = bucket(p, f"{kind}-{side}")
        assert (b.inputs["bucket"], b.region) == (bucket_name, region)
        assert b.protect and b.retain_on_delete and b.inputs["forceDestroy"] is False
        assert of_bucket(p, "aws:s3/bucketVersioning:BucketVersioning", bucket_name).inputs["versioningConfiguration"]["status"] == "Enabled"
        (rule,) = of_bucket(p, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", bucket_name).inputs["rules"]
        default = rule["applyServerSideEncryptionByDefault"]
        key = only(p, "aws:kms/key:Key", f"{kind}-{side}-key")
        assert default["sseAlgorithm"] == "aws:kms" and default["kmsMasterKeyId"] == key_arn_of(p, key)
        assert key.region == region and key.inputs["enableKeyRotation"] is True and key.protect and key.retain_on_delete
        block = of_bucket(p, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket_name).inputs
        assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
        policy = policy_json(of_bucket(p, "aws:s3/bucketPolicy:BucketPolicy", bucket_name).inputs["policy"])
        assert policy == policy_json(tls_only_policy(f"arn:aws:s3:::{bucket_name}"))
        (deny,) = policy["Statement"]
        assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize(("kind", "name"), PAIRS)
def test_both_buckets_carry_the_runbook_lifecycle(kind: str, name: str) -> None:
    p = plan("primary")
    for bucket_name in (name, f"{name}-us-west-2"):
        lifecycle = of_bucket(p, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket_name)
        (rule,) = lifecycle.inputs["rules"]
        assert rule["status"] == "Enabled"
        assert rule["noncurrentVersionTransitions"] == [{"noncurrentDays": 30, "storageClass": "GLACIER"}]
        assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 365}
        assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
        versioning = of_bucket(p, "aws:s3/bucketVersioning:BucketVersioning", bucket_name)
        assert versioning.urn in lifecycle.depends_on


@pytest.mark.parametrize(("kind", "name"), PAIRS)
def test_replication_sends_everything_to_the_versioned_us_west_2_replica_within_15_minutes(kind: str, name: str) -> None:
    p = plan("primary")
    config = only(p, "aws:s3/bucketReplicationConfig:BucketReplicationConfig", f"{kind}-replication")
    assert config.region == "us-east-1" and config.inputs["bucket"] == name
    (rule,) = config.inputs["rules"]
    assert rule["status"] == "Enabled" and rule["filter"] == {"prefix": ""}
    assert rule["deleteMarkerReplication"] == {"status": "Enabled"}
    assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"}}
    destination = rule["destination"]
    replica = bucket(p, f"{kind}-replica")
    assert destination["bucket"] == f"arn:aws:s3:::{replica.inputs['bucket']}" and replica.region == "us-west-2"
    replica_key = only(p, "aws:kms/key:Key", f"{kind}-replica-key")
    assert destination["encryptionConfiguration"] == {"replicaKmsKeyId": key_arn_of(p, replica_key)}
    assert replica_key.region == "us-west-2"
    assert destination["replicationTime"] == {"status": "Enabled", "time": {"minutes": 15}}
    assert destination["metrics"] == {"status": "Enabled", "eventThreshold": {"minutes": 15}}
    versionings = {of_bucket(p, "aws:s3/bucketVersioning:BucketVersioning", b).urn for b in (name, replica.inputs["bucket"])}
    assert versionings <= set(config.depends_on)


@pytest.mark.parametrize(("kind", "name"), PAIRS)
def test_replication_role_touches_only_its_two_buckets_and_two_keys(kind: str, name: str) -> None:
    p = plan("primary")
    role = only(p, "aws:iam/role:Role", f"{kind}-replication")
    trust = policy_json(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"}
    policy = policy_json(only(p, "aws:iam/rolePolicy:RolePolicy", f"{kind}-replication").inputs["policy"])
    keys = {key_arn_of(p, only(p, "aws:kms/key:Key", f"{kind}-{side}-key")) for side in ("source", "replica")}
    source, replica = f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}-us-west-2"
    resources = {r for s in policy["Statement"] for r in s["Resource"]}
    assert resources == {source, f"{source}/*", f"{replica}/*"} | keys
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert not [a for a in actions if "*" in a]
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
    writes = next(s for s in policy["Statement"] if "s3:ReplicateObject" in s["Action"])
    assert writes["Resource"] == [f"arn:aws:s3:::{name}-us-west-2/*"]


def test_replication_policy_is_a_pure_function_of_its_four_arns() -> None:
    text = replication_policy("arn:aws:s3:::a", "arn:aws:s3:::b", "arn:k1", "arn:k2")
    doc = policy_json(text)
    assert {r for s in doc["Statement"] for r in s["Resource"]} == {"arn:aws:s3:::a", "arn:aws:s3:::a/*", "arn:aws:s3:::b/*", "arn:k1", "arn:k2"}


def test_lifecycle_figures_come_from_settings() -> None:
    p = plan("primary", "storage.noncurrentToGlacierDays=60", "storage.noncurrentExpirationDays=400")
    (rule,) = of_bucket(p, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aivo-production-velero-us-west-2").inputs["rules"]
    assert rule["noncurrentVersionTransitions"][0]["noncurrentDays"] == 60
    assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == 400


def test_dr_stack_declares_no_data_bucket_and_hands_compute_the_replica_it_restores_from() -> None:
    primary, dr = plan("primary"), plan("dr")
    # Its buckets are the outage canary's and the CDN's access logs: disposable, tagged transient, everything expires.
    assert sorted((b.name, b.inputs["tags"]["data-class"]) for b in dr.by_type("aws:s3/bucket:Bucket")) == [
        ("edge-cdn-logs", "transient"), ("outage-canary-bucket", "transient")]
    replica = bucket(primary, "velero-replica").inputs["bucket"]
    text = str([r.inputs for r in dr.resources if r.type.startswith("kubernetes:")])
    assert replica in text and "aivo-production-velero'" not in text
    assert primary.outputs["veleroReplicaKmsKeyArn"] in str([r.inputs for r in dr.resources if r.type.startswith("aws:iam/")])
