"""Readiness: how long the DR event's declaration takes, and the runbook contradictions accepted with a reason.

The model itself (what each tier can achieve, from the plans) lives in the policy pack (policies/recovery); these
settings are what it cannot read off the resources: the human step between the page and the failover, and the
exceptions a person decided to accept. Both are written into the plan (the `aivo-dr-objectives` ConfigMap) so the
pack and `drctl readiness` see them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .base import Duration, Section, matching

# What may break a tier (policies/recovery/steps.yaml; tests/test_readiness_model.py keeps them equal): the data
# stores, for its RPO, and the failover's steps, for its RTO.
RPO_CAUSES = ("database", "cache", "assets", "volumes")
RTO_CAUSES = ("detect", "declare", "preflight", "promote", "scale", "cache", "restore", "pods", "lb", "dns", "verify")


class AcceptedException(Section):
    """A tier's objective that the declared stacks cannot keep, accepted by a person, with the reason (shown in
    every readiness report). It covers one cause, up to one figure: anything else that breaks the tier, or the
    same cause growing past `upTo`, is a BREACH again."""

    tier: str
    objective: Literal["rto", "rpo"]
    # The data store (rpo: database, cache, assets, volumes) or the failover step (rto: the step on the tier's
    # critical path that takes longest) that breaks the objective.
    cause: str
    # The most it may reach; unset: whatever it is (for a store whose data is lost, which has no figure).
    up_to: Duration | None = None
    reason: Annotated[str, matching(r"(?s).{20,600}", "a reason of 20 to 600 characters (shown in every readiness report)")]


def runbook_exceptions(database_mode: str = "rds-replica") -> list[AcceptedException]:
    """The contradictions the runbook's own figures contain, as the platform's defaults (docs/readiness.md); in
    database.drMode aurora-global the Critical tier's longest step is the declaration, not a promotion."""
    return [
        AcceptedException(
            tier="Critical", objective="rpo", cause="cache",
            reason="the warm-standby cache (cache.drMode warm) starts empty: the Critical tier keeps only sign-in sessions "
                   "and rate-limit counters in it, so a failover signs users in again and resets limits, and loses no "
                   "record; cache.drMode global would keep them about a second behind",
        ),
        AcceptedException(
            tier="Critical", objective="rto", cause="promote", up_to="55 min",
            reason="at p95 the Critical tier cannot keep 30 minutes with the runbook's own steps: 5 min to detect, up to "
                   "15 min to declare (the escalation path's L1), the pre-flight, and a replica promotion that 'takes several "
                   "minutes or longer' (RDS User Guide; 20 min at p95, longer when it waits for the replica's backup) before the "
                   "Critical restore, which waits for it; accepted up to the computed p95 until region-failover drills measure "
                   "the real figures (drctl readiness --calibrate)",
        ),
    ] + ([AcceptedException(
        tier="Critical", objective="rto", cause="declare", up_to="46 min",
        reason="database.drMode aurora-global: the same contradiction with no promotion on the Critical path (the "
               "detach, 10 min at p95, is off it): 5 min to detect, up to 15 min to declare (the escalation path's L1) "
               "and the pre-flight take the 30 minutes at p95 before any recovery step; accepted up to the computed p95 "
               "until region-failover drills measure the real figures (drctl readiness --calibrate)",
    )] if database_mode == "aurora-global" else [])


class Readiness(Section):
    # From the page to the decision to fail over (runbook Scenario 4: "Declare DR event (requires approval)").
    # Unset: the first level of the escalation path (paging.escalation, L1 0-15 min), the time the on-call engineer
    # has before the next level is paged.
    declaration: Duration | None = None
    exceptions: list[AcceptedException] = Field(default_factory=runbook_exceptions)
