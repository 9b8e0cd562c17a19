"""Drill records written here, for the report's decisions and `drctl drill report`, without running a drill."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def drill_record(recover_minutes: float, rpo_seconds: float | None, tier: str | None = None, scenario: str = "region-failover",
                 outcome: str = "completed") -> dict[str, Any]:
    """Detected after 4 min, responded after 10, recovered after `recover_minutes` (a record as drctl drill run writes it)."""

    def at(minutes: float) -> str:
        return (START + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def step(key: str, kind: str, phase: str, begin: float, end: float) -> dict[str, Any]:
        return {"key": key, "title": key, "kind": kind, "phase": phase, "command": f"run {key}", "status": "done",
                "startedAt": at(begin), "endedAt": at(end), "seconds": (end - begin) * 60, "detail": ""}

    # Each scenario's own step keys (drctl/ops/record.py step_keys: a record with another scenario's steps is refused).
    respond, recover = {"region-failover": ("declare", "promote"), "database-pitr": ("assess", "restore"),
                        "service-restore": ("assess", "scale")}[scenario]
    steps = [step("detect", "manual", "detect", 0, 4), step(respond, "manual", "respond", 4, 10), step(recover, "api", "recover", 10, recover_minutes)]
    return {"schema": "aivo-dr/drill@1", "scenario": scenario, "service": None, "tier": tier, "primaryRegion": "us-east-1", "drRegion": "us-west-2",
            "operator": "sre", "startedAt": at(0), "endedAt": at(recover_minutes), "outcome": outcome, "rpoSeconds": rpo_seconds,
            "rpoSource": "CloudWatch ReplicaLag before promotion" if rpo_seconds is not None else "not measured: no ReplicaLag datapoints",
            "rootCause": "drill: simulated region-failover", "preventiveMeasures": "", "steps": steps}


def write_record(record: dict[str, Any], directory: Path) -> Path:
    path = directory / "drill-record.json"
    path.write_text(json.dumps(record))
    return path
