"""What each regional cluster of the Aurora Global Database is, decided from the database settings (drMode aurora-global).

The failover is a detach (docs/aurora-global.md): the us-west-2 cluster stops naming the global cluster, and the
provider calls RemoveFromGlobalCluster in us-west-2, which makes it a standalone writer. So, as with the RDS replica
(stacks/database_shape.py), the secondary already carries every input its detached self has (the 30-day backups, the
windows, deletion protection, the final snapshot, IAM auth, the logs), and the flip changes exactly one input.
"""

from __future__ import annotations

from typing import Any, Literal

from components.aurora import ClusterShape
from stacks.settings.database import Database as DatabaseSettings

Role = Literal["primary", "secondary"]

# CloudWatch log exports Aurora PostgreSQL clusters take: the server log.
LOG_EXPORTS = ["postgresql"]


def parameter_family(db: DatabaseSettings) -> str:
    return f"aurora-postgresql{db.aurora_engine_version.partition('.')[0]}"


def cluster_shape(role: Role, member: bool, db: DatabaseSettings, logging: dict[str, str]) -> ClusterShape:
    """The primary (us-east-1, creates the database, sets rds.global_db_rpo) or the secondary (us-west-2), a member of
    the global database or (secondary on failover) detached."""
    identifier = db.identifier if role == "primary" else db.replica_identifier
    inputs: dict[str, Any] = {
        "cluster_identifier": identifier,
        "engine": "aurora-postgresql",
        "engine_version": db.aurora_engine_version,
        "port": db.port,
        "storage_encrypted": True,
        "backup_retention_period": db.backup_retention_days,
        "preferred_backup_window": db.backup_window,
        "preferred_maintenance_window": db.maintenance_window,
        "deletion_protection": True,
        "skip_final_snapshot": False,
        "final_snapshot_identifier": f"{identifier}-final",
        "delete_automated_backups": False,
        "copy_tags_to_snapshot": True,
        "iam_database_authentication_enabled": True,
        "enabled_cloudwatch_logs_exports": list(LOG_EXPORTS),
        # The primary takes changes in its maintenance window; the secondary at once (it changes during a recovery).
        "apply_immediately": role == "secondary",
    }
    if role == "primary":
        # A secondary inherits these from the global database; CreateDBCluster refuses them there.
        inputs |= {"database_name": db.db_name, "master_username": db.master_username}
    parameters = {"rds.force_ssl": "1", **logging}
    if role == "primary":
        parameters["rds.global_db_rpo"] = str(db.global_rpo_seconds)
    instance_inputs: dict[str, Any] = {
        "engine": "aurora-postgresql",
        "instance_class": db.aurora_instance_class,
        "publicly_accessible": False,
        "performance_insights_enabled": True,
        "performance_insights_retention_period": db.performance_insights_retention_days,
        "monitoring_interval": db.monitoring_interval_seconds,
        "copy_tags_to_snapshot": True,
        "apply_immediately": role == "secondary",
    }
    return ClusterShape(identifier=identifier, member=member, inputs=inputs, instance_inputs=instance_inputs,
                        parameters=parameters, parameter_family=parameter_family(db))


def dr_member(failover: bool) -> bool:
    """The us-west-2 cluster is a member of the global database in standby, and detached (a writer) on failover."""
    return not failover
