"""policies/network.py: every VPC's flow logs and its closed default security group, on a compliant VPC."""

from __future__ import annotations

from policies import network
from policies._common import DEFAULT_SECURITY_GROUP, FLOW_LOG, VPC
from tests.helpers.planning import plan
from tests.helpers.policies import DELETE, EAST, mutate, res, urn, violations, without


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
