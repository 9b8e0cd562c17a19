"""Velero backups as they sit in object storage: `backups/<name>/velero-backup.json` (the Backup object)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from drctl.ops.aws import client
from drctl.ops.checks import FAIL, PASS, Check, minutes
from drctl.ops.cron import previous_fire
from stacks.settings.velero import VeleroSchedule

SCHEDULE_LABEL = "velero.io/schedule-name"

# A schedule that fired less than this long ago may still be writing its backup: judge the newest backup
# against the run before. Velero's own default item-operation timeout is 4 h; most of our runs take minutes.
RUN_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class VeleroBackup:
    name: str
    schedule: str | None
    phase: str
    started: datetime | None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def parse_backup(document: dict) -> VeleroBackup:
    meta, status = document.get("metadata", {}), document.get("status", {})
    return VeleroBackup(
        name=meta.get("name", "?"),
        schedule=(meta.get("labels") or {}).get(SCHEDULE_LABEL),
        phase=status.get("phase", "Unknown"),
        started=_time(status.get("startTimestamp")),
    )


def list_backups(bucket: str, region: str) -> list[VeleroBackup]:
    """Every backup Velero wrote to the bucket (raises botocore errors to the caller)."""
    s3 = client("s3", region)
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="backups/"):
        for item in page.get("Contents", []):
            if item["Key"].endswith("/velero-backup.json"):
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                found.append(parse_backup(json.loads(body)))
    return found


def schedule_check(schedule: VeleroSchedule, backups: list[VeleroBackup], now: datetime, where: str) -> Check:
    """PASS when the newest completed backup of the schedule started at or after the run it should have made."""
    label = f"velero {schedule.name}"
    done = [b for b in backups if b.schedule == schedule.name and b.phase == "Completed" and b.started]
    if not done:
        return Check(label, FAIL, f"no completed backup of schedule {schedule.name} in {where}")
    newest = max(done, key=lambda b: b.started)  # type: ignore[arg-type, return-value]
    due = previous_fire(schedule.schedule, now - RUN_GRACE)
    age = minutes((now - newest.started).total_seconds())  # type: ignore[operator]
    if newest.started < due:  # type: ignore[operator]
        return Check(label, FAIL, f"newest {newest.name} is {age} old; missed the run due {due:%Y-%m-%d %H:%M} UTC ({schedule.schedule})")
    return Check(label, PASS, f"newest {newest.name} is {age} old, covers the run due {due:%Y-%m-%d %H:%M} UTC ({schedule.schedule})")

