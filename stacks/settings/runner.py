"""The deploy runner: where each stack's `pulumi up` runs, inside the stack's own region and VPC.

The clusters' API endpoints are private, so `pulumi up` (the Helm release, the Velero objects, the
failover's restores) must run where it can reach them. Each stack declares a CodeBuild project in its
own VPC's private subnets that checks out this repository and runs the pinned Pulumi CLI; the dr stack's
runs the failover during a us-east-1 outage, when laptops, VPNs and CI may be the least reliable part.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .base import Section, matching
from .values import PulumiVersion

# git check-ref-format: no "..", no "@{", no "//", no component starting with "." or ending ".lock", not ending
# "/" or ".", no leading "-" (CodeBuild sourceVersion is the branch name).
BranchName = Annotated[str, matching(
    r"(?!-)(?!.*\.\.)(?!.*@\{)(?!.*//)(?!.*(^|/)\.)(?!.*\.lock(/|$))[\w./-]+(?<![/.])",
    "a git branch name (letters, digits, '_', '.', '/', '-'; no '..', '//', leading '-' or '.', trailing '/' or '.', "
    "or .lock)",
)]
# CodeBuild images: an AWS curated image "aws/codebuild/<name>:<tag>" or an image reference with a tag.
BuildImage = Annotated[str, matching(
    r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})",
    'a CodeBuild image with a tag, e.g. "aws/codebuild/amazonlinux-x86_64-standard:5.0"',
)]


class Runner(Section):
    enabled: bool = True
    # The Pulumi CLI the runner installs: the release of the SDK pinned in requirements.lock (a test keeps them equal).
    pulumi_version: PulumiVersion = "3.272.0"
    branch: BranchName = "main"
    image: BuildImage = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
    compute_type: Literal["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"] = "BUILD_GENERAL1_SMALL"
    # A failover waits on tier restores of up to the Low tier's RTO (4 hours); the build may run that long.
    timeout_minutes: int = Field(default=300, ge=5, le=2160)
    log_retention_days: Literal[30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653] = 365
    # The Secrets Manager secret (in the dr region) holding the PagerDuty API token: the dr runner exports it as
    # PAGERDUTY_TOKEN, which the PagerDuty provider reads. Create it once: aws secretsmanager create-secret
    # --region us-west-2 --name aivo-dr/pagerduty-token --secret-string <token>
    pagerduty_token_secret: Annotated[str, matching(
        r"[A-Za-z0-9/_+=.@-]{1,512}", "a Secrets Manager secret name: 1-512 ASCII letters, digits or /_+=.@-",
    )] = "aivo-dr/pagerduty-token"
