"""The runbook's estate, seeded into moto's server with names from the settings defaults.

Seeding goes straight to moto (clients made while AWS_ENDPOINT_URL points at it), never through a fault proxy.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
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

# ---- drctl doctor: accounts of a real-looking site --------------------------------------------------------
# The estate above lives in moto's default account, one of AWS's documentation accounts, which drctl doctor
# refuses as an example value. Doctor's accounts are other accounts of the same server: moto serves a request
# in the account whose role issued its credentials (sts assume-role), so each account is a set of credentials.


@dataclasses.dataclass(frozen=True)
class Account:
    """An account on moto's server: its id and credentials (as AWS_* environment variables)."""

    account_id: str
    endpoint: str
    access_key: str
    secret_key: str
    session_token: str

    @property
    def environment(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_SESSION_TOKEN": self.session_token}

    def client(self, service: str, region: str) -> Any:
        return _account_client(self, service, region)


@functools.cache
def _account_client(account: Account, service: str, region: str) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=account.endpoint, aws_access_key_id=account.access_key,
                        aws_secret_access_key=account.secret_key, aws_session_token=account.session_token)


def account(endpoint: str, account_id: str) -> Account:
    """Credentials that act in `account_id` (a role there, assumed from the default account)."""
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
    found = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/admin", RoleSessionName="drctl-doctor-tests")["Credentials"]
    return Account(account_id, endpoint, found["AccessKeyId"], found["SecretAccessKey"], found["SessionToken"])


def hosted_zone(acct: Account, name: str, private_vpc: tuple[str, str] | None = None) -> str:
    """A hosted zone whose id looks like Route53's (Z...: the site setting requires it). moto's ids are 22 random
    letters and digits: zones are created until one starts with Z, and the others deleted."""
    r53 = acct.client("route53", "us-east-1")
    extra: dict[str, Any] = {}
    if private_vpc:
        extra = {"HostedZoneConfig": {"PrivateZone": True}, "VPC": {"VPCRegion": private_vpc[0], "VPCId": private_vpc[1]}}
    for attempt in range(2000):
        zone = r53.create_hosted_zone(Name=name, CallerReference=f"{name}-{attempt}-{private_vpc}", **extra)["HostedZone"]
        zone_id = zone["Id"].split("/")[-1]
        if zone_id.startswith("Z"):
            return str(zone_id)
        r53.delete_hosted_zone(Id=zone_id)
    raise AssertionError("no hosted zone id starting with Z in 2000 attempts")


def certificate(acct: Account, names: list[str], valid_for: timedelta = timedelta(days=90)) -> str:
    """An imported certificate in us-east-1 (ISSUED) for `names`; past `valid_for` ACM reports it EXPIRED."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1)).not_valid_after(now + valid_for)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(key, hashes.SHA256()))
    return str(acct.client("acm", "us-east-1").import_certificate(
        Certificate=cert.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )["CertificateArn"])


def role(acct: Account, name: str, service: str | None = None) -> str:
    """An IAM role that `service` (e.g. codebuild.amazonaws.com) may assume, or the account's principals."""
    principal = {"Service": service} if service else {"AWS": f"arn:aws:iam::{acct.account_id}:root"}
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}
    return str(acct.client("iam", "us-east-1").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])


def bucket(acct: Account, name: str, region: str, versioned: bool) -> None:
    s3 = acct.client("s3", region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def kms_key(acct: Account, region: str, alias: str | None = None) -> str:
    kms = acct.client("kms", region)
    arn = str(kms.create_key(Description="pulumi secrets")["KeyMetadata"]["Arn"])
    if alias:
        kms.create_alias(AliasName=alias, TargetKeyId=arn.rsplit("/", 1)[-1])
    return arn


def site_prerequisites(acct: Account, state_region: str = "us-west-2") -> dict[str, Any]:
    """What docs/deploy.md asks for before the first deploy, right: a public zone of dns.zoneName, an ISSUED
    certificate covering the CDN's aliases, an on-call role, a versioned state bucket and a KMS key (alias
    alias/aivo-pulumi) outside us-east-1, and the PagerDuty token's secret in us-west-2. Returns the site block (camelCase) a stack file holds."""
    s = runbook()
    a = acct.account_id
    zone = hosted_zone(acct, s.dns.zone_name)
    cert = certificate(acct, [*s.cdn.aliases, f"*.{s.dns.zone_name}"])
    on_call = role(acct, "aivo-oncall")
    state = f"aivo-pulumi-state-{a}"
    bucket(acct, state, state_region, versioned=True)
    key = kms_key(acct, state_region, alias="alias/aivo-pulumi")
    # The dr runner's PAGERDUTY_TOKEN (runner.pagerdutyTokenSecret), as docs/deploy.md creates it.
    acct.client("secretsmanager", s.regions.dr).create_secret(Name=s.runner.pagerduty_token_secret, SecretString="u+not-a-real-token")
    return {
        "accountId": a, "hostedZoneId": zone, "cdnCertificateArn": cert,
        "ingress": {"us-east-1": "k8s-aivo-ingress-0a1b2c3d4e.us-east-1.elb.amazonaws.com",
                    "us-west-2": "k8s-aivo-ingress-5f6a7b8c9d.us-west-2.elb.amazonaws.com"},
        "onCallRoleArns": [on_call],
        "repository": "https://github.com/aivo-platform/aivo-dr",
        "codeConnectionArns": {region: f"arn:aws:codeconnections:{region}:{a}:connection/{n}a7c2e4f-1b3d-4c5e-8f90-{a}"
                               for n, region in enumerate(("us-east-1", "us-west-2"))},
        "stateBackendUrl": f"s3://{state}?region={state_region}",
        "pagerduty": {"platformEngineer": {"primary": ["P1PLAT1"], "secondary": ["P2PLAT2"]},
                      "databaseAdmin": {"primary": ["P3DBA01"], "secondary": ["P4DBA02"]},
                      "security": {"primary": ["P5SEC01"], "secondary": ["P6SEC02"]},
                      "teamLead": "P7LEAD1", "engineeringManager": "P8MGR01", "vpEngineering": "P9VPE01"},
        "stateKmsKeyArn": key,
        # 64 hex digits as AWS writes it (moto's ListBuckets Owner.ID has 32, so it is not used here).
        "canonicalUserId": hashlib.sha256(f"canonical-user:{a}".encode()).hexdigest(),
    }


def network(acct: Account, region: str, cidr: str, stack: str | None = None, dns: bool = True) -> tuple[str, list[str]]:
    """A VPC with two private subnets; tagged as the stack's network when `stack` is given, DNS on when `dns`."""
    ec2 = acct.client("ec2", region)
    tags = [{"ResourceType": "vpc", "Tags": [{"Key": "managed-by", "Value": "aivo-dr"}, {"Key": "dr-role", "Value": stack},
                                             {"Key": "service", "Value": "network"}]}] if stack else []
    vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=tags)["Vpc"]["VpcId"]
    if dns:
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    base = cidr.split("/")[0].rsplit(".", 2)[0]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"{base}.{16 * i}.0/20", AvailabilityZone=f"{region}{zone}")["Subnet"]["SubnetId"]
               for i, zone in enumerate("ab")]
    return vpc, subnets


def security_group(acct: Account, region: str, vpc: str, name: str, https_out_only: bool = False, admit: str | None = None,
                   no_egress: bool = False) -> str:
    """A security group; `https_out_only` as the runner's (HTTPS out, nothing else); `admit`: HTTPS in from that group;
    `no_egress`: nothing out at all."""
    ec2 = acct.client("ec2", region)
    group = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    if https_out_only or no_egress:
        ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    if https_out_only:
        ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    if admit:
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": admit}]}])
    return str(group)


def runner_project(acct: Account, region: str, name: str, repository: str, connection: str, vpc: str, subnets: list[str],
                   group: str, role_arn: str) -> None:
    """The deploy runner's CodeBuild project as components/runner.py declares it."""
    acct.client("codebuild", region).create_project(
        name=name, source={"type": "GITHUB", "location": repository, "auth": {"type": "CODECONNECTIONS", "resource": connection}},
        sourceVersion="main", artifacts={"type": "NO_ARTIFACTS"}, serviceRole=role_arn,
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/amazonlinux-x86_64-standard:5.0", "computeType": "BUILD_GENERAL1_SMALL"},
        vpcConfig={"vpcId": vpc, "subnets": subnets, "securityGroupIds": [group]},
    )


def eks_cluster(acct: Account, region: str, name: str, subnets: list[str], group: str, private: bool = True) -> None:
    acct.client("eks", region).create_cluster(
        name=name, version="1.33", roleArn=f"arn:aws:iam::{acct.account_id}:role/{name}",
        resourcesVpcConfig={"subnetIds": subnets, "securityGroupIds": [group], "endpointPrivateAccess": private,
                            "endpointPublicAccess": not private},
    )


def deployed_stack(acct: Account, stack: str, site: dict[str, Any], runner_reaches_api: bool = True) -> dict[str, str]:
    """What `pulumi up --stack <stack>` leaves for doctor to read: the stack's VPC (DNS on), the runner (its role,
    its HTTPS-out security group, its CodeBuild project) and the cluster, whose security group admits the runner.
    With `runner_reaches_api` false, the security groups keep it out: the runner's lets nothing out, the cluster's
    admits nothing. Returns the ids of the VPC and the two groups."""
    s = runbook(stack)
    region = s.region
    vpc, subnets = network(acct, region, s.network.cidr, stack=stack)
    runner_group = security_group(acct, region, vpc, f"{s.runner_name}-sg", https_out_only=runner_reaches_api,
                                  no_egress=not runner_reaches_api)
    cluster_group = security_group(acct, region, vpc, f"{s.cluster_name}-cluster-sg", admit=runner_group if runner_reaches_api else None)
    runner_role = role(acct, s.runner_name, service="codebuild.amazonaws.com")
    runner_project(acct, region, s.runner_name, site["repository"], site["codeConnectionArns"][region], vpc, subnets, runner_group, runner_role)
    eks_cluster(acct, region, s.cluster_name, subnets, cluster_group)
    return {"vpc": vpc, "runner_group": runner_group, "cluster_group": cluster_group}
