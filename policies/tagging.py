"""Tags: every taggable resource says which service and tier it belongs to, and in which environment."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from ._common import UnknownAtPreview, config, get, plain

DEFAULT_REQUIRED_TAGS = ["service", "tier", "environment"]

# Types the project declares that take `tags` (checked against the pulumi-aws / pulumi-eks schemas).
# Any other aws resource that sets `tags` is checked too.
TAGGABLE = frozenset(
    {
        "aws:s3/bucket:Bucket",
        "aws:kms/key:Key",
        "aws:kms/replicaKey:ReplicaKey",
        "aws:rds/instance:Instance",
        "aws:rds/subnetGroup:SubnetGroup",
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:backup/vault:Vault",
        "aws:backup/plan:Plan",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:route53/healthCheck:HealthCheck",
        "aws:cloudfront/distribution:Distribution",
        "aws:iam/role:Role",
        "aws:iam/policy:Policy",
        "aws:secretsmanager/secret:Secret",
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/eip:Eip",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:eks/cluster:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "eks:index:Cluster",
        "eks:index:ManagedNodeGroup",
    }
)


def is_taggable(resource_type: str, props: Any) -> bool:
    # Keys, not values: `"tags" in props` would read an unknown tag map through the SDK proxy.
    return resource_type in TAGGABLE or (resource_type.startswith("aws:") and "tags" in list(props))


def _tagged(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_taggable(args.resource_type, args.props):
        return
    required = list(config(args, "requiredTags", DEFAULT_REQUIRED_TAGS))
    try:
        tags = plain(get(args.props, "tags")) or {}
    except UnknownAtPreview as unknown:
        report(unknown.message, None)
        return
    present = {k for k, v in tags.items() if v not in (None, "")} if isinstance(tags, dict) else set()
    missing = [key for key in required if key not in present]
    if missing:
        report(f"missing tags: {', '.join(missing)}", None)


resources_tagged = ResourceValidationPolicy(
    name="resources-tagged",
    description="Every taggable resource carries its service, tier and environment tags (stacks/settings tags_for).",
    validate=_tagged,
    # Hygiene: a missing tag costs attribution, not data, recovery time or exposure.
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=PolicyConfigSchema(
        properties={
            "requiredTags": {
                "type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "uniqueItems": True,
                "default": DEFAULT_REQUIRED_TAGS,
                "description": "Tag keys every taggable resource must carry (non-empty values).",
            }
        }
    ),
    tags=["tagging"],
)

POLICIES = [resources_tagged]
