"""The runner image: each runner pulls it by digest from its own region's repository, which its stack declares; the
image carries exactly the versions the stacks pin; a build installs nothing; the Velero chart comes from the image."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from drctl.engine import run_plan
from drctl.engine.plan import SettingsProblem
from drctl.stack_settings import stack_settings
from stacks.deploy_runner import IMAGE_ENV, IMAGE_PATH, image_statements, runner_policy
from tests.helpers.planning import only, plan

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "runner-image" / "Dockerfile").read_text()
REPOSITORY = "aws:ecr/repository:Repository"


def dockerfile_arg(name: str) -> str:
    match = re.search(rf'^ARG {name}="?([^"\n]*)"?$', DOCKERFILE, re.M)
    assert match, name
    return match.group(1)


@pytest.mark.parametrize(("stack", "region"), [("primary", "us-east-1"), ("dr", "us-west-2")])
def test_each_stack_declares_its_runners_repository_in_its_own_region(stack: str, region: str) -> None:
    p = plan(stack)
    repository = only(p, REPOSITORY)
    assert (repository.region, repository.inputs["name"], repository.inputs["imageTagMutability"]) == (region, "aivo-dr-runner", "IMMUTABLE")
    assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    key = only(p, "aws:kms/key:Key", f"{stack}-runner-image-kms")
    assert repository.inputs["encryptionConfigurations"][0]["encryptionType"] == "KMS"
    assert repository.property_dependencies["encryptionConfigurations"] == [key.urn] and key.region == region
    assert f"ecr.{region}.amazonaws.com" in key.inputs["policy"]  # the key is used through ECR in its region only
    assert repository.protect and repository.retain_on_delete
    runner_role = f"arn:aws:iam::123456789012:role/aivo-dr-{stack}-runner"
    assert json.loads(only(p, "aws:ecr/repositoryPolicy:RepositoryPolicy").inputs["policy"]) == {
        "Version": "2012-10-17", "Statement": [
            {"Sid": "RunnersPull", "Effect": "Allow", "Principal": {"AWS": [runner_role]},
             "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]},
            {"Sid": "NobodyElsePulls", "Effect": "Deny", "Principal": "*",
             "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
             "Condition": {"ArnNotLike": {"aws:PrincipalArn": [runner_role, "arn:aws:iam::123456789012:role/aws-service-role/*"]}}}]}
    assert json.loads(only(p, "aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"])["rules"] == [{
        "rulePriority": 1, "description": "untagged manifests (interrupted pushes) after 14 days; tagged images are kept",
        "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14},
        "action": {"type": "expire"}}]
    project = only(p, "aws:codebuild/project:Project")
    assert project.inputs["environment"]["image"] == (
        f"123456789012.dkr.ecr.{region}.amazonaws.com/aivo-dr-runner@sha256:{'0123456789abcdef' * 4}")


def test_the_dr_repository_replicates_into_the_primarys_region_and_the_primary_replicates_nothing() -> None:
    replication = only(plan("dr"), "aws:ecr/replicationConfiguration:ReplicationConfiguration")
    assert replication.region == "us-west-2"
    assert replication.inputs["replicationConfiguration"] == {"rules": [{
        "destinations": [{"region": "us-east-1", "registryId": "123456789012"}],
        "repositoryFilters": [{"filter": "aivo-dr-runner", "filterType": "PREFIX_MATCH"}]}]}
    assert plan("primary").by_type("aws:ecr/replicationConfiguration:ReplicationConfiguration") == []


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_the_runner_role_pulls_only_its_own_repository_and_nothing_changes_on_failover(stack: str) -> None:
    settings = stack_settings(stack)
    region = settings.region
    by_sid = {s["Sid"]: s for s in image_statements(settings)}
    assert by_sid["RunnerImagePull"]["Resource"] == [f"arn:aws:ecr:{region}:123456789012:repository/aivo-dr-runner"]
    assert by_sid["RunnerImageToken"] == {"Sid": "RunnerImageToken", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"],
                                          "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": [region]}}}
    assert ("RunnerImageReplication" in by_sid) == (stack == "dr")
    statements = runner_policy(settings)["Statement"]
    assert all(s in statements for s in by_sid.values())
    planned = only(plan(stack), "aws:iam/rolePolicy:RolePolicy", f"{stack}-runner-role-policy").inputs["policy"]
    assert json.loads(planned) == runner_policy(settings)
    if stack == "dr":
        assert only(plan("dr", "failover=true"), "aws:iam/rolePolicy:RolePolicy", "dr-runner-role-policy").inputs["policy"] == planned


def test_the_image_carries_exactly_what_the_stacks_pin() -> None:
    lock = dict(re.findall(r"^(pulumi[_-][a-z]+)==(\S+)$", (ROOT / "requirements.lock").read_text(), re.M))
    plugins = [tuple(line.split()) for line in dockerfile_arg("PULUMI_PLUGINS").split("\\n")]
    settings = stack_settings("dr")
    assert dockerfile_arg("PULUMI_VERSION") == settings.runner.pulumi_version
    # The SDKs' plugins, then what pulumi-eks's own release pins (nodejs/eks/package.json: @pulumi/aws, @pulumi/kubernetes).
    assert plugins == [("aws", lock["pulumi_aws"]), ("eks", lock["pulumi_eks"]), ("kubernetes", lock["pulumi_kubernetes"]),
                       ("pagerduty", lock["pulumi_pagerduty"]), ("aws", "7.25.0"), ("kubernetes", "4.19.0")]
    assert dockerfile_arg("VELERO_CHART_VERSION") == settings.velero.chart_version == "12.1.0"
    assert dockerfile_arg("VELERO_CHART_REPOSITORY") == settings.velero.chart_repository
    assert "-r /tmp/requirements.lock" in DOCKERFILE and "COPY requirements.lock /tmp/requirements.lock" in DOCKERFILE


def test_the_images_environment_is_the_buildspecs() -> None:
    env = dict(re.findall(r"^ENV (\w+)=(\S+)$", DOCKERFILE, re.M))
    assert {k: env[k] for k in IMAGE_ENV} == IMAGE_ENV
    assert env["PATH"].startswith(IMAGE_PATH + ":")
    spec = json.loads(only(plan("dr"), "aws:codebuild/project:Project").inputs["source"]["buildspec"])
    assert IMAGE_ENV.items() <= spec["env"]["variables"].items()


def run_install(tmp_path: Path, reported: str) -> tuple[int, str, Path]:
    """The install phase as CodeBuild runs it, with a stand-in `pulumi` that reports `reported` as its version."""
    spec = json.loads(only(plan("dr"), "aws:codebuild/project:Project").inputs["source"]["buildspec"])
    fake = tmp_path / "bin" / "pulumi"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\n[ "$1" = version ] && echo {reported}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    done = subprocess.run(["bash", "-c", "set -e\n" + "\n".join(spec["phases"]["install"]["commands"])], capture_output=True,
                          text=True, timeout=30, cwd=tmp_path,
                          env={"PATH": f"{fake.parent}:{os.environ['PATH']}", **spec["env"]["variables"]})
    return done.returncode, done.stdout + done.stderr, tmp_path / ".venv"


def test_the_install_phase_only_checks_the_image_and_links_its_environment(tmp_path: Path) -> None:
    status, output, venv = run_install(tmp_path, "v3.272.0")
    assert (status, output) == (0, "") and os.readlink(venv) == "/opt/aivo-dr/venv"


def test_an_image_with_another_pulumi_is_refused(tmp_path: Path) -> None:
    status, output, venv = run_install(tmp_path, "v3.200.0")
    assert status == 2 and not venv.is_symlink()
    assert output.strip() == ("refused: the runner image has Pulumi v3.200.0, the settings pin v3.272.0 (runner.pulumiVersion): "
                              "build and publish the image (docs/deploy.md)")


def test_velero_comes_from_the_images_chart_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "velero-12.1.0.tgz").write_bytes(b"chart")
    monkeypatch.setenv("AIVO_DR_CHART_DIR", str(tmp_path))
    release = only(run_plan("dr"), "kubernetes:helm.sh/v3:Release")
    assert release.inputs["chart"] == str(tmp_path / "velero-12.1.0.tgz")
    assert "repositoryOpts" not in release.inputs and "version" not in release.inputs
    monkeypatch.delenv("AIVO_DR_CHART_DIR")
    repository = only(plan("dr"), "kubernetes:helm.sh/v3:Release")
    assert (repository.inputs["chart"], repository.inputs["version"]) == ("velero", "12.1.0")


def test_an_image_without_the_chart_stops_the_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIVO_DR_CHART_DIR", str(tmp_path))
    with pytest.raises(SettingsProblem) as caught:
        run_plan("dr")
    assert str(caught.value) == (
        f'env:AIVO_DR_CHART_DIR = "{tmp_path}": an absolute directory holding velero-12.1.0.tgz (the runner image\'s charts; '
        "rebuild the image with this chart version), or unset to use the chart repository")


def test_the_image_workflow_pins_its_actions_and_pushes_only_from_the_default_branch() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "runner-image.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    uses = [s["uses"] for s in steps if "uses" in s]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses), uses
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["persist-credentials"] is False
    role = next(s for s in steps if s.get("id") == "role")
    assert role["if"] == "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"
    after = steps[steps.index(role) + 1:]
    assert [s["if"] for s in after] == ["steps.role.outputs.configured == 'true'"] * 2
    assert after[0]["with"]["aws-region"] == "us-west-2" and workflow["permissions"] == {"contents": "read"}
    build = next(s for s in steps if s.get("name") == "Build")["run"]
    assert "--provenance=false" in build and "--platform linux/amd64" in build  # one plain manifest, as CodeBuild pulls it
