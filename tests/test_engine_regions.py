"""The region of a resource or invoke of the default aws provider is the stack's `aws:region`, as the default
provider uses it (region-based policies depend on it); an explicit provider's or the resource's own win."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from drctl.engine import run_plan
from tests.helpers.planning import only

REGIONS = Path(__file__).parent / "fixtures" / "region_program"
WEST = "urn:pulumi:dev::regions::pulumi:providers:aws::west"


def test_the_default_providers_resources_are_in_the_stacks_aws_region() -> None:
    p = run_plan("dev", [], REGIONS)
    assert {(r.type, r.name): r.region for r in p.resources} == {
        ("aws:sqs/queue:Queue", "jobs"): "eu-west-1",
        ("aws:s3/bucket:Bucket", "logs"): "eu-west-1",
        ("aws:iam/role:Role", "worker"): None,  # IAM is global
        ("aws:s3/bucket:Bucket", "elsewhere"): "us-west-2",  # its explicit provider's
        ("aws:s3/bucket:Bucket", "own-region"): "ap-south-1",  # its own region argument
        ("pulumi:providers:aws", "west"): "us-west-2",
    }
    assert p.counts()[1] == Counter({"eu-west-1": 2, "us-west-2": 2, "ap-south-1": 1, "global/none": 1})
    # Outputs are shaped for that region too.
    assert only(p, "aws:s3/bucket:Bucket", "logs").inputs["tags"]["queue"].startswith("arn:aws:sqs:eu-west-1:123456789012:")


def test_the_default_providers_invokes_are_in_the_stacks_aws_region() -> None:
    p = run_plan("dev", [], REGIONS)
    assert [(i.token, i.region, i.provider) for i in p.invokes] == [
        ("aws:index/getRegion:getRegion", "eu-west-1", None),
        ("aws:index/getRegion:getRegion", "us-west-2", WEST),
    ]
    assert p.outputs == {"region": "eu-west-1", "westRegion": "us-west-2"}


def test_an_aws_region_override_moves_only_the_default_providers_resources() -> None:
    p = run_plan("dev", ["aws:region=ap-southeast-2"], REGIONS)
    assert [r.name for r in p.resources if r.region == "ap-southeast-2"] == ["logs", "jobs"]
    assert only(p, "aws:s3/bucket:Bucket", "elsewhere").region == "us-west-2"
    assert p.outputs == {"region": "ap-southeast-2", "westRegion": "us-west-2"}
