"""A failover build must need nothing from anywhere else: the deploy runner's image is an ECR image in its own region,
in a repository its stack declares (encrypted with a customer key, immutable tags, scanned on push), named by
digest and pulled with the runner's role; and its build definition downloads nothing when it runs."""

from __future__ import annotations

import json
import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._common import get, of_type, per_resource, region_of, resource_policy
from .runner import CODEBUILD_PROJECT, _commands

ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
ECR_REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
TAGS = ["runner", "deployability"]

# An image by digest in a private ECR registry: <account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex>.
ECR_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com/"
                       r"(?P<repository>[a-z0-9][a-z0-9._/-]*)@sha256:[0-9a-f]{64}$")
# What a build must not run: each fetches something from outside the image, the source and the region's AWS APIs.
DOWNLOADS = (
    ("curl", re.compile(r"\bcurl\b")),
    ("wget", re.compile(r"\bwget\b")),
    ("get.pulumi.com", re.compile(r"get\.pulumi\.com")),
    ("pip install", re.compile(r"\bpip3?\s+install\b|\bpython3?\s+-m\s+pip\b|\buv\s+(?:pip|sync|tool)\b|\bpipx\s+install\b")),
    ("make setup", re.compile(r"\bmake\s+setup\b")),
    ("npm/yarn/pnpm", re.compile(r"\b(?:npm|npx|yarn|pnpm)\b")),
    ("pulumi plugin install", re.compile(r"\bpulumi\s+(?:plugin\s+install|install|package\s+add)\b")),
    ("helm repo/pull", re.compile(r"\bhelm\s+(?:repo\s+(?:add|update)|pull|fetch|dep(?:endency)?\s+(?:update|build))\b")),
    ("package manager", re.compile(r"\b(?:apt-get|apt|yum|dnf|apk|gem|go)\s+(?:install|add|update|get)\b")),
    ("git clone", re.compile(r"\bgit\s+(?:clone|fetch|pull)\b")),
)


def downloads(buildspec: str) -> list[str]:
    """What a build definition fetches when it runs, by kind, in the order DOWNLOADS lists them."""
    try:
        spec = json.loads(buildspec)
    except ValueError:
        spec = None
    # runtime-versions installs nothing on a curated image, but a custom image has no runtimes to select.
    text = _commands(buildspec)
    found = [label for label, pattern in DOWNLOADS if pattern.search(text)]
    if isinstance(spec, dict) and any(isinstance(p, dict) and "runtime-versions" in p for p in (spec.get("phases") or {}).values()):
        found.append("runtime-versions")
    return found


def _builds_offline(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    buildspec = get(props, "source.buildspec")
    if not isinstance(buildspec, str):
        return  # runner-locked-down refuses a buildspec that is not inline
    found = downloads(buildspec)
    if found:
        report(f"the buildspec downloads at run time ({', '.join(found)}): a failover build must need nothing but its image, "
               "its source and its region's AWS APIs", None)


runner_builds_offline = ResourceValidationPolicy(
    name="runner-builds-offline",
    description="A deploy runner's build definition downloads nothing when it runs (no curl, wget, pip, npm, make setup, "
    "pulumi plugin install, helm repo, get.pulumi.com, package manager or clone): everything comes from its image.",
    validate=resource_policy(CODEBUILD_PROJECT)(_builds_offline),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


def _strangers(document: Any, runner_role: str) -> list[str]:
    """The principals a repository policy allows anything to, other than the runner's role."""
    statements = json.loads(document).get("Statement", []) if isinstance(document, str) else []
    found = []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        named = principal.get("AWS") if isinstance(principal, dict) else principal
        for who in named if isinstance(named, list) else [named]:
            if str(who) != runner_role:
                found.append(str(who) if who is not None else str(principal))
    return found


def _repository_findings(repository: PolicyResource, lifecycles: list[PolicyResource], policies: list[PolicyResource],
                         runner_role: str) -> list[str]:
    """What makes a declared repository unfit to hold a runner's image."""
    props = repository.props
    found = []
    if get(props, "imageTagMutability") != "IMMUTABLE":
        found.append(f"imageTagMutability is {get(props, 'imageTagMutability')}; it must be IMMUTABLE (a pushed tag never "
                     "names another image)")
    if get(props, "imageScanningConfiguration.scanOnPush") is not True:
        found.append("imageScanningConfiguration.scanOnPush must be true")
    encryption = get(props, "encryptionConfigurations.0") or {}
    if get(encryption, "encryptionType") != "KMS" or "kmsKey" not in encryption:
        found.append("encryptionConfigurations must be KMS with a customer managed key (kmsKey)")
    for lifecycle in lifecycles:
        policy = get(lifecycle.props, "policy")
        rules = json.loads(policy).get("rules", []) if isinstance(policy, str) else []
        selected = sorted({str((rule.get("selection") or {}).get("tagStatus")) for rule in rules} - {"untagged"})
        if selected:
            found.append(f"its lifecycle policy expires {', '.join(selected)} images; only untagged ones may expire (the "
                         "image a runner names by digest is tagged)")
    for policy in policies:
        strangers = _strangers(get(policy.props, "policy"), runner_role)
        if strangers:
            found.append(f"its repository policy allows {', '.join(strangers)}; only the runner's role may pull")
    return found


def _image_in_region(args: StackValidationArgs, report: ReportViolation) -> None:
    repositories = of_type(args, ECR_REPOSITORY)
    lifecycles = of_type(args, ECR_LIFECYCLE)
    repository_policies = of_type(args, ECR_REPOSITORY_POLICY)

    def check(project: PolicyResource) -> None:
        image = str(get(project.props, "environment.image"))
        region = region_of(project.props, project.provider)
        match = ECR_IMAGE.match(image)
        if match is None:
            report(f"{project.name}: its image {image} is not an ECR image by digest "
                   "(<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex>): a tag can be moved and another "
                   "registry can be unreachable when the failover runs", project.urn)
            return
        if match["region"] != region:
            report(f"{project.name}: its image is in {match['region']}, the runner in {region}: a build pulls from its own "
                   "region's registry only", project.urn)
            return
        held = next((r for r in repositories if get(r.props, "name") == match["repository"]
                     and region_of(r.props, r.provider) == region), None)
        if held is None:
            report(f"{project.name}: its image's repository {match['repository']} in {region} is not declared by this stack, "
                   "so its encryption, tags and who may pull are not reviewed", project.urn)
            return
        if get(project.props, "environment.imagePullCredentialsType") != "SERVICE_ROLE":
            report(f"{project.name}: environment.imagePullCredentialsType must be SERVICE_ROLE: the runner's role pulls its "
                   "image (the repository admits no one else)", project.urn)
        mine = [lc for lc in lifecycles if held in lc.dependencies]
        policies = [rp for rp in repository_policies if held in rp.dependencies]
        for finding in _repository_findings(held, mine, policies, str(get(project.props, "serviceRole"))):
            report(f"{project.name}: its image's repository {match['repository']}: {finding}", project.urn)

    per_resource(of_type(args, CODEBUILD_PROJECT), report, check)


runner_image_in_region = StackValidationPolicy(
    name="runner-image-in-its-region",
    description="A deploy runner's image is an ECR image by digest, in the runner's own region, in a repository the stack "
    "declares (KMS customer key, immutable tags, scan on push, only untagged images expire, only the runner's role allowed "
    "by its repository policy), pulled with the runner's role.",
    validate=_image_in_region,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)

POLICIES = [runner_builds_offline, runner_image_in_region]
