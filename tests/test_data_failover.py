"""Property: whatever the data settings, flipping `failover` in the dr stack replaces and deletes no data
store, changes only the promotion and the cache size, and declares nothing in us-east-1."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.planning import by_urn, only, plan

DATA_STORES = {
    "aws:rds/instance:Instance",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:kms/key:Key",
}
# What a failover may change on a data store, by type (anything else would be an unplanned update).
ALLOWED_CHANGES = {
    "aws:rds/instance:Instance": {"replicateSourceDb"},
    "aws:elasticache/replicationGroup:ReplicationGroup": {"numNodeGroups", "replicasPerNodeGroup"},
}
GLOBAL_ID = "abcde-aivo-production-redis"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mode=st.sampled_from(["warm", "global"]),
    multi_az=st.booleans(),
    restore=st.booleans(),
    use_reference=st.booleans(),
)
def test_failover_flip_replaces_and_deletes_no_data_store(mode: str, multi_az: bool, restore: bool, use_reference: bool) -> None:
    fallback = {k: v for k, v in plan("primary").outputs.items() if k in (
        "databaseAddress", "databaseSecretArnDr", "veleroReplicaKmsKeyArn", "assetsReplicaKmsKeyArn", "backupVaultArnDr",
        "vpcId", "vpcCidr")}
    fallback["cacheGlobalGroupId"] = GLOBAL_ID
    database: dict[str, object] = {"multiAz": multi_az}
    if restore:
        database["restore"] = {"source": "aivo-production-postgres", "identifier": "aivo-pitr-dr"}
    overrides = (
        f"cache.drMode={mode}",
        f"database={json.dumps(database)}",
        f"peer={json.dumps({'useStackReference': use_reference, 'fallback': fallback})}",
    )
    before, after = plan("dr", *overrides), plan("dr", "failover=true", *overrides)
    old, new = by_urn(before), by_urn(after)
    for urn, record in old.items():
        if record.type not in DATA_STORES:
            continue
        assert urn in new, f"failover deletes {urn}"
        changed = {k for k in set(record.inputs) | set(new[urn].inputs) if record.inputs.get(k) != new[urn].inputs.get(k)}
        assert changed <= ALLOWED_CHANGES.get(record.type, set()), (urn, changed)
        assert new[urn].protect and new[urn].retain_on_delete
    assert not [r.urn for r in after.resources if r.region == "us-east-1"]
    assert not [i.token for i in after.invokes if i.region == "us-east-1"]


def test_retiring_the_original_writer_needs_the_promoted_failback_instance() -> None:
    from drctl.engine.plan import SettingsProblem

    with pytest.raises(SettingsProblem) as caught:
        plan("primary", "database.retireOriginal=true")
    assert str(caught.value) == (
        "aivo-dr:database.retireOriginal = true: true only once database.failbackPromoted is true: the original "
        "writer is retired after the failback instance has become the writer"
    )


def test_retiring_the_original_writer_forgets_it_and_keeps_the_failback_writer() -> None:
    from drctl.diffing import diff_plans

    promoted = plan("primary", "database.failbackPromoted=true")
    retired = plan("primary", "database.failbackPromoted=true", "database.retireOriginal=true")
    instances = {r.inputs["identifier"] for r in retired.by_type("aws:rds/instance:Instance")}
    assert instances == {"aivo-production-postgres-fb"}
    assert retired.outputs["databaseArn"] == promoted.outputs["databaseArn"] == \
        "arn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres-fb"
    selection = only(retired, "aws:backup/selection:Selection", "primary-weekly-snapshots")
    assert selection.inputs["resources"] == ["arn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres-fb"]
    diff = diff_plans(promoted, retired)
    deleted = [c for c in diff.changes if c.action == "delete" and c.data_store]
    assert [c.name for c in deleted] == ["primary-database-instance"]
    assert deleted[0].reasons == (
        "protected: pulumi up refuses to delete it until `pulumi state unprotect` is run",
        "retainOnDelete: Pulumi only forgets it; the resource stays in AWS",
    )
