"""The deploy runners: one per stack in its own region and VPC, in standby, locked down; the dr runner runs
the failover exactly as the README tells an on-call engineer to."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from drctl.engine import Plan
from drctl.stack_settings import stack_settings
from stacks.deploy_runner import CONFIRM_PHRASE, FAILOVER_COMMAND, follow_command, parts_policy, runner_policy, start_command
from tests.helpers.planning import only, plan

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "aws:codebuild/project:Project"


def build_script(p: Plan) -> str:
    """The build phase's commands of the stack's runner, as CodeBuild runs them (one bash shell)."""
    spec = json.loads(only(p, PROJECT).inputs["source"]["buildspec"])
    return "\n".join(spec["phases"]["build"]["commands"])


@pytest.mark.parametrize(("stack", "region"), [("primary", "us-east-1"), ("dr", "us-west-2")])
def test_each_stack_has_its_runner_in_its_own_regions_private_subnets(stack: str, region: str) -> None:
    p = plan(stack)
    project = only(p, PROJECT)
    assert project.region == region and project.inputs["name"] == f"aivo-dr-{stack}-runner"
    assert project.inputs["vpcConfig"]["subnets"] == p.outputs["privateSubnetIds"]
    assert project.inputs["vpcConfig"]["vpcId"] == p.outputs["vpcId"]
    assert project.inputs["source"]["auth"] == {
        "type": "CODECONNECTIONS", "resource": stack_settings(stack).site.code_connection_arns[region]}
    assert (project.inputs["concurrentBuildLimit"], project.inputs["environment"]["privilegedMode"]) == (1, False)


def test_the_runner_is_a_cluster_admin_and_admitted_to_its_private_api(dr_plan: Plan) -> None:
    cluster = only(dr_plan, "eks:index:Cluster")
    principals = [e["principalArn"] for e in cluster.inputs["accessEntries"].values()]
    assert principals == ["arn:aws:iam::123456789012:role/aivo-oncall", "arn:aws:iam::123456789012:role/aivo-dr-dr-runner"]
    assert (cluster.inputs["endpointPrivateAccess"], cluster.inputs["endpointPublicAccess"]) == (True, False)
    rule = only(dr_plan, "aws:ec2/securityGroupRule:SecurityGroupRule", "api-client")
    runner_sg = only(dr_plan, "aws:ec2/securityGroup:SecurityGroup", "dr-runner-sg")
    assert (rule.inputs["type"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("ingress", 443, 443)
    assert runner_sg.urn in rule.depends_on and cluster.urn in rule.depends_on


def test_only_the_on_call_roles_get_the_right_to_start_it(dr_plan: Plan) -> None:
    operators = only(dr_plan, "aws:iam/policy:Policy", "dr-runner-operators")
    statements = json.loads(operators.inputs["policy"])["Statement"]
    assert statements[0]["Action"] == ["codebuild:StartBuild", "codebuild:StopBuild", "codebuild:BatchGetBuilds",
                                       "codebuild:ListBuildsForProject"]
    assert statements[0]["Resource"] == ["arn:aws:codebuild:us-west-2:123456789012:project/aivo-dr-dr-runner"]
    attached = [r.inputs["role"] for r in dr_plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if "operator" in r.name]
    assert attached == ["aivo-oncall"]


@pytest.mark.parametrize(("stack", "regions"), [("primary", ["us-east-1", "us-west-2"]), ("dr", ["us-west-2"])])
def test_the_runner_role_is_bounded_to_its_stacks_regions_and_tags(stack: str, regions: list[str]) -> None:
    document = runner_policy(stack_settings(stack))
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    assert by_sid["ManageThisStacks"]["Condition"]["StringEquals"] == {
        "aws:RequestedRegion": regions, "aws:ResourceTag/managed-by": "aivo-dr", "aws:ResourceTag/dr-role": stack}
    assert by_sid["ReadInRegions"]["Condition"] == {"StringEquals": {"aws:RequestedRegion": regions}}
    assert by_sid["NeverChangeItself"] == {
        "Sid": "NeverChangeItself", "Effect": "Deny", "Action": ["codebuild:*", "iam:*"],
        "Resource": [f"arn:aws:codebuild:{regions[0] if stack == 'dr' else 'us-east-1'}:123456789012:project/aivo-dr-{stack}-runner",
                     f"arn:aws:iam::123456789012:role/aivo-dr-{stack}-runner"]}
    assert {"rds:DeleteDBInstance", "kms:ScheduleKeyDeletion", "s3:DeleteBucket"} <= set(by_sid["NeverDeleteData"]["Action"])
    assert ("EdgeRecords" in by_sid) == (stack == "dr")  # only the dr stack declares the edge
    # IAM's limit for a role's inline policies, which IAM counts without white space.
    assert len(json.dumps(document, separators=(",", ":"))) < 10240


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_what_the_monitoring_and_testing_parts_declare_is_a_managed_policy_on_the_runner_role(stack: str) -> None:
    """The inline policy is near IAM's 10,240 characters: the parts' statements are a managed policy (6,144 at most)."""
    p = plan(stack)
    parts = only(p, "aws:iam/policy:Policy", f"{stack}-runner-parts-policy")
    attachment = only(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", f"{stack}-runner-parts-policy")
    assert attachment.inputs["role"] == f"aivo-dr-{stack}-runner" and attachment.property_dependencies["policyArn"] == [parts.urn]
    document = json.loads(parts.inputs["policy"])
    assert document == parts_policy(stack_settings(stack))
    sids = {s["Sid"] for s in document["Statement"]}
    assert {"Alarms", "EventRules"} <= sids and ("RestoreTesting" in sids) == (stack == "dr")
    assert ("FaultExperimentTemplates" in sids) == (stack == "primary")
    assert len(json.dumps(document, separators=(",", ":"))) < 6144
    assert not sids & {s["Sid"] for s in runner_policy(stack_settings(stack))["Statement"]}


@pytest.mark.parametrize(("stack", "region"), [("primary", "us-east-1"), ("dr", "us-west-2")])
def test_codebuild_can_run_the_build_with_the_runner_role(stack: str, region: str) -> None:
    """What CodeBuild does with the role before and during any build: write its log, fetch the source through the
    connection, put the build's network interface in the project's subnets (with the keys CodeBuild sends: no tags)."""
    p = plan(stack)
    project = only(p, PROJECT)
    build = only(p, "aws:iam/policy:Policy", f"{stack}-runner-build-policy")
    attachment = only(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", f"{stack}-runner-build-policy")
    assert attachment.inputs["role"] == f"aivo-dr-{stack}-runner" and attachment.urn in project.depends_on
    by_sid = {s["Sid"]: s for s in json.loads(build.inputs["policy"])["Statement"]}
    group = f"arn:aws:logs:{region}:123456789012:log-group:/aws/codebuild/aivo-dr-{stack}-runner"
    assert by_sid["BuildLogs"]["Resource"] == [group, f"{group}:*"]
    connection = stack_settings(stack).site.code_connection_arns[region]
    assert by_sid["SourceConnection"]["Resource"] == [connection, connection.replace(":codeconnections:", ":codestar-connections:")]
    subnets = sorted(f"arn:aws:ec2:{region}:123456789012:subnet/{i}" for i in project.inputs["vpcConfig"]["subnets"])
    assert by_sid["VpcNetworkInterfacePermission"]["Condition"] == {
        "StringEquals": {"ec2:AuthorizedService": "codebuild.amazonaws.com", "ec2:Subnet": subnets}}
    assert by_sid["VpcDescribe"]["Condition"] == {"StringEquals": {"aws:RequestedRegion": [region]}}
    assert by_sid["VpcNetworkInterfaces"]["Resource"] == [
        f"arn:aws:ec2:{region}:123456789012:network-interface/*", *subnets,
        f"arn:aws:ec2:{region}:123456789012:security-group/{project.inputs['vpcConfig']['securityGroupIds'][0]}"]

    assert len(json.dumps(json.loads(build.inputs["policy"]), separators=(",", ":"))) < 6144


def test_the_runners_may_change_what_the_edge_baseline_declares() -> None:
    """The primary runner owns the CDN's web ACL in us-east-1 (with the managed rule groups it names); the dr runner the
    response headers policy, the web ACL it attaches (read only) and the CDN's log bucket: exactly those ARNs."""
    def statement(stack: str, sid: str) -> dict:
        return next(s for s in parts_policy(stack_settings(stack))["Statement"] if s["Sid"] == sid)

    account = stack_settings("primary").account_id
    acl = f"arn:aws:wafv2:us-east-1:{account}:global/webacl/aivo-cdn/*"
    assert statement("primary", "CdnWebAcl")["Resource"] == [acl, "arn:aws:wafv2:us-east-1:*:global/managedruleset/*"]
    assert "wafv2:CreateWebACL" in statement("primary", "CdnWebAcl")["Action"]
    assert statement("dr", "CdnHeadersAndAcl")["Resource"] == [f"arn:aws:cloudfront::{account}:response-headers-policy/*", acl]
    assert statement("dr", "CdnHeadersAndAcl")["Action"] == ["cloudfront:CreateResponseHeadersPolicy",
                                                             "cloudfront:UpdateResponseHeadersPolicy", "wafv2:GetWebACL"]
    assert statement("dr", "CdnLogBucket")["Resource"] == ["arn:aws:s3:::aivo-production-cdn-logs-us-west-2"]
    assert only(plan("dr"), "aws:s3/bucket:Bucket", "edge-cdn-logs").inputs["bucket"] == "aivo-production-cdn-logs-us-west-2"


def test_the_runner_installs_the_pulumi_release_of_the_pinned_sdk() -> None:
    pinned = re.search(r"^pulumi==(\S+)$", (ROOT / "requirements.lock").read_text(), re.M)
    assert pinned and stack_settings("dr").runner.pulumi_version == pinned.group(1)


def test_the_readme_failover_command_is_the_runners(dr_plan: Plan) -> None:
    readme = (ROOT / "README.md").read_text()
    dr = stack_settings("dr")
    assert FAILOVER_COMMAND in readme and FAILOVER_COMMAND in build_script(dr_plan)
    assert "--continue-on-error" in FAILOVER_COMMAND
    assert start_command(dr, "failover") in readme and follow_command(dr) in readme


def run_build(script: str, tmp_path: Path, **env: str) -> tuple[int, str, list[str]]:
    """Run the build script in bash with a stand-in `pulumi` (the CLI cannot be installed here) that records
    each call's arguments; returns (status, output, the recorded calls)."""
    calls = tmp_path / "calls"
    fake = tmp_path / "bin" / "pulumi"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n[ "$1" = "${{FAIL_ON:-}}" ] && exit 1\nexit 0\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30, cwd=tmp_path,
                          env={"PATH": f"{fake.parent}:{os.environ['PATH']}", "HOME": str(tmp_path), **env})
    return done.returncode, done.stdout + done.stderr, calls.read_text().splitlines() if calls.exists() else []


def test_a_failover_build_needs_the_confirmation_phrase(dr_plan: Plan, tmp_path: Path) -> None:
    status, output, calls = run_build(build_script(dr_plan), tmp_path, ACTION="failover")
    assert (status, calls) == (2, [])
    assert f'refused: start the failover with CONFIRM="{CONFIRM_PHRASE}"' in output


def test_a_confirmed_failover_build_runs_the_failover_command_and_reminds_to_commit(dr_plan: Plan, tmp_path: Path) -> None:
    status, output, calls = run_build(build_script(dr_plan), tmp_path, ACTION="failover", CONFIRM=CONFIRM_PHRASE)
    assert status == 0
    assert calls == ["config set failover true --stack dr", "up --stack dr --yes --continue-on-error"]
    assert 'Commit "aivo-dr:failover: true" to Pulumi.dr.yaml now' in output


def test_a_failover_whose_update_partly_failed_still_reminds_and_fails(dr_plan: Plan, tmp_path: Path) -> None:
    """--continue-on-error finishes every step it can and still exits non-zero: the build says so, and reminds."""
    status, output, calls = run_build(build_script(dr_plan), tmp_path, ACTION="failover", CONFIRM=CONFIRM_PHRASE, FAIL_ON="up")
    assert (status, calls) == (1, ["config set failover true --stack dr", "up --stack dr --yes --continue-on-error"])
    assert 'Commit "aivo-dr:failover: true" to Pulumi.dr.yaml now' in output


def test_the_default_action_previews_and_the_primary_runner_cannot_fail_over(primary_plan: Plan, tmp_path: Path) -> None:
    # Routine runs enforce the policy pack, as pull-request review does; the failover does not (see commands()).
    status, _output, calls = run_build(build_script(primary_plan), tmp_path)
    assert (status, calls) == (0, ["preview --stack primary --diff --policy-pack policies"])
    status, output, calls = run_build(build_script(primary_plan), tmp_path, ACTION="failover", CONFIRM=CONFIRM_PHRASE)
    assert (status, calls) == (2, ["preview --stack primary --diff --policy-pack policies"]) and "ACTION must be one of preview, up" in output
    status, _output, calls = run_build(build_script(primary_plan), tmp_path, ACTION="up")
    assert (status, calls[-1]) == (0, "up --stack primary --yes --continue-on-error --policy-pack policies")
