"""CloudFront and its AWS WAF: the web baseline of the public CDN (a web ACL, access logs, security headers, TLS)."""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._common import CLOUDFRONT_DISTRIBUTION, config, get, items, of_type, per_resource, resource_policy

WAF_WEB_ACL = "aws:wafv2/webAcl:WebAcl"
RESPONSE_HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
TAGS = ["cdn", "exposure"]
# A WAFv2 web ACL CloudFront can use: scope CLOUDFRONT ("global"), which exists only in us-east-1.
CLOUDFRONT_WEB_ACL_ARN = re.compile(r"^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/[^/]+/[^/]+$")
DEFAULT_RULE_GROUPS = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"]
DEFAULT_HSTS_SECONDS = 31536000
SECURE_VIEWER_POLICIES = ("https-only", "redirect-to-https")


def behaviours(props: Any) -> list[tuple[str, Any]]:
    """(label, behaviour) for the default cache behaviour and every ordered one."""
    found = [("defaultCacheBehavior", get(props, "defaultCacheBehavior") or {})]
    found += [(f"orderedCacheBehaviors[{i}]", b) for i, b in enumerate(items(props, "orderedCacheBehaviors"))]
    return found


def _waf_attached(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    arn = get(props, "webAclId")
    if not isinstance(arn, str) or not CLOUDFRONT_WEB_ACL_ARN.match(arn):
        report(f"webAclId is {arn}; it must be the ARN of an AWS WAF (v2) web ACL of scope CLOUDFRONT (us-east-1)", None)


cloudfront_waf_attached = ResourceValidationPolicy(
    name="cloudfront-waf-attached",
    description="Every CloudFront distribution is behind an AWS WAF (v2) web ACL of scope CLOUDFRONT.",
    validate=resource_policy(CLOUDFRONT_DISTRIBUTION)(_waf_attached),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


def _managed_rules(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    required = [str(g) for g in config(args, "requiredRuleGroups", DEFAULT_RULE_GROUPS)]
    active: set[str] = set()
    rate_limited = False
    for rule in items(props, "rules"):
        group = get(rule, "statement.managedRuleGroupStatement")
        if group and get(group, "vendorName") == "AWS" and get(rule, "overrideAction.count") is None:
            active.add(str(get(group, "name")))
        if get(rule, "statement.rateBasedStatement") and get(rule, "action.block") is not None:
            rate_limited = True
    missing = [g for g in required if g not in active]
    if missing:
        report(f"the web ACL must apply the AWS managed rule groups {', '.join(missing)} (not in count mode)", None)
    if not rate_limited:
        report("the web ACL must have a rate-based rule that blocks", None)


waf_managed_rules = ResourceValidationPolicy(
    name="waf-web-acl-aws-managed-rules",
    description="Every AWS WAF web ACL applies the AWS managed rule groups for common exploits, known bad inputs (Log4j) "
    "and IP reputation, and blocks clients over a rate limit.",
    validate=resource_policy(WAF_WEB_ACL)(_managed_rules),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "requiredRuleGroups": {
            "type": "array", "items": {"type": "string", "pattern": "^AWSManagedRules[A-Za-z0-9]+$"}, "minItems": 1,
            "default": DEFAULT_RULE_GROUPS, "description": "AWS managed rule groups every web ACL must apply.",
        }
    }),
    tags=TAGS,
)


def _access_logged(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    bucket = get(props, "loggingConfig.bucket")
    if not isinstance(bucket, str) or not bucket.endswith(".s3.amazonaws.com"):
        report(f"loggingConfig.bucket is {bucket}; standard logging must name a bucket (<bucket>.s3.amazonaws.com)", None)


cloudfront_access_logged = ResourceValidationPolicy(
    name="cloudfront-access-logged",
    description="Every CloudFront distribution writes standard access logs into an S3 bucket.",
    validate=resource_policy(CLOUDFRONT_DISTRIBUTION)(_access_logged),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["cdn", "monitoring"],
)


def header_findings(config_: Any, minimum_hsts: int) -> list[str]:
    """What a response headers policy's securityHeadersConfig lacks (each header set, overriding the origin)."""
    findings = []
    hsts = get(config_, "strictTransportSecurity")
    if not hsts or not get(hsts, "override") or int(get(hsts, "accessControlMaxAgeSec", 0)) < minimum_hsts:
        findings.append(f"Strict-Transport-Security (override, max-age at least {minimum_hsts})")
    if not get(config_, "contentTypeOptions.override"):
        findings.append("X-Content-Type-Options (override)")
    if get(config_, "frameOptions.frameOption") not in ("DENY", "SAMEORIGIN") or not get(config_, "frameOptions.override"):
        findings.append("X-Frame-Options DENY or SAMEORIGIN (override)")
    if not get(config_, "referrerPolicy.referrerPolicy") or not get(config_, "referrerPolicy.override"):
        findings.append("Referrer-Policy (override)")
    if not get(config_, "xssProtection.protection") or not get(config_, "xssProtection.modeBlock") or not get(config_, "xssProtection.override"):
        findings.append("X-XSS-Protection 1; mode=block (override)")
    return findings


def _security_headers(args: StackValidationArgs, report: ReportViolation) -> None:
    minimum = int(config(args, "minimumHstsSeconds", DEFAULT_HSTS_SECONDS))
    policies = {p.urn: p for p in of_type(args, RESPONSE_HEADERS_POLICY)}

    def check(distribution: Any) -> None:
        for label, behaviour in behaviours(distribution.props):
            if not get(behaviour, "responseHeadersPolicyId"):
                report(f"{distribution.name}: {label} has no responseHeadersPolicyId", distribution.urn)
                continue
            key = "defaultCacheBehavior" if label == "defaultCacheBehavior" else "orderedCacheBehaviors"
            attached = [policies[d.urn] for d in distribution.property_dependencies.get(key, []) if d.urn in policies]
            if not attached:
                report(f"{distribution.name}: {label} uses a response headers policy this stack does not declare, so its headers cannot be checked",
                       distribution.urn)
            for policy in attached:
                missing = header_findings(get(policy.props, "securityHeadersConfig") or {}, minimum)
                if missing:
                    report(f"{distribution.name}: {label}: response headers policy {policy.name} must set {', '.join(missing)}", distribution.urn)

    per_resource(of_type(args, CLOUDFRONT_DISTRIBUTION), report, check)


cloudfront_security_headers = StackValidationPolicy(
    name="cloudfront-security-headers",
    description="Every cache behaviour of a CloudFront distribution has a response headers policy that sets HSTS, "
    "X-Content-Type-Options, X-Frame-Options, Referrer-Policy and X-XSS-Protection over the origin's.",
    validate=_security_headers,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "minimumHstsSeconds": {
            "type": "integer", "minimum": 86400, "maximum": 63072000, "default": DEFAULT_HSTS_SECONDS,
            "description": "Shortest Strict-Transport-Security max-age, in seconds (one year).",
        }
    }),
    tags=TAGS,
)


def _viewer_tls(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    version = get(props, "viewerCertificate.minimumProtocolVersion")
    if get(props, "viewerCertificate.cloudfrontDefaultCertificate") or not str(version or "").startswith(("TLSv1.2", "TLSv1.3")):
        report(f"viewerCertificate.minimumProtocolVersion is {version}; it must be TLSv1.2_2019 or later, on the distribution's own certificate", None)
    for label, behaviour in behaviours(props):
        policy = get(behaviour, "viewerProtocolPolicy")
        if policy not in SECURE_VIEWER_POLICIES:
            report(f"{label}.viewerProtocolPolicy is {policy}; it must be https-only or redirect-to-https", None)


cloudfront_viewer_tls = ResourceValidationPolicy(
    name="cloudfront-viewer-tls12",
    description="Every CloudFront distribution serves viewers over HTTPS only, with TLS 1.2 or later on its own certificate.",
    validate=resource_policy(CLOUDFRONT_DISTRIBUTION)(_viewer_tls),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["cdn", "encryption"],
)

POLICIES = [cloudfront_waf_attached, waf_managed_rules, cloudfront_access_logged, cloudfront_security_headers, cloudfront_viewer_tls]
