"""`drctl drill run|report`: timed DR drills against the runbook's RTO/RPO, with Markdown, PNG and JSON reports."""

from __future__ import annotations

import argparse
import getpass
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.table import Table

from drctl.errors import EngineError, UsageError
from drctl.ops.figures import (
    POLL_SECONDS,
    SCENARIOS,
    TIMEOUT_MINUTES,
    check_distinct_regions,
    check_instance_class,
    check_number,
    runbook,
)
from drctl.output import console, text

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
    run_parser.add_argument("--i-understand-this-changes-production", dest="consent", action="store_true",
                            help="region-failover: consent, without the typed phrase, to promoting the DR database, scaling "
                                 "the DR node group and moving DNS (it changes production)")
    run_parser.add_argument("--operator", default=None, help="who ran the drill (default: the login name)")
    run_parser.add_argument("--root-cause", default="", help="for the Recovery Metrics (default: drill: simulated <scenario>)")
    run_parser.add_argument("--preventive", default="", help="preventive measures, for the Recovery Metrics")
    run_parser.add_argument("--db-subnet-group", default=None,
                            help=f"database-pitr: subnet group of the recovered instance (default {settings.database.subnet_group_name})")
    run_parser.add_argument("--vpc-security-group-id", action="append", default=[], help="database-pitr: security group (repeatable)")
    run_parser.add_argument("--keep", action="store_true", help="database-pitr: keep the recovered instance")
    run_parser.add_argument("--timeout-minutes", default="60", help="per waiting step, 1 to 1440 (default %(default)s)")
    run_parser.add_argument("--poll-seconds", default="30", help="how often a waiting step looks, 1 to 600 (default %(default)s)")
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
    from stacks.settings.values import UTC_TIME, utc_time

    moment = utc_time(text)  # ASCII digits of a real time (strptime alone takes any script's digits)
    if moment is None:
        raise UsageError("--restore-time", text, UTC_TIME)
    return moment


def run(args: argparse.Namespace) -> int:
    from drctl.ops.aws import limits
    from drctl.ops.drill import DrillOptions, run_drill
    from drctl.ops.files import writable_directory
    from drctl.ops.report import drill_passed

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
    timeout_minutes = check_number("--timeout-minutes", args.timeout_minutes, *TIMEOUT_MINUTES)
    poll_seconds = check_number("--poll-seconds", args.poll_seconds, *POLL_SECONDS)
    restore_time = _restore_time(args.restore_time)
    if not args.yes and not sys.stdin.isatty():
        raise UsageError("--yes", None, "required when standard input is not a terminal: manual steps need an operator's confirmation")
    if args.scenario == "region-failover" and not args.consent:
        _consent(args.dr_region)
    limits()
    # Last, and before any AWS call: the record must have somewhere to go.
    directory = writable_directory("--report", args.report)
    options = DrillOptions(
        scenario=args.scenario, primary=args.primary_region, dr=args.dr_region, yes=args.yes, service=args.service,
        restore_time=restore_time, instance_class=args.instance_class, keep=args.keep,
        subnet_group=args.db_subnet_group, security_groups=tuple(args.vpc_security_group_id),
        timeout_s=timeout_minutes * 60, poll_s=poll_seconds, operator=args.operator or getpass.getuser(),
        root_cause=args.root_cause, preventive=args.preventive,
    )
    record = run_drill(options)
    paths = _save(record, directory, "--report")
    _show(record, paths)
    return 0 if drill_passed(record) else 1


def consent_phrase(dr_region: str) -> str:
    return f"fail over to {dr_region}"


def _consent(dr_region: str) -> None:
    """The region-failover drill promotes the DR database (for good), scales the DR node group and moves DNS:
    it changes production. `--yes` confirms manual steps, not this: an operator types the phrase, or a script
    says --i-understand-this-changes-production."""
    phrase = consent_phrase(dr_region)
    flag = "--i-understand-this-changes-production"
    if not sys.stdin.isatty():
        raise UsageError(flag, None, "required with --scenario region-failover when no one can type the phrase: it promotes "
                         "the DR database, scales the DR node group and moves DNS (it changes production)")
    print(f"This drill changes production: it promotes the {dr_region} database (a promotion cannot be undone), scales "
          f"the DR node group and moves DNS to {dr_region}.", file=sys.stderr)
    typed = input(f'Type "{phrase}" to go on: ').strip()
    if typed != phrase:
        raise UsageError("confirmation", typed, f'the phrase "{phrase}" (nothing was changed)')


class ReportNotWritten(EngineError):
    """The drill ran but its report could not be written where asked (exit 1, one line naming where the record is)."""


def _save(record: dict[str, Any], directory: Path, flag: str) -> dict[str, Path]:
    """Render the report's three files, then write them all or none. If the folder failed us after all (removed,
    full), the record still survives: in a new folder under the system's temporary directory, or as a last resort
    as JSON on standard error."""
    from drctl.ops.report import report_document, write_report
    from drctl.output import NotWritten, dump_json

    try:
        return write_report(record, directory, flag)
    except NotWritten as error:
        problem = f"{flag} {directory}: {error.reason}"
    except OSError as error:  # the directory itself is gone
        problem = f"{flag} {directory}: {error.strerror or error}"
    try:
        paths = write_report(record, Path(tempfile.mkdtemp(prefix="drctl-drill-")), flag)
    except (NotWritten, OSError):
        sys.stderr.write(dump_json(report_document(record)))
        raise ReportNotWritten(f"{problem}: the report was not written; the drill record is the JSON above on standard error") from None
    raise ReportNotWritten(f"{problem}: the report was not written there; the drill record is saved as {paths['json']} "
                           f"(rebuild the report with: drctl drill report --from {paths['json']} --out DIR)")


def _load_record(path: Path) -> dict[str, Any]:
    from drctl.ops.record import read_record

    return read_record(path, "--from")


def _refuse_overwriting(record: dict[str, Any], directory: Path, source: Path) -> None:
    """The Markdown and the picture never overwrite the record they are made from (a record named like them). The
    record itself is rewritten in place only when it is the report's own JSON: that is what --root-cause updates."""
    from drctl.ops.report import report_paths
    from drctl.output import check_outputs

    paths = report_paths(record, directory)
    check_outputs([("--out", paths["markdown"]), ("--out", paths["png"])], reads=[source])


def report(args: argparse.Namespace) -> int:
    from drctl.ops.files import writable_directory
    from drctl.ops.report import drill_passed

    record = _load_record(args.source)
    if args.root_cause is not None:
        record["rootCause"] = args.root_cause
    if args.preventive is not None:
        record["preventiveMeasures"] = args.preventive
    directory = writable_directory("--out", args.out or args.source.parent)
    _refuse_overwriting(record, directory, args.source)
    paths = _save(record, directory, "--out")
    _show(record, paths)
    return 0 if drill_passed(record) else 1


def _show(record: dict[str, Any], paths: dict[str, Path]) -> None:
    from drctl.ops.report import NOT_APPLICABLE, NOT_MEASURED, fmt_duration, recovery_metrics, verdict_line, verdicts

    out = console()
    steps = Table(title=f"Drill {record['scenario']}: {record['outcome']}", title_justify="left")
    for column in ("#", "step", "kind", "status", "duration", "detail"):
        steps.add_column(column, overflow="fold", no_wrap=column in ("#", "kind", "status"))
    for i, step in enumerate(record["steps"], start=1):
        steps.add_row(str(i), text(step["title"]), step["kind"], step["status"], fmt_duration(step["seconds"]), text(step["detail"]))
    out.print(steps)
    m = recovery_metrics(record)
    rpo = record.get("rpoSeconds")
    table = Table(title="RTO/RPO verdict", title_justify="left")
    for column in ("scope", "RTO target", "RTO measured", "RTO", "RPO target", "RPO measured", "RPO"):
        table.add_column(column, no_wrap=True)
    for v in verdicts(record):
        measured = fmt_duration(rpo) if rpo is not None else ("-" if v.rpo == NOT_APPLICABLE else NOT_MEASURED)
        table.add_row(v.scope, v.rto_target, fmt_duration(m.time_to_recover), v.rto, v.rpo_target, measured, v.rpo)
    out.print(table)
    out.print(f"time to detect (TTD) {fmt_duration(m.time_to_detect)}, time to respond (TTRespond) {fmt_duration(m.time_to_respond)}, "
              f"time to recover (TTRecover) {fmt_duration(m.time_to_recover)}" + (" (lower bound: manual steps confirmed with --yes)" if m.lower_bound else ""),
              markup=False, highlight=False)
    out.print(f"{verdict_line(record)}; report: {paths['markdown']}, {paths['png']}, {paths['json']}", markup=False, highlight=False)
