"""policies/runner_image.py on the stacks' own planned resources: both runners pass as planned, and each policy fails one
mutated field with its exact message (the buildspec and image the runner had before the image existed among them)."""

from __future__ import annotations

import copy
import json

import pytest

from drctl.checking import check_plan
from drctl.engine.monitor import ResourceRecord
from policies import runner_image
from tests.helpers.planning import plan
from tests.helpers.policies import DELETE, UNKNOWN, mutate, plan_of, violations

PROJECT = "dr-runner-project"
REPOSITORY = "dr-runner-image-repository"
DIGEST = "sha256:" + "0123456789abcdef" * 4
WEST = f"123456789012.dkr.ecr.us-west-2.amazonaws.com/aivo-dr-runner@{DIGEST}"
# The install phase before the runner image (da434cf): everything downloaded when the build runs.
DOWNLOADING_INSTALL = {"runtime-versions": {"python": "3.11"}, "commands": [
    'curl -fsSL https://get.pulumi.com | sh -s -- --version "$PULUMI_VERSION"', 'export PATH="$HOME/.pulumi/bin:$PATH"', "make setup"]}
OFFLINE = ("a failover build must need nothing but its image, its source and its region's AWS APIs")


def located(policy, found: list[ResourceRecord]) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(resource name, message) of each violation: which resource a stack policy reports against."""
    return [(v.resource, v.message) for v in check_plan(plan_of(*found), [policy])]


def records(stack: str = "dr") -> list[ResourceRecord]:
    return copy.deepcopy(plan(stack).resources)


def with_install(install: dict) -> list[ResourceRecord]:
    found = records()
    project = next(r for r in found if r.name == PROJECT)
    spec = json.loads(project.inputs["source"]["buildspec"])
    spec["phases"]["install"] = install
    return mutate(found, PROJECT, "source.buildspec", json.dumps(spec))


@pytest.mark.parametrize("stack", ["primary", "dr"])
@pytest.mark.parametrize("policy", runner_image.POLICIES, ids=lambda p: p.name)
def test_both_planned_runners_pass(policy, stack: str) -> None:  # type: ignore[no-untyped-def]
    assert violations(policy, records(stack)) == []


def test_the_planned_runner_pulls_its_own_regions_image_by_digest_with_its_role() -> None:
    project = next(r for r in records() if r.name == PROJECT)
    assert (project.inputs["environment"]["image"], project.inputs["environment"]["imagePullCredentialsType"]) == (WEST, "SERVICE_ROLE")


@pytest.mark.parametrize(("install", "found"), [
    (DOWNLOADING_INSTALL, "curl, get.pulumi.com, make setup, runtime-versions"),
    ({"commands": ["pulumi plugin install resource aws 7.51.1"]}, "pulumi plugin install"),
    ({"commands": ["helm repo add vmware-tanzu https://vmware-tanzu.github.io/helm-charts"]}, "helm repo/pull"),
    ({"commands": ["python -m pip install -r requirements.lock"]}, "pip install"),
    ({"commands": ["wget -q https://example.com/pulumi.tgz"]}, "wget"),
])
def test_runner_builds_offline_refuses_a_download_at_run_time(install: dict, found: str) -> None:
    assert violations(runner_image.runner_builds_offline, with_install(install)) == [
        f"the buildspec downloads at run time ({found}): {OFFLINE}"]


@pytest.mark.parametrize(("path", "value", "message"), [
    ("environment.image", "aws/codebuild/amazonlinux-x86_64-standard:5.0",
     "dr-runner-project: its image aws/codebuild/amazonlinux-x86_64-standard:5.0 is not an ECR image by digest "
     "(<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex>): a tag can be moved and another registry can "
     "be unreachable when the failover runs"),
    ("environment.image", "123456789012.dkr.ecr.us-west-2.amazonaws.com/aivo-dr-runner:latest",
     "dr-runner-project: its image 123456789012.dkr.ecr.us-west-2.amazonaws.com/aivo-dr-runner:latest is not an ECR image by "
     "digest (<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex>): a tag can be moved and another registry "
     "can be unreachable when the failover runs"),
    ("environment.image", WEST.replace("us-west-2", "us-east-1"),
     "dr-runner-project: its image is in us-east-1, the runner in us-west-2: a build pulls from its own region's registry only"),
    ("environment.image", WEST.replace("aivo-dr-runner", "someone-elses"),
     "dr-runner-project: its image's repository someone-elses in us-west-2 is not declared by this stack, so its encryption, "
     "tags and who may pull are not reviewed"),
    ("environment.imagePullCredentialsType", "CODEBUILD",
     "dr-runner-project: environment.imagePullCredentialsType must be SERVICE_ROLE: the runner's role pulls its image (the "
     "repository admits no one else)"),
])
def test_runner_image_in_region_fails_one_mutated_project_field(path: str, value: str, message: str) -> None:
    assert located(runner_image.runner_image_in_region, mutate(records(), PROJECT, path, value)) == [(PROJECT, message)]


@pytest.mark.parametrize(("name", "path", "value", "finding"), [
    (REPOSITORY, "imageTagMutability", "MUTABLE",
     "imageTagMutability is MUTABLE; it must be IMMUTABLE (a pushed tag never names another image)"),
    (REPOSITORY, "imageScanningConfiguration.scanOnPush", False, "imageScanningConfiguration.scanOnPush must be true"),
    (REPOSITORY, "encryptionConfigurations", [{"encryptionType": "AES256"}],
     "encryptionConfigurations must be KMS with a customer managed key (kmsKey)"),
    ("dr-runner-image-lifecycle", "policy", json.dumps({"rules": [{"rulePriority": 1, "action": {"type": "expire"}, "selection": {
        "tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 5}}]}),
     "its lifecycle policy expires any images; only untagged ones may expire (the image a runner names by digest is tagged)"),
    ("dr-runner-image-policy", "policy", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::123456789012:role/aivo-dr-dr-runner", "arn:aws:iam::210987654321:root"]},
         "Action": ["ecr:BatchGetImage"]}, {"Effect": "Allow", "Principal": "*", "Action": ["ecr:GetDownloadUrlForLayer"]}]}),
     "its repository policy allows arn:aws:iam::210987654321:root, *; only the runner's role may pull"),
    (REPOSITORY, "encryptionConfigurations", [{"encryptionType": "KMS"}],
     "encryptionConfigurations must be KMS with a customer managed key (kmsKey)"),
    ("dr-runner-image-lifecycle", "policy", json.dumps({"rules": [
        {"rulePriority": 1, "action": {"type": "expire"}, "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"]}},
        {"rulePriority": 2, "action": {"type": "expire"}, "selection": {"tagStatus": "any"}}]}),
     "its lifecycle policy expires any, tagged images; only untagged ones may expire (the image a runner names by digest is tagged)"),
    # one statement (not a list); a Deny before a stranger's Allow; one principal as a string; a service principal
    ("dr-runner-image-policy", "policy", json.dumps({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "ecr:*"}}),
     "its repository policy allows *; only the runner's role may pull"),
    ("dr-runner-image-policy", "policy", json.dumps({"Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "ecr:DeleteRepository"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "ecr:BatchGetImage"}]}),
     "its repository policy allows arn:aws:iam::210987654321:root; only the runner's role may pull"),
    ("dr-runner-image-policy", "policy", json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "ecr:BatchGetImage"}]}),
     "its repository policy allows {'Service': 'codebuild.amazonaws.com'}; only the runner's role may pull"),
])
def test_runner_image_in_region_fails_one_mutated_repository_field(name: str, path: str, value: object, finding: str) -> None:
    assert located(runner_image.runner_image_in_region, mutate(records(), name, path, value)) == [
        (PROJECT, f"dr-runner-project: its image's repository aivo-dr-runner: {finding}")]


@pytest.mark.parametrize(("name", "value"), [
    ("dr-runner-image-lifecycle", "{}"), ("dr-runner-image-lifecycle", DELETE), ("dr-runner-image-policy", DELETE),
    ("dr-runner-image-policy", "{}"),
])
def test_a_lifecycle_or_repository_policy_without_rules_or_statements_finds_nothing(name: str, value: object) -> None:
    assert violations(runner_image.runner_image_in_region, mutate(records(), name, "policy", value)) == []


def test_the_runner_and_its_repository_are_where_their_region_input_or_provider_puts_them() -> None:
    for name in (PROJECT, REPOSITORY):  # no region input: the provider's (us-west-2)
        assert violations(runner_image.runner_image_in_region, mutate(records(), name, "region", DELETE)) == []
    assert located(runner_image.runner_image_in_region, mutate(records(), PROJECT, "region", "us-east-1")) == [
        (PROJECT, "dr-runner-project: its image is in us-west-2, the runner in us-east-1: a build pulls from its own region's "
         "registry only")]
    assert located(runner_image.runner_image_in_region, mutate(records(), REPOSITORY, "region", "us-east-1")) == [
        (PROJECT, "dr-runner-project: its image's repository aivo-dr-runner in us-west-2 is not declared by this stack, so its "
         "encryption, tags and who may pull are not reviewed")]
    assert located(runner_image.runner_image_in_region, mutate(records(), PROJECT, "environment.image", UNKNOWN)) == [
        (PROJECT, "dr-runner-project: environment.image is unknown at preview, so this cannot be verified; make it known at "
         "preview (e.g. build it from settings)")]
