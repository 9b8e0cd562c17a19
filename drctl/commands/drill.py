"""`drctl drill run|report`: timed DR drills against the runbook's RTO/RPO, with Markdown, PNG and JSON reports."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.table import Table

from drctl.errors import UsageError
from drctl.ops.figures import DRILL_SCHEMA as SCHEMA
from drctl.ops.figures import SCENARIOS, check_distinct_regions, check_instance_class, runbook
from drctl.output import console

ORDER = 53


def register(subparsers: argparse._SubParsersAction) -> None:
    settings = runbook()
    parser = subparsers.add_parser("drill", help="timed DR drills and their reports (runbook: Testing Schedule)", description=__doc__)
    sub = parser.add_subparsers(dest="drill_command", metavar="ACTION", parser_class=type(parser))
    sub.required = True
    run_parser = sub.add_parser("run", help="run a drill step by step, timing each step")
    run_parser.add_argument("--scenario", required=True, help="one of: " + ", ".join(SCENARIOS))
    run_parser.add_argument("--primary-region", default=settings.regions.primary, help="default %(default)s")
    run_parser.add_argument("--dr-region", default=settings.regions.dr, help="default %(default)s")
    run_parser.add_argument("--service", default=None, help="service-restore: the service (its tier is judged; default api-gateway)")
    run_parser.add_argument("--restore-time", default=None, help="database-pitr: a UTC time like 2024-01-15T10:30:00Z (default: latest restorable)")
    run_parser.add_argument("--instance-class", default=None, help="database-pitr: class of the recovered instance (default: production's)")
    run_parser.add_argument("--report", type=Path, default=Path("drill-reports"), metavar="DIR", help="where the report goes (default %(default)s)")
    run_parser.add_argument("--yes", action="store_true", help="record manual steps as confirmed without waiting (scripts, CI)")
    run_parser.add_argument("--operator", default=None, help="who ran the drill (default: the login name)")
    run_parser.add_argument("--root-cause", default="", help="for the Recovery Metrics (default: drill: simulated <scenario>)")
    run_parser.add_argument("--preventive", default="", help="preventive measures, for the Recovery Metrics")
    run_parser.add_argument("--db-subnet-group", default=None,
                            help=f"database-pitr: subnet group of the recovered instance (default {settings.database.subnet_group_name})")
    run_parser.add_argument("--vpc-security-group-id", action="append", default=[], help="database-pitr: security group (repeatable)")
    run_parser.add_argument("--keep", action="store_true", help="database-pitr: keep the recovered instance")
    run_parser.add_argument("--timeout-minutes", type=float, default=60.0, help="per waiting step (default %(default)s)")
    run_parser.add_argument("--poll-seconds", type=float, default=30.0, help="default %(default)s")
    run_parser.set_defaults(handler=run)
    report_parser = sub.add_parser("report", help="rebuild a drill's Markdown and PNG from its JSON record")
    report_parser.add_argument("--from", dest="source", type=Path, required=True, metavar="FILE", help="the drill's JSON record")
    report_parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="default: the record's directory")
    report_parser.add_argument("--root-cause", default=None, help="set the root cause in the record")
    report_parser.add_argument("--preventive", default=None, help="set the preventive measures in the record")
    report_parser.set_defaults(handler=report)


def _restore_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise UsageError("--restore-time", text, 'a UTC time like "2024-01-15T10:30:00Z"') from None


def _report_dir(path: Path) -> Path:
    if path.exists() and not path.is_dir():
        raise UsageError("--report", str(path), "a directory (created if missing)")
    if not path.exists() and not path.parent.is_dir():
        raise UsageError("--report", str(path), "a directory in an existing directory")
    return path


def run(args: argparse.Namespace) -> int:
    from drctl.ops.drill import DrillOptions, run_drill
    from drctl.ops.report import drill_passed, write_report

    if args.scenario not in SCENARIOS:
        raise UsageError("--scenario", args.scenario, "one of " + ", ".join(SCENARIOS))
    check_distinct_regions("--primary-region", args.primary_region, "--dr-region", args.dr_region)
    tiers = runbook().tiers
    services = sorted(s for t in tiers.values() for s in t.services)
    if args.service is not None and (args.scenario != "service-restore" or args.service not in services):
        allowed = "a service of the tier table: " + ", ".join(services) if args.scenario == "service-restore" else "only with --scenario service-restore"
        raise UsageError("--service", args.service, allowed)
    if args.scenario == "service-restore" and args.service is None:
        args.service = "api-gateway"
    if args.scenario != "database-pitr":
        for flag in ("--restore-time", "--instance-class", "--db-subnet-group", "--vpc-security-group-id", "--keep"):
            value = getattr(args, flag[2:].replace("-", "_"))
            if value:
                raise UsageError(flag, value, "only with --scenario database-pitr")
    if args.instance_class:
        check_instance_class("--instance-class", args.instance_class)
    if not 0 < args.timeout_minutes <= 24 * 60:
        raise UsageError("--timeout-minutes", args.timeout_minutes, "a number of minutes from 0 to 1440")
    if not 0 <= args.poll_seconds <= 600:
        raise UsageError("--poll-seconds", args.poll_seconds, "a number of seconds from 0 to 600")
    directory = _report_dir(args.report)
    if not args.yes and not sys.stdin.isatty():
        raise UsageError("--yes", None, "required when standard input is not a terminal: manual steps need an operator's confirmation")
    options = DrillOptions(
        scenario=args.scenario, primary=args.primary_region, dr=args.dr_region, yes=args.yes, service=args.service,
        restore_time=_restore_time(args.restore_time), instance_class=args.instance_class, keep=args.keep,
        subnet_group=args.db_subnet_group, security_groups=tuple(args.vpc_security_group_id),
        timeout_s=args.timeout_minutes * 60, poll_s=args.poll_seconds, operator=args.operator or getpass.getuser(),
        root_cause=args.root_cause, preventive=args.preventive,
    )
    record = run_drill(options)
    paths = write_report(record, directory)
    _show(record, paths)
    return 0 if drill_passed(record) else 1


def _load_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UsageError("--from", str(path), f"a drill record written by drctl drill run ({SCHEMA} JSON)") from None
    if not isinstance(record, dict) or record.get("schema") != SCHEMA:
        raise UsageError("--from", str(path), f"a drill record written by drctl drill run ({SCHEMA} JSON)")
    return record


def report(args: argparse.Namespace) -> int:
    from drctl.ops.report import drill_passed, write_report

    record = _load_record(args.source)
    if args.root_cause is not None:
        record["rootCause"] = args.root_cause
    if args.preventive is not None:
        record["preventiveMeasures"] = args.preventive
    directory = _report_dir(args.out) if args.out else args.source.parent
    paths = write_report(record, directory)
    _show(record, paths)
    return 0 if drill_passed(record) else 1


def _show(record: dict[str, Any], paths: dict[str, Path]) -> None:
    from drctl.ops.report import drill_passed, fmt_duration, recovery_metrics, verdicts

    out = console()
    steps = Table(title=f"Drill {record['scenario']}: {record['outcome']}", title_justify="left")
    for column in ("#", "step", "kind", "status", "duration", "detail"):
        steps.add_column(column, overflow="fold", no_wrap=column in ("#", "kind", "status"))
    for i, step in enumerate(record["steps"], start=1):
        steps.add_row(str(i), step["title"], step["kind"], step["status"], fmt_duration(step["seconds"]), step["detail"])
    out.print(steps)
    m = recovery_metrics(record)
    rpo = record.get("rpoSeconds")
    table = Table(title="RTO/RPO verdict", title_justify="left")
    for column in ("scope", "RTO target", "RTO measured", "RTO", "RPO target", "RPO measured", "RPO"):
        table.add_column(column, no_wrap=True)
    for v in verdicts(record):
        table.add_row(v.scope, v.rto_target, fmt_duration(m.time_to_recover), v.rto, v.rpo_target, fmt_duration(rpo) if rpo is not None else "not measured", v.rpo)
    out.print(table)
    out.print(f"time to detect {fmt_duration(m.time_to_detect)}, time to respond {fmt_duration(m.time_to_respond)}, "
              f"time to recover {fmt_duration(m.time_to_recover)}" + (" (lower bound: manual steps confirmed with --yes)" if m.lower_bound else ""))
    out.print(f"drill {'PASSED' if drill_passed(record) else 'FAILED'}; report: {paths['markdown']}, {paths['png']}, {paths['json']}")
