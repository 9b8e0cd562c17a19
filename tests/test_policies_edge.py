"""policies/dns.py, velero.py, iam.py and tagging.py: compliant passes, one mutated field fails with the exact message."""

from __future__ import annotations

import json

import pytest

from drctl.checking import check_plan
from policies import dns, iam, tagging, velero
from policies._common import (
    CLOUDFRONT_DISTRIBUTION,
    IAM_ATTACHMENT,
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    ROUTE53_RECORD,
    S3_BUCKET,
    VELERO_LOCATION,
    VELERO_SCHEDULE,
)
from tests.helpers.policies import DELETE, EAST, UNKNOWN, WEST, mutate, plan_of, res, violations

TAGS = {"service": "assets", "tier": "Critical", "environment": "production"}


def role_policy(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


REPLICATION_STATEMENTS = [
    {"Sid": "ReadSource", "Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": "arn:aws:s3:::src"},
    {"Sid": "Replicate", "Effect": "Allow", "Action": ["s3:ReplicateObject", "s3:ReplicateDelete"], "Resource": "arn:aws:s3:::dst/*"},
    {"Sid": "Describe", "Effect": "Allow", "Action": ["ec2:DescribeVolumes"], "Resource": "*"},
    {"Sid": "DenyAll", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
]


def compliant():
    return [
        res(ROUTE53_RECORD, "api-primary", {"zoneId": "Z1", "name": "api.aivo.edu", "type": "CNAME", "ttl": 60, "setIdentifier": "primary",
            "records": ["ingress.us-east-1.aivo.edu"], "healthCheckId": "hc-1", "failoverRoutingPolicies": [{"type": "PRIMARY"}]}, region=None),
        res(ROUTE53_RECORD, "api-secondary", {"zoneId": "Z1", "name": "api.aivo.edu", "type": "CNAME", "ttl": 60, "setIdentifier": "secondary",
            "records": ["ingress.us-west-2.aivo.edu"], "failoverRoutingPolicies": [{"type": "SECONDARY"}]}, region=None),
        res(CLOUDFRONT_DISTRIBUTION, "cdn", {
            "origins": [{"originId": "primary", "domainName": "a"}, {"originId": "dr", "domainName": "b"}],
            "originGroups": [{"originId": "failover", "failoverCriteria": {"statusCodes": [500, 502, 503, 504]},
                              "members": [{"originId": "primary"}, {"originId": "dr"}]}],
            "defaultCacheBehavior": {"targetOriginId": "failover"}, "tags": TAGS}, region=None),
        res(VELERO_SCHEDULE, "daily", {"apiVersion": "velero.io/v1", "kind": "Schedule", "metadata": {"name": "aivo-daily"},
            "spec": {"schedule": "0 2 * * *", "useOwnerReferencesInBackup": False, "template": {"ttl": "720h0m0s"}}}, region=None),
        res(VELERO_LOCATION, "dr-location", {"apiVersion": "velero.io/v1", "kind": "BackupStorageLocation", "spec": {
            "provider": "aws", "accessMode": "ReadOnly", "objectStorage": {"bucket": "aivo-production-velero-us-west-2"},
            "config": {"region": WEST}}}, region=None),
        res(IAM_ROLE, "replication-role", {"assumeRolePolicy": "{}", "tags": TAGS}, region=None),
        res(IAM_ROLE_POLICY, "replication", {"role": "replication-role", "policy": role_policy(REPLICATION_STATEMENTS)}, region=None),
        res(IAM_ATTACHMENT, "backup", {"role": "backup-role",
            "policyArn": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"}, region=None),
        res(S3_BUCKET, "bucket", {"bucket": "b", "tags": TAGS}, region=EAST),
    ]


CASES = [
    (dns.route53_primary_health_checked, "api-primary", "healthCheckId", DELETE,
     ["a PRIMARY failover record must have a healthCheckId, or Route53 never fails over"]),
    (dns.route53_failover_ttl, "api-secondary", "ttl", 300, ["ttl is 300; a failover record must have a TTL of at most 60 seconds"]),
    (dns.route53_failover_ttl, "api-secondary", "ttl", 61, ["ttl is 61; a failover record must have a TTL of at most 60 seconds"]),
    (dns.cloudfront_origin_failover, "cdn", "originGroups.0.failoverCriteria.statusCodes", [500],
     ["origin group failover: failoverCriteria.statusCodes must include 502, 503, 504"]),
    (dns.cloudfront_origin_failover, "cdn", "originGroups.0.members", [{"originId": "primary"}],
     ["origin group failover: members must be two declared origins (primary, then DR), found ['primary']"]),
    (dns.cloudfront_origin_failover, "cdn", "defaultCacheBehavior.targetOriginId", "primary",
     ["defaultCacheBehavior.targetOriginId is primary; it must be an origin group so the default behaviour fails over"]),
    (dns.cloudfront_origin_failover, "cdn", "originGroups", [],
     ["the distribution has no origin group, so it cannot fail over to the DR origin"]),
    (velero.velero_schedule_ttl, "daily", "spec.template.ttl", DELETE, ["spec.template.ttl is None; it must be a duration such as 720h0m0s"]),
    (velero.velero_schedule_ttl, "daily", "spec.template.ttl", "24h", ["spec.template.ttl is 24h; backups must be kept at least 720h"]),
    # the bound itself: one second short of 720h is short
    (velero.velero_schedule_ttl, "daily", "spec.template.ttl", "719h59m59s", ["spec.template.ttl is 719h59m59s; backups must be kept at least 720h"]),
    (velero.velero_schedule_ttl, "daily", "spec.template.ttl", "30d", ["spec.template.ttl is 30d; it must be a duration such as 720h0m0s"]),
    (velero.velero_schedule_ttl, "daily", "spec.useOwnerReferencesInBackup", DELETE,
     ["spec.useOwnerReferencesInBackup must be false (owner references break syncing backups into the DR cluster)"]),
    (velero.velero_standby_location_read_only, "dr-location", "spec.accessMode", "ReadWrite",
     ["dr-location: the standby location on aivo-production-velero-us-west-2 must have spec.accessMode ReadOnly, "
      "so the DR cluster never deletes or overwrites replicated backups"]),
    (iam.iam_no_wildcards, "replication", "policy", role_policy([{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::src"}]),
     ["statement 0 allows wildcard actions s3:*"]),
    (iam.iam_no_wildcards, "replication", "policy", role_policy([{"Sid": "Put", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]),
     ["Put allows s3:PutObject on Resource *"]),
    (iam.iam_no_wildcards, "replication", "policy", role_policy([{"Sid": "Not", "Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::x"}]),
     ["Not uses NotAction/NotResource, which grants everything not listed"]),
    (iam.iam_no_wildcards, "backup", "policyArn", "arn:aws:iam::aws:policy/AdministratorAccess",
     ["AWS managed policy arn:aws:iam::aws:policy/AdministratorAccess is not on the reviewed list; attach a policy that names exact actions and resources"]),
    (iam.iam_no_wildcards, "replication-role", "inlinePolicies", [{"name": "x", "policy": role_policy([{"Effect": "Allow", "Action": "*", "Resource": "*"}])}],
     ["statement 0 allows * on Resource *", "statement 0 allows wildcard actions *"]),
    # a statement without Effect allows; a Deny before it does not end the review
    (iam.iam_no_wildcards, "replication", "policy", role_policy([{"Action": "s3:*", "Resource": "arn:aws:s3:::src"}]),
     ["statement 0 allows wildcard actions s3:*"]),
    (iam.iam_no_wildcards, "replication", "policy", role_policy([
        {"Effect": "Deny", "Action": "*", "Resource": "*"}, {"Effect": "Allow", "Action": ["s3:*", "ec2:*"], "Resource": "arn:aws:s3:::src"}]),
     ["statement 1 allows wildcard actions s3:*, ec2:*"]),
    (iam.iam_no_wildcards, "replication", "policy", role_policy([{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::x"}]),
     ["statement 0 uses NotAction/NotResource, which grants everything not listed"]),
    (iam.iam_no_wildcards, "replication", "policy",
     role_policy([{"Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": "*"}]),
     ["statement 0 allows s3:PutObject, s3:DeleteObject on Resource *"]),
    # bounded to the stack's tags: any action; to its regions: reads only; PutMetricData: by its namespace
    (iam.iam_no_wildcards, "replication", "policy", role_policy([{"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*",
                                                                  "Condition": {"StringEquals": {"aws:ResourceTag/managed-by": "pulumi"}}}]), []),
    (iam.iam_no_wildcards, "replication", "policy", role_policy([{"Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": "*",
                                                                  "Condition": {"StringEquals": {"aws:RequestedRegion": [EAST, WEST]}}}]), []),
    (iam.iam_no_wildcards, "replication", "policy", role_policy([{"Effect": "Allow", "Action": "rds:DeleteDBInstance", "Resource": "*",
                                                                  "Condition": {"StringEquals": {"aws:RequestedRegion": EAST}}}]),
     ["statement 0 allows rds:DeleteDBInstance on Resource *"]),
    (iam.iam_no_wildcards, "replication", "policy", role_policy([{"Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": "*"}]),
     ["statement 0 allows rds:DescribeDBInstances on Resource *"]),
    (iam.iam_no_wildcards, "replication", "policy", role_policy([{"Effect": "Allow", "Action": "*", "Resource": "*",
                                                                  "Condition": {"StringEquals": {"aws:RequestedRegion": EAST}}}]),
     ["statement 0 allows * on Resource *", "statement 0 allows wildcard actions *"]),
    (iam.iam_no_wildcards, "replication", "policy", role_policy([{"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
                                                                  "Condition": {"StringEquals": {"cloudwatch:namespace": "aivo/dr"}}}]), []),
    (iam.iam_no_wildcards, "replication-role", "managedPolicyArns", ["arn:aws:iam::aws:policy/AdministratorAccess"],
     ["AWS managed policy arn:aws:iam::aws:policy/AdministratorAccess is not on the reviewed list; attach a policy that names exact actions and resources"]),
    # 200 statements of ~80 characters: past IAM's 10,240 (a real `pulumi up` fails on PutRolePolicy, after preview)
    (iam.iam_within_quota, "replication", "policy",
     role_policy([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::bucket-{i:03d}/*"} for i in range(200)]),
     ["the policy is 16438 characters; IAM refuses more than 10240 (split it, or narrow it)"]),
    (tagging.resources_tagged, "bucket", "tags", {"service": "assets", "tier": ""}, ["missing tags: tier, environment"]),
    (tagging.resources_tagged, "replication-role", "tags", DELETE, ["missing tags: service, tier, environment"]),
]

POLICIES = [*dns.POLICIES, *velero.POLICIES, *iam.POLICIES, *tagging.POLICIES]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_compliant_resources_pass(policy):
    assert violations(policy, compliant()) == []


@pytest.mark.parametrize(("policy", "name", "path", "value", "expected"), CASES, ids=lambda c: getattr(c, "name", None))
def test_one_mutated_field_fails_with_the_exact_message(policy, name, path, value, expected):
    assert violations(policy, mutate(compliant(), name, path, value)) == expected


def test_the_reviewed_lists_come_from_the_policy_config():
    assert violations(iam.iam_no_wildcards, compliant(), {"actionsAllowingWildcardResource": ["s3:ListAllMyBuckets"]}) == [
        "Describe allows ec2:DescribeVolumes on Resource *"]
    assert violations(iam.iam_no_wildcards, compliant(), {"allowedManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]}) == [
        "AWS managed policy arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup is not on the reviewed list; "
        "attach a policy that names exact actions and resources"]


def _sized(size: int) -> str:
    """A policy document of exactly `size` characters as IAM counts them."""
    statement = {"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    statement["Sid"] = "S" * (size - iam.policy_size(document))
    assert iam.policy_size(document) == size
    return json.dumps(document, indent=2)


@pytest.mark.parametrize(("type_", "size", "expected"), [
    (IAM_ROLE_POLICY, 10240, []),
    (IAM_ROLE_POLICY, 10241, ["the policy is 10241 characters; IAM refuses more than 10240 (split it, or narrow it)"]),
    (IAM_POLICY, 6144, []),
    (IAM_POLICY, 6145, ["the policy is 6145 characters; IAM refuses more than 6144 (split it, or narrow it)"]),
])
def test_the_quota_is_the_type_s_and_a_policy_at_it_fits(type_, size, expected):
    assert violations(iam.iam_within_quota, [res(type_, "sized", {"role": "r", "policy": _sized(size)}, region=None)]) == expected


def test_alias_failover_records_have_no_ttl_of_their_own():
    alias = mutate(mutate(compliant(), "api-secondary", "ttl", DELETE), "api-secondary", "aliases", [{"name": "d1.cloudfront.net", "zoneId": "Z2"}])
    assert violations(dns.route53_failover_ttl, alias) == []


def test_a_location_on_a_bucket_this_stack_owns_is_not_the_standby_location():
    owned = [*mutate(compliant(), "dr-location", "spec.accessMode", "ReadWrite"),
             res(S3_BUCKET, "own", {"bucket": "aivo-production-velero-us-west-2", "tags": TAGS}, region=WEST)]
    assert violations(velero.velero_standby_location_read_only, owned) == []


def test_after_failover_the_dr_cluster_may_write_its_location():
    promoted = res("aws:rds/instance:Instance", "promoted", {"identifier": "aivo-production-postgres-dr"}, region=WEST)
    records = mutate(compliant(), "dr-location", "spec.accessMode", "ReadWrite")
    assert violations(velero.velero_standby_location_read_only, [*records, promoted]) == []
    replica = mutate([promoted], "promoted", "replicateSourceDb", "arn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres")
    assert len(violations(velero.velero_standby_location_read_only, [*records, *replica])) == 1


def test_velero_ttl_parsing():
    assert velero.ttl_hours("720h0m0s") == 720
    assert velero.ttl_hours("4320h") == 4320
    assert velero.ttl_hours("90m") == 1.5
    assert velero.ttl_hours("forever") is None


@pytest.mark.parametrize(("policy", "name", "path", "expected"), [
    (iam.iam_no_wildcards, "replication", "policy", "policy is unknown at preview"),
    (tagging.resources_tagged, "bucket", "tags", "tags is unknown at preview"),
    (dns.route53_primary_health_checked, "api-primary", "failoverRoutingPolicies", "failoverRoutingPolicies is unknown at preview"),
    (velero.velero_schedule_ttl, "daily", "spec.template.ttl", "spec.template.ttl is unknown at preview"),
])
def test_an_unknown_value_is_a_violation_not_a_pass(policy, name, path, expected):
    found = violations(policy, mutate(compliant(), name, path, UNKNOWN))
    assert [m.split(",")[0] for m in found] == [expected]


@pytest.mark.parametrize("ttl", ["720h", "720h0m0s", "43200m", "721h"])
def test_a_velero_ttl_at_or_above_the_runbook_minimum_passes(ttl):
    assert violations(velero.velero_schedule_ttl, mutate(compliant(), "daily", "spec.template.ttl", ttl)) == []


def test_the_failover_ttl_and_status_codes_are_configurable():
    assert violations(dns.route53_failover_ttl, compliant(), config={"maximumTtlSeconds": 30}) == [
        "ttl is 60; a failover record must have a TTL of at most 30 seconds"] * 2
    assert violations(dns.cloudfront_origin_failover, compliant(), config={"requiredStatusCodes": [403, 500]}) == [
        "origin group failover: failoverCriteria.statusCodes must include 403"]


@pytest.mark.parametrize(("type_", "inputs", "expected"), [
    # a type the pack does not list is checked when it takes tags
    ("aws:sqs/queue:Queue", {"name": "q", "tags": {"service": "assets"}}, ["missing tags: tier, environment"]),
    ("aws:sqs/queue:Queue", {"name": "q"}, []),
    ("kubernetes:core/v1:ConfigMap", {"metadata": {"name": "x"}, "tags": {}}, []),
    # tags that are not a map carry none
    ("aws:s3/bucket:Bucket", {"bucket": "b", "tags": "service=assets"}, ["missing tags: service, tier, environment"]),
])
def test_what_is_taggable(type_, inputs, expected):
    assert violations(tagging.resources_tagged, [res(type_, "x", inputs, region=EAST)]) == expected


def test_the_required_tags_are_configurable():
    records = [res(S3_BUCKET, "bucket", {"bucket": "b", "tags": {"service": "assets", "owner": "data"}}, region=EAST)]
    assert violations(tagging.resources_tagged, records, config={"requiredTags": ["owner", "service"]}) == []
    assert violations(tagging.resources_tagged, records, config={"requiredTags": ["owner", "team"]}) == ["missing tags: team"]


@pytest.mark.parametrize(("ttl", "expected"), [
    ("719h59m60s", []),  # seconds count towards the hours
    ("719h3600s", []),
    ("719h59m", ["spec.template.ttl is 719h59m; backups must be kept at least 720h"]),
    (720, ["spec.template.ttl is 720; it must be a duration such as 720h0m0s"]),  # a number is no duration
    ("", ["spec.template.ttl is ; it must be a duration such as 720h0m0s"]),
])
def test_velero_ttls_are_go_durations(ttl, expected):
    assert violations(velero.velero_schedule_ttl, mutate(compliant(), "daily", "spec.template.ttl", ttl)) == expected


def test_the_velero_ttl_minimum_is_configurable():
    records = mutate(compliant(), "daily", "spec.template.ttl", "24h")
    assert violations(velero.velero_schedule_ttl, records, config={"minimumTtlHours": 24}) == []
    assert violations(velero.velero_schedule_ttl, records, config={"minimumTtlHours": 25}) == [
        "spec.template.ttl is 24h; backups must be kept at least 25h"]


READ_WRITE = mutate(compliant(), "dr-location", "spec.accessMode", "ReadWrite")
STANDBY = ("dr-location", "dr-location: the standby location on aivo-production-velero-us-west-2 must have spec.accessMode "
           "ReadOnly, so the DR cluster never deletes or overwrites replicated backups")
AURORA = "aws:rds/cluster:Cluster"


def blamed(policy, records, config=None) -> list[tuple[str, str]]:
    """(resource, message) of each violation: the resource a stack policy blames is part of its verdict."""
    overrides = {policy.name: config} if config else None
    return [(v.resource, v.message) for v in check_plan(plan_of(*records), [policy], overrides)]


@pytest.mark.parametrize(("extra", "expected"), [
    ([], [STANDBY]),
    # database.drMode aurora-global: the DR cluster detached from the global database is the writer
    ([res(AURORA, "dr-cluster", {"clusterIdentifier": "aivo-dr"}, region=WEST)], []),
    ([res(AURORA, "dr-cluster", {"clusterIdentifier": "aivo-dr", "globalClusterIdentifier": "g"}, region=WEST)], [STANDBY]),
    ([res(AURORA, "primary-cluster", {"clusterIdentifier": "aivo"}, region=EAST)], [STANDBY]),
    ([res(AURORA, "dr-cluster", {"clusterIdentifier": "aivo-dr", "region": WEST}, region=EAST)], []),
    ([res("aws:rds/instance:Instance", "promoted", {"identifier": "aivo-dr", "region": WEST}, region=EAST)], []),
    ([res("aws:rds/instance:Instance", "primary-db", {"identifier": "aivo"}, region=EAST)], [STANDBY]),
    ([res("aws:rds/instance:Instance", "replica", {"identifier": "aivo-dr", "replicateSourceDb": UNKNOWN}, region=WEST)],
     [("(stack)", "replicateSourceDb is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it "
       "from settings)")]),
])
def test_the_standby_location_is_read_only_until_the_dr_database_is_a_writer(extra, expected):
    assert blamed(velero.velero_standby_location_read_only, [*READ_WRITE, *extra]) == expected


def test_the_dr_region_of_the_standby_location_is_configurable():
    assert violations(velero.velero_standby_location_read_only, READ_WRITE, config={"drRegion": EAST}) == []
    assert blamed(velero.velero_standby_location_read_only, mutate(READ_WRITE, "dr-location", "spec.config.region", UNKNOWN)) == [
        ("dr-location", "dr-location: spec.config.region is unknown at preview, so this cannot be verified; make it known at "
         "preview (e.g. build it from settings)")]
