"""Issue 19's three faults in one program nobody here wrote with this project's parts (plain pulumi_aws, as the
services' guides start): a runner whose role cannot write its log, replication alarms on a rule id the bucket does not
have, a restore-job rule on the field restore events do not carry. `drctl check` refuses each by its own violation;
with `--config fixed=true` none of the three policies has anything to say. (The program ignores the rest of the
baseline, so other policies report on it too: only these three are asserted.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import drctl

PROGRAM = Path(__file__).parent / "fixtures" / "policy_programs" / "foreign_faults"
FAULT_POLICIES = ("service-roles-cover-their-services", "alarm-dimensions-name-declared-resources", "event-rules-match-their-events")
LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/codebuild/foreign-runner"
CODEBUILD_LOGS = ("CodeBuild needs it (CodeBuild User Guide, Allow CodeBuild to interact with other AWS services (service role "
                  "policy: CloudWatchLogsPolicy))")


def faults(capsys: pytest.CaptureFixture[str], *config: str) -> list[tuple[str, str, str]]:
    result = drctl(capsys, "check", "--stack", "test", "--program", str(PROGRAM), "--no-cache", *config, "--json", "-")
    assert result.returncode == 1, result.stderr  # the rest of the baseline fails on it either way
    document = json.loads(result.stdout)
    return sorted((v["policy"], v["resource"], v["message"]) for v in document["violations"] if v["policy"] in FAULT_POLICIES)


def test_each_fault_is_refused_by_its_own_violation(capsys: pytest.CaptureFixture[str]) -> None:
    assert faults(capsys) == [
        ("alarm-dimensions-name-declared-resources", "replication-failed", "alarm foreign-faults-replication-failed: RuleId=to-dr "
         "is not a rule of foreign-faults-source's replication configuration (its enabled rules: replicate-everything)"),
        ("alarm-dimensions-name-declared-resources", "replication-latency", "alarm foreign-faults-replication-latency: "
         "RuleId=to-dr is not a rule of foreign-faults-source's replication configuration (its enabled rules: replicate-everything)"),
        ("event-rules-match-their-events", "restore-job-failed", "AWS's sample Restore Job State Change event (FAILED) does not "
         "match it, yet the rule exists for it: the pattern looks for FAILED in detail.state, but these events carry it in "
         "detail.status"),
        ("service-roles-cover-their-services", "runner", f"foreign-runner (CodeBuild, used by runner): cannot logs:CreateLogStream "
         f"on {LOGS}:*: not allowed: no statement grants the action; {CODEBUILD_LOGS}"),
        ("service-roles-cover-their-services", "runner", f"foreign-runner (CodeBuild, used by runner): cannot logs:PutLogEvents on "
         f"{LOGS}:log-stream:0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0: not allowed: no statement grants the action; {CODEBUILD_LOGS}"),
    ]


def test_the_same_program_with_the_faults_fixed_passes_all_three(capsys: pytest.CaptureFixture[str]) -> None:
    assert faults(capsys, "--config", "fixed=true") == []
