"""Which input changes force a resource to be replaced, for every data-bearing resource type the project uses.

`drctl diff` compares two plans' inputs; a change to one of these paths means `pulumi up` would
create a new resource and delete the old one (for a data store: lose its data, or be refused by
`protect`). The paths are the wire (camelCase) names the plan records; a path also covers everything
below it (`restoreToPointInTime` covers `restoreToPointInTime.restoreTime`).

Source: the ForceNew flags of the resource schemas in hashicorp/terraform-provider-aws, which
pulumi-aws bridges (pulumi-aws 7.x is built on the provider's 6.x line), file named per entry below;
pulumi-eks 4.x for its Cluster component. Where the brief or intuition says "forces replacement" but
the schema does not, the entry says so (e.g. an RDS instance's dbSubnetGroupName is changed in place
by ModifyDBInstance). Re-check these entries when pulumi-aws is upgraded (see CHANGELOG).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReplaceRule:
    paths: tuple[str, ...]
    source: str
    note: str = ""


TF = "hashicorp/terraform-provider-aws "

# Every aws resource in pulumi-aws 7 takes a `region` argument of its own; changing it moves the
# resource to another region, i.e. a new resource (terraform-provider-aws v6 "Enhanced Region Support":
# the resource-level region argument forces replacement).
AWS_REGION_PATH = "region"

FORCE_NEW: dict[str, ReplaceRule] = {
    "aws:rds/instance:Instance": ReplaceRule(
        paths=(
            "identifier", "identifierPrefix", "engine", "kmsKeyId", "storageEncrypted", "availabilityZone",
            "username", "dbName", "characterSetName", "ncharCharacterSetName", "timezone", "snapshotIdentifier",
            "restoreToPointInTime", "s3Import", "customIamInstanceProfile",
        ),
        source=TF + "internal/service/rds/instance.go (ResourceInstance schema, ForceNew)",
        note=(
            "not ForceNew: dbSubnetGroupName, instanceClass, multiAz, backupRetentionPeriod, storageType "
            "(ModifyDBInstance); removing replicateSourceDb promotes the replica in place (PromoteReadReplica), "
            "pointing it at another source is refused by the provider"
        ),
    ),
    "aws:rds/cluster:Cluster": ReplaceRule(
        paths=(
            "clusterIdentifier", "clusterIdentifierPrefix", "engine", "engineMode", "kmsKeyId", "storageEncrypted",
            "databaseName", "masterUsername", "snapshotIdentifier", "restoreToPointInTime", "s3Import",
            "availabilityZones", "dbSubnetGroupName", "dbSystemId", "clusterScalabilityType",
        ),
        source=TF + "internal/service/rds/cluster.go (resourceCluster schema, ForceNew)",
        note=(
            "not ForceNew: globalClusterIdentifier (resourceClusterUpdate: removing it calls RemoveFromGlobalCluster, "
            "the detach that promotes a secondary; adding or changing it is refused), replicationSourceIdentifier "
            "(removing it calls PromoteReadReplicaDBCluster)"
        ),
    ),
    "aws:rds/globalCluster:GlobalCluster": ReplaceRule(
        paths=("globalClusterIdentifier", "engine", "databaseName", "sourceDbClusterIdentifier", "storageEncrypted"),
        source=TF + "internal/service/rds/global_cluster.go (ResourceGlobalCluster schema, ForceNew)",
        note="not ForceNew: engineVersion (an in-place upgrade of every member), deletionProtection",
    ),
    "aws:rds/clusterInstance:ClusterInstance": ReplaceRule(
        paths=("identifier", "identifierPrefix", "clusterIdentifier", "engine", "availabilityZone", "dbSubnetGroupName",
               "customIamInstanceProfile"),
        source=TF + "internal/service/rds/cluster_instance.go (ResourceClusterInstance schema, ForceNew)",
    ),
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": ReplaceRule(
        paths=("sourceDbInstanceArn", "kmsKeyId", "retentionPeriod", "preSignedUrl"),
        source=TF + "internal/service/rds/instance_automated_backups_replication.go (every argument ForceNew)",
    ),
    "aws:s3/bucket:Bucket": ReplaceRule(
        paths=("bucket", "bucketPrefix", "objectLockEnabled"),
        source=TF + "internal/service/s3/bucket.go (ResourceBucket schema, ForceNew)",
    ),
    "aws:s3/bucketV2:BucketV2": ReplaceRule(
        paths=("bucket", "bucketPrefix", "objectLockEnabled"),
        source=TF + "internal/service/s3/bucket.go (ResourceBucket schema, ForceNew)",
    ),
    "aws:kms/key:Key": ReplaceRule(
        paths=("customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"),
        source=TF + "internal/service/kms/key.go (ResourceKey schema, ForceNew)",
        note="not ForceNew: policy, enableKeyRotation, description, deletionWindowInDays",
    ),
    "aws:kms/replicaKey:ReplicaKey": ReplaceRule(
        paths=("primaryKeyArn",),
        source=TF + "internal/service/kms/replica_key.go (ResourceReplicaKey schema, ForceNew)",
    ),
    "aws:backup/vault:Vault": ReplaceRule(
        paths=("name", "kmsKeyArn"),
        source=TF + "internal/service/backup/vault.go (ResourceVault schema, ForceNew)",
    ),
    "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault": ReplaceRule(
        paths=("name", "maxRetentionDays", "minRetentionDays"),
        source=TF + "internal/service/backup/logically_air_gapped_vault.go (RequiresReplace plan modifiers)",
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": ReplaceRule(
        paths=(
            "replicationGroupId", "atRestEncryptionEnabled", "kmsKeyId", "subnetGroupName",
            "globalReplicationGroupId", "snapshotArns", "snapshotName", "networkType", "dataTieringEnabled",
        ),
        source=TF + "internal/service/elasticache/replication_group.go (ResourceReplicationGroup schema, ForceNew)",
        note="not ForceNew: numNodeGroups, replicasPerNodeGroup, nodeType, transitEncryptionEnabled, engineVersion",
    ),
    "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup": ReplaceRule(
        paths=("globalReplicationGroupIdSuffix", "primaryReplicationGroupId"),
        source=TF + "internal/service/elasticache/global_replication_group.go (schema, ForceNew)",
        note="promoting a secondary to primary is an API call (FailoverGlobalReplicationGroup), not an input",
    ),
    "aws:elasticache/cluster:Cluster": ReplaceRule(
        paths=("clusterId", "engine", "subnetGroupName", "replicationGroupId", "snapshotArns", "snapshotName",
               "availabilityZone", "networkType"),
        source=TF + "internal/service/elasticache/cluster.go (ResourceCluster schema, ForceNew)",
    ),
    "aws:secretsmanager/secret:Secret": ReplaceRule(
        paths=("name", "namePrefix"),
        source=TF + "internal/service/secretsmanager/secret.go (ResourceSecret schema, ForceNew)",
    ),
    "aws:efs/fileSystem:FileSystem": ReplaceRule(
        paths=("creationToken", "encrypted", "kmsKeyId", "performanceMode", "availabilityZoneName"),
        source=TF + "internal/service/efs/file_system.go (ResourceFileSystem schema, ForceNew)",
    ),
    "aws:ebs/volume:Volume": ReplaceRule(
        paths=("availabilityZone", "encrypted", "kmsKeyId", "snapshotId", "outpostArn"),
        source=TF + "internal/service/ec2/ebs_volume.go (ResourceEBSVolume schema, ForceNew)",
    ),
    "aws:eks/cluster:Cluster": ReplaceRule(
        paths=("name", "roleArn", "kubernetesNetworkConfig", "outpostConfig", "bootstrapSelfManagedAddons",
               "accessConfig.bootstrapClusterCreatorAdminPermissions", "vpcConfig.securityGroupIds"),
        source=TF + "internal/service/eks/cluster.go (ResourceCluster schema, ForceNew)",
    ),
    # A provider whose region changes is replaced, and so is every resource it manages.
    "pulumi:providers:aws": ReplaceRule(
        paths=("region",),
        source="pulumi/pulumi-aws provider DiffConfig: a change of region replaces the provider",
    ),
    "eks:index:Cluster": ReplaceRule(
        paths=("name", "vpcId", "kubernetesServiceIpAddressRange", "ipFamily", "bootstrapSelfManagedAddons",
               "serviceRole", "clusterSecurityGroup"),
        source="pulumi/pulumi-eks nodejs/eks/cluster.ts: these feed ForceNew inputs of the aws.eks.Cluster it creates",
    ),
}

# Resources that hold data: replacing or deleting one loses (or, protected, blocks on) that data.
DATA_STORE_TYPES = frozenset(
    {
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:rds/globalCluster:GlobalCluster",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:backup/vault:Vault",
        "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup",
        "aws:elasticache/cluster:Cluster",
        "aws:kms/key:Key",
        "aws:kms/replicaKey:ReplicaKey",
        "aws:efs/fileSystem:FileSystem",
        "aws:ebs/volume:Volume",
        "aws:secretsmanager/secret:Secret",
    }
)


def is_data_store(type_: str) -> bool:
    return type_ in DATA_STORE_TYPES


def _covers(rule_path: str, path: str) -> bool:
    return path == rule_path or path.startswith(rule_path + ".") or path.startswith(rule_path + "[")


def _strip_indexes(path: str) -> str:
    """`vpcConfig[0].securityGroupIds[1]` -> `vpcConfig.securityGroupIds`: rules name fields, not items."""
    out, depth = [], 0
    for char in path:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def forcing_rule_path(type_: str, path: str, replace_on_changes: list[str] | tuple[str, ...] = ()) -> str | None:
    """The rule (a ForceNew input, `region`, or a `replaceOnChanges` entry) that makes a change at `path`
    replace a resource of `type_`, or None when the change is an in-place update."""
    plain = _strip_indexes(path)
    for wanted in replace_on_changes:
        if wanted == "*" or _covers(_strip_indexes(wanted), plain):
            return f"replaceOnChanges: {wanted}"
    if type_.startswith("aws:") and _covers(AWS_REGION_PATH, plain):
        return AWS_REGION_PATH
    rule = FORCE_NEW.get(type_)
    if rule is None:
        return None
    for candidate in rule.paths:
        if _covers(candidate, plain):
            return candidate
    return None


# Changes the provider refuses outright: neither an update nor a replacement, `pulumi up` fails on them.
REFUSED: dict[tuple[str, str], str] = {
    ("aws:rds/cluster:Cluster", "globalClusterIdentifier"): (
        "the provider refuses to add an existing cluster to a global database or move it to another one "
        '("existing RDS Clusters cannot be added to an existing RDS Global Cluster"): removing it (the detach) is the only change'
    ),
    ("aws:rds/instance:Instance", "replicateSourceDb"): (
        "the provider refuses to make an existing instance a replica or to re-point a replica "
        '("cannot elect new source database", terraform-provider-aws #4419): re-seed under a new identifier'
    ),
}


def refusal(type_: str, path: str, old: object, new: object) -> str | None:
    """Why `pulumi up` would fail on this change, or None. Removing replicateSourceDb (promotion) is fine;
    setting or changing it on an existing instance is not."""
    reason = REFUSED.get((type_, _strip_indexes(path)))
    if reason is None or new is None:
        return None
    return reason if old != new else None
