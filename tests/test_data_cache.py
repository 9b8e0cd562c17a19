"""ElastiCache Redis: cluster mode in both regions, encrypted, IAM-authenticated, Multi-AZ, snapshots kept;
the DR cache is a warm standby raised to production size on failover, or a Global Datastore secondary."""

from __future__ import annotations

from components.cache import CacheShape
from stacks.data import cache_shape
from stacks.settings.cache import Cache
from tests.helpers.planning import by_urn, only, plan

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def test_primary_cache_is_production_size_in_cluster_mode_encrypted_and_multi_az() -> None:
    p = plan("primary")
    group = only(p, GROUP, "primary-cache")
    i = group.inputs
    assert (i["numNodeGroups"], i["replicasPerNodeGroup"], i["nodeType"]) == (3, 2, "cache.r7g.large")
    assert i["parameterGroupName"] == "default.redis7.cluster.on"
    assert i["automaticFailoverEnabled"] is True and i["multiAzEnabled"] is True
    assert i["atRestEncryptionEnabled"] is True and i["transitEncryptionEnabled"] is True
    assert i["kmsKeyId"].startswith("arn:aws:kms:us-east-1:")
    assert i["snapshotRetentionLimit"] == 7 and i["finalSnapshotIdentifier"] == "aivo-production-redis-final"
    assert "authToken" not in i and group.protect and group.retain_on_delete
    assert only(p, "aws:kms/key:Key", "primary-cache-kms").inputs["enableKeyRotation"] is True


def test_cache_users_authenticate_with_iam_and_the_default_user_is_off() -> None:
    p = plan("primary")
    users = {r.inputs["userName"]: r.inputs for r in p.by_type("aws:elasticache/user:User")}
    assert users["default"]["accessString"].startswith("off ")
    assert users["aivo-production-redis-app"]["authenticationMode"] == {"type": "iam"}
    assert users["aivo-production-redis-app"]["userId"] == "aivo-production-redis-app"  # IAM needs id == name
    group = only(p, "aws:elasticache/userGroup:UserGroup")
    assert sorted(group.inputs["userIds"]) == sorted(u["userId"] for u in users.values())
    assert only(p, GROUP, "primary-cache").inputs["userGroupIds"] == [group.inputs["userGroupId"]]


def test_warm_dr_cache_is_standby_size_and_production_size_on_failover_in_place() -> None:
    standby, failover = by_urn(plan("dr")), by_urn(plan("dr", "failover=true"))
    (urn,) = [u for u, r in standby.items() if r.type == GROUP]
    before, after = standby[urn].inputs, failover[urn].inputs
    assert (before["numNodeGroups"], before["replicasPerNodeGroup"]) == (1, 1)
    assert (after["numNodeGroups"], after["replicasPerNodeGroup"]) == (3, 2)
    assert {k for k in set(before) | set(after) if before.get(k) != after.get(k)} == {"numNodeGroups", "replicasPerNodeGroup"}
    assert standby[urn].region == "us-west-2" and failover[urn].protect and before["applyImmediately"] is True


def test_global_mode_joins_the_primarys_global_datastore_and_failover_changes_nothing() -> None:
    primary = plan("primary", "cache.drMode=global")
    global_group = only(primary, "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup")
    assert global_group.protect and global_group.region == "us-east-1"
    gid = primary.outputs["cacheGlobalGroupId"]
    fallback = f'peer={{"fallback": {{"cacheGlobalGroupId": "{gid}"}}}}'
    dr = plan("dr", "cache.drMode=global", fallback)
    standby = only(dr, GROUP)
    promoted = only(plan("dr", "cache.drMode=global", "failover=true", fallback), GROUP)
    assert standby.inputs["globalReplicationGroupId"] == gid
    assert "numNodeGroups" not in standby.inputs and "nodeType" not in standby.inputs
    assert "atRestEncryptionEnabled" not in standby.inputs  # inherited from the global group (the provider refuses it)
    # its own region's key and RBAC user group, so IAM auth as the app user works once it is promoted
    key = only(dr, "aws:kms/key:Key", "dr-cache-kms")
    users = only(dr, "aws:elasticache/userGroup:UserGroup", "dr-cache-users")
    assert key.region == standby.region == "us-west-2"
    assert standby.inputs["kmsKeyId"].startswith("arn:aws:kms:us-west-2:")
    assert standby.inputs["userGroupIds"] == [users.inputs["userGroupId"]]
    assert promoted.inputs == standby.inputs  # promotion is failover-global-replication-group, an API call


def test_cache_size_decision() -> None:
    cache = Cache()
    production, standby = CacheShape("cache.r7g.large", 3, 2), CacheShape("cache.r7g.large", 1, 1)
    assert cache_shape("primary", False, cache) == production
    assert cache_shape("dr", False, cache) == standby
    assert cache_shape("dr", True, cache) == production
    assert cache_shape("dr", True, Cache(dr_mode="global")) is None
    assert cache_shape("primary", False, Cache(dr_mode="global")) == production
