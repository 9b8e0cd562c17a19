"""The data part: databases, backups, buckets and caches of this stack, and what compute and edge need of them.

Ownership (README "What each stack owns"): the primary stack owns the us-east-1 estate and the us-west-2
landing zones its replication writes into (replica buckets and their keys, the DR backup vault and its
key, the us-west-2 key of the replicated credentials secret). The dr stack owns what it runs in us-west-2:
the replica/promoted database and its key, the replicated automated backups, the DR cache, and the
backup plan of the promoted database during an outage.
"""

from __future__ import annotations

import pulumi

from components.backups import BackupRole, BackupVault, PlanArgs, VaultArgs, WeeklySnapshotPlan
from components.cache import CacheArgs, RedisCluster, cache_size
from components.database import (
    CredentialsArgs,
    DatabasePlacement,
    InstanceArgs,
    MasterCredentials,
    PitrSource,
    PlacementArgs,
    PostgresInstance,
    ReplicatedBackups,
    ReplicatedBackupsArgs,
    database_inputs,
    dr_replicates,
    failback_replicates,
)
from components.kms import KeyArgs, RegionalKey
from components.storage import Lifecycle, ReplicatedBucket, ReplicatedBucketArgs
from stacks.context import StackContext
from stacks.contracts import BucketRef, DatabaseRef, DataParts
from stacks.peer import PeerFacts, effective_fallback, peer_facts
from stacks.settings import SettingsError, StackSettings
from stacks.settings.stack import tags_for


def split_brain(settings: StackSettings) -> tuple[str, object, str] | None:
    """The first setting that would leave both regions' databases writable, as (key, value, allowed), or None.

    - primary: the failback instance is promoted only once activeRegion is back to us-east-1; promoting it
      while us-west-2 is active would make a second writer.
    - dr: failover while the primary stack says its failback instance is already the writer (known from
      peer.fallback.databaseFailbackPromoted) would promote us-west-2 beside it.
    """
    s = settings
    if s.role == "primary" and s.active != s.regions.primary and s.database.failback_promoted:
        return (
            "database.failbackPromoted", True,
            f"false while activeRegion is {s.active}: promote the failback instance only after activeRegion "
            f"is back to {s.regions.primary}, or both regions take writes",
        )
    if s.role == "primary" and s.database.retire_original and not s.database.failback_promoted:
        return (
            "database.retireOriginal", True,
            "true only once database.failbackPromoted is true: the original writer is retired after the "
            "failback instance has become the writer",
        )
    if s.role == "dr" and s.failover and effective_fallback(s).get("databaseFailbackPromoted") == "true":
        return (
            "failover", True,
            "false once the primary stack's failback instance is the writer "
            "(peer.fallback.databaseFailbackPromoted is true), or both regions take writes",
        )
    return None


def promotion_guard(settings: StackSettings, facts: PeerFacts, identifier: str) -> pulumi.Input[str]:
    """The split-brain rule on what the StackReference says (split_brain sees only the settings fallback).

    On failover, the promotion waits for this check: if the primary stack reports that its failback
    instance is already the writer, the run stops before anything in us-west-2 becomes writable.
    """
    if not settings.failover:
        return identifier

    def check(promoted: str) -> str:
        if promoted == "true":
            raise SettingsError(
                "failover", True,
                "false once the primary stack's failback instance is the writer "
                "(its output databaseFailbackPromoted is true), or both regions take writes",
            )
        return identifier

    return facts["databaseFailbackPromoted"].apply(check)


def rds_arn(region: str, account: str, identifier: str) -> str:
    return f"arn:aws:rds:{region}:{account}:db:{identifier}"


def build(ctx: StackContext) -> dict[str, pulumi.Input]:
    problem = split_brain(ctx.settings)
    if problem:
        raise SettingsError(*problem)
    return _primary(ctx) if ctx.settings.role == "primary" else _dr(ctx)


def _placement(ctx: StackContext, name: str, region: str) -> DatabasePlacement:
    s = ctx.settings
    db = s.database
    return DatabasePlacement(
        name,
        PlacementArgs(
            region=region, vpc_id=ctx.network.vpc_id, vpc_cidr=ctx.network.vpc_cidr,
            subnet_ids=ctx.network.private_subnet_ids, subnet_group_name=db.subnet_group_name,
            parameter_group_name=f"{db.identifier}-{db.parameter_family}", parameter_family=db.parameter_family,
            port=db.port, tags=tags_for(s, "postgres"),
        ),
        opts=ctx.opts(region),
    )


def _restore_source(settings: StackSettings, local: dict[str, PostgresInstance],
                    replicated: ReplicatedBackups | None) -> PitrSource | None:
    """`database.restore` as a PITR source in this stack's region: one of its instances, or (dr stack) the
    primary's automated backups replicated into us-west-2, named by the primary's identifier."""
    restore = settings.database.restore
    if restore is None:
        return None
    if restore.source in local:
        return PitrSource(instance_identifier=local[restore.source].identifier, time=restore.time)
    if replicated is not None and restore.source == settings.database.identifier:
        return PitrSource(automated_backups_arn=replicated.arn, time=restore.time)
    allowed = sorted(local) + ([settings.database.identifier] if replicated is not None else [])
    raise SettingsError("database.restore.source", restore.source, f"an instance of this stack's region: {' or '.join(allowed)}")


def _restored(ctx: StackContext, region: str, placement: DatabasePlacement, key: RegionalKey,
              source: PitrSource | None, after: list[pulumi.Resource]) -> PostgresInstance | None:
    """Runbook "Database Point-in-Time Recovery": a recovered instance beside the original, never in its place."""
    s = ctx.settings
    if source is None or s.database.restore is None:
        return None
    shape = database_inputs("restored", False, s.database)
    return PostgresInstance(
        f"{s.role}-restored-database",
        InstanceArgs(region=region, shape=shape, placement=placement,
                     kms_key_arn=key.arn, tags=tags_for(s, "postgres"), restore=source, depends_on=after),
        opts=ctx.opts(region),
    )


def _lifecycle(s: StackSettings) -> Lifecycle:
    st = s.storage
    return Lifecycle(st.noncurrent_to_glacier_days, st.noncurrent_expiration_days, st.abort_incomplete_multipart_days)


def _primary(ctx: StackContext) -> dict[str, pulumi.Input]:
    s = ctx.settings
    db = s.database
    east, west = s.regions.primary, s.regions.dr
    pg_tags = tags_for(s, "postgres")

    # ---- database --------------------------------------------------------------------------------
    db_key = RegionalKey("primary-database-kms", KeyArgs(east, db.identifier, f"RDS {db.identifier}", pg_tags), opts=ctx.opts(east))
    secret_key_dr = RegionalKey(
        "primary-database-secret-dr-kms",
        KeyArgs(west, f"{db.identifier}-secret", f"Replica of the {db.identifier} credentials secret", pg_tags),
        opts=ctx.opts(west),
    )
    placement = _placement(ctx, "primary-database-placement", east)
    credentials = MasterCredentials(
        "primary-database-credentials",
        CredentialsArgs(region=east, replica_region=west, name=f"{db.identifier}/master", kms_key_arn=db_key.arn,
                        replica_kms_key_arn=secret_key_dr.arn, username=db.master_username, db_name=db.db_name,
                        port=db.port, password_version=db.password_version, tags=pg_tags),
        opts=ctx.opts(east),
    )
    writer: PostgresInstance | None = None
    local: dict[str, PostgresInstance] = {}
    if not db.retire_original:
        writer = PostgresInstance(
            "primary-database",
            InstanceArgs(region=east, shape=database_inputs("writer", False, db), placement=placement, kms_key_arn=db_key.arn,
                         tags=pg_tags, password=credentials.password, password_version=db.password_version),
            opts=ctx.opts(east),
        )
        local[db.identifier] = writer
    fb_replicates = failback_replicates(s.active, east, db.failback_promoted)
    failback: PostgresInstance | None = None
    if fb_replicates is not None:
        # Failback: a NEW replica of the us-west-2 database; the old writer above stays declared as it was.
        failback = PostgresInstance(
            "primary-failback-database",
            InstanceArgs(region=east, shape=database_inputs("failback", fb_replicates, db), placement=placement,
                         kms_key_arn=db_key.arn, tags=pg_tags, source_arn=rds_arn(west, s.account_id, db.replica_identifier)),
            opts=ctx.opts(east),
        )
        local[db.failback_identifier] = failback
    current = failback if (failback is not None and fb_replicates is False) else writer
    assert current is not None  # settings guarantee it: retireOriginal requires the promoted failback instance
    credentials.store("primary-database-credentials", writer.address if writer is not None else current.address)
    restored = _restored(ctx, east, placement, db_key, _restore_source(s, local, None), [current.instance])

    # ---- object storage ----------------------------------------------------------------------------
    st = s.storage
    buckets = {}
    for kind, bucket in (("assets", st.assets_bucket), ("velero", st.velero_bucket)):
        buckets[kind] = ReplicatedBucket(
            kind,
            ReplicatedBucketArgs(
                source_bucket=bucket, replica_bucket=st.replica_name(bucket, west), source_region=east, replica_region=west,
                source_provider=ctx.provider(east), replica_provider=ctx.provider(west), lifecycle=_lifecycle(s),
                replication_time_minutes=st.replication_time_minutes, tags=tags_for(s, f"{kind}-storage"),
            ),
        )

    # ---- AWS Backup ----------------------------------------------------------------------------------
    ws = s.weekly_snapshots
    backup_tags = tags_for(s, "backups")
    vault = BackupVault("primary-backup-vault", VaultArgs(east, ws.vault_name, backup_tags), opts=ctx.opts(east))
    vault_dr = BackupVault("dr-backup-vault", VaultArgs(west, ws.vault_name, backup_tags), opts=ctx.opts(west))
    role = BackupRole("primary-backup", f"{ws.vault_name}-{east}", backup_tags, opts=ctx.opts(east))
    # The writers, and a recovered instance: it may become production (runbook PITR step 4).
    selected: list[pulumi.Input[str]] = [
        instance.arn for instance in (writer, failback if not fb_replicates else None, restored) if instance is not None
    ]
    WeeklySnapshotPlan(
        "primary-weekly-snapshots",
        PlanArgs(region=east, plan_name=f"{ws.vault_name}-weekly", vault_name=vault.name, schedule=ws.schedule,
                 retention_days=ws.retention_days, start_window_minutes=ws.start_window_minutes,
                 completion_window_minutes=ws.completion_window_minutes, role_arn=role.arn, resources=selected,
                 tags=backup_tags, copy_vault_arn=vault_dr.arn, copy_retention_days=ws.copy_retention_days),
        opts=ctx.opts(east),
    )

    # ---- cache -----------------------------------------------------------------------------------------
    c = s.cache
    cache = RedisCluster(
        "primary-cache",
        CacheArgs(region=east, replication_group_id=c.replication_group_id, settings=c,
                  size=cache_size("primary", c.dr_mode, False, c), vpc_id=ctx.network.vpc_id, vpc_cidr=ctx.network.vpc_cidr,
                  subnet_ids=ctx.network.private_subnet_ids, tags=tags_for(s, "redis"), apply_immediately=False,
                  create_global_group=c.dr_mode == "global"),
        opts=ctx.opts(east),
    )

    velero = buckets["velero"]
    ctx.parts["data"] = DataParts(
        velero_bucket=BucketRef(region=east, name=velero.source_name, arn=velero.source_arn, kms_key_arn=velero.source_key_arn),
        databases={east: DatabaseRef(region=east, identifier=current.identifier, arn=current.arn, address=current.address,
                                     port=db.port, writable=s.is_active)},
        database_ready=[current.instance],
    )
    assets = buckets["assets"]
    outputs: dict[str, pulumi.Input] = {
        # Read by the dr stack (stacks/peer.py PRIMARY_EXPORTS).
        # The current writer: the original one, or the failback instance once it is promoted.
        "databaseArn": current.arn,
        "databaseAddress": current.address,
        "databaseSecretArnDr": credentials.replica_secret_arn,
        "veleroReplicaBucket": velero.replica_name,
        "veleroReplicaKmsKeyArn": velero.replica_key_arn,
        "assetsReplicaBucket": assets.replica_name,
        "assetsReplicaKmsKeyArn": assets.replica_key_arn,
        "backupVaultArnDr": vault_dr.arn,
        "vpcCidr": ctx.network.vpc_cidr,
        "databaseFailbackPromoted": "true" if fb_replicates is False else "false",
        # For operators and the other parts of this stack.
        "databaseIdentifier": (writer or current).identifier,
        "databaseSecretArn": credentials.secret_arn,
        "writerDatabaseAddress": current.address,
        "assetsBucket": assets.source_name,
        "veleroBucket": velero.source_name,
        "backupVaultArn": vault.arn,
        "cacheEndpoint": cache.endpoint,
    }
    if cache.global_group_id is not None:
        outputs["cacheGlobalGroupId"] = cache.global_group_id
    if failback is not None:
        outputs["failbackDatabaseArn"] = failback.arn
    return outputs


def _dr(ctx: StackContext) -> dict[str, pulumi.Input]:
    s = ctx.settings
    db = s.database
    west = s.regions.dr
    east = s.regions.primary
    facts: PeerFacts = peer_facts(s)
    pg_tags = tags_for(s, "postgres")

    db_key = RegionalKey("dr-database-kms", KeyArgs(west, db.replica_identifier, f"RDS {db.replica_identifier}", pg_tags),
                         opts=ctx.opts(west))
    placement = _placement(ctx, "dr-database-placement", west)
    shape = database_inputs("dr", dr_replicates(s.failover), db)
    # Same logical name and identifier in standby and failover: the flip promotes this very instance.
    instance = PostgresInstance(
        "dr-database",
        InstanceArgs(region=west, shape=shape, placement=placement, kms_key_arn=db_key.arn, tags=pg_tags,
                     source_arn=facts["databaseArn"], guard=promotion_guard(s, facts, shape.identifier)),
        opts=ctx.opts(west),
    )
    replicated = ReplicatedBackups(
        "dr-database-backups",
        ReplicatedBackupsArgs(region=west, source_arn=facts["databaseArn"], kms_key_arn=db_key.arn,
                              retention_days=db.backup_retention_days),
        opts=ctx.opts(west),
    )
    _restored(ctx, west, placement, db_key, _restore_source(s, {db.replica_identifier: instance}, replicated), [instance.instance])

    # The promoted database is backed up in us-west-2 while us-east-1 is down: the weekly plan of the
    # runbook, into the us-west-2 vault the primary stack owns (copies to us-east-1 resume after failback).
    # The role exists in standby too, so the failover itself creates no IAM resource.
    ws = s.weekly_snapshots
    backup_tags = tags_for(s, "backups")
    role = BackupRole("dr-backup", f"{ws.vault_name}-{west}", backup_tags, opts=ctx.opts(west))
    if s.failover:
        WeeklySnapshotPlan(
            "dr-weekly-snapshots",
            PlanArgs(region=west, plan_name=f"{ws.vault_name}-weekly-dr", vault_name=ws.vault_name, schedule=ws.schedule,
                     retention_days=ws.retention_days, start_window_minutes=ws.start_window_minutes,
                     completion_window_minutes=ws.completion_window_minutes, role_arn=role.arn,
                     resources=[instance.arn], tags=backup_tags),
            opts=ctx.opts(west),
        )

    c = s.cache
    cache = RedisCluster(
        "dr-cache",
        CacheArgs(region=west, replication_group_id=f"{c.replication_group_id}-dr", settings=c,
                  size=cache_size("dr", c.dr_mode, s.failover, c), vpc_id=ctx.network.vpc_id, vpc_cidr=ctx.network.vpc_cidr,
                  subnet_ids=ctx.network.private_subnet_ids, tags=tags_for(s, "redis"), apply_immediately=True,
                  global_group_id=facts["cacheGlobalGroupId"] if c.dr_mode == "global" else None),
        opts=ctx.opts(west),
    )

    velero_name = s.storage.replica_name(s.storage.velero_bucket, west)
    ctx.parts["data"] = DataParts(
        velero_bucket=BucketRef(region=west, name=velero_name, arn=f"arn:aws:s3:::{velero_name}",
                                kms_key_arn=facts["veleroReplicaKmsKeyArn"]),
        databases={
            west: DatabaseRef(region=west, identifier=instance.identifier, arn=instance.arn, address=instance.address,
                              port=db.port, writable=s.failover),
            east: DatabaseRef(region=east, identifier=db.identifier, arn=facts["databaseArn"], address=facts["databaseAddress"],
                              port=db.port, writable=not s.failover),
        },
        # Restores on failover wait for the promotion.
        database_ready=[instance.instance],
        peer=dict(facts.values),
        peer_vpc_id=facts["vpcId"],
    )
    return {
        "drDatabaseArn": instance.arn,
        "drDatabaseAddress": instance.address,
        "drDatabaseIdentifier": instance.identifier,
        "drDatabaseWritable": s.failover,
        "drDatabaseSecretArn": facts["databaseSecretArnDr"],
        "drReplicatedBackupsArn": replicated.arn,
        "drCacheEndpoint": cache.endpoint,
        "drCacheAppUser": cache.app_user_id,
    }
