"""Site values: what belongs to one company's AWS account. None has a default in code.

A missing one stops the program before anything is declared, with one line saying what to put there and
where to find it. The repository's stack files carry an example site (values from the documentation
ranges, all in one block); `drctl plan` says when a stack uses them and `drctl doctor` refuses them.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from .base import Region, Section
from .runner import RunnerImage
from .storage import bucket_name_ok
from .values import AccountId, ascii_pattern, checked

# AWS's documentation accounts, hosted zones and keys; hostnames RFC 2606 reserves for examples.
EXAMPLE_ACCOUNTS = ("123456789012", "111122223333", "444455556666", "777788889999")
# The canonical user id the S3 User Guide uses in its examples ("Find the canonical user ID for your AWS account").
EXAMPLE_CANONICAL_USER_IDS = ("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",)
_EXAMPLE_TEXT = re.compile(r"example|\.test$|\.invalid$", re.IGNORECASE)

# re.ASCII and fullmatch throughout: Python's \d and \w take any script's digits and letters, and `$` matches before
# a trailing newline; AWS takes neither.
_ROLE_ARN = re.compile(r"arn:aws:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]{1,512}", re.ASCII)
_HOSTNAME = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", re.ASCII)


def _check_role_arn(text: str) -> str:
    if not _ROLE_ARN.fullmatch(str(text)):
        raise ValueError("an IAM role ARN, e.g. arn:aws:iam::123456789012:role/aivo-oncall")
    return text


# AWS CodeConnections (and its former name, CodeStar Connections) connection ARNs.
_CONNECTION_ARN = re.compile(r"arn:aws:(codeconnections|codestar-connections):([a-z0-9-]+):[0-9]{12}:connection/[0-9a-zA-Z-]+", re.ASCII)


def _check_connection_arns(arns: dict[str, str]) -> dict[str, str]:
    for region, arn in arns.items():
        match = _CONNECTION_ARN.fullmatch(str(arn))
        if not match or match.group(2) != region:
            raise ValueError(
                f"per region, a CodeConnections connection ARN of that region, e.g. "
                f"arn:aws:codeconnections:{region}:123456789012:connection/<id> ({region} has {arn})"
            )
    return arns


def _check_hostname(text: str) -> str:
    if not _HOSTNAME.fullmatch(str(text)):
        raise ValueError("a DNS hostname, e.g. k8s-aivo-ingress-0123456789.us-east-1.elb.amazonaws.com")
    return text


RoleArn = Annotated[str, AfterValidator(_check_role_arn)]
Hostname = Annotated[str, AfterValidator(_check_hostname)]
_PAGERDUTY_ID = re.compile(r"P[A-Z0-9]{5,13}", re.ASCII)


def _check_pagerduty_id(text: str) -> str:
    if not isinstance(text, str) or not _PAGERDUTY_ID.fullmatch(text):
        raise ValueError("a PagerDuty user id such as PABC123 (People > Users: the id at the end of the user's URL)")
    return text


PagerDutyId = Annotated[str, AfterValidator(_check_pagerduty_id)]

STATE_BACKEND = ("s3://<bucket> (an S3 bucket name AWS accepts), optionally ?region=<region>, or https://api.pulumi.com")
_S3_BACKEND = re.compile(r"s3://([^?/]+)(\?region=[a-z0-9-]+)?", re.ASCII)


def state_backend_ok(text: str) -> bool:
    """The Pulumi state backend URL: Pulumi Cloud, or an S3 bucket whose name S3 would accept."""
    if text == "https://api.pulumi.com":
        return True
    match = _S3_BACKEND.fullmatch(text)
    return match is not None and bucket_name_ok(match.group(1))


class Rotation(Section):
    """One role's on-call rotation (runbook "On-Call Rotation"): who takes the primary and secondary shifts."""

    primary: list[PagerDutyId] = Field(min_length=1)
    secondary: list[PagerDutyId] = Field(min_length=1)


class PagerDutyPeople(Section):
    """PagerDuty user ids (Users, each user's page: the id in its URL, e.g. PXXXXXX)."""

    platform_engineer: Rotation
    database_admin: Rotation
    security: Rotation
    team_lead: PagerDutyId
    engineering_manager: PagerDutyId
    vp_engineering: PagerDutyId


class Site(Section):
    """One company's account. Every description says what to put there and where to find it."""

    account_id: AccountId = Field(
        description="the 12-digit AWS account both stacks deploy into (aws sts get-caller-identity --query Account)",
    )
    hosted_zone_id: Annotated[str, ascii_pattern(r"Z[A-Z0-9]{1,31}", "a Route53 hosted zone id: Z and 1-31 uppercase letters or digits")] = Field(
        description="the id of the public hosted zone of dns.zoneName "
        "(aws route53 list-hosted-zones-by-name --dns-name aivo.edu --query 'HostedZones[0].Id')",
    )
    cdn_certificate_arn: Annotated[str, ascii_pattern(
        r"arn:aws:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+",
        "an ACM certificate ARN in us-east-1, arn:aws:acm:us-east-1:<account>:certificate/<id>",
    )] = Field(
        description="an ISSUED ACM certificate in us-east-1 covering every cdn.aliases name "
        "(aws acm list-certificates --region us-east-1 --certificate-statuses ISSUED)",
    )
    ingress: dict[Region, Hostname] = Field(
        description="each region's ingress hostname, the target of the api/app records and the CDN's origins "
        "(kubectl get ingress -n aivo, ADDRESS column, in each region's cluster)",
    )
    on_call_role_arns: list[RoleArn] = Field(
        min_length=1,
        description="the IAM roles on-call engineers assume: cluster admins, and the only roles that may start "
        "the deploy runners (aws iam list-roles --query 'Roles[].Arn')",
    )
    repository: Annotated[str, ascii_pattern(
        r"https://github\.com/[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}/[A-Za-z0-9._-]{1,100}",
        "a GitHub repository URL https://github.com/<owner>/<name>: an owner of 1-39 ASCII letters, digits or single "
        "inner hyphens, a name of ASCII letters, digits, '.', '_' or '-'",
    )] = Field(
        description="this project's GitHub repository, https://github.com/<owner>/<name>, that the deploy runners "
        "check out (git remote get-url origin)",
    )
    code_connection_arns: Annotated[dict[Region, str], AfterValidator(_check_connection_arns)] = Field(
        description="per region with a deploy runner, the AWS CodeConnections connection to GitHub in that region "
        "(aws codeconnections list-connections --region <region>; create it once in the console)",
    )
    runner_images: dict[Region, RunnerImage] = Field(
        description="per region with a deploy runner, the runner's image by digest in that region's repository "
        "(runner.imageRepository): <account>.dkr.ecr.<region>.amazonaws.com/aivo-dr-runner@sha256:<digest>, the digest the "
        "runner-image workflow prints (the same digest in both regions: the dr stack's repository replicates into us-east-1)",
    )
    state_backend_url: Annotated[str, checked(STATE_BACKEND, state_backend_ok)] = Field(
        description="the Pulumi state backend of both stacks, outside us-east-1: s3://<bucket>?region=us-west-2 "
        "or https://api.pulumi.com (pulumi whoami -v)",
    )
    pagerduty: PagerDutyPeople = Field(
        description="the PagerDuty user ids of the on-call rotations (platform engineer, database admin, security: "
        "primary and secondary) and of the team lead, engineering manager and VP Engineering (PagerDuty, People > "
        "Users, the id in each user's URL)",
    )
    state_kms_key_arn: Annotated[str, ascii_pattern(
        r"arn:aws:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+", "a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id>",
    )] = Field(
        description="the KMS key of the stacks' secrets provider (awskms://) and state bucket, outside us-east-1 "
        "(aws kms describe-key --key-id alias/<alias> --region us-west-2 --query KeyMetadata.Arn)",
    )
    canonical_user_id: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="the account's S3 canonical user id, 64 lowercase hex digits, which the CDN log bucket's ACL names as "
        "its owner beside CloudFront's log delivery (aws s3api list-buckets --query Owner.ID)",
    )


def example_values(site: Site) -> list[str]:
    """The site keys (camelCase) whose values come from the documentation ranges, not a real account."""
    found = []
    for name, field in Site.model_fields.items():
        value = getattr(site, name)
        texts = [str(v) for v in (value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value])]
        examples = (*EXAMPLE_ACCOUNTS, *EXAMPLE_CANONICAL_USER_IDS)
        if any(example in text for text in texts for example in examples) or any(_EXAMPLE_TEXT.search(t) for t in texts):
            found.append(field.alias or name)
    return found
