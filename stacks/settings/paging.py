"""Paging: the runbook's Contacts section (on-call rotation, escalation path) and when alarms fire.

Who is paged (PagerDuty user ids) are site values (stacks/settings/site.py, `site.pagerduty`); the shape of
the rotation and the escalation path are the runbook's figures, here as defaults.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from .base import Duration, Section, duration_minutes, matching
from .values import UtcTime


class EscalationLevel(Section):
    """One row of the runbook's escalation path: who, and until when they alone are paged."""

    level: Annotated[str, matching(r"L[0-9]", "an escalation level L0 to L9")]
    who: Literal["on-call engineer", "team lead", "engineering manager", "VP Engineering"]
    # How long after the incident opens this level stops being the last one paged (None: the last level).
    until: Duration | None = None


def runbook_escalation() -> list[EscalationLevel]:
    """The runbook's "Escalation Path": L1 0-15 min, L2 15-30 min, L3 30-60 min, L4 after 1 hour."""
    return [
        EscalationLevel(level="L1", who="on-call engineer", until="15 min"),
        EscalationLevel(level="L2", who="team lead", until="30 min"),
        EscalationLevel(level="L3", who="engineering manager", until="1 hour"),
        EscalationLevel(level="L4", who="VP Engineering"),
    ]


class Paging(Section):
    escalation: list[EscalationLevel] = Field(default_factory=runbook_escalation, min_length=1)
    # How long the last level is paged before the path starts over, and how many times it does.
    repeat_after: Duration = "30 min"
    repeats: int = Field(default=2, ge=0, le=9)
    # Urgency of each tier's service. Unset: a tier whose RTO is at most `highUrgencyWithin` wakes people up
    # (the runbook's Critical and High), the others wait for the morning (Medium and Low).
    urgency: dict[str, Literal["high", "low"]] = {}
    high_urgency_within: Duration = "1 hour"
    # Rotations: weekly handovers from this moment (a Monday, 00:00 UTC).
    rotation_start: UtcTime = "2026-01-05T00:00:00Z"
    rotation_days: int = Field(default=7, ge=1, le=28)

    @field_validator("escalation")
    @classmethod
    def _levels_in_order(cls, escalation: list[EscalationLevel]) -> list[EscalationLevel]:
        ends = [duration_minutes(level.until) for level in escalation if level.until is not None]
        if any(level.until is None for level in escalation[:-1]) or escalation[-1].until is not None:
            raise ValueError("levels each with `until` (when the next level is paged), except the last")
        if ends != sorted(set(ends)):
            raise ValueError("levels in order, each `until` later than the one before")
        return escalation

    def urgencies(self, rto_minutes: dict[str, int]) -> dict[str, str]:
        """Each tier's urgency: as set, or derived from its RTO."""
        if self.urgency:
            return dict(self.urgency)
        limit = duration_minutes(self.high_urgency_within)
        return {tier: "high" if rto <= limit else "low" for tier, rto in rto_minutes.items()}

    def delays_minutes(self) -> list[int]:
        """PagerDuty's escalation delays: how long each level is paged before the next (the last: repeatAfter)."""
        starts = [0] + [duration_minutes(level.until) for level in self.escalation if level.until is not None]
        return [b - a for a, b in zip(starts, starts[1:], strict=False)] + [duration_minutes(self.repeat_after)]


class Detection(Section):
    """How quickly alarms may fire. Every threshold itself is derived from the runbook's figures."""

    # One datapoint a minute; an alarm needs `evaluationPeriods` breaching minutes in a row.
    period_seconds: Literal[60, 300] = 60
    evaluation_periods: int = Field(default=3, ge=1, le=10)
    # The canary in the DR region probes the active region's ingress this often.
    canary_rate_minutes: int = Field(default=1, ge=1, le=60)
    # The freshness probe (backups, Velero, DR capacity) runs this often.
    probe_rate_minutes: int = Field(default=5, ge=1, le=60)
    # Days the freshness probe's log group keeps its runs (CloudWatch Logs' retention values; a year, like the runner's).
    probe_log_retention_days: Literal[30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653] = 365
    # CloudWatch publishes a minute's datapoint up to this late.
    metric_delay_seconds: int = Field(default=60, ge=0, le=600)
    # The DR replica's lag alarm fires above this many seconds. Unset: the strictest RPO of the tiers that use the
    # database, less the alarm's own detection time (stacks/detection.py), so that lag plus detection stays within it.
    replica_lag_threshold_seconds: int | None = Field(default=None, ge=1, le=86400)
