"""Readiness: each tier's achievable RTO and RPO from the plans, as distributions, with a verdict taken at p95.

- RPO of a tier: the worst RPO of the data stores its services use (facts.read_stores), from standby plans, each
  labelled as what it is: an enforced bound, an observed lag percentile (drctl readiness --observe), or an alarm's
  time to notice (not a bound).
- RTO of a tier, in two modes: detection + declaration + pre-flight, then the failover `pulumi up` as the graph of
  the failover plan (each resource waits for its dependencies, property dependencies and provider; the flip's
  steps take their figure's time, the rest none), the tier's pods on the new capacity (image pulls, readiness,
  load-balancer registration) once its restore is done, traffic, and the stores it uses; then verification. Each
  figure is a distribution (distribution.py); the tier's p50 and p95 come from SAMPLES trials with a fixed seed.
  - normal: Route53 and CloudFront answer; traffic moves with the flip's records (or the health checks, sooner).
  - impaired: us-east-1's control planes fail (Route53, CloudFront: the 2021-12-07 event); the edge steps fail,
    nothing waiting on them runs, and traffic moves only through the health checks (interval x failure threshold,
    then the records' TTL). The worse mode decides.
- A tier is OK with its margin at p95, ACCEPTED (an exception with its reason covers what breaks it), or BREACH
  naming the step (the longest on the critical path of the p95 trial) or the data store that breaks it.

Extension points (issue 20, second half): a new store kind is a StoreRpo with its `kind` (facts.read_stores); a new
step of the flip is a Node with its `terms` (facts.classify); a new mode is an entry of MODES with its rule in
`_tier_finish`; a tier kept hot in DR is a tier whose `_tier_finish` needs no restore.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .distribution import SAMPLES, SEED, lognormal, quantiles
from .facts import Node, Objectives, PlanFacts, StoreRpo, TierObjectives
from .figures import Figures

OK, ACCEPTED, BREACH = "OK", "ACCEPTED", "BREACH"
HUMAN_STEPS = ("detect", "declare", "preflight")
NORMAL, IMPAIRED = "normal", "impaired"
MODES = (NORMAL, IMPAIRED)
MODE_TITLES = {NORMAL: "normal", IMPAIRED: "us-east-1 control planes impaired"}
EDGE_STEPS = ("dns", "cdn")  # the flip's calls to Route53 and CloudFront, whose control planes are in us-east-1
DAY = 86400.0


@dataclass(frozen=True)
class Span:
    """One step of the failover on the timeline (seconds from the failure): start and end at the median, the end at
    p95 (the picture's whisker), and the step's own duration at p50 and p95."""

    lane: str
    step: str  # the cause it is named by: detect, declare, preflight, promote, scale, cache, restore, pods, lb, dns, cdn, verify
    start: float
    end: float
    measured: bool
    tier: str | None = None
    end95: float | None = None
    p50: float | None = None
    p95: float | None = None
    pending: bool = False  # its figure has no source: a drill must calibrate it

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class ModeFigure:
    """A tier's RTO in one mode: p50 and p95 (None: it never finishes), what dominates, its critical path."""

    mode: str
    p50: float | None
    p95: float | None
    cause: str | None
    detail: str
    path: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Objective:
    """One objective of one tier: computed (at p95, in the worse mode) against target."""

    target: int
    computed: float | None  # None: unbounded (or data lost, or never finishes)
    assessed: bool  # False when no plan given declares it (e.g. RPO of a store another stack replicates)
    verdict: str
    cause: str | None  # what breaks it (or dominates it, when OK)
    detail: str
    accepted: tuple[str, ...] = ()  # the reasons of the exceptions that cover it
    p50: float | None = None
    mode: str | None = None  # the mode that decides (RTO)
    modes: tuple[ModeFigure, ...] = ()
    kind: str | None = None  # RPO: bound, observed, notice, typical, lost, unbounded (of the deciding store)

    @property
    def margin(self) -> float | None:
        return None if self.computed is None else self.target - self.computed


@dataclass(frozen=True)
class TierReadiness:
    tier: TierObjectives
    rto: Objective
    rpo: Objective
    path: tuple[Span, ...]  # the RTO's critical path (the deciding mode's p95 trial)
    stores: tuple[StoreRpo, ...]

    @property
    def verdict(self) -> str:
        verdicts = {self.rto.verdict, self.rpo.verdict}
        return BREACH if BREACH in verdicts else ACCEPTED if ACCEPTED in verdicts else OK


@dataclass
class Readiness:
    objectives: Objectives | None
    tiers: list[TierReadiness] = field(default_factory=list)
    lanes: list[Span] = field(default_factory=list)  # every step of the failover (normal mode), for the picture
    detection: tuple[int | None, str] = (None, "")
    problems: list[str] = field(default_factory=list)
    figures: Figures | None = None
    fallbacks: list[StoreRpo] = field(default_factory=list)  # recovery points a failover does not use, shown only
    notes: list[str] = field(default_factory=list)  # what the model assumed or found that no verdict says

    @property
    def breaches(self) -> list[TierReadiness]:
        return [t for t in self.tiers if t.verdict == BREACH]


# ---- sampling -------------------------------------------------------------------------------------------------


class Draws:
    """One draw per figure per trial, each figure from its own stream (seeded by its name), so adding a step to
    the graph never changes another step's draws."""

    def __init__(self, figures: Figures, objectives: Objectives, detection: float):
        self.figures, self.objectives, self.detection = figures, objectives, detection
        self._cache: dict[tuple[str, str | None], np.ndarray] = {}

    def _rng(self, name: str) -> np.random.Generator:
        return np.random.default_rng([SEED, zlib.crc32(name.encode())])

    def quantiles(self, key: str, variant: str | None = None) -> tuple[float, float]:
        if key == "detect":
            found = self.figures.measured.get("detect")
            return (found.seconds, found.seconds) if found else (self.detection, self.detection)
        if key == "declare":
            share = float(self.figures.steps["declare"]["p50Share"])
            if self.figures.is_measured("declare"):
                m = self.figures.measured["declare"].seconds
                return m, m / share
            bound = float(self.objectives.declaration_seconds)
            return bound * share, bound
        return self.figures.quantiles(key, variant)

    def of(self, key: str, variant: str | None = None) -> np.ndarray:
        if (key, variant) not in self._cache:
            p50, p95 = self.quantiles(key, variant)
            self._cache[(key, variant)] = lognormal(p50, p95, self._rng(f"{key}/{variant}"))
        return self._cache[(key, variant)]

    def time_of_day(self) -> np.ndarray:
        """When in the (UTC) day the failure happens: uniform, nothing makes one hour likelier."""
        return self._rng("time-of-day").uniform(0.0, DAY, SAMPLES)

    def measured(self, key: str) -> bool:
        return self.figures.is_measured(key) or (key == "detect" and "detect" in self.figures.measured)

    def pending(self, key: str) -> bool:
        return self.figures.is_calibration_pending(key)  # detect: never (not a figure of steps.yaml; read off the plan)


@dataclass
class Run:
    """One mode's trials: every node's start and end per trial, the human steps' ends, the draws."""

    mode: str
    draws: Draws
    human: dict[str, tuple[np.ndarray, np.ndarray]]  # step -> (start, end)
    start: dict[str, np.ndarray]
    end: dict[str, np.ndarray]
    wait: dict[str, np.ndarray]  # promote: the wait for the replica's backup to end


def _order(nodes: dict[str, Node]) -> list[str]:
    done: set[str] = set()
    order: list[str] = []
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
            done.add(current)
            order.append(current)
    return order


def _backup_wait(window: tuple[int, int], attempt: np.ndarray, draws: Draws, failure_at: np.ndarray) -> np.ndarray:
    """How long a promotion attempted at `attempt` (seconds from the failure) waits for the replica's automated
    backup: the backup starts with the window and lasts its drawn duration; a replica backing up cannot be promoted."""
    duration = draws.of("replica-backup")
    when = np.mod(failure_at + attempt - window[0], DAY)  # seconds since the window opened
    return np.where(when < duration, duration - when, 0.0)


def simulate(objectives: Objectives, facts: PlanFacts, detection: int, figures: Figures, mode: str) -> Run:
    draws = Draws(figures, objectives, float(detection))
    zero = np.zeros(SAMPLES)
    detect_end = zero + draws.of("detect")
    declare_end = detect_end + draws.of("declare")
    preflight_end = declare_end + draws.of("preflight")
    human = {"detect": (zero, detect_end), "declare": (detect_end, declare_end), "preflight": (declare_end, preflight_end)}
    nodes = facts.nodes
    failure_at = draws.time_of_day()
    start: dict[str, np.ndarray] = {}
    end: dict[str, np.ndarray] = {}
    wait: dict[str, np.ndarray] = {}
    for urn in _order(nodes):
        node = nodes[urn]
        deps = [end[d] for d in node.deps if d in end]
        begin = np.maximum.reduce([preflight_end, *deps]) if deps else preflight_end
        start[urn] = begin
        if mode == IMPAIRED and node.step in EDGE_STEPS:
            end[urn] = np.full(SAMPLES, np.inf)  # the call fails: under --continue-on-error nothing after it runs
            continue
        if not node.step:
            end[urn] = begin
            continue
        seconds = sum((draws.of(key, variant) * factor for key, variant, factor in node.terms), zero) + node.constant
        if node.step == "promote" and node.backup_window is not None:
            wait[urn] = _backup_wait(node.backup_window, begin, draws, failure_at)
            seconds = seconds + wait[urn]
        end[urn] = begin + seconds
    return Run(mode, draws, human, start, end, wait)


# ---- a tier's finish ------------------------------------------------------------------------------------------


def _latest(run: Run, urns: list[str], default: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per trial: the latest end among urns, and the index (into urns) of the one that decided."""
    if not urns:
        return default, np.full(SAMPLES, -1)
    stacked = np.vstack([run.end[u] for u in urns])
    return stacked.max(axis=0), stacked.argmax(axis=0)


@dataclass
class Finish:
    """A tier's finish per trial, and the parts it was the latest of (for the critical path)."""

    total: np.ndarray
    parts: dict[str, tuple[np.ndarray, str | None]]  # name -> (end per trial, the node urn it is, if any)
    checks: float = 0.0  # health checks + TTL: how long traffic takes to move once us-west-2 passes its checks


def _tier_finish(tier: TierObjectives, objectives: Objectives, facts: PlanFacts, run: Run) -> Finish | None:
    nodes, draws = facts.nodes, run.draws
    preflight_end = run.human["preflight"][1]
    restores = [u for u, n in nodes.items() if n.step == "restore" and n.tier == tier.name]
    if not restores:
        return None
    restored, _ = _latest(run, restores, preflight_end)
    scales = [u for u, n in nodes.items() if n.step == "scale"]
    capacity, _ = _latest(run, scales, preflight_end)
    # The tier's pods: on the new nodes (nothing cached: the images are pulled), ready, registered with the load balancer.
    pods = np.maximum(restored, capacity) + draws.of("image-pull") + draws.of("pod-ready")
    registered = pods + draws.of("lb-registration")
    parts: dict[str, tuple[np.ndarray, str | None]] = {"lb": (registered, None)}
    for urn in restores:
        parts[f"restore:{urn}"] = (run.end[urn], urn)
    for urn in scales:
        parts[f"scale:{urn}"] = (run.end[urn], urn)
    for urn, node in nodes.items():
        if (node.step == "promote" and tier.uses("database")) or (node.step == "cache" and node.figure == "cache-global-failover" and tier.uses("cache")):
            parts[f"store:{urn}"] = (run.end[urn], urn)
    # Traffic: the health checks move it without any API call once the primary fails them and us-west-2 passes them
    # (the first tier's pods registered), then resolvers drop the old answer after the TTL; the flip's records do it
    # explicitly, sooner, when Route53's API answers.
    records = [u for u, n in nodes.items() if n.step == "dns"]
    if records:
        interval, threshold = objectives.health_check or (30, 3)
        ttl = max(nodes[u].constant for u in records)
        check = float(interval * threshold)
        first = objectives.tiers[0]
        first_registered = registered if first.name == tier.name else _registered(first, facts, run)
        by_checks = np.maximum(check, first_registered + check) + ttl
        flipped, _ = _latest(run, records, preflight_end)
        traffic = by_checks if run.mode == IMPAIRED else np.minimum(flipped, by_checks)
        parts["traffic"] = (traffic, None)
    total = np.maximum.reduce([p[0] for p in parts.values()])
    return Finish(total + draws.of("verify"), parts, check + ttl if records else 0.0)


def _registered(tier: TierObjectives, facts: PlanFacts, run: Run) -> np.ndarray:
    restores = [u for u, n in facts.nodes.items() if n.step == "restore" and n.tier == tier.name]
    preflight_end = run.human["preflight"][1]
    restored, _ = _latest(run, restores, preflight_end)
    capacity, _ = _latest(run, [u for u, n in facts.nodes.items() if n.step == "scale"], preflight_end)
    draws = run.draws
    return np.maximum(restored, capacity) + draws.of("image-pull") + draws.of("pod-ready") + draws.of("lb-registration")


def _exact(run: Run, node: Node) -> tuple[float, float] | None:
    """A node's p50 and p95 straight from its figure when it is one figure (scaled) plus a constant: a lognormal
    scaled is a lognormal, so no sampling error; None when it is a sum (then the samples' quantiles)."""
    terms = [t for t in node.terms if t[2]]
    if len(terms) != 1 or node.urn in run.wait:
        return None
    key, variant, factor = terms[0]
    p50, p95 = run.draws.quantiles(key, variant)
    return p50 * factor + node.constant, p95 * factor + node.constant


def _span_of(run: Run, node: Node, k: int) -> Span:
    key = node.figure or node.step or node.name
    start, end = float(run.start[node.urn][k]), float(run.end[node.urn][k])
    durations = run.end[node.urn] - run.start[node.urn]
    exact = _exact(run, node)
    p50, p95 = exact if exact else quantiles(durations) if np.isfinite(durations).all() else (None, None)
    return Span(_lane(node), node.step or node.name, start, end, run.draws.measured(key), node.tier, None, p50, p95,
                run.draws.pending(key))


def _chain(urn: str, facts: PlanFacts, run: Run, k: int) -> list[Span]:
    """The dependencies that decided, back from urn, in trial k."""
    spans: list[Span] = []
    current: str | None = urn
    while current is not None:
        node = facts.nodes[current]
        if node.step and run.end[current][k] > run.start[current][k]:
            spans.append(_span_of(run, node, k))
        deps = [d for d in node.deps if d in run.end]
        # Every node starts at the pre-flight's end or its latest dependency's, and none ends before it starts: the
        # latest dependency always ends at the node's start (a node without a dependency waited for the pre-flight).
        current = max(deps, key=lambda d: float(run.end[d][k])) if deps else None
    return list(reversed(spans))


def _human_spans(run: Run, k: int) -> list[Span]:
    out = []
    for step, (begin, finish) in run.human.items():
        p50, p95 = run.draws.quantiles(step)
        out.append(Span(step, step, float(begin[k]), float(finish[k]), run.draws.measured(step), None, None, p50, p95, run.draws.pending(step)))
    return out


def _pod_spans(tier: TierObjectives, run: Run, after: float, k: int) -> list[Span]:
    out, at = [], after
    for key, step in (("image-pull", "pods"), ("pod-ready", "pods"), ("lb-registration", "lb")):
        seconds = float(run.draws.of(key)[k])
        p50, p95 = run.draws.quantiles(key)
        out.append(Span(f"{key} {tier.name}", step, at, at + seconds, run.draws.measured(key), tier.name, None, p50, p95, run.draws.pending(key)))
        at += seconds
    return out


def _registered_path(tier: TierObjectives, finish: Finish, facts: PlanFacts, run: Run, k: int) -> list[Span]:
    """The tier's restore or capacity, whichever came later in trial k, back to the pre-flight, then its pods."""
    candidates = [name for name in finish.parts if name.startswith(("restore:", "scale:"))]
    decided = max(candidates, key=lambda name: float(finish.parts[name][0][k]))
    urn = finish.parts[decided][1]
    assert urn is not None
    return _chain(urn, facts, run, k) + _pod_spans(tier, run, float(run.end[urn][k]), k)


def _mode_figure(tier: TierObjectives, objectives: Objectives, facts: PlanFacts, run: Run) -> ModeFigure:
    finish = _tier_finish(tier, objectives, facts, run)
    if finish is None:
        return ModeFigure(run.mode, None, None, "restore", f"the failover restores nothing of the {tier.name} tier")
    total = finish.total
    if not np.isfinite(total).all():
        blocked = sorted(n.name for u, n in facts.nodes.items() if n.step in EDGE_STEPS)
        return ModeFigure(run.mode, None, None, "dns", f"waits on a step that fails with us-east-1's control planes ({', '.join(blocked)}): "
                          "it never finishes; nothing regional may depend on the edge")
    p50, p95 = quantiles(total)
    k = int(np.argsort(total, kind="stable")[min(int(0.95 * SAMPLES), SAMPLES - 1)])  # the p95 trial
    last = max(finish.parts, key=lambda name: float(finish.parts[name][0][k]))
    value, urn = finish.parts[last]
    spans = _human_spans(run, k)
    if last == "lb":
        spans += _registered_path(tier, finish, facts, run, k)
    elif last == "traffic":  # the health checks: after the first tier's pods are registered, or the primary's failing
        first = objectives.tiers[0]
        first_finish = finish if first.name == tier.name else _tier_finish(first, objectives, facts, run)
        if first_finish is not None and float(value[k]) - finish.checks > finish.checks:
            spans += _registered_path(first, first_finish, facts, run, k)
        spans.append(Span("health checks + TTL", "dns", float(value[k]) - finish.checks, float(value[k]), False, tier.name, None,
                          finish.checks, finish.checks, False))
    elif urn is not None:
        spans += _chain(urn, facts, run, k)
    verify = run.draws.of("verify")
    v50, v95 = run.draws.quantiles("verify")
    ready = float(np.maximum.reduce([p[0] for p in finish.parts.values()])[k])
    spans.append(Span(f"verify {tier.name}", "verify", ready, ready + float(verify[k]), run.draws.measured("verify"), tier.name, None,
                      v50, v95, run.draws.pending("verify")))
    # What dominates: the step of the path that is longest at its own p95 (stable, unlike one trial's draws).
    dominant = max(spans, key=lambda s: (s.p95 if s.p95 is not None else s.seconds, s.seconds))
    detail = " > ".join(f"{s.lane} {_range(s)}" for s in spans)
    promoted = [u for u in run.wait if any(s.step == "promote" for s in spans)]
    if promoted and float(run.wait[promoted[0]][k]) > 0:
        detail += f" (the promotion waited {_minutes(float(run.wait[promoted[0]][k]))} for the replica's backup)"
    return ModeFigure(run.mode, p50, p95, dominant.step, detail, tuple(spans))


def _range(span: Span) -> str:
    if span.p50 is None or span.p95 is None:
        return _minutes(span.seconds)
    if span.p50 == span.p95:
        return _minutes(span.p50)
    return f"{_minutes(span.p50)}/{_minutes(span.p95)}"


def _lane(node: Node) -> str:
    return f"restore {node.tier}" if node.step == "restore" else node.step or node.name


# ---- verdicts ------------------------------------------------------------------------------------------------------


def _covered(objectives: Objectives, tier: str, objective: str, cause: str, value: float | None) -> str | None:
    for e in objectives.exceptions:
        if (e.tier, e.objective, e.cause) == (tier, objective, cause) and (e.up_to_seconds is None or (value is not None and value <= e.up_to_seconds)):
            return e.reason + (f" (accepted up to {e.up_to})" if e.up_to else "")
    return None


def _rto(tier: TierObjectives, objectives: Objectives, facts: PlanFacts | None, detection: tuple[int | None, str],
         runs: dict[str, Run]) -> tuple[Objective, tuple[Span, ...]]:
    if facts is None:
        return Objective(tier.rto_seconds, None, False, OK, None, "no failover plan given"), ()
    if detection[0] is None:
        return Objective(tier.rto_seconds, None, True, BREACH, "detect", detection[1]), ()
    modes = tuple(_mode_figure(tier, objectives, facts, runs[mode]) for mode in MODES)
    worst = max(modes, key=lambda m: float("inf") if m.p95 is None else m.p95)
    computed = worst.p95
    detail = f"{MODE_TITLES[worst.mode]}: {worst.detail}"
    if computed is not None and computed <= tier.rto_seconds:
        return Objective(tier.rto_seconds, computed, True, OK, worst.cause, detail, (), worst.p50, worst.mode, modes), worst.path
    reason = _covered(objectives, tier.name, "rto", worst.cause or "", computed)
    return (Objective(tier.rto_seconds, computed, True, ACCEPTED if reason else BREACH, worst.cause, detail,
                      (reason,) if reason else (), worst.p50, worst.mode, modes), worst.path)


def _rpo(tier: TierObjectives, objectives: Objectives, stores: dict[str, StoreRpo]) -> tuple[Objective, tuple[StoreRpo, ...]]:
    used = [s for s in ("database", "cache", "assets", "volumes") if tier.uses(s)]
    if not used:
        return Objective(tier.rpo_seconds, 0.0, True, OK, None, "stateless: no data to lose", kind="bound"), ()
    known = [stores[s] for s in used if s in stores]
    missing = [s for s in used if s not in stores]
    if not known:
        return Objective(tier.rpo_seconds, None, False, OK, None, f"not assessed here ({', '.join(missing)}: another stack's)"), ()
    worst = max(known, key=lambda r: float("inf") if r.seconds is None else r.seconds)
    computed = worst.seconds
    breaking = [r for r in known if r.seconds is None or r.seconds > tier.rpo_seconds]
    detail = "; ".join(f"{r.store}: {'lost' if r.lost else _minutes(r.seconds) if r.seconds is not None else 'unbounded'} "
                       f"[{r.kind}] ({r.source})" for r in known)
    if missing:
        detail += f"; not assessed here: {', '.join(missing)}"
    if not breaking:
        return Objective(tier.rpo_seconds, computed, True, OK, worst.store, detail, kind=worst.kind), tuple(known)
    reasons, uncovered = [], []
    for r in breaking:
        reason = _covered(objectives, tier.name, "rpo", r.store, r.seconds)
        (reasons.append(reason) if reason else uncovered.append(r))
    cause = (uncovered or breaking)[0].store
    return (Objective(tier.rpo_seconds, computed, True, BREACH if uncovered else ACCEPTED, cause, detail, tuple(reasons), kind=worst.kind),
            tuple(known))


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


def assess(plans: list[PlanFacts], figures: Figures, observed: dict[str, StoreRpo] | None = None) -> Readiness:
    """Readiness from the facts of one plan (the policy) or several (the command: primary and dr in standby, dr in
    failover): each store's RPO from the plan that replicates it (or what --observe measured), the RTO from the
    failover plan in both modes."""
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
    for name, seen in (observed or {}).items():
        if name not in stores:
            continue
        if stores[name].kind == "bound":  # an enforced bound stands; the observation is shown beside it
            stores[name] = replace(stores[name], source=f"{stores[name].source}; {seen.source}")
        else:  # it replaces the time to notice (or a typical figure): what the lag actually was
            stores[name] = replace(seen, source=f"{seen.source} (replaces: {stores[name].source})")
    failover = next((f for f in plans if f.failover), None)
    detection = (failover.detection_seconds, failover.detection_source) if failover else (None, "")
    readiness = Readiness(objectives, detection=detection, problems=problems, figures=figures,
                          fallbacks=[f for facts in plans for f in facts.fallbacks])
    runs = ({mode: simulate(objectives, failover, detection[0], figures, mode) for mode in MODES}
            if failover is not None and detection[0] is not None else {})
    for tier in objectives.tiers:
        rto, path = _rto(tier, objectives, failover, detection, runs)
        rpo, used = _rpo(tier, objectives, stores)
        readiness.tiers.append(TierReadiness(tier, rto, rpo, path, used))
    if runs and failover is not None:
        readiness.lanes = timeline(failover, runs[NORMAL], readiness.tiers)
        readiness.notes = _notes(objectives, failover)
    return readiness


def _notes(objectives: Objectives, facts: PlanFacts) -> list[str]:
    """What shapes the path without a verdict of its own: waits a tier inherits from the plan's dependencies."""
    out = []
    promotes = {u for u, n in facts.nodes.items() if n.step == "promote"}
    for tier in objectives.tiers:
        free = [s for s, uses in tier.services.items() if "database" not in uses]
        for urn, node in facts.nodes.items():
            if node.step == "restore" and node.tier == tier.name and free and _reaches(urn, promotes, facts.nodes):
                out.append(f"restore {tier.name} waits for the promotion through the plan's dependencies, though "
                           f"{', '.join(free)} use{'s' if len(free) == 1 else ''} no database")
    return out


def _reaches(urn: str, targets: set[str], nodes: dict[str, Node]) -> bool:
    seen, stack = set(), [urn]
    while stack:
        current = stack.pop()
        for dep in nodes[current].deps if current in nodes else ():
            if dep in targets:
                return True
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    return False


def timeline(facts: PlanFacts, run: Run, tiers: list[TierReadiness]) -> list[Span]:
    """Every step of the failover once (one lane per step; DNS records share a lane), then each tier's pods and
    verification: bars from the median start to the median end, whiskers to the p95 end."""
    def span(lane: str, step: str, begin: np.ndarray, finish: np.ndarray, key: str, tier: str | None = None) -> Span:
        s50, _ = quantiles(begin)
        e50, e95 = quantiles(finish)
        d50, d95 = quantiles(finish - begin)
        return Span(lane, step, s50, e50, run.draws.measured(key), tier, e95, d50, d95, run.draws.pending(key))

    lanes: dict[str, Span] = {}
    for step, (begin, finish) in run.human.items():
        p50, p95 = run.draws.quantiles(step)
        lanes[step] = replace(span(step, step, begin, finish, step), p50=p50, p95=p95)
    groups: dict[str, list[str]] = {}
    for urn, node in facts.nodes.items():
        if node.step and np.any(run.end[urn] > run.start[urn]):
            groups.setdefault(_lane(node), []).append(urn)
    order = {"promote": 0, "scale": 1, "cache": 2, "restore": 3, "dns": 4, "cdn": 5}
    graph = []
    for lane, urns in groups.items():
        node = facts.nodes[urns[0]]
        begin = np.minimum.reduce([run.start[u] for u in urns])
        finish = np.maximum.reduce([run.end[u] for u in urns])
        lane_span = span(lane, node.step or lane, begin, finish, node.figure or lane, node.tier)
        exact = _exact(run, node) if len(urns) == 1 else None
        graph.append(replace(lane_span, p50=exact[0], p95=exact[1]) if exact else lane_span)
    graph.sort(key=lambda s: (order.get(s.step, 9), s.start, s.lane))
    tail = []
    for t in tiers:
        done = _tier_finish(t.tier, facts.objectives, facts, run) if facts.objectives else None
        if done is None:
            continue
        verify = run.draws.of("verify")
        tail.append(span(f"verify {t.tier.name}", "verify", done.total - verify, done.total, "verify", t.tier.name))
    return [*lanes.values(), *graph, *tail]


def document(readiness: Readiness) -> dict[str, Any]:
    """The machine-readable readiness (drctl readiness --json; the PR comparison reads it)."""
    figures = readiness.figures

    def objective(o: Objective) -> dict[str, Any]:
        return {"targetSeconds": o.target, "computedSeconds": o.computed, "p50Seconds": o.p50, "marginSeconds": o.margin,
                "assessed": o.assessed, "verdict": o.verdict, "cause": o.cause, "detail": o.detail, "acceptedBecause": list(o.accepted),
                **({"mode": o.mode, "modes": [{"mode": m.mode, "p50Seconds": m.p50, "p95Seconds": m.p95, "cause": m.cause, "detail": m.detail}
                                              for m in o.modes]} if o.modes else {}),
                **({"kind": o.kind} if o.kind else {})}

    def span(s: Span) -> dict[str, Any]:
        return {"step": s.step, "lane": s.lane, "startSeconds": s.start, "endSeconds": s.end, "endP95Seconds": s.end95,
                "p50Seconds": s.p50, "p95Seconds": s.p95, "measured": s.measured, "calibrationPending": s.pending}

    return {
        "schema": "aivo-dr/readiness@2",
        "passed": not readiness.breaches and not readiness.problems,
        "verdictAt": "p95",
        "modes": dict(MODE_TITLES),
        "samples": {"trials": SAMPLES, "seed": SEED, "family": "lognormal fitted to each figure's p50 and p95"},
        "tiers": [{"tier": t.tier.name, "verdict": t.verdict, "rto": objective(t.rto), "rpo": objective(t.rpo),
                   "criticalPath": [span(s) for s in t.path],
                   "stores": [{"store": s.store, "seconds": s.seconds, "kind": s.kind, "lost": s.lost, "source": s.source} for s in t.stores]}
                  for t in readiness.tiers],
        "timeline": [span(s) for s in readiness.lanes],
        "detection": {"seconds": readiness.detection[0], "source": readiness.detection[1]},
        "declaration": ({"seconds": readiness.objectives.declaration_seconds, "source": readiness.objectives.declaration_source}
                        if readiness.objectives else None),
        "exceptions": ([{"tier": e.tier, "objective": e.objective, "cause": e.cause, "upTo": e.up_to, "reason": e.reason}
                        for e in readiness.objectives.exceptions] if readiness.objectives else []),
        "figures": ({key: _figure(figures, key) for key in figures.steps if key not in ("declare", "health-check-failover")}
                    if figures else {}),
        "fallbacks": [{"store": s.store, "seconds": s.seconds, "source": s.source} for s in readiness.fallbacks],
        "notes": list(readiness.notes),
        "problems": list(readiness.problems),
    }


def _figure(figures: Figures, key: str) -> dict[str, Any]:
    p50, p95 = figures.quantiles(key)
    return {"p50Seconds": p50, "p95Seconds": p95, "measured": figures.is_measured(key),
            "calibrationPending": figures.is_calibration_pending(key), "source": figures.source(key)}
