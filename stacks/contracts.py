"""What the parts of the program hand each other (data -> compute -> edge), as typed records."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi


@dataclass(frozen=True)
class BucketRef:
    """A bucket a consumer may use, with the KMS key that encrypts it (IAM policies name both, nothing else)."""

    region: str
    name: pulumi.Input[str]
    arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]


@dataclass(frozen=True)
class DatabaseRef:
    """A PostgreSQL instance as clients reach it."""

    region: str
    identifier: pulumi.Input[str]
    arn: pulumi.Input[str]
    address: pulumi.Input[str]
    port: int
    writable: bool


@dataclass(frozen=True)
class DataParts:
    """What the data part (stacks/data.py) hands to compute and edge.

    velero_bucket: the bucket this stack's cluster backs up to (primary: the us-east-1 source) or
    restores from (dr: the us-west-2 replica). databases: the instances by region that this stack
    knows (its own, plus the peer's as read from the peer stack or its settings fallback).
    """

    velero_bucket: BucketRef
    databases: dict[str, DatabaseRef] = field(default_factory=dict)
    # Resources that later parts must wait for (e.g. restores wait for the database promotion).
    database_ready: list[pulumi.Resource] = field(default_factory=list)
    # dr stack: the primary stack's outputs (stacks/peer.py PRIMARY_EXPORTS) as read once, from the
    # StackReference or the settings fallback. Later parts use these rather than a reference of their
    # own, so that a failover with a complete fallback reads no state of the primary. Empty on primary.
    peer: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # dr stack: the primary region's VPC (for private DNS associated with both VPCs); None in the primary stack.
    peer_vpc_id: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class ComputeParts:
    """What the compute part (stacks/compute.py) hands to edge."""

    cluster_name: pulumi.Input[str]
    kubernetes_provider: pulumi.ProviderResource | None = None
    # The cluster's region and the namespace the services run in (e.g. for the DATABASE_URL Secret).
    region: str = ""
    app_namespace: str = ""
    # For IRSA roles of other workloads: the cluster's OIDC provider and issuer (without https://).
    oidc_provider_arn: pulumi.Input[str] | None = None
    oidc_issuer: pulumi.Input[str] | None = None
    # The failover's Velero Restores in tier order (empty unless the dr stack is failing over).
    restores: list[pulumi.Resource] = field(default_factory=list)
