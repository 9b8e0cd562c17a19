"""policies/network.py: every VPC's flow logs and its closed default security group, on a compliant VPC."""

from __future__ import annotations

import pytest

from drctl.checking import check_plan
from policies import network
from policies._common import DEFAULT_SECURITY_GROUP, FLOW_LOG, VPC
from tests.helpers.planning import plan
from tests.helpers.policies import DELETE, EAST, UNKNOWN, mutate, plan_of, res, urn, violations, without


def vpc_set() -> list:
    vpc = urn(VPC, "net-vpc")
    flow = res(FLOW_LOG, "net-flow-logs", {"vpcId": "vpc-1", "trafficType": "ALL", "logDestinationType": "s3",
                                          "logDestination": "arn:aws:s3:::aivo-production-logs-us-east-1/vpc-flow-logs/"},
               depends_on=(vpc,))
    default = res(DEFAULT_SECURITY_GROUP, "net-default-sg", {"vpcId": "vpc-1"}, depends_on=(vpc,))
    for record in (flow, default):
        record.property_dependencies = {"vpcId": [vpc]}
    return [res(VPC, "net-vpc", {"cidrBlock": "10.10.0.0/16"}, region=EAST), flow, default]


def test_a_vpc_with_all_traffic_logged_and_its_default_group_closed_passes() -> None:
    assert violations(network.vpc_flow_logs, vpc_set()) == []
    assert violations(network.vpc_default_sg_closed, vpc_set()) == []


def test_a_vpc_without_a_flow_log_fails() -> None:
    assert violations(network.vpc_flow_logs, without(vpc_set(), "net-flow-logs")) == [
        "vpc net-vpc has no flow log (aws.ec2.FlowLog): nothing records what talked to what in it"]


def test_a_flow_log_of_rejected_traffic_only_fails() -> None:
    assert violations(network.vpc_flow_logs, mutate(vpc_set(), "net-flow-logs", "trafficType", "REJECT")) == [
        "vpc net-vpc: its flow logs record REJECT traffic; one must record ALL (accepted and rejected) into a named destination"]


def test_a_flow_log_without_a_destination_fails() -> None:
    assert violations(network.vpc_flow_logs, mutate(vpc_set(), "net-flow-logs", "logDestination", DELETE)) == [
        "vpc net-vpc: its flow logs record ALL traffic; one must record ALL (accepted and rejected) into a named destination"]


def test_a_vpc_whose_default_group_is_not_adopted_fails() -> None:
    assert violations(network.vpc_default_sg_closed, without(vpc_set(), "net-default-sg")) == [
        "vpc net-vpc: its default security group is not adopted (aws.ec2.DefaultSecurityGroup with no rules), so AWS's "
        "default rules (members reach each other, and anything outside) stay"]


def test_a_default_group_with_rules_fails() -> None:
    rules = [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]
    weak = mutate(mutate(vpc_set(), "net-default-sg", "ingress", rules), "net-default-sg", "egress", rules * 2)
    assert violations(network.vpc_default_sg_closed, weak) == [
        "vpc net-vpc: its default security group keeps 1 ingress and 2 egress rules; it must have none (every resource names "
        "a security group of its own)"]


def test_the_planned_stacks_pass() -> None:
    for stack in ("primary", "dr"):
        records = plan(stack).resources
        assert violations(network.vpc_flow_logs, records) == violations(network.vpc_default_sg_closed, records) == []


SG, RULE, SUBNET = "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:ec2/subnet:Subnet"


def groups() -> list:
    return [
        res(SG, "db-sg", {"description": "PostgreSQL 5432 from the VPC only", "vpcId": "vpc-1", "ingress": [{
            "protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["10.10.0.0/16"],
            "description": "PostgreSQL from inside the VPC"}]}),
        res(SG, "runner-sg", {"description": "HTTPS out only", "vpcId": "vpc-1", "egress": [{
            "protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"], "description": "HTTPS out"}]}),
        res(RULE, "api-client", {"type": "ingress", "protocol": "tcp", "fromPort": 443, "toPort": 443, "securityGroupId": "sg-1",
                                 "sourceSecurityGroupId": "sg-2", "description": "Kubernetes API from a deploy runner"}),
        res(SUBNET, "public-0", {"vpcId": "vpc-1", "cidrBlock": "10.10.192.0/20"}),
    ]


def test_compliant_groups_rules_and_subnets_pass() -> None:
    for policy in (network.sg_no_ingress_from_anywhere, network.sg_egress_bounded, network.sg_described,
                   network.subnet_no_public_ips):
        assert violations(policy, groups()) == []


def test_ingress_from_anywhere_fails_on_a_group_and_on_a_rule() -> None:
    weak = mutate(groups(), "db-sg", "ingress.0.cidrBlocks", ["0.0.0.0/0"])
    weak = mutate(mutate(weak, "api-client", "ipv6CidrBlocks", ["::/0"]), "api-client", "protocol", "-1")
    assert sorted(violations(network.sg_no_ingress_from_anywhere, weak)) == [
        "ingress from 0.0.0.0/0 on port 5432: nothing here is reached from the internet except through the load balancers "
        "and CloudFront, which are not security-group rules of these stacks",
        "ingress from ::/0 on every port: nothing here is reached from the internet except through the load balancers "
        "and CloudFront, which are not security-group rules of these stacks"]


def test_egress_everywhere_on_every_port_fails_and_on_named_ports_passes() -> None:
    weak = mutate(groups(), "runner-sg", "egress.0.protocol", "-1")
    assert violations(network.sg_egress_bounded, weak) == [
        "egress to 0.0.0.0/0 on every port and protocol; name the ports it needs (e.g. 443)"]


def test_undescribed_groups_and_rules_fail() -> None:
    weak = mutate(mutate(groups(), "db-sg", "description", "Managed by Pulumi"), "db-sg", "ingress.0.description", "")
    weak = mutate(weak, "api-client", "description", DELETE)
    assert violations(network.sg_described, weak) == [
        "an ingress rule on port 443 has no description; say what it is for",
        "an ingress rule on port 5432 has no description; say what it is for",
        "description is Managed by Pulumi; say what the group admits and why"]


def test_a_subnet_handing_out_public_addresses_fails() -> None:
    assert violations(network.subnet_no_public_ips, mutate(groups(), "public-0", "mapPublicIpOnLaunch", True)) == [
        "mapPublicIpOnLaunch is true: every interface launched here would get a public address; only NAT gateways and load "
        "balancers take one, explicitly"]


def test_a_security_group_nothing_uses_fails_and_one_an_instance_names_passes() -> None:
    records = groups()
    instance = res("aws:rds/instance:Instance", "db", {"vpcSecurityGroupIds": ["sg-1"]})
    instance.property_dependencies = {"vpcSecurityGroupIds": [records[0].urn]}
    project = res("aws:codebuild/project:Project", "runner", {"vpcConfig": {"securityGroupIds": ["sg-2"]}})
    project.property_dependencies = {"vpcConfig": [records[1].urn]}
    assert violations(network.sg_attached, [*records, instance, project]) == []
    assert violations(network.sg_attached, [*records, instance]) == [
        "security group runner-sg is attached to nothing this stack declares; delete it, or attach it"]


def test_the_planned_stacks_attach_every_security_group() -> None:
    for state in (("primary",), ("dr",), ("dr", "failover=true")):
        assert violations(network.sg_attached, plan(*state).resources) == []


def blamed(policy, records, config=None) -> list[tuple[str, str]]:
    """(resource, message) of each violation: the resource a stack policy blames is part of its verdict."""
    overrides = {policy.name: config} if config else None
    return [(v.resource, v.message) for v in check_plan(plan_of(*records), [policy], overrides)]


NO_FLOW_LOG = ("net-vpc", "vpc net-vpc has no flow log (aws.ec2.FlowLog): nothing records what talked to what in it")


def joined(property_dependencies: list[str], depends_on: list[str]) -> list:
    """vpc_set plus a second VPC, with the flow log's dependencies replaced."""
    records = [*vpc_set(), res(VPC, "other-vpc", {"cidrBlock": "10.20.0.0/16"}, region=EAST),
               res(FLOW_LOG, "other-flow-logs", {"vpcId": "vpc-2", "trafficType": "ALL", "logDestination": "arn:aws:s3:::l/"},
                   depends_on=(urn(VPC, "other-vpc"),))]
    flow = next(r for r in records if r.name == "net-flow-logs")
    flow.property_dependencies = {"vpcId": property_dependencies} if property_dependencies else {}
    flow.depends_on = depends_on
    return records


ROLE = urn("aws:iam/role:Role", "flow-logs-role")


@pytest.mark.parametrize(("property_dependencies", "depends_on", "expected"), [
    # the VPC its vpcId came from, whatever else it depends on
    ([urn(VPC, "net-vpc")], [urn(VPC, "net-vpc"), urn(VPC, "other-vpc"), ROLE], []),
    # else its one VPC dependency
    ([], [urn(VPC, "net-vpc"), ROLE], []),
    ([ROLE], [urn(VPC, "net-vpc"), ROLE], []),
    ([], [urn(VPC, "net-vpc"), urn(VPC, "other-vpc")], [NO_FLOW_LOG]),
    ([], [ROLE], [NO_FLOW_LOG]),
    ([], [], [NO_FLOW_LOG]),
])
def test_a_flow_log_belongs_to_the_vpc_its_vpc_id_came_from(property_dependencies, depends_on, expected):
    assert blamed(network.vpc_flow_logs, joined(property_dependencies, depends_on)) == expected


@pytest.mark.parametrize(("change", "expected"), [
    (lambda r: [*r, res(FLOW_LOG, "net-rejects", {"vpcId": "vpc-1", "trafficType": "REJECT", "logDestination": "x"},
                        depends_on=(urn(VPC, "net-vpc"),))], []),
    (lambda r: mutate([*r, res(FLOW_LOG, "net-accepts", {"vpcId": "vpc-1", "trafficType": "ACCEPT", "logDestination": "x"},
                               depends_on=(urn(VPC, "net-vpc"),))], "net-flow-logs", "trafficType", "REJECT"),
     [("net-vpc", "vpc net-vpc: its flow logs record ACCEPT, REJECT traffic; one must record ALL (accepted and rejected) into a "
                  "named destination")]),
    (lambda r: mutate(r, "net-flow-logs", "trafficType", UNKNOWN),
     [("net-vpc", "net-vpc: trafficType is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it "
                  "from settings)")]),
])
def test_one_flow_log_of_all_traffic_is_enough(change, expected):
    assert blamed(network.vpc_flow_logs, change(vpc_set())) == expected


@pytest.mark.parametrize(("change", "expected"), [
    (lambda r: without(r, "net-default-sg"),
     "vpc net-vpc: its default security group is not adopted (aws.ec2.DefaultSecurityGroup with no rules), so AWS's default "
     "rules (members reach each other, and anything outside) stay"),
    (lambda r: mutate(r, "net-default-sg", "ingress", [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]),
     "vpc net-vpc: its default security group keeps 1 ingress and 0 egress rules; it must have none (every resource names a "
     "security group of its own)"),
    (lambda r: mutate(r, "net-default-sg", "egress", [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]),
     "vpc net-vpc: its default security group keeps 0 ingress and 1 egress rules; it must have none (every resource names a "
     "security group of its own)"),
    (lambda r: mutate(r, "net-default-sg", "ingress", UNKNOWN),
     "net-vpc: ingress is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it from settings)"),
])
def test_any_rule_of_the_default_group_is_reported_against_the_vpc(change, expected):
    assert blamed(network.vpc_default_sg_closed, change(vpc_set())) == [("net-vpc", expected)]


INTERNET = ("nothing here is reached from the internet except through the load balancers and CloudFront, which are not "
            "security-group rules of these stacks")


@pytest.mark.parametrize(("rule", "expected"), [
    ({"protocol": "all", "cidrBlocks": ["0.0.0.0/0"], "ipv6CidrBlocks": ["::/0"]}, f"ingress from 0.0.0.0/0, ::/0 on every port: {INTERNET}"),
    ({"protocol": "tcp", "fromPort": 80, "toPort": 443, "cidrBlocks": ["10.0.0.0/8", "0.0.0.0/0"]},
     f"ingress from 0.0.0.0/0 on ports 80-443: {INTERNET}"),
])
def test_ingress_from_anywhere_names_its_sources_and_ports(rule, expected):
    assert violations(network.sg_no_ingress_from_anywhere, mutate(groups(), "db-sg", "ingress.0", {**rule, "description": "x"})) == [expected]


def test_egress_everywhere_on_every_port_fails_on_a_standalone_rule_too():
    rule = res(RULE, "out", {"type": "egress", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"],
                             "ipv6CidrBlocks": ["::/0"], "securityGroupId": "sg-1", "description": "everything out"})
    assert violations(network.sg_egress_bounded, [*groups(), rule]) == [
        "egress to 0.0.0.0/0, ::/0 on every port and protocol; name the ports it needs (e.g. 443)"]


def test_an_empty_group_description_says_nothing():
    assert violations(network.sg_described, mutate(groups(), "db-sg", "description", "")) == [
        "description is ; say what the group admits and why"]


def test_an_unused_security_group_is_reported_against_itself():
    assert blamed(network.sg_attached, groups()) == [
        ("db-sg", "security group db-sg is attached to nothing this stack declares; delete it, or attach it"),
        ("runner-sg", "security group runner-sg is attached to nothing this stack declares; delete it, or attach it")]
