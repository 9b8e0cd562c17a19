"""CloudFront (dr stack): an origin group of both regions whose primary member is the active region."""

from __future__ import annotations

import json

import pytest

from components.cdn import origin_order
from drctl.stack_settings import stack_settings
from tests.helpers.planning import only, plan

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
ENDPOINTS = {"us-east-1": "ingress.us-east-1.example.com", "us-west-2": "ingress.us-west-2.example.com"}
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"


def test_origin_order_puts_the_active_region_first() -> None:
    assert origin_order("us-east-1", ("us-east-1", "us-west-2")) == ["us-east-1", "us-west-2"]
    assert origin_order("us-west-2", ("us-east-1", "us-west-2")) == ["us-west-2", "us-east-1"]
    with pytest.raises(ValueError):
        origin_order("eu-west-1", ("us-east-1", "us-west-2"))


@pytest.mark.parametrize(("failover", "active", "other"), [("false", "us-east-1", "us-west-2"), ("true", "us-west-2", "us-east-1")])
def test_origin_group_fails_over_on_5xx_from_the_active_region_to_the_other(failover: str, active: str, other: str) -> None:
    d = only(plan("dr", f"failover={failover}"), DISTRIBUTION).inputs
    (group,) = d["originGroups"]
    assert group["failoverCriteria"]["statusCodes"] == [500, 502, 503, 504]
    domain_of = {o["originId"]: o["domainName"] for o in d["origins"]}
    assert [domain_of[m["originId"]] for m in group["members"]] == [ENDPOINTS[active], ENDPOINTS[other]]
    assert d["defaultCacheBehavior"]["targetOriginId"] == group["originId"]


def test_https_only_tls12_and_the_us_east_1_certificate_by_arn() -> None:
    p = plan("dr")
    d = only(p, DISTRIBUTION).inputs
    cert = d["viewerCertificate"]
    assert (cert["acmCertificateArn"], cert["sslSupportMethod"]) == (CERT, "sni-only")
    assert cert["minimumProtocolVersion"].startswith("TLSv1.2")
    assert d["defaultCacheBehavior"]["viewerProtocolPolicy"] == "https-only"
    for origin in d["origins"]:
        custom = origin["customOriginConfig"]
        assert (custom["originProtocolPolicy"], custom["originSslProtocols"]) == ("https-only", ["TLSv1.2"])
    # the certificate is referenced, never declared by the dr stack (and nothing in us-east-1)
    assert not p.by_type("aws:acm/certificate:Certificate")


def test_behaviour_allows_only_the_methods_origin_failover_covers_and_does_not_wait_for_propagation() -> None:
    d = only(plan("dr"), DISTRIBUTION).inputs
    assert d["defaultCacheBehavior"]["allowedMethods"] == ["GET", "HEAD", "OPTIONS"]
    assert d["waitForDeployment"] is False
    assert d["aliases"] == ["static.aivo.edu"] and d["enabled"] is True
    assert d["tags"]["service"] == "cdn"


def test_alias_records_point_at_the_distribution_without_target_health() -> None:
    p = plan("dr")
    dist = only(p, DISTRIBUTION)
    aliases = [r for r in p.by_type("aws:route53/record:Record") if r.inputs.get("aliases")]
    assert sorted((r.inputs["name"], r.inputs["type"]) for r in aliases) == [("static.aivo.edu", "A"), ("static.aivo.edu", "AAAA")]
    for r in aliases:
        (target,) = r.inputs["aliases"]
        assert target["name"] == p.outputs["cdnDomainName"] and target["evaluateTargetHealth"] is False
        assert dist.urn in r.depends_on


def test_status_codes_and_aliases_come_from_settings() -> None:
    d = only(plan("dr", "cdn.failoverStatusCodes=[502, 503]", 'cdn.aliases=["cdn.aivo.edu"]'), DISTRIBUTION).inputs
    assert d["originGroups"][0]["failoverCriteria"]["statusCodes"] == [502, 503]
    assert d["aliases"] == ["cdn.aivo.edu"]


def test_the_web_acl_is_the_primary_stacks_in_us_east_1_and_the_distribution_attaches_it_by_arn() -> None:
    primary, dr = plan("primary"), plan("dr")
    acl = only(primary, "aws:wafv2/webAcl:WebAcl")
    assert (acl.inputs["scope"], acl.region, acl.inputs["name"]) == ("CLOUDFRONT", "us-east-1", "aivo-cdn")
    groups = [r["statement"]["managedRuleGroupStatement"] for r in acl.inputs["rules"][:3]]
    assert [(g["vendorName"], g["name"]) for g in groups] == [
        ("AWS", "AWSManagedRulesCommonRuleSet"), ("AWS", "AWSManagedRulesKnownBadInputsRuleSet"), ("AWS", "AWSManagedRulesAmazonIpReputationList")]
    rate = acl.inputs["rules"][3]
    assert (rate["name"], rate["statement"]["rateBasedStatement"], rate["action"]) == (
        "rate-limit-per-ip", {"aggregateKeyType": "IP", "limit": 2000}, {"block": {}})
    assert only(dr, DISTRIBUTION).inputs["webAclId"] == primary.outputs["cdnWebAclArn"]
    assert not dr.by_type("aws:wafv2/webAcl:WebAcl")  # the dr stack touches only us-west-2


def test_every_response_carries_the_security_headers() -> None:
    p = plan("dr")
    policy = only(p, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    assert policy.inputs["securityHeadersConfig"] == {
        "strictTransportSecurity": {"accessControlMaxAgeSec": 63072000, "includeSubdomains": True, "preload": True, "override": True},
        "contentTypeOptions": {"override": True},
        "frameOptions": {"frameOption": "DENY", "override": True},
        "referrerPolicy": {"referrerPolicy": "strict-origin-when-cross-origin", "override": True},
        "xssProtection": {"protection": True, "modeBlock": True, "override": True},
    }
    d = only(p, DISTRIBUTION)
    assert policy.urn in d.property_dependencies["defaultCacheBehavior"]
    assert "orderedCacheBehaviors" not in d.inputs  # one behaviour, and it has the policy


def test_access_logs_go_to_a_us_west_2_bucket_that_cloudfront_may_write() -> None:
    p = plan("dr")
    d = only(p, DISTRIBUTION).inputs
    assert d["loggingConfig"] == {"bucket": "aivo-production-cdn-logs-us-west-2.s3.amazonaws.com", "prefix": "cdn/", "includeCookies": False}
    (ownership,) = p.by_type("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerPreferred"} and ownership.region == "us-west-2"
    (acl,) = p.by_type("aws:s3/bucketAcl:BucketAcl")
    grantees = [g["grantee"]["id"] for g in acl.inputs["accessControlPolicy"]["grants"]]
    assert grantees[1] == "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"  # awslogsdelivery
    # The owner is the account's canonical user from the settings: no invoke (S3 ListBuckets) on any preview or up.
    assert grantees[0] == acl.inputs["accessControlPolicy"]["owner"]["id"] == stack_settings("dr").site.canonical_user_id
    assert [i.token for i in p.invokes if "CanonicalUserId" in i.token] == []
    assert {g["permission"] for g in acl.inputs["accessControlPolicy"]["grants"]} == {"FULL_CONTROL"}
    key = next(k for k in p.by_type("aws:kms/key:Key") if "aivo-production-cdn-logs" in k.inputs["description"])
    (delivery,) = [s for s in json.loads(key.inputs["policy"])["Statement"] if s["Sid"] == "CloudFrontLogDelivery"]
    assert delivery["Principal"] == {"Service": ["delivery.logs.amazonaws.com"]}
    # The CloudFront developer guide's statement (with kms:Decrypt: the bucket uses an S3 Bucket Key), bound to the
    # log bucket by S3's encryption context, not by an aws:SourceAccount AWS does not document for this delivery.
    assert delivery["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]
    assert delivery["Condition"] == {"ArnLike": {"kms:EncryptionContext:aws:s3:arn": [
        "arn:aws:s3:::aivo-production-cdn-logs-us-west-2", "arn:aws:s3:::aivo-production-cdn-logs-us-west-2/*"]}}
