"""What a stack's deploy runner runs, and what its role may do, decided from the settings.

The runner (components/runner.py) is a CodeBuild project in the stack's region and VPC. Its build runs one
of three actions, chosen when the build is started: `preview`, `up`, or (dr stack only) `failover`, which
needs a confirmation phrase so that starting a build by mistake fails nothing over. The failover action is
exactly FAILOVER_COMMAND, the string the README gives for the manual path (a test keeps them equal).

Its role may manage what its stack declares and nothing else: every action is bounded to the stack's
regions (global control planes aside), to resources tagged as this stack's (or named as the settings
name them), it can never delete a data store or a key, and it can never change itself.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

from components.alarms import ALARM_PREFIX
from components.paging import PAGERDUTY_DESTINATION, topic_name
from components.runner_image import PULL_ACTIONS
from components.waf import CLOUDFRONT_WAF_REGION, WEB_ACL_NAME
from stacks.aurora_shape import parameter_family as aurora_parameter_family
from stacks.detection import PROBE_NAME, canary_bucket, canary_name
from stacks.providers import stack_regions
from stacks.settings import StackSettings
from stacks.settings.stack import DR_REGION
from stacks.testing_names import RESTORE_PLAN, VALIDATOR
from stacks.verification import GITHUB_OIDC_HOST

# The failover, as an on-call engineer types it and as the dr runner runs it. --continue-on-error (Pulumi
# CLI 3.114+): a failed Route53 or CloudFront step (control planes in us-east-1) does not stop the regional
# steps that do not depend on it (the promotion, capacity, the restores).
FAILOVER_COMMAND = "pulumi config set failover true --stack dr && pulumi up --stack dr --yes --continue-on-error"
CONFIRM_PHRASE = f"fail over to {DR_REGION}"
ACTIONS = ("preview", "up", "failover")

# Where the runner image (runner-image/Dockerfile) puts what a build needs; the Dockerfile's ENV lines and these are
# kept equal by a test. Nothing of it is downloaded when a build runs.
IMAGE_ROOT = "/opt/aivo-dr"
IMAGE_ENV = {
    "PULUMI_HOME": f"{IMAGE_ROOT}/pulumi-home",  # the provider plugins, installed when the image was built
    "AIVO_DR_CHART_DIR": f"{IMAGE_ROOT}/charts",  # the Helm chart archives (stacks/settings/runner.py, local_chart)
    "PULUMI_SKIP_UPDATE_CHECK": "true",
    # A plugin missing from the image fails the build instead of being downloaded from get.pulumi.com or GitHub.
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
}
IMAGE_PATH = f"{IMAGE_ROOT}/pulumi/bin:{IMAGE_ROOT}/venv/bin"  # the Pulumi CLI and the Python environment
IMAGE_VENV = f"{IMAGE_ROOT}/venv"

# What a failover build's log reminds the operator to do: the runner's checkout is thrown away.
COMMIT_REMINDER = (
    'The dr stack now runs with failover: true. Commit "aivo-dr:failover: true" to Pulumi.dr.yaml now: the next '
    '"pulumi up --stack dr" from the repository would otherwise undo the failover.'
)


def start_command(settings: StackSettings, action: str) -> str:
    """How an on-call engineer starts an action of the stack's runner (the README quotes it)."""
    overrides = f"name=ACTION,value={action}"
    if action == "failover":
        overrides += f" 'name=CONFIRM,value={CONFIRM_PHRASE}'"
    return (f"aws codebuild start-build --region {settings.region} --project-name {settings.runner_name} "
            f"--environment-variables-override {overrides}")


def follow_command(settings: StackSettings) -> str:
    """How to follow the runner's log live."""
    return f"aws logs tail /aws/codebuild/{settings.runner_name} --region {settings.region} --follow"


def commands(settings: StackSettings) -> dict[str, str]:
    """The shell command of each action this stack's runner offers."""
    stack = settings.role
    # Routine runs enforce the policy pack as pull-request review does. The failover does not: its state was
    # checked in review (`drctl check --all` checks both stacks in failover too), and a policy that cannot judge
    # a value at 3 a.m. must not stop the recovery.
    found = {
        "preview": f"pulumi preview --stack {stack} --diff --policy-pack policies",
        "up": f"pulumi up --stack {stack} --yes --continue-on-error --policy-pack policies",
    }
    if settings.is_dr:
        found["failover"] = FAILOVER_COMMAND
    return found


def buildspec(settings: StackSettings) -> str:
    """The build definition (inline, so a change in the repository cannot change what the runner runs).

    Secrets never reach the log: the state backend's key is used through the role (awskms://), Pulumi prints
    secret values as [secret], and no secret is passed as a plaintext variable.
    """
    r = settings.runner
    cases = []
    for action, command in commands(settings).items():
        if action == "failover":
            cases.append(
                f'    failover)\n'
                f'      if [ "${{CONFIRM:-}}" != "{CONFIRM_PHRASE}" ]; then\n'
                f"        echo 'refused: start the failover with CONFIRM=\"{CONFIRM_PHRASE}\"'; exit 2\n"
                f'      fi\n'
                f'      status=0\n'
                f'      {command} || status=$?\n'
                f"      echo '{COMMIT_REMINDER}'\n"
                f'      exit $status ;;'
            )
        else:
            cases.append(f"    {action}) {command} ;;")
    cases.append(f'    *) echo "ACTION must be one of {", ".join(commands(settings))}"; exit 2 ;;')
    script = "\n".join(["case \"${ACTION:-preview}\" in", *cases, "esac"])
    # Everything comes from the image: the install phase only checks that it is the one these settings expect and
    # points the project's .venv (Pulumi.yaml) at the image's Python environment. No download, no install.
    install = [
        f'export PATH="{IMAGE_PATH}:$PATH"',
        'found="$(pulumi version)"',
        'if [ "$found" != "v$PULUMI_VERSION" ]; then echo "refused: the runner image has Pulumi $found, the settings pin '
        'v$PULUMI_VERSION (runner.pulumiVersion): build and publish the image (docs/deploy.md)"; exit 2; fi',
        f'ln -sfn {IMAGE_VENV} .venv',
    ]
    spec: dict[str, Any] = {
        "version": 0.2,
        "env": {
            "shell": "bash",
            "variables": {
                "PULUMI_BACKEND_URL": settings.site.state_backend_url,
                "PULUMI_VERSION": r.pulumi_version,
                **IMAGE_ENV,
                "AWS_STS_REGIONAL_ENDPOINTS": "regional",
            },
        },
        "phases": {
            "install": {"commands": install},
            "build": {"commands": [f'export PATH="{IMAGE_PATH}:$PATH"', "set -euo pipefail", script]},
        },
    }
    return json.dumps(spec, indent=2)


def state_bucket(settings: StackSettings) -> str | None:
    """The S3 bucket of a self-managed state backend (None for Pulumi Cloud)."""
    url = urlparse(settings.site.state_backend_url)
    return url.netloc if url.scheme == "s3" else None


# Actions that change resources, per regional service, allowed only on this stack's resources.
_MANAGE = {
    "ec2": ["ec2:Create*", "ec2:Delete*", "ec2:Modify*", "ec2:Associate*", "ec2:Disassociate*", "ec2:Attach*",
            "ec2:Detach*", "ec2:Authorize*", "ec2:Revoke*", "ec2:Allocate*", "ec2:Release*", "ec2:Replace*"],
    "rds": ["rds:Create*", "rds:Modify*", "rds:PromoteReadReplica", "rds:AddTagsToResource", "rds:RemoveTagsFromResource",
            "rds:RestoreDBInstanceToPointInTime", "rds:StartDBInstanceAutomatedBackupsReplication",
            "rds:StopDBInstanceAutomatedBackupsReplication", "rds:DeleteDBSubnetGroup", "rds:DeleteDBParameterGroup"],
    "elasticache": ["elasticache:Create*", "elasticache:Modify*", "elasticache:Increase*", "elasticache:Decrease*",
                    "elasticache:AddTagsToResource", "elasticache:RemoveTagsFromResource", "elasticache:DeleteUser",
                    "elasticache:DeleteUserGroup", "elasticache:DeleteCacheSubnetGroup"],
    "eks": ["eks:Create*", "eks:Delete*", "eks:Update*", "eks:Associate*", "eks:Disassociate*", "eks:TagResource",
            "eks:UntagResource", "eks:AccessKubernetesApi"],
    "backup": ["backup:CreateBackupPlan", "backup:UpdateBackupPlan", "backup:DeleteBackupPlan", "backup:CreateBackupSelection",
               "backup:DeleteBackupSelection", "backup:CreateBackupVault", "backup:TagResource", "backup:UntagResource"],
    "kms": ["kms:CreateKey", "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias", "kms:EnableKeyRotation", "kms:PutKeyPolicy",
            "kms:TagResource", "kms:UntagResource", "kms:CreateGrant", "kms:RetireGrant", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*",
            "kms:ReEncrypt*"],
}
_READ = ["ec2:Describe*", "rds:Describe*", "rds:ListTagsForResource", "elasticache:Describe*", "elasticache:List*",
         "eks:Describe*", "eks:List*", "backup:Describe*", "backup:Get*", "backup:List*", "kms:DescribeKey", "kms:Get*",
         "kms:List*", "codebuild:BatchGetProjects", "logs:Describe*", "secretsmanager:DescribeSecret", "s3:GetBucket*",
         "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration", "s3:ListBucket"]
# A runner never deletes a data store or a key, whatever its stack says (Pulumi protects them too).
_NEVER = ["rds:DeleteDBInstance", "rds:DeleteDBCluster", "rds:DeleteDBSnapshot", "rds:DeleteDBInstanceAutomatedBackup",
          "elasticache:DeleteReplicationGroup", "elasticache:DeleteGlobalReplicationGroup", "elasticache:DeleteSnapshot",
          "s3:DeleteBucket", "s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration", "backup:DeleteBackupVault",
          "backup:DeleteRecoveryPoint", "kms:ScheduleKeyDeletion", "kms:DisableKey", "secretsmanager:DeleteSecret"]


def _tagged(settings: StackSettings, key: str = "aws:ResourceTag") -> dict[str, str]:
    return {f"{key}/managed-by": "aivo-dr", f"{key}/dr-role": settings.role}


def runner_arns(settings: StackSettings) -> tuple[str, str]:
    """(project ARN, role ARN) of the stack's runner: both named after it, so known before it exists."""
    s = settings
    return (f"arn:aws:codebuild:{s.region}:{s.account_id}:project/{s.runner_name}",
            f"arn:aws:iam::{s.account_id}:role/{s.runner_name}")


def monitoring_statements(settings: StackSettings) -> list[dict[str, Any]]:
    """What the monitoring part declares: alarms and event rules in the stack's regions; (primary) the health
    checks; (dr) the paging topics, the EventBridge connection to PagerDuty, the probe and the canary."""
    s = settings
    account = s.account_id
    regions = stack_regions(s)
    statements: list[dict[str, Any]] = [
        {"Sid": "Alarms", "Effect": "Allow",
         "Action": ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms",
                    "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"],
         "Resource": [f"arn:aws:cloudwatch:{region}:{account}:alarm:{ALARM_PREFIX}*" for region in regions]},
        {"Sid": "EventRules", "Effect": "Allow",
         "Action": ["events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:PutTargets", "events:RemoveTargets",
                    "events:ListTargetsByRule", "events:TagResource", "events:UntagResource", "events:ListTagsForResource"],
         "Resource": [f"arn:aws:events:{region}:{account}:rule/*" for region in regions]},
    ]
    if s.role == "primary":
        statements += [
            {"Sid": "HealthChecksCreate", "Effect": "Allow", "Action": ["route53:CreateHealthCheck", "route53:ListHealthChecks"],
             "Resource": "*"},
            {"Sid": "HealthChecks", "Effect": "Allow",
             "Action": ["route53:GetHealthCheck", "route53:UpdateHealthCheck", "route53:ChangeTagsForResource",
                        "route53:ListTagsForResource"],
             "Resource": ["arn:aws:route53:::healthcheck/*"]},
        ]
        return statements
    west = s.regions.dr
    return statements + [
        {"Sid": "PagingTopics", "Effect": "Allow",
         "Action": ["sns:CreateTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Unsubscribe",
                    "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:TagResource", "sns:UntagResource",
                    "sns:ListTagsForResource"],
         "Resource": [f"arn:aws:sns:{west}:{account}:{topic_name('')}*"]},
        {"Sid": "PagerDutyDestination", "Effect": "Allow",
         "Action": ["events:CreateConnection", "events:UpdateConnection", "events:DescribeConnection",
                    "events:CreateApiDestination", "events:UpdateApiDestination", "events:DescribeApiDestination"],
         "Resource": [f"arn:aws:events:{west}:{account}:connection/{PAGERDUTY_DESTINATION}/*",
                      f"arn:aws:events:{west}:{account}:api-destination/{PAGERDUTY_DESTINATION}/*"]},
        {"Sid": "PagerDutyConnectionSecret", "Effect": "Allow",
         "Action": ["secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret",
                    "secretsmanager:DescribeSecret", "secretsmanager:TagResource"],
         "Resource": [f"arn:aws:secretsmanager:{west}:{account}:secret:events!connection/{PAGERDUTY_DESTINATION}/*"]},
        {"Sid": "PagerDutyToken", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
         "Resource": [f"arn:aws:secretsmanager:{west}:{account}:secret:{s.runner.pagerduty_token_secret}-*"]},
        {"Sid": "ProbeAndCanaryFunctions", "Effect": "Allow",
         "Action": ["lambda:CreateFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
                    "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig",
                    "lambda:ListVersionsByFunction", "lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy",
                    "lambda:TagResource", "lambda:PublishVersion", "lambda:PublishLayerVersion", "lambda:GetLayerVersion"],
         "Resource": [f"arn:aws:lambda:{west}:{account}:function:{PROBE_NAME}",
                      f"arn:aws:lambda:{west}:{account}:function:{VALIDATOR}",
                      f"arn:aws:lambda:{west}:{account}:function:cwsyn-{canary_name(s)}-*",
                      f"arn:aws:lambda:{west}:{account}:layer:cwsyn-{canary_name(s)}-*"]},
        {"Sid": "Canary", "Effect": "Allow",
         "Action": ["synthetics:CreateCanary", "synthetics:UpdateCanary", "synthetics:GetCanary", "synthetics:StartCanary",
                    "synthetics:StopCanary", "synthetics:TagResource", "synthetics:UntagResource", "synthetics:ListTagsForResource"],
         "Resource": [f"arn:aws:synthetics:{west}:{account}:canary:{canary_name(s)}"]},
        {"Sid": "CanaryList", "Effect": "Allow", "Action": ["synthetics:DescribeCanaries"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": [west]}}},
        {"Sid": "CanaryBucket", "Effect": "Allow", "Action": ["s3:CreateBucket", "s3:Put*", "s3:Get*", "s3:ListBucket"],
         "Resource": [f"arn:aws:s3:::{canary_bucket(s)}", f"arn:aws:s3:::{canary_bucket(s)}/*"]},
        {"Sid": "MonitoringLogs", "Effect": "Allow",
         "Action": ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:ListTagsForResource",
                    "logs:AssociateKmsKey"],
         "Resource": [f"arn:aws:logs:{west}:{account}:log-group:/aws/lambda/{name}{suffix}" for name in (PROBE_NAME, VALIDATOR)
                      for suffix in (":*", "")]},
    ]


def testing_statements(settings: StackSettings) -> list[dict[str, Any]]:
    """What the testing part declares (stacks/testing.py): (dr) the restore testing plan (its validator function and
    log group are in monitoring_statements' function and log statements), (primary) the FIS templates and their
    schedules (GitHub's OIDC provider is in ClusterOidcProviders). Its roles and security groups are covered by the
    statements on this stack's tagged roles and EC2 resources."""
    s = settings
    account = s.account_id
    statements: list[dict[str, Any]] = []
    if s.is_dr:
        west = s.regions.dr
        return statements + [
            {"Sid": "RestoreTesting", "Effect": "Allow",
             "Action": ["backup:CreateRestoreTesting*", "backup:UpdateRestoreTesting*", "backup:DeleteRestoreTesting*",
                        "backup:GetRestoreTesting*", "backup:ListRestoreTesting*"],
             "Resource": [f"arn:aws:backup:{west}:{account}:restore-testing-plan:{RESTORE_PLAN}*"]},
        ]
    east = s.regions.primary
    return statements + [
        {"Sid": "FaultExperimentTemplates", "Effect": "Allow",
         "Action": ["fis:CreateExperimentTemplate", "fis:UpdateExperimentTemplate", "fis:DeleteExperimentTemplate",
                    "fis:GetExperimentTemplate", "fis:TagResource", "fis:UntagResource", "fis:ListTagsForResource"],
         "Resource": [f"arn:aws:fis:{east}:{account}:experiment-template/*", f"arn:aws:fis:{east}:{account}:action/*"]},
        {"Sid": "FaultExperimentSchedules", "Effect": "Allow",
         "Action": ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"],
         "Resource": [f"arn:aws:scheduler:{east}:{account}:schedule/default/aivo-dr-*"]},
    ]


def edge_statements(settings: StackSettings) -> list[dict[str, Any]]:
    """What the security baseline's edge declares: (primary) the CDN's WAF web ACL in us-east-1, with the AWS managed
    rule groups it names; (dr) the response headers policy, attaching the primary's web ACL, and the CDN's access log
    bucket (ACLs on, for CloudFront's log delivery)."""
    s = settings
    account = s.account_id
    acl = f"arn:aws:wafv2:{CLOUDFRONT_WAF_REGION}:{account}:global/webacl/{WEB_ACL_NAME}/*"
    if s.role == "primary":
        return [{"Sid": "CdnWebAcl", "Effect": "Allow",
                 "Action": ["wafv2:CreateWebACL", "wafv2:UpdateWebACL", "wafv2:GetWebACL", "wafv2:TagResource",
                            "wafv2:UntagResource", "wafv2:ListTagsForResource"],
                 "Resource": [acl, f"arn:aws:wafv2:{CLOUDFRONT_WAF_REGION}:*:global/managedruleset/*"]}]
    bucket = s.cdn.log_bucket(s.region)
    return [
        {"Sid": "CdnHeadersAndAcl", "Effect": "Allow",
         "Action": ["cloudfront:CreateResponseHeadersPolicy", "cloudfront:UpdateResponseHeadersPolicy", "wafv2:GetWebACL"],
         "Resource": [f"arn:aws:cloudfront::{account}:response-headers-policy/*", acl]},
        {"Sid": "CdnLogBucket", "Effect": "Allow", "Action": ["s3:CreateBucket", "s3:Put*", "s3:Get*", "s3:ListBucket"],
         "Resource": [f"arn:aws:s3:::{bucket}"]},
    ]


def aurora_statements(settings: StackSettings) -> list[dict[str, Any]]:
    """database.drMode aurora-global (docs/aurora-global.md): the global cluster calls, which its untagged global ARN
    (arn:aws:rds::<account>:global-cluster:<id>) keeps out of the tag-conditioned statements. The primary creates and
    modifies the global cluster (and its tags, AWS::RDS::GlobalCluster's update handler) and joins its cluster to it;
    the dr stack's failover detaches its cluster (RemoveFromGlobalCluster, called in us-west-2), and a change of a
    cluster's global_cluster_identifier is such a detach in either stack (AWS::RDS::DBCluster's update handler). A
    parameter removed from the cluster parameter group is reset (ResetDBClusterParameterGroup). Clusters, instances
    and parameter groups are tagged and covered by rds:Create*/rds:Modify* there. The same in standby and on
    failover: the flip changes no IAM."""
    s = settings
    if s.database.dr_mode != "aurora-global":
        return []
    account, db = s.account_id, s.database
    global_arn = f"arn:aws:rds::{account}:global-cluster:{db.global_cluster_identifier}"
    if s.role == "primary":
        actions = ["rds:CreateGlobalCluster", "rds:ModifyGlobalCluster", "rds:AddTagsToResource", "rds:RemoveTagsFromResource",
                   "rds:CreateDBCluster", "rds:RemoveFromGlobalCluster"]
        region, identifier = s.regions.primary, db.identifier
    else:
        actions = ["rds:CreateDBCluster", "rds:RemoveFromGlobalCluster"]
        region, identifier = s.regions.dr, db.replica_identifier
    cluster = f"arn:aws:rds:{region}:{account}:cluster:{identifier}"
    params = f"arn:aws:rds:{region}:{account}:cluster-pg:{identifier}-{aurora_parameter_family(db)}"
    in_regions = {"StringEquals": {"aws:RequestedRegion": stack_regions(s)}}
    return [{"Sid": "AuroraGlobalDatabase", "Effect": "Allow", "Action": actions, "Resource": [global_arn, cluster],
             "Condition": in_regions},
            {"Sid": "AuroraClusterParameters", "Effect": "Allow", "Action": ["rds:ResetDBClusterParameterGroup"],
             "Resource": [params], "Condition": in_regions}]


def image_statements(settings: StackSettings) -> list[dict[str, Any]]:
    """The runner image's repository in the runner's region (components/runner_image.py): pulling the image it builds
    from (CodeBuild pulls with the runner's role, SERVICE_ROLE), and managing the repository its stack declares; (dr)
    the registry's replication into the primary's region. Nothing here depends on `failover`."""
    s = settings
    repository = f"arn:aws:ecr:{s.region}:{s.account_id}:repository/{s.runner.image_repository}"
    here = {"StringEquals": {"aws:RequestedRegion": [s.region]}}
    statements: list[dict[str, Any]] = [
        {"Sid": "RunnerImageToken", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*", "Condition": here},
        {"Sid": "RunnerImagePull", "Effect": "Allow",
         "Action": list(PULL_ACTIONS), "Resource": [repository]},
        {"Sid": "RunnerImageRepository", "Effect": "Allow",
         "Action": ["ecr:CreateRepository", "ecr:DescribeRepositories", "ecr:ListTagsForResource", "ecr:TagResource",
                    "ecr:UntagResource", "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability",
                    "ecr:GetLifecyclePolicy", "ecr:PutLifecyclePolicy", "ecr:DeleteLifecyclePolicy", "ecr:GetRepositoryPolicy",
                    "ecr:SetRepositoryPolicy", "ecr:DeleteRepositoryPolicy"],
         "Resource": [repository]},
    ]
    if s.is_dr:
        statements.append({"Sid": "RunnerImageReplication", "Effect": "Allow",
                           "Action": ["ecr:DescribeRegistry", "ecr:PutReplicationConfiguration"], "Resource": "*", "Condition": here})
    return statements


def parts_policy(settings: StackSettings) -> dict[str, Any]:
    """The runner's second policy (a managed one: the inline policy is at IAM's quota): what the monitoring, testing
    and edge-baseline parts declare. The inline policy's denies apply to it too: a Deny anywhere wins."""
    return {"Version": "2012-10-17",
            "Statement": monitoring_statements(settings) + testing_statements(settings) + edge_statements(settings)
            + aurora_statements(settings)}


def runner_policy(settings: StackSettings) -> dict[str, Any]:
    """The runner role's inline policy: what its stack declares, in its regions, and nothing else (with parts_policy)."""
    s = settings
    account = s.account_id
    regions = stack_regions(s)
    project_arn, role_arn = runner_arns(s)
    in_regions = {"StringEquals": {"aws:RequestedRegion": regions}}
    statements: list[dict[str, Any]] = [
        {"Sid": "Identity", "Effect": "Allow", "Action": ["sts:GetCallerIdentity", "secretsmanager:GetRandomPassword"],
         "Resource": "*"},
        {"Sid": "PulumiSecrets", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
         "Resource": [s.site.state_kms_key_arn]},
        {"Sid": "ReadInRegions", "Effect": "Allow", "Action": _READ, "Resource": "*", "Condition": in_regions},
        {"Sid": "ManageThisStacks", "Effect": "Allow", "Action": sorted(a for actions in _MANAGE.values() for a in actions),
         "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": regions, **_tagged(s)}}},
        {"Sid": "CreateTaggedAsThisStacks", "Effect": "Allow",
         "Action": ["ec2:Create*", "ec2:Allocate*", "rds:Create*", "elasticache:Create*", "eks:Create*", "backup:Create*",
                    "kms:CreateKey", "ec2:CreateTags", "rds:AddTagsToResource", "elasticache:AddTagsToResource",
                    "eks:TagResource", "backup:TagResource", "kms:TagResource"],
         "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": regions, **_tagged(s, "aws:RequestTag")}}},
        {"Sid": "ThisStacksRoles", "Effect": "Allow",
         "Action": ["iam:GetRole", "iam:UpdateRole", "iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy",
                    "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
                    "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:UpdateAssumeRolePolicy", "iam:PassRole"],
         "Resource": f"arn:aws:iam::{account}:role/*", "Condition": {"StringEquals": _tagged(s)}},
        {"Sid": "CreateRolesTaggedAsThisStacks", "Effect": "Allow", "Action": ["iam:CreateRole", "iam:TagRole"],
         "Resource": f"arn:aws:iam::{account}:role/*", "Condition": {"StringEquals": _tagged(s, "aws:RequestTag")}},
        # Its own log group's retention and KMS key (the group is declared, encrypted, before the project writes to it).
        {"Sid": "OwnLogGroup", "Effect": "Allow", "Action": ["logs:PutRetentionPolicy", "logs:AssociateKmsKey"],
         "Resource": f"arn:aws:logs:{s.region}:{account}:log-group:/aws/codebuild/{s.runner_name}"},
        # Creating VPC flow logs into S3 (VPC user guide, "Publish flow logs to Amazon S3"); no resource ARN exists.
        {"Sid": "FlowLogDelivery", "Effect": "Allow", "Action": ["logs:CreateLogDelivery", "logs:DeleteLogDelivery"],
         "Resource": "*", "Condition": in_regions},
        {"Sid": "ClusterOidcProviders", "Effect": "Allow", "Action": ["iam:*OpenIDConnectProvider*", "iam:TagOpenIDConnectProvider"],
         "Resource": [f"arn:aws:iam::{account}:oidc-provider/oidc.eks.{region}.amazonaws.com/*" for region in regions]
         # GitHub's, in the stack that declares it (testing.verification.oidcProvider)
         + ([f"arn:aws:iam::{account}:oidc-provider/{GITHUB_OIDC_HOST}"] if s.testing.verification.oidc_provider == s.role else [])},
    ]
    bucket = state_bucket(s)
    if bucket:
        statements.append({"Sid": "PulumiState", "Effect": "Allow",
                           "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation",
                                      "s3:GetBucketVersioning"],
                           "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]})
    if s.role == "primary":
        names = [s.storage.assets_bucket, s.storage.velero_bucket]
        names += [s.storage.replica_name(n, s.regions.dr) for n in names]
        names += [s.storage.log_bucket(region) for region in regions]
        statements.append({"Sid": "ThisStacksBuckets", "Effect": "Allow", "Action": ["s3:CreateBucket", "s3:Put*", "s3:Get*",
                                                                                     "s3:ListBucket", "s3:DeleteBucketPolicy"],
                           "Resource": [f"arn:aws:s3:::{n}" for n in names]})
        statements.append({"Sid": "ThisStacksSecret", "Effect": "Allow",
                           "Action": ["secretsmanager:CreateSecret", "secretsmanager:DescribeSecret", "secretsmanager:UpdateSecret",
                                      "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:TagResource",
                                      "secretsmanager:ReplicateSecretToRegions", "secretsmanager:GetResourcePolicy"],
                           "Resource": f"arn:aws:secretsmanager:{s.regions.primary}:{account}:secret:{s.database.identifier}/*"})
    else:
        zone = s.site.hosted_zone_id
        statements += [
            {"Sid": "EdgeRecords", "Effect": "Allow",
             "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetHostedZone",
                        "route53:ListTagsForResource", "route53:ChangeTagsForResource"],
             "Resource": [f"arn:aws:route53:::hostedzone/{zone}", "arn:aws:route53:::hostedzone/*"],
             "Condition": {"ForAllValues:StringLike": {"route53:ChangeResourceRecordSetsNormalizedRecordNames": [
                 f"*.{s.dns.zone_name}", f"*.{s.dns.internal_zone}"]}}},
            {"Sid": "EdgeZones", "Effect": "Allow",
             "Action": ["route53:CreateHostedZone", "route53:ListHostedZones", "route53:ListHostedZonesByName", "ec2:DescribeVpcs"],
             "Resource": "*"},
            {"Sid": "EdgeChanges", "Effect": "Allow", "Action": ["route53:GetChange", "route53:AssociateVPCWithHostedZone"],
             "Resource": ["arn:aws:route53:::change/*", "arn:aws:route53:::hostedzone/*"]},
            {"Sid": "EdgeCdn", "Effect": "Allow", "Action": ["cloudfront:Get*", "cloudfront:List*", "cloudfront:UpdateDistribution",
                                                              "cloudfront:TagResource"],
             "Resource": f"arn:aws:cloudfront::{account}:distribution/*", "Condition": {"StringEquals": {"aws:ResourceTag/managed-by": "aivo-dr"}}},
            {"Sid": "EdgeCertificate", "Effect": "Allow", "Action": ["acm:DescribeCertificate"], "Resource": s.site.cdn_certificate_arn},
        ]
    statements += image_statements(s)
    statements += [
        {"Sid": "NeverDeleteData", "Effect": "Deny", "Action": _NEVER, "Resource": "*"},
        {"Sid": "NeverChangeItself", "Effect": "Deny", "Action": ["codebuild:*", "iam:*"], "Resource": [project_arn, role_arn]},
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def declared_types_statements(settings: StackSettings) -> list[dict[str, Any]]:
    """What AWS's published handler permissions of the declared types need beyond the statements above (policy
    runner-covers-declared-types found each; docs/aws-contracts.md): tag and description updates (its own log group's
    tags too), key aliases (an alias
    carries no tags), the paging topics by their real names, the canary's and the distribution's creation (neither
    names a resource), the canary's function's tags, the CDN's response headers policy (its creation names no
    resource), the internal zone's VPCs and comment, and the database secret's tags."""
    s = settings
    account = s.account_id
    regions = stack_regions(s)
    statements: list[dict[str, Any]] = [
        {"Sid": "DeclaredTypesTagged", "Effect": "Allow",
         "Action": ["ec2:UpdateSecurityGroupRuleDescriptionsEgress", "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
                    "kms:UpdateKeyDescription"],
         "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": regions, **_tagged(s)}}},
        {"Sid": "DeclaredKeyAliases", "Effect": "Allow", "Action": ["kms:CreateAlias", "kms:UpdateAlias"],
         "Resource": [f"arn:aws:kms:{region}:{account}:alias/*" for region in regions]},
        # Its own log group's tags (the group is declared with the stack's tags: a tag change updates it).
        {"Sid": "DeclaredRunnerLogTags", "Effect": "Allow",
         "Action": ["logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource"],
         "Resource": f"arn:aws:logs:{s.region}:{account}:log-group:/aws/codebuild/{s.runner_name}"},
    ]
    if s.role == "primary":
        return statements + [
            {"Sid": "DeclaredDatabaseSecretTags", "Effect": "Allow", "Action": ["secretsmanager:UntagResource"],
             "Resource": f"arn:aws:secretsmanager:{s.regions.primary}:{account}:secret:{s.database.identifier}/*"},
        ]
    west = s.regions.dr
    functions = [f"arn:aws:lambda:{west}:{account}:function:{name}" for name in (PROBE_NAME, VALIDATOR)]
    return statements + [
        {"Sid": "DeclaredPagingTopics", "Effect": "Allow",
         "Action": ["sns:CreateTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource",
                    "sns:ListTagsForResource", "sns:ListSubscriptionsByTopic", "sns:Subscribe", "sns:GetSubscriptionAttributes",
                    "sns:SetSubscriptionAttributes"],
         "Resource": [f"arn:aws:sns:{west}:{account}:{topic_name(tier)}" for tier in s.tiers]},
        {"Sid": "DeclaredFunctionTags", "Effect": "Allow", "Action": ["lambda:UntagResource", "lambda:ListTags"],
         "Resource": [*functions, f"arn:aws:lambda:{west}:{account}:function:cwsyn-{canary_name(s)}-*"]},
        {"Sid": "DeclaredFunctionLogTags", "Effect": "Allow", "Action": ["logs:UntagResource"],
         "Resource": [f"arn:aws:logs:{west}:{account}:log-group:/aws/lambda/{name}" for name in (PROBE_NAME, VALIDATOR)]},
        {"Sid": "DeclaredCanaryCreate", "Effect": "Allow", "Action": ["synthetics:CreateCanary"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": [west], **_tagged(s, "aws:RequestTag")}}},
        # IAM authorizes CloudFront's CreateDistributionWithTags API as cloudfront:CreateDistribution (no resource, in us-east-1).
        {"Sid": "DeclaredCdnCreate", "Effect": "Allow", "Action": ["cloudfront:CreateDistribution"], "Resource": "*",
         "Condition": {"StringEquals": _tagged(s, "aws:RequestTag")}},
        {"Sid": "DeclaredCdnTags", "Effect": "Allow", "Action": ["cloudfront:UntagResource", "cloudfront:GetResponseHeadersPolicy"],
         "Resource": [f"arn:aws:cloudfront::{account}:distribution/*", f"arn:aws:cloudfront::{account}:response-headers-policy/*"],
         "Condition": {"StringEqualsIfExists": {"aws:ResourceTag/managed-by": "aivo-dr"}}},
        # It names no resource (Service Authorization Reference): IAM grants it on "*" only.
        {"Sid": "DeclaredNoResourceCalls", "Effect": "Allow", "Action": ["cloudfront:CreateResponseHeadersPolicy"], "Resource": "*"},
        {"Sid": "DeclaredInternalZone", "Effect": "Allow",
         "Action": ["route53:DisassociateVPCFromHostedZone", "route53:UpdateHostedZoneComment"],
         "Resource": "arn:aws:route53:::hostedzone/*"},
    ]


def declared_types_policy(settings: StackSettings) -> dict[str, Any]:
    """The runner's third policy (managed, attached in standby: no IAM change on failover): declared_types_statements."""
    return {"Version": "2012-10-17", "Statement": declared_types_statements(settings)}
