"""What the parts of the program hand each other, in order: data -> compute -> edge.

Each part is `build(ctx, <the records of the parts before it>) -> <its record>`, called in that order by
stacks/program.py. The records are frozen; `exports` are the stack outputs a part adds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from components.storage import FLOW_LOG_PREFIX, BucketRef
from stacks.peer import PrimaryFacts

# Stack outputs by name, as `pulumi.export` takes them.
Exports = Mapping[str, "pulumi.Input[object]"]


@dataclass(frozen=True)
class DatabaseRef:
    """A PostgreSQL instance as clients reach it."""

    region: str
    identifier: pulumi.Input[str]
    arn: pulumi.Input[str]
    address: pulumi.Input[str]
    port: int
    writable: bool  # whether it takes writes once these settings are applied


@dataclass(frozen=True)
class LogsRef:
    """The log buckets (`<storage.logBucketPrefix>-<region>`, owned by the primary stack) as the parts deliver into them:
    VPC flow logs, and the S3 server access logs of every other bucket of their region (the CDN's log bucket too).
    CloudFront's standard logs have a bucket of their own (stacks/edge.py): they need ACLs, these keep them off."""

    buckets: Mapping[str, str]  # region -> log bucket name
    # What must exist before anything delivers into them (primary stack: its LogBuckets; dr stack: nothing, the
    # primary stack made them first).
    ready: tuple[pulumi.Resource, ...] = ()

    def flow_log_destination(self, region: str) -> str:
        """The S3 destination of a region's VPC flow logs (its log bucket, under the prefix its policy grants)."""
        return f"arn:aws:s3:::{self.buckets[region]}/{FLOW_LOG_PREFIX}"


@dataclass(frozen=True)
class DataParts:
    """What the data part (stacks/data.py) hands to compute and edge."""

    # The bucket this stack's cluster backs up to (primary: the us-east-1 source) or restores from
    # (dr: the us-west-2 replica).
    velero_bucket: BucketRef
    # The instances this stack knows, by region: its own, plus (dr stack) the primary's as read once.
    databases: Mapping[str, DatabaseRef]
    # What later parts must wait for before touching the data (the failover's restores wait for the promotion).
    database_ready: tuple[pulumi.Resource, ...]
    # dr stack: the primary stack's outputs as read once (StackReference or settings fallback), so later
    # parts never read the primary themselves. None in the primary stack.
    primary: PrimaryFacts | None
    exports: Exports
    logs: LogsRef  # where the parts deliver their logs (edge: CloudFront's standard logs)


@dataclass(frozen=True)
class ComputeParts:
    """What the compute part (stacks/compute.py) hands to edge."""

    cluster_name: pulumi.Output[str]
    region: str  # the cluster's region
    kubernetes_provider: pulumi.ProviderResource  # every Kubernetes object of this cluster goes through it
    app_namespace: str  # where the services run (the DATABASE_URL Secret goes there)
    oidc_provider_arn: pulumi.Output[str]  # for IRSA roles of other workloads
    oidc_issuer: pulumi.Output[str]  # without https://
    restores: tuple[pulumi.Resource, ...]  # the failover's Velero Restores in tier order (empty unless failing over)
    node_group_arn: pulumi.Output[str]  # the `general` node group (fault injection targets it)
    exports: Exports


@dataclass(frozen=True)
class EdgeParts:
    """What the edge part (stacks/edge.py) hands to monitoring."""

    # Region -> the Route53 health check of its ingress (declared by the primary stack, read by the dr stack).
    health_check_ids: Mapping[str, pulumi.Input[str]]
    exports: Exports


@dataclass(frozen=True)
class MonitoringParts:
    """What the monitoring part (stacks/monitoring.py) declares: its stack outputs, and its alarms (what stops a
    fault-injection experiment must exist before the experiment does)."""

    exports: Exports
    alarms: pulumi.Resource | None = None


@dataclass(frozen=True)
class TestingParts:
    """What the testing part (stacks/testing.py) declares: its stack outputs."""

    exports: Exports
