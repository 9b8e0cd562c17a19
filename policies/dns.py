"""Route53 failover records and CloudFront origin failover: the runbook's DNS and CDN steps of Scenario 4."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from ._common import CLOUDFRONT_DISTRIBUTION, ROUTE53_RECORD, as_list, config, get, items, resource_policy, shown

DEFAULT_MAXIMUM_TTL = 60
DEFAULT_STATUS_CODES = [500, 502, 503, 504]


def failover_type(props: Any) -> str | None:
    """PRIMARY or SECONDARY for a failover record, None otherwise."""
    for policy in items(props, "failoverRoutingPolicies"):
        return get(policy, "type")
    return None


def _primary_health_checked(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if failover_type(props) == "PRIMARY" and not get(props, "healthCheckId"):
        report("a PRIMARY failover record must have a healthCheckId, or Route53 never fails over", None)


route53_primary_health_checked = ResourceValidationPolicy(
    name="route53-primary-failover-record-health-checked",
    description="Every PRIMARY failover record is tied to a health check, so Route53 answers with the SECONDARY when the primary is down.",
    validate=resource_policy(ROUTE53_RECORD)(_primary_health_checked),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["dns", "resilience"],
)


def _failover_ttl(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if failover_type(props) is None or items(props, "aliases"):
        return  # alias records have no TTL of their own
    maximum = int(config(args, "maximumTtlSeconds", DEFAULT_MAXIMUM_TTL))
    ttl = get(props, "ttl")
    if ttl is None or ttl > maximum:
        report(f"ttl is {shown(ttl)}; a failover record must have a TTL of at most {maximum} seconds", None)


route53_failover_ttl = ResourceValidationPolicy(
    name="route53-failover-record-short-ttl",
    description="Failover records have a TTL of 60 seconds or less, so resolvers follow a failover within a minute.",
    validate=resource_policy(ROUTE53_RECORD)(_failover_ttl),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "maximumTtlSeconds": {
                "type": "integer", "minimum": 0, "maximum": 300, "default": DEFAULT_MAXIMUM_TTL,
                "description": "Longest TTL of a failover record, in seconds (runbook target: 60).",
            }
        }
    ),
    tags=["dns", "resilience"],
)


def _origin_failover(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    required = [int(code) for code in config(args, "requiredStatusCodes", DEFAULT_STATUS_CODES)]
    groups = items(props, "originGroups")
    if not groups:
        report("the distribution has no origin group, so it cannot fail over to the DR origin", None)
        return
    origin_ids = {get(origin, "originId") for origin in items(props, "origins")}
    group_ids = set()
    for group in groups:
        group_id = get(group, "originId")
        group_ids.add(group_id)
        codes = {int(c) for c in as_list(get(group, "failoverCriteria.statusCodes"))}
        missing = [c for c in required if c not in codes]
        if missing:
            report(f"origin group {group_id}: failoverCriteria.statusCodes must include {', '.join(map(str, missing))}", None)
        members = [get(m, "originId") for m in items(group, "members")]
        if len(members) != 2 or any(m not in origin_ids for m in members):
            report(f"origin group {group_id}: members must be two declared origins (primary, then DR), found {members}", None)
    target = get(props, "defaultCacheBehavior.targetOriginId")
    if target not in group_ids:
        report(f"defaultCacheBehavior.targetOriginId is {target}; it must be an origin group so the default behaviour fails over", None)


cloudfront_origin_failover = ResourceValidationPolicy(
    name="cloudfront-origin-group-failover",
    description="CloudFront distributions serve through an origin group of two origins that fails over on 5xx responses.",
    validate=resource_policy(CLOUDFRONT_DISTRIBUTION)(_origin_failover),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "requiredStatusCodes": {
                "type": "array", "items": {"type": "integer", "minimum": 400, "maximum": 599}, "minItems": 1,
                "default": DEFAULT_STATUS_CODES,
                "description": "Origin status codes that must trigger failover to the secondary origin.",
            }
        }
    ),
    tags=["cdn", "resilience"],
)

POLICIES = [route53_primary_health_checked, route53_failover_ttl, cloudfront_origin_failover]
