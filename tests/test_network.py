"""Each stack's VPC: flow logs of ALL traffic into its region's log bucket, and the default security group closed."""

from __future__ import annotations

import pytest

from tests.helpers.planning import only, plan

LOGS = {"us-east-1": "aivo-production-logs-us-east-1", "us-west-2": "aivo-production-logs-us-west-2"}


@pytest.mark.parametrize(("state", "region"), [
    (("primary",), "us-east-1"), (("primary", "activeRegion=us-west-2"), "us-east-1"),
    (("dr",), "us-west-2"), (("dr", "failover=true"), "us-west-2"),
])
def test_the_vpc_logs_all_its_traffic_into_its_regions_log_bucket(state: tuple[str, ...], region: str) -> None:
    p = plan(*state)
    vpc = only(p, "aws:ec2/vpc:Vpc")
    flow = only(p, "aws:ec2/flowLog:FlowLog")
    assert flow.property_dependencies["vpcId"] == [vpc.urn] and flow.region == vpc.region == region
    assert {k: flow.inputs[k] for k in ("trafficType", "logDestinationType", "logDestination", "maxAggregationInterval")} == {
        "trafficType": "ALL", "logDestinationType": "s3", "logDestination": f"arn:aws:s3:::{LOGS[region]}/vpc-flow-logs/",
        "maxAggregationInterval": 600}
    assert flow.inputs["destinationOptions"] == {"fileFormat": "parquet", "perHourPartition": True}
    assert "iamRoleArn" not in flow.inputs  # delivery into S3 needs no role


def test_the_primary_flow_logs_wait_for_the_log_buckets_policy() -> None:
    p = plan("primary")
    flow = only(p, "aws:ec2/flowLog:FlowLog")
    policy = only(p, "aws:s3/bucketPolicy:BucketPolicy", "logs-us-east-1")
    assert policy.urn in flow.depends_on


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_the_default_security_group_is_adopted_with_no_rules(stack: str) -> None:
    p = plan(stack)
    group = only(p, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert group.property_dependencies["vpcId"] == [only(p, "aws:ec2/vpc:Vpc").urn]
    assert "ingress" not in group.inputs and "egress" not in group.inputs
