"""CloudFront in front of both regions: an origin group that fails over from the active region to the other."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

ORIGIN_GROUP_ID = "regional-failover"
# Origin failover applies to GET, HEAD and OPTIONS only, and CloudFront refuses an origin group
# behind a behaviour that allows POST/PUT/PATCH/DELETE ("AllowedMethods cannot include POST, PUT,
# PATCH, or DELETE for a cached behavior associated with an origin group", aws/aws-cdk#32450).
READ_METHODS = ["GET", "HEAD", "OPTIONS"]
CACHED_METHODS = ["GET", "HEAD"]


def origin_id(region: str) -> str:
    return f"ingress-{region}"


def origin_order(active_region: str, regions: tuple[str, str]) -> list[str]:
    """Origin-group members in failover order: the active region's origin first, then the other's."""
    if active_region not in regions:
        raise ValueError(f"active region {active_region} is not one of {regions}")
    return [active_region, *(r for r in regions if r != active_region)]


@dataclass(frozen=True)
class FailoverCdnArgs:
    origins: dict[str, str]  # region -> origin hostname (the region's ingress)
    regions: tuple[str, str]
    active_region: str
    aliases: list[str]
    certificate_arn: str  # ACM certificate in us-east-1 (CloudFront requires it there): referenced, not declared
    minimum_protocol_version: str
    price_class: str
    failover_status_codes: list[int]
    cache_policy_id: str
    zone_id: str  # public zone for the aliases' records
    tags: dict[str, str]
    web_acl_arn: pulumi.Input[str]  # AWS WAF web ACL (scope CLOUDFRONT, us-east-1): declared by the primary stack
    headers: SecurityHeaders
    log_bucket_domain_name: pulumi.Input[str]  # <bucket>.s3.amazonaws.com: standard logging's destination
    log_prefix: str


@dataclass(frozen=True)
class SecurityHeaders:
    """The security headers CloudFront sets on every response, overriding what an origin sends."""

    hsts_max_age_seconds: int
    frame_option: str  # DENY or SAMEORIGIN
    referrer_policy: str


def security_headers_config(h: SecurityHeaders) -> aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs:
    """HSTS (with subdomains and preload), nosniff, frame options, referrer policy, XSS protection (block)."""
    headers = aws.cloudfront
    return headers.ResponseHeadersPolicySecurityHeadersConfigArgs(
        strict_transport_security=headers.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
            access_control_max_age_sec=h.hsts_max_age_seconds, include_subdomains=True, preload=True, override=True),
        content_type_options=headers.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(override=True),
        frame_options=headers.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(frame_option=h.frame_option, override=True),
        referrer_policy=headers.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(referrer_policy=h.referrer_policy, override=True),
        xss_protection=headers.ResponseHeadersPolicySecurityHeadersConfigXssProtectionArgs(protection=True, mode_block=True, override=True),
    )


class FailoverCdn(pulumi.ComponentResource):
    """A CloudFront distribution whose default behaviour targets an origin group of both regions, plus
    alias records (A and AAAA) for its names in the public zone."""

    distribution_id: pulumi.Output[str]
    domain_name: pulumi.Output[str]  # dxxxx.cloudfront.net, the aliases' record target

    def __init__(self, name: str, args: FailoverCdnArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aivo:cdn:FailoverCdn", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        order = origin_order(args.active_region, args.regions)
        headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-security-headers",
            name=f"{name}-security-headers",
            comment="aivo: security headers on every response of the CDN",
            security_headers_config=security_headers_config(args.headers),
            opts=child,
        )
        distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment="aivo: both regions behind one origin group; the active region is the primary member",
            aliases=list(args.aliases),
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class=args.price_class,
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=origin_id(region),
                    domain_name=args.origins[region],
                    custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                        http_port=80,
                        https_port=443,
                        origin_protocol_policy="https-only",
                        origin_ssl_protocols=["TLSv1.2"],
                    ),
                )
                for region in args.regions
            ],
            origin_groups=[
                aws.cloudfront.DistributionOriginGroupArgs(
                    origin_id=ORIGIN_GROUP_ID,
                    failover_criteria=aws.cloudfront.DistributionOriginGroupFailoverCriteriaArgs(
                        status_codes=list(args.failover_status_codes)
                    ),
                    members=[aws.cloudfront.DistributionOriginGroupMemberArgs(origin_id=origin_id(r)) for r in order],
                )
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=ORIGIN_GROUP_ID,
                viewer_protocol_policy="https-only",
                allowed_methods=READ_METHODS,
                cached_methods=CACHED_METHODS,
                cache_policy_id=args.cache_policy_id,
                response_headers_policy_id=headers.id,
                compress=True,
            ),
            web_acl_id=args.web_acl_arn,  # WAFv2: the web ACL's ARN
            # Standard logging (legacy) into the dr region's bucket: it needs no us-east-1 resource (logging v2
            # needs a CloudWatch Logs delivery source in us-east-1, which the dr stack never touches).
            logging_config=aws.cloudfront.DistributionLoggingConfigArgs(
                bucket=args.log_bucket_domain_name, prefix=args.log_prefix, include_cookies=False),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=args.certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version=args.minimum_protocol_version,
            ),
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")
            ),
            # Do not hold `pulumi up` until the change has reached every edge location (minutes, and a
            # global control plane): the failover's regional steps must not wait on the CDN.
            wait_for_deployment=False,
            tags=args.tags,
            opts=child,
        )
        for alias in args.aliases:
            for record_type in ("A", "AAAA"):
                aws.route53.Record(
                    f"{name}-{alias.replace('.', '-')}-{record_type.lower()}",
                    zone_id=args.zone_id,
                    name=alias,
                    type=record_type,
                    aliases=[
                        aws.route53.RecordAliasArgs(
                            name=distribution.domain_name,
                            zone_id=distribution.hosted_zone_id,
                            # CloudFront alias targets cannot evaluate target health (Route53 rule).
                            evaluate_target_health=False,
                        )
                    ],
                    opts=child,
                )
        self.distribution_id = distribution.id
        self.domain_name = distribution.domain_name
        self.register_outputs({"distributionId": self.distribution_id, "domainName": self.domain_name})
