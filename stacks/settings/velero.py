"""Velero: the runbook's "Kubernetes State (Velero)" schedules and retention, and the failover restores."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from .base import Cron, Label, Section


class VeleroSchedule(Section):
    name: Label
    schedule: Cron
    ttl: str = Field(pattern=r"^\d+h(\d+m(\d+s)?)?$")
    included_namespaces: list[str] = ["*"]
    include_cluster_resources: bool = False


class Velero(Section):
    namespace: Label = "velero"
    chart_version: str = "12.1.0"
    app_version: str = "1.18.1"
    chart_repository: str = Field(default="https://vmware-tanzu.github.io/helm-charts", pattern=r"^https://")
    aws_plugin_image: str = "velero/velero-plugin-for-aws:v1.14.1"
    app_namespace: Label = "aivo"
    # Volume data goes through file-system backups (node agent, kopia) into the replicated bucket:
    # EBS snapshots are bound to their region and would not exist in us-west-2 after a region loss.
    fs_backup: bool = True
    daily: VeleroSchedule = VeleroSchedule(
        name="aivo-daily", schedule="0 2 * * *", ttl="720h", included_namespaces=["aivo"]
    )
    weekly: VeleroSchedule = VeleroSchedule(
        name="aivo-weekly", schedule="0 2 * * 0", ttl="4320h", included_namespaces=["*"], include_cluster_resources=True
    )
    # Restores on failover. Runbook "Restore from Velero Backup": --restore-volumes=true.
    restore_pvs: bool = True
    # none: objects already in the DR cluster (e.g. the stack-managed database-credentials Secret that
    # points at the promoted us-west-2 database) are kept, never overwritten by the primary's copy.
    existing_resource_policy: Literal["none", "update"] = "none"

    @model_validator(mode="before")
    @classmethod
    def _schedules_over_defaults(cls, data: Any) -> Any:
        """`pulumi config set --path velero.daily.schedule ...` changes one field of the runbook's
        schedule; the others keep their defaults instead of becoming required."""
        return merge_over_defaults(cls, data, ("daily", "weekly"))


def merge_over_defaults(model: Any, data: Any, keys: tuple[str, ...]) -> Any:
    """A settings object with each partial sub-object in `keys` laid over that field's default."""
    if not isinstance(data, dict):
        return data
    merged = dict(data)
    for key in keys:
        field = model.model_fields[key]
        value = merged.get(field.alias or key, merged.get(key))
        if isinstance(value, dict):
            default = field.get_default(call_default_factory=True).model_dump(by_alias=True)
            merged.pop(key, None)
            merged[field.alias or key] = {**default, **value}
    return merged
