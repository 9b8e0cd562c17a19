"""What the Pulumi engine refuses, the offline engine refuses: two resources with one URN, a parent or a provider
that is not registered. One line naming both resources, exit status 1 (the program's error)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drctl.engine import run_plan
from drctl.engine.plan import ProgramFailed
from tests.helpers.cli import drctl

REFUSING = Path(__file__).parent / "fixtures" / "refusing_program"
PREFIX = "urn:pulumi:dev::refusing::"
DUPLICATE = (
    f"the program failed: Duplicate resource URN '{PREFIX}fixture:index:Site$aws:s3/bucket:Bucket::data'; try giving it a "
    f"unique name: aws:s3/bucket:Bucket 'data' under {PREFIX}fixture:index:Site::a and aws:s3/bucket:Bucket 'data' under "
    f"{PREFIX}fixture:index:Site::b"
)
REFUSALS = {
    "duplicate": DUPLICATE,
    "parent": (
        f"the program failed: resource {PREFIX}fixture:index:Site$aws:s3/bucket:Bucket::orphan names parent "
        f"{PREFIX}fixture:index:Site::ghost, which is not a registered resource (could not find parent resource)"
    ),
    "provider": (
        f"the program failed: resource {PREFIX}aws:s3/bucket:Bucket::stray uses provider {PREFIX}pulumi:providers:aws::ghost, "
        "which is not a registered provider (unknown provider)"
    ),
    "invoke": (
        f"the program failed: invoke aws:index/getRegion:getRegion uses provider {PREFIX}pulumi:providers:aws::ghost, "
        "which is not a registered provider (unknown provider)"
    ),
}


def test_the_program_without_a_fault_plans() -> None:
    p = run_plan("dev", [], REFUSING)
    assert sorted(r.urn.removeprefix(PREFIX) for r in p.resources) == [
        "fixture:index:Site$aws:s3/bucket:Bucket::data",
        "fixture:index:Site$aws:s3/bucket:Bucket::other",
        "fixture:index:Site::a",
        "fixture:index:Site::b",
        "pulumi:providers:aws::east",
    ]


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_the_engine_refuses(case: str) -> None:
    with pytest.raises(ProgramFailed) as refused:
        run_plan("dev", [f"case={case}"], REFUSING)
    assert str(refused.value) == REFUSALS[case]


def test_the_first_of_two_resources_with_one_urn_is_what_was_registered() -> None:
    with pytest.raises(ProgramFailed) as refused:
        run_plan("dev", ["case=duplicate"], REFUSING)
    assert [urn for urn in refused.value.registered if urn.endswith("::data")] == [
        f"{PREFIX}fixture:index:Site$aws:s3/bucket:Bucket::data"
    ]


def test_a_refusal_is_one_line_on_stderr_and_exit_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    result = drctl(capsys, "plan", "--stack", "dev", "--program", str(REFUSING), "--config", "case=duplicate")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"drctl: error: {DUPLICATE}\n"


def test_the_run_after_a_refusal_plans_normally() -> None:
    with pytest.raises(ProgramFailed):
        run_plan("dev", ["case=parent"], REFUSING)
    assert len(run_plan("dev", [], REFUSING).resources) == 5
