"""EKS: the runbook's Scenario 3 node group "general" (min 3, desired 5, max 20) and the cluster around it."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from .base import Section, matching, no_repeats, quoted_text
from .values import CIDR_UNION, PublicCidr, checked, covers_everything, eks_text, eks_versions
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


# The public endpoint's allow-list is judged whole: 0.0.0.0/1 and 128.0.0.0/1 open it to everyone without naming 0.0.0.0/0.
ApiCidrs = Annotated[list[PublicCidr], no_repeats("CIDR blocks"), checked(CIDR_UNION, lambda cidrs: not covers_everything(cidrs))]

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


def _check_log_types(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in LOG_TYPES]
    if unknown or not values or len(set(values)) != len(values):
        raise ValueError("a non-empty list of EKS control-plane log types from " + ", ".join(LOG_TYPES) + ", each once")
    return values


# EC2 instance types are <family>.<size> (Amazon EC2 instance type naming conventions): m6i.xlarge, c7g.2xlarge,
# t3.medium, m5.metal. A node group's instance types share one AMI, so one CPU architecture: Graviton families
# (a "g" after the generation: m6g, c7gn, r7gd, t4g, and a1) are arm64, the others x86_64.
InstanceType = Annotated[str, matching(
    r"[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.(nano|micro|small|medium|large|[0-9]*xlarge|metal(-[0-9]+xl)?)",
    'an EC2 instance type <family>.<size>, e.g. "m6i.xlarge"',
)]


def is_arm64(instance_type: str) -> bool:
    family = instance_type.split(".")[0]
    return family == "a1" or bool(re.fullmatch(r"[a-z]+[0-9]+g[a-z]*", family))


def _one_architecture(values: list[str]) -> list[str]:
    if not isinstance(values, list) or len({is_arm64(v) for v in values}) > 1:
        raise ValueError("instance types of one CPU architecture (a node group has one AMI): all Graviton (arm64) or none")
    return values


# EKS CreateCluster name: 1-100 characters, a letter or digit first, then letters, digits, '-' or '_'.
ClusterName = Annotated[str, matching(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}", "an EKS cluster name: 1-100 letters, digits, '-' or '_', a letter or digit first")]
# EKS CreateNodegroup nodegroupName: 1-63 characters, same alphabet.
NodeGroupName = Annotated[str, matching(r"[0-9A-Za-z][A-Za-z0-9_-]{0,62}", "an EKS node group name: 1-63 letters, digits, '-' or '_', a letter or digit first")]
# EKS versions are "1.<minor>" (Amazon EKS Kubernetes versions); a YAML number 1.30 would read as 1.3.
# Which versions exist is AWS's catalogue (describe-cluster-versions), kept in stacks/settings/data/versions.json.
KubernetesVersion = Annotated[
    str,
    AfterValidator(lambda text: _known(text, eks_versions(), eks_text())),
    BeforeValidator(quoted_text('version: "1.33"')),
]


def _known(text: str, known: list[str], allowed: str) -> str:
    if text not in known:
        raise ValueError(allowed)
    return text


class Cluster(Section):
    name: ClusterName | None = None  # default per role: aivo-production-eks / aivo-dr-eks (runbook)
    version: KubernetesVersion = "1.33"
    node_group_name: NodeGroupName = "general"
    instance_types: Annotated[
        list[InstanceType], Field(min_length=1), no_repeats("EC2 instance types"), AfterValidator(_one_architecture),
    ] = ["m6i.xlarge"]
    node_group: NodeGroupSize = NodeGroupSize()
    # The DR cluster's warm-standby size; a failover raises it to `nodeGroup` (runbook Scenario 3 figures).
    standby_node_group: NodeGroupSize = NodeGroupSize(min_size=1, desired_size=2, max_size=20)
    # Empty: the API endpoint is private only. Otherwise the public endpoint is open to these CIDRs only.
    public_access_cidrs: ApiCidrs = []
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
