"""EKS: the runbook's Scenario 3 node group "general" (min 3, desired 5, max 20) and the cluster around it."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from .base import Section
from .velero import merge_over_defaults


class NodeGroupSize(Section):
    min_size: int = Field(default=3, ge=0, le=1000)
    # At least one node: CoreDNS and Velero (which syncs the replicated backups) run even in standby.
    desired_size: int = Field(default=5, ge=1, le=1000)
    max_size: int = Field(default=20, ge=1, le=1000)

    @model_validator(mode="after")
    def _ordered(self) -> NodeGroupSize:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise ValueError("sizes with minSize <= desiredSize <= maxSize")
        return self


def _check_public_cidr(text: str) -> str:
    try:
        net = ipaddress.IPv4Network(text)
    except ValueError:
        raise ValueError("an IPv4 CIDR block narrower than 0.0.0.0/0, e.g. 203.0.113.0/24") from None
    if net.prefixlen == 0:
        raise ValueError("an IPv4 CIDR block narrower than 0.0.0.0/0, e.g. 203.0.113.0/24")
    return text


PublicCidr = Annotated[str, AfterValidator(_check_public_cidr)]

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


def _check_log_types(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in LOG_TYPES]
    if unknown or not values:
        raise ValueError("a non-empty list of EKS control-plane log types from " + ", ".join(LOG_TYPES))
    return values


class Cluster(Section):
    name: str | None = None  # default per role: aivo-production-eks / aivo-dr-eks (runbook)
    version: str = "1.33"
    node_group_name: str = "general"
    instance_types: list[str] = ["m6i.xlarge"]
    node_group: NodeGroupSize = NodeGroupSize()
    # The DR cluster's warm-standby size; a failover raises it to `nodeGroup` (runbook Scenario 3 figures).
    standby_node_group: NodeGroupSize = NodeGroupSize(min_size=1, desired_size=2, max_size=20)
    # Empty: the API endpoint is private only. Otherwise the public endpoint is open to these CIDRs only.
    public_access_cidrs: list[PublicCidr] = []
    log_types: Annotated[list[str], AfterValidator(_check_log_types)] = list(LOG_TYPES)
    # Cluster admins through EKS access entries (API authentication mode) are the on-call roles
    # (site.onCallRoleArns) and the deploy runner's role; the identity that creates the cluster is admin too.
    # Waiting period should anyone schedule the secrets key for deletion (it is also protected in Pulumi).
    kms_deletion_window_days: int = Field(default=30, ge=7, le=30)

    @model_validator(mode="before")
    @classmethod
    def _sizes_over_defaults(cls, data: Any) -> Any:
        """A partial size (`--path cluster.standbyNodeGroup.desiredSize 1`) keeps the other defaults."""
        return merge_over_defaults(cls, data, ("node_group", "standby_node_group"))
