"""policies/runner.py on the dr stack's own planned resources: compliant as planned, and each policy failing
on one mutated field with its exact message."""

from __future__ import annotations

import copy
import json

import pytest

from drctl.engine.monitor import ResourceRecord
from policies import runner
from tests.helpers.planning import plan
from tests.helpers.policies import DELETE, mutate, violations

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
