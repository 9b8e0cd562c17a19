"""policies/cdn.py and the database password policy: compliant passes, one mutated field fails with the exact message."""

from __future__ import annotations

import pytest

from policies import cdn, database
from policies._common import CLOUDFRONT_DISTRIBUTION, RDS_INSTANCE
from tests.helpers.policies import DELETE, UNKNOWN, mutate, res, violations

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
