"""Failover restores: one Velero Restore per service tier, each created after the previous tier finished."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.velero import API_VERSION

SERVICE_LABEL = "app.kubernetes.io/name"
TIER_ANNOTATION = "aivo.edu/tier"


@dataclass(frozen=True)
class TierRestore:
    """The restore of one tier: which services (by label), from which schedule, within how long."""

    tier: str
    key: str  # the tier as a DNS label, for resource names and label values
    name: str
    services: list[str]
    schedule_name: str
    namespaces: list[str]
    restore_pvs: bool
    existing_resource_policy: str
    timeout_seconds: int


@dataclass(frozen=True)
class TierRestoresArgs:
    namespace: str
    restores: list[TierRestore]  # in restore order
    kubernetes_provider: k8s.Provider
    # What the first restore waits for: the Velero release, the location, the promoted database.
    first_depends_on: list[pulumi.Resource] = field(default_factory=list)


def tier_selector(services: list[str]) -> dict[str, Any]:
    """The label selector of a tier: its services by their app.kubernetes.io/name label."""
    return {"matchExpressions": [{"key": SERVICE_LABEL, "operator": "In", "values": list(services)}]}


def restore_spec(restore: TierRestore) -> dict[str, Any]:
    """A Restore's spec: the latest successful backup of `schedule_name`, limited to one tier's services."""
    return {
        "scheduleName": restore.schedule_name,
        "includedNamespaces": list(restore.namespaces),
        "labelSelector": tier_selector(restore.services),
        "restorePVs": restore.restore_pvs,
        "existingResourcePolicy": restore.existing_resource_policy,
    }


def restore_annotations(restore: TierRestore) -> dict[str, str]:
    """Make `pulumi up` wait until Velero has finished this restore (any outcome: completionTimestamp is
    set for Completed, PartiallyFailed and Failed), so the next tier starts only after it; give up after
    the tier's RTO. Needs pulumi-kubernetes >= 4.18 (pulumi.com/waitFor)."""
    return {
        "pulumi.com/waitFor": "jsonpath={.status.completionTimestamp}",
        "pulumi.com/timeoutSeconds": str(restore.timeout_seconds),
        # The tier as the settings name it (the label holds its DNS-label form): the readiness model reads it.
        TIER_ANNOTATION: restore.tier,
    }


class TierRestores(pulumi.ComponentResource):
    """A chain of Restores, Critical first: each depends explicitly on the one before it."""

    resources: list[pulumi.Resource]  # the Restores in tier order
    names: pulumi.Output[list[str]]

    def __init__(self, name: str, args: TierRestoresArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:velero:TierRestores", name, None, opts)
        previous: list[pulumi.Resource] = list(args.first_depends_on)
        self.resources: list[pulumi.Resource] = []
        for restore in args.restores:
            resource = k8s.apiextensions.CustomResource(
                f"{name}-{restore.key}",
                api_version=API_VERSION,
                kind="Restore",
                metadata={
                    "name": restore.name,
                    "namespace": args.namespace,
                    "labels": {"aivo.edu/tier": restore.key},
                    "annotations": restore_annotations(restore),
                },
                spec=restore_spec(restore),
                opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider, depends_on=previous),
            )
            previous = [resource]
            self.resources.append(resource)
        self.names = pulumi.Output.from_input([r.name for r in args.restores])
        self.register_outputs({"names": self.names})
