"""The ops suite's world: moto's server on 127.0.0.1 seeded as the runbook's estate, and a real PostgreSQL.

PostgreSQL comes from AIVO_DR_TEST_PG_DSN (.ci/run starts one and exports it); without it, a throw-away
cluster is started here with initdb/pg_ctl when they are installed. Under CI=true a missing PostgreSQL
is a failure, never a skip.
"""

from __future__ import annotations

import functools
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.ops.aws import reset_clients
from drctl.ops.figures import runbook

ACCOUNT = "123456789012"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server in its own process (the in-thread server shares our GIL and is several times slower)."""
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).read()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"moto_server did not start on {endpoint}")
            time.sleep(0.1)
    yield endpoint
    server.kill()
    server.wait(timeout=10)
    reset_clients()
    _client.cache_clear()


@pytest.fixture
def aws_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """boto3 pointed at moto with dummy credentials, for this test only (other suites see the real environment)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for key in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(key, raising=False)
    return moto_endpoint


@functools.cache
def _client(service: str, region: str) -> Any:
    """One boto3 client per service and region for the whole session (creating one costs ~70 ms)."""
    return boto3.client(service, region_name=region)


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


def put_velero_backups(bucket: str, region: str, daily: datetime, weekly: datetime) -> None:
    s3 = _client("s3", region)
    for name, schedule, started in (
        (f"aivo-daily-{daily:%Y%m%d%H%M%S}", "aivo-daily", daily),
        (f"aivo-daily-{daily - timedelta(days=1):%Y%m%d%H%M%S}", "aivo-daily", daily - timedelta(days=1)),
        (f"aivo-weekly-{weekly:%Y%m%d%H%M%S}", "aivo-weekly", weekly),
    ):
        s3.put_object(Bucket=bucket, Key=f"backups/{name}/velero-backup.json", Body=velero_backup(name, schedule, started))


def _bucket(name: str, region: str) -> None:
    s3 = _client("s3", region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def seed() -> dict[str, str]:
    """The runbook's estate as the stacks declare it, with names from the settings defaults."""
    s = runbook()
    primary, dr = s.regions.primary, s.regions.dr
    now = datetime.now(UTC)
    rds = _client("rds", primary)
    ec2 = _client("ec2", primary)
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
    _client("rds", dr).create_db_instance_read_replica(
        DBInstanceIdentifier=s.database.replica_identifier, SourceDBInstanceIdentifier=db["DBInstanceArn"],
        DBInstanceClass=s.database.instance_class, SourceRegion=primary,
    )
    backup = _client("backup", primary)
    backup.create_backup_vault(BackupVaultName=s.weekly_snapshots.vault_name)
    _client("backup", dr).create_backup_vault(BackupVaultName=f"{s.weekly_snapshots.vault_name}-{dr}")
    backup.create_backup_plan(BackupPlan={"BackupPlanName": "aivo-weekly", "Rules": [{
        "RuleName": "weekly", "TargetBackupVaultName": s.weekly_snapshots.vault_name,
        "ScheduleExpression": s.weekly_snapshots.schedule, "Lifecycle": {"DeleteAfterDays": s.weekly_snapshots.retention_days},
        "CopyActions": [{"DestinationBackupVaultArn": f"arn:aws:backup:{dr}:{ACCOUNT}:backup-vault:{s.weekly_snapshots.vault_name}-{dr}",
                         "Lifecycle": {"DeleteAfterDays": s.weekly_snapshots.copy_retention_days}}],
    }]})
    s3 = _client("s3", primary)
    for bucket in (s.storage.assets_bucket, s.storage.velero_bucket):
        replica = s.storage.replica_name(bucket, dr)
        _bucket(bucket, primary)
        _bucket(replica, dr)
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
        put_velero_backups(bucket, region, last_daily_run(now), last_weekly_run(now))
    # As components/dns.py declares them: one HTTPS health check per regional ingress endpoint, and
    # PRIMARY/SECONDARY failover CNAMEs for api and app, each health-checked.
    r53 = _client("route53", primary)
    zone = r53.create_hosted_zone(Name=s.dns.zone_name, CallerReference="aivo")["HostedZone"]["Id"].split("/")[-1]
    checks = {}
    for region in (primary, dr):
        endpoint = s.site.ingress[region]
        checks[region] = r53.create_health_check(CallerReference=f"health-{region}", HealthCheckConfig={
            "Type": "HTTPS", "FullyQualifiedDomainName": endpoint, "ResourcePath": s.dns.health_check.path,
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
    eks = _client("eks", dr)
    eks.create_cluster(name="aivo-dr-eks", roleArn=f"arn:aws:iam::{ACCOUNT}:role/aivo-dr-eks", resourcesVpcConfig={"subnetIds": ["subnet-0dr1", "subnet-0dr2"]})
    standby = s.cluster.standby_node_group
    eks.create_nodegroup(clusterName="aivo-dr-eks", nodegroupName=s.cluster.node_group_name, subnets=["subnet-0dr1", "subnet-0dr2"],
                         nodeRole=f"arn:aws:iam::{ACCOUNT}:role/aivo-dr-nodes",
                         scalingConfig={"minSize": standby.min_size, "maxSize": standby.max_size, "desiredSize": standby.desired_size})
    primary_eks = _client("eks", primary)
    primary_eks.create_cluster(name="aivo-production-eks", roleArn=f"arn:aws:iam::{ACCOUNT}:role/aivo-production-eks",
                               resourcesVpcConfig={"subnetIds": ["subnet-0pr1", "subnet-0pr2"]})
    primary_eks.create_nodegroup(clusterName="aivo-production-eks", nodegroupName=s.cluster.node_group_name, subnets=["subnet-0pr1", "subnet-0pr2"],
                                 nodeRole=f"arn:aws:iam::{ACCOUNT}:role/aivo-production-nodes",
                                 scalingConfig={"minSize": 2, "maxSize": 10, "desiredSize": 2})
    return {"zone_id": zone}


_world = {"clean": False}


def _reseed(endpoint: str) -> dict[str, str]:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).read()
    _world.update(seed(), clean=True)
    return {k: v for k, v in _world.items() if k != "clean"}


@pytest.fixture
def aws(aws_env: str) -> dict[str, str]:
    """A freshly reset moto seeded with the estate, which the test may change."""
    world = _reseed(aws_env)
    _world["clean"] = False
    return world


@pytest.fixture
def aws_unchanged(aws_env: str) -> dict[str, str]:
    """The seeded estate for a test that only reads it: reseeded only after a test that may have changed it
    (moto's EKS makes seeding take about a second)."""
    if not _world["clean"]:
        return _reseed(aws_env)
    return {k: v for k, v in _world.items() if k != "clean"}


# ---- PostgreSQL -------------------------------------------------------------------------------------


def _pg_bin(tool: str) -> str | None:
    found = shutil.which(tool)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return str(versions[-1]) if versions else None


def _as_postgres(argv: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    dsn = os.environ.get("AIVO_DR_TEST_PG_DSN")
    if dsn:
        yield dsn
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        message = "no PostgreSQL: set AIVO_DR_TEST_PG_DSN or install postgresql (initdb/pg_ctl); .ci/run does both"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    data = Path(tempfile.mkdtemp(prefix="aivo-dr-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(data, user.pw_uid, user.pw_gid)
    port = _free_port()
    subprocess.run(_as_postgres([initdb, "-D", str(data / "db"), "-U", "postgres", "--auth=trust", "-E", "UTF8"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([pg_ctl, "-D", str(data / "db"), "-l", str(data / "log"), "-w", "-o",
                                 f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start"]), check=True, capture_output=True)
    try:
        yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data / "db"), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def table_rows(text: str) -> list[tuple[str, ...]]:
    """The body rows of a Rich table as tuples of stripped cells.

    Cells folded onto continuation lines (first cell empty) are joined back to their row.
    """
    rows: list[list[str]] = []
    for line in text.splitlines():
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if rows and not cells[0]:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return [tuple(r) for r in rows]
