"""Velero: the runbook's "Kubernetes State (Velero)" schedules and retention."""

from __future__ import annotations

from pydantic import Field

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
    aws_plugin_image: str = "velero/velero-plugin-for-aws:v1.14.1"
    app_namespace: Label = "aivo"
    daily: VeleroSchedule = VeleroSchedule(
        name="aivo-daily", schedule="0 2 * * *", ttl="720h", included_namespaces=["aivo"]
    )
    weekly: VeleroSchedule = VeleroSchedule(
        name="aivo-weekly", schedule="0 2 * * 0", ttl="4320h", included_namespaces=["*"], include_cluster_resources=True
    )
