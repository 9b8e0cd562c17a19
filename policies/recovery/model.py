"""Readiness: each tier's achievable RTO and RPO from the plans, with a verdict, the cause and the critical path.

- RPO of a tier: the worst RPO of the data stores its services use (facts.read_stores), from standby plans.
- RTO of a tier: detection + declaration + pre-flight, then the failover `pulumi up` as the graph of the failover
  plan (each resource waits for its dependencies, property dependencies and provider; the flip's steps take their
  figure's time, the rest none), the tier ready when its restore, the capacity, the traffic (DNS) and the stores it
  uses are, then verified.
- A tier is OK with its margin, ACCEPTED (an exception with its reason covers what breaks it), or BREACH naming the
  step or the data store that breaks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .facts import Node, Objectives, PlanFacts, StoreRpo, TierObjectives
from .figures import Figures

OK, ACCEPTED, BREACH = "OK", "ACCEPTED", "BREACH"
HUMAN_STEPS = ("detect", "declare", "preflight")


@dataclass(frozen=True)
class Span:
    """One step of the failover on the timeline (seconds from the failure)."""

    lane: str
    step: str  # the cause it is named by: detect, declare, preflight, promote, scale, cache, restore, dns, cdn, verify
    start: float
    end: float
    measured: bool
    tier: str | None = None

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Objective:
    """One objective of one tier: computed against target."""

    target: int
    computed: float | None  # None: unbounded (or data lost)
    assessed: bool  # False when no plan given declares it (e.g. RPO of a store another stack replicates)
    verdict: str
    cause: str | None  # what breaks it (or dominates it, when OK)
    detail: str
    accepted: tuple[str, ...] = ()  # the reasons of the exceptions that cover it

    @property
    def margin(self) -> float | None:
        return None if self.computed is None else self.target - self.computed


@dataclass(frozen=True)
class TierReadiness:
    tier: TierObjectives
    rto: Objective
    rpo: Objective
    path: tuple[Span, ...]  # the RTO's critical path
    stores: tuple[StoreRpo, ...]

    @property
    def verdict(self) -> str:
        verdicts = {self.rto.verdict, self.rpo.verdict}
        return BREACH if BREACH in verdicts else ACCEPTED if ACCEPTED in verdicts else OK


@dataclass
class Readiness:
    objectives: Objectives | None
    tiers: list[TierReadiness] = field(default_factory=list)
    lanes: list[Span] = field(default_factory=list)  # every step of the failover, for the picture
    detection: tuple[int | None, str] = (None, "")
    problems: list[str] = field(default_factory=list)
    figures: Figures | None = None
    fallbacks: list[StoreRpo] = field(default_factory=list)  # recovery points a failover does not use, shown only

    @property
    def breaches(self) -> list[TierReadiness]:
        return [t for t in self.tiers if t.verdict == BREACH]


# ---- the graph -----------------------------------------------------------------------------------------------


def schedule(nodes: dict[str, Node], start: float) -> dict[str, tuple[float, float, str | None]]:
    """(start, end, the dependency that decided the start) of every node: as soon as every dependency has finished."""
    done: dict[str, tuple[float, float, str | None]] = {}
    for urn in nodes:
        stack = [urn]
        while stack:
            current = stack[-1]
            if current in done:
                stack.pop()
                continue
            pending = [d for d in nodes[current].deps if d in nodes and d not in done]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            begin, by = start, None
            for dep in nodes[current].deps:
                if dep in done and done[dep][1] > begin:
                    begin, by = done[dep][1], dep
            done[current] = (begin, begin + nodes[current].seconds, by)
    return done


def _chain(urn: str, nodes: dict[str, Node], times: dict[str, tuple[float, float, str | None]], figures: Figures) -> list[Span]:
    spans: list[Span] = []
    current: str | None = urn
    while current is not None:
        node = nodes[current]
        start, end, by = times[current]
        if node.step and end > start:
            spans.append(Span(_lane(node), node.step, start, end, bool(node.figure and figures.is_measured(node.figure)), node.tier))
        current = by
    return list(reversed(spans))


def _lane(node: Node) -> str:
    return f"restore {node.tier}" if node.step == "restore" else node.step or node.name


def _human(objectives: Objectives, detection: int, figures: Figures) -> list[Span]:
    detect = figures.measured["detect"].seconds if "detect" in figures.measured else float(detection)
    declare = figures.measured["declare"].seconds if "declare" in figures.measured else float(objectives.declaration_seconds)
    preflight = figures.seconds("preflight")
    return [Span("detect", "detect", 0.0, detect, "detect" in figures.measured),
            Span("declare", "declare", detect, detect + declare, "declare" in figures.measured),
            Span("preflight", "preflight", detect + declare, detect + declare + preflight, figures.is_measured("preflight"))]


def _needs(tier: TierObjectives, nodes: dict[str, Node]) -> list[str]:
    """What a tier waits for besides its restore: nodes to run on, traffic (DNS), and the stores it uses: the promoted
    database, and a Global Datastore secondary promoted to take writes. A warm cache being resized does not hold a
    tier back: online resizing keeps serving requests (ElastiCache User Guide, Online resharding)."""
    def needed(node: Node) -> bool:
        return (node.step in ("scale", "dns") or (node.step == "promote" and tier.uses("database"))
                or (node.step == "cache" and node.figure == "cache-global-failover" and tier.uses("cache")))

    return [urn for urn, node in nodes.items() if needed(node)]


# ---- verdicts ------------------------------------------------------------------------------------------------------


def _covered(objectives: Objectives, tier: str, objective: str, cause: str, value: float | None) -> str | None:
    for e in objectives.exceptions:
        if (e.tier, e.objective, e.cause) == (tier, objective, cause) and (e.up_to_seconds is None or (value is not None and value <= e.up_to_seconds)):
            return e.reason + (f" (accepted up to {e.up_to})" if e.up_to else "")
    return None


def _rto(tier: TierObjectives, objectives: Objectives, facts: PlanFacts | None, detection: tuple[int | None, str],
         figures: Figures) -> tuple[Objective, tuple[Span, ...]]:
    if facts is None:
        return Objective(tier.rto_seconds, None, False, OK, None, "no failover plan given"), ()
    if detection[0] is None:
        return Objective(tier.rto_seconds, None, True, BREACH, "detect", detection[1]), ()
    human = _human(objectives, detection[0], figures)
    nodes = facts.nodes
    times = schedule(nodes, human[-1].end)
    restores = [urn for urn, n in nodes.items() if n.step == "restore" and n.tier == tier.name]
    if not restores:
        return Objective(tier.rto_seconds, None, True, BREACH, "restore", f"the failover restores nothing of the {tier.name} tier"), tuple(human)
    waits = restores + _needs(tier, nodes)
    last = max(waits, key=lambda urn: (times[urn][1], urn in restores))
    ready = times[last][1]
    verify = figures.seconds("verify")
    path = [*human, *_chain(last, nodes, times, figures), Span(f"verify {tier.name}", "verify", ready, ready + verify, figures.is_measured("verify"), tier.name)]
    computed = ready + verify
    dominant = max(path, key=lambda s: s.seconds)
    detail = " > ".join(f"{s.lane} {_minutes(s.seconds)}" for s in path)
    if computed <= tier.rto_seconds:
        return Objective(tier.rto_seconds, computed, True, OK, dominant.step, detail), tuple(path)
    reason = _covered(objectives, tier.name, "rto", dominant.step, computed)
    return Objective(tier.rto_seconds, computed, True, ACCEPTED if reason else BREACH, dominant.step, detail,
                     (reason,) if reason else ()), tuple(path)


def _rpo(tier: TierObjectives, objectives: Objectives, stores: dict[str, StoreRpo]) -> tuple[Objective, tuple[StoreRpo, ...]]:
    used = [s for s in ("database", "cache", "assets", "volumes") if tier.uses(s)]
    if not used:
        return Objective(tier.rpo_seconds, 0.0, True, OK, None, "stateless: no data to lose"), ()
    known = [stores[s] for s in used if s in stores]
    missing = [s for s in used if s not in stores]
    if not known:
        return Objective(tier.rpo_seconds, None, False, OK, None, f"not assessed here ({', '.join(missing)}: another stack's)"), ()
    worst = max(known, key=lambda r: float("inf") if r.seconds is None else r.seconds)
    computed = worst.seconds
    breaking = [r for r in known if r.seconds is None or r.seconds > tier.rpo_seconds]
    detail = "; ".join(f"{r.store}: {'lost' if r.lost else _minutes(r.seconds) if r.seconds is not None else 'unbounded'} ({r.source})" for r in known)
    if missing:
        detail += f"; not assessed here: {', '.join(missing)}"
    if not breaking:
        return Objective(tier.rpo_seconds, computed, True, OK, worst.store, detail), tuple(known)
    reasons, uncovered = [], []
    for r in breaking:
        reason = _covered(objectives, tier.name, "rpo", r.store, r.seconds)
        (reasons.append(reason) if reason else uncovered.append(r))
    cause = (uncovered or breaking)[0].store
    return Objective(tier.rpo_seconds, computed, True, BREACH if uncovered else ACCEPTED, cause, detail, tuple(reasons)), tuple(known)


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "unbounded"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min".replace(".0 min", " min")
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


fmt = _minutes


# ---- across plans ----------------------------------------------------------------------------------------------


def assess(plans: list[PlanFacts], figures: Figures) -> Readiness:
    """Readiness from the facts of one plan (the policy) or several (the command: primary and dr in standby, dr in
    failover): each store's RPO from the plan that replicates it, the RTO from the failover plan."""
    problems = [p for facts in plans for p in facts.problems]
    objectives = next((f.objectives for f in plans if f.objectives is not None), None)
    if objectives is None:
        return Readiness(None, problems=problems, figures=figures)
    for facts in plans:
        if facts.objectives is not None and facts.objectives.tiers != objectives.tiers:
            problems.append("the plans declare different objectives (aivo-dr-objectives): plan them from the same settings")
    stores: dict[str, StoreRpo] = {}
    for facts in plans:
        stores.update(facts.stores)
    failover = next((f for f in plans if f.failover), None)
    detection = (failover.detection_seconds, failover.detection_source) if failover else (None, "")
    readiness = Readiness(objectives, detection=detection, problems=problems, figures=figures,
                          fallbacks=[f for facts in plans for f in facts.fallbacks])
    for tier in objectives.tiers:
        rto, path = _rto(tier, objectives, failover, detection, figures)
        rpo, used = _rpo(tier, objectives, stores)
        readiness.tiers.append(TierReadiness(tier, rto, rpo, path, used))
    if failover is not None and detection[0] is not None:
        readiness.lanes = timeline(objectives, failover, detection[0], figures, readiness.tiers)
    return readiness


def timeline(objectives: Objectives, facts: PlanFacts, detection: int, figures: Figures, tiers: list[TierReadiness]) -> list[Span]:
    """Every step of the failover once (one lane per step; DNS records share a lane), then each tier's verification."""
    human = _human(objectives, detection, figures)
    times = schedule(facts.nodes, human[-1].end)
    lanes: dict[str, Span] = {}
    for urn, node in facts.nodes.items():
        start, end, _ = times[urn]
        if not node.step or end <= start:
            continue
        lane = _lane(node)
        span = Span(lane, node.step, start, end, bool(node.figure and figures.is_measured(node.figure)), node.tier)
        if lane not in lanes or span.end > lanes[lane].end:
            lanes[lane] = Span(lane, node.step, min(span.start, lanes[lane].start) if lane in lanes else span.start, span.end, span.measured, span.tier)
    order = {"promote": 0, "scale": 1, "cache": 2, "restore": 3, "dns": 4, "cdn": 5}
    graph = sorted(lanes.values(), key=lambda s: (order.get(s.step, 9), s.start, s.lane))
    verifies = [t.path[-1] for t in tiers if t.path and t.path[-1].step == "verify"]
    return [*human, *graph, *verifies]


def document(readiness: Readiness) -> dict[str, Any]:
    """The machine-readable readiness (drctl readiness --json; the PR comparison reads it)."""
    figures = readiness.figures

    def objective(o: Objective) -> dict[str, Any]:
        return {"targetSeconds": o.target, "computedSeconds": o.computed, "marginSeconds": o.margin, "assessed": o.assessed,
                "verdict": o.verdict, "cause": o.cause, "detail": o.detail, "acceptedBecause": list(o.accepted)}

    return {
        "schema": "aivo-dr/readiness@1",
        "passed": not readiness.breaches and not readiness.problems,
        "tiers": [{"tier": t.tier.name, "verdict": t.verdict, "rto": objective(t.rto), "rpo": objective(t.rpo),
                   "criticalPath": [{"step": s.step, "lane": s.lane, "startSeconds": s.start, "endSeconds": s.end, "measured": s.measured}
                                    for s in t.path],
                   "stores": [{"store": s.store, "seconds": s.seconds, "lost": s.lost, "source": s.source} for s in t.stores]}
                  for t in readiness.tiers],
        "timeline": [{"lane": s.lane, "step": s.step, "startSeconds": s.start, "endSeconds": s.end, "measured": s.measured} for s in readiness.lanes],
        "detection": {"seconds": readiness.detection[0], "source": readiness.detection[1]},
        "declaration": ({"seconds": readiness.objectives.declaration_seconds, "source": readiness.objectives.declaration_source}
                        if readiness.objectives else None),
        "exceptions": ([{"tier": e.tier, "objective": e.objective, "cause": e.cause, "upTo": e.up_to, "reason": e.reason}
                        for e in readiness.objectives.exceptions] if readiness.objectives else []),
        "figures": ({key: {"seconds": figures.seconds(key), "measured": figures.is_measured(key), "source": figures.source(key)}
                     for key in figures.steps} if figures else {}),
        "fallbacks": [{"store": s.store, "seconds": s.seconds, "source": s.source} for s in readiness.fallbacks],
        "problems": list(readiness.problems),
    }
