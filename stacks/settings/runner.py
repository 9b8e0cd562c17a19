"""The deploy runner: where each stack's `pulumi up` runs, inside the stack's own region and VPC.

The clusters' API endpoints are private, so `pulumi up` (the Helm release, the Velero objects, the
failover's restores) must run where it can reach them. Each stack declares a CodeBuild project in its
own VPC's private subnets that checks out this repository and runs the pinned Pulumi CLI; the dr stack's
runs the failover during a us-east-1 outage, when laptops, VPNs and CI may be the least reliable part.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, NamedTuple

from pydantic import Field

from .base import Section, matching
from .errors import SettingsError
from .values import PulumiVersion

# git check-ref-format: no "..", no "@{", no "//", no component starting with "." or ending ".lock", not ending
# "/" or ".", no leading "-" (CodeBuild sourceVersion is the branch name).
BranchName = Annotated[str, matching(
    r"(?!-)(?!.*\.\.)(?!.*@\{)(?!.*//)(?!.*(^|/)\.)(?!.*\.lock(/|$))[\w./-]+(?<![/.])",
    "a git branch name (letters, digits, '_', '.', '/', '-'; no '..', '//', leading '-' or '.', trailing '/' or '.', "
    "or .lock)",
)]
# An ECR repository name as ECR reads it (CreateRepository: 2 to 256 characters, lowercase path components
# separated by "/", each letters and digits joined by single ".", "_" or "-").
_REPOSITORY = r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*"
RepositoryName = Annotated[str, matching(
    rf"(?=.{{2,256}}$){_REPOSITORY}", 'an ECR repository name (2 to 256 characters: lowercase letters and digits, joined by '
    'single ".", "_" or "-", path parts separated by "/"), e.g. "aivo-dr-runner"',
)]
# The runner's image as CodeBuild and ECR read it: the registry host of one account and region, a repository, and
# the image manifest's digest (never a tag: a digest names exactly one image, whatever is pushed later).
_ECR_IMAGE = re.compile(r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com/"
                        rf"(?P<repository>(?=[^@]{{2,256}}@){_REPOSITORY})@(?P<digest>sha256:[0-9a-f]{{64}})")
ECR_IMAGE_ALLOWED = ("an ECR image by digest, <account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 lowercase hex> "
                     "(the digest the runner-image workflow prints)")
RunnerImage = Annotated[str, matching(_ECR_IMAGE.pattern, ECR_IMAGE_ALLOWED)]


class EcrImage(NamedTuple):
    account: str
    region: str
    repository: str
    digest: str


def ecr_image(text: str) -> EcrImage:
    """The parts of a RunnerImage (validated when the settings were read)."""
    match = _ECR_IMAGE.fullmatch(text)
    if match is None:
        raise ValueError(ECR_IMAGE_ALLOWED)
    return EcrImage(match["account"], match["region"], match["repository"], match["digest"])

class Runner(Section):
    enabled: bool = True
    # The Pulumi CLI the runner image carries (and the build checks): the release of the SDK pinned in requirements.lock
    # (tests keep the lock, this and runner-image/Dockerfile equal).
    pulumi_version: PulumiVersion = "3.272.0"
    branch: BranchName = "main"
    # The ECR repository each stack declares in its own region for its runner's image (site.runnerImages names the
    # image in it by digest); the dr stack replicates its repository into the primary's region.
    image_repository: RepositoryName = "aivo-dr-runner"
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



# Set by the runner image (runner-image/Dockerfile): the directory holding the Helm charts it carries, so that a build
# installs them from the image and never from a chart repository.
CHART_DIR = "AIVO_DR_CHART_DIR"


def local_chart(name: str, version: str, environ: Mapping[str, str]) -> str | None:
    """The chart archive `<name>-<version>.tgz` the runner image carries, or None where no image provides charts (a
    laptop, review): then the chart comes from its repository. An image that names a directory without the archive
    stops the program before anything is declared (a failover must not fall back to the internet)."""
    directory = environ.get(CHART_DIR)
    if not directory:
        return None
    path = Path(directory) / f"{name}-{version}.tgz"
    if not Path(directory).is_absolute() or not path.is_file():
        raise SettingsError(f"env:{CHART_DIR}", directory, f"an absolute directory holding {path.name} (the runner image's "
                            "charts; rebuild the image with this chart version), or unset to use the chart repository")
    return str(path)
