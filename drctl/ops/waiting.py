"""Bounded waiting with progress: an RDS instance becoming available, shown as a live status line."""

from __future__ import annotations

import time
from typing import Any

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from drctl.ops.aws import aws_errors
from drctl.output import console


def wait_available(rds: Any, identifier: str, timeout_s: float, poll_s: float, label: str) -> tuple[bool, str, float]:
    """Poll until the instance is `available` or the timeout passes: (available, last status, seconds waited).

    Polling by hand, not botocore's waiter, so the operator sees the status as it changes and the bound is ours.
    """
    start = time.monotonic()
    status = "unknown"
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console(stderr=True), transient=True) as progress:
        task = progress.add_task(f"{label}: {identifier} ...", total=None)
        while True:
            with aws_errors(f"describe_db_instances {identifier}"):
                status = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]["DBInstanceStatus"]
            waited = time.monotonic() - start
            progress.update(task, description=f"{label}: {identifier} is {status}")
            if status == "available":
                return True, status, waited
            if status in ("failed", "incompatible-restore", "incompatible-parameters", "storage-full") or waited >= timeout_s:
                return False, status, waited
            time.sleep(min(poll_s, max(timeout_s - waited, 0)))
