"""The edge part: DNS failover, CDN and the internal database name, and the ingress health checks.

The region that survives owns what must change during a failover, so the records, the CDN and the internal
name live in the dr stack and `failover: true` re-points them in the same `pulumi up` as the promotion. They
are declared last and nothing depends on them: Route53 and CloudFront are global control planes in
us-east-1, and the regional recovery (promotion, capacity, restores) must never wait on them.

The health checks never change on failover and their metrics exist only in us-east-1's CloudWatch, where
the primary stack alarms on them: the primary stack declares them, and the dr stack's records read their
ids (stacks/peer.py). The CDN's AWS WAF web ACL likewise: CloudFront's must live in us-east-1, which only the
primary stack touches, and a failover does not change it; the dr stack attaches it by the ARN it reads.
The CDN's access logs go to a bucket of the dr stack in its own region, which outlives us-east-1.
"""

from __future__ import annotations

import pulumi

from components.cdn import FailoverCdn, FailoverCdnArgs, SecurityHeaders
from components.dns import (
    DatabaseUrlSecret,
    DatabaseUrlSecretArgs,
    FailoverDns,
    FailoverDnsArgs,
    HealthChecks,
    HealthChecksArgs,
    HealthCheckSpec,
    InternalName,
    InternalNameArgs,
    PrivateVpc,
    database_url,
)
from components.kms import ServicePrincipalUse
from components.storage import TransientBucket, TransientBucketArgs
from components.waf import CLOUDFRONT_WAF_REGION, WEB_ACL_NAME, CdnWebAcl, CdnWebAclArgs
from stacks.context import StackContext
from stacks.contracts import ComputeParts, DataParts, EdgeParts
from stacks.settings import StackSettings
from stacks.settings.stack import tags_for


def declares_edge(role: str) -> bool:
    """Whether a stack declares the edge. Only the dr stack does: two stacks writing the same records
    would each point them at their own idea of the active region (split brain at the edge)."""
    return role == "dr"


# The CDN's web ACL (names are unique per account and scope; the account has one CDN of this project).


def cloudfront_log_delivery(bucket: str) -> ServicePrincipalUse:
    """CloudFront standard logging (legacy) writing SSE-KMS objects into the log bucket: the statement the CloudFront
    developer guide documents ("Required key policy for SSE-KMS buckets"; kms:Decrypt too, the bucket uses an S3
    Bucket Key). AWS documents no aws:SourceAccount for this delivery, so none is relied on: the grant is bound to
    the log bucket by the encryption context S3 sets on every SSE-KMS call (aws:s3:arn, the bucket's ARN with a
    Bucket Key, else the object's). See docs/aws-contracts.md."""
    return ServicePrincipalUse(sid="CloudFrontLogDelivery", services=("delivery.logs.amazonaws.com",),
                               actions=("kms:GenerateDataKey*", "kms:Decrypt"),
                               condition={"ArnLike": {"kms:EncryptionContext:aws:s3:arn": [f"arn:aws:s3:::{bucket}",
                                                                                            f"arn:aws:s3:::{bucket}/*"]}})


def health_check_spec(s: StackSettings) -> HealthCheckSpec:
    check = s.dns.health_check
    return HealthCheckSpec(path=check.path, port=check.port, failure_threshold=check.failure_threshold,
                           request_interval=check.request_interval, regions=list(check.regions))


def build(ctx: StackContext, data: DataParts, compute: ComputeParts) -> EdgeParts:
    s = ctx.settings
    if not declares_edge(s.role):
        checks = HealthChecks("primary-health", HealthChecksArgs(endpoints=dict(s.site.ingress), spec=health_check_spec(s),
                                                                 tags=tags_for(s, "dns")), opts=ctx.opts(s.region))
        web_acl = CdnWebAcl("primary-cdn-waf", CdnWebAclArgs(
            name=WEB_ACL_NAME, managed_rule_groups=list(s.cdn.waf_managed_rule_groups),
            rate_limit=s.cdn.waf_rate_limit, tags=tags_for(s, "cdn")), opts=ctx.opts(CLOUDFRONT_WAF_REGION))
        return EdgeParts(health_check_ids=dict(checks.ids), exports={
            "primaryIngressHealthCheckId": checks.ids[s.regions.primary],
            "drIngressHealthCheckId": checks.ids[s.regions.dr],
            "cdnWebAclArn": web_acl.arn,
        })
    assert data.primary is not None  # the dr stack reads the primary (stacks/peer.py)
    regions = (s.regions.primary, s.regions.dr)
    dns, cdn = s.dns, s.cdn
    opts = ctx.opts(s.region)
    check_ids = {s.regions.primary: data.primary.primary_ingress_check, s.regions.dr: data.primary.dr_ingress_check}
    FailoverDns(
        "edge-dns",
        FailoverDnsArgs(
            zone_id=s.site.hosted_zone_id,
            names=dns.failover_names,
            endpoints=dict(s.site.ingress),
            regions=regions,
            active_region=s.active,
            ttl=dns.ttl,
            health_check_ids=check_ids,
            tags=tags_for(s, "dns"),
        ),
        opts=opts,
    )
    logs = TransientBucket("edge-cdn-logs", TransientBucketArgs(
        region=s.region, bucket=cdn.log_bucket(s.region), purpose="CloudFront access logs",
        expire_days=cdn.log_retention_days, tags=tags_for(s, "cdn"), keys=ctx.keys, log_bucket=data.logs.buckets[s.region],
        key_principals=(cloudfront_log_delivery(cdn.log_bucket(s.region)),), cloudfront_log_delivery=True,
        owner_canonical_id=s.site.canonical_user_id), opts=opts)
    failover_cdn = FailoverCdn(
        "edge-cdn",
        FailoverCdnArgs(
            origins=dict(s.site.ingress),
            regions=regions,
            active_region=s.active,
            aliases=list(cdn.aliases),
            certificate_arn=s.site.cdn_certificate_arn,
            minimum_protocol_version=cdn.minimum_protocol_version,
            price_class=cdn.price_class,
            failover_status_codes=list(cdn.failover_status_codes),
            cache_policy_id=cdn.cache_policy_id,
            zone_id=s.site.hosted_zone_id,
            tags=tags_for(s, "cdn"),
            web_acl_arn=data.primary.cdn_web_acl_arn,
            headers=SecurityHeaders(hsts_max_age_seconds=cdn.hsts_max_age_seconds, frame_option=cdn.frame_option,
                                    referrer_policy=cdn.referrer_policy),
            log_bucket_domain_name=logs.domain_name,
            log_prefix="cdn/",
        ),
        opts=opts,
    )
    active_db = data.databases.get(s.active)
    vpcs = [PrivateVpc(vpc_id=ctx.network.vpc_id, region=s.region)]
    if data.primary is not None:
        # The primary region's VPC, as the data part read it from the primary stack (or its fallback).
        vpcs.append(PrivateVpc(vpc_id=data.primary.vpc_id, region=s.regions.primary))
    internal = InternalName(
        "edge-internal",
        InternalNameArgs(
            zone_name=dns.internal_zone,
            label=dns.database_label,
            target=active_db.address if active_db is not None else None,
            vpcs=vpcs,
            ttl=dns.internal_ttl,
            tags=tags_for(s, "dns"),
        ),
        opts=opts,
    )
    outputs: dict[str, pulumi.Input[object]] = {}
    local_db = data.databases.get(s.region)
    if local_db is not None:
        # The DR cluster runs services only while us-west-2 is active, so its DATABASE_URL names the
        # us-west-2 database directly: it never changes on failover (no race with the restores) and does
        # not depend on Route53 (a global control plane) the way postgres.<internal zone> does.
        secret = DatabaseUrlSecret(
            "edge-database-url",
            DatabaseUrlSecretArgs(
                namespace=compute.app_namespace,
                secret_name=dns.database_secret_name,
                url=pulumi.Output.from_input(local_db.address).apply(
                    lambda host: database_url(s.database.master_username, host, local_db.port, s.database.db_name)
                ),
                labels={"app.kubernetes.io/managed-by": "aivo-dr", "aivo.edu/service": "database"},
                kubernetes_provider=compute.kubernetes_provider,
            ),
            opts=pulumi.ResourceOptions(),
        )
        outputs["databaseUrlSecret"] = secret.secret_name
    return EdgeParts(health_check_ids=check_ids, exports={
        **outputs,
        "healthCheckIds": check_ids,  # the primary stack's checks, as the records use them
        "cdnDistributionId": failover_cdn.distribution_id,
        "cdnDomainName": failover_cdn.domain_name,
        "databaseInternalName": internal.fqdn,
    })
