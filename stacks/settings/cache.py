"""ElastiCache Redis in cluster mode in both regions."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import DailyWindow, Section, WeeklyWindow


class CacheSize(Section):
    node_type: str = "cache.r7g.large"
    num_node_groups: int = Field(default=3, ge=1, le=500)
    replicas_per_node_group: int = Field(default=2, ge=1, le=5)


class Cache(Section):
    replication_group_id: str = "aivo-production-redis"
    engine_version: str = "7.1"
    size: CacheSize = CacheSize()
    standby_size: CacheSize = CacheSize(num_node_groups=1, replicas_per_node_group=1)
    snapshot_retention_days: int = Field(default=7, ge=1, le=35)
    snapshot_window: DailyWindow = "06:30-07:30"
    maintenance_window: WeeklyWindow = "sun:08:00-sun:09:00"
    dr_mode: Literal["warm", "global"] = "warm"
