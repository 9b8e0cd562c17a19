"""RDS PostgreSQL: the runbook's "Database Backups" (automated backups, PITR) and DR read replica."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from .base import DailyWindow, DbIdentifier, Section, WeeklyWindow, matching
from .values import postgres_majors, postgres_text, utc_time


def _check_engine_version(value: object) -> str:
    """A PostgreSQL version as a string; a YAML number is refused with how to quote it (17.10 reads as 17.1)."""
    if isinstance(value, bool):
        raise ValueError(postgres_text())
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, float):
        raise ValueError(f'a string: quote it, engineVersion: "{value}" (a YAML number loses digits: 17.10 reads as 17.1)')
    text = str(value)
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text, re.ASCII) or text.split(".")[0] not in postgres_majors():
        raise ValueError(postgres_text())
    return text


EngineVersion = Annotated[str, BeforeValidator(_check_engine_version)]


def _check_aurora_version(value: object) -> str:
    """An Aurora PostgreSQL version, major.minor as a string ("16.6"); a YAML number is refused (16.10 reads as 16.1)."""
    if isinstance(value, float):
        raise ValueError(f'a string: quote it, auroraEngineVersion: "{value}" (a YAML number loses digits: 16.10 reads as 16.1)')
    if isinstance(value, bool) or not re.fullmatch(r"\d+\.\d+", str(value)):
        raise ValueError('an Aurora PostgreSQL version major.minor such as "16.6" (aws rds describe-db-engine-versions '
                         "--engine aurora-postgresql)")
    return str(value)


AuroraEngineVersion = Annotated[str, BeforeValidator(_check_aurora_version)]



class Restore(Section):
    """Runbook "Procedure: Database Point-in-Time Recovery": a recovered instance beside the original."""

    source: DbIdentifier
    time: str = "latest"
    identifier: DbIdentifier

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        if value != "latest" and utc_time(value) is None:
            raise ValueError('"latest" or a real UTC time like "2024-01-15T10:30:00Z"')
        return value


# RDS instance classes are db.<family>.<size> (DB instance classes, Amazon RDS User Guide): db.r6g.large,
# db.m7i.2xlarge, db.t4g.micro, db.x2iedn.metal. Which classes a region offers is AWS's to say at `pulumi up`;
# the shape is checked here, so that "r6g.large" or "db.r6g" never reaches it.
InstanceClass = Annotated[str, matching(
    r"db\.[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.(nano|micro|small|medium|large|[0-9]*xlarge|metal(-[0-9]+xl)?)",
    'an RDS instance class db.<family>.<size>, e.g. "db.r6g.large"',
)]
# PostgreSQL: a database name and a role name are identifiers of at most 63 characters; RDS wants a letter first
# and letters, digits or underscores (CreateDBInstance DBName / MasterUsername).
DbName = Annotated[str, matching(r"[A-Za-z][A-Za-z0-9_]{0,62}", "a PostgreSQL database name: a letter, then letters, digits or '_' (at most 63)")]
MasterUsername = Annotated[str, matching(
    r"(?!(?i:postgres$|rdsadmin$|rdsrepladmin$|pg_|rds_))[A-Za-z][A-Za-z0-9_]{0,62}",
    "a PostgreSQL role name: a letter, then letters, digits or '_' (at most 63); not postgres, rdsadmin, "
    "rdsrepladmin or a name starting pg_ or rds_ (reserved by PostgreSQL and RDS)",
)]
# CreateDBSubnetGroup: letters, digits, periods, underscores, spaces or hyphens, at most 255, not "default";
# RDS stores it lowercase, so only lowercase is taken (else every `pulumi up` shows a change).
SubnetGroupName = Annotated[str, matching(
    r"(?!default$)[a-z0-9][a-z0-9._ -]{0,254}",
    "a DB subnet group name: lowercase letters, digits, '.', '_', ' ' or '-' (at most 255), not default",
)]


def _check_pi_retention(days: int) -> int:
    # CreateDBInstance PerformanceInsightsRetentionPeriod: "7, month * 31 (where month is a number of months
    # from 1-23), 731".
    if days not in PI_RETENTION_DAYS:
        raise ValueError("7, 731 or a multiple of 31 from 31 to 713 (days of Performance Insights retention RDS accepts)")
    return days


PI_RETENTION_DAYS = (7, *(31 * months for months in range(1, 24)), 731)


class Database(Section):
    identifier: DbIdentifier = "aivo-production-postgres"
    replica_identifier: DbIdentifier = "aivo-production-postgres-dr"
    # The major version only: RDS applies minor upgrades itself (autoMinorVersionUpgrade), and a pinned minor
    # would make every later `pulumi up` a refused downgrade (terraform-provider-aws #39579).
    engine_version: EngineVersion = "16"
    parameter_family: Annotated[str, matching(r"postgres[0-9]+", "an RDS parameter group family postgres<major>, e.g. postgres16")] = "postgres16"
    instance_class: InstanceClass = "db.r6g.large"
    allocated_storage: int = Field(default=100, ge=20, le=65536)
    max_allocated_storage: int = Field(default=1000, ge=20, le=65536)
    db_name: DbName = "aivo"
    master_username: MasterUsername = "aivo_admin"
    port: int = Field(default=5432, ge=1150, le=65535)
    multi_az: bool = True
    backup_retention_days: int = Field(default=30, ge=1, le=35)
    backup_window: DailyWindow = "03:00-06:00"
    maintenance_window: WeeklyWindow = "sun:07:00-sun:08:00"
    subnet_group_name: SubnetGroupName = "aivo-production-db-subnet"
    # Failback: the new us-east-1 replica of the us-west-2 database (primary stack, activeRegion us-west-2).
    failback_identifier: DbIdentifier = "aivo-production-postgres-fb"
    # Set once the failback replica has been promoted (activeRegion back to us-east-1): it is then the writer.
    failback_promoted: bool = False
    # Last failback step, after the old writer's writes are reconciled: stop declaring the original writer.
    # It is protected and retained, so `pulumi state unprotect` must come first, and the instance itself
    # stays in AWS (deletion protection on) until the DBA deletes it with a final snapshot.
    retire_original: bool = False
    # Bump to rotate the master password: it is sent write-only to RDS and written to a new secret version.
    password_version: int = Field(default=1, ge=1, le=1000)
    performance_insights_retention_days: Annotated[int, AfterValidator(_check_pi_retention)] = 7
    storage_type: Literal["gp3", "io1", "io2"] = "gp3"
    # Provisioned IOPS: required with io1/io2 (RDS refuses them without it), not set with gp3 (its baseline).
    iops: int | None = Field(default=None, ge=1000, le=256000)
    restore: Restore | None = None
    # Enhanced Monitoring: OS metrics of every instance every this many seconds (the values RDS accepts, 0 excepted:
    # 0 turns it off). Its role exists in both stacks in every state, so a failover creates no IAM.
    monitoring_interval_seconds: Literal[1, 5, 10, 15, 30, 60] = 60
    # PostgreSQL logging, on every parameter group: which statements are logged (ddl: schema and role changes; mod adds
    # every write; all, every statement), and statements slower than this many milliseconds.
    log_statement: Literal["ddl", "mod", "all"] = "ddl"
    log_min_duration_statement_ms: int = Field(default=1000, ge=0, le=60000)
    # How the database reaches us-west-2 (docs/aurora-global.md): the runbook's RDS PostgreSQL cross-region read replica,
    # or an Aurora PostgreSQL Global Database whose us-west-2 cluster is detached (promoted) by the failover flip.
    dr_mode: Literal["rds-replica", "aurora-global"] = "rds-replica"
    # aurora-global only (checked there, see aurora_problem): the engine version, major.minor, as CreateGlobalCluster
    # takes it (every member runs the global cluster's version; a global database's minor is upgraded when asked, on
    # the global cluster), and the class of every cluster instance.
    aurora_engine_version: AuroraEngineVersion = "16.6"
    aurora_instance_class: InstanceClass = "db.r6g.large"
    global_cluster_identifier: DbIdentifier = "aivo-production-global"
    # rds.global_db_rpo on the primary cluster: commits wait when every secondary lags more than this many seconds.
    # Aurora accepts 20 to 2,147,483,647 (Aurora User Guide, "Managing RPOs for Aurora PostgreSQL-based global databases").
    global_rpo_seconds: int = Field(default=60, ge=20, le=2147483647)

    @model_validator(mode="after")
    def _maintenance_outside_backup(self) -> Database:
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


def aurora_problem(db: Database, strictest_rpo: tuple[str, int]) -> tuple[str, object, str] | None:
    """database.drMode aurora-global, checked whole: what it needs, and the RDS-instance settings it does not take.

    Split brain and failback (stacks/settings/rules.py split_brain): the dr rule applies unchanged (no failover once the
    primary says its failback writer exists); the primary's failback keys name RDS instances, so they are refused here.
    Aurora's failback is a new global database from the promoted us-west-2 cluster (docs/aurora-global.md), not declared
    by the primary stack yet.
    """
    if db.dr_mode != "aurora-global":
        return None
    major = db.aurora_engine_version.partition(".")[0]
    if int(major) < 11:
        return ("database.auroraEngineVersion", db.aurora_engine_version,
                "an Aurora PostgreSQL major version 11 or later (Aurora PostgreSQL 10 reached its end of life in January 2023)")
    family = db.aurora_instance_class.split(".")[1]
    if not family.startswith(("r5", "r6", "r7", "r8", "x2")):
        return ("database.auroraInstanceClass", db.aurora_instance_class,
                "a memory-optimized class (db.r5, db.r6g, db.r6i, db.r7g, db.r8g or db.x2g family): Aurora global databases "
                "do not run on burstable or general-purpose classes")
    if db.global_cluster_identifier in (db.identifier, db.replica_identifier):
        return ("database.globalClusterIdentifier", db.global_cluster_identifier, "a name other than identifier and replicaIdentifier")
    tier, minutes = strictest_rpo
    if db.global_rpo_seconds > minutes * 60:
        return ("database.globalRpoSeconds", db.global_rpo_seconds,
                f"20 to {minutes * 60}: within the {tier} tier's RPO ({minutes} min), the strictest of the tier table")
    if db.restore is not None:
        return ("database.restore", db.restore.source, "unset with database.drMode aurora-global (point-in-time recovery of "
                "an Aurora cluster is not declared by these stacks yet: aws rds restore-db-cluster-to-point-in-time)")
    if db.failback_promoted or db.retire_original:
        key = "database.failbackPromoted" if db.failback_promoted else "database.retireOriginal"
        return (key, True, "false with database.drMode aurora-global: these steps name RDS instances; the Aurora failback "
                "is the procedure in docs/aurora-global.md")
    return None
