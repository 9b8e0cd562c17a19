"""Service tiers and recovery objectives: the runbook's "Recovery Objectives" and "Service Level Tiers" tables."""

from __future__ import annotations

import re
import typing
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from .base import Duration, Label, Section, duration_minutes, no_repeats

# What a service's data lives in (the readiness model's data stores, policies/recovery): the RDS database, the
# Redis cache, the assets bucket, persistent volumes in the cluster (restored by Velero); "stateless" keeps no data.
# A service's Kubernetes objects are restored by Velero whatever it uses: that bears on its RTO, not on its RPO
# (they are configuration, redeployed from the repository, not user data).
Dependency = Literal["database", "cache", "assets", "volumes", "stateless"]
DEPENDENCIES: tuple[str, ...] = ("database", "cache", "assets", "volumes", "stateless")


USES_TEXT = 'per service, a non-empty list from database, cache, assets, volumes, each once, or ["stateless"] alone'


def _check_uses(value: object) -> object:
    if not isinstance(value, dict):
        raise ValueError(USES_TEXT)
    for uses in value.values():
        if (not isinstance(uses, list) or not uses or len(set(uses)) != len(uses)
                or ("stateless" in uses and len(uses) > 1)):
            raise ValueError(USES_TEXT)
    return value


class Tier(Section):
    """One row of the runbook's tier table, and what each of its services depends on."""

    rto: Duration
    rpo: Duration
    services: Annotated[list[Label], Field(min_length=1), no_repeats("service names")]
    # Every service of the tier, and the data stores it uses (docs/readiness.md, "What each service uses");
    # rules.py uses_problem requires one entry per service.
    uses: Annotated[dict[Label, list[Dependency]], AfterValidator(_check_uses)] = {}

    @property
    def rto_minutes(self) -> int:
        return duration_minutes(self.rto)

    @property
    def rpo_minutes(self) -> int:
        return duration_minutes(self.rpo)


# What each service uses. The runbook names the data stores (RDS PostgreSQL, ElastiCache Redis, S3 assets,
# Velero for Kubernetes state) but not who uses which: these defaults are an assumption, stated in
# docs/readiness.md ("What each service uses"): every service keeps its records in the database; the sign-in and
# the gateway keep sessions and rate limits in the cache; content and assessments keep files in the assets bucket;
# no service keeps data on cluster volumes (the runbook's `--restore-volumes=true` restores any that exist).
RUNBOOK_USES: dict[str, list[str]] = {
    "auth-svc": ["database", "cache"],
    "api-gateway": ["cache"],
    "billing-svc": ["database"],
    "content-svc": ["database", "assets"],
    "assessment-svc": ["database", "assets"],
    "analytics-svc": ["database"],
    "ai-orchestrator": ["database"],
    "notify-svc": ["database"],
    "experimentation-svc": ["database"],
    "engagement-svc": ["database"],
}


def _uses(services: list[str]) -> dict[str, list[Dependency]]:
    return {service: [typing.cast(Dependency, u) for u in RUNBOOK_USES[service]] for service in services}


def runbook_tiers() -> dict[str, Tier]:
    """The runbook's table: | Tier | Services | RTO | RPO |, with what each service uses (RUNBOOK_USES)."""
    table = {
        "Critical": ("30 min", "5 min", ["auth-svc", "api-gateway", "billing-svc"]),
        "High": ("1 hour", "15 min", ["content-svc", "assessment-svc", "analytics-svc"]),
        "Medium": ("2 hours", "1 hour", ["ai-orchestrator", "notify-svc"]),
        "Low": ("4 hours", "4 hours", ["experimentation-svc", "engagement-svc"]),
    }
    return {name: Tier(rto=rto, rpo=rpo, services=services, uses=_uses(services)) for name, (rto, rpo, services) in table.items()}


def tiers_using(tiers: dict[str, Tier], store: str) -> list[str]:
    """The tiers, in restore order, with a service that uses `store` (database, cache, assets, volumes)."""
    return [name for name in restore_order(tiers) if any(store in tiers[name].uses.get(s, []) for s in tiers[name].services)]


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
