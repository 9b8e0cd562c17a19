"""The pack's policies on the Testing Schedule's roles, on the stacks' own planned resources: the GitHub Actions role
(iam.ci_role_read_only) and the fault-injection role (iam.fis_role_only_its_templates) pass as planned, and each
fails on one mutated field with its exact message."""

from __future__ import annotations

import copy
import json

import pytest

from components.experiments import FIS_PERMISSIONS
from drctl.engine.monitor import ResourceRecord
from policies import iam
from stacks.verification import verify_actions
from tests.helpers.planning import plan
from tests.helpers.policies import mutate, res, violations

SUB = "token.actions.githubusercontent.com:sub"


def dr() -> list[ResourceRecord]:
    return copy.deepcopy(plan("dr").resources)


def primary() -> list[ResourceRecord]:
    return copy.deepcopy(plan("primary").resources)


def primary_with_pods() -> list[ResourceRecord]:
    """The pods experiment needs the cluster's public endpoint (FIS calls its API from outside the VPC)."""
    return copy.deepcopy(plan("primary", 'cluster.publicAccessCidrs=["203.0.113.0/24"]', "testing.experiments.servicePods.enabled=true").resources)


def document(records: list[ResourceRecord], name: str, key: str = "policy") -> dict:
    return json.loads(next(r for r in records if r.name == name).inputs[key])


def test_the_policies_defaults_are_what_the_stacks_declare() -> None:
    assert iam.DEFAULT_CI_ACTIONS == verify_actions()
    assert {k: sorted(v) for k, v in iam.DEFAULT_FIS_PERMISSIONS.items()} == {k: sorted(v) for k, v in FIS_PERMISSIONS.items()}


@pytest.mark.parametrize("policy", [iam.ci_role_read_only, iam.fis_role_only_its_templates], ids=lambda p: p.name)
def test_the_planned_stacks_pass(policy) -> None:  # type: ignore[no-untyped-def]
    assert violations(policy, dr()) == [] and violations(policy, primary()) == []


def trust_with(condition: dict) -> str:
    trust = document(dr(), "verify-role-role", "assumeRolePolicy")
    trust["Statement"][0]["Condition"] = condition
    return json.dumps(trust)


@pytest.mark.parametrize(("condition", "message"), [
    ({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
      "StringLike": {SUB: "repo:example/aivo-dr:*"}},
     "verify-role-role: its trust must require token.actions.githubusercontent.com:sub = repo:<owner>/<name>:ref:refs/heads/"
     "<default branch> exactly (StringEquals, no wildcard): any other subject lets other repositories, branches or pull requests in"),
    ({"StringEquals": {SUB: "repo:example/aivo-dr:ref:refs/heads/main"}},
     "verify-role-role: its trust must require token.actions.githubusercontent.com:aud = sts.amazonaws.com (StringEquals)"),
    ({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", SUB: "repo:example/aivo-dr:pull_request"}},
     "verify-role-role: its trust must require token.actions.githubusercontent.com:sub = repo:<owner>/<name>:ref:refs/heads/"
     "<default branch> exactly (StringEquals, no wildcard): any other subject lets other repositories, branches or pull requests in"),
])
def test_ci_role_read_only_refuses_a_wider_trust(condition: dict, message: str) -> None:
    found = mutate(dr(), "verify-role-role", "assumeRolePolicy", trust_with(condition))
    assert violations(iam.ci_role_read_only, found) == [message]


def test_ci_role_read_only_refuses_a_write_or_a_managed_policy() -> None:
    records = dr()
    policy = document(records, "verify-role-policy")
    policy["Statement"][1]["Action"].append("s3:PutObject")
    changed = mutate(records, "verify-role-policy", "policy", json.dumps(policy))
    assert violations(iam.ci_role_read_only, changed) == [
        "verify-role-role: allows s3:PutObject; a role GitHub Actions assumes may allow only the read calls of drctl backups verify "
        "and drctl preflight"]
    attached = [*dr(), res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "verify-read-only",
                           {"role": "aivo-dr-verify", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, region=None)]
    assert violations(iam.ci_role_read_only, attached) == [
        "verify-role-role: has the managed policy arn:aws:iam::aws:policy/ReadOnlyAccess attached; it may hold only its own "
        "read-only policy"]


def test_fis_role_only_its_templates_refuses_an_action_no_template_needs() -> None:
    records = primary()
    policy = document(records, "fault-injection-role-policy")
    policy["Statement"][0]["Action"].append("rds:DeleteDBInstance")
    changed = mutate(records, "fault-injection-role-policy", "policy", json.dumps(policy))
    assert violations(iam.fis_role_only_its_templates, changed) == [
        "fault-injection-role: allows rds:DeleteDBInstance, which its experiment templates' actions do not need"]


def test_fis_role_only_its_templates_narrows_with_the_templates_and_knows_every_action() -> None:
    """Without the node experiment, the node permissions are too much; an unreviewed FIS action is named."""
    records = [r for r in primary() if r.name != "fault-injection-clusterNodes"]
    assert violations(iam.fis_role_only_its_templates, records) == [
        "fault-injection-role: allows ec2:DescribeInstances, ec2:TerminateInstances, eks:DescribeNodegroup, which its "
        "experiment templates' actions do not need"]
    changed = mutate(primary_with_pods(), "fault-injection-servicePods", "actions.0.actionId", "aws:eks:pod-network-latency")
    assert violations(iam.fis_role_only_its_templates, changed) == [
        "fault-injection-role: allows eks:DescribeCluster, which its experiment templates' actions do not need",
        "fault-injection-servicePods: action aws:eks:pod-network-latency has no reviewed permissions (policy config actionPermissions)"]
