"""What the dr stack knows of the primary stack: a StackReference, with an explicit settings fallback."""

from __future__ import annotations

from typing import Annotated

from pydantic import field_validator

from .base import Section, matching

# The primary stack's outputs the dr stack reads (stacks/peer.py), with what each one is.
PRIMARY_EXPORTS: dict[str, str] = {
    "databaseArn": "ARN of the current us-east-1 writer (the DR replica's and the backups replication's source)",
    "databaseAddress": "endpoint address of the current us-east-1 writer",
    "databaseSecretArnDr": "ARN of the master credentials secret's replica in us-west-2",
    "veleroReplicaBucket": "name of the Velero replica bucket in us-west-2",
    "veleroReplicaKmsKeyArn": "ARN of the us-west-2 KMS key of the Velero replica bucket",
    "assetsReplicaBucket": "name of the assets replica bucket in us-west-2",
    "assetsReplicaKmsKeyArn": "ARN of the us-west-2 KMS key of the assets replica bucket",
    "backupVaultArnDr": "ARN of the us-west-2 backup vault",
    "vpcId": "id of the primary's VPC",
    "vpcCidr": "CIDR of the primary's VPC",
    "cacheGlobalGroupId": "id of the Redis Global Datastore (cache.drMode global only)",
    "databaseFailbackPromoted": "\"true\" once the failback instance in us-east-1 is the writer",
    "primaryIngressHealthCheckId": "id of the Route53 health check of the us-east-1 ingress",
    "drIngressHealthCheckId": "id of the Route53 health check of the us-west-2 ingress",
    "cdnWebAclArn": "ARN of the CloudFront AWS WAF web ACL (us-east-1, scope CLOUDFRONT)",
}


class Peer(Section):
    """`stack` is read with a StackReference unless `useStackReference` is false; every fallback key
    is used when the reference has no such output, so the dr stack never needs us-east-1 to plan."""

    stack: Annotated[str, matching(
        r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+",
        "a Pulumi stack reference <organization>/<project>/<stack> of ASCII letters, digits, '_', '.' or '-'",
    )] = "organization/aivo-dr/primary"
    use_stack_reference: bool = True
    fallback: dict[str, str] = {}

    @field_validator("fallback")
    @classmethod
    def _known_keys(cls, value: dict[str, str]) -> dict[str, str]:
        # A misspelt key during a 3 a.m. failover would silently leave the StackReference in place.
        unknown = sorted(set(value) - set(PRIMARY_EXPORTS))
        if unknown:
            raise ValueError(f"keys among the primary stack's outputs: {', '.join(PRIMARY_EXPORTS)} (unknown: {', '.join(unknown)})")
        return value
