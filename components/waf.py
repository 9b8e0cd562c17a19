"""AWS WAF for CloudFront: a web ACL of AWS managed rule groups and a per-IP rate limit.

A web ACL that CloudFront uses has scope CLOUDFRONT and must be created in us-east-1. The primary stack
declares it (it owns us-east-1) and exports its ARN; the dr stack, which owns the distribution and touches
only us-west-2, reads the ARN (stacks/peer.py). A failover changes neither, so nothing in us-east-1 moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

# CloudFront reads web ACLs from us-east-1 only (AWS WAF developer guide, "Using AWS WAF with CloudFront").
CLOUDFRONT_WAF_REGION = "us-east-1"
# The web ACL the primary stack declares for the CDN (the dr stack attaches it by the ARN it reads).
WEB_ACL_NAME = "aivo-cdn"
RATE_RULE = "rate-limit-per-ip"


def metric_name(text: str) -> str:
    """A CloudWatch metric name WAF accepts (letters, digits, '-' and '_'), from a rule or ACL name."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)[:128]


@dataclass(frozen=True)
class CdnWebAclArgs:
    name: str
    managed_rule_groups: list[str]  # vendor AWS, in evaluation order
    rate_limit: int  # requests per client IP in any 5 minutes before WAF blocks the IP
    tags: dict[str, str]


class CdnWebAcl(pulumi.ComponentResource):
    """A CLOUDFRONT-scope web ACL: default allow; each AWS managed rule group with its own actions (override
    none), then a rate-based rule that blocks a client IP over the limit."""

    arn: pulumi.Output[str]

    def __init__(self, name: str, args: CdnWebAclArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:cdn:WebAcl", name, None, opts)

        def visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
            return aws.wafv2.WebAclRuleVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=metric_name(metric), sampled_requests_enabled=True)

        rules = [
            aws.wafv2.WebAclRuleArgs(
                name=group,
                priority=priority,
                # The group's own actions (block) apply; "count" would only observe.
                override_action=aws.wafv2.WebAclRuleOverrideActionArgs(none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                        vendor_name="AWS", name=group)),
                visibility_config=visibility(group),
            )
            for priority, group in enumerate(args.managed_rule_groups)
        ]
        rules.append(aws.wafv2.WebAclRuleArgs(
            name=RATE_RULE,
            priority=len(args.managed_rule_groups),
            action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(aggregate_key_type="IP", limit=args.rate_limit)),
            visibility_config=visibility(RATE_RULE),
        ))
        acl = aws.wafv2.WebAcl(
            f"{name}-acl",
            name=args.name,
            description="aivo: CloudFront (static) behind AWS managed rule groups and a per-IP rate limit",
            scope="CLOUDFRONT",
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=rules,
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=metric_name(args.name), sampled_requests_enabled=True),
            region=CLOUDFRONT_WAF_REGION,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = acl.arn
        self.register_outputs({"arn": self.arn})
