"""`drctl readiness`: the table, exit status, JSON, Markdown with the base comparison, the picture, calibration."""

from __future__ import annotations

import json

from tests.helpers.cli import drctl
from tests.helpers.drill import drill_record


def test_the_declared_stacks_print_four_tiers_and_pass(capsys, tmp_path):
    result = drctl(capsys, "readiness", "--stack", "dr", "--json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    for tier in ("Critical", "High", "Medium", "Low"):
        assert tier in result.stdout
    assert "accepted exception: Critical RTO declare up to 40 min" in result.stdout
    assert "failover diff: dr: 9 to create, 15 to update, 0 to replace, 1 to delete" in result.stdout
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["schema"] == "aivo-dr/readiness@1" and doc["passed"] is True
    assert [(t["tier"], t["verdict"]) for t in doc["tiers"]] == [("Critical", "ACCEPTED"), ("High", "OK"), ("Medium", "OK"), ("Low", "OK")]
    assert {k for k, f in doc["figures"].items() if f["measured"]} == set()


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
    # Promotion now 4 min: the node group's scale-up (5 min), which the Velero release and so the restores wait for, takes over.
    assert doc["tiers"][0]["rto"]["computedSeconds"] == 39.5 * 60 - 600 + 300
    assert [s["step"] for s in doc["tiers"][0]["criticalPath"]] == ["detect", "declare", "preflight", "scale", "restore", "verify"]


def test_the_pull_request_view_compares_with_the_base(capsys, tmp_path):
    base = tmp_path / "base.json"
    assert drctl(capsys, "readiness", "--stack", "dr", "--json", str(base)).returncode == 0
    md = tmp_path / "comment.md"
    result = drctl(capsys, "readiness", "--stack", "dr", "--config", "detection.canaryRateMinutes=5", "--compare", str(base),
                   "--markdown", str(md), "--picture", str(tmp_path / "t.svg"), "--picture", str(tmp_path / "t.png"))
    assert result.returncode == 1
    text = md.read_text()
    assert "| Critical | 39.5 min | 43.5 min | +4 min | lost | lost | - | ACCEPTED | **BREACH** |" in text.replace("unbounded", "lost")
    assert "| High | 42 min | 46 min | +4 min |" in text
    assert "failover diff: dr: 9 to create" in text
    assert (tmp_path / "t.svg").read_text().startswith("<?xml") and (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"


def test_a_global_datastore_bounds_the_cache_and_its_failover_is_the_operators_step(capsys, monkeypatch):
    monkeypatch.undo()  # the real planner: the dr stack must read the primary planned with the same overrides
    result = drctl(capsys, "readiness", "--stack", "dr", "--config", "cache.drMode=global", "--json", "-")
    doc = json.loads(result.stdout)
    assert result.returncode == 0 and doc["problems"] == []
    critical = doc["tiers"][0]
    assert (critical["rpo"]["verdict"], critical["rpo"]["computedSeconds"]) == ("OK", 300)
    assert [s["store"] for s in critical["stores"]] == ["database", "cache"]
    assert "Global Datastore secondary" in critical["stores"][1]["source"]
