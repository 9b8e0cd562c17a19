"""policies/service_roles.py: every role the stacks hand a service allows what that service documents it needs."""

from __future__ import annotations

import copy
import json

import pytest

from components.runner import build_policy, trust_policy
from policies import service_roles
from tests.helpers.planning import plan
from tests.helpers.policies import ACCOUNT, WEST, mutate, res, violations

POLICY = service_roles.service_roles_cover_their_services
CONNECTION = f"arn:aws:codeconnections:{WEST}:{ACCOUNT}:connection/0a1b2c3d-0000-4000-8000-000000000001"
SUBNETS = ["subnet-0aaa", "subnet-0bbb"]
GROUP = "sg-0ccc"
LOGS = f"arn:aws:logs:{WEST}:{ACCOUNT}:log-group:/aws/codebuild/runner"


def build_document() -> dict:
    return json.loads(build_policy(WEST, ACCOUNT, "runner", CONNECTION,
                                   [f"arn:aws:ec2:{WEST}:{ACCOUNT}:subnet/{s}" for s in SUBNETS],
                                   [f"arn:aws:ec2:{WEST}:{ACCOUNT}:security-group/{GROUP}"]))


def runner(document: dict | None = None) -> list:
    """A CodeBuild project in a VPC, its role, and the role's build policy as components/runner.py declares them."""
    return [
        res("aws:iam/role:Role", "runner-role", {"name": "runner", "assumeRolePolicy": trust_policy(ACCOUNT, WEST, "runner")}, region=None),
        res("aws:iam/policy:Policy", "runner-build", {"name": "runner-build", "policy": json.dumps(document or build_document())},
            region=None),
        res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "runner-build-attachment",
            {"role": "runner", "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/runner-build"}, region=None),
        res("aws:codebuild/project:Project", "runner-project", {
            "name": "runner", "serviceRole": f"arn:aws:iam::{ACCOUNT}:role/runner",
            "source": {"type": "GITHUB", "auth": {"type": "CODECONNECTIONS", "resource": CONNECTION}},
            "vpcConfig": {"vpcId": "vpc-0ddd", "subnets": SUBNETS, "securityGroupIds": [GROUP]},
        }, region=WEST),
    ]


def statement(document: dict, sid: str) -> dict:
    return next(s for s in document["Statement"] if s["Sid"] == sid)


def test_the_runner_as_declared_can_run_its_builds() -> None:
    assert violations(POLICY, runner()) == []


def test_a_runner_role_without_put_log_events_is_refused() -> None:
    document = build_document()
    statement(document, "BuildLogs")["Action"] = ["logs:CreateLogGroup", "logs:CreateLogStream"]
    assert violations(POLICY, runner(document)) == [
        f"runner (CodeBuild, used by runner-project): cannot logs:PutLogEvents on "
        f"{LOGS}:log-stream:0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0: not allowed: no statement grants the action; "
        "CodeBuild needs it (CodeBuild User Guide, Allow CodeBuild to interact with other AWS services "
        "(service role policy: CloudWatchLogsPolicy))"]


def test_a_network_interface_grant_conditioned_on_tags_is_refused() -> None:
    """CodeBuild creates the build's ENI with no tags: a grant that waits for a request tag never matches."""
    document = build_document()
    statement(document, "VpcNetworkInterfaces")["Condition"] = {"StringEquals": {"aws:RequestTag/managed-by": "aivo-dr"}}
    found = violations(POLICY, runner(document))
    assert found[0] == (
        f"runner (CodeBuild, used by runner-project): cannot ec2:CreateNetworkInterface on "
        f"arn:aws:ec2:{WEST}:{ACCOUNT}:network-interface/eni-0123456789abcdef0 (the service sends aws:RequestedRegion={WEST}): "
        "not allowed: statement 'VpcNetworkInterfaces' condition StringEquals on aws:RequestTag/managed-by: the request does "
        "not send aws:RequestTag/managed-by; CodeBuild needs it (CodeBuild User Guide, Use CodeBuild with Amazon VPC (Allow "
        "CodeBuild access to AWS services required to create a VPC network interface); Service Authorization Reference, "
        "ec2:CreateNetworkInterface (network-interface, subnet, security-group))")
    # the interface, both subnets and the security group; DeleteNetworkInterface on the interface
    assert len(found) == 5 and sum("ec2:DeleteNetworkInterface" in f for f in found) == 1


def test_the_interface_permission_needs_codebuild_and_the_projects_subnets() -> None:
    document = build_document()
    statement(document, "VpcNetworkInterfacePermission")["Condition"]["StringEquals"]["ec2:Subnet"] = [
        f"arn:aws:ec2:{WEST}:{ACCOUNT}:subnet/subnet-0aaa"]
    assert violations(POLICY, runner(document)) == [
        f"runner (CodeBuild, used by runner-project): cannot ec2:CreateNetworkInterfacePermission on "
        f"arn:aws:ec2:{WEST}:{ACCOUNT}:network-interface/eni-0123456789abcdef0 (the service sends aws:RequestedRegion={WEST}, "
        f"ec2:AuthorizedService=codebuild.amazonaws.com, ec2:Subnet=arn:aws:ec2:{WEST}:{ACCOUNT}:subnet/subnet-0bbb): not "
        "allowed: statement 'VpcNetworkInterfacePermission' condition StringEquals on ec2:Subnet: the request's value does "
        "not match; CodeBuild needs it (CodeBuild User Guide, Use CodeBuild with Amazon VPC (ec2:CreateNetworkInterfacePermission "
        "with ec2:Subnet and ec2:AuthorizedService))"]


def test_a_deny_on_the_connection_is_refused() -> None:
    document = build_document()
    document["Statement"].append({"Sid": "NoConnections", "Effect": "Deny", "Action": "codeconnections:*", "Resource": "*"})
    source = "CodeBuild User Guide, GitHub App connections (Add CodeBuild access permissions to a connection)"
    assert violations(POLICY, runner(document)) == [
        f"runner (CodeBuild, used by runner-project): cannot codeconnections:{action} on {CONNECTION}: denied by statement "
        f"'NoConnections'; CodeBuild needs it ({source})" for action in ("GetConnection", "GetConnectionToken")]


def test_a_document_iam_would_refuse_is_reported_not_evaluated() -> None:
    document = build_document()
    statement(document, "BuildLogs")["Condition"] = {"StringEqualz": {"aws:RequestedRegion": WEST}}
    assert violations(POLICY, runner(document)) == [
        "runner (CodeBuild, used by runner-project): its policy documents are not valid IAM (unknown condition operator "
        "'StringEqualz')"]


def test_a_role_that_does_not_trust_the_service_is_refused() -> None:
    records = mutate(runner(), "runner-role", "assumeRolePolicy", trust_policy(ACCOUNT, WEST, "runner").replace(
        "codebuild.amazonaws.com", "lambda.amazonaws.com"))
    assert violations(POLICY, records) == [
        "runner (CodeBuild, used by runner-project): its trust policy does not name codebuild.amazonaws.com, so CodeBuild "
        "cannot assume it"]


def backup(attached: str) -> list:
    db = f"arn:aws:rds:{WEST}:{ACCOUNT}:db:aivo"
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    return [
        res("aws:iam/role:Role", "backup-role", {"name": "backup", "assumeRolePolicy": trust}, region=None),
        res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "backup-attachment", {"role": "backup", "policyArn": attached},
            region=None),
        res("aws:backup/selection:Selection", "backup-selection",
            {"name": "s", "iamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/backup", "resources": [db]}, region=WEST),
    ]


def test_an_accepted_aws_managed_policy_covers_its_service_and_another_does_not() -> None:
    assert violations(POLICY, backup("arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup")) == []
    found = violations(POLICY, backup("arn:aws:iam::aws:policy/ReadOnlyAccess"))
    assert [f.split(": not allowed")[0] for f in found] == [
        f"backup (AWS Backup, used by backup-selection): cannot rds:CreateDBSnapshot on arn:aws:rds:{WEST}:{ACCOUNT}:db:aivo",
        f"backup (AWS Backup, used by backup-selection): cannot rds:DescribeDBInstances on arn:aws:rds:{WEST}:{ACCOUNT}:db:aivo"]


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_every_service_role_the_stacks_declare_covers_its_service(stack: str) -> None:
    from drctl.checking import check_plan

    assert [v.message for v in check_plan(plan(stack), [POLICY])] == []


def test_every_need_names_its_source_and_binds_to_a_known_user() -> None:
    for service in service_roles.services():
        assert service.used_by in service_roles.BINDERS
        assert all(need.source.split(",")[0].endswith(("Guide", "Reference")) for need in service.needs), service.name


CDN_LOG_TYPES = ("aws:cloudfront/distribution:Distribution", "aws:s3/bucket:Bucket", "aws:s3/bucketAcl:BucketAcl",
                 "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:kms/key:Key")


def cdn_logs() -> list:
    """The dr plan's distribution, its log bucket, the bucket's ACL, encryption and key, as the stacks declare them."""
    return [copy.deepcopy(r) for r in plan("dr").resources
            if r.type in CDN_LOG_TYPES and (r.name.startswith("edge-cdn-logs") or r.name == "edge-cdn-distribution")]


def test_cloudfront_log_delivery_is_granted_the_acl_and_the_key() -> None:
    assert len(cdn_logs()) == 5
    assert violations(POLICY, cdn_logs()) == []


def test_a_log_bucket_acl_without_awslogsdelivery_is_refused() -> None:
    records = cdn_logs()
    acl = next(r for r in records if r.type == "aws:s3/bucketAcl:BucketAcl")
    acl.inputs["accessControlPolicy"]["grants"] = acl.inputs["accessControlPolicy"]["grants"][:1]
    assert violations(POLICY, records) == [
        "bucket aivo-production-cdn-logs-us-west-2: CloudFront's standard logging writes through the bucket ACL, which must "
        "grant FULL_CONTROL to the awslogsdelivery account (c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0) "
        "(CloudFront Developer Guide, Configure standard logging (legacy): permissions required (the bucket ACL grants "
        "FULL_CONTROL to the awslogsdelivery account))"]


def test_a_log_bucket_key_that_log_delivery_cannot_use_is_refused() -> None:
    """The key grants log delivery through S3's encryption context: bound to another bucket, both calls S3 makes
    for it (a data key, and Decrypt for the Bucket Key) are refused."""
    records = cdn_logs()
    key = next(r for r in records if r.type == "aws:kms/key:Key")
    document = json.loads(key.inputs["policy"])
    delivery = next(s for s in document["Statement"] if s.get("Sid") == "CloudFrontLogDelivery")
    delivery["Condition"] = {"ArnLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::another-bucket"}}
    key.inputs["policy"] = json.dumps(document)
    source = ("(CloudFront Developer Guide, Configure standard logging (legacy): SSE-KMS buckets ({}); S3 User Guide, "
              "Using SSE-KMS with S3 Bucket Keys{})")
    assert violations(POLICY, records) == [
        "bucket aivo-production-cdn-logs-us-west-2: its key's policy does not let delivery.logs.amazonaws.com kms:Decrypt "
        "(not allowed: statement 'CloudFrontLogDelivery' condition ArnLike on kms:EncryptionContext:aws:s3:arn: the request's "
        "value does not match) " + source.format("kms:Decrypt, which S3 Bucket Keys need", ""),
        "bucket aivo-production-cdn-logs-us-west-2: its key's policy does not let delivery.logs.amazonaws.com kms:GenerateDataKey "
        "(not allowed: statement 'CloudFrontLogDelivery' condition ArnLike on kms:EncryptionContext:aws:s3:arn: the request's "
        "value does not match) " + source.format("the key policy lets delivery.logs.amazonaws.com call kms:GenerateDataKey*",
                                                 ": the encryption context S3 sends is aws:s3:arn = the bucket's ARN"),
    ]


def test_a_secret_environment_variable_needs_its_secret() -> None:
    records = mutate(runner(), "runner-project", "environment", {"environmentVariables": [
        {"name": "PAGERDUTY_TOKEN", "type": "SECRETS_MANAGER", "value": "aivo-dr/pagerduty-token"}]})
    assert violations(POLICY, records) == [
        f"runner (CodeBuild, used by runner-project): cannot secretsmanager:GetSecretValue on arn:aws:secretsmanager:{WEST}:"
        f"{ACCOUNT}:secret:aivo-dr/pagerduty-token-AbCdEf: not allowed: no statement grants the action; CodeBuild needs it "
        "(CodeBuild User Guide, Build specification reference (env/secrets-manager) and environment variables of type "
        "SECRETS_MANAGER: the service role needs secretsmanager:GetSecretValue on the secret)"]


def test_an_ecr_image_pulled_with_the_service_role_needs_the_repository() -> None:
    image = {"image": f"{ACCOUNT}.dkr.ecr.{WEST}.amazonaws.com/aivo-dr-runner:2026.12", "imagePullCredentialsType": "SERVICE_ROLE"}
    found = violations(POLICY, mutate(runner(), "runner-project", "environment", image))
    repository = f"arn:aws:ecr:{WEST}:{ACCOUNT}:repository/aivo-dr-runner"
    assert [f.split(": not allowed")[0].split("cannot ")[1] for f in found] == [
        f"ecr:BatchCheckLayerAvailability on {repository}", f"ecr:BatchGetImage on {repository}",
        "ecr:GetAuthorizationToken on *", f"ecr:GetDownloadUrlForLayer on {repository}"]
    # CodeBuild's own credentials pull through the repository's policy instead: nothing asked of the role
    assert violations(POLICY, mutate(runner(), "runner-project", "environment", {**image, "imagePullCredentialsType": "CODEBUILD"})) == []


def handed_role(name: str, principal: str, statements: list[dict]) -> object:
    return res("aws:iam/role:Role", f"{name}-role", {
        "name": name,
        "assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}]}),
        "inlinePolicies": [{"name": name, "policy": json.dumps({"Version": "2012-10-17", "Statement": statements})}],
    }, region=None)


FLOW_GROUP = f"arn:aws:logs:{WEST}:{ACCOUNT}:log-group:flow"
FLOW_SOURCE = "VPC flow logs needs it (VPC User Guide, IAM role for publishing flow logs to CloudWatch Logs)"


def flow_log(statements: list[dict], **inputs: object) -> list:
    return [handed_role("flow", "vpc-flow-logs.amazonaws.com", statements),
            res("aws:ec2/flowLog:FlowLog", "flow-log", {"iamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/flow", "vpcId": "vpc-0ddd",
                                                         "trafficType": "ALL", **inputs}, region=WEST)]


FLOW_GRANT = {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
              "Resource": f"{FLOW_GROUP}:*"}


@pytest.mark.parametrize(("inputs", "needs"), [
    ({"logDestination": f"{FLOW_GROUP}:*", "logDestinationType": "cloud-watch-logs"}, True),
    ({"logDestination": FLOW_GROUP}, True),  # the default destination type is CloudWatch Logs
    ({"logDestination": "arn:aws:s3:::flow-logs", "logDestinationType": "s3"}, False),
    ({"logDestination": f"{FLOW_GROUP}:*", "logDestinationType": "s3"}, False),
    ({"logGroupName": "flow"}, False),  # no ARN to bind the grant to
])
def test_a_flow_log_role_must_write_its_log_group(inputs: dict, needs: bool) -> None:
    assert violations(POLICY, flow_log([FLOW_GRANT], **inputs)) == []
    assert violations(POLICY, flow_log([], **inputs)) == ([
        f"flow (VPC flow logs, used by flow-log): cannot logs:CreateLogStream on {FLOW_GROUP}:*: not allowed: no statement grants "
        f"the action; {FLOW_SOURCE}",
        f"flow (VPC flow logs, used by flow-log): cannot logs:DescribeLogStreams on {FLOW_GROUP}:*: not allowed: no statement "
        f"grants the action; {FLOW_SOURCE}",
        f"flow (VPC flow logs, used by flow-log): cannot logs:PutLogEvents on {FLOW_GROUP}:log-stream:2026/01/01/[$LATEST]"
        f"0123456789abcdef: not allowed: no statement grants the action; {FLOW_SOURCE}",
    ] if needs else [])


def schedule(statements: list[dict], target: str, payload: str | None = None) -> list:
    return [handed_role("scheduler", "scheduler.amazonaws.com", statements),
            res("aws:scheduler/schedule:Schedule", "drill", {
                "scheduleExpression": "cron(0 3 ? * TUE *)", "flexibleTimeWindow": {"mode": "OFF"},
                "target": {"arn": target, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/scheduler",
                           **({"input": payload} if payload is not None else {})}}, region=WEST)]


FIS_TARGET = "arn:aws:scheduler:::aws-sdk:fis:startExperiment"
TEMPLATE = f"arn:aws:fis:{WEST}:{ACCOUNT}:experiment-template/EXT0123456789abcd"


def test_a_schedule_that_starts_an_experiment_needs_the_template_and_the_experiment() -> None:
    start = json.dumps({"ExperimentTemplateId": "EXT0123456789abcd"})
    granted = {"Effect": "Allow", "Action": "fis:StartExperiment",
               "Resource": [TEMPLATE, f"arn:aws:fis:{WEST}:{ACCOUNT}:experiment/*"]}
    assert violations(POLICY, schedule([granted], FIS_TARGET, start)) == []
    found = violations(POLICY, schedule([{**granted, "Resource": TEMPLATE}], FIS_TARGET, start))
    assert found == [
        f"scheduler (EventBridge Scheduler, used by drill): cannot fis:StartExperiment on arn:aws:fis:{WEST}:{ACCOUNT}:experiment/"
        "EXP0123456789abcdef: not allowed: statement #0 of document 0 grants the action on other resources; EventBridge "
        "Scheduler needs it (FIS User Guide, IAM permissions for starting experiments (fis:StartExperiment on the template and "
        "the experiment))"]
    # an input that names no template (or is not JSON) binds nothing to check
    for payload in ("{}", "not json", None):
        assert violations(POLICY, schedule([], FIS_TARGET, payload)) == []


@pytest.mark.parametrize(("target", "action"), [
    ("arn:aws:scheduler:::aws-sdk:rds:rebootDBInstance", "rds:RebootDBInstance"),
    ("arn:aws:scheduler:::aws-sdk:ecs:runTask", "ecs:RunTask"),
    ("arn:aws:lambda:us-west-2:123456789012:function:probe", None),  # a templated target: not a universal one
])
def test_a_universal_target_needs_its_api_action(target: str, action: str | None) -> None:
    assert violations(POLICY, schedule([], target)) == ([
        f"scheduler (EventBridge Scheduler, used by drill): cannot {action} on *: not allowed: no statement grants the action; "
        "EventBridge Scheduler needs it (EventBridge Scheduler User Guide, Using universal targets (the execution role needs the "
        "API action))"] if action else [])
    if action:
        assert violations(POLICY, schedule([{"Effect": "Allow", "Action": action, "Resource": "*"}], target)) == []


def refused(found: list[str]) -> list[tuple[str, str]]:
    """(action, resource) of each request the role fails to allow (violations come sorted by message)."""
    return [tuple(line.split(": cannot ", 1)[1].split(": ", 1)[0].split(" (the service sends")[0].split(" on ", 1))  # type: ignore[misc]
            for line in found]


LAMBDA_LOGS = f"arn:aws:logs:{WEST}:{ACCOUNT}:log-group"
STREAM = "log-stream:2026/01/01/[$LATEST]0123456789abcdef"
ENI = f"arn:aws:ec2:{WEST}:{ACCOUNT}:network-interface/eni-0123456789abcdef0"


@pytest.mark.parametrize(("inputs", "expected"), [
    ({}, [("logs:CreateLogStream", f"{LAMBDA_LOGS}:/aws/lambda/probe:*"), ("logs:PutLogEvents", f"{LAMBDA_LOGS}:/aws/lambda/probe:{STREAM}")]),
    ({"loggingConfig": {"logFormat": "JSON", "logGroup": "/aivo/probe"}},
     [("logs:CreateLogStream", f"{LAMBDA_LOGS}:/aivo/probe:*"), ("logs:PutLogEvents", f"{LAMBDA_LOGS}:/aivo/probe:{STREAM}")]),
    ({"vpcConfig": {"subnetIds": ["subnet-0aaa"], "securityGroupIds": [GROUP]}},
     [("logs:CreateLogStream", f"{LAMBDA_LOGS}:/aws/lambda/probe:*"), ("logs:PutLogEvents", f"{LAMBDA_LOGS}:/aws/lambda/probe:{STREAM}"),
      ("ec2:CreateNetworkInterface", ENI), ("ec2:CreateNetworkInterface", f"arn:aws:ec2:{WEST}:{ACCOUNT}:subnet/subnet-0aaa"),
      ("ec2:DescribeNetworkInterfaces", "*"), ("ec2:DeleteNetworkInterface", ENI), ("ec2:AssignPrivateIpAddresses", ENI),
      ("ec2:UnassignPrivateIpAddresses", ENI)]),
])
def test_a_function_role_must_write_its_log_group_and_manage_its_interfaces(inputs: dict, expected: list) -> None:
    found = [handed_role("probe", "lambda.amazonaws.com", []),
             res("aws:lambda/function:Function", "probe-function", {"name": "probe", "role": f"arn:aws:iam::{ACCOUNT}:role/probe",
                                                                    "runtime": "python3.12", **inputs}, region=WEST)]
    assert refused(violations(POLICY, found)) == sorted(expected)


CANARY_GROUP = f"{LAMBDA_LOGS}:/aws/lambda/cwsyn-health-0123456789ab"
ARTIFACT_KEY = f"arn:aws:kms:{WEST}:{ACCOUNT}:key/0a1b2c3d-0000-4000-8000-000000000002"


def canary_refused(location: str, encryption: dict | None) -> list[tuple[str, str]]:
    found = [handed_role("canary", "lambda.amazonaws.com", []),
             res("aws:synthetics/canary:Canary", "health-canary", {
                 "name": "health", "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/canary", "artifactS3Location": location,
                 **({"artifactConfig": {"s3Encryption": encryption}} if encryption else {})}, region=WEST)]
    return refused(violations(POLICY, found))


CANARY_LOGS = [("cloudwatch:PutMetricData", "*"), ("logs:CreateLogGroup", f"{CANARY_GROUP}:*"),
               ("logs:CreateLogStream", f"{CANARY_GROUP}:*"), ("logs:PutLogEvents", f"{CANARY_GROUP}:{STREAM}")]


@pytest.mark.parametrize(("location", "prefix"), [
    ("s3://canary-artifacts/health", "health/"), ("s3://canary-artifacts/runs/", "runs/"), ("s3://canary-artifacts", ""),
])
def test_a_canary_role_must_write_its_artifacts_under_its_prefix(location: str, prefix: str) -> None:
    assert canary_refused(location, None) == sorted([
        ("s3:PutObject", f"arn:aws:s3:::canary-artifacts/{prefix}2026/01/01/00-00-00-000Z/log.txt"),
        ("s3:GetBucketLocation", "arn:aws:s3:::canary-artifacts"), ("s3:ListAllMyBuckets", "*"), *CANARY_LOGS])


@pytest.mark.parametrize(("encryption", "needs_key"), [
    ({"encryptionMode": "SSE_KMS", "kmsKeyArn": ARTIFACT_KEY}, True),
    ({"encryptionMode": "SSE_S3", "kmsKeyArn": ARTIFACT_KEY}, False),
    ({"encryptionMode": "SSE_KMS"}, False),
])
def test_a_canary_role_must_use_its_artifact_key(encryption: dict, needs_key: bool) -> None:
    found = canary_refused("s3://canary-artifacts/health/", encryption)
    assert (("kms:GenerateDataKey", ARTIFACT_KEY) in found, len(found)) == (needs_key, 7 + needs_key)


def _only(records: list, type_: str) -> object:
    return next(r for r in records if r.type == type_)


def test_the_log_bucket_acl_is_the_one_naming_the_bucket_or_depending_on_it() -> None:
    records = cdn_logs()
    acl = _only(records, "aws:s3/bucketAcl:BucketAcl")
    acl.depends_on = []  # joined by the bucket's name
    assert violations(POLICY, records) == []
    records = mutate(cdn_logs(), acl.name, "bucket", "renamed-at-apply")  # joined by its dependency on the bucket
    assert violations(POLICY, records) == []
    # another bucket's ACL granting log delivery does not grant it on this one
    records = cdn_logs()
    acl = _only(records, "aws:s3/bucketAcl:BucketAcl")
    other = copy.deepcopy(acl)
    other.name, other.urn, other.depends_on = "other-acl", acl.urn.replace(acl.name, "other-acl"), []
    other.inputs["bucket"] = "another-bucket"
    acl.inputs["accessControlPolicy"]["grants"] = acl.inputs["accessControlPolicy"]["grants"][:1]
    assert len(violations(POLICY, [*records, other])) == 1


def _with_delivery(change) -> list:  # type: ignore[no-untyped-def]
    records = cdn_logs()
    key = _only(records, "aws:kms/key:Key")
    document = json.loads(key.inputs["policy"])
    change(next(s for s in document["Statement"] if s.get("Sid") == "CloudFrontLogDelivery"))
    key.inputs["policy"] = json.dumps(document)
    return records


@pytest.mark.parametrize(("change", "refused"), [
    (lambda s: s.update(Principal="*"), False),
    (lambda s: s.update(Principal={"AWS": "*"}), False),
    (lambda s: s.update(Principal={"Service": "logs.amazonaws.com"}), True),
    # the key's region and bucket are those the request carries
    (lambda s: s.update(Condition={"StringEquals": {"aws:RequestedRegion": WEST}}), False),
    (lambda s: s.update(Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}}), True),
])
def test_the_log_bucket_key_statement_for_log_delivery(change, refused: bool) -> None:  # type: ignore[no-untyped-def]
    assert len(violations(POLICY, _with_delivery(change))) == (2 if refused else 0)


def test_the_log_bucket_encryption_is_the_one_naming_the_bucket_or_depending_on_it() -> None:
    def elsewhere(statement: dict) -> None:
        statement["Condition"] = {"ArnLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::another-bucket"}}

    records = _with_delivery(elsewhere)
    sse = _only(records, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    bucket = _only(records, "aws:s3/bucket:Bucket")
    sse.depends_on = [u for u in sse.depends_on if u != bucket.urn]
    sse.property_dependencies = {k: [u for u in v if u != bucket.urn] for k, v in sse.property_dependencies.items()}
    assert len(violations(POLICY, records)) == 2  # joined by the bucket's name
    records = _with_delivery(elsewhere)
    sse = _only(records, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    other = copy.deepcopy(sse)
    other.name, other.urn, other.depends_on = "other-sse", sse.urn.replace(sse.name, "other-sse"), [
        u for u in sse.depends_on if u != _only(records, "aws:s3/bucket:Bucket").urn]
    other.inputs["bucket"] = "another-bucket"
    assert len(violations(POLICY, [*records[:records.index(sse)], other, *records[records.index(sse):]])) == 2
