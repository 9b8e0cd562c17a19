"""AWS Backup: the runbook's weekly manual snapshots (Sunday 02:00 UTC, 90 days, copied to us-west-2)."""

from __future__ import annotations

from pydantic import Field

from .base import AwsCron, Section


class WeeklySnapshots(Section):
    schedule: AwsCron = "cron(0 2 ? * SUN *)"
    retention_days: int = Field(default=90, ge=1, le=36500)
    copy_retention_days: int = Field(default=90, ge=1, le=36500)
    vault_name: str = "aivo-production-backups"
    start_window_minutes: int = Field(default=60, ge=60, le=720)
    completion_window_minutes: int = Field(default=360, ge=120, le=10080)
