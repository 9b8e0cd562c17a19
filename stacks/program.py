"""The Pulumi program: settings first (nothing is declared if they are bad), then providers, network, parts.

The parts are a pipeline, each handing the next a typed record (stacks/contracts.py):
data -> compute (Velero needs the buckets) -> edge (DNS needs the databases and the cluster) -> monitoring
(alarms on all of them, and the paging that reaches people) -> testing (the Testing Schedule: restore tests, fault
injection on what the parts declared, the verify workflow's role).
"""

from __future__ import annotations

import pulumi

from components.network import Network, NetworkArgs
from stacks import compute, data, edge, monitoring, testing
from stacks.context import StackContext, key_access
from stacks.providers import regional_providers
from stacks.settings import load_settings
from stacks.settings.credentials import pagerduty_token
from stacks.settings.stack import tags_for


def run() -> None:
    settings = load_settings()
    token = pagerduty_token() if settings.role == "dr" else None  # checked before anything is declared
    providers = regional_providers(settings)
    logs = data.log_buckets(settings, providers)
    net = settings.network
    network = Network(
        f"{settings.role}-network",
        NetworkArgs(
            region=settings.region,
            cidr=net.cidr,
            zones=net.availability_zones,
            tags=tags_for(settings, "network"),
            vpc_id=net.vpc_id,
            private_subnet_ids=list(net.private_subnet_ids),
            public_subnet_ids=list(net.public_subnet_ids),
            flow_log_destination=logs.flow_log_destination(settings.region),
            flow_log_dependencies=list(logs.ready),
        ),
        opts=pulumi.ResourceOptions(provider=providers[settings.region]),
    )
    ctx = StackContext(settings=settings, providers=providers, network=network, keys=key_access(settings), logs=logs,
                       pagerduty_token=token)
    data_parts = data.build(ctx)
    compute_parts = compute.build(ctx, data_parts)
    edge_parts = edge.build(ctx, data_parts, compute_parts)
    monitoring_parts = monitoring.build(ctx, data_parts, compute_parts, edge_parts)
    testing_parts = testing.build(ctx, data_parts, compute_parts, monitoring_parts)
    exports: dict[str, pulumi.Input[object]] = {
        "role": settings.role,
        "region": settings.region,
        "activeRegion": settings.active,
        "vpcId": network.vpc_id,
        "privateSubnetIds": network.private_subnet_ids,
        **data_parts.exports,
        **compute_parts.exports,
        **edge_parts.exports,
        **monitoring_parts.exports,
        **testing_parts.exports,
    }
    for key in sorted(exports):
        pulumi.export(key, exports[key])
