"""The data part: databases, backups, buckets and caches of this stack, and what compute and edge need of them.

Ownership (README "What each stack owns"): the primary stack owns the us-east-1 estate and the us-west-2
landing zones its replication writes into (replica buckets and their keys, the DR backup vault and its
key, the us-west-2 key of the replicated credentials secret). The dr stack owns what it runs in us-west-2:
the replica/promoted database and its key, the replicated automated backups, the DR cache, and the
backup plan of the promoted database during an outage.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from components.aurora import AuroraCluster
from components.backups import BackupRole, BackupVault, PlanArgs, VaultArgs, WeeklySnapshotPlan
from components.cache import CacheArgs, CacheShape, RedisCluster
from components.database import (
    CredentialsArgs,
    DatabasePlacement,
    InstanceArgs,
    MasterCredentials,
    MonitoringRole,
    PitrSource,
    PlacementArgs,
    PostgresInstance,
    ReplicatedBackups,
    ReplicatedBackupsArgs,
)
from components.kms import KeyArgs, RegionalKey
from components.storage import BucketRef, Lifecycle, LogBuckets, LogBucketsArgs, ReplicatedBucket, ReplicatedBucketArgs
from stacks import aurora_data
from stacks.context import StackContext
from stacks.contracts import DatabaseRef, DataParts, LogsRef
from stacks.database_shape import database_inputs, dr_replicates
from stacks.peer import PrimaryFacts, read_primary
from stacks.settings import SettingsError, StackSettings
from stacks.settings.cache import Cache as CacheSettings
from stacks.settings.database import Database as DatabaseSettings
from stacks.settings.database import failback_replicates
from stacks.settings.stack import tags_for
from stacks.settings.storage import Replication


def promotion_guard(settings: StackSettings, primary: PrimaryFacts, identifier: str) -> pulumi.Input[str]:
    """The split-brain rule on what the StackReference says (stacks/settings/rules.py split_brain sees only
    the settings fallback).

    On failover, the promotion waits for this check: if the primary stack reports that its failback
    instance is already the writer, the run stops before anything in us-west-2 becomes writable.
    """
    if not settings.failover:
        return identifier

    def check(promoted: bool) -> str:
        if promoted:
            raise SettingsError(
                "failover", True,
                "false once the primary stack's failback instance is the writer "
                "(its output databaseFailbackPromoted is true), or both regions take writes",
            )
        return identifier

    return primary.failback_promoted.apply(check)


def rds_arn(region: str, account: str, identifier: str) -> str:
    return f"arn:aws:rds:{region}:{account}:db:{identifier}"


def cache_shape(role: str, failover: bool, cache: CacheSettings) -> CacheShape | None:
    """The size a region's cache is declared at; None where it is not ours to size.

    primary: production size. dr, warm: the standby size, production size on failover (online resharding
    and replica changes: an in-place update, no replacement). dr, global: a Global Datastore secondary
    takes its shape from the global group (the provider refuses num_node_groups on a secondary).
    """
    if role == "dr" and cache.dr_mode == "global":
        return None
    size = cache.size if role == "primary" or failover else cache.standby_size
    return CacheShape(size.node_type, size.num_node_groups, size.replicas_per_node_group)


def build(ctx: StackContext) -> DataParts:
    """The data tier of this stack (settings were checked whole at load time, including split brain)."""
    return _primary(ctx) if ctx.settings.role == "primary" else _dr(ctx)


def logging_parameters(db: DatabaseSettings) -> dict[str, str]:
    """The PostgreSQL logging parameters every parameter group carries (values as RDS takes them: strings)."""
    return {"log_statement": db.log_statement, "log_min_duration_statement": str(db.log_min_duration_statement_ms)}


def monitoring_role(ctx: StackContext) -> MonitoringRole:
    """This stack's Enhanced Monitoring role (IAM is global: one serves the stack's instances in every region)."""
    s = ctx.settings
    name = s.database.identifier if s.role == "primary" else s.database.replica_identifier
    return MonitoringRole(f"{s.role}-database-monitoring", f"{name}-monitoring", s.account_id, tags_for(s, "postgres"),
                          opts=ctx.opts())


def _placement(ctx: StackContext, name: str, region: str) -> DatabasePlacement:
    s = ctx.settings
    db = s.database
    return DatabasePlacement(
        name,
        PlacementArgs(
            region=region, vpc_id=ctx.network.vpc_id, vpc_cidr=ctx.network.vpc_cidr,
            subnet_ids=ctx.network.private_subnet_ids, subnet_group_name=db.subnet_group_name,
            parameter_group_name=f"{db.identifier}-{db.parameter_family}", parameter_family=db.parameter_family,
            port=db.port, tags=tags_for(s, "postgres"), parameters=logging_parameters(db),
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
    if replicated is None or restore.source != settings.database.identifier:  # refused at load (rules.restore_problem)
        raise SettingsError("database.restore.source", restore.source, "an instance of this stack's region")
    return PitrSource(automated_backups_arn=replicated.arn, time=restore.time)


def _restored(ctx: StackContext, region: str, placement: DatabasePlacement, key: RegionalKey, monitoring: MonitoringRole,
              source: PitrSource | None, after: list[pulumi.Resource]) -> PostgresInstance | None:
    """Runbook "Database Point-in-Time Recovery": a recovered instance beside the original, never in its place."""
    s = ctx.settings
    if source is None or s.database.restore is None:
        return None
    shape = database_inputs("restored", False, s.database)
    return PostgresInstance(
        f"{s.role}-restored-database",
        InstanceArgs(region=region, shape=shape, placement=placement, kms_key_arn=key.arn, tags=tags_for(s, "postgres"),
                     monitoring_role_arn=monitoring.arn, restore=source, depends_on=after),
        opts=ctx.opts(region),
    )


def replication(s: StackSettings, kind: str) -> Replication:
    """The declared replication of one kind of bucket (stacks/settings/storage.py): the one record its bucket pair,
    its rule and the alarms on its metrics (stacks/detection.py) are all built from."""
    return next(r for r in s.storage.replications(s.regions.primary, s.regions.dr) if r.kind == kind)


def _lifecycle(s: StackSettings) -> Lifecycle:
    st = s.storage
    return Lifecycle(st.noncurrent_to_glacier_days, st.noncurrent_expiration_days, st.abort_incomplete_multipart_days)


def log_buckets(settings: StackSettings, providers: Mapping[str, pulumi.ProviderResource]) -> LogsRef:
    """The log buckets, one per region, declared first (the network's flow logs go there) by the primary stack.

    The primary owns both, as it owns the us-west-2 landing zones of its replication: its us-east-1 logs replicate
    into the us-west-2 one, which the dr stack's logs (its flow logs, its buckets' access logs) use too; the dr stack
    only delivers into them, by name.
    """
    s = settings
    east, west = s.regions.primary, s.regions.dr
    names = {region: s.storage.log_bucket(region) for region in (east, west)}
    if s.role != "primary":
        return LogsRef(buckets=names)
    pair = replication(s, "logs")
    logs = LogBuckets("logs", LogBucketsArgs(
        source_bucket=pair.source_bucket, replica_bucket=pair.replica_bucket, source_region=pair.source_region,
        replica_region=pair.replica_region, source_provider=providers[east], replica_provider=providers[west],
        account_id=s.account_id, lifecycle=_lifecycle(s), retention_days=s.storage.log_retention_days,
        replication_time_minutes=s.storage.replication_time_minutes, rule_id=pair.rule_id, tags=tags_for(s, "logs"),
    ))
    return LogsRef(buckets=names, ready=(logs,))


def _primary_instances(ctx: StackContext, placement: DatabasePlacement, db_key: RegionalKey, monitoring: MonitoringRole,
                       credentials: MasterCredentials, local: dict[str, PostgresInstance],
                       ) -> tuple[PostgresInstance | None, PostgresInstance | None, bool | None, PostgresInstance]:
    """drMode rds-replica: the writer and (failback) the us-east-1 replica of us-west-2, filling `local` by identifier;
    returns (writer, failback, whether it replicates, the current writer)."""
    s = ctx.settings
    db = s.database
    east, west = s.regions.primary, s.regions.dr
    pg_tags = tags_for(s, "postgres")
    writer: PostgresInstance | None = None
    if not db.retire_original:
        writer = PostgresInstance(
            "primary-database",
            InstanceArgs(region=east, shape=database_inputs("writer", False, db), placement=placement, kms_key_arn=db_key.arn,
                         tags=pg_tags, monitoring_role_arn=monitoring.arn, password=credentials.password,
                         password_version=db.password_version),
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
                         kms_key_arn=db_key.arn, tags=pg_tags, monitoring_role_arn=monitoring.arn,
                         source_arn=rds_arn(west, s.account_id, db.replica_identifier)),
            opts=ctx.opts(east),
        )
        local[db.failback_identifier] = failback
    current = failback if (failback is not None and fb_replicates is False) else writer
    assert current is not None  # settings guarantee it: retireOriginal requires the promoted failback instance
    credentials.store("primary-database-credentials", writer.address if writer is not None else current.address)
    return writer, failback, fb_replicates, current


def _primary(ctx: StackContext) -> DataParts:
    s = ctx.settings
    db = s.database
    east, west = s.regions.primary, s.regions.dr
    pg_tags = tags_for(s, "postgres")

    # ---- database --------------------------------------------------------------------------------
    # The writer's storage, its Performance Insights and its credentials secret; RDS uses it in us-east-1 to send
    # changes and backups to us-west-2, where they are re-encrypted with a key of that region.
    db_key = RegionalKey("primary-database-kms", KeyArgs(east, db.identifier, f"RDS {db.identifier}", pg_tags, ctx.keys,
                                                         services=("rds", "secretsmanager")), opts=ctx.opts(east))
    secret_key_dr = RegionalKey(
        "primary-database-secret-dr-kms",
        KeyArgs(west, f"{db.identifier}-secret", f"Replica of the {db.identifier} credentials secret", pg_tags, ctx.keys,
                services=("secretsmanager",)),
        opts=ctx.opts(west),
    )
    aurora = db.dr_mode == "aurora-global"
    # The RDS instances' placement; an Aurora cluster has its own (components/aurora.py).
    placement = None if aurora else _placement(ctx, "primary-database-placement", east)
    monitoring = monitoring_role(ctx)
    credentials = MasterCredentials(
        "primary-database-credentials",
        CredentialsArgs(region=east, replica_region=west, name=f"{db.identifier}/master", kms_key_arn=db_key.arn,
                        replica_kms_key_arn=secret_key_dr.arn, username=db.master_username, db_name=db.db_name,
                        port=db.port, password_version=db.password_version, tags=pg_tags),
        opts=ctx.opts(east),
    )
    writer: PostgresInstance | AuroraCluster | None = None
    local: dict[str, PostgresInstance] = {}
    failback: PostgresInstance | None = None
    fb_replicates: bool | None = None
    current: PostgresInstance | AuroraCluster
    restored: PostgresInstance | None = None
    if placement is None:
        writer = current = aurora_data.primary_cluster(ctx, db_key, monitoring, credentials, logging_parameters(db))
        credentials.store("primary-database-credentials", writer.address)
    else:
        writer, failback, fb_replicates, current = _primary_instances(ctx, placement, db_key, monitoring, credentials, local)
        restored = _restored(ctx, east, placement, db_key, monitoring, _restore_source(s, local, None), [current.instance])

    # ---- object storage ----------------------------------------------------------------------------
    st = s.storage
    buckets = {}
    for kind in ("assets", "velero"):
        pair = replication(s, kind)
        buckets[kind] = ReplicatedBucket(
            kind,
            ReplicatedBucketArgs(
                source_bucket=pair.source_bucket, replica_bucket=pair.replica_bucket, source_region=pair.source_region,
                replica_region=pair.replica_region, source_provider=ctx.provider(east), replica_provider=ctx.provider(west),
                lifecycle=_lifecycle(s), replication_time_minutes=st.replication_time_minutes if st.replication_time_control else None,
                rule_id=pair.rule_id, tags=tags_for(s, f"{kind}-storage"), keys=ctx.keys,
                log_buckets=dict(ctx.logs.buckets),
            ),
            # Access logging needs the log buckets' policies in place first.
            opts=pulumi.ResourceOptions(depends_on=list(ctx.logs.ready)),
        )

    # ---- AWS Backup ----------------------------------------------------------------------------------
    ws = s.weekly_snapshots
    backup_tags = tags_for(s, "backups")
    vault = BackupVault("primary-backup-vault", VaultArgs(east, ws.vault_name, backup_tags, ctx.keys), opts=ctx.opts(east))
    vault_dr = BackupVault("dr-backup-vault", VaultArgs(west, ws.vault_name, backup_tags, ctx.keys), opts=ctx.opts(west))
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
        _cache_args(s, east, c.replication_group_id, ctx, apply_immediately=False, create_global_group=c.dr_mode == "global"),
        opts=ctx.opts(east),
    )

    velero = buckets["velero"]
    assets = buckets["assets"]
    outputs: dict[str, pulumi.Input[object]] = {
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
    if aurora:
        # The enforced RPO bound (rds.global_db_rpo) readiness can hold against the tiers' RPOs.
        outputs["databaseGlobalClusterIdentifier"] = db.global_cluster_identifier
        outputs["databaseGlobalRpoSeconds"] = db.global_rpo_seconds
    return DataParts(
        velero_bucket=BucketRef(region=east, name=velero.source_name, arn=velero.source_arn, kms_key_arn=velero.source_key_arn),
        databases={east: DatabaseRef(region=east, identifier=current.identifier, arn=current.arn, address=current.address,
                                     port=db.port, writable=s.is_active)},
        database_ready=(current.instance,),
        primary=None,
        exports=outputs,
        logs=ctx.logs,
    )


def _cache_args(s: StackSettings, region: str, group_id: str, ctx: StackContext, apply_immediately: bool,
                create_global_group: bool = False, global_group_id: pulumi.Input[str] | None = None) -> CacheArgs:
    c = s.cache
    return CacheArgs(
        region=region, replication_group_id=group_id, engine_version=c.engine_version,
        size=cache_shape(s.role, s.failover, c), snapshot_retention_days=c.snapshot_retention_days,
        snapshot_window=c.snapshot_window, maintenance_window=c.maintenance_window, vpc_id=ctx.network.vpc_id,
        vpc_cidr=ctx.network.vpc_cidr, subnet_ids=ctx.network.private_subnet_ids, tags=tags_for(s, "redis"),
        apply_immediately=apply_immediately, create_global_group=create_global_group, global_group_id=global_group_id,
        keys=ctx.keys,
    )


def _dr_instance(ctx: StackContext, placement: DatabasePlacement, db_key: RegionalKey, monitoring: MonitoringRole,
                 facts: PrimaryFacts) -> tuple[PostgresInstance, ReplicatedBackups]:
    """drMode rds-replica: the replica (promoted on failover) and the primary's backups replicated into us-west-2."""
    s = ctx.settings
    db = s.database
    west = s.regions.dr
    pg_tags = tags_for(s, "postgres")
    shape = database_inputs("dr", dr_replicates(s.failover), db)
    # Same logical name and identifier in standby and failover: the flip promotes this very instance.
    instance = PostgresInstance(
        "dr-database",
        InstanceArgs(region=west, shape=shape, placement=placement, kms_key_arn=db_key.arn, tags=pg_tags,
                     monitoring_role_arn=monitoring.arn, source_arn=facts.database_arn, guard=promotion_guard(s, facts, shape.identifier)),
        opts=ctx.opts(west),
    )
    replicated = ReplicatedBackups(
        "dr-database-backups",
        ReplicatedBackupsArgs(region=west, source_arn=facts.database_arn, kms_key_arn=db_key.arn,
                              retention_days=db.backup_retention_days),
        opts=ctx.opts(west),
    )
    _restored(ctx, west, placement, db_key, monitoring, _restore_source(s, {db.replica_identifier: instance}, replicated), [instance.instance])
    return instance, replicated


def _dr(ctx: StackContext) -> DataParts:
    s = ctx.settings
    db = s.database
    west = s.regions.dr
    east = s.regions.primary
    facts = read_primary(s)
    pg_tags = tags_for(s, "postgres")

    # The replica, its promoted self, its Performance Insights and the primary's backups replicated into us-west-2.
    db_key = RegionalKey("dr-database-kms", KeyArgs(west, db.replica_identifier, f"RDS {db.replica_identifier}", pg_tags,
                                                    ctx.keys, services=("rds",)), opts=ctx.opts(west))
    placement = None if db.dr_mode == "aurora-global" else _placement(ctx, "dr-database-placement", west)
    monitoring = monitoring_role(ctx)  # in standby too: the promoted instance keeps it, so a failover creates no IAM
    instance: PostgresInstance | AuroraCluster
    replicated: ReplicatedBackups | None = None
    if placement is None:
        # A secondary of the global database, detached (a writer) on failover: nothing here reads us-east-1.
        instance = aurora_data.dr_cluster(ctx, db_key, monitoring, promotion_guard(s, facts, db.replica_identifier),
                                           logging_parameters(db))
    else:
        instance, replicated = _dr_instance(ctx, placement, db_key, monitoring, facts)
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
        _cache_args(s, west, c.dr_group_id, ctx, apply_immediately=True,
                    global_group_id=facts.cache_global_group_id),
        opts=ctx.opts(west),
    )

    velero_name = s.storage.replica_name(s.storage.velero_bucket, west)
    return DataParts(
        velero_bucket=BucketRef(region=west, name=velero_name, arn=f"arn:aws:s3:::{velero_name}",
                                kms_key_arn=facts.velero_replica_kms_key_arn),
        databases={
            west: DatabaseRef(region=west, identifier=instance.identifier, arn=instance.arn, address=instance.address,
                              port=db.port, writable=s.failover),
            east: DatabaseRef(region=east, identifier=db.identifier, arn=facts.database_arn, address=facts.database_address,
                              port=db.port, writable=not s.failover),
        },
        # Restores on failover wait for the promotion.
        database_ready=(instance.instance,),
        primary=facts,
        exports={
            "drDatabaseArn": instance.arn,
            "drDatabaseAddress": instance.address,
            "drDatabaseIdentifier": instance.identifier,
            "drDatabaseWritable": s.failover,
            "drDatabaseSecretArn": facts.database_secret_arn_dr,
            **({"drReplicatedBackupsArn": replicated.arn} if replicated is not None else {}),
            "drCacheEndpoint": cache.endpoint,
            "drCacheAppUser": cache.app_user_id,
        },
        logs=ctx.logs,
    )
