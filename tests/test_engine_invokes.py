"""The data sources the engine answers: shaped as the AWS provider answers them, for the region asked."""

from __future__ import annotations

import json

from drctl.engine.outputs import mock_invoke

STATEMENTS = [
    {"sid": "Trust", "actions": ["sts:AssumeRole"], "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}]},
    {"effect": "Deny", "actions": ["s3:PutObject", "s3:DeleteObject"], "resources": ["arn:aws:s3:::b/*"],
     "principals": [{"type": "*", "identifiers": ["*"]}],
     "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]},
]


def test_a_policy_document_is_computed_from_its_statements_as_the_provider_writes_it() -> None:
    result = mock_invoke("aws:iam/getPolicyDocument:getPolicyDocument", {"statements": STATEMENTS}, "us-east-1")
    assert json.loads(result["json"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Trust", "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}},
            {"Effect": "Deny", "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": "arn:aws:s3:::b/*", "Principal": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ],
    }
    assert result["json"].startswith('{\n  "Version": "2012-10-17",\n  "Statement": [\n')  # indented, as the provider's
    assert json.loads(result["minifiedJson"]) == json.loads(result["json"])


def test_an_ami_a_default_vpc_its_subnets_and_a_zone_are_answered_for_the_region() -> None:
    ami = mock_invoke("aws:ec2/getAmi:getAmi", {"owners": ["amazon"], "mostRecent": True,
                                               "filters": [{"name": "name", "values": ["amzn2-ami-hvm-*"]}]}, "us-west-2")
    assert ami["id"] == ami["imageId"] and ami["id"].startswith("ami-") and len(ami["id"]) == 21
    assert (ami["name"], ami["ownerId"], ami["arn"]) == ("amzn2-ami-hvm-20250101", "137112412989", f"arn:aws:ec2:us-west-2::image/{ami['id']}")
    vpc = mock_invoke("aws:ec2/getVpc:getVpc", {"default": True}, "us-west-2")
    assert (vpc["cidrBlock"], vpc["default"]) == ("172.31.0.0/16", True)
    assert vpc["arn"] == f"arn:aws:ec2:us-west-2:123456789012:vpc/{vpc['id']}"
    subnets = mock_invoke("aws:ec2/getSubnets:getSubnets", {"filters": [{"name": "vpc-id", "values": [vpc["id"]]}]}, "us-west-2")
    assert len(set(subnets["ids"])) == 3 and all(s.startswith("subnet-") for s in subnets["ids"])
    zone = mock_invoke("aws:route53/getZone:getZone", {"name": "example.com."}, None)
    assert (zone["name"], zone["id"]) == ("example.com", zone["zoneId"])
    # Another region is another AMI, as AMIs are regional.
    assert mock_invoke("aws:ec2/getAmi:getAmi", {"owners": ["amazon"]}, "us-east-1")["id"] != mock_invoke(
        "aws:ec2/getAmi:getAmi", {"owners": ["amazon"]}, "us-west-2")["id"]


def test_a_data_source_the_engine_does_not_model_answers_an_empty_result() -> None:
    assert mock_invoke("aws:ec2/getInstance:getInstance", {"instanceId": "i-1"}, "us-east-1") == {}
