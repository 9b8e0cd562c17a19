"""The pull-request workflow (.github/workflows/pr.yml): what it runs, and that what it runs passes."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "pr.yml"


def workflow() -> dict:
    document = yaml.safe_load(WORKFLOW.read_text())
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as true
    return document


def check_invocations() -> list[list[str]]:
    """The `drctl check` arguments of the offline job, as its shell function passes them."""
    script = next(step["run"] for step in workflow()["jobs"]["offline"]["steps"] if "drctl check" in step.get("name", ""))
    return [shlex.split(line.strip())[2:] for line in script.splitlines() if re.match(r"\s*check \S+\s+--stack", line)]


def test_runs_on_pull_requests_with_an_offline_job_that_needs_no_secrets():
    w = workflow()
    assert "pull_request" in w["on"]
    offline = w["jobs"]["offline"]
    text = yaml.safe_dump(offline)
    assert "secrets." not in text
    assert any(step.get("run") == "make test" for step in offline["steps"])
    python = next(step for step in offline["steps"] if step.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["python-version"] == "3.11"


def test_drctl_check_covers_both_stacks_in_both_states():
    assert check_invocations() == [
        ["--stack", "primary"],
        ["--stack", "primary", "--config", "activeRegion=us-west-2"],
        ["--stack", "dr"],
        ["--stack", "dr", "--config", "failover=true"],
    ]


def test_preview_runs_the_pack_per_stack_only_with_credentials():
    jobs = workflow()["jobs"]
    preview = jobs["preview"]
    assert preview["if"] == "needs.credentials.outputs.configured == 'true'"
    assert preview["strategy"]["matrix"]["stack"] == ["primary", "dr"]
    assert preview["permissions"]["id-token"] == "write"
    action = next(step for step in preview["steps"] if step.get("uses", "").startswith("pulumi/actions@"))
    assert action["with"]["command"] == "preview" and action["with"]["policyPacks"] == "policies"
    assert action["with"]["stack-name"] == "${{ matrix.stack }}"
    probe = jobs["credentials"]["steps"][0]
    assert set(probe["env"]) == {"AWS_ROLE_ARN", "PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL"}


def test_the_offline_job_posts_readiness_against_the_base_without_secrets():
    offline = workflow()["jobs"]["offline"]
    step = next(s for s in offline["steps"] if "drctl readiness" in s.get("name", ""))
    assert "scripts/pr-readiness.sh \"$BASE_SHA\" readiness" in step["run"]
    assert "GITHUB_STEP_SUMMARY" in step["run"] and "gh pr comment" in step["run"]
    assert step["env"]["GH_TOKEN"] == "${{ github.token }}" and "secrets." not in yaml.safe_dump(step)
    assert offline["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert step["run"].rstrip().endswith("exit $status")  # a tier in BREACH fails the job
