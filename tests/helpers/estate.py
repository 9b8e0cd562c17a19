"""The runbook's estate, seeded into moto's server with names from the settings defaults.

Seeding goes straight to moto (clients made while AWS_ENDPOINT_URL points at it), never through a fault proxy.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from drctl.ops.figures import runbook

ACCOUNT = "123456789012"


@functools.cache
def seed_client(service: str, region: str, endpoint: str) -> Any:
    """One boto3 client per service, region and endpoint for the whole session (creating one costs ~70 ms)."""
    return boto3.client(service, region_name=region, endpoint_url=endpoint)


def velero_backup(name: str, schedule: str, started: datetime, phase: str = "Completed") -> bytes:
    """A Backup object as Velero writes it to `backups/<name>/velero-backup.json`."""
    stamp = started.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({
        "kind": "Backup", "apiVersion": "velero.io/v1",
        "metadata": {"name": name, "namespace": "velero", "labels": {"velero.io/schedule-name": schedule}},
        "spec": {"storageLocation": "default"},
        "status": {"phase": phase, "startTimestamp": stamp, "completionTimestamp": stamp},
    }).encode()


def last_daily_run(now: datetime) -> datetime:
    """02:00 UTC of the latest day whose 02:00 run is over an hour old (plain date arithmetic, not drctl's cron)."""
    run = (now - timedelta(hours=1)).replace(hour=2, minute=0, second=0, microsecond=0)
    return run if run <= now - timedelta(hours=1) else run - timedelta(days=1)


def last_weekly_run(now: datetime) -> datetime:
    run = last_daily_run(now)
    while run.isoweekday() != 7:  # Sunday
        run -= timedelta(days=1)
    return run


def put_velero_backups(endpoint: str, bucket: str, region: str, daily: datetime, weekly: datetime) -> None:
    s3 = seed_client("s3", region, endpoint)
    for name, schedule, started in (
        (f"aivo-daily-{daily:%Y%m%d%H%M%S}", "aivo-daily", daily),
        (f"aivo-daily-{daily - timedelta(days=1):%Y%m%d%H%M%S}", "aivo-daily", daily - timedelta(days=1)),
        (f"aivo-weekly-{weekly:%Y%m%d%H%M%S}", "aivo-weekly", weekly),
    ):
        s3.put_object(Bucket=bucket, Key=f"backups/{name}/velero-backup.json", Body=velero_backup(name, schedule, started))


def _bucket(endpoint: str, name: str, region: str) -> None:
    s3 = seed_client("s3", region, endpoint)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def seed(endpoint: str) -> dict[str, str]:
    """The runbook's estate as the stacks declare it, with names from the settings defaults (about 0.7 s:
    moto's server spends it under one GIL, so seeding the parts side by side gains nothing)."""
    for part in (_database, _backup_plan, _buckets, _eks_dr, _eks_primary, _alarms):
        part(endpoint)
    return {"zone_id": _dns(endpoint)}


def _database(endpoint: str) -> None:
    s = runbook()
    primary, dr = s.regions.primary, s.regions.dr
    rds = seed_client("rds", primary, endpoint)
    ec2 = seed_client("ec2", primary, endpoint)
    vpc = ec2.create_vpc(CidrBlock=s.network.cidr)["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{primary}{az}")["Subnet"]["SubnetId"]
               for cidr, az in ((s.network.cidr.replace(".0.0/16", ".100.0/24"), "a"), (s.network.cidr.replace(".0.0/16", ".101.0/24"), "b"))]
    rds.create_db_subnet_group(DBSubnetGroupName=s.database.subnet_group_name, DBSubnetGroupDescription="aivo", SubnetIds=subnets)
    db = rds.create_db_instance(DBSubnetGroupName=s.database.subnet_group_name,
        DBInstanceIdentifier=s.database.identifier, Engine="postgres", DBInstanceClass=s.database.instance_class,
        AllocatedStorage=s.database.allocated_storage, MasterUsername=s.database.master_username, MasterUserPassword="not-a-real-secret",
        BackupRetentionPeriod=s.database.backup_retention_days, PreferredBackupWindow=s.database.backup_window, MultiAZ=True,
        DBName=s.database.db_name,
    )["DBInstance"]
    rds.create_db_snapshot(DBInstanceIdentifier=s.database.identifier, DBSnapshotIdentifier="aivo-weekly-snapshot")
    seed_client("rds", dr, endpoint).create_db_instance_read_replica(
        DBInstanceIdentifier=s.database.replica_identifier, SourceDBInstanceIdentifier=db["DBInstanceArn"],
        DBInstanceClass=s.database.instance_class, SourceRegion=primary,
    )


def _backup_plan(endpoint: str) -> None:
    s = runbook()
    primary, dr = s.regions.primary, s.regions.dr
    backup = seed_client("backup", primary, endpoint)
    backup.create_backup_vault(BackupVaultName=s.weekly_snapshots.vault_name)
    seed_client("backup", dr, endpoint).create_backup_vault(BackupVaultName=f"{s.weekly_snapshots.vault_name}-{dr}")
    backup.create_backup_plan(BackupPlan={"BackupPlanName": "aivo-weekly", "Rules": [{
        "RuleName": "weekly", "TargetBackupVaultName": s.weekly_snapshots.vault_name,
        "ScheduleExpression": s.weekly_snapshots.schedule, "Lifecycle": {"DeleteAfterDays": s.weekly_snapshots.retention_days},
        "CopyActions": [{"DestinationBackupVaultArn": f"arn:aws:backup:{dr}:{ACCOUNT}:backup-vault:{s.weekly_snapshots.vault_name}-{dr}",
                         "Lifecycle": {"DeleteAfterDays": s.weekly_snapshots.copy_retention_days}}],
    }]})


def _buckets(endpoint: str) -> None:
    s = runbook()
    primary, dr = s.regions.primary, s.regions.dr
    now = datetime.now(UTC)
    s3 = seed_client("s3", primary, endpoint)
    for bucket in (s.storage.assets_bucket, s.storage.velero_bucket):
        replica = s.storage.replica_name(bucket, dr)
        _bucket(endpoint, bucket, primary)
        _bucket(endpoint, replica, dr)
        s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration={
            "Role": f"arn:aws:iam::{ACCOUNT}:role/aivo-replication",
            "Rules": [{"ID": "to-dr", "Status": "Enabled", "Priority": 1, "Filter": {}, "DeleteMarkerReplication": {"Status": "Enabled"},
                       "Destination": {"Bucket": f"arn:aws:s3:::{replica}",
                                       "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": s.storage.replication_time_minutes}},
                                       "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": s.storage.replication_time_minutes}}}}],
        })
    s3.put_bucket_lifecycle_configuration(Bucket=s.storage.assets_bucket, LifecycleConfiguration={"Rules": [{
        "ID": "noncurrent", "Status": "Enabled", "Filter": {},
        "NoncurrentVersionTransitions": [{"NoncurrentDays": s.storage.noncurrent_to_glacier_days, "StorageClass": "GLACIER"}],
        "NoncurrentVersionExpiration": {"NoncurrentDays": s.storage.noncurrent_expiration_days},
    }]})
    # moto stores replication rules but copies nothing: put the same Velero objects on both sides.
    for bucket, region in ((s.storage.velero_bucket, primary), (s.storage.replica_name(s.storage.velero_bucket, dr), dr)):
        put_velero_backups(endpoint, bucket, region, last_daily_run(now), last_weekly_run(now))


def _dns(endpoint: str) -> str:
    """As components/dns.py declares them: one HTTPS health check per regional ingress endpoint, and
    PRIMARY/SECONDARY failover CNAMEs for api and app, each health-checked. Returns the zone id."""
    s = runbook()
    primary, dr = s.regions.primary, s.regions.dr
    r53 = seed_client("route53", primary, endpoint)
    zone = r53.create_hosted_zone(Name=s.dns.zone_name, CallerReference="aivo")["HostedZone"]["Id"].split("/")[-1]
    checks = {}
    for region in (primary, dr):
        ingress = s.site.ingress[region]
        checks[region] = r53.create_health_check(CallerReference=f"health-{region}", HealthCheckConfig={
            "Type": "HTTPS", "FullyQualifiedDomainName": ingress, "ResourcePath": s.dns.health_check.path,
            "Port": 443, "RequestInterval": s.dns.health_check.request_interval, "FailureThreshold": s.dns.health_check.failure_threshold,
        })["HealthCheck"]["Id"]
    changes = [
        {"Action": "CREATE", "ResourceRecordSet": {
            "Name": name, "Type": "CNAME", "TTL": s.dns.ttl, "SetIdentifier": f"{key}-{role.lower()}", "Failover": role,
            "HealthCheckId": checks[region], "ResourceRecords": [{"Value": s.site.ingress[region]}]}}
        for key, name in (("api", s.dns.api_name), ("app", s.dns.app_name))
        for role, region in (("PRIMARY", primary), ("SECONDARY", dr))
    ]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    return zone


def _eks_dr(endpoint: str) -> None:
    s = runbook()
    eks = seed_client("eks", s.regions.dr, endpoint)
    eks.create_cluster(name="aivo-dr-eks", roleArn=f"arn:aws:iam::{ACCOUNT}:role/aivo-dr-eks", resourcesVpcConfig={"subnetIds": ["subnet-0dr1", "subnet-0dr2"]})
    standby = s.cluster.standby_node_group
    eks.create_nodegroup(clusterName="aivo-dr-eks", nodegroupName=s.cluster.node_group_name, subnets=["subnet-0dr1", "subnet-0dr2"],
                         nodeRole=f"arn:aws:iam::{ACCOUNT}:role/aivo-dr-nodes",
                         scalingConfig={"minSize": standby.min_size, "maxSize": standby.max_size, "desiredSize": standby.desired_size})


def _eks_primary(endpoint: str) -> None:
    s = runbook()
    primary_eks = seed_client("eks", s.regions.primary, endpoint)
    primary_eks.create_cluster(name="aivo-production-eks", roleArn=f"arn:aws:iam::{ACCOUNT}:role/aivo-production-eks",
                               resourcesVpcConfig={"subnetIds": ["subnet-0pr1", "subnet-0pr2"]})
    primary_eks.create_nodegroup(clusterName="aivo-production-eks", nodegroupName=s.cluster.node_group_name, subnets=["subnet-0pr1", "subnet-0pr2"],
                                 nodeRole=f"arn:aws:iam::{ACCOUNT}:role/aivo-production-nodes",
                                 scalingConfig={"minSize": 2, "maxSize": 10, "desiredSize": 2})


def _alarms(endpoint: str) -> None:
    """Every alarm the two stacks declare (stacks/detection.py), in its region, in state OK."""
    from stacks.detection import dr_alarms, primary_alarms

    for spec in [*primary_alarms(runbook("primary")), *dr_alarms(runbook("dr"))]:
        cloudwatch = seed_client("cloudwatch", spec.region, endpoint)
        cloudwatch.put_metric_alarm(
            AlarmName=spec.name, Namespace=spec.namespace, MetricName=spec.metric, Statistic=spec.statistic,
            Dimensions=[{"Name": k, "Value": v} for k, v in spec.dimensions.items()], Period=spec.period_seconds,
            EvaluationPeriods=spec.evaluation_periods, Threshold=spec.threshold, ComparisonOperator=spec.comparison,
            TreatMissingData=spec.treat_missing)
        cloudwatch.set_alarm_state(AlarmName=spec.name, StateValue="OK", StateReason="seeded")
