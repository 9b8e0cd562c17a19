"""What each of the project's RDS instances is, decided from the database settings.

`database_inputs` is the one place that decides an instance's inputs (the writer, the DR instance, the
failback instance, a recovered one); the component (components/database.py) declares what it is given.
"""

from __future__ import annotations

from typing import Any, Literal

from components.database import InstanceShape
from stacks.settings.database import Database as DatabaseSettings

Kind = Literal["writer", "dr", "failback", "restored"]

# CloudWatch log exports for PostgreSQL: the server log and the major-version upgrade log.
LOG_EXPORTS = ["postgresql", "upgrade"]


def database_inputs(kind: Kind, replicating: bool, db: DatabaseSettings) -> InstanceShape:
    """The inputs of one of the project's instances: the writer, the DR instance, the failback instance,
    or the instance a `database.restore` recovers (which, like a replica, inherits what its source had).

    Promotion design (terraform-provider-aws `resourceInstanceUpdate`, read in its current source): when
    `replicate_source_db` goes from an ARN to empty, the provider calls PromoteReadReplica with the
    resource's `backup_retention_period` and `backup_window`, waits for the instance, and then calls
    ModifyDBInstance only if some OTHER input changed. Issues #4419 and #21450 are what happens when
    other inputs change in the same update (a modify sent to a replica mid-promotion: "DB Backups not
    supported on a read replica"); re-adding a source is refused ("cannot elect new source database").

    So a replica here already carries every input its promoted self will have: Multi-AZ, the 30-day
    retention and the 03:00-06:00 window (RDS for PostgreSQL >= 14.1 keeps automated backups on read
    replicas), the maintenance window, deletion protection, the final snapshot. Promotion then changes
    exactly one input, `replicate_source_db`, and one `pulumi up` ends in the final state: one
    PromoteReadReplica call that already sets retention and window, and no ModifyDBInstance at all.
    Inputs a replica inherits from its source (engine, version, username, database name, storage size)
    are never declared on a replica, so nothing appears for them on promotion either.
    """
    identifiers = {"writer": db.identifier, "dr": db.replica_identifier, "failback": db.failback_identifier}
    if db.restore is not None:
        identifiers["restored"] = db.restore.identifier
    identifier = identifiers[kind]
    inputs: dict[str, Any] = {
        "identifier": identifier,
        "instance_class": db.instance_class,
        "multi_az": db.multi_az,
        "backup_retention_period": db.backup_retention_days,
        "backup_window": db.backup_window,
        "maintenance_window": db.maintenance_window,
        "storage_type": db.storage_type,
        **({"iops": db.iops} if db.iops is not None else {}),
        "max_allocated_storage": db.max_allocated_storage,
        "port": db.port,
        "storage_encrypted": True,
        "deletion_protection": True,
        "skip_final_snapshot": False,
        "final_snapshot_identifier": f"{identifier}-final",
        "delete_automated_backups": False,
        "copy_tags_to_snapshot": True,
        "publicly_accessible": False,
        "auto_minor_version_upgrade": True,
        "iam_database_authentication_enabled": True,
        "performance_insights_enabled": True,
        "performance_insights_retention_period": db.performance_insights_retention_days,
        "enabled_cloudwatch_logs_exports": list(LOG_EXPORTS),
        # Every instance, the replica too: promotion then changes nothing here (its role is the stack's own).
        "monitoring_interval": db.monitoring_interval_seconds,
        # The writer takes changes in its maintenance window; the DR and failback instances take them at
        # once, since they change when someone is recovering and cannot wait for Sunday.
        "apply_immediately": kind != "writer",
    }
    if kind == "writer":
        inputs |= {
            "engine": "postgres",
            "engine_version": db.engine_version,
            "allocated_storage": db.allocated_storage,
            "username": db.master_username,
            "db_name": db.db_name,
        }
    return InstanceShape(identifier=identifier, replicates=replicating and kind != "writer", inputs=inputs)


def dr_replicates(failover: bool) -> bool:
    """The DR instance replicates the primary in standby and is promoted (stops replicating) on failover."""
    return not failover


