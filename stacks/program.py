"""The Pulumi program: settings first (nothing is declared if they are bad), then providers, network, parts."""

from __future__ import annotations

import pulumi

from components.network import Network, NetworkArgs
from stacks.context import StackContext
from stacks.parts import PARTS
from stacks.providers import regional_providers
from stacks.settings import load_settings
from stacks.settings.stack import tags_for


def run() -> None:
    settings = load_settings()
    providers = regional_providers(settings)
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
        ),
        opts=pulumi.ResourceOptions(provider=providers[settings.region]),
    )
    ctx = StackContext(settings=settings, providers=providers, network=network)
    outputs: dict[str, pulumi.Input] = {
        "role": settings.role,
        "region": settings.region,
        "activeRegion": settings.active,
        "vpcId": network.vpc_id,
        "privateSubnetIds": network.private_subnet_ids,
    }
    for _name, build in PARTS:
        outputs.update(build(ctx))
    for key in sorted(outputs):
        pulumi.export(key, outputs[key])
