"""policies/runner_coverage.py: the runner roles cover AWS's published handler permissions of every declared type, with
conditions evaluated; each gap, condition and deny is its exact message; the data file covers what the stacks declare."""

from __future__ import annotations

import copy
import fnmatch
import json

import pytest

from drctl.engine.monitor import ResourceRecord
from policies import runner_coverage
from policies._contracts import exists, handler_permissions
from stacks.deploy_runner import _NEVER
from tests.helpers.planning import plan
from tests.helpers.policies import mutate, res, violations

STATES = [("primary",), ("primary", "activeRegion=us-west-2"), ("dr",), ("dr", "failover=true")]
TYPES_POLICY = "dr-runner-types-policy"
GAP = ("stack dr: aws:kms/key:Key (AWS::KMS::Key update) needs kms:UpdateKeyDescription, which the runner role does not "
       "allow on arn:aws:kms:us-west-2:123456789012:key/* ({})")


def records(*state: str) -> list[ResourceRecord]:
    return copy.deepcopy(plan(*state).resources)


def with_types_policy(change) -> list[ResourceRecord]:  # type: ignore[no-untyped-def]
    found = records("dr")
    document = json.loads(next(r for r in found if r.name == TYPES_POLICY).inputs["policy"])
    change(document)
    return mutate(found, TYPES_POLICY, "policy", json.dumps(document))


def tagged(document: dict) -> dict:
    return next(s for s in document["Statement"] if s["Sid"] == "DeclaredTypesTagged")


@pytest.mark.parametrize("state", STATES, ids=" ".join)
def test_the_planned_stacks_pass(state: tuple[str, ...]) -> None:
    assert violations(runner_coverage.runner_covers_declared_types, records(*state)) == []


def test_a_missing_handler_permission_names_stack_type_action_and_resource() -> None:
    def drop(document: dict) -> None:
        tagged(document)["Action"].remove("kms:UpdateKeyDescription")

    assert violations(runner_coverage.runner_covers_declared_types, with_types_policy(drop)) == [GAP.format("implicit-deny")]


def test_conditions_are_evaluated_a_grant_in_another_region_does_not_count() -> None:
    def east(document: dict) -> None:
        tagged(document)["Condition"]["StringEquals"]["aws:RequestedRegion"] = ["us-east-1"]

    found = violations(runner_coverage.runner_covers_declared_types, with_types_policy(east))
    assert GAP.format("implicit-deny") in found
    # every type whose update the statement serves: the key, and the security groups' rule descriptions (four types)
    assert sorted({m.split(" needs ")[1].split(",")[0] for m in found}) == [
        "ec2:UpdateSecurityGroupRuleDescriptionsEgress", "ec2:UpdateSecurityGroupRuleDescriptionsIngress", "kms:UpdateKeyDescription"]
    assert len(found) == 7


def test_conditions_are_evaluated_a_grant_on_other_tags_does_not_count() -> None:
    def other_stack(document: dict) -> None:
        tagged(document)["Condition"]["StringEquals"]["aws:ResourceTag/dr-role"] = "primary"

    assert GAP.format("implicit-deny") in violations(runner_coverage.runner_covers_declared_types, with_types_policy(other_stack))


def test_an_explicit_deny_is_named_as_such() -> None:
    def deny(document: dict) -> None:
        document["Statement"].append({"Effect": "Deny", "Action": "kms:UpdateKeyDescription", "Resource": "*"})

    assert violations(runner_coverage.runner_covers_declared_types, with_types_policy(deny)) == [GAP.format("explicit-deny")]


def test_an_invoke_without_its_action_fails() -> None:
    found = records("primary")
    document = json.loads(next(r for r in found if r.name == "primary-runner-types-policy").inputs["policy"])
    document["Statement"].append({"Effect": "Deny", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"})
    changed = mutate(found, "primary-runner-types-policy", "policy", json.dumps(document))
    # the invoke, and the secret's own handlers (CloudFormation's can generate its value)
    assert violations(runner_coverage.runner_covers_declared_types, changed) == [
        "stack primary: aws:secretsmanager/secret:Secret (AWS::SecretsManager::Secret create/update) needs "
        "secretsmanager:GetRandomPassword, which the runner role does not allow on * (explicit-deny)",
        "stack primary: invoke aws:secretsmanager/getRandomPassword:getRandomPassword: the runner role may not "
        "secretsmanager:GetRandomPassword on * (explicit-deny)"]


def test_a_type_without_a_contract_fails() -> None:
    found = records("dr") + [res("aws:sqs/queue:Queue", "jobs", {"name": "jobs"}, region="us-west-2")]
    assert violations(runner_coverage.runner_covers_declared_types, found) == [
        "stack dr: aws:sqs/queue:Queue (jobs) has no contract in policies/data/handler_permissions.json; add it to "
        "scripts/refresh-aws-contracts.py's table and refresh"]


def test_data_deletions_are_skipped_by_design_and_are_the_runners_denies() -> None:
    # A test keeps the policy's copy equal to the role's Deny list; the S3 bucket's create handler names one of them.
    assert sorted(runner_coverage.DENIED_BY_DESIGN) == sorted(_NEVER)
    assert "s3:PutLifecycleConfiguration" in handler_permissions()["handlers"]["AWS::S3::Bucket"]["create"]


@pytest.fixture(scope="module")
def declared() -> set[str]:
    return {r.type for state in STATES for r in plan(*state).resources}


def test_every_declared_aws_type_is_mapped(declared: set[str]) -> None:
    assert sorted(t for t in declared if runner_coverage.unmapped(t)) == []
    assert "eks:index:Cluster" in handler_permissions()["types"]


def test_the_recorded_invokes_are_the_data_files() -> None:
    data = handler_permissions()
    for stack in ("primary", "dr"):
        tokens = sorted({i.token for i in plan(stack).invokes if i.token.startswith("aws:")})
        assert tokens == sorted(data["stack_invokes"][stack])
        assert all(data["invokes"][t]["source"].startswith("https://github.com/hashicorp/terraform-provider-aws/") for t in tokens)


def test_every_exception_row_has_a_reason_and_matches_a_published_permission() -> None:
    data = handler_permissions()
    published = {cfn: {a for h in spec.values() for a in h} for cfn, spec in data["handlers"].items()}
    published["stand-in"] = {a for t in data["types"].values() if not t["cfn"] for h in ("create", "read", "update") for a in t[h]}
    published["*"] = set().union(*published.values())
    for cfn, rows in runner_coverage.EXCEPTIONS.items():
        for pattern, reason in rows.items():
            assert len(reason) > 15, (cfn, pattern)
            matched = [a for a in published[cfn] if fnmatch.fnmatchcase(a, pattern)
                       and a not in runner_coverage.DENIED_BY_DESIGN and exists(a)]
            assert matched, f"{cfn} {pattern}: matches no handler permission that is not skipped already"


def test_the_data_file_says_where_it_came_from() -> None:
    source = handler_permissions()["source"]
    assert source["schemas"].startswith("github:pulumi/pulumi-aws-native@") and source["script"] == "scripts/refresh-aws-contracts.py"
    assert len(source["generated"]) == 10


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_the_types_policy_is_attached_to_the_runner_and_within_the_managed_quota(stack: str) -> None:
    from policies.iam import MANAGED_LIMIT, policy_size
    from tests.helpers.planning import only

    p = plan(stack)
    types = only(p, "aws:iam/policy:Policy", f"{stack}-runner-types-policy")
    attachment = only(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", f"{stack}-runner-types-policy")
    assert types.inputs["name"] == f"aivo-dr-{stack}-runner-types" and attachment.inputs["role"] == f"aivo-dr-{stack}-runner"
    assert types.urn in attachment.depends_on
    assert policy_size(json.loads(types.inputs["policy"])) <= MANAGED_LIMIT
