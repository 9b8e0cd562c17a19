"""Network of the stack's region: a new VPC over three AZs, or an existing VPC and subnets."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from .base import Section, matching, no_repeats
from .values import VpcCidr

# EC2 ids: the resource prefix and hexadecimal digits (8 or 17 in AWS; any length here, so that tests may use short ones).
VpcId = Annotated[str, matching(r"vpc-[0-9a-f]+", 'a VPC id, e.g. "vpc-0123456789abcdef0"')]
SubnetId = Annotated[str, matching(r"subnet-[0-9a-f]+", 'a subnet id, e.g. "subnet-0123456789abcdef0"')]
SubnetIds = Annotated[list[SubnetId], no_repeats("subnet ids")]


Cidr = VpcCidr


class Network(Section):
    cidr: Cidr = "10.10.0.0/16"
    availability_zones: int = Field(default=3, ge=2, le=6)
    vpc_id: VpcId | None = None
    private_subnet_ids: SubnetIds = []
    public_subnet_ids: SubnetIds = []

    @model_validator(mode="after")
    def _existing_is_complete(self) -> Network:
        if self.vpc_id and len(self.private_subnet_ids) < 2:
            raise ValueError("with vpcId, at least two privateSubnetIds in different availability zones")
        if not self.vpc_id and (self.private_subnet_ids or self.public_subnet_ids):
            raise ValueError("subnet ids only together with vpcId")
        if set(self.private_subnet_ids) & set(self.public_subnet_ids):
            raise ValueError("a subnet in privateSubnetIds or publicSubnetIds, not both")
        return self

    @property
    def existing(self) -> bool:
        return self.vpc_id is not None
