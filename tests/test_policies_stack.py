"""policies/stack.py: relationships across resources (the S3 ones are in test_policies_storage.py)."""

from __future__ import annotations

import pytest

from drctl.checking import check_plan
from policies import stack
from policies._common import (
    BACKUP_PLAN,
    BACKUP_SELECTION,
    BACKUP_VAULT,
    KMS_KEY,
    RDS_BACKUPS_REPLICATION,
    RDS_INSTANCE,
    ROUTE53_RECORD,
    S3_BUCKET,
    S3_LIFECYCLE,
    S3_REPLICATION,
    STACK_REFERENCE,
    VELERO_LOCATION,
)
from tests.helpers.policies import ACCOUNT, DELETE, EAST, UNKNOWN, WEST, mutate, plan_of, res, violations, with_option, without
from tests.test_policies_storage import compliant as replicated_buckets

PRIMARY_DB = f"arn:aws:rds:{EAST}:{ACCOUNT}:db:aivo-production-postgres"
PEER = "organization/aivo-dr/primary"


def primary():
    return [
        res(RDS_INSTANCE, "writer", {"identifier": "aivo-production-postgres", "multiAz": True}, region=EAST, protect=True),
        res(KMS_KEY, "key", {"description": "k"}, region=EAST, protect=True),
        res(BACKUP_VAULT, "vault-east", {"name": "aivo-production-backups"}, region=EAST, protect=True),
        res(BACKUP_VAULT, "vault-west", {"name": "aivo-production-backups"}, region=WEST, protect=True),
        res(BACKUP_PLAN, "weekly", {"name": "weekly", "rules": [{
            "ruleName": "weekly-snapshots", "schedule": "cron(0 2 ? * SUN *)", "lifecycle": {"deleteAfter": 90},
            "copyActions": [{"destinationVaultArn": f"arn:aws:backup:{WEST}:{ACCOUNT}:backup-vault:aivo-production-backups"}],
        }]}, region=EAST),
        res(BACKUP_SELECTION, "selection", {"planId": "p", "iamRoleArn": "r", "resources": [PRIMARY_DB]}, region=EAST),
    ]


def dr():
    west_key = f"arn:aws:kms:{WEST}:{ACCOUNT}:key/k"
    return [
        res(STACK_REFERENCE, PEER, {"name": PEER}, region=None, read_id=PEER),
        res(RDS_INSTANCE, "replica", {"identifier": "aivo-production-postgres-dr", "replicateSourceDb": PRIMARY_DB, "kmsKeyId": west_key},
            region=WEST, protect=True),
        res(RDS_BACKUPS_REPLICATION, "pitr", {"sourceDbInstanceArn": PRIMARY_DB, "kmsKeyId": west_key, "retentionPeriod": 30}, region=WEST),
        res(ROUTE53_RECORD, "api-primary", {"zoneId": "Z1", "name": "api.aivo.edu", "type": "CNAME",
            "failoverRoutingPolicies": [{"type": "PRIMARY"}]}, region=None),
        res(ROUTE53_RECORD, "api-secondary", {"zoneId": "Z1", "name": "api.aivo.edu", "type": "CNAME",
            "failoverRoutingPolicies": [{"type": "SECONDARY"}]}, region=None),
        res(VELERO_LOCATION, "dr-location", {"spec": {"accessMode": "ReadOnly", "objectStorage": {"bucket": "aivo-production-velero-us-west-2"},
            "config": {"region": WEST}}}, region=None),
    ]


PEER_OUTPUTS = {PEER: {"databaseArn": PRIMARY_DB, "veleroReplicaBucket": "aivo-production-velero-us-west-2"}}


def findings(policy, records, config=None, peer=None) -> list[tuple[str, str]]:
    """(resource, message) of each violation: the resource a stack policy blames is part of its verdict."""
    overrides = {policy.name: config} if config else None
    return [(v.resource, v.message) for v in check_plan(plan_of(*records), [policy], overrides, peer_outputs=peer)]


def test_compliant_primary_and_dr_pass_every_stack_policy():
    for policy in stack.POLICIES:
        assert violations(policy, primary()) == [], policy.name
        assert violations(policy, dr(), peer=PEER_OUTPUTS) == [], policy.name


def test_an_unprotected_data_store_fails():
    assert violations(stack.data_stores_protected, with_option(primary(), "vault-west", protect=False)) == [
        "protect must be true on a data store, so no `pulumi up` or `destroy` can delete or replace it"
    ]


def test_a_writable_peer_database_without_a_replica_fails():
    other = f"arn:aws:rds:{EAST}:{ACCOUNT}:db:another"
    assert violations(stack.dr_databases_replicated, dr(), peer={PEER: {**PEER_OUTPUTS[PEER], "other": other}}) == [
        f"the writable database {other} has no cross-region read replica in {WEST}"
    ]


def test_a_replica_without_backup_replication_fails():
    assert findings(stack.dr_databases_replicated, without(dr(), "pitr"), peer=PEER_OUTPUTS) == [
        ("replica", f"replica: automated backups of {PRIMARY_DB} are not replicated into {WEST}")
    ]


def test_the_dr_region_is_the_policys_config():
    # A stack whose DR region is configured elsewhere is not the standby: its replica here is not judged.
    assert violations(stack.dr_databases_replicated, without(dr(), "pitr"), config={"drRegion": EAST}, peer=PEER_OUTPUTS) == []


def test_a_same_region_source_is_not_a_dr_replica():
    same = f"arn:aws:rds:{WEST}:{ACCOUNT}:db:aivo-production-postgres"
    found = violations(stack.dr_databases_replicated, mutate(dr(), "replica", "replicateSourceDb", same), peer=PEER_OUTPUTS)
    assert found == [
        f"the writable database {PRIMARY_DB} has no cross-region read replica in {WEST}",
        f"replica: replicateSourceDb {same} must be the ARN of a database in another region",
    ]


def test_after_failover_the_promoted_database_needs_no_replica():
    promoted = mutate(without(dr(), "pitr"), "replica", "replicateSourceDb", DELETE)
    assert violations(stack.dr_databases_replicated, promoted, peer=PEER_OUTPUTS) == []


@pytest.mark.parametrize(("path", "value", "expected"), [
    ("rules.0.copyActions.0.destinationVaultArn", f"arn:aws:backup:{EAST}:{ACCOUNT}:backup-vault:aivo-production-backups",
     f"weekly: rule weekly-snapshots copies to arn:aws:backup:{EAST}:{ACCOUNT}:backup-vault:aivo-production-backups, which is not in another region"),
    ("rules.0.copyActions.0.destinationVaultArn", f"arn:aws:backup:{WEST}:{ACCOUNT}:backup-vault:elsewhere",
     f"weekly: rule weekly-snapshots copies to arn:aws:backup:{WEST}:{ACCOUNT}:backup-vault:elsewhere, which is not a vault declared in this stack"),
])
def test_a_weekly_copy_to_the_wrong_vault_fails(path, value, expected):
    assert findings(stack.weekly_backup_cross_region, mutate(primary(), "weekly", path, value)) == [("weekly", expected)]
    # A plan that copies nowhere useful is the finding; the selection is not judged on top of it.
    broken = mutate(mutate(primary(), "weekly", path, value), "selection", "resources", [])
    assert findings(stack.weekly_backup_cross_region, broken) == [("weekly", expected)]


def test_a_copy_to_a_vault_of_that_name_in_another_region_is_not_to_a_declared_vault():
    arn = f"arn:aws:backup:{WEST}:{ACCOUNT}:backup-vault:aivo-production-backups"
    assert violations(stack.weekly_backup_cross_region, without(primary(), "vault-west")) == [
        f"weekly: rule weekly-snapshots copies to {arn}, which is not a vault declared in this stack"]


def test_a_weekly_rule_after_a_daily_one_is_found():
    daily = {"ruleName": "daily", "schedule": "cron(0 3 * * ? *)", "lifecycle": {"deleteAfter": 7}}
    records = primary()
    records[4].inputs["rules"].insert(0, daily)
    assert violations(stack.weekly_backup_cross_region, records) == []


@pytest.mark.parametrize("selected", [
    f"arn:aws:rds:{WEST}:{ACCOUNT}:db:aivo-production-postgres",  # the same identifier in the other region
    f"arn:aws:rds:{EAST}:{ACCOUNT}:db:another",  # another database of the region
])
def test_a_selection_of_another_database_does_not_select_the_writer(selected):
    assert findings(stack.weekly_backup_cross_region, mutate(primary(), "selection", "resources", [selected])) == [
        ("writer", "writer: the database is not selected by any backup selection (weekly snapshots)")]


@pytest.mark.parametrize(("records", "config"), [
    # after failover the writer is the promoted DR database: the primary stack's weekly plan returns with the primary
    ([res(RDS_INSTANCE, "promoted", {"identifier": "aivo-production-postgres-dr"}, region=WEST, protect=True)], None),
    # after failback the primary region holds a replica of the DR writer: not a writer
    ([res(RDS_INSTANCE, "back", {"identifier": "aivo-production-postgres",
                                 "replicateSourceDb": f"arn:aws:rds:{WEST}:{ACCOUNT}:db:aivo-production-postgres-dr"},
          region=EAST, protect=True)], None),
    # the DR region is the policy's config: a writer there needs no weekly copy
    ([r for r in primary() if r.name == "writer"], {"drRegion": EAST}),
], ids=["promoted-dr-writer", "replica-in-primary", "dr-region-configured"])
def test_only_a_writer_outside_the_dr_region_needs_the_weekly_copy(records, config):
    assert violations(stack.weekly_backup_cross_region, records, config=config) == []
    if config:  # the same writer under the default DR region does
        assert violations(stack.weekly_backup_cross_region, records) == [
            "no backup plan takes a weekly backup and copies it to a vault in the other region"]


def test_a_daily_plan_is_not_the_weekly_snapshot():
    assert violations(stack.weekly_backup_cross_region, mutate(primary(), "weekly", "rules.0.schedule", "cron(0 2 * * ? *)")) == [
        "no backup plan takes a weekly backup and copies it to a vault in the other region"
    ]


def test_a_database_outside_every_backup_selection_fails():
    assert findings(stack.weekly_backup_cross_region, mutate(primary(), "selection", "resources", [])) == [
        ("writer", "writer: the database is not selected by any backup selection (weekly snapshots)")
    ]


def test_weekly_schedules():
    assert stack.is_weekly("cron(0 2 ? * SUN *)")
    assert stack.is_weekly("cron(0 2 ? * 1 *)")
    assert not stack.is_weekly("cron(0 2 * * ? *)")
    assert not stack.is_weekly("rate(7 days)")
    assert not stack.is_weekly("cron(0 2 ? 1 MON *)")  # Mondays of January only
    assert not stack.is_weekly("cron(0 2 1 * MON *)")
    assert not stack.is_weekly(None)


def test_a_failover_record_set_without_its_secondary_fails():
    assert violations(stack.failover_records_paired, without(dr(), "api-secondary"), peer=PEER_OUTPUTS) == [
        "failover record set api.aivo.edu CNAME in zone Z1 has PRIMARY; it needs exactly one PRIMARY and one SECONDARY"
    ]


def test_a_failover_record_without_a_type_is_a_record_set_of_its_own():
    found = violations(stack.failover_records_paired, mutate(dr(), "api-secondary", "type", DELETE), peer=PEER_OUTPUTS)
    assert found == [
        "failover record set api.aivo.edu CNAME in zone Z1 has PRIMARY; it needs exactly one PRIMARY and one SECONDARY",
        "failover record set api.aivo.edu None in zone Z1 has SECONDARY; it needs exactly one PRIMARY and one SECONDARY",
    ]


def test_two_primaries_fail():
    assert violations(stack.failover_records_paired, mutate(dr(), "api-secondary", "failoverRoutingPolicies.0.type", "PRIMARY")) == [
        "failover record set api.aivo.edu CNAME in zone Z1 has PRIMARY, PRIMARY; it needs exactly one PRIMARY and one SECONDARY"
    ]


def test_a_dr_location_on_a_bucket_nobody_replicates_fails():
    found = findings(stack.velero_dr_location_reads_replica, mutate(dr(), "dr-location", "spec.objectStorage.bucket", "random"), peer=PEER_OUTPUTS)
    assert found == [
        ("dr-location", "dr-location: bucket random is not a replica this stack can see (not declared here, not among the primary stack's outputs)")
    ]
    # Only a location in the DR region (the policy's config) reads the replica.
    assert violations(stack.velero_dr_location_reads_replica, mutate(dr(), "dr-location", "spec.objectStorage.bucket", "random"),
                      config={"drRegion": EAST}, peer=PEER_OUTPUTS) == []


def test_an_unknown_location_bucket_is_a_violation_not_a_pass():
    found = findings(stack.velero_dr_location_reads_replica, mutate(dr(), "dr-location", "spec.objectStorage.bucket", UNKNOWN),
                     peer=PEER_OUTPUTS)
    assert found == [("dr-location", "dr-location: spec.objectStorage.bucket is unknown at preview, so this cannot be verified; "
                      "make it known at preview (e.g. build it from settings)")]


def test_a_dr_location_on_an_own_bucket_must_be_a_replication_destination():
    records = [*dr(), res(S3_BUCKET, "own", {"bucket": "aivo-production-velero-us-west-2"}, region=WEST, protect=True)]
    assert findings(stack.velero_dr_location_reads_replica, records, peer=PEER_OUTPUTS) == [
        ("dr-location", f"dr-location: bucket aivo-production-velero-us-west-2 in {WEST} is not a replication destination")
    ]
    replication = res(S3_REPLICATION, "velero-replication", {"bucket": "aivo-production-velero", "rules": [
        {"id": "to-dr", "status": "Enabled", "destination": {"bucket": "arn:aws:s3:::aivo-production-velero-us-west-2"}}]}, region=EAST)
    assert violations(stack.velero_dr_location_reads_replica, [*records, replication], peer=PEER_OUTPUTS) == []


def test_an_unknown_record_zone_is_a_violation_not_a_pass():
    found = violations(stack.failover_records_paired, mutate(dr(), "api-primary", "zoneId", UNKNOWN), peer=PEER_OUTPUTS)
    assert found[0] == "api-primary: zoneId is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it from settings)"


# ---- buckets replicated (the compliant source/replica pair of test_policies_storage.py) ----------------------------------


def test_a_bucket_neither_replicated_nor_a_replica_is_blamed_itself():
    records = [*replicated_buckets(), res(S3_BUCKET, "stray", {"bucket": "aivo-stray"}, region=EAST, protect=True)]
    assert findings(stack.buckets_replicated, records) == [
        ("stray", "bucket stray is neither replicated to another region nor a replica")]


def test_an_unknown_replication_destination_is_a_violation_against_the_replication():
    records = mutate(replicated_buckets(), "replication", "rules.0.destination.bucket", UNKNOWN)
    assert findings(stack.buckets_replicated, records) == [
        ("replica", "bucket replica is neither replicated to another region nor a replica"),
        ("replication", "replication: destination.bucket is unknown at preview, so this cannot be verified; make it "
         "known at preview (e.g. build it from settings)"),
    ]


def test_a_lifecycle_joined_to_no_bucket_is_reported_not_a_crash():
    orphan = res(S3_LIFECYCLE, "orphan-lifecycle", {"bucket": UNKNOWN, "rules": []}, region=EAST)
    assert findings(stack.buckets_replicated, [*replicated_buckets(), orphan]) == [
        ("orphan-lifecycle", "orphan-lifecycle: bucket is unknown at preview and has no dependency on a declared bucket, so it "
         "cannot be joined to one")]
