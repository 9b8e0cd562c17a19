"""What the stacks watch, and how fast they notice: every alarm as a spec derived from the runbook's figures.

A threshold is never a bare literal: it is a tier's RPO, a schedule's interval, the platform's objective,
less the time the alarm itself takes to fire, so that the page arrives before the promise is broken. Each
spec knows its detection time (period x evaluation periods, plus the metric's delay), which readiness
(issue: RTO/RPO from the plan) adds to a tier's recovery time. An alarm pages the PagerDuty service of the
highest tier that depends on what it watches; its name starts with that tier (`aivo-<tier>-...`), which is
also how alarms forwarded from us-east-1 are routed in us-west-2.

Which tiers use which data is `tiers_using`, from what each service says it uses (tiers.<tier>.uses): an alarm on
the database pages the highest tier whose services use the database, and so on. The cluster's state, the ingress
and the DR capacity concern every tier (every service is restored by Velero and served through the ingress).
The logs (access logs, flow logs) are no tier's data: no recovery waits for them, so their replication pages the
lowest tier, at its urgency.
"""

from __future__ import annotations

import math

from components.alarms import AlarmSpec
from components.probes.freshness import NAMESPACE
from stacks.settings import StackSettings
from stacks.settings.base import duration_minutes
from stacks.settings.cron import velero_max_gap_seconds
from stacks.settings.database import failback_replicates
from stacks.settings.tiers import restore_order
from stacks.settings.tiers import tiers_using as tiers_with

# How long a scheduled Velero backup may take before its age counts against the schedule.
VELERO_BACKUP_ALLOWANCE_SECONDS = 3600
PROBE_NAMESPACE = NAMESPACE  # the freshness probe's metrics
CANARY_NAMESPACE = "CloudWatchSynthetics"
# What an alarm watches, for `tiers_using` (the dependency model of readiness refines it): the data stores,
# the ingress (an outage) and the DR capacity a failover runs on.
STORES = ("database", "cache", "assets", "cluster-state", "ingress", "capacity", "logs")
DATA_STORES = ("database", "cache", "assets", "cluster-state")


def tiers_using(settings: StackSettings, store: str) -> list[str]:
    """The tiers whose services depend on `store`, in restore order. Every tier for the cluster's state, the ingress
    and the capacity, and for a data store no service uses (its alarm then pages for the platform); the lowest alone
    for the logs, on which no service's recovery depends."""
    if store == "logs":
        return restore_order(settings.tiers)[-1:]
    if store in ("database", "cache", "assets", "volumes"):
        return tiers_with(settings.tiers, store) or restore_order(settings.tiers)
    return restore_order(settings.tiers)


def highest_tier(settings: StackSettings, store: str) -> str:
    return tiers_using(settings, store)[0]


def strictest_rpo_seconds(settings: StackSettings, store: str) -> int:
    return min(settings.tiers[t].rpo_minutes for t in tiers_using(settings, store)) * 60


def _spec(settings: StackSettings, store: str, **kwargs: object) -> AlarmSpec:
    """An alarm on `store` at the detection settings; without a `threshold`, one derived later (`with_threshold`):
    until then NaN, which no alarm can be declared with."""
    d = settings.detection
    base: dict[str, object] = {"tier": highest_tier(settings, store), "store": store,
                               "tiers": tuple(tiers_using(settings, store)), "period_seconds": d.period_seconds,
                               "evaluation_periods": d.evaluation_periods, "delay_seconds": d.metric_delay_seconds,
                               "threshold": math.nan}
    return AlarmSpec(**{**base, **kwargs})  # type: ignore[arg-type]


def before_breach(limit_seconds: int, spec: AlarmSpec) -> float:
    """A threshold that pages before `limit_seconds` is reached: the limit less the alarm's detection time
    (at least one period: an alarm cannot see less)."""
    return float(max(limit_seconds - spec.detection_seconds, spec.period_seconds))


def with_threshold(spec: AlarmSpec, threshold: float) -> AlarmSpec:
    return AlarmSpec(**{**spec.__dict__, "threshold": threshold})


# ---- the dr stack (us-west-2) ----------------------------------------------------------------------------


def canary_name(settings: StackSettings) -> str:
    return "aivo-ingress-health"  # CloudWatch Synthetics: at most 21 characters


def canary_bucket(settings: StackSettings) -> str:
    """The canary's transient bucket (its code and run artifacts), in the DR region."""
    return f"aivo-dr-canary-{settings.account_id}-{settings.regions.dr}"


PROBE_NAME = "aivo-dr-freshness-probe"


def aurora_lag_alarms(settings: StackSettings) -> list[AlarmSpec]:
    """aurora-global standby: the secondary cluster's lag behind the primary, as Aurora publishes it (AWS/RDS, per
    DBClusterIdentifier, in the secondary's region, in milliseconds; policies/data/cloudwatch_metrics.json supplement).
    ReplicationLag pages at the replica-lag threshold; RPOLag (what a detach would lose) before the tier's RPO."""
    s, d = settings, settings.detection
    region, cluster = s.regions.dr, {"DBClusterIdentifier": s.database.replica_identifier}
    lag = _spec(s, "database", key="database-replica-lag", region=region, namespace="AWS/RDS",
                metric="AuroraGlobalDBReplicationLag", watches="replication lag (ms) of the Aurora secondary cluster",
                dimensions=cluster, statistic="Maximum", comparison="GreaterThanThreshold", treat_missing="breaching")
    rpo = _spec(s, "database", key="database-rpo-lag", region=region, namespace="AWS/RDS", metric="AuroraGlobalDBRPOLag",
                watches="RPO lag (ms) of the Aurora secondary cluster: what a detach would lose", dimensions=cluster,
                statistic="Maximum", comparison="GreaterThanThreshold", treat_missing="breaching")
    limit = strictest_rpo_seconds(s, "database")
    return [with_threshold(lag, 1000.0 * (d.replica_lag_threshold_seconds or before_breach(limit, lag))),
            with_threshold(rpo, 1000.0 * before_breach(limit, rpo))]


def replicated_backups_alarm(settings: StackSettings) -> AlarmSpec:
    """The primary's automated backups replicated into this region: the point-in-time path when the replica itself
    is lost. Watched in both modes (the flip changes nothing here): during an outage of us-east-1 it ages, as it
    must, until the failback. Not in aurora-global (no instance backups replicate; the secondary cluster is the copy)."""
    s = settings
    region = s.regions.dr
    replicated = _spec(s, "database", key="replicated-backups-age", region=region, namespace=PROBE_NAMESPACE,
                       metric="RestorableAgeSeconds", watches=f"age of {s.database.identifier}'s point-in-time backups "
                       f"replicated into {region}", dimensions={"DBInstanceIdentifier": s.database.identifier},
                       statistic="Maximum", comparison="GreaterThanThreshold", treat_missing="breaching",
                       extra_delay_seconds=s.detection.probe_rate_minutes * 60)
    return with_threshold(replicated, before_breach(duration_minutes(s.objectives.rpo) * 60, replicated))


def dr_alarms(settings: StackSettings) -> list[AlarmSpec]:
    """The DR region's alarms, in standby or (failover) pointed at the now-active us-west-2 resources."""
    s = settings
    region = s.regions.dr
    d = s.detection
    probe = d.probe_rate_minutes * 60
    failover = s.failover
    alarms = [
        # The primary region's outage, seen from outside it; after a failover, the active (DR) region's.
        _spec(s, "ingress", key="ingress-health", watches=f"HTTPS /health of the active region's ingress, "
              f"probed from {region}", region=region, namespace=CANARY_NAMESPACE, metric="SuccessPercent",
              dimensions={"CanaryName": canary_name(s)}, statistic="Average", comparison="LessThanThreshold",
              threshold=100.0, treat_missing="breaching", extra_delay_seconds=d.canary_rate_minutes * 60),
    ]
    aurora = s.database.dr_mode == "aurora-global"
    # The DR database as CloudWatch and the probe name it: the replica instance, or (aurora-global) the secondary cluster.
    db_dimension = {"DBClusterIdentifier" if aurora else "DBInstanceIdentifier": s.database.replica_identifier}
    if not failover and aurora:
        alarms += aurora_lag_alarms(s)
    elif not failover:
        # Only a replica has a lag; a promoted database has none (and the metric stops), so the flip drops it.
        lag = _spec(s, "database", key="database-replica-lag", region=region, namespace="AWS/RDS", metric="ReplicaLag",
                    watches="replication lag of the DR read replica (data a failover would lose)",
                    dimensions={"DBInstanceIdentifier": s.database.replica_identifier}, statistic="Maximum",
                    comparison="GreaterThanThreshold", treat_missing="breaching")
        threshold = d.replica_lag_threshold_seconds or before_breach(strictest_rpo_seconds(s, "database"), lag)
        alarms.append(with_threshold(lag, float(threshold)))
    if s.cache.dr_mode == "global" and not failover:
        # A Global Datastore secondary replicates shard by shard: ElastiCache publishes the lag per node (the
        # shard's first node, its primary unless a failover inside the group moved it).
        for shard in range(1, s.cache.size.num_node_groups + 1):
            node = f"{s.cache.dr_group_id}-{shard:04d}-001"
            cache_lag = _spec(s, "cache", key=f"cache-replication-lag-{shard}", region=region, namespace="AWS/ElastiCache",
                              metric="GlobalDatastoreReplicationLag", watches=f"Global Datastore replication lag of shard {shard} "
                              f"({node})", dimensions={"CacheClusterId": node}, statistic="Maximum",
                              comparison="GreaterThanThreshold", treat_missing="breaching")
            alarms.append(with_threshold(cache_lag, before_breach(strictest_rpo_seconds(s, "cache"), cache_lag)))
    alarms.append(_spec(s, "database", key="database-available", region=region, namespace=PROBE_NAMESPACE,
                        metric="DatabaseAvailable", watches=("the DR read replica is available" if not failover
                                                             else "the promoted database is available"),
                        dimensions=db_dimension, statistic="Minimum",
                        comparison="LessThanThreshold", threshold=1.0, treat_missing="breaching", extra_delay_seconds=probe))
    if not aurora:
        alarms.append(replicated_backups_alarm(s))
    if failover:
        own = _spec(s, "database", key="pitr-age", region=region, namespace=PROBE_NAMESPACE, metric="RestorableAgeSeconds",
                    watches="age of the promoted database's own point-in-time backups", dimensions=db_dimension,
                    statistic="Maximum", comparison="GreaterThanThreshold", treat_missing="breaching",
                    extra_delay_seconds=probe)
        alarms.append(with_threshold(own, before_breach(duration_minutes(s.objectives.rpo) * 60, own)))
    schedule = s.velero.daily.name if not failover else f"{s.velero.daily.name}-{region}"
    interval = velero_max_gap_seconds(s.velero.daily.schedule)  # the daily schedule's longest gap between backups
    velero_age = _spec(s, "cluster-state", key="velero-backup-age", region=region, namespace=PROBE_NAMESPACE,
                       metric="VeleroNewestBackupAgeSeconds", watches=f"age of the newest completed {schedule} backup in "
                       "the us-west-2 bucket (what the restores would use)", dimensions={"Schedule": schedule},
                       statistic="Maximum", comparison="GreaterThanThreshold", threshold=float(interval + VELERO_BACKUP_ALLOWANCE_SECONDS),
                       treat_missing="breaching", extra_delay_seconds=probe)
    alarms.append(velero_age)
    alarms.append(_spec(s, "cluster-state", key="velero-backup-failed", region=region, namespace=PROBE_NAMESPACE,
                        metric="VeleroNewestBackupFailed", watches=f"the newest {schedule} backup did not complete",
                        dimensions={"Schedule": schedule}, statistic="Maximum", comparison="GreaterThanOrEqualToThreshold",
                        threshold=1.0, treat_missing="breaching", extra_delay_seconds=probe))
    for key, metric, watches, dimension in (
        ("dr-nodes", "NodeGroupHealthy", f"node group {s.cluster.node_group_name} of {s.cluster_name} is active and healthy",
         {"ClusterName": s.cluster_name}),
        ("dr-cluster", "ClusterActive", f"the {s.cluster_name} control plane is ACTIVE", {"ClusterName": s.cluster_name}),
        ("dr-cache", "CacheAvailable", "the DR cache is available", {"ReplicationGroupId": s.cache.dr_group_id}),
    ):
        alarms.append(_spec(s, "capacity", key=key, region=region,
                            namespace=PROBE_NAMESPACE, metric=metric, watches=watches, dimensions=dimension,
                            statistic="Minimum", comparison="LessThanThreshold", threshold=1.0, treat_missing="breaching",
                            extra_delay_seconds=probe))
    return alarms


# ---- the primary stack (us-east-1) -----------------------------------------------------------------------


def primary_alarms(settings: StackSettings) -> list[AlarmSpec]:
    """us-east-1's alarms: S3 replication of every replicated bucket (RTC metrics live in the source region),
    and the primary ingress's Route53 health check (its metric exists only in us-east-1)."""
    s = settings
    region = s.regions.primary
    alarms = []
    # The replications as the data part declares them (the same records): the rule id is the rule's own.
    for pair in s.storage.replications(region, s.regions.dr):
        kind, bucket, replica = pair.kind, pair.source_bucket, pair.replica_bucket
        store = {"velero": "cluster-state"}.get(kind, kind)  # assets and logs are their own store
        dims = {"SourceBucket": bucket, "DestinationBucket": replica, "RuleId": pair.rule_id}
        latency = _spec(s, store, key=f"{kind}-replication-latency", region=region, namespace="AWS/S3",
                        metric="ReplicationLatency", watches=f"replication of {bucket} to {replica} (RTC)", dimensions=dims,
                        statistic="Maximum", comparison="GreaterThanThreshold", treat_missing="breaching")
        limit = min(strictest_rpo_seconds(s, store), s.storage.replication_time_minutes * 60)
        alarms.append(with_threshold(latency, before_breach(limit, latency)))
        alarms.append(_spec(s, store, key=f"{kind}-replication-failed", region=region, namespace="AWS/S3",
                            metric="OperationsFailedReplication", watches=f"objects of {bucket} that failed to replicate",
                            dimensions=dims, statistic="Sum", comparison="GreaterThanThreshold", threshold=0.0,
                            treat_missing="notBreaching", evaluation_periods=1))
    # aurora-global declares no failback instance (docs/aurora-global.md: the failback is by hand): nothing to watch.
    if s.database.dr_mode != "aurora-global" and failback_replicates(s.active, region, s.database.failback_promoted):
        # The failback instance replicates us-west-2 back into us-east-1: its lag bounds what a failback loses.
        lag = _spec(s, "database", key="failback-replica-lag", region=region, namespace="AWS/RDS", metric="ReplicaLag",
                    watches=f"replication lag of the failback instance {s.database.failback_identifier} (data a failback would lose)",
                    dimensions={"DBInstanceIdentifier": s.database.failback_identifier}, statistic="Maximum",
                    comparison="GreaterThanThreshold", treat_missing="breaching")
        alarms.append(with_threshold(lag, before_breach(strictest_rpo_seconds(s, "database"), lag)))
    check = s.dns.health_check
    alarms.append(_spec(s, "ingress", key="primary-ingress-health", region=region, namespace="AWS/Route53",
                        metric="HealthCheckStatus", watches="Route53's health check of the us-east-1 ingress (metrics in us-east-1 only)",
                        dimensions={"HealthCheckId": "(primary health check)"}, statistic="Minimum",
                        comparison="LessThanThreshold", threshold=1.0, treat_missing="breaching", evaluation_periods=1,
                        extra_delay_seconds=check.request_interval * check.failure_threshold))
    return alarms
