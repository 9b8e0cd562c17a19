"""Readiness: every service tier can keep its RTO and RPO with the declared stacks (policies/recovery).

The policy sees one stack in one state, and checks what that plan declares:
- a standby plan: the RPO of the data stores it replicates (primary: the assets bucket with RTC, the Velero
  schedule the restores use and its bucket; dr: the read replica and its lag alarm, the DR cache);
- the dr stack's failover plan: the RTO of every tier at p95, from the graph of its `pulumi up` plus detection,
  the declaration and the pre-flight, in the normal mode and with us-east-1's control planes impaired (the worse
  decides).
`drctl readiness` runs the same computation over the three plans at once (primary and dr in standby, dr in
failover), so what the policies of the three states refuse is exactly what the command reports as BREACH.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy

from ._common import config
from .recovery import BREACH, assess, load_figures, read_plan
from .recovery.model import MODE_TITLES, fmt

DEFAULT_MARGIN_SECONDS = 0
SCHEMA = PolicyConfigSchema(properties={
    "minimumMarginSeconds": {
        "type": "integer", "minimum": 0, "maximum": 3600, "default": DEFAULT_MARGIN_SECONDS,
        "description": "A tier whose computed RTO or RPO comes closer than this to its objective is a breach too.",
    },
})


def _tiers(args: StackValidationArgs, report: ReportViolation) -> None:
    figures = load_figures()
    facts = read_plan(list(args.resources), figures)
    for problem in facts.problems:
        report(f"readiness cannot be computed: {problem}", None)
    if facts.objectives is None:
        if facts.failover:
            report("the failover restores tiers but the stack declares no objectives (ConfigMap aivo-dr-objectives)", None)
        return
    margin = int(config(args, "minimumMarginSeconds", DEFAULT_MARGIN_SECONDS))
    readiness = assess([facts], figures)
    for tier in readiness.tiers:
        for name, objective in (("RTO", tier.rto), ("RPO", tier.rpo)):
            if not objective.assessed:
                continue
            short = objective.margin is not None and objective.verdict != BREACH and not objective.accepted and objective.margin < margin
            if objective.verdict == BREACH or short:
                what = "step" if name == "RTO" else "data store"
                value = objective.computed if name == "RTO" else next((s.seconds for s in tier.stores if s.store == objective.cause), None)
                shown = "lost" if name == "RPO" and any(s.lost for s in tier.stores if s.store == objective.cause) else fmt(value)
                if name == "RTO":
                    shown = f"p95 {shown} (p50 {fmt(objective.p50)}, {MODE_TITLES.get(objective.mode or '', objective.mode)})"
                report(f"tier {tier.tier.name}: {name} {shown} against its {tier.tier.rto if name == 'RTO' else tier.tier.rpo}"
                       f" (BREACH: {what} {objective.cause}" + (f", margin under {margin} s" if short else "") + f"): {objective.detail}", None)


tiers_within_objectives = StackValidationPolicy(
    name="tiers-within-objectives",
    description="Every service tier's achievable RTO (at p95, the worse of the normal mode and us-east-1's control planes "
    "impaired) and RPO, computed from the plan (data stores it uses, the failover's steps and their dependencies), is within "
    "the tier's objectives, unless an accepted exception with its reason covers "
    "the cause (readiness.exceptions).",
    validate=_tiers,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    tags=["resilience", "readiness"],
)

POLICIES = [tiers_within_objectives]
