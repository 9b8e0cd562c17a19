"""What pages whom, and after how long: read off a plan's alarms and PagerDuty services.

Every alarm carries its tier (the service it pages), the tiers whose data it watches and its detection time
as tags (components/alarms.py), so the view is the plan itself, not a second description of it. `drctl plan`
prints it; `make docs` writes it into the README.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table

from drctl.engine.records import Plan

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SERVICE = "pagerduty:index/service:Service"


@dataclass(frozen=True)
class AlarmRow:
    stack: str
    name: str
    watches: str
    region: str
    seconds: int  # from the failure to the page
    pages: str  # the tier whose PagerDuty service it pages
    tiers: tuple[str, ...]  # every tier whose data or service it watches
    route: str  # how it reaches PagerDuty


def _route(plan: Plan, region: str | None, actions: list[str]) -> str:
    if actions:
        return f"SNS topic in {region} → PagerDuty"
    return f"EventBridge {region} → us-west-2 bus → PagerDuty Events API"


def alarm_rows(plan: Plan) -> list[AlarmRow]:
    rows = []
    for r in plan.by_type(ALARM):
        tags = r.inputs.get("tags") or {}
        rows.append(AlarmRow(
            stack=plan.stack, name=str(r.inputs.get("name", r.name)), watches=str(tags.get("watches", "")),
            region=str(r.region), seconds=int(tags.get("detection-seconds", 0)), pages=str(tags.get("tier", "")),
            tiers=tuple(str(tags.get("tiers", "")).split()), route=_route(plan, r.region, list(r.inputs.get("alarmActions") or [])),
        ))
    return sorted(rows, key=lambda row: (row.seconds, row.name))


def urgencies(plan: Plan) -> dict[str, str]:
    """Each tier's urgency, from its PagerDuty service (`aivo <tier>`)."""
    found = {}
    for service in plan.by_type(SERVICE):
        tier = str(service.inputs.get("name", "")).removeprefix("aivo ")
        found[tier] = str((service.inputs.get("incidentUrgencyRule") or {}).get("urgency", ""))
    return found


def minutes(seconds: int) -> str:
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds % 60 else f"{seconds // 60} min"


def alarm_table(plan: Plan) -> Table:
    table = Table(title=f"Alarms of {plan.stack} (fastest first)", show_edge=False)
    for column in ("alarm", "region", "fires after", "pages", "watches"):
        table.add_column(column, justify="right" if column == "fires after" else "left")
    for row in alarm_rows(plan):
        table.add_row(row.name, row.region, minutes(row.seconds), row.pages, row.watches)
    return table


def markdown(plans: dict[str, Plan], tier_order: list[str] | None = None) -> str:
    """Per tier, how many alarms protect it and which pages first; then every alarm, fastest first."""
    rows = [row for key in ("primary", "dr") for row in alarm_rows(plans[key])]
    urgency = urgencies(plans["dr"])
    tiers = tier_order or sorted(urgency)
    lines = ["| tier | PagerDuty urgency | alarms watching it | first page after | first to page | slowest |",
             "|---|---|---:|---:|---|---:|"]
    for tier in tiers:
        mine = sorted((row for row in rows if tier in row.tiers), key=lambda row: (row.seconds, row.name))
        if not mine:
            lines.append(f"| {tier} | {urgency.get(tier, '')} | 0 | never | | |")
            continue
        lines.append(f"| {tier} | {urgency.get(tier, '')} | {len(mine)} | {minutes(mine[0].seconds)} | `{mine[0].name}` | "
                     f"{minutes(mine[-1].seconds)} |")
    lines += ["", "| alarm | stack | region | fires after | pages | reaches PagerDuty by | watches |", "|---|---|---|---:|---|---|---|"]
    for row in sorted(rows, key=lambda row: (row.seconds, row.stack, row.name)):
        lines.append(f"| `{row.name}` | {row.stack} | {row.region} | {minutes(row.seconds)} | {row.pages} | {row.route} | {row.watches} |")
    return "\n".join(lines)
