"""Service tiers and recovery objectives: the runbook's "Recovery Objectives" and "Service Level Tiers" tables."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

from .base import Duration, Label, Section, duration_minutes, no_repeats


class Tier(Section):
    """One row of the runbook's tier table."""

    rto: Duration
    rpo: Duration
    services: Annotated[list[Label], Field(min_length=1), no_repeats("service names")]

    @property
    def rto_minutes(self) -> int:
        return duration_minutes(self.rto)

    @property
    def rpo_minutes(self) -> int:
        return duration_minutes(self.rpo)


def runbook_tiers() -> dict[str, Tier]:
    """The runbook's table: | Tier | Services | RTO | RPO |."""
    return {
        "Critical": Tier(rto="30 min", rpo="5 min", services=["auth-svc", "api-gateway", "billing-svc"]),
        "High": Tier(rto="1 hour", rpo="15 min", services=["content-svc", "assessment-svc", "analytics-svc"]),
        "Medium": Tier(rto="2 hours", rpo="1 hour", services=["ai-orchestrator", "notify-svc"]),
        "Low": Tier(rto="4 hours", rpo="4 hours", services=["experimentation-svc", "engagement-svc"]),
    }


class Objectives(Section):
    """Platform-wide targets from the runbook's "Recovery Objectives" table."""

    rto: Duration = "4 hours"
    rpo: Duration = "1 hour"
    mttr: Duration = "2 hours"


def restore_order(tiers: dict[str, Tier]) -> list[str]:
    """Tier names in the order they are brought back: shortest RTO first, then shortest RPO, then name."""
    return sorted(tiers, key=lambda name: (tiers[name].rto_minutes, tiers[name].rpo_minutes, name))


def tier_of(tiers: dict[str, Tier], service: str) -> str:
    """The tier a service belongs to (settings guarantee exactly one)."""
    for name, tier in tiers.items():
        if service in tier.services:
            return name
    raise KeyError(service)


def duplicate_service(tiers: dict[str, Tier]) -> tuple[str, str, str] | None:
    """(service, first tier, second tier) for the first service listed in two tiers, or None."""
    seen: dict[str, str] = {}
    for name, tier in tiers.items():
        for service in tier.services:
            if service in seen:
                return service, seen[service], name
            seen[service] = name
    return None


def tier_slug(tier: str) -> str:
    """A tier name as the program turns it into resource names and label values (stacks/compute.py tier_slug,
    kept equal by tests/test_settings_tiers.py)."""
    return re.sub(r"[^a-z0-9]+", "-", tier.lower()).strip("-")[:40] or "tier"


TIER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}")
