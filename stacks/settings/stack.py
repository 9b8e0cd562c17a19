"""The whole of a stack's settings: every section, plus the rules that tie sections together."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from .backups import WeeklySnapshots
from .base import Region, Section, matching
from .cache import Cache
from .cluster import Cluster
from .database import Database
from .edge import Cdn, Dns
from .network import Network
from .paging import Detection, Paging
from .peer import Peer
from .readiness import Readiness
from .runner import Runner
from .site import Site
from .storage import Storage
from .testing import Testing
from .tiers import Objectives, Tier, runbook_tiers
from .velero import Velero

Role = Literal["primary", "dr"]

# The runbook's "Infrastructure Overview".
PRIMARY_REGION = "us-east-1"
DR_REGION = "us-west-2"

CLUSTER_NAMES = {"primary": "aivo-production-eks", "dr": "aivo-dr-eks"}


class Regions(Section):
    primary: Region = PRIMARY_REGION
    dr: Region = DR_REGION

    @model_validator(mode="after")
    def _distinct(self) -> Regions:
        if self.primary == self.dr:
            raise ValueError("two different regions for primary and dr")
        return self


class StackSettings(Section):
    """Everything a stack may set under the `aivo-dr:` namespace. Defaults are the runbook's figures."""

    role: Role
    region: Region
    regions: Regions = Regions()
    # What belongs to one company's account: required, no defaults (stacks/settings/site.py).
    site: Site
    environment: Annotated[str, matching(r"[a-z][a-z0-9-]{0,31}", "1-32 lowercase letters, digits or '-', a letter first")] = "production"
    failover: bool = False
    # Primary stack only, for failback: which region is active (default: the primary's own region).
    # Set to the dr region after a failover, so the primary stack rebuilds itself as a replica of it.
    active_region: Region | None = None
    objectives: Objectives = Objectives()
    tiers: dict[str, Tier] = Field(default_factory=runbook_tiers, min_length=1)
    network: Network = Network()
    database: Database = Database()
    weekly_snapshots: WeeklySnapshots = WeeklySnapshots()
    storage: Storage = Storage()
    cache: Cache = Cache()
    cluster: Cluster = Cluster()
    velero: Velero = Velero()
    dns: Dns = Dns()
    cdn: Cdn = Cdn()
    peer: Peer = Peer()
    runner: Runner = Runner()
    paging: Paging = Paging()
    detection: Detection = Detection()
    testing: Testing = Testing()
    readiness: Readiness = Readiness()

    @model_validator(mode="before")
    @classmethod
    def _tiers_over_the_runbook(cls, data: Any) -> Any:
        """`tiers` merges over the runbook's table like every other section: a tier it names replaces or extends
        that tier's figures, a new name adds a tier, `null` removes one, and a tier it does not name stays
        (docs/settings.md "Map sections"). Nothing is dropped without a word."""
        if isinstance(data, dict) and isinstance(data.get("tiers"), dict):
            merged: dict[str, Any] = {name: tier.model_dump(by_alias=True) for name, tier in runbook_tiers().items()}
            for name, tier in data["tiers"].items():
                if tier is None:
                    merged.pop(name, None)
                elif isinstance(tier, dict) and isinstance(merged.get(name), dict):
                    merged[name] = _tier_over(merged[name], tier)
                else:
                    merged[name] = tier
            return {**data, "tiers": merged, **_default_exceptions_of(data, merged)}
        return data

    @model_validator(mode="before")
    @classmethod
    def _mode_exceptions(cls, data: Any) -> Any:
        """database.drMode aurora-global changes which step dominates the Critical tier (runbook_exceptions); the
        runbook table's defaults follow it unless the settings list their own exceptions or tiers (then the
        validator above decides)."""
        if not isinstance(data, dict) or isinstance(data.get("tiers"), dict) or _database_mode(data) == "rds-replica":
            return data
        readiness = data.get("readiness")
        if isinstance(readiness, dict) and "exceptions" in readiness:
            return data
        from .readiness import runbook_exceptions

        exceptions = [e.model_dump(by_alias=True) for e in runbook_exceptions(_database_mode(data))]
        return {**data, "readiness": {**(readiness if isinstance(readiness, dict) else {}), "exceptions": exceptions}}

    @model_validator(mode="before")
    @classmethod
    def _site_keys_one_by_one(cls, data: Any) -> Any:
        """A stack file without a `site` block is told about its first missing key, with where to find it."""
        if isinstance(data, dict) and "site" not in data:
            return {**data, "site": {}}
        return data

    # ---- what the settings mean ---------------------------------------------------------------

    @property
    def account_id(self) -> str:
        return self.site.account_id

    @property
    def is_dr(self) -> bool:
        return self.role == "dr"

    @property
    def peer_region(self) -> str:
        """The other region of the pair."""
        return self.regions.dr if self.role == "primary" else self.regions.primary

    @property
    def active(self) -> str:
        """The region that serves traffic and takes writes, as these settings declare it."""
        if self.is_dr:
            return self.regions.dr if self.failover else self.regions.primary
        return self.active_region or self.regions.primary

    @property
    def is_active(self) -> bool:
        return self.region == self.active

    @property
    def runner_name(self) -> str:
        """The deploy runner's CodeBuild project (and role): aivo-dr-primary-runner, aivo-dr-dr-runner."""
        return f"aivo-dr-{self.role}-runner"

    @property
    def cluster_name(self) -> str:
        return self.cluster.name or CLUSTER_NAMES[self.role]

    @property
    def tags(self) -> dict[str, str]:
        return {"environment": self.environment, "managed-by": "aivo-dr", "dr-role": self.role}


def _default_exceptions_of(data: dict[str, Any], tiers: dict[str, Any]) -> dict[str, Any]:
    """The runbook's accepted exceptions (stacks/settings/readiness.py) of the tiers still in the table, unless the
    settings list their own: removing a tier removes what was accepted about it."""
    from .readiness import runbook_exceptions

    readiness = data.get("readiness")
    if isinstance(readiness, dict) and "exceptions" in readiness:
        return {}
    kept = [e.model_dump(by_alias=True) for e in runbook_exceptions(_database_mode(data)) if e.tier in tiers]
    return {"readiness": {**(readiness if isinstance(readiness, dict) else {}), "exceptions": kept}}


def _database_mode(data: dict[str, Any]) -> str:
    database = data.get("database")
    mode = database.get("drMode") if isinstance(database, dict) else None
    return mode if isinstance(mode, str) else "rds-replica"


def _tier_over(default: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """A tier laid over the runbook's: `uses` merges service by service (a new service says only what it uses),
    and the runbook's entries of services the tier no longer lists are dropped."""
    merged = {**default, **given}
    if isinstance(given.get("uses"), dict) and isinstance(default.get("uses"), dict):
        merged["uses"] = {**default["uses"], **given["uses"]}
    services = merged.get("services")
    if isinstance(merged.get("uses"), dict) and isinstance(services, list):
        given_uses: dict[str, Any] = given["uses"] if isinstance(given.get("uses"), dict) else {}
        merged["uses"] = {k: v for k, v in merged["uses"].items() if k in services or k in given_uses}
    return merged


# The tier of shared platform infrastructure (network, database, cache, clusters): it carries the
# Critical tier's services, so it is held to the Critical tier's objectives.
PLATFORM_TIER = "Critical"


def tags_for(settings: StackSettings, service: str, tier: str = PLATFORM_TIER) -> dict[str, str]:
    """Tags every taggable resource carries: its service, tier and environment (policy `resources-tagged`)."""
    return {**settings.tags, "service": service, "tier": tier}
