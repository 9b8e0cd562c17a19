"""The deploy runner can do what `pulumi up` of its stack will ask of it: AWS's published handler permissions of every
type the stack declares, and the calls of its invokes, evaluated against the runner role's documents as IAM would,
with the request context each call carries.

A role missing one permission passes every offline check and fails the failover at 3 a.m.; this policy is that
check, from AWS's own machine-readable contract (the CloudFormation registry schemas, policies/data/
handler_permissions.json) rather than from a list someone remembered. See docs/aws-contracts.md.
"""

from __future__ import annotations

import collections
import fnmatch
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy

from ._common import IAM_ROLE, UnknownAtPreview, arn_service, as_list, get, is_arn, of_type, region_of, role_documents
from ._contracts import action_arn_formats, exists, handler_permissions, request_resource, tag_keys
from .iam_eval import Decision, Request, decide
from .runner import CODEBUILD_PROJECT

CHECKED_HANDLERS = ("create", "read", "update")
# IAM, Route53, CloudFront: their API answers in us-east-1, whatever region the caller's provider names.
GLOBAL_SERVICES = {"iam": "us-east-1", "route53": "us-east-1", "cloudfront": "us-east-1"}
TAGGING_VERBS = ("CreateTags", "TagResource", "AddTagsToResource", "TagRole", "TagPolicy", "TagOpenIDConnectProvider")
CREATING_VERBS = ("Create", "Allocate")

# A runner never deletes a data store or a key (stacks/deploy_runner.py _NEVER; a test keeps the two equal): a handler
# permission among these is skipped because the role denies it by design, and reported as skipped in the docs table.
DENIED_BY_DESIGN = (
    "rds:DeleteDBInstance", "rds:DeleteDBCluster", "rds:DeleteDBSnapshot", "rds:DeleteDBInstanceAutomatedBackup",
    "elasticache:DeleteReplicationGroup", "elasticache:DeleteGlobalReplicationGroup", "elasticache:DeleteSnapshot",
    "s3:DeleteBucket", "s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration", "backup:DeleteBackupVault",
    "backup:DeleteRecoveryPoint", "kms:ScheduleKeyDeletion", "kms:DisableKey", "secretsmanager:DeleteSecret")
DENIED_BY_DESIGN_REASON = "a runner never deletes a data store or a key (its role denies it: stacks/deploy_runner.py _NEVER)"
SELF_REASON = ("a runner never changes itself: its project, its role and the policies named after them are the bootstrap's "
               "(its role denies codebuild:* and iam:* on its own project and role)")
NOT_IAM_REASON = "not an IAM action (the Service Authorization Reference has no such action): no grant can allow it"

# Handler permissions the Terraform provider (pulumi-aws) does not call for what this project declares, each with why.
# Keyed by CloudFormation type ("*": every type); the action may be a glob. Reviewed: a row is a decision, not a mute.
TF = "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service"
_SEPARATE = "a separate Terraform resource this project does not declare"
EXCEPTIONS: dict[str, dict[str, str]] = {
    "*": {
        "iam:CreateServiceLinkedRole": "the services' service-linked roles exist before any runner does: the first "
        "`pulumi up` of each stack runs with a person's credentials (docs/deploy.md), and creates them; the provider "
        "itself never calls it",
    },
    "AWS::Backup::BackupVault": {
        "backup-storage:*": f"logically air-gapped vaults only; {TF}/backup/vault.go calls CreateBackupVault",
        "backup:*BackupVaultAccessPolicy": f"aws_backup_vault_policy, {_SEPARATE}",
        "backup:*BackupVaultLockConfiguration": f"aws_backup_vault_lock_configuration, {_SEPARATE}",
        "backup:*BackupVaultNotifications": f"aws_backup_vault_notifications, {_SEPARATE}",
        "kms:RetireGrant": f"{TF}/backup/vault.go never calls KMS (AWS Backup retires its own grant)",
    },
    "AWS::CloudFront::Distribution": {
        "cloudfront:*ConnectionGroup": f"multi-tenant distributions only ({TF}/cloudfront/distribution.go does not call it)",
        "cloudfront:GetVpcOrigin": "VPC origins only: the distribution's origins are the regions' ingresses",
        "cloudfront:UpdateDistributionWithStagingConfig": f"continuous deployment (staging distributions), {_SEPARATE}",
    },
    "AWS::EC2::EIP": {"ec2:AcceptAddressTransfer": f"aws_ec2_eip_domain_name / address transfers, {_SEPARATE}"},
    "AWS::EC2::FlowLog": {
        "autoscaling:DescribeTags": f"flow logs of Auto Scaling groups only; {TF}/ec2/vpc_flow_log.go does not call it",
        "s3:PutBucketPolicy": "the log bucket's policy is declared (aws:s3/bucketPolicy) and grants the log delivery "
        "service; the runner's bucket statements cover it",
    },
    "AWS::EC2::NatGateway": {"ec2:*PrivateNatGatewayAddress": "private NAT gateways' secondary addresses only: the "
                             "gateways are public, one address each"},
    "AWS::EKS::Cluster": {
        "iam:*InstanceProfile": "EKS Auto Mode's instance profile: the clusters use managed node groups",
    },
    "AWS::EKS::Nodegroup": {"ec2:RunInstances": "EKS launches the nodes with its service-linked role, not the caller's "
                            f"credentials ({TF}/eks/node_group.go calls CreateNodegroup)"},
    "AWS::ElastiCache::ReplicationGroup": {
        "elasticache:DeleteCacheCluster": "scaling in a cluster-mode-disabled group: the groups are cluster-mode enabled",
        "firehose:*": "log delivery to Kinesis Data Firehose: not configured",
        "logs:*": "log delivery to CloudWatch Logs (engine/slow logs): not configured",
        "s3:GetObject": "seeding a group from an S3 snapshot: not used",
    },
    "AWS::Events::Connection": {
        "kms:*": "a customer managed key for the connection's secret: not configured (AWS owned key)",
        "secretsmanager:*": "EventBridge creates and updates the connection's secret through its service-linked role "
        f"({TF}/events/connection.go calls events:CreateConnection only)",
    },
    "AWS::IAM::ManagedPolicy": {
        "iam:*GroupPolicy": "attachment to groups: the policies are attached to roles only",
        "iam:*UserPolicy": "attachment to users: the policies are attached to roles only",
    },
    "AWS::IAM::Role": {"iam:*RolePermissionsBoundary": "no role of the stacks declares a permissions boundary",
                       "iam:UpdateRoleDescription": f"{TF}/iam/role.go updates a description with iam:UpdateRole"},
    "AWS::KMS::Key": {"kms:EnableKey": "keys are never disabled (kms:DisableKey is denied by design)",
                      "kms:DisableKeyRotation": "every key keeps rotation on (policy kms-key-rotation-enabled)"},
    "AWS::Lambda::Function": {
        "elasticfilesystem:*": "file systems mounted by a function: none",
        "lambda:*FunctionCodeSigningConfig": "code signing: not configured", "lambda:GetCodeSigningConfig": "code signing: not configured",
        "lambda:*FunctionConcurrency": "reserved concurrency: not configured", "lambda:*FunctionRecursionConfig": "recursion control: default",
        "lambda:*FunctionScalingConfig": "Lambda Managed Instances only", "lambda:PassCapacityProvider": "Lambda Managed Instances only",
        "lambda:*RuntimeManagementConfig": "runtime management: default (auto)",
        "lambda:GetLayerVersion": "the probe and validator use no layers (the canary's layers are Synthetics')",
        "s3:GetObject*": "the functions' code is uploaded inline (a zip archive), not read from S3",
    },
    "AWS::Logs::LogGroup": {
        "firehose:*": "log delivery to Firehose: not configured",
        "logs:*IndexPolicy": "field index policies: not configured", "logs:*DataProtectionPolicy": "data protection: not configured",
        "logs:*ResourcePolicy": "log group resource policies: not declared", "logs:PutBearerTokenAuthentication": "bearer token ingestion: not configured",
        "logs:PutLogGroupDeletionProtection": "deletion protection: not configured", "logs:DeleteRetentionPolicy": "every group keeps a retention",
        "logs:DisassociateKmsKey": "every group keeps its key",
    },
    "AWS::RDS::DBInstance": {
        "rds:*RoleToDBInstance": "no feature role (S3 import/export) is associated",
        "rds:*RoleFromDBInstance": "no feature role (S3 import/export) is associated",
        "rds:RestoreDBInstanceFromDBSnapshot": "the stacks declare no instance restored from a snapshot (restore tests are "
        "AWS Backup's, with its own role)",
        "secretsmanager:*": "the master password is not RDS-managed (database.passwordVersion, write-only)",
        "iam:ListRoles": f"{TF}/rds/instance.go does not call it (CloudFormation resolves role names)",
        "rds:RebootDBInstance": "a parameter change is applied at the maintenance window (apply_immediately false)",
    },
    "AWS::RDS::DBCluster": {
        "rds:*RoleToDBCluster": "no feature role (S3 import/export, Lambda) is associated with an Aurora cluster",
        "rds:*RoleFromDBCluster": "no feature role (S3 import/export, Lambda) is associated with an Aurora cluster",
        "rds:*HttpEndpoint": f"the RDS Data API is not enabled (enable_http_endpoint unset): {TF}/rds/cluster.go calls it "
        "only when it is",
        "rds:RestoreDBClusterFromSnapshot": "the stacks declare no cluster restored from a snapshot (snapshot_identifier unset)",
        "rds:RestoreDBClusterToPointInTime": "the stacks declare no cluster restored to a point in time "
        "(restore_to_point_in_time unset)",
        "secretsmanager:*": "the master password is not RDS-managed (master_password_wo, database.passwordVersion)",
    },
    "AWS::RDS::DBParameterGroup": {"rds:ResetDBParameterGroup": f"{TF}/rds/parameter_group.go resets parameters only when one is "
                                   "removed, with ModifyDBParameterGroup"},
    "AWS::Route53::HealthCheck": {
        "cloudwatch:DescribeAlarms": "CloudWatch-alarm health checks: the checks are HTTPS checks",
        "route53-recovery-control-config:*": "Application Recovery Controller routing controls: not used",
    },
    "AWS::Route53::HostedZone": {
        "route53:*QueryLoggingConfig*": f"aws_route53_query_log, {_SEPARATE}",
        "route53:UpdateHostedZoneFeatures": "hosted zone features: not configured",
    },
    "AWS::S3::Bucket": {
        "s3tables:*": "S3 metadata tables: not configured", "s3:*BucketMetadata*": "S3 metadata tables: not configured",
        "s3:DeleteBucket*": "a bucket's configuration is never removed (each is a declared resource of its own)",
        "s3:DeleteObject": "CloudFormation's bucket handler empties buckets; Terraform's does not (force_destroy false)",
        "s3:PutObjectAcl": "objects are written by the services, ACLs are off (bucket owner enforced) except on the CDN "
        "log bucket, whose ACL is a bucket ACL",
        "s3:*agResource": f"{TF}/s3/bucket.go tags a bucket with PutBucketTagging and reads them with GetBucketTagging",
        "s3:ListTagsForResource": f"{TF}/s3/bucket.go reads a bucket's tags with GetBucketTagging",
    },
    "AWS::SecretsManager::Secret": {"secretsmanager:RemoveRegionsFromReplication": "the replica region is never removed"},
    "AWS::SNS::Topic": {
        "sns:Subscribe": "inline subscriptions: each subscription is a declared aws:sns/topicSubscription",
        "sns:Unsubscribe": "inline subscriptions: each subscription is a declared aws:sns/topicSubscription",
        "sns:*DataProtectionPolicy": f"aws_sns_topic_data_protection_policy, {_SEPARATE}",
    },
    "stand-in": {"secretsmanager:UpdateSecretVersionStage": f"no version_stages declared: {TF}/secretsmanager/secret_version.go "
                 "moves AWSCURRENT with PutSecretValue"},
    "AWS::Synthetics::Canary": {
        "iam:ListRoles": "the console's role picker; not called by the API",
        "s3:ListAllMyBuckets": "the console's bucket picker; not called by the API",
        "synthetics:StartCanaryDryRun": "canary dry runs: not used", "synthetics:GetCanaryRuns": "the console's run history",
        "s3:CreateBucket": "the canary's artifact bucket is a declared bucket", "s3:PutEncryptionConfiguration": "the artifact bucket's encryption is a declared resource",
    },
}

# Which input names a resource in its ARN (default "name"; None: its ARN holds an id AWS assigns).
NAME_INPUT: dict[str, str | None] = {
    "aws:s3/bucket:Bucket": "bucket", "aws:s3/bucketPolicy:BucketPolicy": "bucket", "aws:s3/bucketObjectv2:BucketObjectv2": "bucket",
    "aws:rds/instance:Instance": "identifier", "aws:rds/cluster:Cluster": "clusterIdentifier",
    "aws:rds/clusterInstance:ClusterInstance": "identifier", "aws:rds/globalCluster:GlobalCluster": "globalClusterIdentifier",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": None,
    "aws:elasticache/replicationGroup:ReplicationGroup": "replicationGroupId", "aws:elasticache/user:User": "userId",
    "aws:elasticache/userGroup:UserGroup": "userGroupId", "aws:iam/rolePolicy:RolePolicy": "role",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "role", "aws:lambda/permission:Permission": "function",
    "aws:cloudwatch/eventTarget:EventTarget": "rule", "aws:route53/record:Record": "zoneId",
    "aws:secretsmanager/secretVersion:SecretVersion": "secretId", "aws:sns/topicPolicy:TopicPolicy": "arn",
    "aws:sns/topicSubscription:TopicSubscription": "topic", "aws:eks/addon:Addon": "clusterName",
    "aws:eks/nodeGroup:NodeGroup": "clusterName", "aws:eks/accessEntry:AccessEntry": "clusterName",
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": "restoreTestingPlanName",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "url",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "repository", "aws:ecr/repositoryPolicy:RepositoryPolicy": "repository",
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": None,
    "aws:kms/key:Key": None, "aws:backup/plan:Plan": None, "aws:backup/selection:Selection": None,
    "aws:cloudfront/distribution:Distribution": None, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": None,
    "aws:route53/zone:Zone": None, "aws:route53/healthCheck:HealthCheck": None,
}
# Names of resources another service creates for a declared one (the canary's function and layer, the cluster's OIDC
# provider), by (type, service): what the call names is that resource, not the declared one.
RELATED_NAMES = {
    ("aws:synthetics/canary:Canary", "lambda"): ("name", "cwsyn-{value}-*", ":function:"),
    ("aws:synthetics/canary:Canary", "s3"): ("s3Bucket", "{value}", ":::${BucketName}/"),
    ("eks:index:Cluster", "iam"): ("name", "oidc.eks.{region}.amazonaws.com/id/*", ":oidc-provider/"),
}
# AWS appends a generated id to these ARNs (connection/<name>/<id>): the name alone never matches a grant.
NAME_SUFFIX = {"aws:cloudwatch/eventConnection:EventConnection": "/*", "aws:cloudwatch/eventApiDestination:EventApiDestination": "/*"}


def _name_input(type_: str) -> str | None:
    if type_ in NAME_INPUT:
        return NAME_INPUT[type_]
    if type_.startswith("aws:s3/bucket"):
        return "bucket"
    if type_.startswith("aws:ec2/"):
        return None
    return "name"


def skip_reason(cfn_type: str, action: str) -> str | None:
    """Why a handler permission is not checked (None: it is): denied by design, not an IAM action, or an exception."""
    if action in DENIED_BY_DESIGN:
        return DENIED_BY_DESIGN_REASON
    if not exists(action):
        return NOT_IAM_REASON
    return exception_for(cfn_type, action)


skip_reason = functools.cache(skip_reason)  # wrapped here, not decorated: mutmut mutates skip_reason (docs/testing.md)


def skipped_rows() -> list[tuple[str, str, str]]:
    """(CloudFormation type or stand-in, permission, reason) of every published permission the policy does not check:
    the table in docs/aws-contracts.md, so that nothing is skipped silently."""
    data = handler_permissions()
    rows = set()
    for spec in data["types"].values():
        sources = [(cfn, data["handlers"][cfn]) for cfn in spec["cfn"]] or [("stand-in", spec)]
        for cfn, handlers in sources:
            for handler in CHECKED_HANDLERS:
                for action in handlers[handler]:
                    reason = skip_reason(cfn, action)
                    if reason:
                        rows.add((cfn, action, reason))
    return sorted(rows)


def exception_for(cfn_type: str, action: str) -> str | None:
    """Why a handler permission is not checked (None: it is)."""
    for scope in (cfn_type, "*"):
        for pattern, reason in EXCEPTIONS.get(scope, {}).items():
            if fnmatch.fnmatchcase(action, pattern):
                return reason
    return None


def _tags(resource: PolicyResource) -> dict[str, str]:
    """The resource's declared tags; a part without tags of its own (a bucket's versioning, a role's policy) acts on
    the resource it configures, whose tags the request carries."""
    for candidate in [resource, *resource.dependencies]:
        try:
            tags = get(candidate.props, "tags")
        except UnknownAtPreview:
            continue
        if isinstance(tags, Mapping) and tags:
            return {str(k): str(tags[k]) for k in list(tags)}
    return {}


def _context(action: str, handler: str, region: str, tags: dict[str, str], creates: bool) -> dict[str, Any]:
    """The condition keys a call carries: the region it is sent to; the tags it sets (aws:RequestTag, aws:TagKeys)
    when it creates the resource or tags it; the tags the resource has (aws:ResourceTag) when it exists. Each only
    where the Service Authorization Reference lists the key for the action (S3 bucket calls carry no aws:ResourceTag)."""
    service, _, verb = action.partition(":")
    requested = GLOBAL_SERVICES.get(service, region) if action != "iam:PassRole" else region
    context: dict[str, Any] = {"aws:RequestedRegion": requested}
    resource_tags, request_tags = tag_keys(action)
    tagging = verb.startswith(TAGGING_VERBS)
    # A create call carries the new resource's tags where AWS lets it (the action takes aws:RequestTag); any other
    # call of a create handler (CreateBackupSelection on its plan, CreateGrant on a key) acts on a resource that exists.
    creating = handler == "create" and creates and request_tags and verb.startswith(CREATING_VERBS)
    if (creating or tagging) and request_tags and tags:
        context.update({f"aws:RequestTag/{k}": v for k, v in tags.items()})
        context["aws:TagKeys"] = sorted(tags)
    if not creating and resource_tags:
        context.update({f"aws:ResourceTag/{k}": v for k, v in tags.items()})
    return context


def _resource(action: str, resource: PolicyResource, region: str, account: str) -> str:
    type_, props = resource.resource_type, resource.props
    key = _name_input(type_)
    try:
        name = get(props, key) if key else None
    except UnknownAtPreview:
        name = None
    if not isinstance(name, str) or not name:
        name = None
    service = action.split(":", 1)[0]
    if name and is_arn(name):
        if arn_service(name) == service:
            return name
        name = None
    if name and type_ == "aws:kms/alias:Alias":
        name = name.removeprefix("alias/")
    if name and type_ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        name = name.removeprefix("https://")
    if name:
        name += NAME_SUFFIX.get(type_, "")
    related = RELATED_NAMES.get((type_, service))
    if related:
        key, template, kind = related
        try:
            value = get(props, key)
        except UnknownAtPreview:
            value = None
        formats = action_arn_formats(action) or ()
        prefer = next((f for f in formats if kind in f), None)
        return request_resource(action, region, account, template.format(value=value, region=region) if value else None, prefer)
    owned = _owns(type_, service)
    scope = "global" if str(get(props, "scope") or "").upper() == "CLOUDFRONT" else "regional"
    return request_resource(action, region, account, name if owned else None,
                            prefer=own_arn_format(type_) if owned else None, values={"Scope": scope})


def own_arn_format(type_: str) -> str | None:
    """The ARN format of the declared resource itself: the one its own service's handler permissions name most."""
    return _own_formats().get(type_)


def _own_formats() -> dict[str, str]:
    data = handler_permissions()
    found = {}
    for type_, spec in data["types"].items():
        if "arn" in spec:
            found[type_] = spec["arn"]
            continue
        counts: collections.Counter[str] = collections.Counter()
        actions = ([a for cfn in spec["cfn"] for h in CHECKED_HANDLERS for a in data["handlers"][cfn][h]] if spec["cfn"]
                   else [a for h in CHECKED_HANDLERS for a in spec[h]])
        kinds = {re.sub(r"[^a-z]", "", t.rsplit("::", 1)[-1].lower()) for t in spec["cfn"]}
        for action in actions:
            if not _owns(type_, action.split(":", 1)[0]):
                continue
            for arn_format in action_arn_formats(action) or ():
                # The type's own resource: the format naming it (webacl for a WebACL), else the one named most.
                named = any(k and k in re.sub(r"[^a-z]", "", arn_format.split(":", 5)[-1].lower()) for k in kinds)
                counts[arn_format] += 1000 if named else (1 if arn_format == action_arn_formats(action)[0] else 0)  # type: ignore[index]
        if counts:
            found[type_] = counts.most_common(1)[0][0]
    return found


_own_formats = functools.cache(_own_formats)  # wrapped here, not decorated: mutmut mutates _own_formats (docs/testing.md)


def _owns(type_: str, service: str) -> bool:
    """Whether the resource's name means anything to the action's service (a function's name to lambda, not to iam)."""
    cfn = handler_permissions()["types"].get(type_, {}).get("cfn") or []
    if cfn:
        return any(t.split("::")[1].lower() == service for t in cfn)
    return type_.split(":")[1].split("/")[0] == service


def _account(project: PolicyResource, documents: list[dict[str, Any]]) -> str:
    """The account: from the runner's service role ARN, else from an ARN its documents name."""
    candidates = [get(project.props, "serviceRole")]
    candidates += [r for d in documents for s in as_list(d.get("Statement")) if isinstance(s, dict) for r in as_list(s.get("Resource"))]
    for value in candidates:
        if is_arn(value):
            account = str(value).split(":")[4]
            if account.isdigit():
                return account
    raise UnknownAtPreview("serviceRole")


def required_calls(resource: PolicyResource) -> list[tuple[str, str, str]]:
    """(CloudFormation type or stand-in, handler, action) of every call `pulumi up` may make for the resource."""
    data = handler_permissions()
    spec = data["types"].get(resource.resource_type)
    if spec is None:
        return []
    calls = []
    for handler in CHECKED_HANDLERS:
        if spec["cfn"]:
            calls += [(cfn, handler, a) for cfn in spec["cfn"] for a in data["handlers"][cfn][handler]]
        else:
            calls += [("stand-in", handler, a) for a in spec[handler]]
    return calls


def unmapped(resource_type: str) -> bool:
    """An AWS type the data file does not map (components, and other providers' types (data["not_iam"]), call no AWS API
    of their own)."""
    data = handler_permissions()
    return resource_type.startswith("aws:") and resource_type not in data["types"]


def _covered(args: StackValidationArgs, report: ReportViolation) -> None:
    data = handler_permissions()
    roles = of_type(args, IAM_ROLE)
    for project in of_type(args, CODEBUILD_PROJECT):
        try:
            _check_runner(args, project, roles, data, report)
        except UnknownAtPreview as unknown:
            report(f"{project.name}: {unknown.message}", project.urn)


def _by_action(documents: list[dict[str, Any]]) -> Callable[[str], list[dict[str, Any]]]:
    """The documents cut to the statements that can apply to an action (its Action matches, or it has a NotAction),
    each in its document's Version: IAM's decision is the same (a statement whose Action does not match never applies),
    and the evaluation of a thousand requests a few times faster."""
    compiled = []
    for document in documents:
        for statement in as_list(document.get("Statement")):
            if not isinstance(statement, dict):
                continue
            patterns = [str(a) for a in as_list(statement.get("Action"))]
            glob = re.compile("|".join(fnmatch.translate(p) for p in patterns) or "(?!)", re.IGNORECASE)
            compiled.append((document.get("Version"), statement, "NotAction" in statement, glob))

    @functools.cache
    def relevant(action: str) -> list[dict[str, Any]]:
        kept: dict[Any, list[dict[str, Any]]] = {}
        for version, statement, negated, glob in compiled:
            if negated or glob.match(action):
                kept.setdefault(version, []).append(statement)
        return [{"Version": version, "Statement": statements} for version, statements in kept.items()]

    return relevant


def _check_runner(args: StackValidationArgs, project: PolicyResource, roles: list[PolicyResource], data: dict[str, Any],
                  report: ReportViolation) -> None:
    arn = str(get(project.props, "serviceRole"))
    role = next((r for r in roles if arn.endswith(f":role/{get(r.props, 'name')}") or r in project.dependencies), None)
    if role is None:
        report(f"{project.name}: its service role is not declared by this stack, so its permissions cannot be checked", project.urn)
        return
    documents = role_documents(role, args)
    stack = str((get(project.props, "tags") or {}).get("dr-role", "?"))
    home = region_of(project.props, project.provider) or "us-east-1"
    account = _account(project, documents)
    own = {str(get(project.props, "name")), str(get(role.props, "name"))}
    decisions: dict[tuple[str, str, tuple[tuple[str, str], ...]], Decision] = {}
    missing: dict[tuple[str, str], dict[str, Any]] = {}

    relevant = _by_action(documents)

    def decided(request: Request) -> Decision:
        key = (request.action, request.resource, tuple(sorted((k, str(v)) for k, v in request.context.items())))
        if key not in decisions:
            decisions[key] = decide(relevant(request.action), request)
        return decisions[key]

    for resource in args.resources:
        if unmapped(resource.resource_type):
            report(f"stack {stack}: {resource.resource_type} ({resource.name}) has no contract in policies/data/handler_permissions.json; "
                   "add it to scripts/refresh-aws-contracts.py's table and refresh", resource.urn)
            continue
        calls = required_calls(resource)
        if not calls:
            continue
        region = region_of(resource.props, resource.provider) or home
        tags = _tags(resource)
        # The runner's own project, role and the policies named after them: skipped, SELF_REASON (docs/aws-contracts.md).
        mine = any(str(get(resource.props, key) or "").startswith(tuple(own)) for key in ("name", "role"))
        for cfn, handler, action in calls:
            if skip_reason(cfn, action):
                continue
            service = action.split(":", 1)[0]
            request = Request(action, _resource(action, resource, region, account),
                              _context(action, handler, region, tags, _owns(resource.resource_type, service)))
            decision = decided(request)
            if decision == "allow" or mine:
                continue
            gap = missing.setdefault((resource.resource_type, action), {"cfn": cfn, "handlers": [], "on": {}, "urn": resource.urn})
            if handler not in gap["handlers"]:
                gap["handlers"].append(handler)
            gap["on"].setdefault(request.resource, decision)
    for (type_, action), gap in missing.items():
        on = ", ".join(f"{arn} ({decision})" for arn, decision in sorted(gap["on"].items()))
        report(f"stack {stack}: {type_} ({gap['cfn']} {'/'.join(gap['handlers'])}) needs {action}, which the runner role "
               f"does not allow on {on}", gap["urn"])
    for token in data["stack_invokes"].get(stack, []):
        for action in data["invokes"][token]["actions"]:
            request = Request(action, request_resource(action, home, account, None), _context(action, "read", home, {}, False))
            decision = decided(request)
            if decision != "allow":
                report(f"stack {stack}: invoke {token}: the runner role may not {action} on {request.resource} ({decision})", project.urn)


runner_covers_declared_types = StackValidationPolicy(
    name="runner-covers-declared-types",
    description="Each deploy runner's role allows, with the request context each call carries (region, resource and "
    "request tags), every create, read and update handler permission AWS publishes for every type its stack declares "
    "(CloudFormation registry schemas), and the calls of the stack's invokes: deletes of data stores and keys are "
    "denied by design, and each exception names its reason (docs/aws-contracts.md).",
    validate=_covered,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["runner", "deployability"],
)

POLICIES = [runner_covers_declared_types]
