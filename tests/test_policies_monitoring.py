"""The detection policies: each fails on a weakened stack and passes on the project's own, with exact messages.

The weakened stacks are the real plans with one thing changed (an alarm's threshold, a tag, a forwarding rule),
and the held-back weak program (tests/fixtures/policy_programs/silent_replication) replicates data nobody
watches.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from drctl.cli import main
from policies import monitoring
from tests.helpers.planning import plan
from tests.helpers.policies import ACCOUNT, DELETE, EAST, WEST, mutate, res, violations
from tests.test_policies_baseline import TOPIC_ARN, WEST_KEY, compliant, topic_policy

PROGRAMS = Path(__file__).parent / "fixtures" / "policy_programs"
MONITORING = {monitoring.replication_alarmed.name, monitoring.alarms_page.name, monitoring.outage_detected_outside.name}
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def records(*state: str) -> list:
    return copy.deepcopy(plan(*state).resources)


def check_json(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[tuple[str, str, str]]]:
    status = main(["check", "--stack", "test", "--program", str(PROGRAMS / "silent_replication"), "--json", "-", *extra])
    document = json.loads(capsys.readouterr().out)
    return status, sorted((v["policy"], v["resource"], v["message"]) for v in document["violations"] if v["policy"] in MONITORING)


def test_the_held_back_weak_program_is_refused_for_what_nobody_watches(capsys: pytest.CaptureFixture[str]) -> None:
    status, found = check_json(capsys)
    assert status == 1
    lag = "alarm fixture-replica-lag on fixture-db-dr: treatMissingData must be breaching (a replication that stopped sends no data at all)"
    assert found == sorted([
        (monitoring.alarms_page.name, "replica-lag", "alarm fixture-replica-lag reaches nobody: no action is an SNS topic subscribed to "
         "PagerDuty, and no EventBridge rule of its region forwards its state changes to PagerDuty or another region's bus"),
        *[(monitoring.replication_alarmed.name, "(stack)", f"tier {t}: no alarm on the replication of its data names it (alarm tag `tiers`)")
          for t in ("Critical", "High", "Medium", "Low")],
        (monitoring.replication_alarmed.name, "replica-lag", lag),
        (monitoring.replication_alarmed.name, "source", "bucket fixture-source replicates but no alarm in us-east-1 watches AWS/S3 "
         "ReplicationLatency with SourceBucket=fixture-source"),
        (monitoring.replication_alarmed.name, "source", "bucket fixture-source replicates but no alarm in us-east-1 watches AWS/S3 "
         "OperationsFailedReplication with SourceBucket=fixture-source"),
    ])


def test_the_same_program_with_its_replication_alarmed_and_paging_passes_them(capsys: pytest.CaptureFixture[str]) -> None:
    _status, found = check_json(capsys, "--config", "alarmed=true")
    # It pages (declares a PagerDuty service) but detects no outage from outside us-east-1: only that is left.
    assert [f[0] for f in found] == [monitoring.outage_detected_outside.name]


@pytest.mark.parametrize("state", [("primary",), ("primary", "activeRegion=us-west-2"), ("dr",), ("dr", "failover=true")],
                         ids=lambda s: " ".join(s))
def test_the_project_stacks_pass_the_detection_policies(state: tuple[str, ...]) -> None:
    for policy in (monitoring.replication_alarmed, monitoring.alarms_page, monitoring.outage_detected_outside):
        assert violations(policy, records(*state)) == [], policy.name


def test_a_replica_lag_threshold_past_the_rpo_is_refused() -> None:
    weak = mutate(records("dr"), "dr-alarms-database-replica-lag", "threshold", 120.0)
    assert violations(monitoring.replication_alarmed, weak) == [
        "alarm aivo-critical-database-replica-lag on aivo-production-postgres-dr: threshold 120 s plus 240 s to fire is later "
        "than the Critical tier's RPO (5 min)"]


def test_a_tier_without_any_alarm_on_its_data_fails() -> None:
    # Without the log buckets' replication (watched for the Low tier alone), and every other alarm tagged for the rest.
    weak = [r for r in records("primary") if not r.name.startswith(("logs-replication", "primary-alarms-logs-replication"))]
    for r in weak:
        if r.type == ALARM:
            r.inputs["tags"]["tiers"] = " ".join(t for t in r.inputs["tags"]["tiers"].split() if t != "Low") or "Critical"
    assert violations(monitoring.replication_alarmed, weak) == ["tier Low: no alarm on the replication of its data names it (alarm tag `tiers`)"]


def test_primary_alarms_without_their_forwarding_reach_nobody() -> None:
    weak = [r for r in records("primary") if not r.name.startswith("primary-alarm-forwarding-alarms")]
    found = violations(monitoring.alarms_page, weak)
    names = sorted(r.inputs["name"] for r in weak if r.type == ALARM)
    assert len(names) == 7 and sorted(found) == [
        f"alarm {n} reaches nobody: no action is an SNS topic subscribed to PagerDuty, and no EventBridge rule of its region "
        "forwards its state changes to PagerDuty or another region's bus" for n in names]


def test_an_alarm_whose_topic_is_not_subscribed_to_pagerduty_reaches_nobody() -> None:
    weak = mutate(records("dr"), "paging-topics-critical-pagerduty", "protocol", "email")
    found = violations(monitoring.alarms_page, weak)
    assert len(found) == len([r for r in weak if r.type == ALARM]) and all("reaches nobody" in m for m in found)


def test_an_alarm_that_does_not_resolve_is_refused() -> None:
    weak = mutate(records("dr"), "dr-alarms-dr-nodes", "okActions", [])
    assert violations(monitoring.alarms_page, weak) == [
        "alarm aivo-critical-dr-nodes: okActions must page too, so incidents resolve when the metric recovers"]


@pytest.mark.parametrize(("name", "path", "value"), [
    ("dr-alarms-ingress-health", "treatMissingData", "notBreaching"),  # a dead canary would be silence
    ("dr-alarms-ingress-health", "region", "us-east-1"),  # the alarm would go dark with the region it watches
    ("outage-canary-canary", "name", "another-canary"),  # the alarm's canary is not declared
    ("dr-alarms-ingress-health", "alarmActions", []),  # it pages nobody
])
def test_outage_detection_that_depends_on_us_east_1_or_pages_nobody_is_refused(name: str, path: str, value: object) -> None:
    weak = mutate(records("dr"), name, path, value)
    (message,) = violations(monitoring.outage_detected_outside, weak)
    assert message.startswith("no alarm outside us-east-1 pages on a canary probing the ingress from outside it")


# ---- the single-resource policies, on test_policies_baseline.py's compliant topic, topic policy and log group ----------


def _statement(**fields: object) -> dict:
    return {"Sid": "Test", "Action": "sns:Publish", "Resource": TOPIC_ARN, **fields}


EAST_KEY = f"arn:aws:kms:{EAST}:{ACCOUNT}:key/paging"

SINGLE_CASES = [
    # a customer key of another region is as unusable as AWS's own
    (monitoring.sns_topic_encrypted, "topic", "kmsMasterKeyId", EAST_KEY,
     [f"kmsMasterKeyId is {EAST_KEY}; it must be a customer-managed KMS key ARN in the topic's region {WEST} "
      "(alias/aws/sns cannot be granted to the services that publish)"]),
    # the topic's own region input (pulumi-aws v7) decides, not its provider's
    (monitoring.sns_topic_encrypted, "topic", "region", EAST,
     [f"kmsMasterKeyId is {WEST_KEY}; it must be a customer-managed KMS key ARN in the topic's region {EAST} "
      "(alias/aws/sns cannot be granted to the services that publish)"]),
    (monitoring.log_group_encrypted, "logs", "kmsKeyId", f"arn:aws:kms:{EAST}:{ACCOUNT}:key/logs",
     [f"kmsKeyId is arn:aws:kms:{EAST}:{ACCOUNT}:key/logs; it must be a customer-managed KMS key ARN in the log group's region "
      f"{WEST} (build logs and probe output name resources and errors)"]),
    (monitoring.log_group_encrypted, "logs", "region", EAST,
     [f"kmsKeyId is arn:aws:kms:{WEST}:{ACCOUNT}:key/logs; it must be a customer-managed KMS key ARN in the log group's region "
      f"{EAST} (build logs and probe output name resources and errors)"]),
    # a statement without Effect allows (IAM's default)
    (monitoring.sns_topic_policy_private, "topic-policy", "policy", topic_policy(_statement(Principal="*")),
     ["Test allows everyone (Principal *); name the services or roles that publish"]),
    # Deny statements restrict, whoever they name; the Allow after one is still read
    (monitoring.sns_topic_policy_private, "topic-policy", "policy", topic_policy(
        _statement(Effect="Deny", Principal="*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
        _statement(Sid="Open", Effect="Allow", Principal={"AWS": "*"})),
     ["Open allows everyone (Principal *); name the services or roles that publish"]),
    (monitoring.sns_topic_policy_private, "topic-policy", "policy", topic_policy(
        _statement(Sid=None, Effect="Allow", Principal={"AWS": ["arn:aws:iam::999999999999:root", "arn:aws:iam::888888888888:root"]})),
     ["statement 0 allows arn:aws:iam::999999999999:root, arn:aws:iam::888888888888:root, of another account than the topic's"]),
]


@pytest.mark.parametrize(("policy", "name", "path", "value", "expected"), SINGLE_CASES, ids=lambda c: getattr(c, "name", None))
def test_one_mutated_field_of_a_single_resource_fails_with_the_exact_message(policy, name, path, value, expected) -> None:
    assert sorted(violations(policy, mutate(compliant(), name, path, value))) == sorted(expected)


def test_deny_statements_are_not_read_as_grants() -> None:
    deny_all = topic_policy(_statement(Effect="Deny", Principal="*"), _statement(Effect="Deny", Principal={"AWS": "arn:aws:iam::999999999999:root"}))
    assert violations(monitoring.sns_topic_policy_private, mutate(compliant(), "topic-policy", "policy", deny_all)) == []


# ---- how late an alarm fires, against the RPO it protects (the DR replica's lag alarm: threshold 60 s, 3 x 60 s periods,
# declared detection 240 s, Critical: 5 min) ---------------------------------------------------------------------------------

LAG = "dr-alarms-database-replica-lag"
LAG_LATE = "alarm aivo-critical-database-replica-lag on aivo-production-postgres-dr: threshold {} s plus {} s to fire is later than {}"


@pytest.mark.parametrize(("changes", "expected"), [
    # its periods, when longer than the detection time it declares
    ({"period": 120}, [LAG_LATE.format(60, 360, "the Critical tier's RPO (5 min)")]),
    ({"evaluationPeriods": 5}, [LAG_LATE.format(60, 300, "the Critical tier's RPO (5 min)")]),
    # a declared time that is not a number of seconds is no declaration: its periods count
    ({"tags.detection-seconds": "about 4 minutes"}, []),
    ({"tags.detection-seconds": "about 4 minutes", "period": 100}, [LAG_LATE.format(60, 300, "the Critical tier's RPO (5 min)")]),
    # exactly at the RPO pages in time; a threshold not set is 0
    ({"tags.detection-seconds": "300", "threshold": DELETE}, []),
    ({"tags.detection-seconds": "300", "threshold": 1}, [LAG_LATE.format(1, 300, "the Critical tier's RPO (5 min)")]),
    # the strictest of the tiers it names, by RPO
    ({"tags.tiers": "Medium Low", "threshold": 3400}, [LAG_LATE.format(3400, 240, "the Medium tier's RPO (60 min)")]),
    ({"tags.tiers": DELETE}, ["alarm aivo-critical-database-replica-lag on aivo-production-postgres-dr: it has no `tiers` tag naming "
                              "the tiers whose data it watches, so its RPO is unknown"]),
], ids=lambda c: "-".join(f"{k}={'(deleted)' if v is DELETE else v}" for k, v in c.items()) if isinstance(c, dict) else None)
def test_a_lag_alarm_fires_within_the_rpo_of_the_strictest_tier_it_watches(changes: dict, expected: list[str]) -> None:
    weak = records("dr")
    for path, value in changes.items():
        weak = mutate(weak, LAG, path, value)
    found = violations(monitoring.replication_alarmed, weak)
    assert [m for m in found if not m.startswith("tier ")] == expected


def test_replicated_backups_are_watched_within_the_platform_rpo() -> None:
    weak = mutate(records("dr"), "dr-alarms-replicated-backups-age", "threshold", 3600)
    assert violations(monitoring.replication_alarmed, weak) == [
        "alarm aivo-critical-replicated-backups-age on backups: threshold 3600 s plus 540 s to fire is later than the platform RPO (60 min)"]


# ---- an alarm with no action of its own, forwarded by an EventBridge rule of its region to PagerDuty's Events API ----------

ALARMS_PATTERN = {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"]}
REACHES_NOBODY = ("alarm aivo-critical-x reaches nobody: no action is an SNS topic subscribed to PagerDuty, and no EventBridge rule "
                  "of its region forwards its state changes to PagerDuty or another region's bus")


def forwarded(pattern: dict, endpoint: str = "https://events.pagerduty.com/v2/enqueue", rule_region: str = WEST) -> list:
    destination = res(monitoring.API_DESTINATION, "pd", {"invocationEndpoint": endpoint}, region=WEST)
    target = res(monitoring.EVENT_TARGET, "target", {"rule": "to-pagerduty", "arn": f"arn:aws:events:{WEST}:{ACCOUNT}:api-destination/pd/1"},
                 region=WEST)
    target.property_dependencies = {"arn": [destination.urn]}
    return [res(ALARM, "alarm", {"name": "aivo-critical-x"}, region=WEST),
            res(monitoring.EVENT_RULE, "rule", {"name": "to-pagerduty", "eventPattern": json.dumps(pattern)}, region=rule_region),
            destination, target]


@pytest.mark.parametrize(("records_", "expected"), [
    (forwarded(ALARMS_PATTERN), []),
    (forwarded(ALARMS_PATTERN, endpoint="https://events.eu.pagerduty.com/v2/enqueue"), []),
    (forwarded({**ALARMS_PATTERN, "region": [WEST], "detail": {"alarmName": [{"prefix": "aivo-critical-"}]}}), []),
    (forwarded({**ALARMS_PATTERN, "detail": {"alarmName": ["aivo-critical-x"]}}), []),
    (forwarded(ALARMS_PATTERN, endpoint="https://hooks.example.com/page"), [REACHES_NOBODY]),
    (forwarded(ALARMS_PATTERN, rule_region=EAST), [REACHES_NOBODY]),
    (forwarded({**ALARMS_PATTERN, "region": [EAST]}), [REACHES_NOBODY]),
    (forwarded({**ALARMS_PATTERN, "detail": {"alarmName": [{"prefix": "aivo-high-"}, "aivo-critical-y"]}}), [REACHES_NOBODY]),
    (forwarded({"source": ["aws.cloudwatch"], "detail-type": ["Some Other Change"]}), [REACHES_NOBODY]),
    (forwarded({"source": ["aws.backup"], "detail-type": ["CloudWatch Alarm State Change"]}), [REACHES_NOBODY]),
], ids=["pagerduty", "pagerduty-eu", "region-and-prefix", "exact-name", "another-endpoint", "rule-of-another-region",
        "pattern-of-another-region", "other-names", "other-detail-type", "other-source"])
def test_an_alarm_forwarded_to_pagerdutys_events_api_by_a_rule_that_matches_it_reaches_pagerduty(records_: list, expected: list) -> None:
    assert violations(monitoring.alarms_page, records_) == expected
