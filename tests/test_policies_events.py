"""event-rules-match-their-events: every EventBridge rule of the stacks against AWS's sample events, through moto's
pattern engine. Each case is the project's own rule with one field changed, and the exact message; the held-back
program (tests/fixtures/policy_programs/foreign_faults_events) is plain pulumi_aws with a restore-failure rule on
the field backup jobs use."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest

from drctl.cli import main
from policies import events
from tests.helpers.planning import plan
from tests.helpers.policies import WEST, mutate, res, violations

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "tests" / "fixtures" / "policy_programs" / "foreign_faults_events"
RULE = events.EVENT_RULE
STATUS_NOT_STATE = ("AWS's sample Restore Job State Change event (FAILED) does not match it, yet the rule exists for it: the pattern "
                    "looks for FAILED in detail.state, but these events carry it in detail.status")


def records(*state: str) -> list:
    return copy.deepcopy(plan(*state).resources)


def pattern_of(recs: list, name: str) -> dict:
    return json.loads(next(r for r in recs if r.name == name).inputs["eventPattern"])


def with_pattern(recs: list, name: str, pattern: dict) -> list:
    return mutate(recs, name, "eventPattern", json.dumps(pattern, sort_keys=True))


@pytest.mark.parametrize("state", [("primary",), ("dr",), ("dr", "failover=true")], ids=lambda s: " ".join(s))
def test_every_rule_of_the_stacks_matches_the_events_it_exists_for(state: tuple[str, ...]) -> None:
    recs = records(*state)
    assert sum(r.type == RULE and "eventPattern" in r.inputs for r in recs) in (3, 11)  # primary: forwarding; dr: paging and the restore test trigger
    assert violations(events.rules_match_events, recs) == []


@pytest.mark.parametrize(("stack", "rule"), [("dr", "paging-events-restore-failures"), ("primary", "primary-alarm-forwarding-restore-failures")])
def test_a_restore_failure_rule_on_detail_state_is_refused_because_restores_carry_detail_status(stack: str, rule: str) -> None:
    recs = records(stack)
    pattern = pattern_of(recs, rule)
    pattern["detail"] = {"state": pattern["detail"].pop("status")}
    assert violations(events.rules_match_events, with_pattern(recs, rule, pattern)) == [STATUS_NOT_STATE]


def test_an_alarm_rule_on_detail_state_instead_of_state_value_is_refused() -> None:
    recs = records("dr")
    pattern = pattern_of(recs, "paging-events-critical-ok")
    pattern["detail"]["state"] = ["OK"]
    assert violations(events.rules_match_events, with_pattern(recs, "paging-events-critical-ok", pattern)) == [
        "AWS's sample CloudWatch Alarm State Change event (OK) does not match it, yet the rule exists for it: the pattern looks "
        "for OK in detail.state, but these events carry it in detail.state.value"]


def test_a_backup_failure_rule_that_also_fires_on_successes_is_refused() -> None:
    recs = records("dr")
    pattern = pattern_of(recs, "paging-events-restore-failures")
    pattern["detail"] = {"$or": [{"status": ["FAILED"]}, {"percentDone": [{"numeric": ["=", 0]}]}]}
    assert violations(events.rules_match_events, with_pattern(recs, "paging-events-restore-failures", pattern)) == [
        f"AWS's sample Restore Job State Change event ({s}) matches it, but the rule names only FAILED: it would fire on {s} too"
        for s in ("COMPLETED", "PENDING", "RUNNING")]


def test_a_detail_type_aws_does_not_send_is_refused() -> None:
    recs = records("dr")
    pattern = pattern_of(recs, "paging-events-restore-failures")
    pattern["detail-type"] = ["Restore Job Status Change"]
    assert violations(events.rules_match_events, with_pattern(recs, "paging-events-restore-failures", pattern)) == [
        "no AWS sample event has source aws.backup and detail-type 'Restore Job Status Change' (policies/sample_events): a "
        "detail-type AWS does not send, or refresh the samples (scripts/refresh_sample_events.py)"]


def test_a_restore_test_rule_scoped_on_a_field_the_events_lack_is_refused() -> None:
    recs = records("dr")
    pattern = pattern_of(recs, "restore-testing-completed")
    pattern["detail"]["createdBy"] = {"restoreTestingPlanArn": pattern["detail"].pop("restoreTestingPlanArn")}
    assert violations(events.rules_match_events, with_pattern(recs, "restore-testing-completed", pattern)) == [
        "no AWS sample Restore Job State Change event (COMPLETED) carries detail.createdBy.restoreTestingPlanArn, which the "
        "pattern requires: AWS may not send it"]


def test_a_pattern_the_engine_rejects_is_refused() -> None:
    recs = records("primary")
    broken = mutate(recs, "primary-alarm-forwarding-alarms", "eventPattern", json.dumps({"source": "aws.cloudwatch"}))
    assert violations(events.rules_match_events, broken) == [
        "eventPattern is refused by the EventBridge pattern engine: Event pattern is not valid. Reason: 'source' must be an object or "
        "an array"]


def test_the_engine_is_motos_eventbridge_pattern_engine() -> None:
    from moto.events.models import EventPattern

    assert isinstance(events._engine('{"source": ["aws.backup"]}'), EventPattern)


def test_the_held_back_plain_pulumi_aws_program_is_refused_for_its_restore_rule(capsys: pytest.CaptureFixture[str]) -> None:
    def found(*extra: str) -> list[tuple[str, str]]:
        main(["check", "--stack", "test", "--program", str(PROGRAM), "--json", "-", *extra])
        document = json.loads(capsys.readouterr().out)
        return [(v["resource"], v["message"]) for v in document["violations"] if v["policy"] == events.rules_match_events.name]

    assert found() == [("restore-job-failed", STATUS_NOT_STATE)]
    assert found("--config", "fixed=true") == []


def test_every_sample_file_says_where_it_came_from_and_every_derived_sample_how() -> None:
    files = sorted((ROOT / "policies" / "sample_events").glob("*.json"))
    assert [f.name for f in files] == ["aws.backup.json", "aws.cloudwatch.json"]
    for file in files:
        document = json.loads(file.read_text())
        assert document["source"].startswith("https://docs.aws.amazon.com/") and document["refresh"] == "scripts/refresh_sample_events.py"
        for sample in document["samples"]:
            assert sample["event"]["source"] == file.stem and sample["outcome"]
            assert "derived" not in sample or "example" in sample["derived"] or "restore testing plan" in sample["derived"]
    restores = [s for s in json.loads(files[0].read_text())["samples"] if s["event"]["detail-type"] == "Restore Job State Change"
                and "derived" not in s]
    assert {s["outcome"]: ("status" in s["event"]["detail"]) for s in restores} == {
        "FAILED": True, "RUNNING": True, "COMPLETED": True, "PENDING": True, "CREATED": False}


def _refresh_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("refresh_sample_events", ROOT / "scripts" / "refresh_sample_events.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_refresh_script_labels_each_example_with_its_heading_or_alarm_state() -> None:
    script = _refresh_script()
    page = ("## Restore Job events\n<a name=\"x\"></a>\n### State: FAILED\n\n```json\n"
            '{"source": "aws.backup", "detail-type": "Restore Job State Change", "detail": {"status": "FAILED"}}\n```\n'
            "#### [ Single Metric Alarm ]\n\n```\n"
            '{"source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change", "detail": {"state": {"value": "ALARM"}, '
            '"previousState": {"value": "OK"}}}\n```\n'
            "### State: ACTIVE\n```json\n{\"detail-type\": \"X\", \"resources\": [\"arn\":\"y\"],}\n```\n")
    samples, skipped = script.samples_of(page)
    assert [(s["title"], s["outcome"]) for s in samples] == [("State: FAILED", "FAILED"), ("Single Metric Alarm", "ALARM")]
    assert skipped == ["State: ACTIVE: not JSON (Expecting ',' delimiter at line 1)"]
    derived = script.derive_alarm_states(samples, ["OK", "ALARM", "INSUFFICIENT_DATA"])
    assert [(d["outcome"], d["event"]["detail"]["state"], d["event"]["detail"]["previousState"]) for d in derived] == [
        ("OK", {"value": "OK"}, {"value": "ALARM"})]
    assert script.alarm_states() == ["OK", "ALARM", "INSUFFICIENT_DATA"]


def test_the_us_east_1_forwarding_rule_on_a_field_alarm_events_lack_is_refused() -> None:
    recs = records("primary")
    pattern = pattern_of(recs, "primary-alarm-forwarding-alarms")
    pattern["detail"] = {"name": pattern["detail"].pop("alarmName")}
    assert violations(events.rules_match_events, with_pattern(recs, "primary-alarm-forwarding-alarms", pattern)) == [
        f"no AWS sample CloudWatch Alarm State Change event ({s}) carries detail.name, which the pattern requires: AWS may not send it"
        for s in ("ALARM", "INSUFFICIENT_DATA", "OK")]


# ---- rules written from scratch: each filter kind, the scope of a rule, and what a pattern must name ----------------------

ALARMS = {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"]}
RESTORES = {"source": ["aws.backup"], "detail-type": ["Restore Job State Change"]}
ON_ALARM = {"state": {"value": ["ALARM"]}}


def rules(*patterns: dict) -> list[str]:
    """The policy's messages on rules with these patterns (in this order, in one stack)."""
    return violations(events.rules_match_events, [res(RULE, f"rule-{i}", {"eventPattern": json.dumps(p)}, region=WEST)
                                                  for i, p in enumerate(patterns)])


def lacking(field: str, outcomes: tuple[str, ...] = ("ALARM", "INSUFFICIENT_DATA", "OK")) -> list[str]:
    return [f"no AWS sample CloudWatch Alarm State Change event ({o}) carries {field}, which the pattern requires: AWS may not send it"
            for o in outcomes]


@pytest.mark.parametrize("name_filter", [
    {"prefix": "aivo-"}, {"suffix": "-critical"}, {"equals-ignore-case": "AIVO-CRITICAL-DR-NODES"}, {"wildcard": "aivo-*-critical"},
    {"anything-but": "aivo-critical-dr-nodes"},
], ids=lambda f: next(iter(f)))
def test_a_rule_scoped_to_the_projects_alarm_names_is_judged_on_the_samples_given_a_name_it_accepts(name_filter: dict) -> None:
    assert rules({**ALARMS, "detail": {"alarmName": [name_filter], **ON_ALARM}}) == []


def test_a_null_filter_is_no_name_to_give_the_samples() -> None:
    # [null] matches an event without the field only: every sample names its alarm, so none is in the rule's scope.
    assert rules({**ALARMS, "detail": {"alarmName": [None], **ON_ALARM}}) == [
        "AWS's sample CloudWatch Alarm State Change event (ALARM) does not match it, yet the rule exists for it (Single Metric Alarm)"]


def test_the_names_given_to_one_rules_samples_are_not_left_in_the_samples_of_the_next() -> None:
    assert rules({**ALARMS, "detail": {"alarmName": [{"prefix": "aivo-"}]}},
                 {**ALARMS, "detail": {"alarmName": [{"anything-but": "aivo-sample"}]}}) == []


def test_a_field_the_events_lack_is_required_unless_the_pattern_asks_for_its_absence() -> None:
    assert rules({**ALARMS, "detail": {"nonexistent": [{"exists": True}]}}) == lacking("detail.nonexistent")
    assert rules({**ALARMS, "detail": {"alarmName": {"x": {"y": ["z"]}}}}) == lacking("detail.alarmName.x.y")
    # absent as asked: the conditions after it still narrow the samples
    assert rules({**ALARMS, "detail": {"nonexistent": [{"exists": False}], "alarmName": [{"prefix": "aivo-"}], **ON_ALARM}}) == []


def test_a_missed_event_is_named_by_its_sample_when_the_pattern_looks_where_it_is_carried() -> None:
    assert rules({**RESTORES, "detail": {"status": ["FAILED"], "percentDone": [{"numeric": [">", 50]}]}}) == [
        "AWS's sample Restore Job State Change event (FAILED) does not match it, yet the rule exists for it (State: FAILED)"]


def test_every_field_the_pattern_looks_in_is_named() -> None:
    assert rules({**RESTORES, "detail": {"state": ["FAILED"], "backupVaultName": ["FAILED"]}}) == [
        "AWS's sample Restore Job State Change event (FAILED) does not match it, yet the rule exists for it: the pattern looks "
        "for FAILED in detail.backupVaultName, detail.state, but these events carry it in detail.status"]


def test_every_field_the_events_carry_the_outcome_in_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    sample = {"title": "State: FAILED", "outcome": "FAILED", "event": {
        "source": "aws.backup", "detail-type": "Restore Job State Change", "detail": {"status": "FAILED", "result": "FAILED"}}}
    monkeypatch.setattr(events, "catalogue", lambda: {("aws.backup", "Restore Job State Change"): [sample]})
    assert rules({**RESTORES, "detail": {"state": ["FAILED"]}}) == [
        "AWS's sample Restore Job State Change event (FAILED) does not match it, yet the rule exists for it: the pattern looks "
        "for FAILED in detail.state, but these events carry it in detail.status, detail.result"]


def test_a_rule_naming_two_outcomes_that_fires_on_others_names_both() -> None:
    assert rules({**RESTORES, "detail": {"$or": [{"status": ["FAILED", "COMPLETED"]}, {"percentDone": [{"numeric": ["=", 0]}]}]}}) == [
        f"AWS's sample Restore Job State Change event ({s}) matches it, but the rule names only COMPLETED, FAILED: it would fire on {s} too"
        for s in ("PENDING", "RUNNING")]


NO_SOURCE = "eventPattern names no source, so which of AWS's events it exists for is unknown: name the source"


@pytest.mark.parametrize("pattern", [
    {"detail-type": ["Restore Job State Change"]}, {"source": ["aws.backup", 5]}, {"source": {"x": ["aws.backup"]}},
], ids=["absent", "not-a-string", "an-object"])
def test_a_pattern_without_a_source_is_refused(pattern: dict) -> None:
    assert rules(pattern) == [NO_SOURCE]


def test_a_pattern_naming_no_detail_type_exists_for_every_type_of_its_source() -> None:
    assert rules({"source": ["aws.backup"]}) == []
    # so a state filter is judged against restore jobs too, which carry their outcome in detail.status
    assert rules({"source": ["aws.backup"], "detail": {"state": ["FAILED"]}}) == [STATUS_NOT_STATE]
    assert rules({"source": ["aws.s3"]}) == [
        "no AWS sample event has source aws.s3 (policies/sample_events): refresh the samples (scripts/refresh_sample_events.py)"]
