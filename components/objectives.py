"""The recovery objectives a stack was declared against, in its cluster: one ConfigMap, for people and for the pack.

The readiness model (policies/recovery) reads a plan's resources only; the objectives (tier targets, what each
service uses, the declaration time, the accepted exceptions) are settings, so they are declared as this object
and read off the plan. The same document in standby and failover: the flip changes nothing here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

CONFIG_MAP_NAME = "aivo-dr-objectives"
DOCUMENT_KEY = "objectives.json"


@dataclass(frozen=True)
class ObjectivesArgs:
    namespace: str
    document: dict[str, Any]
    kubernetes_provider: k8s.Provider
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # what creates the namespace


class DeclaredObjectives(pulumi.ComponentResource):
    def __init__(self, name: str, args: ObjectivesArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:readiness:DeclaredObjectives", name, None, opts)
        self.config_map = k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata={"name": CONFIG_MAP_NAME, "namespace": args.namespace,
                      "labels": {"app.kubernetes.io/part-of": "aivo-dr"}},
            data={DOCUMENT_KEY: json.dumps(args.document, sort_keys=True)},
            opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider, depends_on=list(args.depends_on)),
        )
        self.register_outputs({"name": CONFIG_MAP_NAME})
