"""Detection and paging as the stacks declare them: thresholds derived from the runbook's figures, the
runbook's escalation path and rotation in PagerDuty, the outage seen from us-west-2, and the token never
in plain text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from drctl.engine import run_plan
from drctl.engine.plan import SettingsProblem
from tests.helpers.planning import only, plan
from tests.helpers.settings import example_site

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ROOT = Path(__file__).resolve().parents[1]


def alarm(p, key: str) -> dict:
    return only(p, ALARM, key).inputs


def test_thresholds_are_the_rpo_less_the_time_to_fire() -> None:
    # Critical RPO 5 min; three one-minute periods and a minute of metric delay to fire: page at 60 s of lag.
    lag = alarm(plan("dr"), "dr-alarms-database-replica-lag")
    assert (lag["threshold"], lag["period"], lag["evaluationPeriods"], lag["treatMissingData"]) == (60, 60, 3, "breaching")
    assert lag["tags"]["detection-seconds"] == "240" and lag["tags"]["tier"] == "Critical"
    # The assets are the High tier's (tiers.High.uses): RTC's 15 min and High's RPO of 15 min, less 4 minutes to fire.
    latency = alarm(plan("primary"), "primary-alarms-assets-replication-latency")
    assert (latency["threshold"], latency["region"], latency["tags"]["tiers"]) == (660, "us-east-1", "High")
    assert alarm(plan("primary"), "primary-alarms-velero-replication-latency")["threshold"] == 60
    # The replicated backups are bounded by the platform RPO (1 hour), less 9 minutes to fire (the probe runs every 5).
    assert alarm(plan("dr"), "dr-alarms-replicated-backups-age")["threshold"] == 3600 - 540


def test_replication_alarms_name_the_rule_id_of_their_source_buckets_replication() -> None:
    # S3 publishes replication metrics per rule: an alarm on another RuleId watches a series that never exists.
    p = plan("primary")
    rules = {r.inputs["bucket"]: r.inputs["rules"][0]["id"] for r in p.resources
             if r.type == "aws:s3/bucketReplicationConfig:BucketReplicationConfig"}
    watched = {a.inputs["dimensions"]["SourceBucket"]: a.inputs["dimensions"]["RuleId"] for a in p.resources
               if a.type == ALARM and a.inputs["namespace"] == "AWS/S3"}
    assert watched == {"aivo-production-assets": "all-objects-to-dr", "aivo-production-velero": "all-objects-to-dr",
                       "aivo-production-logs-us-east-1": "to-dr"}
    assert {bucket: rules.get(bucket) for bucket in watched} == watched


def test_a_longer_critical_rpo_raises_the_thresholds_that_protect_it() -> None:
    tiers = {"Critical": {"rto": "30 min", "rpo": "10 min", "services": ["auth-svc", "api-gateway", "billing-svc"]},
             "High": {"rto": "1 hour", "rpo": "15 min", "services": ["content-svc", "assessment-svc", "analytics-svc"]},
             "Medium": {"rto": "2 hours", "rpo": "1 hour", "services": ["ai-orchestrator", "notify-svc"]},
             "Low": {"rto": "4 hours", "rpo": "4 hours", "services": ["experimentation-svc", "engagement-svc"]}}
    setting = f"tiers={json.dumps(tiers)}"
    assert alarm(plan("dr", setting), "dr-alarms-database-replica-lag")["threshold"] == 600 - 240
    assert alarm(plan("primary", setting), "primary-alarms-velero-replication-latency")["threshold"] == 600 - 240
    # Slower detection eats into the same budget.
    assert alarm(plan("dr", "detection.evaluationPeriods=2"), "dr-alarms-database-replica-lag")["threshold"] == 300 - 180


def test_the_escalation_policy_is_the_runbooks_table() -> None:
    p = plan("dr")
    policy = only(p, "pagerduty:index/escalationPolicy:EscalationPolicy", "paging-escalation").inputs
    ids = {s.name.removeprefix("paging-"): s for s in p.by_type("pagerduty:index/schedule:Schedule")}
    assert sorted(ids) == sorted(f"{role}-{shift}" for role in ("platform-engineer", "database-admin", "security")
                                 for shift in ("primary", "secondary"))
    # L1 on-call engineer 0-15 min, L2 team lead 15-30, L3 engineering manager 30-60, L4 VP Engineering after an hour.
    assert [rule["escalationDelayInMinutes"] for rule in policy["rules"]] == [15, 15, 30, 30]
    targets = [[(t["type"], t["id"]) for t in rule["targets"]] for rule in policy["rules"]]
    people = example_site()["pagerduty"]
    assert [kind for kind, _ in targets[0]] == ["schedule_reference", "schedule_reference"]
    assert targets[1][1] == ("user_reference", people["teamLead"])
    assert targets[2] == [("user_reference", people["engineeringManager"])]
    assert targets[3] == [("user_reference", people["vpEngineering"])]
    assert policy["numLoops"] == 2
    urgency = {s.inputs["name"]: s.inputs["incidentUrgencyRule"]["urgency"] for s in p.by_type("pagerduty:index/service:Service")}
    assert urgency == {"aivo Critical": "high", "aivo High": "high", "aivo Medium": "low", "aivo Low": "low"}
    # Every service has its CloudWatch integration (SNS) and its Events API v2 integration (EventBridge).
    integrations = p.by_type("pagerduty:index/serviceIntegration:ServiceIntegration")
    assert sorted(i.inputs.get("type") or "vendor" for i in integrations) == ["events_api_v2_inbound_integration"] * 4 + ["vendor"] * 4


def test_the_rotation_schedules_hold_the_sites_people() -> None:
    p = plan("dr")
    schedule = only(p, "pagerduty:index/schedule:Schedule", "paging-database-admin-secondary").inputs
    (layer,) = schedule["layers"]
    assert layer["users"] == example_site()["pagerduty"]["databaseAdmin"]["secondary"]
    assert layer["rotationTurnLengthSeconds"] == 7 * 86400 and schedule["timeZone"] == "UTC"


def test_a_missing_pagerduty_person_stops_the_plan_in_one_line() -> None:
    site = example_site()
    del site["pagerduty"]["teamLead"]
    with pytest.raises(SettingsProblem) as caught:
        run_plan("dr", [f"site={json.dumps(site)}"])
    assert str(caught.value) == "aivo-dr:site.pagerduty.teamLead: required"
    assert caught.value.registered == ()


@pytest.mark.parametrize("failover", ["false", "true"])
def test_the_outage_is_detected_from_us_west_2_and_pages_from_there(failover: str) -> None:
    p = plan("dr", f"failover={failover}")
    canary = only(p, "aws:synthetics/canary:Canary", "outage-canary-canary")
    target = canary.inputs["runConfig"]["environmentVariables"]["TARGET_HOST"]
    assert target == ("ingress.us-west-2.example.com" if failover == "true" else "ingress.us-east-1.example.com")
    health = alarm(p, "dr-alarms-ingress-health")
    assert (canary.region, health["region"], health["treatMissingData"]) == ("us-west-2", "us-west-2", "breaching")
    topics = {t.inputs["name"]: t for t in p.by_type("aws:sns/topic:Topic")}
    assert health["alarmActions"] == health["okActions"] == [f"arn:aws:sns:us-west-2:123456789012:{t}" for t in ["aivo-dr-page-critical"]]
    assert topics["aivo-dr-page-critical"].region == "us-west-2"
    # The dr stack declares nothing in us-east-1 for it (or anything else).
    assert not [r.urn for r in p.resources if r.region == "us-east-1"]


def test_a_plain_text_pagerduty_token_is_refused_and_a_secret_one_stays_secret(tmp_path: Path) -> None:
    with pytest.raises(SettingsProblem, match=r"^pagerduty:token = \"\[plain text\]\": a secret"):
        run_plan("dr", ["pagerduty:token=u+plaintexttoken"])
    # Unset: the provider reads PAGERDUTY_TOKEN itself, and the program never sees it.
    assert "token" not in only(plan("dr"), "pulumi:providers:pagerduty", "pagerduty").inputs
    # Set with `pulumi config set --secret`: handed to the provider as a secret.
    for name in ("Pulumi.yaml", "__main__.py", "Pulumi.primary.yaml"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    for package in ("stacks", "components"):
        (tmp_path / package).symlink_to(ROOT / package)
    document = yaml.safe_load((ROOT / "Pulumi.dr.yaml").read_text())
    document["config"]["pagerduty:token"] = {"secure": "v1:AAAAAAAAAAAAAAAAAAAAAAAA"}
    (tmp_path / "Pulumi.dr.yaml").write_text(yaml.safe_dump(document))
    provider = only(run_plan("dr", [], tmp_path), "pulumi:providers:pagerduty", "pagerduty")
    assert provider.inputs["token"] == "[secret]"


@pytest.mark.parametrize(("stack", "group", "region"), [
    ("primary", "/aws/codebuild/aivo-dr-primary-runner", "us-east-1"), ("dr", "/aws/codebuild/aivo-dr-dr-runner", "us-west-2"),
    ("dr", "/aws/lambda/aivo-dr-freshness-probe", "us-west-2"),
])
def test_log_groups_are_kept_a_year_and_encrypted_with_a_key_only_cloudwatch_logs_uses_for_them(stack: str, group: str,
                                                                                                region: str) -> None:
    p = plan(stack)
    (logs,) = [r for r in p.by_type("aws:cloudwatch/logGroup:LogGroup") if r.inputs["name"] == group]
    assert (logs.region, logs.inputs["retentionInDays"]) == (region, 365)
    (key,) = [r for r in p.by_type("aws:kms/key:Key") if r.urn in logs.property_dependencies["kmsKeyId"]]
    assert key.region == region and key.protect
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert sorted(statements) == ["Administrators", "LogsEncryptLogGroups"]
    assert statements["LogsEncryptLogGroups"]["Principal"] == {"Service": [f"logs.{region}.amazonaws.com"]}
    assert statements["LogsEncryptLogGroups"]["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:123456789012:log-group:{group}"}}
