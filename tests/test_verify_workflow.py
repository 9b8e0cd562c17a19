"""The scheduled DR verification workflow (.github/workflows/dr-verify.yml): parsed, scheduled weekly at the time the
settings derive, signed in through GitHub OIDC with no secret, skipped cleanly without a role; its scripts run here
with stand-in `drctl` and `gh` executables (GitHub's runner is not available to the tests)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import yaml

from drctl import docgen
from drctl.ops.verify_issue import issue_body
from drctl.stack_settings import stack_settings
from policies.runner import LEAKS
from stacks.settings.cron import github_cron
from stacks.settings.testing import verification_schedule

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "dr-verify.yml"


def workflow() -> dict:
    document = yaml.safe_load(WORKFLOW.read_text())
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as true
    return document


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def run(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env={"PATH": os.environ["PATH"], **env}, cwd=cwd,
                          timeout=60)


def test_scheduled_weekly_at_the_derived_time_and_on_demand() -> None:
    on = workflow()["on"]
    assert "workflow_dispatch" in on
    (schedule,) = on["schedule"]
    weekly = stack_settings("dr").weekly_snapshots
    assert schedule["cron"] == github_cron(verification_schedule(weekly)) == "0 8 * * 0"
    minute, hour, dom, month, dow = schedule["cron"].split()
    assert (dom, month) == ("*", "*") and re.fullmatch(r"[0-6]", dow)  # one day a week


def test_the_schedule_block_is_regenerated_from_the_settings(monkeypatch) -> None:
    """Changing weeklySnapshots.schedule in one place: `make docs` rewrites the workflow's cron (a stale one fails)."""
    text = WORKFLOW.read_text()
    fresh = docgen.regenerate_yaml(text, {"verify-schedule": docgen.verify_schedule_block("cron(30 1 ? * WED *)", 180)})
    assert '    - cron: "30 4 * * 3"  # cron(30 4 ? * WED *) in UTC: weeklySnapshots.schedule plus its completion window\n' in fresh
    assert docgen.regenerate_yaml(text, {"verify-schedule": docgen.verify_schedule_block("cron(0 2 ? * SUN *)", 360)}) == text


def test_signs_in_with_github_oidc_and_prints_no_secret() -> None:
    text = WORKFLOW.read_text()
    assert "secrets." not in text  # no secret at all: the role ARN is a variable, the issue uses the run's own token
    verify = workflow()["jobs"]["verify"]
    assert verify["permissions"] == {"contents": "read", "id-token": "write", "issues": "write"}
    assert workflow()["permissions"] == {}  # no default token scope: each job asks for its own
    credentials = next(s for s in verify["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    assert credentials["with"]["role-to-assume"] == "${{ vars.AIVO_DR_VERIFY_ROLE_ARN }}" and credentials["with"]["aws-region"] == "us-west-2"
    scripts = [s["run"] for job in workflow()["jobs"].values() for s in job["steps"] if "run" in s]
    scripts += [(ROOT / "scripts" / name).read_text() for name in ("dr-verify.sh", "dr-verify-issue.sh")]
    assert not [s for s in scripts if LEAKS.search(s)]
    issue = next(s for s in verify["steps"] if s.get("name") == "Open or update the dr-verify issue")
    assert issue["env"]["GH_TOKEN"] == "${{ github.token }}" and issue["if"] == "failure() && steps.checks.outcome == 'failure'"
    artifact = next(s for s in verify["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert artifact["if"] == "always()" and artifact["with"]["path"] == "dr-verify/*.json"


def test_skipped_cleanly_with_a_notice_without_a_role(tmp_path: Path) -> None:
    jobs = workflow()["jobs"]
    assert jobs["verify"]["needs"] == "role" and jobs["verify"]["if"] == "needs.role.outputs.configured == 'true'"
    probe = jobs["role"]["steps"][0]
    assert probe["env"] == {"ROLE_ARN": "${{ vars.AIVO_DR_VERIFY_ROLE_ARN }}"}
    outputs = tmp_path / "out"
    done = run(probe["run"], {"ROLE_ARN": "", "GITHUB_OUTPUT": str(outputs)}, tmp_path)
    assert done.returncode == 0 and outputs.read_text() == "configured=false\n"
    assert done.stdout.startswith("::notice::dr-verify skipped: set the repository variable AIVO_DR_VERIFY_ROLE_ARN")
    outputs.unlink()
    done = run(probe["run"], {"ROLE_ARN": "arn:aws:iam::123456789012:role/aivo-dr-verify", "GITHUB_OUTPUT": str(outputs)}, tmp_path)
    assert done.returncode == 0 and outputs.read_text() == "configured=true\n" and done.stdout == ""


def stand_in_drctl(directory: Path, failing: str) -> Path:
    """A `drctl` that writes a check document where --json says and fails the command named in `failing`."""
    return executable(directory / "drctl", f"""#!{sys.executable}
import json, sys
args = sys.argv[1:]
name = "backups-verify" if args[0] == "backups" else "preflight"
schema = "aivo-dr/" + name + "@1"
failed = name == {failing!r}
checks = [{{"check": "weekly snapshot", "status": "FAIL" if failed else "PASS", "detail": "newest is 9.0 d old", "region": None}}]
document = {{"schema": schema, "checks": checks, "summary": {{"pass": 0 if failed else 1, "warn": 0, "fail": 1 if failed else 0,
            "unreachable": 0}}, "ok": not failed}}
open(args[args.index("--json") + 1], "w").write(json.dumps(document))
print("ran", " ".join(args))
sys.exit(1 if failed else 0)
""")


def test_both_checks_run_and_a_failure_fails_the_step_with_the_documents_kept(tmp_path: Path) -> None:
    drctl = stand_in_drctl(tmp_path, "backups-verify")
    outputs = tmp_path / "github-output"
    done = run(str(ROOT / "scripts" / "dr-verify.sh"), {"DRCTL": str(drctl), "OUT": str(tmp_path / "dr-verify"),
                                                        "GITHUB_OUTPUT": str(outputs)}, tmp_path)
    assert done.returncode == 1
    assert "ran backups verify --json" in done.stdout and "ran preflight --json" in done.stdout  # the second ran anyway
    assert outputs.read_text() == "failed=backups-verify\n"
    assert sorted(p.name for p in (tmp_path / "dr-verify").iterdir()) == ["backups-verify.json", "preflight.json"]
    assert "::error::DR verification failed: backups-verify" in done.stdout
    passing = stand_in_drctl(tmp_path, "nothing")
    done = run(str(ROOT / "scripts" / "dr-verify.sh"), {"DRCTL": str(passing), "OUT": str(tmp_path / "ok"), "GITHUB_OUTPUT": str(outputs)},
               tmp_path)
    assert done.returncode == 0 and outputs.read_text().splitlines()[-1] == "failed="


def stand_in_gh(directory: Path, open_issue: str) -> Path:
    """A `gh` that records its arguments and answers `issue list` with the open dr-verify issue (or none)."""
    log = directory / "gh.log"
    return executable(directory / "gh", f"""#!/usr/bin/env bash
printf '%s\\n' "$*" >> {log}
if [ "$1 $2" = "issue list" ]; then echo {open_issue!r}; fi
if [ "$1 $2" = "issue create" ]; then echo https://github.com/example/aivo-dr/issues/7; fi
""")


def test_a_failure_opens_one_issue_then_comments_on_it(tmp_path: Path) -> None:
    drctl = stand_in_drctl(tmp_path, "preflight")
    run(str(ROOT / "scripts" / "dr-verify.sh"), {"DRCTL": str(drctl), "OUT": str(tmp_path / "dr-verify")}, tmp_path)
    env = {"OUT": str(tmp_path / "dr-verify"), "PYTHON": sys.executable, "RUN_URL": "https://github.com/example/aivo-dr/actions/runs/1",
           "PYTHONPATH": str(ROOT)}
    for open_issue, expected in (("", "issue create --title DR verification failed --label dr-verify --body-file "),
                                 ("7", "issue comment 7 --body-file ")):
        bin_dir = tmp_path / f"bin-{open_issue or 'none'}"
        bin_dir.mkdir()
        stand_in_gh(bin_dir, open_issue)
        done = subprocess.run(["bash", str(ROOT / "scripts" / "dr-verify-issue.sh")], capture_output=True, text=True, cwd=ROOT, timeout=60,
                              env={**env, "PATH": f"{bin_dir}:{os.environ['PATH']}"})
        assert done.returncode == 0, done.stderr
        calls = (bin_dir / "gh.log").read_text().splitlines()
        assert calls[0].startswith("label create dr-verify ") and calls[1] == "issue list --label dr-verify --state open --limit 1 --json number --jq .[0].number // empty"
        assert calls[2].startswith(expected) and len(calls) == 3


def test_the_issue_names_the_failed_rows_and_the_run() -> None:
    failed = {"schema": "aivo-dr/preflight@1", "ok": False, "summary": {"pass": 3, "warn": 0, "fail": 1, "unreachable": 1},
              "checks": [{"check": "dr read replica", "status": "PASS", "detail": "ok", "region": None},
                         {"check": "node group general", "status": "FAIL", "detail": "max 3 | target 20", "region": None},
                         {"check": "dns api.aivo.edu", "status": "UNREACHABLE", "detail": "timed out", "region": "us-east-1"}]}
    body = issue_body({"preflight": failed, "backups-verify": None}, "https://run/1")
    assert body.splitlines()[:2] == ["The weekly DR verification failed (runbook Testing Schedule: backup verification, weekly).",
                                     "Run: https://run/1 (the JSON documents are its artifact)."]
    assert "### drctl preflight: FAILED (3 pass, 0 warn, 1 fail, 1 unreachable)" in body
    assert "| node group general | FAIL | max 3 \\| target 20 |" in body and "| dns api.aivo.edu | UNREACHABLE (us-east-1) | timed out |" in body
    assert "dr read replica" not in body and "### backups-verify" in body and json.dumps(failed) not in body
