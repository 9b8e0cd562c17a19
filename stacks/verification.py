"""The scheduled verification workflow's AWS access: what `drctl backups verify` and `drctl preflight` call, as the
read-only role's policy, and the trust that only this repository's default branch may use.

VERIFY_CALLS is the list of API calls the two commands make (tests/ops/test_verify_calls.py runs both against the
local emulator and records every call: the list must be exactly what they call). IAM_ACTIONS maps the calls whose
IAM action is not named like the call (S3's). The pack's policy `ci-role-read-only` holds the same list as its
default, so a role that allows anything else is refused in review.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from components.ci_access import GITHUB_OIDC_HOST, STS_AUDIENCE
from stacks.settings import StackSettings

# (service, operation) as botocore names them: every AWS call the two commands make, and no other.
VERIFY_CALLS: tuple[tuple[str, str], ...] = (
    ("backup", "DescribeBackupVault"),
    ("backup", "GetBackupPlan"),
    ("backup", "ListBackupPlans"),
    ("backup", "ListRecoveryPointsByBackupVault"),
    ("cloudwatch", "DescribeAlarms"),
    ("cloudwatch", "GetMetricStatistics"),
    ("eks", "DescribeCluster"),
    ("eks", "DescribeNodegroup"),
    ("rds", "DescribeDBInstanceAutomatedBackups"),
    ("rds", "DescribeDBInstances"),
    ("rds", "DescribeDBSnapshots"),
    ("route53", "GetHealthCheckStatus"),
    ("route53", "ListHealthChecks"),
    ("route53", "ListHostedZonesByName"),
    ("route53", "ListResourceRecordSets"),
    ("s3", "GetBucketLifecycleConfiguration"),
    ("s3", "GetBucketLocation"),
    ("s3", "GetBucketReplication"),
    ("s3", "GetBucketVersioning"),
    ("s3", "GetObject"),
    ("s3", "ListObjectsV2"),
)
# Calls whose IAM action has another name (Service Authorization Reference, Amazon S3).
IAM_ACTIONS = {
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("s3", "GetBucketReplication"): "s3:GetReplicationConfiguration",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
}
# The Velero backups the commands read are SSE-KMS objects: reading one decrypts with its bucket's key, through S3.
DECRYPT_THROUGH_S3 = "kms:Decrypt"


def iam_action(service: str, operation: str) -> str:
    return IAM_ACTIONS.get((service, operation), f"{service}:{operation}")


def verify_actions() -> list[str]:
    """Every IAM action the role allows: the calls' actions, and decrypting what S3 returns."""
    return sorted({iam_action(*call) for call in VERIFY_CALLS} | {DECRYPT_THROUGH_S3})


def repository_slug(settings: StackSettings) -> str:
    """owner/name of site.repository (https://github.com/<owner>/<name>)."""
    return urlparse(settings.site.repository).path.strip("/").removesuffix(".git")


def oidc_provider_arn(settings: StackSettings) -> str:
    return f"arn:aws:iam::{settings.account_id}:oidc-provider/{GITHUB_OIDC_HOST}"


def default_branch_subject(settings: StackSettings) -> str:
    """GitHub's `sub` claim of a workflow run on the default branch (runner.branch, the branch the stacks deploy)."""
    return f"repo:{repository_slug(settings)}:ref:refs/heads/{settings.runner.branch}"


def trust_policy(settings: StackSettings) -> dict[str, Any]:
    """Only GitHub's OIDC tokens for STS, from this repository's default branch: no other repository, branch, tag,
    pull request or environment can assume the role (exact match, no wildcard)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": oidc_provider_arn(settings)}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                                       f"{GITHUB_OIDC_HOST}:sub": default_branch_subject(settings)}},
    }]}


def role_policy(settings: StackSettings) -> dict[str, Any]:
    """The read calls, in the stacks' two regions (Route53's API answers in us-east-1); the buckets by name; the
    keys only as S3 uses them."""
    s = settings
    regions = sorted({s.regions.primary, s.regions.dr})
    storage = s.storage
    buckets = [storage.assets_bucket, storage.velero_bucket]
    buckets += [storage.replica_name(b, s.regions.dr) for b in buckets]
    s3_calls = sorted({iam_action(*c) for c in VERIFY_CALLS if c[0] == "s3"})
    others = sorted({iam_action(*c) for c in VERIFY_CALLS if c[0] != "s3"})
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadTheEstate", "Effect": "Allow", "Action": others, "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": regions}}},
        {"Sid": "ReadTheBuckets", "Effect": "Allow", "Action": s3_calls,
         "Resource": [f"arn:aws:s3:::{b}" for b in buckets] + [f"arn:aws:s3:::{b}/*" for b in buckets]},
        {"Sid": "DecryptWhatS3Returns", "Effect": "Allow", "Action": [DECRYPT_THROUGH_S3],
         "Resource": [f"arn:aws:kms:{region}:{s.account_id}:key/*" for region in regions],
         "Condition": {"StringEquals": {"kms:ViaService": [f"s3.{region}.amazonaws.com" for region in regions]}}},
    ]}
