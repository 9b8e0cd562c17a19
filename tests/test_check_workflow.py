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
    """The `drctl check` arguments of the offline job, one list per process it starts."""
    script = next(step["run"] for step in workflow()["jobs"]["offline"]["steps"] if "drctl check" in step.get("name", ""))
    return [shlex.split(line.strip())[2:] for line in script.splitlines() if re.match(r"\s*\S*drctl check", line)]


def test_runs_on_pull_requests_with_an_offline_job_that_needs_no_secrets():
    w = workflow()
    assert "pull_request" in w["on"]
    offline = w["jobs"]["offline"]
    text = yaml.safe_dump(offline)
    assert "secrets." not in text
    assert any(step.get("run") == "make test" for step in offline["steps"])
    python = next(step for step in offline["steps"] if step.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["python-version"] == "3.11"


def test_drctl_check_covers_both_stacks_in_both_states_in_one_process():
    """`--all` checks both stacks in standby and failover (drctl/commands/check.py), each plan made once."""
    from drctl.commands.check import project_states

    assert check_invocations() == [["--all", "--json", "check-all.json"]]
    assert [s.label for s in project_states(None)] == ["primary", "primary activeRegion=us-west-2", "dr", "dr failover=true"]


def test_every_action_is_pinned_to_a_commit_with_its_tag_and_checkouts_keep_no_credentials():
    for path in sorted(WORKFLOW.parent.glob("*.yml")):
        text = path.read_text()
        uses = re.findall(r"uses: (\S+)@(\S+)(.*)", text)
        assert uses, path
        for action, ref, comment in uses:
            assert re.fullmatch(r"[0-9a-f]{40}", ref) and re.fullmatch(r" # v\d+\.\d+\.\d+", comment), (path.name, action, ref, comment)
        document = yaml.safe_load(text)
        assert document["permissions"] == {}, path.name  # no default token scope: each job asks for its own
        for name, job in document["jobs"].items():
            assert "permissions" in job, (path.name, name)
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, (path.name, name)


def high_findings(*paths: Path) -> list[tuple[str, str]]:
    """zizmor (pinned in requirements.lock), offline, as an auditor: its findings of high severity."""
    import json
    import shutil
    import subprocess
    import sys

    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent))
    assert zizmor, "zizmor is not installed: make setup installs requirements.lock"
    done = subprocess.run([zizmor, "--offline", "--persona", "auditor", "--format", "json", *map(str, paths)],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip(), done.stderr
    return [(f["ident"], f["desc"]) for f in json.loads(done.stdout) if f["determinations"]["severity"] == "High"]


def test_zizmor_finds_nothing_high_in_the_workflows():
    assert high_findings(WORKFLOW.parent, WORKFLOW.parents[1] / "dependabot.yml") == []


def test_zizmor_would_fail_an_action_pinned_to_a_tag(tmp_path):
    bad = tmp_path / ".github" / "workflows" / "pr.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(WORKFLOW.read_text().replace("actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0", "actions/checkout@v4", 1))
    assert high_findings(bad.parent) == [("unpinned-uses", "unpinned action reference")]


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
