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

# AWS's documentation accounts, hosted zones and keys; hostnames RFC 2606 reserves for examples.
EXAMPLE_ACCOUNTS = ("123456789012", "111122223333", "444455556666", "777788889999")
# The canonical user id the S3 User Guide uses in its examples ("Find the canonical user ID for your AWS account").
EXAMPLE_CANONICAL_USER_IDS = ("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",)
_EXAMPLE_TEXT = re.compile(r"example|\.test$|\.invalid$", re.IGNORECASE)

_ROLE_ARN = re.compile(r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _check_role_arn(text: str) -> str:
    if not _ROLE_ARN.match(str(text)):
        raise ValueError("an IAM role ARN, e.g. arn:aws:iam::123456789012:role/aivo-oncall")
    return text


# AWS CodeConnections (and its former name, CodeStar Connections) connection ARNs.
_CONNECTION_ARN = re.compile(r"^arn:aws:(codeconnections|codestar-connections):([a-z0-9-]+):\d{12}:connection/[0-9a-zA-Z-]+$")


def _check_connection_arns(arns: dict[str, str]) -> dict[str, str]:
    for region, arn in arns.items():
        match = _CONNECTION_ARN.match(str(arn))
        if not match or match.group(2) != region:
            raise ValueError(
                f"per region, a CodeConnections connection ARN of that region, e.g. "
                f"arn:aws:codeconnections:{region}:123456789012:connection/<id> ({region} has {arn})"
            )
    return arns


def _check_hostname(text: str) -> str:
    if not _HOSTNAME.match(str(text)):
        raise ValueError("a DNS hostname, e.g. k8s-aivo-ingress-0123456789.us-east-1.elb.amazonaws.com")
    return text


RoleArn = Annotated[str, AfterValidator(_check_role_arn)]
Hostname = Annotated[str, AfterValidator(_check_hostname)]
_PAGERDUTY_ID = re.compile(r"^P[A-Z0-9]{5,13}$")


def _check_pagerduty_id(text: str) -> str:
    if not isinstance(text, str) or not _PAGERDUTY_ID.match(text):
        raise ValueError("a PagerDuty user id such as PABC123 (People > Users: the id at the end of the user's URL)")
    return text


PagerDutyId = Annotated[str, AfterValidator(_check_pagerduty_id)]


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

    account_id: str = Field(
        pattern=r"^\d{12}$",
        description="the 12-digit AWS account both stacks deploy into (aws sts get-caller-identity --query Account)",
    )
    hosted_zone_id: str = Field(
        pattern=r"^Z[A-Z0-9]{1,31}$",
        description="the id of the public hosted zone of dns.zoneName "
        "(aws route53 list-hosted-zones-by-name --dns-name aivo.edu --query 'HostedZones[0].Id')",
    )
    cdn_certificate_arn: str = Field(
        pattern=r"^arn:aws:acm:us-east-1:\d{12}:certificate/[0-9a-f-]+$",
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
    repository: str = Field(
        pattern=r"^https://github\.com/[\w.-]+/[\w.-]+$",
        description="this project's GitHub repository, https://github.com/<owner>/<name>, that the deploy runners "
        "check out (git remote get-url origin)",
    )
    code_connection_arns: Annotated[dict[Region, str], AfterValidator(_check_connection_arns)] = Field(
        description="per region with a deploy runner, the AWS CodeConnections connection to GitHub in that region "
        "(aws codeconnections list-connections --region <region>; create it once in the console)",
    )
    state_backend_url: str = Field(
        pattern=r"^(s3://[a-z0-9.-]+(\?region=[a-z0-9-]+)?|https://api\.pulumi\.com)$",
        description="the Pulumi state backend of both stacks, outside us-east-1: s3://<bucket>?region=us-west-2 "
        "or https://api.pulumi.com (pulumi whoami -v)",
    )
    pagerduty: PagerDutyPeople = Field(
        description="the PagerDuty user ids of the on-call rotations (platform engineer, database admin, security: "
        "primary and secondary) and of the team lead, engineering manager and VP Engineering (PagerDuty, People > "
        "Users, the id in each user's URL)",
    )
    state_kms_key_arn: str = Field(
        pattern=r"^arn:aws:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]+$",
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
