"""A region's network: a VPC over several availability zones with public and private subnets, its flow logs, and its
default security group closed."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws


def subnet_cidrs(cidr: str, zones: int) -> tuple[list[str], list[str]]:
    """(private, public) CIDRs: one large private block per zone, small public blocks from the next block."""
    network = ipaddress.IPv4Network(cidr)
    blocks = list(network.subnets(prefixlen_diff=math.ceil(math.log2(zones + 1))))
    private = [str(b) for b in blocks[:zones]]
    public = [str(b) for b in list(blocks[zones].subnets(prefixlen_diff=max(1, math.ceil(math.log2(zones)))))[:zones]]
    return private, public


@dataclass(frozen=True)
class NetworkArgs:
    region: str
    cidr: str
    zones: int
    tags: dict[str, str]
    vpc_id: str | None = None
    private_subnet_ids: list[str] = field(default_factory=list)
    public_subnet_ids: list[str] = field(default_factory=list)
    # Where the VPC's flow logs go: an S3 ARN (the region's log bucket and prefix), and what must exist first (the
    # log bucket's policy that admits the delivery service). Required for a VPC this component creates.
    flow_log_destination: str | None = None
    flow_log_dependencies: list[pulumi.Resource] = field(default_factory=list)


class Network(pulumi.ComponentResource):
    """VPC, subnets, internet and NAT gateways of one region, the VPC's flow logs and its default security group with no
    rules; or the ids of an existing VPC passed through (its owner logs and locks it down)."""

    vpc_id: pulumi.Output[str]
    vpc_cidr: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:network:Network", name, None, opts)
        if args.vpc_id:
            self.vpc_id = pulumi.Output.from_input(args.vpc_id)
            self.vpc_cidr = pulumi.Output.from_input(args.cidr)
            self.private_subnet_ids = pulumi.Output.from_input(list(args.private_subnet_ids))
            self.public_subnet_ids = pulumi.Output.from_input(list(args.public_subnet_ids))
        else:
            self._create(name, args)
        self.register_outputs(
            {"vpcId": self.vpc_id, "privateSubnetIds": self.private_subnet_ids, "publicSubnetIds": self.public_subnet_ids}
        )

    def _create(self, name: str, args: NetworkArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        zones = aws.get_availability_zones_output(
            state="available", region=args.region, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            region=args.region,
            tags={**args.tags, "Name": f"{name}-vpc"},
            opts=child,
        )
        if not args.flow_log_destination:
            raise ValueError(f"{name}: a VPC this component creates needs flow_log_destination (its region's log bucket)")
        # Every flow (accepted and rejected) into the region's log bucket, which replicates out of the primary region:
        # the record of what talked to what outlives a us-east-1 outage. S3 (not CloudWatch Logs) needs no IAM role.
        aws.ec2.FlowLog(
            f"{name}-flow-logs",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="s3",
            log_destination=args.flow_log_destination,
            max_aggregation_interval=600,
            destination_options=aws.ec2.FlowLogDestinationOptionsArgs(file_format="parquet", per_hour_partition=True),
            region=args.region,
            tags={**args.tags, "Name": f"{name}-flow-logs"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.flow_log_dependencies)),
        )
        # The VPC's default security group, adopted with no rules: the provider removes its rules (AWS's default lets
        # members talk to each other and out anywhere). Nothing here uses it: every resource names its own group.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", vpc_id=vpc.id, region=args.region,
            tags={**args.tags, "Name": f"{name}-default (no rules)"}, opts=child,
        )
        igw = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=vpc.id, region=args.region, tags={**args.tags, "Name": f"{name}-igw"}, opts=child
        )
        public_rt = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
            region=args.region,
            tags={**args.tags, "Name": f"{name}-public"},
            opts=child,
        )
        private_cidrs, public_cidrs = subnet_cidrs(args.cidr, args.zones)
        private_ids, public_ids = [], []
        for index, (private_cidr, public_cidr) in enumerate(zip(private_cidrs, public_cidrs, strict=True)):
            zone: pulumi.Output[str] = zones.names.apply(lambda names, i=index: names[i])  # type: ignore[misc]
            public = aws.ec2.Subnet(
                f"{name}-public-{index}",
                vpc_id=vpc.id,
                cidr_block=public_cidr,
                availability_zone=zone,
                region=args.region,
                tags={**args.tags, "Name": f"{name}-public-{index}", "kubernetes.io/role/elb": "1"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{index}", subnet_id=public.id, route_table_id=public_rt.id, region=args.region, opts=child
            )
            # One NAT gateway per zone: a zone outage must not cut the other zones' egress.
            eip = aws.ec2.Eip(f"{name}-nat-{index}", domain="vpc", region=args.region, tags=args.tags, opts=child)
            nat = aws.ec2.NatGateway(
                f"{name}-nat-{index}",
                subnet_id=public.id,
                allocation_id=eip.allocation_id,
                region=args.region,
                tags={**args.tags, "Name": f"{name}-nat-{index}"},
                opts=child,
            )
            private_rt = aws.ec2.RouteTable(
                f"{name}-private-{index}",
                vpc_id=vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)],
                region=args.region,
                tags={**args.tags, "Name": f"{name}-private-{index}"},
                opts=child,
            )
            private = aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=vpc.id,
                cidr_block=private_cidr,
                availability_zone=zone,
                region=args.region,
                tags={**args.tags, "Name": f"{name}-private-{index}", "kubernetes.io/role/internal-elb": "1"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}", subnet_id=private.id, route_table_id=private_rt.id, region=args.region, opts=child
            )
            private_ids.append(private.id)
            public_ids.append(public.id)
        self.vpc_id = vpc.id
        self.vpc_cidr = vpc.cidr_block
        self.private_subnet_ids = pulumi.Output.all(*private_ids).apply(list)
        self.public_subnet_ids = pulumi.Output.all(*public_ids).apply(list)
