"""EKS: the runbook's Scenario 3 node group "general" (min 3, desired 5, max 20)."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from .base import Section


class NodeGroupSize(Section):
    min_size: int = Field(default=3, ge=0, le=1000)
    desired_size: int = Field(default=5, ge=0, le=1000)
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


class Cluster(Section):
    name: str | None = None  # default per role: aivo-production-eks / aivo-dr-eks (runbook)
    version: str = "1.33"
    node_group_name: str = "general"
    instance_types: list[str] = ["m6i.xlarge"]
    node_group: NodeGroupSize = NodeGroupSize()
    standby_node_group: NodeGroupSize = NodeGroupSize(min_size=1, desired_size=2, max_size=20)
    public_access_cidrs: list[PublicCidr] = []
    log_types: list[str] = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
