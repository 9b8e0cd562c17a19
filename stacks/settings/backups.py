"""AWS Backup: the runbook's weekly manual snapshots (Sunday 02:00 UTC, 90 days, copied to us-west-2)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import AwsCron, Section, matching

# CreateBackupVault BackupVaultName: ^[a-zA-Z0-9\-\_]{2,50}$. The stack also names the plan "<vault>-weekly" and
# its selection "<vault>-weekly-databases", and a BackupSelection's SelectionName has at most 50 characters
# (^[a-zA-Z0-9\-\_\.]{1,50}$), so the vault name itself has at most 33.
VaultName = Annotated[str, matching(
    r"[a-zA-Z0-9_-]{2,33}",
    "a backup vault name: 2-33 letters, digits, '-' or '_' (the selection <vault>-weekly-databases must fit AWS's 50)",
)]


class WeeklySnapshots(Section):
    schedule: AwsCron = "cron(0 2 ? * SUN *)"
    retention_days: int = Field(default=90, ge=1, le=36500)
    copy_retention_days: int = Field(default=90, ge=1, le=36500)
    vault_name: VaultName = "aivo-production-backups"
    # BackupRuleInput StartWindowMinutes: "If this value is included, it must be at least 60 minutes to avoid errors."
    start_window_minutes: int = Field(default=60, ge=60, le=720)
    # The completion window counts from the scheduled time, not from the start ("It does not add additional time
    # for StartWindowMinutes", StartBackupJob CompleteWindowMinutes): it must exceed the start window by at least
    # 60 minutes (stacks/settings/rules.py, backup_plan_problem).
    completion_window_minutes: int = Field(default=360, ge=120, le=10080)
