"""Doctor rows for what the stacks reference but never create: the public hosted zone, the CDN's certificate
and the on-call roles. Route53, IAM and ACM for CloudFront all answer from us-east-1."""

from __future__ import annotations

from botocore.exceptions import ClientError

from drctl.ops.aws import client, error_code
from drctl.ops.checks import FAIL, PASS, Check
from drctl.ops.doctor_context import GLOBAL_API_REGION, Context

HOSTED_ZONE = "hosted zone"
CDN_CERTIFICATE = "cdn certificate"
# CloudFront takes its certificates from ACM in us-east-1 only.
CDN_CERTIFICATE_REGION = "us-east-1"


def in_zone(name: str, zone: str) -> bool:
    name, zone = name.lower().rstrip("."), zone.lower().rstrip(".")
    return name == zone or name.endswith("." + zone)


def covers(pattern: str, name: str) -> bool:
    """Whether a certificate name covers a host name: equal, or a wildcard for exactly one leftmost label."""
    pattern, name = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if pattern == name:
        return True
    if pattern.startswith("*."):
        head, _, rest = name.partition(".")
        return bool(head) and rest == pattern[2:]
    return False


def hosted_zone_row(ctx: Context) -> Check:
    """site.hostedZoneId exists, is public, and is the zone of dns.zoneName, which holds every public name."""
    s = ctx.settings
    zone_id = s.site.hosted_zone_id
    try:
        zone = client("route53", GLOBAL_API_REGION).get_hosted_zone(Id=zone_id)["HostedZone"]
    except ClientError as error:
        if error_code(error) == "NoSuchHostedZone":
            return Check(HOSTED_ZONE, FAIL, f"{zone_id} not found in the account (site.hostedZoneId)")
        raise
    name = str(zone.get("Name", "")).rstrip(".")
    names = [s.dns.api_name, s.dns.app_name, *s.cdn.aliases]
    problems = []
    if zone.get("Config", {}).get("PrivateZone"):
        problems.append("it is a private zone: the public names need the public zone")
    if name.lower() != s.dns.zone_name.lower():
        problems.append(f"it is the zone of {name}, not of dns.zoneName {s.dns.zone_name}")
    outside = [n for n in names if not in_zone(n, name)]
    if outside:
        problems.append(f"{', '.join(outside)} not in {name}")
    if problems:
        return Check(HOSTED_ZONE, FAIL, f"{zone_id} ({name}): " + "; ".join(problems))
    return Check(HOSTED_ZONE, PASS, f"{zone_id} is the public zone of {name}: {', '.join(names)}")


def certificate_row(ctx: Context) -> Check:
    """site.cdnCertificateArn exists in us-east-1, is ISSUED, and covers every cdn.aliases name."""
    s = ctx.settings
    arn = s.site.cdn_certificate_arn
    try:
        cert = client("acm", CDN_CERTIFICATE_REGION).describe_certificate(CertificateArn=arn)["Certificate"]
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return Check(CDN_CERTIFICATE, FAIL, f"{arn} not found in {CDN_CERTIFICATE_REGION} (site.cdnCertificateArn)")
        raise
    status = cert.get("Status")
    names = cert.get("SubjectAlternativeNames") or [cert.get("DomainName", "")]
    problems = []
    if status != "ISSUED":
        problems.append(f"it is {status}, not ISSUED")
    uncovered = [alias for alias in s.cdn.aliases if not any(covers(n, alias) for n in names)]
    if uncovered:
        problems.append(f"it does not cover {', '.join(uncovered)} (cdn.aliases; it names {', '.join(names)})")
    short = arn.rsplit("/", 1)[-1]
    if problems:
        return Check(CDN_CERTIFICATE, FAIL, f"{short}: " + "; ".join(problems))
    return Check(CDN_CERTIFICATE, PASS, f"{short} ISSUED in {CDN_CERTIFICATE_REGION}, covers {', '.join(s.cdn.aliases)}")


def role_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def role_label(arn: str) -> str:
    return f"on-call role {role_name(arn)}"


def on_call_role_row(ctx: Context, arn: str) -> Check:
    """An on-call role exists in the stack's account, as named: the stack attaches the runner's operator
    policy to it by name and makes it a cluster admin."""
    label = role_label(arn)
    account = arn.split(":")[4]
    if account != ctx.settings.account_id:
        return Check(label, FAIL, f"{arn} is in account {account}, not the stack's {ctx.settings.account_id}: "
                                  "the stack attaches the runner's operator policy to it by name")
    iam = client("iam", GLOBAL_API_REGION)
    try:
        role = iam.get_role(RoleName=role_name(arn))["Role"]
    except iam.exceptions.NoSuchEntityException:
        return Check(label, FAIL, f"{arn} not found (site.onCallRoleArns)")
    if role.get("Arn") != arn:
        return Check(label, FAIL, f"the role is {role.get('Arn')}, not {arn} (site.onCallRoleArns)")
    return Check(label, PASS, f"{arn} exists")
