"""The scheduled workflow's sign-in: GitHub's OIDC provider declared by exactly one stack, and a read-only role (dr
stack) that only this repository's default branch may assume."""

from __future__ import annotations

import pytest

from stacks.verification import verify_actions
from tests.helpers.planning import only, plan, policy_json

PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
GITHUB = "token.actions.githubusercontent.com"


def test_the_provider_is_declared_once_by_the_primary_stack_by_default() -> None:
    primary, dr = plan("primary"), plan("dr")
    provider = only(primary, PROVIDER)
    assert (provider.inputs["url"], provider.inputs["clientIdLists"]) == (f"https://{GITHUB}", ["sts.amazonaws.com"])
    assert not dr.by_type(PROVIDER) and "githubOidcProviderArn" in primary.outputs and "githubOidcProviderArn" not in dr.outputs


@pytest.mark.parametrize(("setting", "declared_by"), [("primary", ["primary"]), ("dr", ["dr"]), ("existing", [])])
def test_which_stack_declares_it_is_a_setting(setting: str, declared_by: list[str]) -> None:
    override = f"testing.verification.oidcProvider={setting}"
    assert [stack for stack in ("primary", "dr") if plan(stack, override).by_type(PROVIDER)] == declared_by
    # The role names it the same way whoever declares it, and waits for it when its own stack does.
    role = only(plan("dr", override), "aws:iam/role:Role", "verify-role")
    assert policy_json(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Federated": f"arn:aws:iam::123456789012:oidc-provider/{GITHUB}"}
    if setting == "dr":
        assert only(plan("dr", override), PROVIDER).urn in role.depends_on


def test_the_role_trusts_this_repositorys_default_branch_only() -> None:
    role = only(plan("dr"), "aws:iam/role:Role", "verify-role")
    assert role.inputs["name"] == "aivo-dr-verify"
    (statement,) = policy_json(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com",
                                                       f"{GITHUB}:sub": "repo:example/aivo-dr:ref:refs/heads/main"}}
    other = only(plan("dr", "site.repository=https://github.com/aivo-edu/dr-stacks", "runner.branch=trunk"), "aws:iam/role:Role", "verify-role")
    assert policy_json(other.inputs["assumeRolePolicy"])["Statement"][0]["Condition"]["StringEquals"][f"{GITHUB}:sub"] == (
        "repo:aivo-edu/dr-stacks:ref:refs/heads/trunk")


def test_the_role_reads_in_the_two_regions_and_the_buckets_by_name() -> None:
    document = policy_json(only(plan("dr"), "aws:iam/rolePolicy:RolePolicy", "verify-role-policy").inputs["policy"])
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert statements["ReadTheEstate"]["Condition"] == {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}}
    assert all(a.split(":")[1].startswith(("Describe", "List", "Get")) for a in statements["ReadTheEstate"]["Action"])
    assert statements["ReadTheBuckets"]["Resource"][:4] == [
        "arn:aws:s3:::aivo-production-assets", "arn:aws:s3:::aivo-production-velero",
        "arn:aws:s3:::aivo-production-assets-us-west-2", "arn:aws:s3:::aivo-production-velero-us-west-2"]
    assert statements["DecryptWhatS3Returns"]["Condition"] == {"StringEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com",
                                                                                                    "s3.us-west-2.amazonaws.com"]}}
    assert sorted({a for s in document["Statement"] for a in s["Action"]}) == verify_actions()


def test_the_flip_leaves_the_role_as_it_is() -> None:
    standby, failover = plan("dr"), plan("dr", "failover=true")
    for name in ("verify-role", "verify-role-policy"):
        assert [r.inputs for r in standby.resources if r.name == name] == [r.inputs for r in failover.resources if r.name == name]
