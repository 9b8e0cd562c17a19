"""policies/backups.py, cache.py and cluster.py: compliant passes, one mutated field fails with the exact message."""

from __future__ import annotations

import pytest

from policies import backups, cache, cluster
from policies._common import AWS_EKS_CLUSTER, BACKUP_PLAN, BACKUP_VAULT, CACHE_GROUP, EKS_CLUSTER
from tests.helpers.policies import ACCOUNT, DELETE, EAST, UNKNOWN, WEST, mutate, res, violations

EAST_KEY = f"arn:aws:kms:{EAST}:{ACCOUNT}:key/k"
WEST_VAULT = f"arn:aws:backup:{WEST}:{ACCOUNT}:backup-vault:aivo-production-backups"


def compliant():
    return [
        res(BACKUP_VAULT, "vault", {"name": "aivo-production-backups", "kmsKeyArn": EAST_KEY}, region=EAST, protect=True),
        res(BACKUP_PLAN, "weekly", {"name": "weekly", "rules": [{
            "ruleName": "weekly-snapshots", "schedule": "cron(0 2 ? * SUN *)", "targetVaultName": "aivo-production-backups",
            "lifecycle": {"deleteAfter": 90}, "copyActions": [{"destinationVaultArn": WEST_VAULT, "lifecycle": {"deleteAfter": 90}}],
        }]}, region=EAST),
        res(CACHE_GROUP, "redis", {
            "replicationGroupId": "aivo-production-redis", "atRestEncryptionEnabled": True, "transitEncryptionEnabled": True,
            "automaticFailoverEnabled": True, "multiAzEnabled": True, "snapshotRetentionLimit": 7, "snapshotWindow": "06:30-07:30",
            "kmsKeyId": EAST_KEY,
        }, region=EAST, protect=True),
        res(EKS_CLUSTER, "eks", {
            "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            "encryptionConfigKeyArn": EAST_KEY, "endpointPrivateAccess": True, "endpointPublicAccess": False,
        }, region=EAST),
        res(AWS_EKS_CLUSTER, "raw-eks", {
            "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": EAST_KEY}},
            "vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]},
        }, region=EAST),
    ]


POLICIES = [*backups.POLICIES, *cache.POLICIES, *cluster.POLICIES]
OPEN = "the public API endpoint is open to 0.0.0.0/0: disable endpointPublicAccess or set publicAccessCidrs"

CASES = [
    (backups.backup_plan_retention, "weekly", "rules.0.lifecycle.deleteAfter", 30,
     ["rule weekly-snapshots: recovery points must be kept at least 90 days (lifecycle.deleteAfter is 30)"]),
    (backups.backup_plan_retention, "weekly", "rules.0.lifecycle.deleteAfter", 89,
     ["rule weekly-snapshots: recovery points must be kept at least 90 days (lifecycle.deleteAfter is 89)"]),
    (backups.backup_plan_retention, "weekly", "rules.0.copyActions.0.lifecycle.deleteAfter", 89,
     ["rule weekly-snapshots: copies must be kept at least 90 days (copyActions lifecycle.deleteAfter is 89)"]),
    (backups.backup_plan_retention, "weekly", "rules.0.copyActions.0.lifecycle", DELETE,
     ["rule weekly-snapshots: copies must be kept at least 90 days (copyActions lifecycle.deleteAfter is None)"]),
    (backups.backup_vault_encrypted, "vault", "kmsKeyArn", DELETE, ["kmsKeyArn must name a customer-managed KMS key"]),
    (backups.backup_vault_encrypted, "vault", "kmsKeyArn", f"arn:aws:kms:{WEST}:{ACCOUNT}:key/k",
     [f"kmsKeyArn arn:aws:kms:{WEST}:{ACCOUNT}:key/k must be a key in the vault's region {EAST}"]),
    (cache.cache_encrypted, "redis", "transitEncryptionEnabled", False, ["transitEncryptionEnabled must be true"]),
    (cache.cache_encrypted, "redis", "atRestEncryptionEnabled", DELETE, ["atRestEncryptionEnabled must be true"]),
    (cache.cache_automatic_failover, "redis", "automaticFailoverEnabled", False, ["automaticFailoverEnabled must be true"]),
    (cache.cache_automatic_failover, "redis", "multiAzEnabled", DELETE, ["multiAzEnabled must be true"]),
    (cache.cache_snapshots, "redis", "snapshotRetentionLimit", 0, ["snapshotRetentionLimit is 0; it must be at least 1 days"]),
    (cache.cache_snapshots, "redis", "snapshotWindow", DELETE, ["snapshotWindow must be set"]),
    (cluster.eks_control_plane_logging, "eks", "enabledClusterLogTypes", ["api"],
     ["enabledClusterLogTypes must include audit, authenticator, controllerManager, scheduler"]),
    (cluster.eks_secrets_encrypted, "eks", "encryptionConfigKeyArn", DELETE,
     ["Kubernetes secrets must be envelope-encrypted with a KMS key (encryptionConfigKeyArn)"]),
    (cluster.eks_secrets_encrypted, "raw-eks", "encryptionConfig.resources", ["configmaps"],
     ["Kubernetes secrets must be envelope-encrypted with a KMS key (encryptionConfigKeyArn)"]),
    (cluster.eks_secrets_encrypted, "eks", "encryptionConfigKeyArn", f"arn:aws:kms:{WEST}:{ACCOUNT}:key/k",
     [f"the secrets encryption key arn:aws:kms:{WEST}:{ACCOUNT}:key/k must be in the cluster's region {EAST}"]),
    (cluster.eks_no_unrestricted_public_endpoint, "eks", "endpointPublicAccess", DELETE, [OPEN]),
    (cluster.eks_no_unrestricted_public_endpoint, "raw-eks", "vpcConfig.publicAccessCidrs", ["0.0.0.0/0"], [OPEN]),
    (cluster.eks_no_unrestricted_public_endpoint, "raw-eks", "vpcConfig.publicAccessCidrs", ["0.0.0.0/1", "128.0.0.0/1"],
     ["the public API endpoint is open to 0.0.0.0/0: publicAccessCidrs 0.0.0.0/1, 128.0.0.0/1 cover it together; name narrower blocks"]),
    (cluster.eks_no_unrestricted_public_endpoint, "eks", "endpointPrivateAccess", False,
     ["endpointPrivateAccess must be true so nodes reach the API server inside the VPC"]),
]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_compliant_resources_pass(policy):
    assert violations(policy, compliant()) == []


@pytest.mark.parametrize(("policy", "name", "path", "value", "expected"), CASES, ids=lambda c: getattr(c, "name", None))
def test_one_mutated_field_fails_with_the_exact_message(policy, name, path, value, expected):
    assert violations(policy, mutate(compliant(), name, path, value)) == expected


def test_a_global_datastore_secondary_inherits_encryption():
    secondary = mutate(mutate(compliant(), "redis", "globalReplicationGroupId", "abcde-aivo"), "redis", "atRestEncryptionEnabled", DELETE)
    assert violations(cache.cache_encrypted, secondary) == []


def test_unknown_log_types_are_a_violation_not_a_pass():
    assert violations(cluster.eks_control_plane_logging, mutate(compliant(), "eks", "enabledClusterLogTypes", UNKNOWN)) == [
        "enabledClusterLogTypes is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it from settings)"
    ]


def test_backup_retention_is_configurable_with_bounds():
    assert violations(backups.backup_plan_retention, compliant(), config={"minimumRetentionDays": 180}) == [
        "rule weekly-snapshots: copies must be kept at least 180 days (copyActions lifecycle.deleteAfter is 90)",
        "rule weekly-snapshots: recovery points must be kept at least 180 days (lifecycle.deleteAfter is 90)",
    ]
    schema = backups.backup_plan_retention.config_schema.properties["minimumRetentionDays"]
    assert (schema["minimum"], schema["default"]) == (1, 90)


@pytest.mark.parametrize(("policy", "name", "path", "value", "expected"), [
    (backups.backup_plan_retention, "weekly", "rules", [], ["the backup plan has no rules"]),
    (cache.cache_snapshots, "redis", "snapshotRetentionLimit", 1, []),  # exactly the minimum
    (cache.cache_snapshots, "redis", "snapshotRetentionLimit", DELETE, ["snapshotRetentionLimit is None; it must be at least 1 days"]),
])
def test_one_more_mutated_field(policy, name, path, value, expected):
    assert violations(policy, mutate(compliant(), name, path, value)) == expected


def test_snapshot_retention_is_configurable():
    assert violations(cache.cache_snapshots, compliant(), config={"minimumSnapshotRetentionDays": 8}) == [
        "snapshotRetentionLimit is 7; it must be at least 8 days"]
    assert violations(cache.cache_snapshots, compliant(), config={"minimumSnapshotRetentionDays": 7}) == []


@pytest.mark.parametrize(("policy", "name", "path"), [
    (backups.backup_vault_encrypted, "vault", "kmsKeyArn"),
    (cache.cache_customer_key, "redis", "kmsKeyId"),
])
def test_a_resources_own_region_input_wins_over_its_providers(policy, name, path):
    """pulumi-aws v7: a resource's `region` input places it, whatever region its provider has."""
    records = mutate(mutate(compliant(), name, "region", WEST), name, path, f"arn:aws:kms:{WEST}:{ACCOUNT}:key/k")
    assert violations(policy, records) == []
    del next(r for r in records if r.name == name).inputs["region"]
    assert len(violations(policy, records)) == 1


@pytest.mark.parametrize(("name", "path", "value", "expected"), [
    ("eks", "endpointPrivateAccess", DELETE, ["endpointPrivateAccess must be true so nodes reach the API server inside the VPC"]),
    # host bits set: the blocks still cover everything together
    ("raw-eks", "vpcConfig.publicAccessCidrs", ["0.0.0.1/1", "128.0.0.1/1"],
     ["the public API endpoint is open to 0.0.0.0/0: publicAccessCidrs 0.0.0.1/1, 128.0.0.1/1 cover it together; name narrower blocks"]),
    # an IPv6 block is no IPv4 block: the IPv4 ones alone are judged
    ("raw-eks", "vpcConfig.publicAccessCidrs", ["203.0.113.0/24", "2001:db8::/32"], []),
    ("raw-eks", "vpcConfig.publicAccessCidrs", ["0.0.0.0/1", "128.0.0.0/2"], []),
])
def test_the_api_endpoint_is_private_and_public_only_to_named_blocks(name, path, value, expected):
    assert violations(cluster.eks_no_unrestricted_public_endpoint, mutate(compliant(), name, path, value)) == expected


def test_the_required_log_types_are_configurable():
    records = mutate(compliant(), "eks", "enabledClusterLogTypes", ["api", "audit"])
    assert violations(cluster.eks_control_plane_logging, records, config={"requiredLogTypes": ["audit", "api"]}) == []
    assert violations(cluster.eks_control_plane_logging, records, config={"requiredLogTypes": ["audit", "scheduler"]}) == [
        "enabledClusterLogTypes must include scheduler"]


def test_the_secrets_keys_region_is_the_clusters_own_region_input():
    records = mutate(mutate(compliant(), "eks", "region", WEST), "eks", "encryptionConfigKeyArn", f"arn:aws:kms:{WEST}:{ACCOUNT}:key/k")
    assert violations(cluster.eks_secrets_encrypted, records) == []


def test_ssh_to_a_node_group_names_every_source_group():
    nodes = res(cluster.EKS_NODE_GROUP, "nodes", {"clusterName": "aivo", "remoteAccess": {
        "ec2SshKey": "ops", "sourceSecurityGroupIds": ["sg-1", "sg-2"]}}, region=EAST)
    assert violations(cluster.eks_no_remote_access, [nodes]) == [
        "remoteAccess opens SSH to the nodes from the security groups sg-1, sg-2; reach nodes through SSM or kubectl, never SSH"]
