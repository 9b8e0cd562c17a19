"""policies/runner.py on the dr stack's own planned resources: compliant as planned, and each policy failing
on one mutated field with its exact message."""

from __future__ import annotations

import copy
import json

import pytest

from drctl.checking import check_plan
from drctl.engine.monitor import ResourceRecord
from policies import runner
from tests.helpers.planning import plan
from tests.helpers.policies import DELETE, EAST, UNKNOWN, WEST, mutate, plan_of, res, violations

PROJECT = "dr-runner-project"
ROLE_POLICY = "dr-runner-role-policy"


def records() -> list[ResourceRecord]:
    return copy.deepcopy(plan("dr").resources)


def role_document(found: list[ResourceRecord]) -> dict:
    return json.loads(next(r for r in found if r.name == ROLE_POLICY).inputs["policy"])


def with_role_document(change) -> list[ResourceRecord]:  # type: ignore[no-untyped-def]
    found = records()
    document = role_document(found)
    change(document)
    return mutate(found, ROLE_POLICY, "policy", json.dumps(document))


@pytest.mark.parametrize("policy", runner.POLICIES, ids=lambda p: p.name)
def test_the_planned_stack_passes(policy) -> None:  # type: ignore[no-untyped-def]
    assert violations(policy, records()) == []


@pytest.mark.parametrize(("path", "value", "message"), [
    ("concurrentBuildLimit", 2, "concurrentBuildLimit is 2; it must be 1: two runs must never race on one stack"),
    ("environment.privilegedMode", True, "environment.privilegedMode must not be true (a runner builds no container images)"),
    ("vpcConfig", DELETE, "vpcConfig with subnets and a security group is required: the runner runs inside the stack's VPC"),
    ("source.buildspec", "buildspec.yml", "source.buildspec must be the build definition itself (inline): a buildspec file in "
     "the repository would let any commit change what the runner runs"),
    ("environment.environmentVariables", [{"name": "PULUMI_ACCESS_TOKEN", "value": "pul-123", "type": "PLAINTEXT"}],
     "environment variable PULUMI_ACCESS_TOKEN is plaintext; a secret comes from SECRETS_MANAGER or PARAMETER_STORE"),
])
def test_runner_locked_down_fails_one_mutated_field(path: str, value: object, message: str) -> None:
    assert violations(runner.runner_locked_down, mutate(records(), PROJECT, path, value)) == [message]


def test_runner_locked_down_refuses_a_buildspec_that_prints_the_environment_or_holds_a_secret() -> None:
    project = next(r for r in records() if r.name == PROJECT)
    spec = json.loads(project.inputs["source"]["buildspec"])
    spec["phases"]["build"]["commands"].insert(0, "set -x")
    spec["env"]["variables"]["PULUMI_CONFIG_PASSPHRASE"] = "hunter2"
    found = violations(runner.runner_locked_down, mutate(records(), PROJECT, "source.buildspec", json.dumps(spec)))
    assert found == [
        "buildspec variable PULUMI_CONFIG_PASSPHRASE is plaintext; a secret comes from env.secrets-manager",
        "the buildspec prints the environment (set -x, printenv, env): secrets would reach the build log",
    ]


def test_runner_role_bounded_fails_without_its_denies() -> None:
    def drop_denies(document: dict) -> None:
        document["Statement"] = [s for s in document["Statement"] if s["Effect"] != "Deny"]

    assert violations(runner.runner_role_bounded, with_role_document(drop_denies)) == [
        "dr-runner-project: its role must deny deleting data stores and keys (rds:DeleteDBInstance, "
        "elasticache:DeleteReplicationGroup, s3:DeleteBucket, backup:DeleteBackupVault, kms:ScheduleKeyDeletion)",
        "dr-runner-project: its role must deny itself codebuild:* and iam:* on its own project and role (a runner never changes itself)",
    ]


def test_runner_role_bounded_fails_on_another_region_or_a_wildcard() -> None:
    def east(document: dict) -> None:
        next(s for s in document["Statement"] if s["Sid"] == "ReadInRegions")["Condition"] = {
            "StringEquals": {"aws:RequestedRegion": ["us-east-1"]}}

    assert violations(runner.runner_role_bounded, with_role_document(east)) == [
        "dr-runner-project: ReadInRegions on Resource * is bounded neither by the stack's regions (us-west-2) nor by its tags",
    ]

    def admin(document: dict) -> None:
        document["Statement"].append({"Sid": "Admin", "Effect": "Allow", "Action": "iam:*", "Resource": "*"})

    assert violations(runner.runner_role_bounded, with_role_document(admin)) == [
        "dr-runner-project: Admin allows iam:*",
        "dr-runner-project: Admin on Resource * is bounded neither by the stack's regions (us-west-2) nor by its tags",
    ]


def test_runner_started_by_on_call_only_refuses_a_stack_role_or_another_grant() -> None:
    attached_inside = mutate(records(), "dr-runner-operator-0", "role", "aivo-dr-dr-runner")
    assert violations(runner.runner_started_by_on_call, attached_inside) == [
        "dr-runner-operators: attached to aivo-dr-dr-runner, a role of this stack; only the on-call roles may start a runner",
    ]

    def self_start(document: dict) -> None:
        document["Statement"].append({"Sid": "SelfStart", "Effect": "Allow", "Action": "codebuild:StartBuild",
                                      "Resource": "arn:aws:codebuild:us-west-2:123456789012:project/aivo-dr-dr-runner"})

    assert violations(runner.runner_started_by_on_call, with_role_document(self_start)) == [
        "dr-runner-role-policy: grants starting a deploy runner; only the runner's operators policy may, attached to the on-call roles",
    ]


def test_cluster_api_reachable_needs_the_runners_rule_or_public_cidrs() -> None:
    without_rule = [r for r in records() if "api-client" not in r.name]
    assert violations(runner.cluster_api_reachable, without_rule) == [
        "dr-cluster-eks: no declared path reaches its API: its endpoint is private, and no deploy runner in its VPC is "
        "admitted to it (nor are public CIDRs listed)",
    ]
    public = mutate(mutate(without_rule, "dr-cluster-eks", "endpointPublicAccess", True), "dr-cluster-eks",
                    "publicAccessCidrs", ["203.0.113.0/24"])
    assert violations(runner.cluster_api_reachable, public) == []


def located(policy, found: list[ResourceRecord]) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(resource name, message) of each violation: which resource a stack policy reports against."""
    return [(v.resource, v.message) for v in check_plan(plan_of(*found), [policy])]


YAML_BUILDSPEC = """version: 0.2

env:
  variables:
    STACK: dr

    # the state backend's passphrase
    Db_Password: hunter2
  secrets-manager:
    PULUMI_ACCESS_TOKEN: aivo/pulumi-token
phases:
  build:
    commands:
      - pulumi up --yes
"""


def test_runner_locked_down_reads_the_variables_of_a_yaml_buildspec() -> None:
    # a comment or a blank line stays inside env.variables; the next key of env (secrets-manager) ends it
    assert violations(runner.runner_locked_down, mutate(records(), PROJECT, "source.buildspec", YAML_BUILDSPEC)) == [
        "buildspec variable Db_Password is plaintext; a secret comes from env.secrets-manager"]


@pytest.mark.parametrize(("path", "value", "message"), [
    ("vpcConfig.securityGroupIds", [], "vpcConfig with subnets and a security group is required: the runner runs inside the stack's VPC"),
    ("vpcConfig.subnets", [], "vpcConfig with subnets and a security group is required: the runner runs inside the stack's VPC"),
    # a variable without a type is plaintext
    ("environment.environmentVariables", [{"name": "DB_PASSWORD", "value": "hunter2"}],
     "environment variable DB_PASSWORD is plaintext; a secret comes from SECRETS_MANAGER or PARAMETER_STORE"),
])
def test_runner_locked_down_fails_one_more_mutated_field(path: str, value: object, message: str) -> None:
    assert violations(runner.runner_locked_down, mutate(records(), PROJECT, path, value)) == [message]


RUNNER_PROJECT_ARN = "arn:aws:codebuild:us-west-2:123456789012:project/aivo-dr-dr-runner"


@pytest.mark.parametrize(("statement", "grants"), [
    ({"Action": "codebuild:StartBuild", "Resource": RUNNER_PROJECT_ARN}, True),  # no Effect: an Allow
    ({"Effect": "Allow", "Action": "codebuild:*", "Resource": RUNNER_PROJECT_ARN}, True),
    ({"Effect": "Allow", "Action": "*", "Resource": RUNNER_PROJECT_ARN}, True),
    ({"Effect": "Allow", "Action": "codebuild:StartBuild", "Resource": "*"}, True),
    ({"Effect": "Allow", "Action": "codebuild:StartBuild", "Resource": "arn:aws:codebuild:us-west-2:123456789012:project/another"}, False),
    ({"Effect": "Deny", "Action": "codebuild:StartBuild", "Resource": RUNNER_PROJECT_ARN}, False),
])
def test_runner_started_by_on_call_only_sees_every_grant_of_the_start(statement: dict, grants: bool) -> None:
    found = with_role_document(lambda document: document["Statement"].append(statement))
    assert located(runner.runner_started_by_on_call, found) == ([(
        ROLE_POLICY, f"{ROLE_POLICY}: grants starting a deploy runner; only the runner's operators policy may, attached to the on-call roles",
    )] if grants else [])


def test_runner_started_by_on_call_reports_the_operators_policy_itself() -> None:
    found = records()
    unattached = [r for r in found if not r.name.startswith("dr-runner-operator-")]
    assert located(runner.runner_started_by_on_call, unattached) == [
        ("dr-runner-operators", "dr-runner-operators: attached to no role; attach it to the on-call roles (site.onCallRoleArns)")]
    second = copy.deepcopy(next(r for r in found if r.name == "dr-runner-operator-0"))
    second.name, second.urn = "dr-runner-operator-9", second.urn.replace("operator-0", "operator-9")
    inside = mutate(mutate([*found, second], "dr-runner-operator-0", "role", "aivo-dr-dr-runner"), "dr-runner-operator-9",
                    "role", "aivo-dr-verify")
    assert located(runner.runner_started_by_on_call, inside) == [
        ("dr-runner-operators", "dr-runner-operators: attached to aivo-dr-dr-runner, aivo-dr-verify, a role of this stack; only the on-call roles may start a runner")]
    assert located(runner.runner_started_by_on_call, mutate(found, "dr-runner-operators", "policy", UNKNOWN)) == [
        ("dr-runner-operators", "dr-runner-operators: policy is unknown at preview, so this cannot be verified; make it known at "
         "preview (e.g. build it from settings)")]


CLUSTER_UNREACHABLE = ("dr-cluster-eks", "dr-cluster-eks: no declared path reaches its API: its endpoint is private, and no deploy "
                       "runner in its VPC is admitted to it (nor are public CIDRs listed)")


def test_cluster_api_reachable_takes_only_an_ingress_rule_on_443_from_a_runner() -> None:
    rule = "dr-cluster-api-client-0"
    assert located(runner.cluster_api_reachable, mutate(records(), rule, "type", "egress")) == [CLUSTER_UNREACHABLE]
    above = mutate(mutate(records(), rule, "fromPort", 444), rule, "toPort", 444)
    assert located(runner.cluster_api_reachable, above) == [CLUSTER_UNREACHABLE]
    # a rule without fromPort starts at 0; one without toPort admits no port
    assert located(runner.cluster_api_reachable, mutate(records(), rule, "fromPort", DELETE)) == []
    assert located(runner.cluster_api_reachable, mutate(records(), rule, "toPort", DELETE)) == [CLUSTER_UNREACHABLE]
    found = records()
    next(r for r in found if r.name == rule).depends_on = [r.urn for r in found if r.name == "dr-cluster-eks"]
    assert located(runner.cluster_api_reachable, found) == [CLUSTER_UNREACHABLE]  # from a group no runner is in


def test_cluster_api_reachable_looks_past_another_cluster_s_rule() -> None:
    found = records()
    rule = next(r for r in found if r.name == "dr-cluster-api-client-0")
    other = copy.deepcopy(rule)
    other.name, other.urn, other.depends_on = "other-api-client", rule.urn.replace("dr-cluster-api-client-0", "other-api-client"), []
    found.insert(found.index(rule), other)
    assert located(runner.cluster_api_reachable, found) == []


def test_cluster_api_reachable_needs_public_access_and_cidrs_together() -> None:
    without_rule = [r for r in records() if "api-client" not in r.name]
    assert located(runner.cluster_api_reachable, mutate(without_rule, "dr-cluster-eks", "endpointPublicAccess", True)) == [
        CLUSTER_UNREACHABLE]
    assert located(runner.cluster_api_reachable, mutate(without_rule, "dr-cluster-eks", "endpointPublicAccess", UNKNOWN)) == [
        ("dr-cluster-eks", "dr-cluster-eks: endpointPublicAccess is unknown at preview, so this cannot be verified; make it known "
         "at preview (e.g. build it from settings)")]


def test_runner_role_bounded_finds_the_role_by_name_or_by_dependency() -> None:
    found = records()
    role = next(r for r in found if r.name == "dr-runner-role")
    project = next(r for r in found if r.name == PROJECT)
    project.depends_on = [u for u in project.depends_on if u != role.urn]
    project.property_dependencies = {k: [u for u in v if u != role.urn] for k, v in project.property_dependencies.items()}
    assert violations(runner.runner_role_bounded, found) == []  # by its name in serviceRole
    renamed = mutate(records(), PROJECT, "serviceRole", "arn:aws:iam::123456789012:role/renamed")
    assert violations(runner.runner_role_bounded, renamed) == []  # by the project's dependency on it
    assert located(runner.runner_role_bounded, [r for r in records() if r.name != "dr-runner-role"]) == [
        (PROJECT, "dr-runner-project: its service role is not declared by this stack, so its permissions cannot be reviewed")]
    assert located(runner.runner_role_bounded, mutate(found, PROJECT, "serviceRole", "arn:aws:iam::123456789012:role/renamed")) == [
        (PROJECT, "dr-runner-project: its service role is not declared by this stack, so its permissions cannot be reviewed")]


def test_runner_role_bounded_names_the_stack_s_regions_from_region_inputs_and_providers() -> None:
    def south(document: dict) -> None:
        next(s for s in document["Statement"] if s["Sid"] == "ReadInRegions")["Condition"] = {
            "StringEquals": {"aws:RequestedRegion": ["ap-south-1"]}}

    found = [*with_role_document(south), res("aws:s3/bucket:Bucket", "elsewhere", {"bucket": "x", "region": "eu-west-1"}, region=WEST),
             res("aws:s3/bucket:Bucket", "east", {"bucket": "y"}, region=EAST)]
    assert violations(runner.runner_role_bounded, found) == [
        "dr-runner-project: ReadInRegions on Resource * is bounded neither by the stack's regions (eu-west-1, us-east-1, us-west-2) "
        "nor by its tags"]


def test_runner_role_bounded_accepts_resource_tags_and_reads_a_statement_without_effect_as_allow() -> None:
    def tagged(document: dict) -> None:
        document["Statement"].append({"Sid": "Tagged", "Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*",
                                      "Condition": {"StringEquals": {"aws:ResourceTag/dr-role": "dr"}}})

    assert violations(runner.runner_role_bounded, with_role_document(tagged)) == []

    def no_effect(document: dict) -> None:
        document["Statement"].append({"Sid": "NoEffect", "Action": "sts:*", "Resource": "arn:aws:iam::123456789012:role/x"})

    assert violations(runner.runner_role_bounded, with_role_document(no_effect)) == ["dr-runner-project: NoEffect allows sts:*"]


def test_runner_role_bounded_reports_against_the_project() -> None:
    def drop_denies(document: dict) -> None:
        document["Statement"] = [s for s in document["Statement"] if s["Effect"] != "Deny"]

    assert [name for name, _ in located(runner.runner_role_bounded, with_role_document(drop_denies))] == [PROJECT, PROJECT]
