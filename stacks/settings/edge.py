"""Route53 failover records, health checks and CloudFront: the runbook's DNS and CDN steps of Scenario 4."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from .base import DnsName, Label, Section, matching, no_repeats

# Where Route53 can run health checkers from (Route53 API HealthCheckConfig.Regions).
CHECKER_REGIONS = (
    "us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1",
)
# Status codes CloudFront accepts as origin-group failover criteria.
FAILOVER_STATUS_CODES = (400, 403, 404, 416, 500, 502, 503, 504)


def _check_checker_region(text: str) -> str:
    if text not in CHECKER_REGIONS:
        raise ValueError("a Route53 health checker region: " + ", ".join(CHECKER_REGIONS))
    return text


CheckerRegion = Annotated[str, AfterValidator(_check_checker_region)]


def _check_status_code(code: int) -> int:
    if code not in FAILOVER_STATUS_CODES:
        raise ValueError("an origin failover status code: " + ", ".join(str(c) for c in FAILOVER_STATUS_CODES))
    return code


StatusCode = Annotated[int, AfterValidator(_check_status_code)]


LogBucketPrefix = Annotated[str, matching(
    r"[a-z0-9][a-z0-9-]{1,40}[a-z0-9]", "an S3 bucket name prefix: 3-42 lowercase letters, digits or '-'"
)]
# AWS managed rule groups (vendor AWS) a CloudFront web ACL may use.
ManagedRuleGroup = Annotated[str, matching(r"AWSManagedRules[A-Za-z0-9]+", "an AWS managed rule group name (AWSManagedRules...)")]

CachePolicyId = Annotated[str, matching(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", 'a CloudFront cache policy id (a UUID)'
)]


class HealthCheck(Section):
    """Detection time is requestInterval x failureThreshold: 10 s x 3 = 30 s by default."""

    # Route53 HealthCheckConfig ResourcePath: at most 255 characters; the stack's path starts with "/".
    path: Annotated[str, matching(r"/[!-~]{0,254}", "an HTTP path starting with / (at most 255 printable ASCII characters, no spaces)")] = "/health"
    port: int = Field(default=443, ge=1, le=65535)
    failure_threshold: int = Field(default=3, ge=1, le=10)
    # Route53 offers only two intervals: 10 s ("fast") and 30 s.
    request_interval: Literal[10, 30] = 10
    # At least three checker regions, so that one region's outage cannot decide an endpoint's health.
    regions: Annotated[list[CheckerRegion], Field(min_length=3), no_repeats("health checker regions")] = [
        "us-east-1", "us-west-1", "us-west-2",
    ]


class Dns(Section):
    zone_name: DnsName = "aivo.edu"
    # The public hosted zone of zoneName is referenced by id (site.hostedZoneId), never created by a stack.
    api_name: DnsName = "api.aivo.edu"
    app_name: DnsName = "app.aivo.edu"
    ttl: int = Field(default=60, ge=0, le=60)
    health_check: HealthCheck = HealthCheck()
    # Private hosted zone for internal names that follow the active region (postgres.aivo.internal).
    internal_zone: DnsName = "aivo.internal"
    database_label: Label = "postgres"
    # The internal name is re-pointed on failover: a short TTL so resolvers follow within seconds.
    internal_ttl: int = Field(default=30, ge=0, le=60)
    # The Kubernetes Secret with DATABASE_URL in the DR cluster's application namespace (runbook Scenario 2).
    database_secret_name: Label = "database-credentials"
    # Where api/app point in each region (and CloudFront's origins) is a site value: site.ingress.

    @property
    def failover_names(self) -> dict[str, str]:
        """The public names served with PRIMARY/SECONDARY failover records, by short key."""
        return {"api": self.api_name, "app": self.app_name}

    @property
    def database_name(self) -> str:
        return f"{self.database_label}.{self.internal_zone}"


class Cdn(Section):
    # The CDN's own name. Not app.aivo.edu: that name is a failover record set (Route53 picks the
    # region), and CloudFront origin failover covers GET/HEAD/OPTIONS only, so the CDN serves the
    # read-only, cacheable surface under its own name.
    aliases: Annotated[list[DnsName], Field(min_length=1), no_repeats("DNS names")] = ["static.aivo.edu"]
    # The certificate is a site value: site.cdnCertificateArn (ACM, us-east-1).
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    minimum_protocol_version: Literal["TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"] = "TLSv1.2_2021"
    failover_status_codes: Annotated[list[StatusCode], Field(min_length=1), no_repeats("status codes")] = [
        500, 502, 503, 504,
    ]
    # AWS managed cache policy "CachingOptimized". Cache policy ids are UUIDs.
    cache_policy_id: CachePolicyId = "658327ea-f89d-4fab-a63d-7e88639e58f6"
    # Standard (legacy) access logs go to `<logBucketPrefix>-<dr region>`, a bucket the dr stack owns in its own
    # region (it outlives us-east-1); disposable data: every log expires after logRetentionDays (at most 31, the
    # pack's bound for a bucket that is not replicated).
    log_bucket_prefix: LogBucketPrefix = "aivo-production-cdn-logs"
    log_retention_days: int = Field(default=30, ge=1, le=31)

    def log_bucket(self, region: str) -> str:
        """The CDN's access log bucket in a region (bucket names are global, so the region is part of the name)."""
        return f"{self.log_bucket_prefix}-{region}"
    # Security headers on every response (the response headers policy of every cache behaviour).
    hsts_max_age_seconds: int = Field(default=63072000, ge=31536000, le=63072000)
    frame_option: Literal["DENY", "SAMEORIGIN"] = "DENY"
    referrer_policy: Literal["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"] = (
        "strict-origin-when-cross-origin"
    )
    # AWS WAF in front of the distribution (the primary stack declares it in us-east-1, where CloudFront's must be).
    waf_managed_rule_groups: Annotated[list[ManagedRuleGroup], Field(min_length=1), no_repeats("rule groups")] = [
        "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList",
    ]
    # Requests per client IP in any 5 minutes before WAF blocks that IP (AWS WAF accepts 10 to 2,000,000,000).
    waf_rate_limit: int = Field(default=2000, ge=10, le=2_000_000_000)

