"""The stacks' CloudWatch alarms, read where they live: anything not OK is not a PASS.

The stacks name every alarm `aivo-<tier>-<what>` (components/alarms.py), so one paginated DescribeAlarms
per region finds them all. An alarm in ALARM is a FAIL row; INSUFFICIENT_DATA is a FAIL too (a metric that
stopped arriving is how a dead replica or a dead canary looks). For `drctl preflight`, the alarms that are
the symptoms of the primary's outage itself (its ingress, the replication out of it) are WARN: a failover
is exactly for when they fire, and they must not block it.
"""

from __future__ import annotations

from typing import Any

from drctl.ops.aws import client
from drctl.ops.checks import FAIL, PASS, WARN, Check

PREFIX = "aivo-"
# Alarms that fire because the primary region is down (what a failover answers), by the end of their name.
OUTAGE_SYMPTOMS = ("-ingress-health", "-database-replica-lag", "-replicated-backups-age", "-replication-latency",
                   "-replication-failed", "-cache-replication-lag")


def label(region: str) -> str:
    return f"alarms {region}"


def _alarms(region: str) -> list[dict[str, Any]]:
    pages = client("cloudwatch", region).get_paginator("describe_alarms").paginate(AlarmNamePrefix=PREFIX, AlarmTypes=["MetricAlarm"])
    return [alarm for page in pages for alarm in page.get("MetricAlarms", [])]


def is_outage_symptom(name: str) -> bool:
    return any(symptom in name for symptom in OUTAGE_SYMPTOMS)


def alarm_checks(region: str, outage_expected: bool = False) -> list[Check]:
    """One summary row for the region, then one row per alarm that is not OK (its state and reason)."""
    alarms = _alarms(region)
    if not alarms:
        return [Check(label(region), WARN, f"no {PREFIX}* alarms in {region}: is the stack's monitoring deployed?")]
    rows = []
    for alarm in sorted(alarms, key=lambda a: a["AlarmName"]):
        state = alarm.get("StateValue")
        if state == "OK":
            continue
        status = WARN if outage_expected and is_outage_symptom(alarm["AlarmName"]) else FAIL
        reason = " ".join(str(alarm.get("StateReason", "")).split())[:160]
        rows.append(Check(alarm["AlarmName"], status, f"{state} in {region}: {reason}"))
    failing = sum(1 for row in rows if row.status == FAIL)
    summary = (Check(label(region), PASS, f"{len(alarms)} alarms, all OK") if not rows else
               Check(label(region), FAIL if failing else WARN,
                     f"{len(alarms) - len(rows)} of {len(alarms)} OK; not OK: {', '.join(row.check for row in rows)}"))
    return [summary, *rows]
