"""`drctl preflight` against moto: the Scenario 4 prerequisites, ready and not ready."""

from __future__ import annotations

import io
import json
import re
import stat
import time
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError

from drctl.cli import main
from drctl.ops import preflight as preflight_module
from drctl.ops.checks import FAIL, PASS, UNREACHABLE, WARN, Check
from drctl.ops.figures import runbook
from drctl.ops.preflight import (
    BACKUP_REPLICATION,
    blockers,
    health_check_row,
    replica_check,
    replica_lag_check,
    source_region,
    unreachable_primary,
    verdict,
)
from stacks.settings import validate
from stacks.settings.tiers import Tier
from tests.helpers.faultproxy import DROP, STALL
from tests.helpers.ops import as_asked, table_rows, waits_per_endpoint
from tests.helpers.settings import raw
from tests.helpers.stubbed import stubbed

READY = [
    ("dr read replica", PASS, "aivo-production-postgres-dr available in us-west-2, replicating from aivo-production-postgres (us-east-1)"),
    ("replica lag", WARN, "not verifiable here: no ReplicaLag datapoints in the last 15 min"),
    ("automated backup replication", WARN, "not verifiable here: no backups of aivo-production-postgres replicated into us-west-2; "
                                           "the endpoint may not implement start_db_instance_automated_backups_replication"),
    ("s3 aivo-production-assets replication", PASS, "rule to-dr to aivo-production-assets-us-west-2, RTC 15 min"),
    ("s3 aivo-production-assets-us-west-2 replica", PASS, "aivo-production-assets-us-west-2 in us-west-2, versioning Enabled"),
    ("s3 aivo-production-velero replication", PASS, "rule to-dr to aivo-production-velero-us-west-2, RTC 15 min"),
    ("s3 aivo-production-velero-us-west-2 replica", PASS, "aivo-production-velero-us-west-2 in us-west-2, versioning Enabled"),
    # The test endpoint reports every health check as Success: these rows prove the checks exist, not that the endpoints are up.
    ("health check us-east-1", PASS, "https://ingress.us-east-1.example.com/health: 1/1 checkers report Success"),
    ("health check us-west-2", PASS, "https://ingress.us-west-2.example.com/health: 1/1 checkers report Success"),
    ("dns api.aivo.edu", PASS, "PRIMARY and SECONDARY -> ingress.us-west-2.example.com (health-checked)"),
    ("dns app.aivo.edu", PASS, "PRIMARY and SECONDARY -> ingress.us-west-2.example.com (health-checked)"),
    ("dr eks cluster", PASS, None),
    ("node group general", PASS, "ACTIVE, min 1/desired 2/max 20; failover target 3/5/20"),
    ("velero aivo-daily", PASS, None),
    ("velero aivo-weekly", PASS, None),
    ("alarms us-west-2", PASS, "9 alarms, all OK"),
    ("alarms us-east-1", PASS, "7 alarms, all OK"),
]


def test_ready_dr_region_passes(aws_unchanged, tmp_path, capsys) -> None:
    target = tmp_path / "preflight.json"
    code = main(["preflight", "--primary-region", "us-east-1", "--dr-region", "us-west-2", "--json", str(target)])
    out = capsys.readouterr().out
    rows = table_rows(out)
    assert code == 0, out
    # Rows whose detail carries the moment of the run (ages, Kubernetes version) are compared by their stable start.
    assert stable(rows, READY) == READY
    assert rows[11][2].startswith("aivo-dr-eks ACTIVE (Kubernetes ")
    assert rows[13][2].startswith("newest aivo-daily-") and rows[14][2].startswith("newest aivo-weekly-")
    assert out.splitlines()[-1] == "15 passed, 2 warnings, 0 failed - ready to fail over"
    # The same rows in the JSON file, which has the mode of every file drctl writes (0600).
    assert [(c["check"], c["status"]) for c in json.loads(target.read_text())["checks"]] == [r[:2] for r in rows]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_promoted_or_foreign_replica_is_not_ready() -> None:
    arn = "arn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres"
    base = {"DBInstanceStatus": "available", "ReadReplicaSourceDBInstanceIdentifier": arn}
    assert source_region(arn) == "us-east-1"
    assert replica_check(base, "r", "aivo-production-postgres", "us-east-1", "us-west-2").status == PASS
    promoted = replica_check({"DBInstanceStatus": "available"}, "r", "aivo-production-postgres", "us-east-1", "us-west-2")
    assert (promoted.status, promoted.detail) == (FAIL, "r (available) has no replication source: already promoted?")
    foreign = {**base, "ReadReplicaSourceDBInstanceIdentifier": arn.replace("us-east-1", "eu-west-1")}
    assert replica_check(foreign, "r", "aivo-production-postgres", "us-east-1", "us-west-2").status == FAIL
    modifying = {**base, "DBInstanceStatus": "modifying"}
    assert replica_check(modifying, "r", "aivo-production-postgres", "us-east-1", "us-west-2").detail == "r is modifying, not available"
    tiers = runbook().tiers
    assert replica_lag_check(300.0, tiers).status == PASS and replica_lag_check(301.0, tiers).status == FAIL


ARN = "arn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres"


@pytest.mark.parametrize(("given", "region"), [
    (ARN, "us-east-1"),
    ("arn:aws:rds:eu-west-1:123456789012:db:aivo-production-postgres", "eu-west-1"),
    ("aivo-production-postgres", None),  # a bare identifier: the replica's own region's instance
    (None, None),
    ("arn:aws:rds:us-east-1:123456789012:db", None),  # too short to be an instance's ARN
    ("urn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres", None),
])
def test_the_source_region_is_read_from_an_instance_arn_only(given: str | None, region: str | None) -> None:
    assert source_region(given) == region


def replica(status: str | None = "available", upstream: str | None = ARN) -> dict:
    return {"DBInstanceStatus": status, "ReadReplicaSourceDBInstanceIdentifier": upstream}


REPLICA_CASES = [
    (replica(), PASS, "r available in us-west-2, replicating from aivo-production-postgres (us-east-1)"),
    # A bare source identifier names an instance of the primary region.
    (replica(upstream="aivo-production-postgres"), PASS, "r available in us-west-2, replicating from aivo-production-postgres (us-east-1)"),
    (None, FAIL, "r not found in us-west-2"),
    (replica(upstream=""), FAIL, "r (available) has no replication source: already promoted?"),
    (replica(upstream="aivo-other"), FAIL, "r replicates from aivo-other, not aivo-production-postgres in us-east-1"),
    (replica(upstream=ARN.replace("us-east-1", "eu-west-1")), FAIL,
     "r replicates from arn:aws:rds:eu-west-1:123456789012:db:aivo-production-postgres, not aivo-production-postgres in us-east-1"),
    (replica(upstream=ARN.replace(":db:aivo-production-postgres", ":db:aivo-other")), FAIL,
     "r replicates from arn:aws:rds:us-east-1:123456789012:db:aivo-other, not aivo-production-postgres in us-east-1"),
    (replica(status="backing-up"), FAIL, "r is backing-up, not available"),
    (replica(status=None), FAIL, "r is None, not available"),
]


@pytest.mark.parametrize(("instance", "status", "detail"), REPLICA_CASES)
def test_the_replica_row_names_what_is_wrong_with_it(instance: dict | None, status: str, detail: str) -> None:
    row = replica_check(instance, "r", "aivo-production-postgres", "us-east-1", "us-west-2")
    assert (row.check, row.status, row.detail) == ("dr read replica", status, detail)


def test_the_strictest_tier_is_the_one_with_the_shortest_rpo_not_the_first_name() -> None:
    tiers = {"Alpha": Tier(rto="4 hours", rpo="1 hour", services=["a"]), "Zulu": Tier(rto="30 min", rpo="5 min", services=["z"])}
    assert replica_lag_check(300.0, tiers).detail == "max 300 s over 15 min (limit: Zulu RPO 5 min)"
    assert replica_lag_check(301.0, tiers).status == FAIL


@pytest.mark.parametrize(("lag", "status", "detail"), [
    (None, WARN, "not verifiable here: no ReplicaLag datapoints in the last 15 min"),
    (0.0, PASS, "max 0 s over 15 min (limit: Critical RPO 5 min)"),
    (300.0, PASS, "max 300 s over 15 min (limit: Critical RPO 5 min)"),  # exactly the RPO holds it
    (300.4, FAIL, "max 300 s over 15 min (limit: Critical RPO 5 min)"),
])
def test_replica_lag_is_judged_against_the_strictest_tier_whatever_their_order(lag: float | None, status: str, detail: str) -> None:
    tiers = {name: runbook().tiers[name] for name in ("Medium", "Low", "High", "Critical")}
    row = replica_lag_check(lag, tiers)
    assert (row.check, row.status, row.detail) == ("replica lag", status, detail)


# ---- real faults through the proxy ---------------------------------------------------------------


def unreachable(service: str, call: str, why: str, region: str = "us-east-1") -> tuple[str, str]:
    return (UNREACHABLE, f"{service} {call} in {region}: {why}")


def us_east_1_rows(why: str) -> list[tuple[str, str, str | None]]:
    """The table with every us-east-1 read failing `why`: the us-west-2 rows as READY."""
    failing = {
        "s3 aivo-production-assets replication": unreachable("s3", "get_bucket_replication", why),
        "s3 aivo-production-velero replication": unreachable("s3", "get_bucket_replication", why),
        # Route53's API is in us-east-1, whatever region the DR check is about.
        "health check us-east-1": unreachable("route53", "list_health_checks", why),
        "health check us-west-2": unreachable("route53", "list_health_checks", why),
        "dns api.aivo.edu": unreachable("route53", "list_hosted_zones_by_name", why),
        "dns app.aivo.edu": unreachable("route53", "list_hosted_zones_by_name", why),
        "alarms us-east-1": unreachable("cloudwatch", "describe_alarms", why),
    }
    return [(c, *failing[c]) if c in failing else (c, s, d) for c, s, d in READY]


def stable(rows: list[tuple[str, ...]], want: list[tuple[str, str, str | None]]) -> list[tuple[str, str, str | None]]:
    """The rows, with None for the details `want` leaves open (those carry the moment of the run)."""
    return [(c, s, d if expected is not None else None) for (c, s, d), (_, _, expected) in zip(rows, want, strict=True)]


def test_us_east_1_dropped_the_dr_side_still_shows_ready(aws_unchanged, fault_proxy, capsys) -> None:
    fault_proxy.fault("us-east-1", DROP)
    started = time.monotonic()
    code = main(["preflight"])
    assert time.monotonic() - started < 20
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    want = us_east_1_rows("connection reset (3 attempts)")
    assert stable([(c, s, as_asked(d)) for c, s, d in table_rows(captured.out)], want) == want
    assert captured.out.splitlines()[-1] == ("8 passed, 2 warnings, 0 failed, 7 unreachable (us-east-1) - "
                                             "ready to fail over: the us-west-2 side is ready; us-east-1 did not answer (7 checks not verified)")
    assert {s.region for s in fault_proxy.faults_seen(DROP)} == {"us-east-1"}
    assert waits_per_endpoint(fault_proxy.seen, DROP) == {("us-east-1", s): 3 for s in ("s3", "route53", "monitoring")}
    assert "Traceback" not in captured.err


class Terminal(io.StringIO):
    """Standard error as an operator's terminal: Rich draws its live status line there."""

    def isatty(self) -> bool:
        return True


def test_us_east_1_stalled_ends_in_bounded_time_with_the_full_table(aws_unchanged, fault_proxy, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DRCTL_AWS_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("DRCTL_AWS_READ_TIMEOUT", "1")
    monkeypatch.setenv("DRCTL_AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setattr("sys.stderr", terminal := Terminal())
    monkeypatch.setenv("COLUMNS", "200")
    fault_proxy.fault("us-east-1", STALL)
    started = time.monotonic()
    code = main(["preflight", "--json", "-"])
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    err = terminal.getvalue()
    # Two attempts of one second each, the stalled groups side by side: about 2 s; generous for a slow machine.
    assert 2 <= elapsed < 20, elapsed
    assert code == 0
    doc = json.loads(captured.out)  # stdout is the JSON document alone
    got = [(c["check"], c["status"], as_asked(c["detail"])) for c in doc["checks"]]
    want = us_east_1_rows("no answer within 1 s (2 attempts)")
    assert stable(got, want) == want
    assert {c["region"] for c in doc["checks"] if c["status"] == UNREACHABLE} == {"us-east-1"}
    assert doc["ok"] is True and doc["summary"] == {"pass": 8, "warn": 2, "fail": 0, "unreachable": 7}
    # While it waited, the live line on the terminal named the call and region it was waiting on...
    assert re.search(r"preflight us-east-1 -> us-west-2 \(\d+ s\); waiting \d+ s on us-east-1 "
                     r"(s3 get_bucket_replication|route53 list_health_checks|route53 list_hosted_zones_by_name)", err), err
    # ...and each stalled call said, as it happened, what was retried and why: one call per dead endpoint (the
    # second bucket's replication and the other Route53 read are not asked of an endpoint that did not answer).
    notices = [line for line in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err).replace("\r", "\n").splitlines() if line.startswith("drctl: ")]
    route53 = [line for line in notices if " route53 " in line]
    assert route53 in ([f"drctl: us-east-1 route53 {call}: no answer within 1 s; retrying (attempt 2 of 2)"]
                       for call in ("list_health_checks", "list_hosted_zones_by_name"))
    assert sorted(notices) == sorted([
        "drctl: us-east-1 s3 get_bucket_replication: no answer within 1 s; retrying (attempt 2 of 2)",
        *route53,
        "drctl: us-east-1 cloudwatch describe_alarms: no answer within 1 s; retrying (attempt 2 of 2)",
    ])
    assert waits_per_endpoint(fault_proxy.seen, STALL) == {("us-east-1", s): 2 for s in ("s3", "route53", "monitoring")}
    assert captured.err == ""


def test_a_stalled_us_west_2_endpoint_is_a_blocker_and_the_rest_still_answers(aws_unchanged, fault_proxy, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DRCTL_AWS_READ_TIMEOUT", "1")
    monkeypatch.setenv("DRCTL_AWS_MAX_ATTEMPTS", "2")
    fault_proxy.fault("us-west-2", STALL, service="eks")
    started = time.monotonic()
    code = main(["preflight"])
    assert time.monotonic() - started < 20
    captured = capsys.readouterr()
    assert code == 1
    stalled = unreachable("eks", "describe_cluster", "no answer within 1 s (2 attempts)", "us-west-2")
    want = [(c, *stalled) if c in ("dr eks cluster", "node group general") else (c, s, d) for c, s, d in READY]
    assert stable(table_rows(captured.out), want) == want
    assert captured.out.splitlines()[-1] == ("13 passed, 2 warnings, 0 failed, 2 unreachable (us-west-2) - "
                                             "NOT ready: us-west-2 did not answer (UNREACHABLE rows)")
    assert {(s.region, s.service) for s in fault_proxy.faults_seen(STALL)} == {("us-west-2", "eks")}


def test_lag_datapoints_are_judged_against_the_strictest_rpo(aws, capsys) -> None:
    cw = boto3.client("cloudwatch", region_name="us-west-2")
    cw.put_metric_data(Namespace="AWS/RDS", MetricData=[{
        "MetricName": "ReplicaLag", "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "aivo-production-postgres-dr"}],
        "Timestamp": datetime.now(UTC), "Value": 420.0, "Unit": "Seconds"}])
    assert main(["preflight", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    lag = next(c for c in doc["checks"] if c["check"] == "replica lag")
    assert lag == {"check": "replica lag", "status": FAIL, "detail": "max 420 s over 15 min (limit: Critical RPO 5 min)", "region": None}
    assert doc["ok"] is False and doc["summary"] == {"pass": 15, "warn": 1, "fail": 1, "unreachable": 0}


def test_missing_replica_replication_and_node_group_fail(aws, capsys) -> None:
    s = runbook()
    boto3.client("s3", region_name="us-east-1").delete_bucket_replication(Bucket=s.storage.velero_bucket)
    boto3.client("s3", region_name="us-west-2").put_bucket_versioning(
        Bucket=s.storage.replica_name(s.storage.assets_bucket, "us-west-2"), VersioningConfiguration={"Status": "Suspended"})
    boto3.client("eks", region_name="us-west-2").delete_nodegroup(clusterName="aivo-dr-eks", nodegroupName="general")
    assert main(["preflight", "--replica-identifier", "aivo-production-postgres-dr2"]) == 1
    out = capsys.readouterr().out
    rows = {r[0]: r[1:] for r in table_rows(out)}
    assert out.splitlines()[-1] == "11 passed, 1 warning, 4 failed - NOT ready: fix the FAIL rows"
    assert rows["dr read replica"] == (FAIL, "aivo-production-postgres-dr2 not found in us-west-2")
    assert "replica lag" not in rows
    assert rows["s3 aivo-production-velero replication"] == (FAIL, "no replication configuration")
    assert rows["node group general"][0] == FAIL
    assert rows["s3 aivo-production-assets replication"] == (PASS, "rule to-dr to aivo-production-assets-us-west-2, RTC 15 min")
    assert rows["s3 aivo-production-assets-us-west-2 replica"] == (FAIL, "aivo-production-assets-us-west-2 in us-west-2 has versioning Suspended")


@pytest.mark.parametrize(("args", "message"), [
    (["--dr-region", "us-east-1"], "--dr-region = us-east-1: a region other than --primary-region (us-east-1)"),
    (["--primary-region", "mars-1"], "--primary-region = mars-1: an AWS region code such as us-east-1 or us-west-2"),
])
def test_bad_input_is_one_line_exit_2(args, message, capsys) -> None:
    assert main(["preflight", *args]) == 2
    assert capsys.readouterr().err == f"drctl: error: {message}\n"


def test_an_alarm_of_the_dr_side_blocks_and_the_primary_outage_symptoms_do_not(aws, capsys) -> None:
    """A seeded alarm in ALARM is a FAIL row; the alarms that fire because us-east-1 is down are what a
    failover answers: WARN, never a blocker."""
    west = boto3.client("cloudwatch", region_name="us-west-2")
    east = boto3.client("cloudwatch", region_name="us-east-1")
    west.set_alarm_state(AlarmName="aivo-critical-ingress-health", StateValue="ALARM", StateReason="canary failing")
    east.set_alarm_state(AlarmName="aivo-critical-primary-ingress-health", StateValue="ALARM", StateReason="checkers failing")
    assert main(["preflight"]) == 0
    out = capsys.readouterr().out
    rows = {r[0]: r[1:] for r in table_rows(out)}
    assert rows["aivo-critical-ingress-health"] == (WARN, "ALARM in us-west-2: canary failing")
    assert rows["alarms us-east-1"] == (WARN, "6 of 7 OK; not OK: aivo-critical-primary-ingress-health")
    assert out.splitlines()[-1].endswith("- ready to fail over")
    west.set_alarm_state(AlarmName="aivo-critical-dr-nodes", StateValue="ALARM", StateReason="Threshold Crossed")
    assert main(["preflight"]) == 1
    out = capsys.readouterr().out
    rows = {r[0]: r[1:] for r in table_rows(out)}
    assert rows["aivo-critical-dr-nodes"] == (FAIL, "ALARM in us-west-2: Threshold Crossed")
    assert rows["alarms us-west-2"] == (FAIL, "7 of 9 OK; not OK: aivo-critical-dr-nodes, aivo-critical-ingress-health")
    assert out.splitlines()[-1].endswith("NOT ready: fix the FAIL rows")


SUCCESS = {"StatusReport": {"Status": "Success: HTTP Status Code 200, OK"}}
FAILURE = {"StatusReport": {"Status": "Failure: Connection timed out."}}


@pytest.mark.parametrize(("observations", "is_primary", "status", "counted"), [
    ([SUCCESS, SUCCESS], True, PASS, "2/2"),
    ([SUCCESS, SUCCESS], False, PASS, "2/2"),
    ([SUCCESS, FAILURE], True, WARN, "1/2"),    # the primary's outage is what a failover is for
    ([SUCCESS, FAILURE], False, FAIL, "1/2"),   # the DR endpoint is where traffic would go
    ([], True, WARN, "0/0"),                    # no checker reports: nothing shows the endpoint is up
    ([], False, FAIL, "0/0"),
    # A checker that says nothing about the endpoint does not show it up.
    ([SUCCESS, {}], True, WARN, "1/2"),
    ([SUCCESS, {"StatusReport": {}}], False, FAIL, "1/2"),
])
def test_an_unhealthy_endpoint_warns_in_the_primary_and_blocks_in_the_dr_region(observations, is_primary, status, counted) -> None:
    row = health_check_row("health check r", "https://ingress.example.com/health", observations, is_primary)
    assert (row.check, row.status, row.detail) == ("health check r", status, f"https://ingress.example.com/health: {counted} checkers report Success")


def test_unreachable_rows_block_by_region_and_the_verdict_says_which() -> None:
    rows = [Check("a", UNREACHABLE, "x", "us-east-1"), Check("b", PASS, "y"), Check("c", UNREACHABLE, "z", "us-west-2")]
    assert [c.check for c in blockers(rows, "us-east-1")] == ["c"]
    assert verdict(rows, "us-east-1", "us-west-2") == "NOT ready: us-west-2 did not answer (UNREACHABLE rows)"
    primary_only = rows[:2]
    assert blockers(primary_only, "us-east-1") == []
    assert verdict(primary_only, "us-east-1", "us-west-2") == "ready to fail over: the us-west-2 side is ready; us-east-1 did not answer (1 check not verified)"
    failed = [*rows, Check("d", FAIL, "w")]
    assert verdict(failed, "us-east-1", "us-west-2") == "NOT ready: fix the FAIL rows; us-west-2 did not answer (UNREACHABLE rows)"
    assert verdict([Check("b", PASS, "y")], "us-east-1", "us-west-2") == "ready to fail over"


def test_a_fail_blocks_unless_it_is_the_backup_replication_row_or_allowed() -> None:
    rows = [Check(BACKUP_REPLICATION, FAIL, "x"), Check("a", FAIL, "y"), Check("b", WARN, "z"), Check("c", PASS, "w"),
            Check("d", UNREACHABLE, "no region known")]
    assert [c.check for c in blockers(rows, "us-east-1")] == ["a", "d"]
    assert [c.check for c in blockers(rows, "us-east-1", ("a",))] == ["d"]
    assert verdict(rows, "us-east-1", "us-west-2") == "NOT ready: fix the FAIL rows; ? did not answer (UNREACHABLE rows)"


def test_the_verdict_names_every_silent_region_and_counts_what_the_primary_left_unverified() -> None:
    rows = [Check("a", UNREACHABLE, "x", "us-west-2"), Check("b", UNREACHABLE, "y", "eu-west-1"), Check("c", UNREACHABLE, "z", "us-west-2")]
    assert verdict(rows, "us-east-1", "us-west-2") == "NOT ready: eu-west-1 and us-west-2 did not answer (UNREACHABLE rows)"
    primary = [Check("a", UNREACHABLE, "x", "us-east-1"), Check("b", UNREACHABLE, "y", "us-east-1"), Check("c", WARN, "z")]
    assert verdict(primary, "us-east-1", "us-west-2") == (
        "ready to fail over: the us-west-2 side is ready; us-east-1 did not answer (2 checks not verified)")
    # The backup replication row blocks nothing, and is not the primary's silence either.
    silent = [Check(BACKUP_REPLICATION, UNREACHABLE, "x", "us-west-2"), Check("a", UNREACHABLE, "y", "us-east-1"),
              Check("b", FAIL, "z", "us-east-1")]
    assert [c.check for c in unreachable_primary(silent, "us-east-1")] == ["a"]
    assert verdict(silent[:2], "us-east-1", "us-west-2") == (
        "ready to fail over: the us-west-2 side is ready; us-east-1 did not answer (1 check not verified)")


# ---- rows from exact AWS answers (botocore Stubber) ---------------------------------------------------------------

NOW = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
WEST = "ingress.us-west-2.example.com"
EAST = "ingress.us-east-1.example.com"


def zone(name: str = "aivo.edu.", zone_id: str = "/hostedzone/Z1") -> dict:
    return {"Id": zone_id, "Name": name, "CallerReference": "c"}


def record(name: str, failover: str | None, target: str, health: str | None = "hc-1") -> dict:
    return {"Name": f"{name}.", "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": f"{target}."}],
            **({"Failover": failover, "SetIdentifier": failover.lower()} if failover else {}),
            **({"HealthCheckId": health} if health else {})}


def failover_pair(name: str, target: str = WEST, health: str | None = "hc-1") -> list[dict]:
    return [record(name, "PRIMARY", EAST), record(name, "SECONDARY", target, health)]


def record_answers(monkeypatch, zones: list[dict], pages: list[list[dict]] = ()):
    answers = stubbed(monkeypatch, preflight_module)
    answers.answer("route53", "us-east-1", "list_hosted_zones_by_name", {"HostedZones": zones, "IsTruncated": False, "MaxItems": "100"},
                   {"DNSName": "aivo.edu"})
    for i, page in enumerate(pages):
        more = {"NextRecordName": f"n{i}", "NextRecordType": "A"} if i < len(pages) - 1 else {}
        answers.answer("route53", "us-east-1", "list_resource_record_sets",
                       {"ResourceRecordSets": page, "IsTruncated": bool(more), "MaxItems": "100", **more},
                       {"HostedZoneId": "/hostedzone/Z1", **({"StartRecordName": f"n{i - 1}", "StartRecordType": "A"} if i else {})})
    return answers


RECORD_CASES = {
    # Over two pages, in the zone of the exact name (not a longer one that ends the same).
    "both answer with failover": ([zone("aivo.edu."), zone("notaivo.edu.", "/hostedzone/Z2")],
                                  [failover_pair("api.aivo.edu"), [record("other.aivo.edu", None, EAST), *failover_pair("app.aivo.edu")]],
                                  [(PASS, f"PRIMARY and SECONDARY -> {WEST} (health-checked)")] * 2),
    "no zone": ([zone("aivo.edu.example.", "/hostedzone/Z9")], [],
                [(FAIL, "hosted zone aivo.edu not found")] * 2),
    "a plain record and a lone primary": ([zone()], [[record("api.aivo.edu", None, EAST), record("app.aivo.edu", "PRIMARY", EAST)]],
                                          [(FAIL, "missing failover records: has none"), (FAIL, "missing failover records: has ['PRIMARY']")]),
    "a lone secondary": ([zone()], [[record("api.aivo.edu", "SECONDARY", WEST), *failover_pair("app.aivo.edu")]],
                         [(FAIL, "missing failover records: has ['SECONDARY']"), (PASS, f"PRIMARY and SECONDARY -> {WEST} (health-checked)")]),
    # A look-alike host is another host.
    "a secondary on a look-alike host": ([zone()], [[*failover_pair("api.aivo.edu", f"{WEST}X"), *failover_pair("app.aivo.edu")]],
                                         [(FAIL, f"SECONDARY points at ['{WEST}X'], health check hc-1"),
                                          (PASS, f"PRIMARY and SECONDARY -> {WEST} (health-checked)")]),
    "a secondary elsewhere or unchecked": ([zone()], [[*failover_pair("api.aivo.edu", EAST), *failover_pair("app.aivo.edu", health=None)]],
                                           [(FAIL, f"SECONDARY points at ['{EAST}'], health check hc-1"),
                                            (FAIL, f"SECONDARY points at ['{WEST}'], health check none")]),
}


@pytest.mark.parametrize(("zones", "pages", "rows"), RECORD_CASES.values(), ids=RECORD_CASES.keys())
def test_each_name_needs_a_health_checked_secondary_on_the_dr_ingress(zones, pages, rows, monkeypatch) -> None:
    answers = record_answers(monkeypatch, zones, pages)
    found = preflight_module.failover_record_rows("us-east-1", "us-west-2")
    assert [(r.check, r.status, r.detail) for r in found] == [(f"dns {n}", *row) for n, row in zip(("api.aivo.edu", "app.aivo.edu"), rows, strict=True)]
    answers.all_asked()


def health_check(check_id: str, host: str, path: str = "/health") -> dict:
    return {"Id": check_id, "CallerReference": check_id, "HealthCheckVersion": 1,
            "HealthCheckConfig": {"Type": "HTTPS", "FullyQualifiedDomainName": host, "ResourcePath": path}}


def test_each_regions_health_check_is_found_by_host_and_path_and_read(monkeypatch) -> None:
    answers = stubbed(monkeypatch, preflight_module)
    # The DR endpoint's check on another path does not count; the list comes in two pages.
    answers.answer("route53", "us-east-1", "list_health_checks",
                   {"HealthChecks": [health_check("a", WEST, "/"), health_check("b", EAST)], "IsTruncated": True, "Marker": "",
                    "NextMarker": "m", "MaxItems": "100"})
    answers.answer("route53", "us-east-1", "list_health_checks",
                   {"HealthChecks": [health_check("c", WEST)], "IsTruncated": False, "Marker": "m", "MaxItems": "100"}, {"Marker": "m"})
    answers.answer("route53", "us-east-1", "get_health_check_status", {"HealthCheckObservations": [FAILURE, SUCCESS]}, {"HealthCheckId": "b"})
    answers.answer("route53", "us-east-1", "get_health_check_status", {"HealthCheckObservations": [SUCCESS, FAILURE]}, {"HealthCheckId": "c"})
    rows = preflight_module.health_check_rows("us-east-1", "us-west-2")
    # The primary's failing checker is the outage a failover is for; the DR endpoint's blocks.
    assert [(r.check, r.status, r.detail) for r in rows] == [
        ("health check us-east-1", WARN, f"https://{EAST}/health: 1/2 checkers report Success"),
        ("health check us-west-2", FAIL, f"https://{WEST}/health: 1/2 checkers report Success")]
    answers.all_asked()


def test_a_region_without_a_health_check_fails_alone(monkeypatch) -> None:
    answers = stubbed(monkeypatch, preflight_module)
    answers.answer("route53", "us-east-1", "list_health_checks",
                   {"HealthChecks": [health_check("b", EAST)], "IsTruncated": False, "Marker": "", "MaxItems": "100"})
    answers.answer("route53", "us-east-1", "get_health_check_status", {"HealthCheckObservations": [SUCCESS]}, {"HealthCheckId": "b"})
    assert [(r.check, r.status, r.detail) for r in preflight_module.health_check_rows("us-east-1", "us-west-2")] == [
        ("health check us-east-1", PASS, f"https://{EAST}/health: 1/1 checkers report Success"),
        ("health check us-west-2", FAIL, f"no health check on https://{WEST}/health")]
    # The primary's missing, the DR region's is still read.
    answers.answer("route53", "us-east-1", "list_health_checks",
                   {"HealthChecks": [health_check("c", WEST)], "IsTruncated": False, "Marker": "", "MaxItems": "100"})
    answers.answer("route53", "us-east-1", "get_health_check_status", {"HealthCheckObservations": [SUCCESS]}, {"HealthCheckId": "c"})
    assert [(r.check, r.status, r.detail) for r in preflight_module.health_check_rows("us-east-1", "us-west-2")] == [
        ("health check us-east-1", FAIL, f"no health check on https://{EAST}/health"),
        ("health check us-west-2", PASS, f"https://{WEST}/health: 1/1 checkers report Success")]


def cluster_answers(monkeypatch, status: str = "ACTIVE"):
    answers = stubbed(monkeypatch, preflight_module)
    answers.answer("eks", "us-west-2", "describe_cluster", {"cluster": {"name": "aivo-dr-eks", "status": status, "version": "1.31"}},
                   {"name": "aivo-dr-eks"})
    return answers


@pytest.mark.parametrize(("status", "group", "rows"), [
    ("ACTIVE", {"status": "ACTIVE", "scalingConfig": {"minSize": 1, "desiredSize": 2, "maxSize": 20}},
     [("dr eks cluster", PASS, "aivo-dr-eks ACTIVE (Kubernetes 1.31)"),
      ("node group general", PASS, "ACTIVE, min 1/desired 2/max 20; failover target 3/5/20")]),
    # One node short of the failover's maximum: the failover could not scale it.
    ("UPDATING", {"status": "ACTIVE", "scalingConfig": {"minSize": 1, "desiredSize": 2, "maxSize": 19}},
     [("dr eks cluster", FAIL, "aivo-dr-eks UPDATING (Kubernetes 1.31)"),
      ("node group general", FAIL, "ACTIVE, min 1/desired 2/max 19; failover target 3/5/20")]),
    ("ACTIVE", {"status": "DEGRADED", "scalingConfig": {"minSize": 3, "desiredSize": 5, "maxSize": 30}},
     [("dr eks cluster", PASS, "aivo-dr-eks ACTIVE (Kubernetes 1.31)"),
      ("node group general", FAIL, "DEGRADED, min 3/desired 5/max 30; failover target 3/5/20")]),
    ("ACTIVE", {"status": "ACTIVE"},
     [("dr eks cluster", PASS, "aivo-dr-eks ACTIVE (Kubernetes 1.31)"),
      ("node group general", FAIL, "ACTIVE, min None/desired None/max None; failover target 3/5/20")]),
])
def test_the_node_group_must_be_active_and_able_to_scale_to_the_failover_target(status, group, rows, monkeypatch) -> None:
    answers = cluster_answers(monkeypatch, status)
    answers.answer("eks", "us-west-2", "describe_nodegroup", {"nodegroup": {"nodegroupName": "general", **group}},
                   {"clusterName": "aivo-dr-eks", "nodegroupName": "general"})
    assert [(r.check, r.status, r.detail) for r in preflight_module.cluster_rows("us-west-2", "aivo-dr-eks")] == rows


def test_a_node_group_that_does_not_say_its_maximum_cannot_scale_even_to_one_node(monkeypatch) -> None:
    one = validate(raw("dr", cluster=json.dumps({"nodeGroup": {"minSize": 1, "desiredSize": 1, "maxSize": 1}})), "dr")
    monkeypatch.setattr(preflight_module, "runbook", lambda: one)
    answers = cluster_answers(monkeypatch)
    answers.answer("eks", "us-west-2", "describe_nodegroup", {"nodegroup": {"nodegroupName": "general", "status": "ACTIVE"}})
    assert preflight_module.cluster_rows("us-west-2", "aivo-dr-eks")[1] == Check(
        "node group general", FAIL, "ACTIVE, min None/desired None/max None; failover target 1/1/1")


def test_a_missing_node_group_fails_its_row_and_a_throttled_read_is_not_an_answer(monkeypatch) -> None:
    answers = cluster_answers(monkeypatch)
    answers.error("eks", "us-west-2", "describe_nodegroup", "ResourceNotFoundException", "No node group found for name: general.", 404)
    assert [(r.check, r.status, r.detail) for r in preflight_module.cluster_rows("us-west-2", "aivo-dr-eks")] == [
        ("dr eks cluster", PASS, "aivo-dr-eks ACTIVE (Kubernetes 1.31)"),
        ("node group general", FAIL, "ResourceNotFoundException: No node group found for name: general.")]
    answers = cluster_answers(monkeypatch)
    answers.error("eks", "us-west-2", "describe_nodegroup", "ThrottlingException", "Rate exceeded", 400)
    with pytest.raises(ClientError, match="ThrottlingException"):
        preflight_module.cluster_rows("us-west-2", "aivo-dr-eks")


SOURCE_ID = "aivo-production-postgres"
AUTOMATED = [{"DBInstanceIdentifier": SOURCE_ID, "Region": "eu-west-1", "Status": "replicating", "BackupRetentionPeriod": 3},
             {"DBInstanceIdentifier": "aivo-other", "Region": "us-east-1", "Status": "replicating", "BackupRetentionPeriod": 5},
             {"DBInstanceIdentifier": SOURCE_ID, "Region": "us-east-1", "Status": "replicating", "BackupRetentionPeriod": 7}]


@pytest.mark.parametrize(("backups", "status", "detail"), [
    (AUTOMATED, PASS, f"{SOURCE_ID} backups replicating in us-west-2, retention 7 days"),
    (None, WARN, f"not verifiable here: no backups of {SOURCE_ID} replicated into us-west-2; "
                 "the endpoint may not implement start_db_instance_automated_backups_replication"),
    (AUTOMATED[:2], WARN, f"not verifiable here: no backups of {SOURCE_ID} replicated into us-west-2; "
                          "the endpoint may not implement start_db_instance_automated_backups_replication"),
])
def test_backups_replicated_from_the_primary_instance_pass(backups, status, detail, monkeypatch) -> None:
    answers = stubbed(monkeypatch, preflight_module)
    # An answer may leave the list out (it is not a required member).
    answer = {"DBInstanceAutomatedBackups": backups} if backups is not None else {}
    answers.answer("rds", "us-west-2", "describe_db_instance_automated_backups", answer, {})
    row = preflight_module.backup_replication_check("us-west-2", SOURCE_ID, "us-east-1")
    assert (row.check, row.status, row.detail) == ("automated backup replication", status, detail)


def test_backup_replication_the_endpoint_cannot_list_warns_and_a_refusal_is_raised(monkeypatch) -> None:
    answers = stubbed(monkeypatch, preflight_module)
    answers.error("rds", "us-west-2", "describe_db_instance_automated_backups", "NotImplemented", "has not been implemented", 501)
    assert preflight_module.backup_replication_check("us-west-2", SOURCE_ID, "us-east-1") == Check(
        "automated backup replication", WARN, "this endpoint does not implement describe_db_instance_automated_backups; not verifiable here")
    answers.error("rds", "us-west-2", "describe_db_instance_automated_backups", "AccessDenied", "not allowed", 403)
    with pytest.raises(ClientError, match="AccessDenied"):
        preflight_module.backup_replication_check("us-west-2", SOURCE_ID, "us-east-1")


LAG_QUERY = {"Namespace": "AWS/RDS", "MetricName": "ReplicaLag", "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "r"}],
             "StartTime": datetime(2026, 11, 25, 16, 45, tzinfo=UTC), "EndTime": datetime(2026, 11, 25, 17, 1, tzinfo=UTC),
             "Period": 60, "Statistics": ["Maximum"]}
UPSTREAM = {"DBInstanceIdentifier": "r", "DBInstanceStatus": "available", "ReadReplicaSourceDBInstanceIdentifier": ARN}


def replica_answers(monkeypatch, found: dict | None = UPSTREAM):
    answers = stubbed(monkeypatch, preflight_module)
    if found is None:
        answers.error("rds", "us-west-2", "describe_db_instances", "DBInstanceNotFound", "DBInstance r not found.", 404)
    else:
        answers.answer("rds", "us-west-2", "describe_db_instances", {"DBInstances": [found]}, {"DBInstanceIdentifier": "r"})
    return answers


def test_the_replica_rows_read_the_largest_lag_of_the_window(monkeypatch) -> None:
    answers = replica_answers(monkeypatch)
    answers.answer("cloudwatch", "us-west-2", "get_metric_statistics",
                   {"Datapoints": [{"Maximum": 12.0}, {"Maximum": 301.0}, {"Maximum": 40.0}]}, LAG_QUERY)
    assert [(r.check, r.status, r.detail) for r in preflight_module._replica_rows("us-west-2", "r", SOURCE_ID, "us-east-1", NOW)] == [
        ("dr read replica", PASS, "r available in us-west-2, replicating from aivo-production-postgres (us-east-1)"),
        ("replica lag", FAIL, "max 301 s over 15 min (limit: Critical RPO 5 min)")]
    answers.all_asked()
    # No datapoints, or an answer without the list (not a required member): nothing to judge.
    for answer in ({"Datapoints": []}, {}):
        answers = replica_answers(monkeypatch)
        answers.answer("cloudwatch", "us-west-2", "get_metric_statistics", answer, LAG_QUERY)
        assert preflight_module._replica_rows("us-west-2", "r", SOURCE_ID, "us-east-1", NOW)[1] == Check(
            "replica lag", WARN, "not verifiable here: no ReplicaLag datapoints in the last 15 min")


def test_a_missing_replica_is_one_row_and_an_unreadable_lag_is_not_a_failure(monkeypatch) -> None:
    replica_answers(monkeypatch, None)
    assert preflight_module._replica_rows("us-west-2", "r", SOURCE_ID, "us-east-1", NOW) == [
        Check("dr read replica", FAIL, "r not found in us-west-2")]
    answers = replica_answers(monkeypatch)
    answers.error("cloudwatch", "us-west-2", "get_metric_statistics", "AccessDenied", "not allowed", 403)
    assert preflight_module._replica_rows("us-west-2", "r", SOURCE_ID, "us-east-1", NOW)[1] == Check(
        "replica lag", WARN, "not verifiable here: AccessDenied: not allowed")
    answers = replica_answers(monkeypatch)
    answers.error("cloudwatch", "us-west-2", "get_metric_statistics", "Throttling", "Rate exceeded", 400)
    row = preflight_module._replica_rows("us-west-2", "r", SOURCE_ID, "us-east-1", NOW)[1]
    assert (row.check, row.status) == ("replica lag", UNREACHABLE)


# ---- the table's groups -------------------------------------------------------------------------------------------

PREFLIGHT_ROWS = ["dr read replica", "replica lag", "automated backup replication",
                  "s3 aivo-production-assets replication", "s3 aivo-production-assets-us-west-2 replica",
                  "s3 aivo-production-velero replication", "s3 aivo-production-velero-us-west-2 replica",
                  "health check us-east-1", "health check us-west-2", "dns api.aivo.edu", "dns app.aivo.edu",
                  "dr eks cluster", "node group general", "velero aivo-daily", "velero aivo-weekly", "alarms us-west-2", "alarms us-east-1"]
ROW_FUNCTIONS = ("_replica_rows", "backup_replication_check", "replication_check", "bucket_replica_check", "health_check_rows",
                 "failover_record_rows", "cluster_rows", "list_backups", "alarm_checks")


def test_a_group_that_breaks_fills_its_own_rows_in_the_runbooks_order(monkeypatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("no answer")

    for name in ROW_FUNCTIONS:
        monkeypatch.setattr(preflight_module, name, broken)
    rows = preflight_module.preflight("us-east-1", "us-west-2", now=NOW)
    assert rows == [Check(label, FAIL, "unexpected RuntimeError: no answer") for label in PREFLIGHT_ROWS]


def test_each_preflight_group_reads_its_own_region_and_resource(monkeypatch) -> None:
    seen: list[tuple] = []

    def recorder(name: str):
        def record(*args: object) -> object:
            seen.append((name, *args))
            row = Check(name, PASS, "")
            return [] if name == "list_backups" else [row] if name.endswith("_rows") or name == "alarm_checks" else row
        return record

    for name in ROW_FUNCTIONS:
        monkeypatch.setattr(preflight_module, name, recorder(name))
    monkeypatch.setattr(preflight_module, "schedule_check", lambda schedule, *args: recorder(schedule.name)(*args))
    rows = preflight_module.preflight("us-east-1", "us-west-2", now=NOW)
    assert [r.check for r in rows] == ["_replica_rows", "backup_replication_check", "replication_check", "bucket_replica_check",
                                       "replication_check", "bucket_replica_check", "health_check_rows", "failover_record_rows",
                                       "cluster_rows", "aivo-daily", "aivo-weekly", "alarm_checks", "alarm_checks"]
    replica = "aivo-production-velero-us-west-2"
    assert sorted(seen) == sorted([
        ("_replica_rows", "us-west-2", "aivo-production-postgres-dr", "aivo-production-postgres", "us-east-1", NOW),
        ("backup_replication_check", "us-west-2", "aivo-production-postgres", "us-east-1"),
        ("replication_check", "aivo-production-assets", "us-east-1", "us-west-2"),
        ("bucket_replica_check", "aivo-production-assets", "us-west-2"),
        ("replication_check", "aivo-production-velero", "us-east-1", "us-west-2"),
        ("bucket_replica_check", "aivo-production-velero", "us-west-2"),
        ("health_check_rows", "us-east-1", "us-west-2"),
        ("failover_record_rows", "us-east-1", "us-west-2"),
        ("cluster_rows", "us-west-2", "aivo-dr-eks"),
        ("list_backups", replica, "us-west-2"),
        ("aivo-daily", [], NOW, replica),
        ("aivo-weekly", [], NOW, replica),
        # The primary's outage symptoms are expected: both regions' alarms are read as for a failover.
        ("alarm_checks", "us-west-2", True),
        ("alarm_checks", "us-east-1", True),
    ])
    # A named cluster and replica; without a moment, the run's own.
    seen.clear()
    before = datetime.now(UTC)
    preflight_module.preflight("us-east-1", "us-west-2", cluster_name="other-eks", replica_identifier="other-dr")
    calls = {call[0]: call[1:] for call in seen}
    assert calls["cluster_rows"] == ("us-west-2", "other-eks")
    assert calls["_replica_rows"][:4] == ("us-west-2", "other-dr", "aivo-production-postgres", "us-east-1")
    assert before <= calls["_replica_rows"][4] <= datetime.now(UTC)
