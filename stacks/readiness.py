"""What the readiness model (policies/recovery) needs from the settings, as the document the stacks declare.

The pack cannot import the stacks: this document travels in the plan (components/objectives.py), and
`drctl readiness` and the pack's `tiers-within-objectives` policy read it from there.
"""

from __future__ import annotations

from typing import Any

from stacks.settings import StackSettings
from stacks.settings.base import duration_minutes
from stacks.settings.tiers import restore_order

SCHEMA = "aivo-dr/objectives@1"


def declaration_seconds(settings: StackSettings) -> tuple[int, str]:
    """How long the DR event's declaration takes, and where the figure comes from."""
    if settings.readiness.declaration is not None:
        return duration_minutes(settings.readiness.declaration) * 60, "setting readiness.declaration"
    first = settings.paging.escalation[0]
    until = first.until or settings.paging.repeat_after
    return (duration_minutes(until) * 60,
            f"runbook Escalation Path: {first.level} {first.who}, 0-{until} (paging.escalation; set readiness.declaration to change)")


def objectives_document(settings: StackSettings) -> dict[str, Any]:
    s = settings
    seconds, source = declaration_seconds(s)
    return {
        "schema": SCHEMA,
        "regions": {"primary": s.regions.primary, "dr": s.regions.dr},
        "tiers": [
            {"name": name, "rtoSeconds": s.tiers[name].rto_minutes * 60, "rpoSeconds": s.tiers[name].rpo_minutes * 60,
             "rto": s.tiers[name].rto, "rpo": s.tiers[name].rpo,
             "services": {svc: list(s.tiers[name].uses[svc]) for svc in s.tiers[name].services}}
            for name in restore_order(s.tiers)
        ],
        "declaration": {"seconds": seconds, "source": source},
        "restoreSchedule": s.velero.daily.name,
        # The failover records' health checks (the primary stack's; the failover plan names them by id only): with
        # Route53's API impaired, traffic moves through them alone (policies/recovery, the impaired mode).
        "healthCheck": {"requestIntervalSeconds": s.dns.health_check.request_interval,
                        "failureThreshold": s.dns.health_check.failure_threshold},
        "buckets": {"assets": s.storage.assets_bucket, "volumes": s.storage.velero_bucket},
        "exceptions": [
            {"tier": e.tier, "objective": e.objective, "cause": e.cause,
             "upToSeconds": duration_minutes(e.up_to) * 60 if e.up_to else None, "upTo": e.up_to, "reason": e.reason}
            for e in s.readiness.exceptions
        ],
    }
