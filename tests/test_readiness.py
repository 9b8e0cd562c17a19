"""Readiness (issue 13): each tier's RTO/RPO computed from the plans; the policy and the command agree.

Every case changes one thing and asserts which tier moves to BREACH, and that the cause is named. The policy
(tiers-within-objectives) runs on each of the three plans alone; the command on the three together: the tiers they
refuse are the same.
"""

from __future__ import annotations

import copy
import json

import pytest

from drctl.checking import check_plan, stack_resources
from drctl.engine import Plan
from policies import readiness as readiness_policy
from policies.recovery import BREACH, Readiness, assess, calibrated, load_figures, measurements, read_plan
from tests.helpers.planning import plan

FAILOVER = "failover=true"
VOLUMES_LOW = 'tiers={"Low": {"uses": {"experimentation-svc": ["database", "volumes"]}}}'
EVERY_THREE_HOURS = "velero.daily.schedule=0 */3 * * *"


def plans(*overrides: str) -> list[Plan]:
    return [plan("primary", *overrides), plan("dr", *overrides), plan("dr", *overrides, FAILOVER)]


def computed(given: list[Plan], figures=None) -> Readiness:
    figures = figures or load_figures()
    return assess([read_plan(stack_resources(p), figures) for p in given], figures)


def verdicts(r: Readiness) -> dict[str, str]:
    return {t.tier.name: t.verdict for t in r.tiers}


def policy_breaches(given: list[Plan]) -> dict[str, list[str]]:
    """Tier -> the policy's messages, over the three plans each checked alone."""
    found: dict[str, list[str]] = {}
    for p in given:
        for v in check_plan(p, [readiness_policy.tiers_within_objectives]):
            tier = v.message.split(":")[0].removeprefix("tier ")
            found.setdefault(tier, []).append(v.message)
    return found


def test_the_declared_stacks_keep_every_promise_or_an_accepted_exception():
    r = computed(plans())
    assert r.problems == []
    assert verdicts(r) == {"Critical": "ACCEPTED", "High": "OK", "Medium": "OK", "Low": "OK"}
    critical = r.tiers[0]
    # The runbook's contradictions, named: the warm cache loses its data, and 30 min cannot hold detection + L1 declaration + promotion.
    assert (critical.rpo.verdict, critical.rpo.cause, critical.rpo.computed) == ("ACCEPTED", "cache", None)
    assert (critical.rto.verdict, critical.rto.cause, critical.rto.computed) == ("ACCEPTED", "declare", 39.5 * 60)
    assert [s.lane for s in critical.path] == ["detect", "declare", "preflight", "promote", "restore Critical", "verify Critical"]
    high = r.tiers[1]
    assert (high.rpo.computed, high.rpo.cause, high.rpo.margin) == (15 * 60, "assets", 0)
    assert high.rto.computed == 42 * 60
    assert policy_breaches(plans()) == {}


def test_the_database_rpo_is_the_lag_alarm_threshold_plus_its_detection():
    r = computed(plans())
    [database] = [s for s in r.tiers[2].stores if s.store == "database"]
    assert database.seconds == 60 + 240 and "dr-alarms-database-replica-lag" in database.source


CASES = {
    # case: (overrides, baseline overrides, the tier that moves to BREACH, the objective, the named cause)
    "rtc-off": (["storage.replicationTimeControl=false"], [], "High", "rpo", "assets"),
    "velero-schedule-lengthened": ([VOLUMES_LOW, "velero.daily.schedule=0 */6 * * *"], [VOLUMES_LOW, EVERY_THREE_HOURS], "Low", "rpo", "volumes"),
    "replica-lag-threshold-raised": (["detection.replicaLagThresholdSeconds=120"], [], "Critical", "rpo", "database"),
    "detection-slowed": (["detection.canaryRateMinutes=5"], [], "Critical", "rto", "declare"),
    "critical-service-with-volumes": (['tiers={"Critical": {"services": ["auth-svc", "api-gateway", "billing-svc", "session-store"], '
                                       '"uses": {"session-store": ["volumes"]}}}'], [], "Critical", "rpo", "volumes"),
}


@pytest.mark.parametrize("case", CASES)
def test_one_change_moves_exactly_the_expected_tier_to_breach_naming_the_cause(case):
    overrides, baseline, tier, objective, cause = CASES[case]
    before = computed(plans(*baseline))
    assert BREACH not in verdicts(before).values(), verdicts(before)
    after = computed(plans(*overrides))
    assert [t.tier.name for t in after.breaches] == [tier]
    [broken] = after.breaches
    assert getattr(broken, objective).verdict == BREACH and getattr(broken, objective).cause == cause
    others = {name: v for name, v in verdicts(after).items() if name != tier}
    assert others == {name: v for name, v in verdicts(before).items() if name != tier}


@pytest.mark.parametrize("case", CASES)
def test_the_policy_and_the_command_agree(case):
    overrides, baseline, tier, objective, cause = CASES[case]
    for given in (baseline, overrides):
        command = sorted(t.tier.name for t in computed(plans(*given)).breaches)
        policy = policy_breaches(plans(*given))
        assert sorted(policy) == command
    messages = policy_breaches(plans(*overrides))[tier]
    assert any(f"{objective.upper()} " in m and f" {cause}" in m for m in messages), messages


def test_the_critical_path_follows_the_plans_dependencies():
    given = plans()
    failover = copy.deepcopy(given[2])
    high = next(r for r in failover.resources if r.name == "dr-failover-restores-high")
    critical = next(r for r in failover.resources if r.name == "dr-failover-restores-critical")
    assert critical.urn in high.depends_on
    high.depends_on = [d for d in high.depends_on if d != critical.urn]
    before, after = computed(given), computed([given[0], given[1], failover])
    assert after.tiers[1].rto.computed < before.tiers[1].rto.computed
    assert "restore Critical" in [s.lane for s in before.tiers[1].path]
    assert "restore Critical" not in [s.lane for s in after.tiers[1].path]
    assert after.tiers[0].rto.computed == before.tiers[0].rto.computed


def drill_record(**steps: tuple[str, float]) -> dict:
    return {"schema": "aivo-dr/drill@1", "scenario": "region-failover", "startedAt": "2026-01-05T10:00:00Z",
            "steps": [{"key": key, "status": status, "seconds": seconds} for key, (status, seconds) in steps.items()]}


def test_calibration_changes_the_figures_it_covers_and_no_others():
    figures = load_figures()
    record = drill_record(promote=("done", 1200.0), scale=("done", 90.0), velero=("confirmed", 1.0), detect=("confirmed", 0.5))
    measured = measurements([("drill.json", record)], figures)
    assert sorted(measured) == ["promote", "scale"]  # confirmed with --yes: no duration measured
    after = calibrated(figures, measured)
    for key in figures.steps:
        assert after.seconds(key) == (measured[key].seconds if key in measured else figures.seconds(key)), key
        assert after.is_measured(key) == (key in measured)
    base, cal = computed(plans()), computed(plans(), after)
    assert cal.tiers[0].rto.computed == base.tiers[0].rto.computed + 600  # promote 10 -> 20 min, on every tier's path
    assert [s.measured for s in cal.tiers[0].path if s.step == "promote"] == [True]
    assert all(not s.measured for s in cal.tiers[0].path if s.step != "promote")
    assert [t.rpo.computed for t in cal.tiers] == [t.rpo.computed for t in base.tiers]


def test_a_drill_of_another_scenario_is_refused():
    from policies.recovery.figures import DrillRecordError

    with pytest.raises(DrillRecordError, match="region-failover"):
        measurements([("pitr.json", {**drill_record(), "scenario": "database-pitr"})], load_figures())


def test_the_objectives_travel_in_the_plan_the_same_in_standby_and_failover():
    def document(p: Plan) -> dict:
        [config_map] = [r for r in p.resources if r.name.endswith("objectives-config")]
        return json.loads(config_map.inputs["data"]["objectives.json"])

    standby, failover = document(plan("dr")), document(plan("dr", FAILOVER))
    assert standby == failover == document(plan("primary"))
    assert [t["name"] for t in standby["tiers"]] == ["Critical", "High", "Medium", "Low"]
    assert standby["tiers"][0]["services"]["auth-svc"] == ["database", "cache"]
    assert standby["declaration"]["seconds"] == 15 * 60


def test_every_restore_names_its_tier_and_every_schedule_its_interval():
    restores = [r for r in plan("dr", FAILOVER).resources if r.type == "kubernetes:velero.io/v1:Restore"]
    assert sorted(r.inputs["metadata"]["annotations"]["aivo.edu/tier"] for r in restores) == ["Critical", "High", "Low", "Medium"]
    intervals = {r.inputs["metadata"]["name"]: r.inputs["metadata"]["annotations"]["aivo.edu/max-interval-seconds"]
                 for r in plan("primary").resources if r.type == "kubernetes:velero.io/v1:Schedule"}
    assert intervals == {"aivo-daily": "86400", "aivo-weekly": "604800"}


def test_every_step_the_model_takes_is_a_change_of_the_flip():
    from drctl.diffing import diff_plans
    from policies.recovery.facts import read_plan as facts_of

    given = plans()
    changed = {c.urn for c in diff_plans(given[1], given[2]).changes}
    steps = [n for n in facts_of(stack_resources(given[2]), load_figures()).nodes.values() if n.step]
    assert sorted(n.step for n in steps) == ["cache", "cdn", "dns", "dns", "dns", "dns", "promote", "restore", "restore", "restore", "restore", "scale"]
    assert all(n.urn in changed for n in steps)


def test_the_step_causes_of_the_settings_are_the_models():
    from stacks.settings.readiness import RPO_CAUSES, RTO_CAUSES

    figures = load_figures()
    assert set(RTO_CAUSES) == {"detect", "declare", "verify", "preflight", "promote", "scale", "cache", "restore", "dns"}
    assert {"preflight", "promote", "scale", "restore", "verify"} <= set(figures.steps)
    assert RPO_CAUSES == ("database", "cache", "assets", "volumes")
    for key, spec in figures.steps.items():
        assert spec["source"] and spec["title"], key


def test_the_other_recovery_points_are_shown_but_not_judged():
    from policies.recovery.facts import aws_backup_interval

    r = computed(plans())
    assert [(f.store, f.seconds) for f in r.fallbacks] == [("database", 7 * 86400), ("database", 300)]
    assert "cron(0 2 ? * SUN *)" in r.fallbacks[0].source
    assert [aws_backup_interval(s) for s in ("cron(0 2 ? * SUN *)", "cron(30 3 * * ? *)", "rate(12 hours)", "cron(0 2 1 * ? *)")] == [
        7 * 86400, 86400, 12 * 3600, None]


def test_a_drills_velero_restore_is_shared_among_the_tiers_by_their_services():
    figures = load_figures()
    measured = measurements([("drill.json", drill_record(velero=("done", 1000.0)))], figures)
    r = computed(plans(), calibrated(figures, measured))
    restores = {s.tier: s.seconds for s in r.lanes if s.step == "restore"}
    assert restores == {"Critical": 300.0, "High": 300.0, "Medium": 200.0, "Low": 200.0}  # 3, 3, 2, 2 of 10 services
