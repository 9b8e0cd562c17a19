"""Bounded waiting with progress: an RDS instance becoming available, shown on the live status line."""

from __future__ import annotations

import time
from typing import Any

from drctl.ops.aws import aws_errors
from drctl.ops.progress import activity, relabel


def wait_available(rds: Any, identifier: str, timeout_s: float, poll_s: float, label: str) -> tuple[bool, str, float]:
    """Poll until the instance is `available` or the timeout passes: (available, last status, seconds waited).

    Polling by hand, not botocore's waiter, so the operator sees the status as it changes and the bound is ours.
    """
    start = time.monotonic()
    status = "unknown"
    with activity(f"{label}: {identifier} ..."):
        while True:
            with aws_errors(f"describe_db_instances {identifier}"):
                status = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]["DBInstanceStatus"]
            waited = time.monotonic() - start
            relabel(f"{label}: {identifier} is {status}")
            if status == "available":
                return True, status, waited
            if status in ("failed", "incompatible-restore", "incompatible-parameters", "storage-full") or waited >= timeout_s:
                return False, status, waited
            time.sleep(min(poll_s, max(timeout_s - waited, 0)))
