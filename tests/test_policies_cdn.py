"""policies/cdn.py and the database password policy: compliant passes, one mutated field fails with the exact message."""

from __future__ import annotations

import pytest

from drctl.checking import check_plan
from policies import cdn, database
from policies._common import CLOUDFRONT_DISTRIBUTION, RDS_INSTANCE
from tests.helpers.policies import DELETE, UNKNOWN, mutate, plan_of, res, urn, violations

ACL_ARN = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/aivo-cdn/0a1b2c3d-0000-1111-2222-333344445555"
HEADERS = {
    "strictTransportSecurity": {"accessControlMaxAgeSec": 63072000, "includeSubdomains": True, "preload": True, "override": True},
    "contentTypeOptions": {"override": True},
    "frameOptions": {"frameOption": "DENY", "override": True},
    "referrerPolicy": {"referrerPolicy": "strict-origin-when-cross-origin", "override": True},
    "xssProtection": {"protection": True, "modeBlock": True, "override": True},
}


def managed(priority, name, override=None):
    return {"name": name, "priority": priority, "overrideAction": override or {"none": {}},
            "statement": {"managedRuleGroupStatement": {"vendorName": "AWS", "name": name}}}


def compliant():
    headers = res(cdn.RESPONSE_HEADERS_POLICY, "headers", {"name": "headers", "securityHeadersConfig": HEADERS}, region=None)
    distribution = res(CLOUDFRONT_DISTRIBUTION, "cdn", {
        "webAclId": ACL_ARN,
        "loggingConfig": {"bucket": "aivo-production-cdn-logs-us-west-2.s3.amazonaws.com", "prefix": "cdn/"},
        "viewerCertificate": {"acmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x", "minimumProtocolVersion": "TLSv1.2_2021"},
        "defaultCacheBehavior": {"viewerProtocolPolicy": "https-only", "responseHeadersPolicyId": "rhp-1"},
    }, region=None, depends_on=(headers.urn,))
    distribution.property_dependencies = {"defaultCacheBehavior": [headers.urn]}
    acl = res(cdn.WAF_WEB_ACL, "acl", {"scope": "CLOUDFRONT", "rules": [
        managed(0, "AWSManagedRulesCommonRuleSet"), managed(1, "AWSManagedRulesKnownBadInputsRuleSet"),
        managed(2, "AWSManagedRulesAmazonIpReputationList"),
        {"name": "rate", "priority": 3, "action": {"block": {}}, "statement": {"rateBasedStatement": {"aggregateKeyType": "IP", "limit": 2000}}},
    ]})
    db = res(RDS_INSTANCE, "db", {"passwordWo": "[secret]", "passwordWoVersion": 1})
    return [headers, distribution, acl, db]


CASES = [
    (cdn.cloudfront_waf_attached, "cdn", "webAclId", DELETE,
     ["webAclId is None; it must be the ARN of an AWS WAF (v2) web ACL of scope CLOUDFRONT (us-east-1)"]),
    (cdn.cloudfront_waf_attached, "cdn", "webAclId", "arn:aws:wafv2:us-west-2:123456789012:regional/webacl/x/1",
     ["webAclId is arn:aws:wafv2:us-west-2:123456789012:regional/webacl/x/1; it must be the ARN of an AWS WAF (v2) web ACL of scope CLOUDFRONT (us-east-1)"]),
    (cdn.waf_managed_rules, "acl", "rules.1", managed(1, "AWSManagedRulesKnownBadInputsRuleSet", {"count": {}}),
     ["the web ACL must apply the AWS managed rule groups AWSManagedRulesKnownBadInputsRuleSet (not in count mode)"]),
    (cdn.waf_managed_rules, "acl", "rules.3.action", {"count": {}}, ["the web ACL must have a rate-based rule that blocks"]),
    (cdn.cloudfront_access_logged, "cdn", "loggingConfig", DELETE,
     ["loggingConfig.bucket is None; standard logging must name a bucket (<bucket>.s3.amazonaws.com)"]),
    (cdn.cloudfront_security_headers, "cdn", "defaultCacheBehavior.responseHeadersPolicyId", DELETE,
     ["cdn: defaultCacheBehavior has no responseHeadersPolicyId"]),
    (cdn.cloudfront_security_headers, "headers", "securityHeadersConfig.strictTransportSecurity.accessControlMaxAgeSec", 86400,
     ["cdn: defaultCacheBehavior: response headers policy headers must set Strict-Transport-Security (override, max-age at least 31536000)"]),
    (cdn.cloudfront_security_headers, "headers", "securityHeadersConfig.strictTransportSecurity.accessControlMaxAgeSec", 31535999,
     ["cdn: defaultCacheBehavior: response headers policy headers must set Strict-Transport-Security (override, max-age at least 31536000)"]),
    (cdn.cloudfront_security_headers, "headers", "securityHeadersConfig.xssProtection", DELETE,
     ["cdn: defaultCacheBehavior: response headers policy headers must set X-XSS-Protection 1; mode=block (override)"]),
    (cdn.cloudfront_security_headers, "headers", "securityHeadersConfig.frameOptions.override", False,
     ["cdn: defaultCacheBehavior: response headers policy headers must set X-Frame-Options DENY or SAMEORIGIN (override)"]),
    (cdn.cloudfront_viewer_tls, "cdn", "viewerCertificate.minimumProtocolVersion", "TLSv1_2016",
     ["viewerCertificate.minimumProtocolVersion is TLSv1_2016; it must be TLSv1.2_2019 or later, on the distribution's own certificate"]),
    (cdn.cloudfront_viewer_tls, "cdn", "defaultCacheBehavior.viewerProtocolPolicy", "allow-all",
     ["defaultCacheBehavior.viewerProtocolPolicy is allow-all; it must be https-only or redirect-to-https"]),
    (database.rds_password_write_only, "db", "password", "hunter2",
     ["password must not be set: it would sit in the state and in every diff; send it write-only (passwordWo) with passwordWoVersion"]),
    (database.rds_password_write_only, "db", "passwordWoVersion", DELETE,
     ["passwordWo needs passwordWoVersion: the version is how the password is rotated (a new version sends a new one)"]),
]

POLICIES = [*cdn.POLICIES, database.rds_password_write_only]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_compliant_resources_pass(policy):
    assert violations(policy, compliant()) == []


@pytest.mark.parametrize(("policy", "name", "path", "value", "expected"), CASES, ids=lambda c: getattr(c, "name", None))
def test_one_mutated_field_fails_with_the_exact_message(policy, name, path, value, expected):
    assert violations(policy, mutate(compliant(), name, path, value)) == expected


def test_a_headers_policy_the_stack_does_not_declare_cannot_pass():
    records = [r for r in compliant() if r.name != "headers"]
    records[0].property_dependencies = {}
    assert violations(cdn.cloudfront_security_headers, records) == [
        "cdn: defaultCacheBehavior uses a response headers policy this stack does not declare, so its headers cannot be checked"]


def test_a_web_acl_not_known_at_preview_is_a_violation():
    assert violations(cdn.cloudfront_waf_attached, mutate(compliant(), "cdn", "webAclId", UNKNOWN)) != []


def test_the_writer_created_with_a_write_only_password_and_a_promoted_replica_both_pass():
    promoted = res(RDS_INSTANCE, "promoted", {"storageEncrypted": True})  # carries its former source's password
    assert violations(database.rds_password_write_only, [promoted]) == []


def blamed(policy, records, config=None) -> list[tuple[str, str]]:
    """(resource, message) of each violation: the resource a stack policy blames is part of its verdict."""
    overrides = {policy.name: config} if config else None
    return [(v.resource, v.message) for v in check_plan(plan_of(*records), [policy], overrides)]


HEADER_FINDING = "cdn: defaultCacheBehavior: response headers policy headers must set {}"
HSTS = "Strict-Transport-Security (override, max-age at least 31536000)"


@pytest.mark.parametrize(("path", "value", "missing"), [
    ("strictTransportSecurity.accessControlMaxAgeSec", 31536000, None),  # exactly a year
    ("strictTransportSecurity.accessControlMaxAgeSec", DELETE, HSTS),
    ("strictTransportSecurity.override", False, HSTS),
    ("strictTransportSecurity", DELETE, HSTS),
    ("contentTypeOptions.override", False, "X-Content-Type-Options (override)"),
    ("frameOptions.frameOption", "SAMEORIGIN", None),
    ("frameOptions.frameOption", "ALLOW-FROM https://example.org", "X-Frame-Options DENY or SAMEORIGIN (override)"),
    ("referrerPolicy.override", False, "Referrer-Policy (override)"),
    ("referrerPolicy.referrerPolicy", DELETE, "Referrer-Policy (override)"),
    ("xssProtection.protection", False, "X-XSS-Protection 1; mode=block (override)"),
    ("xssProtection.modeBlock", False, "X-XSS-Protection 1; mode=block (override)"),
    ("xssProtection.override", False, "X-XSS-Protection 1; mode=block (override)"),
])
def test_each_security_header_is_set_over_the_origins(path, value, missing):
    records = mutate(compliant(), "headers", f"securityHeadersConfig.{path}", value)
    assert blamed(cdn.cloudfront_security_headers, records) == ([("cdn", HEADER_FINDING.format(missing))] if missing else [])


def test_every_missing_header_is_named_and_the_hsts_minimum_is_configurable():
    records = mutate(mutate(compliant(), "headers", "securityHeadersConfig.contentTypeOptions", DELETE),
                     "headers", "securityHeadersConfig.referrerPolicy", DELETE)
    assert violations(cdn.cloudfront_security_headers, records) == [
        HEADER_FINDING.format("X-Content-Type-Options (override), Referrer-Policy (override)")]
    assert violations(cdn.cloudfront_security_headers, compliant(), config={"minimumHstsSeconds": 63072001}) == [
        HEADER_FINDING.format("Strict-Transport-Security (override, max-age at least 63072001)")]


def with_ordered(records, behaviour, *dependencies):
    """The distribution with one ordered cache behaviour, whose response headers policy comes from `dependencies`."""
    records = mutate(records, "cdn", "orderedCacheBehaviors", [behaviour])
    distribution = next(r for r in records if r.name == "cdn")
    distribution.property_dependencies["orderedCacheBehaviors"] = list(dependencies)
    return records


WEAK = res(cdn.RESPONSE_HEADERS_POLICY, "weak", {"name": "weak", "securityHeadersConfig": {**HEADERS, "contentTypeOptions": {}}},
           region=None)


@pytest.mark.parametrize(("behaviour", "weak", "expected"), [
    ({"pathPattern": "/api/*", "viewerProtocolPolicy": "https-only", "responseHeadersPolicyId": "rhp-1"}, False, []),
    ({"pathPattern": "/api/*", "viewerProtocolPolicy": "https-only", "responseHeadersPolicyId": "rhp-2"}, True,
     [("cdn", "cdn: orderedCacheBehaviors[0]: response headers policy weak must set X-Content-Type-Options (override)")]),
    ({"pathPattern": "/api/*", "viewerProtocolPolicy": "https-only"}, False,
     [("cdn", "cdn: orderedCacheBehaviors[0] has no responseHeadersPolicyId")]),
])
def test_each_ordered_behaviour_has_its_own_headers_policy(behaviour, weak, expected):
    headers = urn(cdn.RESPONSE_HEADERS_POLICY, "weak" if weak else "headers")
    records = with_ordered([*compliant(), WEAK], behaviour, headers)
    assert blamed(cdn.cloudfront_security_headers, records) == expected


def test_every_behaviour_without_a_headers_policy_is_reported():
    records = with_ordered(mutate(compliant(), "cdn", "defaultCacheBehavior.responseHeadersPolicyId", DELETE),
                           {"pathPattern": "/api/*", "viewerProtocolPolicy": "https-only"})
    assert blamed(cdn.cloudfront_security_headers, records) == [
        ("cdn", "cdn: defaultCacheBehavior has no responseHeadersPolicyId"),
        ("cdn", "cdn: orderedCacheBehaviors[0] has no responseHeadersPolicyId")]


def test_an_undeclared_headers_policy_is_reported_against_the_distribution():
    records = [r for r in compliant() if r.name != "headers"]
    records[0].property_dependencies = {}
    assert blamed(cdn.cloudfront_security_headers, records) == [
        ("cdn", "cdn: defaultCacheBehavior uses a response headers policy this stack does not declare, so its headers cannot be checked")]


def test_a_header_unknown_at_preview_is_reported_against_the_distribution():
    records = mutate(compliant(), "headers", "securityHeadersConfig.frameOptions.frameOption", UNKNOWN)
    assert blamed(cdn.cloudfront_security_headers, records) == [
        ("cdn", "cdn: frameOptions.frameOption is unknown at preview, so this cannot be verified; make it known at preview (e.g. "
         "build it from settings)")]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda r: mutate(r, "cdn", "viewerCertificate.minimumProtocolVersion", "TLSv1.3_2025"), []),
    (lambda r: mutate(r, "cdn", "viewerCertificate.cloudfrontDefaultCertificate", True),
     ["viewerCertificate.minimumProtocolVersion is TLSv1.2_2021; it must be TLSv1.2_2019 or later, on the distribution's own "
      "certificate"]),
    (lambda r: with_ordered(r, {"pathPattern": "/api/*", "viewerProtocolPolicy": "allow-all"}),
     ["orderedCacheBehaviors[0].viewerProtocolPolicy is allow-all; it must be https-only or redirect-to-https"]),
    (lambda r: with_ordered(r, {"pathPattern": "/api/*", "viewerProtocolPolicy": "redirect-to-https"}), []),
])
def test_viewers_use_tls_12_on_every_behaviour(change, expected):
    assert violations(cdn.cloudfront_viewer_tls, change(compliant())) == expected


def test_the_required_rule_groups_are_configurable_and_each_missing_one_is_named():
    records = mutate(compliant(), "acl", "rules.0", managed(0, "AWSManagedRulesCommonRuleSet", {"count": {}}))
    records = mutate(records, "acl", "rules.2.statement.managedRuleGroupStatement.vendorName", "F5")
    assert violations(cdn.waf_managed_rules, records) == [
        "the web ACL must apply the AWS managed rule groups AWSManagedRulesCommonRuleSet, AWSManagedRulesAmazonIpReputationList "
        "(not in count mode)"]
    required = {"requiredRuleGroups": ["AWSManagedRulesKnownBadInputsRuleSet"]}
    assert violations(cdn.waf_managed_rules, records, config=required) == []
