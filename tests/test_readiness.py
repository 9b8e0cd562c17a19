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


def modes(r: Readiness) -> dict[str, list[tuple[str, float | None, float | None]]]:
    return {t.tier.name: [(m.mode, m.p50, m.p95) for m in t.rto.modes] for t in r.tiers}


def test_the_declared_stacks_keep_every_promise_at_p95_or_an_accepted_exception():
    r = computed(plans())
    assert r.problems == []
    assert verdicts(r) == {"Critical": "ACCEPTED", "High": "OK", "Medium": "OK", "Low": "OK"}
    # p50 and p95 per tier, in both modes, from the model's figures (4000 trials, seed 20): the verdict is the worse p95.
    assert modes(r) == {
        "Critical": [("normal", 2062, 3141), ("impaired", 2152, 3231)],
        "High": [("normal", 2240, 3476), ("impaired", 2249, 3479)],
        "Medium": [("normal", 2378, 3854), ("impaired", 2378, 3854)],
        "Low": [("normal", 2516, 4257), ("impaired", 2516, 4257)],
    }
    critical = r.tiers[0]
    # The runbook's contradictions, named: the warm cache loses its data, and 30 min cannot hold detection, the L1
    # declaration and a promotion at p95.
    assert (critical.rpo.verdict, critical.rpo.cause, critical.rpo.computed) == ("ACCEPTED", "cache", None)
    assert (critical.rto.verdict, critical.rto.cause, critical.rto.computed, critical.rto.p50, critical.rto.mode) == (
        "ACCEPTED", "promote", 3231, 2152, "impaired")
    assert [s.lane for s in critical.path] == ["detect", "declare", "preflight", "promote", "restore Critical", "image-pull Critical",
                                               "pod-ready Critical", "lb-registration Critical", "health checks + TTL", "verify Critical"]
    assert [(s.p50, s.p95) for s in critical.path if s.step in ("detect", "declare", "preflight")] == [(300, 300), (450, 900), (300, 600)]
    high = r.tiers[1]
    assert (high.rpo.computed, high.rpo.cause, high.rpo.margin, high.rpo.kind) == (15 * 60, "assets", 0, "bound")
    assert (high.rto.computed, high.rto.margin) == (3479, 3600 - 3479)
    assert policy_breaches(plans()) == {}


def test_the_impaired_mode_is_never_better_and_moves_traffic_by_the_health_checks_read_from_the_plan():
    r = computed(plans())
    for name, ((_, n50, n95), (_, i50, i95)) in modes(r).items():
        assert i50 >= n50 and i95 >= n95, name
    slower = computed(plans("dns.healthCheck.requestInterval=30"))
    # 30 s instead of 10 s, x 3 failures: the Critical tier's traffic (the first through the health checks) 60 s later.
    assert modes(slower)["Critical"] == [("normal", 2062, 3141), ("impaired", 2152 + 60, 3231 + 60)]
    assert [m[:1] + m[1:] for m in modes(slower)["Critical"]][0] == modes(r)["Critical"][0]


def test_every_step_has_p50_and_p95_and_a_source_or_says_it_has_none():
    figures = load_figures()
    for key, spec in figures.steps.items():
        source = str(spec["source"])
        assert source.startswith("none — calibrate with a drill") or "Guide" in source or "read off the plan" in source, key
        if key != "declare":
            p50, p95 = figures.quantiles(key)
            assert 0 <= p50 <= p95, key
    assert figures.is_calibration_pending("restore") and not figures.is_calibration_pending("promote")


def zeroed(figures, *keys: str):
    steps = {k: ({**v, "p50": 0, "p95": 0} if k in keys else v) for k, v in figures.steps.items()}
    return type(figures)(steps=steps, rpo=figures.rpo, drill_only=figures.drill_only)


MISSING_STEPS = {
    # the step left out: the tiers whose p95 it moves (every tier's pods run on new nodes and register with the load
    # balancer; the promotion, and with it the replica's backup, is on every tier's path through the Critical restore)
    "image-pull": ["Critical", "High", "Medium", "Low"],
    "lb-registration": ["Critical", "High", "Medium", "Low"],
    "replica-backup": ["Critical", "High", "Medium", "Low"],
    "cache-resize": [],  # online resizing keeps serving: no tier waits for it
}


@pytest.mark.parametrize("step", MISSING_STEPS)
def test_each_added_step_moves_exactly_the_tiers_that_wait_for_it(step):
    figures = load_figures()
    base, without = computed(plans(), figures), computed(plans(), zeroed(figures, step))
    moved = [t.tier.name for t, w in zip(base.tiers, without.tiers, strict=True) if w.rto.computed != t.rto.computed]
    assert moved == MISSING_STEPS[step]
    assert all(w.rto.computed <= t.rto.computed for t, w in zip(base.tiers, without.tiers, strict=True))


def test_a_replica_that_keeps_no_backups_never_waits_for_one():
    given = plans()
    failover = copy.deepcopy(given[2])
    next(r for r in failover.resources if r.name == "dr-database-instance").inputs["backupRetentionPeriod"] = 0
    figures = load_figures()
    assert modes(computed([given[0], given[1], failover])) == modes(computed(given, zeroed(figures, "replica-backup")))


def test_a_restore_that_waits_for_the_promotion_without_needing_the_database_is_named():
    assert computed(plans()).notes == [
        "restore Critical waits for the promotion through the plan's dependencies, though api-gateway uses no database"]


def test_the_database_rpo_is_the_lag_alarm_threshold_plus_its_detection():
    r = computed(plans())
    [database] = [s for s in r.tiers[2].stores if s.store == "database"]
    assert database.seconds == 60 + 240 and "dr-alarms-database-replica-lag" in database.source


CASES = {
    # case: (overrides, baseline overrides, {tier moved to BREACH: (objective, the named cause)})
    "rtc-off": (["storage.replicationTimeControl=false"], [], {"High": ("rpo", "assets")}),
    "velero-schedule-lengthened": ([VOLUMES_LOW, "velero.daily.schedule=0 */6 * * *"], [VOLUMES_LOW, EVERY_THREE_HOURS], {"Low": ("rpo", "volumes")}),
    "replica-lag-threshold-raised": (["detection.replicaLagThresholdSeconds=120"], [], {"Critical": ("rpo", "database")}),
    # At p95 High's margin is 2 min: slower detection breaks it too (Critical past its accepted 55 min).
    "detection-slowed": (["detection.canaryRateMinutes=5"], [], {"Critical": ("rto", "promote"), "High": ("rto", "promote")}),
    # A volume restore (1 h at p95) on the Critical path delays High's restore behind it.
    "critical-service-with-volumes": (['tiers={"Critical": {"services": ["auth-svc", "api-gateway", "billing-svc", "session-store"], '
                                       '"uses": {"session-store": ["volumes"]}}}'], [], {"Critical": ("rpo", "volumes"), "High": ("rto", "restore")}),
}


@pytest.mark.parametrize("case", CASES)
def test_one_change_moves_exactly_the_expected_tiers_to_breach_naming_the_cause(case):
    overrides, baseline, expected = CASES[case]
    before = computed(plans(*baseline))
    assert BREACH not in verdicts(before).values(), verdicts(before)
    after = computed(plans(*overrides))
    assert [t.tier.name for t in after.breaches] == list(expected)
    for broken in after.breaches:
        objective, cause = expected[broken.tier.name]
        assert getattr(broken, objective).verdict == BREACH and getattr(broken, objective).cause == cause
    others = {name: v for name, v in verdicts(after).items() if name not in expected}
    assert others == {name: v for name, v in verdicts(before).items() if name not in expected}


@pytest.mark.parametrize("case", CASES)
def test_the_policy_and_the_command_agree(case):
    overrides, baseline, expected = CASES[case]
    for given in (baseline, overrides):
        command = sorted(t.tier.name for t in computed(plans(*given)).breaches)
        policy = policy_breaches(plans(*given))
        assert sorted(policy) == command
    for tier, (objective, cause) in expected.items():
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
    normal = 0  # the normal mode (impaired, traffic may wait for the Critical tier's pods through the health checks)
    assert "restore Critical" in [s.lane for s in before.tiers[1].rto.modes[normal].path]
    assert "restore Critical" not in [s.lane for s in after.tiers[1].rto.modes[normal].path]
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
    # A drill sets the median; the estimate's spread (p95/p50) stays until drills measure it too.
    assert after.quantiles("promote") == (1200.0, 1200.0 * 1200 / 420) and after.quantiles("scale") == (90.0, 180.0)
    for key in figures.steps:
        if key not in measured and key != "declare":
            assert after.quantiles(key) == figures.quantiles(key), key
        assert after.is_measured(key) == (key in measured)
    base, cal = computed(plans()), computed(plans(), after)
    assert [(t.tier.name, t.rto.p50, t.rto.computed, t.rto.verdict) for t in cal.tiers] == [
        ("Critical", 2946, 5296, "BREACH"), ("High", 3052, 5489, "BREACH"), ("Medium", 3196, 5738, "OK"), ("Low", 3347, 6001, "OK")]
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
    assert set(RTO_CAUSES) == {"detect", "declare", "verify", "preflight", "promote", "scale", "cache", "restore", "pods", "lb", "dns"}
    assert {"preflight", "promote", "scale", "restore", "verify", "image-pull", "pod-ready", "lb-registration"} <= set(figures.steps)
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
    restores = {s.tier: (s.p50, s.p95) for s in r.lanes if s.step == "restore"}
    # 3, 3, 2, 2 of 10 services; the p95 keeps the estimate's spread (restore: 300/60)
    assert restores == {"Critical": (300.0, 1500.0), "High": (300.0, 1500.0), "Medium": (200.0, 1000.0), "Low": (200.0, 1000.0)}
