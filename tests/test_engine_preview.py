"""The engine plans as `pulumi preview` does: an output it does not model is unknown (and an `apply` on it does
not run), and what derives from it is recorded unknown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drctl.engine import run_plan
from tests.helpers.cli import drctl
from tests.helpers.planning import only

PREVIEW = Path(__file__).parent / "fixtures" / "preview_program"
CLUSTER_ARN = "arn:aws:eks:eu-west-1:123456789012:cluster/fixture-cluster"
ENDPOINT = "https://A527E888B87470BC977FDAC0D9BB1689.gr7.eu-west-1.eks.amazonaws.com"


def test_an_apply_on_an_unmodelled_output_does_not_run_and_what_it_feeds_is_unknown() -> None:
    p = run_plan("dev", [], PREVIEW)
    # The apply on `certificate_authority` would declare this bucket (and fail on a None) if it ran.
    assert "authority-was-known" not in [r.name for r in p.resources]
    # The apply on the modelled ARN ran, with the realistic value.
    assert only(p, "aws:s3/bucket:Bucket", "tagged").inputs == {"tags": {"authority": "[unknown]", "cluster": f"cluster {CLUSTER_ARN}"}}


def test_a_modelled_output_of_an_unknown_input_is_unknown_too() -> None:
    """The bucket's name derives from the unknown authority: its id and ARN cannot be known either."""
    p = run_plan("dev", [], PREVIEW)
    assert only(p, "aws:s3/bucket:Bucket", "named-later").inputs == {"bucket": "[unknown]"}
    assert only(p, "aws:s3/bucketVersioning:BucketVersioning").inputs == {
        "bucket": "[unknown]", "versioningConfiguration": {"status": "Enabled"},
    }


def test_stack_outputs_that_are_not_known_show_as_unknown() -> None:
    assert run_plan("dev", [], PREVIEW).outputs == {"endpoint": ENDPOINT, "kubeconfig": "[unknown]", "laterArn": "[unknown]"}


def test_drctl_plan_prints_unknowns_in_its_json(capsys: pytest.CaptureFixture[str]) -> None:
    result = drctl(capsys, "plan", "--stack", "dev", "--program", str(PREVIEW), "--json", "-")
    assert (result.returncode, result.stderr) == (0, "")
    document = json.loads(result.stdout)
    assert document["outputs"]["kubeconfig"] == "[unknown]"
    tagged = next(r for r in document["resources"] if r["name"] == "tagged")
    assert tagged["inputs"]["tags"]["authority"] == "[unknown]"
