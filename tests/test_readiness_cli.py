"""`drctl readiness`: the table, exit status, JSON, Markdown with the base comparison, the picture, calibration."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers.cli import drctl
from tests.helpers.drill import drill_record


def test_the_declared_stacks_print_four_tiers_and_pass(capsys, tmp_path):
    result = drctl(capsys, "readiness", "--stack", "dr", "--json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    for tier in ("Critical", "High", "Medium", "Low"):
        assert tier in result.stdout
    assert "accepted exception: Critical RTO promote up to 55 min" in result.stdout
    assert "verdicts at p95, the worse of the two modes; 4000 trials, seed 20" in result.stdout
    assert "failover diff: dr: 9 to create, 15 to update, 0 to replace, 1 to delete" in result.stdout
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["schema"] == "aivo-dr/readiness@2" and doc["passed"] is True
    assert [(t["tier"], t["verdict"]) for t in doc["tiers"]] == [("Critical", "ACCEPTED"), ("High", "OK"), ("Medium", "OK"), ("Low", "OK")]
    assert {k for k, f in doc["figures"].items() if f["measured"]} == set()
    assert {k for k, f in doc["figures"].items() if not f["calibrationPending"]} == {"promote", "lb-registration", "dns-propagation"}
    critical = doc["tiers"][0]["rto"]
    assert [(m["mode"], m["p50Seconds"], m["p95Seconds"]) for m in critical["modes"]] == [("normal", 2062, 3141), ("impaired", 2152, 3231)]
    assert (critical["mode"], critical["computedSeconds"], critical["p50Seconds"]) == ("impaired", 3231, 2152)


def test_a_breach_exits_1_naming_the_tier_and_the_cause(capsys):
    result = drctl(capsys, "readiness", "--stack", "dr", "--config", "storage.replicationTimeControl=false")
    assert result.returncode == 1
    assert "High: BREACH: RPO BREACH: store assets" in result.stdout and "readiness: BREACH in High" in result.stdout


def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path):
    assert drctl(capsys, "readiness", "--stack", "primary").stderr == (
        "drctl: error: --stack = primary: dr: readiness is the failover's, from the primary and dr stacks together\n")
    (tmp_path / "not-a-drill.json").write_text('{"schema": "aivo-dr/check@1"}')
    result = drctl(capsys, "readiness", "--stack", "dr", "--calibrate", str(tmp_path / "not-a-drill.json"))
    assert (result.returncode, result.stderr) == (
        2, f"drctl: error: --calibrate = {tmp_path / 'not-a-drill.json'}: a drill record written by drctl drill run (aivo-dr/drill@1 JSON)\n")
    result = drctl(capsys, "readiness", "--stack", "dr", "--picture", str(tmp_path / "t.gif"))
    assert result.returncode == 2 and "a path ending .png or .svg" in result.stderr


def test_calibration_marks_the_measured_figures(capsys, tmp_path):
    record = drill_record(14, 60.0)  # promote from minute 10 to 14: 240 s
    for step in record["steps"][:2]:  # detect and declare confirmed with --yes: no duration measured
        step["status"] = "confirmed"
    velero = {**record["steps"][2], "key": "velero", "kind": "engine", "status": "confirmed", "endedAt": record["steps"][2]["startedAt"],
              "seconds": 0.0}
    record["steps"].append(velero)
    (tmp_path / "drill.json").write_text(json.dumps(record))
    result = drctl(capsys, "readiness", "--stack", "dr", "--calibrate", str(tmp_path / "drill.json"), "--json", "-")
    doc = json.loads(result.stdout)
    assert {k for k, f in doc["figures"].items() if f["measured"]} == {"promote"}
    assert doc["figures"]["promote"]["source"].startswith("measured: drill.json, step promote")
    assert doc["figures"]["promote"]["p50Seconds"] == 240.0 and doc["figures"]["promote"]["p95Seconds"] == 240.0 * (1200 / 420)
    # Promotion measured at 4 min (its p95 keeps the estimate's spread): the Critical tier's p95 drops by 6.7 min.
    assert [(m["mode"], m["p50Seconds"], m["p95Seconds"]) for m in doc["tiers"][0]["rto"]["modes"]] == [
        ("normal", 1895, 2738), ("impaired", 1985, 2828)]
    assert [s["measured"] for s in doc["tiers"][0]["criticalPath"] if s["step"] == "promote"] in ([True], [])


def test_the_pull_request_view_compares_with_the_base(capsys, tmp_path):
    base = tmp_path / "base.json"
    assert drctl(capsys, "readiness", "--stack", "dr", "--json", str(base)).returncode == 0
    md = tmp_path / "comment.md"
    result = drctl(capsys, "readiness", "--stack", "dr", "--config", "detection.canaryRateMinutes=5", "--compare", str(base),
                   "--markdown", str(md), "--picture", str(tmp_path / "t.svg"), "--picture", str(tmp_path / "t.png"))
    assert result.returncode == 1
    text = md.read_text()
    assert "| Critical | 53.9 min | 57.9 min | +4 min | unbounded | unbounded | - | ACCEPTED | **BREACH** |" in text
    assert "| High | 58 min | 1 h 2 min | +3.9 min | 15 min | 15 min | 0 | OK | **BREACH** |" in text
    assert ("| Critical | 30 min | 38.4 min / 56.4 min | 39.9 min / 57.9 min | -27.9 min | 5 min | lost | unbounded | BREACH | "
            "RTO BREACH: step promote; RPO accepted exception: cache |") in text
    assert "failover diff: dr: 9 to create" in text
    svg = (tmp_path / "t.svg").read_text()
    assert svg.startswith("<?xml") and (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"
    # p50 bars with p95 whiskers: one whisker per lane whose p95 end is past its median end (all but detect's)
    assert set(re.findall(r'<g id="(whisker-\d+)"', svg)) == {f"whisker-{row}" for row in range(1, 16)}
    assert "p95 57.9 min (impaired): BREACH (promote)" in svg


def test_a_global_datastore_bounds_the_cache_and_its_failover_is_the_operators_step(capsys, monkeypatch):
    monkeypatch.undo()  # the real planner: the dr stack must read the primary planned with the same overrides
    result = drctl(capsys, "readiness", "--stack", "dr", "--config", "cache.drMode=global", "--json", "-")
    doc = json.loads(result.stdout)
    assert result.returncode == 0 and doc["problems"] == []
    critical = doc["tiers"][0]
    assert (critical["rpo"]["verdict"], critical["rpo"]["computedSeconds"]) == ("OK", 300)
    assert [s["store"] for s in critical["stores"]] == ["database", "cache"]
    assert "Global Datastore secondary" in critical["stores"][1]["source"]


def test_the_steps_the_model_takes_are_named_when_the_flip_does_not_change_them(tmp_path):
    from dataclasses import replace

    from drctl.readiness import ReadinessRun, readiness
    from tests.helpers.planning import PLANNER

    run = readiness([], source=PLANNER)
    assert run.flip_steps_outside_diff == []
    unchanged = ReadinessRun(run.readiness, run.plans, replace(run.diff, changes=[]))
    assert unchanged.flip_steps_outside_diff == [
        "dr-cache-group", "dr-cluster-general", "dr-database-instance", "dr-failover-restores-critical", "dr-failover-restores-high",
        "dr-failover-restores-low", "dr-failover-restores-medium", "edge-cdn-distribution", "edge-dns-api-primary",
        "edge-dns-api-secondary", "edge-dns-app-primary", "edge-dns-app-secondary"]
    assert [t.tier.name for t in run.readiness.tiers] == ["Critical", "High", "Medium", "Low"] and run.readiness.problems == []
    assert run.readiness.notes == [  # nothing observed unless asked (--observe)
        "restore Critical waits for the promotion through the plan's dependencies, though api-gateway uses no database"]
    assert list(run.plans) == ["primary", "dr", "dr failover"]


def test_two_drills_calibrate_together_and_a_bad_one_names_itself(tmp_path):
    from drctl.errors import UsageError
    from drctl.readiness import figures_for

    first, second = drill_record(14, 60.0), drill_record(17, 60.0)
    (tmp_path / "a.json").write_text(json.dumps(first))
    (tmp_path / "b.json").write_text(json.dumps(second))
    figures = figures_for([tmp_path / "a.json", tmp_path / "b.json"])
    assert (figures.measured["promote"].seconds, figures.measured["promote"].source.split(",")[0]) == (420.0, "b.json")
    assert figures_for([]).measured == {}
    (tmp_path / "c.json").write_text(json.dumps(drill_record(14, 60.0, scenario="database-pitr")))
    with pytest.raises(UsageError) as raised:
        figures_for([tmp_path / "a.json", tmp_path / "c.json"])
    assert str(raised.value) == "--calibrate = c.json: a region-failover drill (this one is database-pitr): only a failover's steps are the model's"
