"""ElastiCache Redis in cluster mode in both regions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from .base import DailyWindow60, Section, WeeklyWindow60, matching, quoted_text

# ElastiCache node types are cache.<family>.<size> (Supported node types, ElastiCache User Guide):
# cache.r7g.large, cache.m6g.2xlarge, cache.t4g.micro.
NodeType = Annotated[str, matching(
    r"cache\.[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.(micro|small|medium|large|[0-9]*xlarge)",
    'an ElastiCache node type cache.<family>.<size>, e.g. "cache.r7g.large"',
)]
# CreateReplicationGroup ReplicationGroupId: 1-40 letters, digits or hyphens, a letter first, no '--', no '-'
# last; stored lowercase. The dr stack's group is "<id>-dr", so the id itself has at most 37 characters.
GroupId = Annotated[str, matching(
    r"[a-z](?!.*--)[a-z0-9-]{0,36}(?<!-)",
    "a replication group id: 1-37 lowercase letters, digits or hyphens (the dr group adds -dr, ElastiCache allows 40), "
    "a letter first, no '--', no '-' last",
)]
# The component names the parameter group default.redis<major>.cluster.on, which exists for Redis 7 only
# (Redis 6 is default.redis6.x.cluster.on); for 7 and later the provider wants major.minor (terraform-provider-aws
# aws_elasticache_replication_group engine_version).
REDIS_VERSIONS = ("7.0", "7.1")
EngineVersion = Annotated[
    Literal["7.0", "7.1"], BeforeValidator(quoted_text('engineVersion: "7.1"')),
]


class CacheSize(Section):
    node_type: NodeType = "cache.r7g.large"
    num_node_groups: int = Field(default=3, ge=1, le=500)
    replicas_per_node_group: int = Field(default=2, ge=1, le=5)


class Cache(Section):
    replication_group_id: GroupId = "aivo-production-redis"
    engine_version: EngineVersion = "7.1"
    size: CacheSize = CacheSize()
    standby_size: CacheSize = CacheSize(num_node_groups=1, replicas_per_node_group=1)
    snapshot_retention_days: int = Field(default=7, ge=1, le=35)
    snapshot_window: DailyWindow60 = "06:30-07:30"
    maintenance_window: WeeklyWindow60 = "sun:08:00-sun:09:00"
    dr_mode: Literal["warm", "global"] = "warm"

    @property
    def dr_group_id(self) -> str:
        """The us-west-2 replication group (warm standby or Global Datastore secondary): its cache, alarm and probe."""
        return f"{self.replication_group_id}-dr"


    @model_validator(mode="before")
    @classmethod
    def _sizes_over_defaults(cls, data: Any) -> Any:
        """A partial size (`--path cache.standbySize.nodeType ...`) keeps the other figures of that size's
        default (the standby's 1 shard x 1 replica), not those of the production size."""
        from .velero import merge_over_defaults

        return merge_over_defaults(cls, data, ("size", "standby_size"))
