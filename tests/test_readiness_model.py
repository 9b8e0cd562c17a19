"""policies/recovery/model.py: the verdicts, critical paths and the readiness document for the plans with one thing
changed that the project's own stacks never show (no detection, a tier nothing restores, a step waiting on the edge,
a stateless tier, observed lags, measured human steps), and how the policy words them."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from drctl.checking import check_plan, stack_resources
from drctl.engine import Plan
from policies import readiness as readiness_policy
from policies.recovery import ACCEPTED, BREACH, OK, Readiness, assess, calibrated, document, load_figures, read_plan
from policies.recovery.facts import StoreRpo
from policies.recovery.figures import Measurement
from policies.recovery.model import fmt
from tests.helpers.planning import plan

FAILOVER = "failover=true"


@cache
def base() -> tuple[Plan, Plan, Plan]:
    return plan("primary"), plan("dr"), plan("dr", FAILOVER)


def computed(given: list[Plan], figures=None, observed=None) -> Readiness:
    figures = figures or load_figures()
    return assess([read_plan(stack_resources(p), figures) for p in given], figures, observed)


def changed(p: Plan, name: str, change: Callable[[dict[str, Any]], Any]) -> Plan:
    copied = copy.deepcopy(p)
    change(next(r for r in copied.resources if r.name == name).inputs)
    return copied


def objectives_changed(p: Plan, change: Callable[[dict[str, Any]], Any]) -> Plan:
    name = next(r.name for r in p.resources if r.name.endswith("objectives-config"))

    def edit(inputs: dict[str, Any]) -> None:
        doc = json.loads(inputs["data"]["objectives.json"])
        change(doc)
        inputs["data"]["objectives.json"] = json.dumps(doc)

    return changed(p, name, edit)


def messages(p: Plan, config: dict[str, Any] | None = None) -> list[str]:
    return [v.message for v in check_plan(p, [readiness_policy.tiers_within_objectives], config or {})]


@pytest.mark.parametrize(("seconds", "shown"), [
    (None, "unbounded"), (0, "0 s"), (59.4, "59 s"), (60, "1 min"), (90, "1.5 min"), (3599, "60 min"), (3600, "1 h"), (3660, "1 h 1 min"),
    (7170, "2 h"), (5400, "1 h 30 min"),
])
def test_durations_are_shown_in_seconds_minutes_or_hours(seconds, shown):
    assert fmt(seconds) == shown


def test_one_standby_plan_assesses_only_the_stores_it_replicates():
    primary, dr, _ = base()
    alone = computed([dr])
    assert (alone.lanes, alone.notes, alone.detection) == ([], [], (None, ""))
    rto = alone.tiers[0].rto
    assert (rto.target, rto.computed, rto.assessed, rto.verdict, rto.cause, rto.detail) == (1800, None, False, OK, None, "no failover plan given")
    high = alone.tiers[1].rpo
    assert (high.computed, high.assessed, high.verdict, high.cause, high.kind) == (300.0, True, OK, "database", "notice")
    assert high.detail.endswith("; not assessed here: assets") and high.detail.startswith("database: 5 min [notice] (time to notice")
    critical = computed([primary]).tiers[0].rpo
    assert (critical.computed, critical.assessed, critical.verdict, critical.cause, critical.detail) == (
        None, False, OK, None, "not assessed here (database, cache: another stack's)")
    assert [t.verdict for t in computed([primary]).tiers] == [OK, OK, OK, OK]


def test_a_stateless_tier_has_no_data_to_lose():
    dr = objectives_changed(base()[1], lambda d: d["tiers"][3].update(services={"engagement-svc": [], "experimentation-svc": []}))
    low = computed([dr]).tiers[3]
    assert (low.rpo.computed, low.rpo.assessed, low.rpo.verdict, low.rpo.cause, low.rpo.detail, low.rpo.kind, low.stores) == (
        0.0, True, OK, None, "stateless: no data to lose", "bound", ())


def test_a_store_an_exception_does_not_cover_breaks_the_tier_and_is_named_first():
    def no_exceptions(doc: dict[str, Any]) -> None:
        doc["exceptions"] = []

    critical = computed([objectives_changed(base()[1], no_exceptions)]).tiers[0]
    assert (critical.rpo.verdict, critical.rpo.cause, critical.rpo.computed, critical.rpo.accepted, critical.rpo.kind) == (
        BREACH, "cache", None, (), "lost")
    assert critical.verdict == BREACH
    lag = changed(base()[1], "dr-alarms-database-replica-lag", lambda i: i.update(threshold=120))
    critical = computed([lag]).tiers[0]
    # the cache's loss is accepted, the database's lag is not: the database is the cause
    assert (critical.rpo.verdict, critical.rpo.cause, critical.rpo.computed) == (BREACH, "database", None)
    assert len(critical.rpo.accepted) == 1 and critical.rpo.accepted[0].startswith("the warm-standby cache")
    assert computed([base()[1]]).tiers[0].rpo.verdict == ACCEPTED


def test_an_exception_up_to_a_bound_is_shown_and_stops_covering_past_it():
    critical = computed(list(base())).tiers[0]
    assert critical.rto.accepted[0].endswith(" (accepted up to 55 min)") and critical.rto.margin == 1800 - 3231
    exactly = objectives_changed(base()[2], lambda d: d["exceptions"][1].update(upToSeconds=3231))
    assert computed([exactly]).tiers[0].rto.verdict == ACCEPTED
    below = objectives_changed(base()[2], lambda d: d["exceptions"][1].update(upToSeconds=3230))
    assert (computed([below]).tiers[0].rto.verdict, computed([below]).tiers[0].rto.accepted) == (BREACH, ())
    unbounded = objectives_changed(base()[2], lambda d: d["exceptions"][1].update(upToSeconds=None, upTo=None))
    rto = computed([unbounded]).tiers[0].rto
    assert rto.verdict == ACCEPTED and rto.accepted == (computed([unbounded]).objectives.exceptions[1].reason,)  # type: ignore[union-attr]


def test_without_detection_every_tier_breaks_its_rto_at_detect():
    _, dr, failover = base()
    blind = changed(failover, "dr-alarms-ingress-health", lambda i: i["tags"].update(store="capacity"))
    r = computed([blind])
    assert r.lanes == [] and r.detection == (None, "no alarm in us-west-2 watches the ingress: nothing pages on the outage")
    for tier in r.tiers:
        assert (tier.rto.computed, tier.rto.assessed, tier.rto.verdict, tier.rto.cause, tier.rto.detail, tier.path) == (
            None, True, BREACH, "detect", "no alarm in us-west-2 watches the ingress: nothing pages on the outage", ())
    assert messages(blind)[0] == ("tier Critical: RTO p95 unbounded (p50 unbounded, None) against its 30 min (BREACH: step detect): "
                                  "no alarm in us-west-2 watches the ingress: nothing pages on the outage")
    assert len(messages(blind)) == 4


def test_a_tier_the_failover_does_not_restore_never_recovers():
    failover = copy.deepcopy(base()[2])
    failover.resources = [r for r in failover.resources if r.name != "dr-failover-restores-low"]
    r = computed([failover])
    low = r.tiers[3]
    assert [(m.mode, m.p50, m.p95, m.cause, m.detail) for m in low.rto.modes] == [
        (mode, None, None, "restore", "the failover restores nothing of the Low tier") for mode in ("normal", "impaired")]
    assert (low.rto.verdict, low.rto.computed, low.rto.cause, low.rto.mode) == (BREACH, None, "restore", "normal")
    assert low.rto.detail == "normal: the failover restores nothing of the Low tier"
    assert [s.lane for s in r.lanes if s.step == "verify"] == ["verify Critical", "verify High", "verify Medium"]


def test_a_step_waiting_on_the_edge_never_finishes_with_us_east_1_impaired():
    failover = copy.deepcopy(base()[2])
    record = next(r for r in failover.resources if r.name == "edge-dns-api-primary")
    next(r for r in failover.resources if r.name == "dr-failover-restores-medium").depends_on.append(record.urn)
    medium = computed([failover]).tiers[2]
    normal, impaired = medium.rto.modes
    assert normal.p95 is not None and (impaired.p50, impaired.p95, impaired.cause) == (None, None, "dns")
    assert impaired.detail == ("waits on a step that fails with us-east-1's control planes (edge-cdn-distribution, edge-dns-api-primary, "
                               "edge-dns-api-secondary, edge-dns-app-primary, edge-dns-app-secondary): it never finishes; nothing regional may "
                               "depend on the edge")
    assert (medium.rto.verdict, medium.rto.computed, medium.rto.mode, medium.rto.cause) == (BREACH, None, "impaired", "dns")


def test_a_promotion_that_waits_for_the_replicas_backup_says_how_long():
    figures = load_figures()
    steps = {**figures.steps, "replica-backup": {**figures.steps["replica-backup"], "p50": 86400, "p95": 86400}}
    always = type(figures)(steps=steps, rpo=figures.rpo, drill_only=figures.drill_only)
    critical = computed(list(base()), always).tiers[0]
    assert re.search(r" \(the promotion waited [0-9.]+ (h|min)( [0-9]+ min)? for the replica's backup\)$", critical.rto.detail), critical.rto.detail
    assert "waited" not in computed(list(base())).tiers[0].rto.detail


def test_plans_that_declare_different_objectives_are_a_problem():
    primary, dr, failover = base()
    other = objectives_changed(dr, lambda d: d["tiers"][0].update(rtoSeconds=900))
    assert computed([primary, other, failover]).problems == [
        "the plans declare different objectives (aivo-dr-objectives): plan them from the same settings"]
    assert document(computed([primary, other, failover]))["passed"] is False


def test_no_objectives_no_readiness():
    failover = copy.deepcopy(base()[2])
    failover.resources = [r for r in failover.resources if not r.name.endswith("objectives-config")]
    r = computed([failover])
    assert (r.objectives, r.tiers, r.problems) == (None, [], [])
    doc = document(r)
    assert (doc["passed"], doc["tiers"], doc["declaration"], doc["exceptions"], doc["detection"]) == (
        True, [], None, [], {"seconds": None, "source": ""})
    assert set(doc["figures"]) == set(load_figures().steps) - {"declare", "health-check-failover"}


def test_an_observed_lag_replaces_a_time_to_notice_and_stands_beside_a_bound():
    observed = {"database": StoreRpo("database", 12.0, "observed p99 ReplicaLag 12 s", kind="observed"),
                "assets": StoreRpo("assets", 30.0, "observed replication latency 30 s", kind="observed"),
                "search": StoreRpo("search", 1.0, "not a store of these plans", kind="observed")}
    r = computed(list(base()), observed=observed)
    high = r.tiers[1]
    database, assets = high.stores
    assert (database.seconds, database.kind) == (12.0, "observed")
    assert database.source.startswith("observed p99 ReplicaLag 12 s (replaces: time to notice, not a bound: replica aivo-production-postgres-dr")
    assert (assets.seconds, assets.kind) == (900.0, "bound")
    assert assets.source.endswith("; observed replication latency 30 s") and assets.source.startswith("aivo-production-assets replicates with RTC")
    assert all(s.store != "search" for t in r.tiers for s in t.stores)


def test_measured_detection_and_declaration_replace_the_alarm_and_the_bound():
    figures = calibrated(load_figures(), {"detect": Measurement(200.0, "d"), "declare": Measurement(300.0, "d")})
    r = computed(list(base()), figures)
    human = [(s.lane, s.start, s.end, s.p50, s.p95, s.measured, s.pending) for s in r.tiers[0].path[:2]]
    assert human[0] == ("detect", 0.0, 200.0, 200.0, 200.0, True, False)
    assert human[1][:2] == ("declare", 200.0) and human[1][3:] == (300.0, 600.0, True, False)
    assert [(s.lane, s.p50, s.p95, s.measured) for s in r.lanes[:2]] == [("detect", 200.0, 200.0, True), ("declare", 300.0, 600.0, True)]


def test_a_restore_that_needs_no_promotion_for_two_services_is_named_in_the_plural():
    failover = objectives_changed(base()[2], lambda d: d["tiers"][0]["services"].update({"status-page": []}))
    assert computed([failover]).notes == [
        "restore Critical waits for the promotion through the plan's dependencies, though api-gateway, status-page use no database"]
    every = objectives_changed(base()[2], lambda d: [t.update(services={s: ["database"] for s in t["services"]}) for t in d["tiers"]])
    assert computed([every]).notes == []


def test_the_document_of_the_declared_stacks():
    r = computed(list(base()))
    doc = document(r)
    assert (doc["schema"], doc["passed"], doc["verdictAt"]) == ("aivo-dr/readiness@2", True, "p95")
    assert doc["modes"] == {"normal": "normal", "impaired": "us-east-1 control planes impaired"}
    assert doc["samples"] == {"trials": 4000, "seed": 20, "family": "lognormal fitted to each figure's p50 and p95"}
    assert doc["detection"] == {"seconds": 300, "source": r.detection[1]}
    assert doc["declaration"] == {"seconds": 900, "source": r.objectives.declaration_source}  # type: ignore[union-attr]
    assert [(e["tier"], e["objective"], e["cause"], e["upTo"]) for e in doc["exceptions"]] == [
        ("Critical", "rpo", "cache", None), ("Critical", "rto", "promote", "55 min")]
    assert doc["exceptions"][1]["reason"] == r.objectives.exceptions[1].reason  # type: ignore[union-attr]
    assert doc["fallbacks"] == [{"store": f.store, "seconds": f.seconds, "source": f.source} for f in r.fallbacks]
    assert doc["notes"] == r.notes and doc["problems"] == []
    high = doc["tiers"][1]
    assert (high["tier"], high["verdict"]) == ("High", "OK")
    assert high["rpo"] == {"targetSeconds": 900, "computedSeconds": 900.0, "p50Seconds": None, "marginSeconds": 0.0, "assessed": True,
                           "verdict": "OK", "cause": "assets", "detail": r.tiers[1].rpo.detail, "acceptedBecause": [], "kind": "bound"}
    rto = high["rto"]
    assert {k: rto[k] for k in ("targetSeconds", "computedSeconds", "p50Seconds", "marginSeconds", "assessed", "verdict", "cause", "mode")} == {
        "targetSeconds": 3600, "computedSeconds": 3479, "p50Seconds": 2249, "marginSeconds": 121, "assessed": True, "verdict": "OK",
        "cause": "promote", "mode": "impaired"}
    assert rto["modes"] == [{"mode": m.mode, "p50Seconds": m.p50, "p95Seconds": m.p95, "cause": m.cause, "detail": m.detail}
                            for m in r.tiers[1].rto.modes]
    assert "kind" not in rto and doc["tiers"][0]["rto"]["acceptedBecause"] == list(r.tiers[0].rto.accepted)
    assert high["stores"] == [{"store": s.store, "seconds": s.seconds, "kind": s.kind, "lost": s.lost, "source": s.source} for s in r.tiers[1].stores]
    assert high["criticalPath"][0] == {"step": "detect", "lane": "detect", "startSeconds": 0.0, "endSeconds": 300.0, "endP95Seconds": None,
                                       "p50Seconds": 300.0, "p95Seconds": 300.0, "measured": False, "calibrationPending": False}
    assert [s["lane"] for s in doc["timeline"]] == [s.lane for s in r.lanes]
    assert doc["timeline"][1] == {"step": "declare", "lane": "declare", "startSeconds": 300.0, "endSeconds": 747.0, "endP95Seconds": 1208.0,
                                  "p50Seconds": 450.0, "p95Seconds": 900.0, "measured": False, "calibrationPending": True}
    assert doc["figures"]["promote"] == {"p50Seconds": 420.0, "p95Seconds": 1200.0, "measured": False, "calibrationPending": False,
                                         "source": load_figures().source("promote")}
    assert "declare" not in doc["figures"] and "health-check-failover" not in doc["figures"]
    unassessed = document(computed([base()[0]]))["tiers"][0]["rto"]
    assert "modes" not in unassessed and "mode" not in unassessed and "kind" not in unassessed


def test_the_timeline_has_one_lane_per_step_and_a_verify_per_tier():
    r = computed(list(base()))
    assert [(s.lane, s.step, s.start, s.end, s.end95, s.p50, s.p95, s.tier, s.measured, s.pending) for s in r.lanes] == [
        ("detect", "detect", 0.0, 300.0, 300.0, 300.0, 300.0, None, False, False),
        ("declare", "declare", 300.0, 747.0, 1208.0, 450.0, 900.0, None, False, True),
        ("preflight", "preflight", 747.0, 1080.0, 1602.0, 300.0, 600.0, None, False, True),
        ("promote", "promote", 1080.0, 1564.0, 2508.0, 430.0, 1246.0, None, False, False),
        ("scale", "scale", 1080.0, 1346.0, 1899.0, 240.0, 480.0, None, False, True),
        ("cache", "cache", 1080.0, 1741.0, 3076.0, 600.0, 1800.0, None, False, True),
        ("restore Critical", "restore", 1594.0, 1797.0, 2807.0, 146.0, 557.0, "Critical", False, True),
        ("restore High", "restore", 1797.0, 1975.0, 3194.0, 146.0, 557.0, "High", False, True),
        ("restore Medium", "restore", 1975.0, 2117.0, 3573.0, 122.0, 459.0, "Medium", False, True),
        ("restore Low", "restore", 2117.0, 2251.0, 3974.0, 122.0, 459.0, "Low", False, True),
        ("dns", "dns", 1080.0, 1175.0, 1690.0, 90.0, 122.0, None, False, False),
        ("cdn", "cdn", 1080.0, 1093.0, 1613.0, 10.0, 30.0, None, False, True),
        ("verify Critical", "verify", 1994.0, 2062.0, 3141.0, 60.0, 119.0, "Critical", False, True),
        ("verify High", "verify", 2175.0, 2240.0, 3476.0, 60.0, 119.0, "High", False, True),
        ("verify Medium", "verify", 2315.0, 2378.0, 3854.0, 60.0, 119.0, "Medium", False, True),
        ("verify Low", "verify", 2453.0, 2516.0, 4257.0, 60.0, 119.0, "Low", False, True)]
    assert [s.seconds for s in r.lanes[:2]] == [300.0, 447.0]


def test_the_policy_reports_what_it_cannot_read():
    p = changed(base()[1], "dr-objectives-config", lambda i: i["data"].update({"objectives.json": "{}"}))
    assert messages(p) == ["readiness cannot be computed: dr-objectives-config: the objectives document is not aivo-dr/objectives@1 (None)"]


def test_the_policy_names_a_lost_store_and_a_short_rpo_margin():
    def no_exceptions(doc: dict[str, Any]) -> None:
        doc["exceptions"] = []

    [message] = messages(objectives_changed(base()[1], no_exceptions))
    assert message.startswith("tier Critical: RPO lost against its 5 min (BREACH: data store cache): database: 5 min [notice] ")
    found = messages(base()[0], {"tiers-within-objectives": {"minimumMarginSeconds": 1}})
    assert [m.split(": assets")[0] for m in found] == ["tier High: RPO 15 min against its 15 min (BREACH: data store assets, margin under 1 s)"]
    assert messages(base()[0], {"tiers-within-objectives": {"minimumMarginSeconds": 0}}) == []
    # an accepted objective needs no margin: the Critical RPO (the cache's loss accepted) has none
    assert messages(base()[1], {"tiers-within-objectives": {"minimumMarginSeconds": 1}}) == []


@pytest.mark.parametrize(("p50", "p95", "fixed"), [(0, 0, 0.0), (0, 90, 90.0), (-5, -1, 0.0), (300, 300, 300.0), (420, 60, 420.0)])
def test_a_figure_without_a_spread_is_a_fixed_duration_exactly(p50, p95, fixed):
    import numpy as np

    from policies.recovery.distribution import lognormal

    assert (lognormal(p50, p95, np.random.default_rng(1), 50) == fixed).all()


def test_a_figure_with_a_spread_keeps_its_median_and_p95():
    import numpy as np

    from policies.recovery.distribution import lognormal, quantiles

    for p50, p95 in ((1, 10), (0.5, 3), (300, 600)):
        samples = lognormal(p50, p95, np.random.default_rng(7), 200_000)
        assert np.percentile(samples, 50) == pytest.approx(p50, rel=0.02) and np.percentile(samples, 95) == pytest.approx(p95, rel=0.02)
    assert quantiles(np.array([1.4, 2.6, 3.0, 9.7])) == (3.0, 9.0)


def test_objectives_without_health_checks_assume_route53s_defaults():
    # requestInterval 30 s x failureThreshold 3 (Route53's defaults) instead of the declared 10 s x 3: traffic 60 s later
    failover = objectives_changed(base()[2], lambda d: d.pop("healthCheck"))
    critical = computed([failover]).tiers[0]
    assert [(m.mode, m.p50, m.p95) for m in critical.rto.modes] == [("normal", 2062, 3141), ("impaired", 2152 + 60, 3231 + 60)]
    assert [(s.lane, s.p50, s.p95) for s in critical.path if s.lane == "health checks + TTL"] == [("health checks + TTL", 150.0, 150.0)]


@pytest.mark.parametrize(("target", "verdict"), [(3479, OK), (3478, BREACH)])
def test_an_rto_exactly_at_its_objective_is_kept(target, verdict):
    failover = objectives_changed(base()[2], lambda d: d["tiers"][1].update(rtoSeconds=target))
    high = computed([failover]).tiers[1]
    assert (high.rto.computed, high.rto.verdict, high.rto.margin) == (3479, verdict, target - 3479)


@pytest.mark.parametrize(("up_to", "verdict"), [(None, ACCEPTED), (86400, BREACH)])
def test_an_exception_up_to_a_bound_never_covers_a_tier_that_never_finishes(up_to, verdict):
    def excepted(doc: dict[str, Any]) -> None:
        doc["exceptions"].append({"tier": "Medium", "objective": "rto", "cause": "dns", "upToSeconds": up_to, "upTo": up_to and "1 day",
                                  "reason": "the edge is accepted"})

    failover = objectives_changed(base()[2], excepted)
    record = next(r for r in failover.resources if r.name == "edge-dns-api-primary")
    next(r for r in failover.resources if r.name == "dr-failover-restores-medium").depends_on.append(record.urn)
    medium = computed([failover]).tiers[2]
    assert (medium.rto.computed, medium.rto.cause, medium.rto.verdict) == (None, "dns", verdict)


def test_a_promotion_that_waits_for_no_backup_is_its_figure_exactly_on_the_path():
    failover = changed(base()[2], "dr-database-instance", lambda i: i.update(backupRetentionPeriod=0))
    critical = computed([failover]).tiers[0]
    assert [(s.lane, s.p50, s.p95, s.measured, s.pending) for s in critical.path if s.step in ("promote", "restore")] == [
        ("promote", 420.0, 1200.0, False, False), ("restore Critical", 146.0, 557.0, False, True)]
    assert "promote 7 min/20 min > restore Critical 2.4 min/9.3 min" in critical.rto.detail


def test_the_critical_path_says_which_figures_wait_for_a_drill():
    r = computed(list(base()))
    assert [(s.lane, s.step, s.tier, s.measured, s.pending) for s in r.tiers[0].path] == [
        ("detect", "detect", None, False, False), ("declare", "declare", None, False, True), ("preflight", "preflight", None, False, True),
        ("promote", "promote", None, False, False), ("restore Critical", "restore", "Critical", False, True),
        ("image-pull Critical", "pods", "Critical", False, True), ("pod-ready Critical", "pods", "Critical", False, True),
        ("lb-registration Critical", "lb", "Critical", False, False), ("health checks + TTL", "dns", "Critical", False, False),
        ("verify Critical", "verify", "Critical", False, True)]
    checks = document(r)["tiers"][0]["criticalPath"][8]
    assert (checks["lane"], checks["p50Seconds"], checks["p95Seconds"], checks["calibrationPending"], checks["measured"]) == (
        "health checks + TTL", 90.0, 90.0, False, False)


def test_an_rpo_past_its_objective_shows_how_far():
    dr = objectives_changed(base()[1], lambda d: d["tiers"][1].update(rpoSeconds=299, rpo="4 min 59 s"))
    high = computed([dr]).tiers[1]
    assert (high.rpo.computed, high.rpo.verdict, high.rpo.cause, high.rpo.margin, high.rpo.kind) == (300.0, BREACH, "database", -1.0, "notice")
    assert messages(dr)[0].startswith("tier High: RPO 5 min against its 4 min 59 s (BREACH: data store database): database: 5 min [notice]")
