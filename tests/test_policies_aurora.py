"""policies/aurora.py: each policy passes a compliant global database and fails one mutated field with its exact message."""

from __future__ import annotations

import pytest

from drctl.checking import check_plan
from policies import aurora, stack
from tests.helpers.policies import ACCOUNT, DELETE, EAST, UNKNOWN, WEST, mutate, plan_of, res, violations, with_option

EAST_KEY = f"arn:aws:kms:{EAST}:{ACCOUNT}:key/primary"
WEST_KEY = f"arn:aws:kms:{WEST}:{ACCOUNT}:key/dr"
MEMBER = ["globalClusterIdentifier", "replicationSourceIdentifier"]
PROTECTED = {"storageEncrypted": True, "deletionProtection": True, "skipFinalSnapshot": False, "backupRetentionPeriod": 30}


def compliant():
    global_cluster = res(aurora.RDS_GLOBAL_CLUSTER, "global", {
        "globalClusterIdentifier": "aivo-production-global", "engine": "aurora-postgresql", "storageEncrypted": True,
        "deletionProtection": True}, region=EAST, protect=True)
    primary = res(aurora.RDS_CLUSTER, "primary", {
        "clusterIdentifier": "aivo-production-postgres", "globalClusterIdentifier": "aivo-production-global",
        "masterUsername": "aivo_admin", "kmsKeyId": EAST_KEY, "finalSnapshotIdentifier": "aivo-production-postgres-final",
        "dbClusterParameterGroupName": "primary-params", **PROTECTED}, region=EAST, protect=True)
    secondary = res(aurora.RDS_CLUSTER, "secondary", {
        "clusterIdentifier": "aivo-production-postgres-dr", "globalClusterIdentifier": "aivo-production-global",
        "kmsKeyId": WEST_KEY, "finalSnapshotIdentifier": "aivo-production-postgres-dr-final",
        "dbClusterParameterGroupName": "dr-params", **PROTECTED}, region=WEST, protect=True)
    params = res(aurora.RDS_CLUSTER_PARAMETER_GROUP, "params", {"name": "primary-params", "family": "aurora-postgresql16",
                                                                 "parameters": [{"name": "rds.force_ssl", "value": "1"},
                                                                                {"name": "rds.global_db_rpo", "value": "60"}]},
                 region=EAST)
    writer = res(aurora.RDS_CLUSTER_INSTANCE, "writer", {
        "identifier": "aivo-production-postgres-dr-1", "publiclyAccessible": False, "performanceInsightsEnabled": True,
        "performanceInsightsKmsKeyId": WEST_KEY}, region=WEST)
    records = [global_cluster, primary, secondary, params, writer]
    records = with_option(records, "primary", ignore_changes=list(MEMBER))
    return with_option(records, "secondary", ignore_changes=list(MEMBER))


CASES = [
    (aurora.aurora_instance_private_observed, "writer", "publiclyAccessible", True,
     ["publiclyAccessible is True; it must be false: the database is reached only from inside the VPC"]),
    (aurora.aurora_instance_private_observed, "writer", "performanceInsightsKmsKeyId", EAST_KEY,
     [f"performanceInsightsKmsKeyId is {EAST_KEY}; Performance Insights must be on, encrypted with a customer-managed "
      f"KMS key ARN in the instance's region {WEST} (its statements' text is data)"]),
    (aurora.aurora_instance_private_observed, "writer", "performanceInsightsEnabled", DELETE,
     [f"performanceInsightsKmsKeyId is {WEST_KEY}; Performance Insights must be on, encrypted with a customer-managed "
      f"KMS key ARN in the instance's region {WEST} (its statements' text is data)"]),
    (aurora.aurora_encrypted_own_key, "global", "storageEncrypted", False,
     ["storageEncrypted must be true (encryption at rest cannot be added to an existing cluster later)"]),
    (aurora.aurora_encrypted_own_key, "secondary", "kmsKeyId", EAST_KEY,
     [f"kmsKeyId is {EAST_KEY}; it must be a customer-managed KMS key ARN in the cluster's region {WEST}"]),
    (aurora.aurora_encrypted_own_key, "primary", "kmsKeyId", DELETE,
     [f"kmsKeyId is None; it must be a customer-managed KMS key ARN in the cluster's region {EAST}"]),
    (aurora.aurora_deletion_protected, "global", "deletionProtection", False, ["deletionProtection must be true"]),
    (aurora.aurora_deletion_protected, "secondary", "deletionProtection", DELETE, ["deletionProtection must be true"]),
    (aurora.aurora_deletion_protected, "primary", "skipFinalSnapshot", True, ["skipFinalSnapshot must not be true"]),
    (aurora.aurora_deletion_protected, "secondary", "finalSnapshotIdentifier", DELETE,
     ["finalSnapshotIdentifier must be set (without it the cluster cannot be deleted with a final snapshot)"]),
    (aurora.aurora_deletion_protected, "primary", "backupRetentionPeriod", 7, ["backupRetentionPeriod is 7; it must be at least 30 days"]),
    (aurora.aurora_global_rpo, "params", "parameters.1.value", "600",
     ["primary: rds.global_db_rpo is 600 in its cluster parameter group; it must be 20-300 seconds, so that commits wait "
      "rather than let the RPO grow past the tier's"]),
    (aurora.aurora_global_rpo, "params", "parameters", [{"name": "rds.force_ssl", "value": "1"}],
     ["primary: rds.global_db_rpo is None in its cluster parameter group; it must be 20-300 seconds, so that commits "
      "wait rather than let the RPO grow past the tier's"]),
    (aurora.aurora_global_rpo, "params", "parameters.1.value", "10",
     ["primary: rds.global_db_rpo is 10 in its cluster parameter group; it must be 20-300 seconds, so that commits wait "
      "rather than let the RPO grow past the tier's"]),
]


@pytest.mark.parametrize("policy", aurora.POLICIES, ids=lambda p: p.name)
def test_compliant_global_database_passes(policy):
    assert violations(policy, compliant()) == []


@pytest.mark.parametrize(("policy", "name", "path", "value", "expected"), CASES, ids=lambda c: getattr(c, "name", None))
def test_one_mutated_field_fails_with_the_exact_message(policy, name, path, value, expected):
    assert violations(policy, mutate(compliant(), name, path, value)) == expected


@pytest.mark.parametrize(("ignored", "missing"), [
    (["replicationSourceIdentifier"], "globalClusterIdentifier"),
    (["globalClusterIdentifier"], "replicationSourceIdentifier"),
])
def test_a_member_that_does_not_ignore_drift_fails(ignored, missing):
    records = with_option(compliant(), "secondary", ignore_changes=ignored)
    assert violations(aurora.aurora_member_drift_ignored, records) == [
        f"ignoreChanges is {ignored}; a member of a global database must ignore {missing}: provider drift on them detaches "
        "or promotes the cluster (cloudposse/terraform-aws-rds-cluster #281, terraform-provider-aws #40921); only the "
        "failover flip may drop globalClusterIdentifier"]


def test_a_detached_cluster_needs_no_member_ignores():
    detached = with_option(mutate(compliant(), "secondary", "globalClusterIdentifier", DELETE), "secondary",
                           ignore_changes=["replicationSourceIdentifier"])
    assert violations(aurora.aurora_member_drift_ignored, detached) == []


def test_the_rpo_bound_is_configurable():
    assert violations(aurora.aurora_global_rpo, compliant(), config={"maximumRpoSeconds": 30}) == [
        "primary: rds.global_db_rpo is 60 in its cluster parameter group; it must be 20-30 seconds, so that commits wait "
        "rather than let the RPO grow past the tier's"]


@pytest.mark.parametrize("name", ["global", "primary", "secondary"])
def test_the_global_and_regional_clusters_are_protected(name):
    assert violations(stack.data_stores_protected, with_option(compliant(), name, protect=False)) == [
        "protect must be true on a data store, so no `pulumi up` or `destroy` can delete or replace it"]


def blamed(policy, records, config=None) -> list[tuple[str, str]]:
    """(resource, message) of each violation: the resource a stack policy blames is part of its verdict."""
    overrides = {policy.name: config} if config else None
    return [(v.resource, v.message) for v in check_plan(plan_of(*records), [policy], overrides)]


RPO = ("rds.global_db_rpo is {} in its cluster parameter group; it must be 20-300 seconds, so that commits wait rather than "
       "let the RPO grow past the tier's")


@pytest.mark.parametrize(("change", "expected"), [
    (lambda r: mutate(r, "params", "parameters.1.value", "20"), []),  # both bounds are allowed
    (lambda r: mutate(r, "params", "parameters.1.value", "300"), []),
    (lambda r: mutate(r, "params", "parameters.1.value", "301"), [("primary", "primary: " + RPO.format(301))]),
    (lambda r: mutate(r, "params", "parameters.1.value", "19"), [("primary", "primary: " + RPO.format(19))]),
    (lambda r: mutate(r, "params", "parameters.1.value", "1m"), [("primary", "primary: " + RPO.format("1m"))]),
    # a parameter group this stack does not declare cannot be read
    (lambda r: mutate(r, "primary", "dbClusterParameterGroupName", "default.aurora-postgresql16"),
     [("primary", "primary: " + RPO.format(None))]),
    # only the primary member (it names the master user) holds the RPO
    (lambda r: mutate(mutate(r, "params", "parameters.1.value", "600"), "primary", "masterUsername", DELETE), []),
    (lambda r: mutate(mutate(r, "params", "parameters.1.value", "600"), "primary", "globalClusterIdentifier", DELETE), []),
    (lambda r: mutate(r, "primary", "dbClusterParameterGroupName", UNKNOWN),
     [("primary", "primary: dbClusterParameterGroupName is unknown at preview, so this cannot be verified; make it known at "
       "preview (e.g. build it from settings)")]),
])
def test_the_primarys_rpo_is_reported_against_it(change, expected):
    assert blamed(aurora.aurora_global_rpo, change(compliant())) == expected


def test_a_member_that_ignores_no_drift_names_both_fields():
    records = with_option(compliant(), "primary", ignore_changes=[])
    assert violations(aurora.aurora_member_drift_ignored, records) == [
        "ignoreChanges is []; a member of a global database must ignore globalClusterIdentifier, replicationSourceIdentifier: "
        "provider drift on them detaches or promotes the cluster (cloudposse/terraform-aws-rds-cluster #281, "
        "terraform-provider-aws #40921); only the failover flip may drop globalClusterIdentifier"]


def test_the_retention_minimum_is_configurable():
    assert violations(aurora.aurora_deletion_protected, compliant(), config={"minimumRetentionDays": 35}) == [
        "backupRetentionPeriod is 30; it must be at least 35 days"] * 2
    assert violations(aurora.aurora_deletion_protected, mutate(compliant(), "primary", "backupRetentionPeriod", 29)) == [
        "backupRetentionPeriod is 29; it must be at least 30 days"]


@pytest.mark.parametrize(("policy", "name", "path", "value"), [
    (aurora.aurora_encrypted_own_key, "secondary", "kmsKeyId", WEST_KEY),
    (aurora.aurora_instance_private_observed, "writer", "performanceInsightsKmsKeyId", WEST_KEY),
])
def test_a_resources_own_region_input_wins_over_its_providers(policy, name, path, value):
    """pulumi-aws v7: a resource's `region` input places it, whatever region its provider has."""
    records = mutate(mutate(compliant(), name, "region", WEST), name, path, value)
    moved = next(r for r in records if r.name == name)
    moved.provider = next(r for r in records if r.name == "primary").provider  # us-east-1's
    assert violations(policy, records) == []
    del moved.inputs["region"]
    assert len(violations(policy, records)) == 1
