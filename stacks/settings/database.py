"""RDS PostgreSQL: the runbook's "Database Backups" (automated backups, PITR) and DR read replica."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from .base import DailyWindow, Section, WeeklyWindow


def _check_engine_version(value: object) -> str:
    """A PostgreSQL version as a string; a YAML number is refused with how to quote it (17.10 reads as 17.1)."""
    if isinstance(value, bool):
        raise ValueError('a PostgreSQL major version such as "16"')
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise ValueError(f'a string: quote it, engineVersion: "{value}" (a YAML number loses digits: 17.10 reads as 17.1)')
    if not re.match(r"^\d+(\.\d+)?$", str(value)):
        raise ValueError('a PostgreSQL major version such as "16"')
    return str(value)


EngineVersion = Annotated[str, BeforeValidator(_check_engine_version)]



class Restore(Section):
    """Runbook "Procedure: Database Point-in-Time Recovery": a recovered instance beside the original."""

    source: str = Field(min_length=1)
    time: str = "latest"
    identifier: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9-]{0,62}$")

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        if value == "latest":
            return value
        try:
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            raise ValueError('"latest" or a UTC time like "2024-01-15T10:30:00Z"') from None
        return value


class Database(Section):
    identifier: str = Field(default="aivo-production-postgres", pattern=r"^[a-z][a-z0-9-]{0,62}$")
    replica_identifier: str = Field(default="aivo-production-postgres-dr", pattern=r"^[a-z][a-z0-9-]{0,62}$")
    # The major version only: RDS applies minor upgrades itself (autoMinorVersionUpgrade), and a pinned minor
    # would make every later `pulumi up` a refused downgrade (terraform-provider-aws #39579).
    engine_version: EngineVersion = "16"
    parameter_family: str = "postgres16"
    instance_class: str = "db.r6g.large"
    allocated_storage: int = Field(default=100, ge=20, le=65536)
    max_allocated_storage: int = Field(default=1000, ge=20, le=65536)
    db_name: str = "aivo"
    master_username: str = "aivo_admin"
    port: int = Field(default=5432, ge=1150, le=65535)
    multi_az: bool = True
    backup_retention_days: int = Field(default=30, ge=1, le=35)
    backup_window: DailyWindow = "03:00-06:00"
    maintenance_window: WeeklyWindow = "sun:07:00-sun:08:00"
    subnet_group_name: str = "aivo-production-db-subnet"
    # Failback: the new us-east-1 replica of the us-west-2 database (primary stack, activeRegion us-west-2).
    failback_identifier: str = Field(default="aivo-production-postgres-fb", pattern=r"^[a-z][a-z0-9-]{0,62}$")
    # Set once the failback replica has been promoted (activeRegion back to us-east-1): it is then the writer.
    failback_promoted: bool = False
    # Last failback step, after the old writer's writes are reconciled: stop declaring the original writer.
    # It is protected and retained, so `pulumi state unprotect` must come first, and the instance itself
    # stays in AWS (deletion protection on) until the DBA deletes it with a final snapshot.
    retire_original: bool = False
    # Bump to rotate the master password: it is sent write-only to RDS and written to a new secret version.
    password_version: int = Field(default=1, ge=1, le=1000)
    performance_insights_retention_days: int = Field(default=7, ge=7, le=731)
    storage_type: Literal["gp3", "io1", "io2"] = "gp3"
    restore: Restore | None = None

    @model_validator(mode="after")
    def _maintenance_outside_backup(self) -> Database:
        if self.max_allocated_storage < self.allocated_storage:
            raise ValueError("maxAllocatedStorage at least allocatedStorage")
        if len({self.identifier, self.replica_identifier, self.failback_identifier}) != 3:
            raise ValueError("identifier, replicaIdentifier and failbackIdentifier all different")
        if self.restore and self.restore.identifier in (self.identifier, self.replica_identifier, self.failback_identifier):
            raise ValueError("restore.identifier different from the instances it sits beside")
        return self


def failback_replicates(active_region: str, primary_region: str, failback_promoted: bool) -> bool | None:
    """Whether the failback instance replicates us-west-2 (True), is the promoted writer (False), or is absent (None).

    It exists from the moment the primary stack is told us-west-2 is active, and stays once promoted.
    """
    if active_region != primary_region:
        return True
    return False if failback_promoted else None
