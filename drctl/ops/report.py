"""Drill reports: the runbook's Recovery Metrics, RTO/RPO verdicts per tier, a Markdown page, a PNG timeline.

Everything here is computed from the drill's JSON record, so `drctl drill report` can rebuild a report
from a record alone (e.g. after adding the root cause).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from drctl.ops.checks import FAIL, PASS
from drctl.ops.drill import parse_iso
from drctl.ops.figures import runbook
from drctl.output import Output, write_files
from stacks.settings.base import duration_minutes
from stacks.settings.tiers import restore_order

NOT_MEASURED = "not measured"
NOT_APPLICABLE = "not applicable"
# The scenarios that restore data, and so have a data loss (RPO) to measure. A service restore rolls back,
# restarts or scales: it restores no data, so the RPO does not apply to it (it is never "not measured").
RPO_SCENARIOS = ("region-failover", "database-pitr")
# Outcomes whose recovery steps all ran (an incomplete drill ran them all, but an edge step could not reach its API).
RAN_TO_THE_END = ("completed", "incomplete")


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


@dataclass(frozen=True)
class Metrics:
    """The runbook's Appendix A, in seconds (None when the drill did not get that far). Its "Time to respond
    (TTR)" and "Time to recover (TTR)" share an abbreviation; here they are TTRespond and TTRecover."""

    time_to_detect: float | None  # TTD
    time_to_respond: float | None  # TTRespond
    time_to_recover: float | None  # TTRecover: the measured RTO
    lower_bound: bool  # manual steps confirmed with --yes: their real duration is not in the numbers


def _phase_end(record: dict[str, Any], phase: str) -> datetime | None:
    ends = [parse_iso(s["endedAt"]) for s in record["steps"] if s["phase"] == phase and s["endedAt"]]
    return max(ends) if ends else None


def recovery_metrics(record: dict[str, Any]) -> Metrics:
    start = parse_iso(record["startedAt"])
    detected, responded, recovered = (_phase_end(record, p) for p in ("detect", "respond", "recover"))
    ran = record["outcome"] in RAN_TO_THE_END
    return Metrics(
        time_to_detect=(detected - start).total_seconds() if detected else None,
        time_to_respond=(responded - detected).total_seconds() if responded and detected else None,
        time_to_recover=(recovered - start).total_seconds() if recovered and ran else None,
        lower_bound=any(s["status"] == "confirmed" for s in record["steps"]),
    )


@dataclass(frozen=True)
class Verdict:
    scope: str  # a tier name, or "Platform"
    services: str
    rto_target: str
    rto: str  # PASS | FAIL
    rpo_target: str
    rpo: str  # PASS | FAIL | not measured | not applicable


def verdicts(record: dict[str, Any]) -> list[Verdict]:
    """RTO and RPO per tier the scenario concerns (one tier for a service restore, all otherwise), then the
    platform objectives. The platform targets are strict (< 4 hours, < 1 hour) as the runbook writes them."""
    s = runbook()
    metrics = recovery_metrics(record)
    rto_s, rpo_s = metrics.time_to_recover, record.get("rpoSeconds")
    applies = record["scenario"] in RPO_SCENARIOS

    def rpo_verdict(within: bool) -> str:
        if not applies:
            return NOT_APPLICABLE
        return NOT_MEASURED if rpo_s is None else (PASS if within else FAIL)

    names = [record["tier"]] if record.get("tier") else restore_order(s.tiers)
    rows = []
    for name in names:
        tier = s.tiers[name]
        rto = PASS if rto_s is not None and rto_s <= tier.rto_minutes * 60 else FAIL
        rpo = rpo_verdict(rpo_s is not None and rpo_s <= tier.rpo_minutes * 60)
        rows.append(Verdict(name, ", ".join(tier.services), tier.rto, rto, tier.rpo, rpo))
    platform_rto, platform_rpo = duration_minutes(s.objectives.rto) * 60, duration_minutes(s.objectives.rpo) * 60
    rto = PASS if rto_s is not None and rto_s < platform_rto else FAIL
    rpo = rpo_verdict(rpo_s is not None and rpo_s < platform_rpo)
    rows.append(Verdict("Platform", "all", f"< {s.objectives.rto}", rto, f"< {s.objectives.rpo}", rpo))
    return rows


def not_passed_because(record: dict[str, Any]) -> list[str]:
    """Why the drill did not pass (empty when it did): it passes only when it completed within every RTO and
    every RPO that applies, measured. An RPO never measured is not a pass."""
    reasons = []
    if record["outcome"] != "completed":
        stopped = [st for st in record["steps"] if st["status"] in ("failed", "aborted", "unreachable")]
        reasons.append(f"outcome {record['outcome']}" + (f" at step {', '.join(st['key'] for st in stopped)} ({stopped[0]['status']})" if stopped else ""))
    rows = verdicts(record)
    if any(v.rto == FAIL for v in rows):
        reasons.append("RTO missed: " + ", ".join(v.scope for v in rows if v.rto == FAIL))
    if any(v.rpo == FAIL for v in rows):
        reasons.append("RPO missed: " + ", ".join(v.scope for v in rows if v.rpo == FAIL))
    if any(v.rpo == NOT_MEASURED for v in rows):
        reasons.append(f"RPO not measured ({record.get('rpoSource') or 'no measurement'})")
    return reasons


def drill_passed(record: dict[str, Any]) -> bool:
    return not not_passed_because(record)


def verdict_line(record: dict[str, Any]) -> str:
    reasons = not_passed_because(record)
    return "drill PASSED" if not reasons else "drill NOT PASSED: " + "; ".join(reasons)


def report_name(record: dict[str, Any]) -> str:
    return f"drill-{record['scenario']}-{parse_iso(record['startedAt']):%Y%m%dT%H%M%SZ}"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _clock(text: str | None) -> str:
    return parse_iso(text).strftime("%H:%M:%S.%f")[:-3] if text else "-"


def markdown(record: dict[str, Any], chart: str | None) -> str:
    m = recovery_metrics(record)
    rpo = record.get("rpoSeconds")
    star = " (lower bound: manual steps confirmed with --yes)" if m.lower_bound else ""
    lines = [
        f"# DR drill: {record['scenario']}",
        "",
        "| | |",
        "|---|---|",
        f"| Scenario | {record['scenario']}" + (f" ({record['service']}, tier {record['tier']})" if record.get("service") else "") + " |",
        f"| Regions | {record['primaryRegion']} -> {record['drRegion']} |",
        f"| Started (UTC) | {record['startedAt']} |",
        f"| Ended (UTC) | {record['endedAt']} |",
        f"| Operator | {_cell(record.get('operator') or '-')} |",
        f"| Outcome | {record['outcome']} |",
        f"| Measured RTO (time to recover) | {fmt_duration(m.time_to_recover) if m.time_to_recover is not None else 'not recovered'}{star} |",
        f"| Measured RPO | {fmt_duration(rpo) if rpo is not None else ('-' if record['scenario'] not in RPO_SCENARIOS else NOT_MEASURED)} "
        f"({_cell(record.get('rpoSource'))}) |",
        f"| Verdict | {'PASS' if drill_passed(record) else 'FAIL: ' + _cell('; '.join(not_passed_because(record)))} |",
        "",
        "## Recovery Metrics Tracking",
        "",
        f"- Time to detect (TTD): {fmt_duration(m.time_to_detect)}",
        f"- Time to respond (TTRespond): {fmt_duration(m.time_to_respond)}",
        f"- Time to recover (TTRecover, the measured RTO): {fmt_duration(m.time_to_recover) if m.time_to_recover is not None else 'not recovered'}{star}",
        f"- Root cause: {_cell(record.get('rootCause') or '-')}",
        f"- Preventive measures: {_cell(record.get('preventiveMeasures') or '-')}",
        "",
        "## RTO/RPO verdict per tier",
        "",
        "| Tier | Services | RTO target | RTO measured | RTO | RPO target | RPO measured | RPO |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for v in verdicts(record):
        measured = fmt_duration(rpo) if rpo is not None else ("-" if v.rpo == NOT_APPLICABLE else NOT_MEASURED)
        lines.append(f"| {v.scope} | {v.services} | {v.rto_target} | {fmt_duration(m.time_to_recover)} | {v.rto} | {v.rpo_target} | {measured} | {v.rpo} |")
    lines += ["", "## Timeline", "", "| # | Step | Kind | Phase | Start | End | Duration | Status | Detail |", "|---|---|---|---|---|---|---|---|---|"]
    for i, step in enumerate(record["steps"], start=1):
        lines.append(f"| {i} | {_cell(step['title'])} | {step['kind']} | {step['phase']} | {_clock(step['startedAt'])} | {_clock(step['endedAt'])} | "
                     f"{fmt_duration(step['seconds'])} | {step['status']} | {_cell(step['detail'])} |")
    if chart:
        lines += ["", f"![Timeline]({chart})"]
    lines += ["", "## Runbook commands", ""]
    lines += [f"{i}. {step['title']}: `{step['command']}`" for i, step in enumerate(record["steps"], start=1)]
    return "\n".join(lines) + "\n"


_COLORS = {"api": (52, 101, 164), "pulumi": (92, 53, 102), "engine": (78, 154, 6), "manual": (245, 121, 0), "failed": (204, 0, 0), "aborted": (204, 0, 0), "unreachable": (117, 80, 123),
           "not run": (186, 189, 182)}


def timeline_png(record: dict[str, Any]) -> bytes:
    """A Gantt chart of the steps: one bar per step from its start to its end, on the drill's time axis."""
    from PIL import Image, ImageDraw, ImageFont

    steps = record["steps"]
    start = parse_iso(record["startedAt"])
    total = max((parse_iso(record["endedAt"]) - start).total_seconds(), 0.001)
    label_w, plot_w, row_h, top = 330, 620, 26, 56
    width, height = label_w + plot_w + 30, top + row_h * len(steps) + 60
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    m = recovery_metrics(record)
    draw.text((10, 10), f"DR drill {record['scenario']}  {record['startedAt']}  outcome: {record['outcome']}", fill="black", font=font)
    draw.text((10, 28), f"time to recover (TTRecover) {fmt_duration(m.time_to_recover)}   verdict {'PASS' if drill_passed(record) else 'FAIL'}",
              fill="black", font=font)
    for i, step in enumerate(steps):
        y = top + i * row_h
        draw.text((10, y + 7), f"{i + 1}. {step['title'][:48]}", fill="black", font=font)
        if step["startedAt"] and step["endedAt"]:
            x0 = label_w + (parse_iso(step["startedAt"]) - start).total_seconds() / total * plot_w
            x1 = label_w + (parse_iso(step["endedAt"]) - start).total_seconds() / total * plot_w
            color = _COLORS.get(step["status"], _COLORS[step["kind"]])
            draw.rectangle([x0, y + 5, max(x1, x0 + 3), y + row_h - 5], fill=color)
        else:
            draw.text((label_w + 4, y + 7), "not run", fill=_COLORS["not run"], font=font)
    axis_y = top + row_h * len(steps) + 8
    draw.line([label_w, axis_y, label_w + plot_w, axis_y], fill="black")
    for k in range(5):
        x = label_w + plot_w * k / 4
        draw.line([x, axis_y, x, axis_y + 5], fill="black")
        draw.text((x - 12, axis_y + 8), fmt_duration(total * k / 4), fill="black", font=font)
    draw.text((10, axis_y + 28), "blue: API step   orange: manual step   red: failed   purple: unreachable", fill="black", font=font)
    data = io.BytesIO()
    image.save(data, format="PNG")
    return data.getvalue()


def report_document(record: dict[str, Any]) -> dict[str, Any]:
    """The record with what is derived from it, for machines reading it; recomputed whenever the report is rebuilt."""
    m = recovery_metrics(record)
    return {
        **record,
        "metrics": {"timeToDetectSeconds": m.time_to_detect, "timeToRespondSeconds": m.time_to_respond,
                    "timeToRecoverSeconds": m.time_to_recover, "lowerBound": m.lower_bound},
        "verdicts": [{"scope": v.scope, "rtoTarget": v.rto_target, "rto": v.rto, "rpoTarget": v.rpo_target, "rpo": v.rpo} for v in verdicts(record)],
        "passed": drill_passed(record),
        "notPassedBecause": not_passed_because(record),
    }


def report_paths(record: dict[str, Any], directory: Path) -> dict[str, Path]:
    base = report_name(record)
    return {"json": directory / f"{base}.json", "markdown": directory / f"{base}.md", "png": directory / f"{base}.png"}


def render_report(record: dict[str, Any], directory: Path, flag: str) -> list[Output]:
    """drill-<scenario>-<start>.json / .md / .png for the directory, rendered (nothing written yet)."""
    from drctl.output import dump_json

    paths = report_paths(record, directory)
    return [Output(flag, paths["json"], dump_json(report_document(record)).encode()),
            Output(flag, paths["png"], timeline_png(record)),
            Output(flag, paths["markdown"], markdown(record, paths["png"].name).encode())]


def write_report(record: dict[str, Any], directory: Path, flag: str = "--report") -> dict[str, Path]:
    """Render the three files, then write them all or none (drctl.output.write_files: 0600, atomic). Returns their paths."""
    write_files(render_report(record, directory, flag))
    return report_paths(record, directory)
