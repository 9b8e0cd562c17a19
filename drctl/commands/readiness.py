"""`drctl readiness --stack dr`: each tier's achievable RTO and RPO from the declared stacks, with a verdict.

Plans the primary and dr stacks in standby and the dr stack in failover (with the same --config overrides), and
runs the pack's readiness model on them (policies/recovery, the same computation as the policy
tiers-within-objectives). Exit status: 0 every tier keeps its objectives (or an accepted exception covers it),
1 a tier is in BREACH, 2 bad arguments, settings or drill records.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from drctl.commands.common import add_plan_source_arguments, planner
from drctl.errors import UsageError
from drctl.output import Output, check_outputs, console, dump_json, stack_files, write_files, write_json
from drctl.reading import load_json

ORDER = 35
SCHEMA = "aivo-dr/readiness@2"
BASE_SCHEMAS = ("aivo-dr/readiness@1", SCHEMA)  # the base branch may predate the distributions


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "readiness", help="each tier's computed RTO/RPO against its objectives (exit 1 on a BREACH)", description=__doc__,
    )
    parser.add_argument("--stack", required=True, help="dr: the stack a failover brings up (the only one readiness is about)")
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                        help="override a setting of both stacks for this run only, like `pulumi config set` (repeatable)")
    parser.add_argument("--json", default=None, metavar="PATH|-", help="write the readiness document to PATH, or - for standard output")
    parser.add_argument("--markdown", default=None, metavar="PATH", help="write the report as Markdown to PATH (the PR comment)")
    parser.add_argument("--picture", action="append", default=[], type=Path, metavar="PATH",
                        help="draw the failover timeline to PATH (.png or .svg; repeatable)")
    parser.add_argument("--calibrate", action="append", default=[], type=Path, metavar="DRILL.json",
                        help="replace estimated step durations with those a `drctl drill run` record measured (repeatable)")
    parser.add_argument("--observe", action="store_true",
                        help="read each replica's observed lag (CloudWatch p99 over 14 days: ReplicaLag, S3 ReplicationLatency) "
                        "with the usual AWS credentials; it replaces the lag alarm's time to notice")
    parser.add_argument("--compare", default=None, type=Path, metavar="BASE.json",
                        help="a readiness document of the base branch: show before, after and delta per tier")
    add_plan_source_arguments(parser)
    parser.set_defaults(handler=run)


def _check(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.stack != "dr":
        raise UsageError("--stack", args.stack, "dr: readiness is the failover's, from the primary and dr stacks together")
    for picture in args.picture:
        if str(picture) != "-" and picture.suffix.lower() not in (".png", ".svg"):
            raise UsageError("--picture", str(picture), "a path ending .png or .svg")
    check_outputs([("--json", args.json), ("--markdown", args.markdown), *(("--picture", p) for p in args.picture)],
                  reads=[*stack_files(), *args.calibrate, *([args.compare] if args.compare else [])])
    for drill in args.calibrate:
        if not drill.is_file():
            raise UsageError("--calibrate", str(drill), "a drill record written by drctl drill run (aivo-dr/drill@1 JSON)")
    if args.compare is None:
        return None
    base = load_json(args.compare, "--compare", f"a readiness document written by drctl readiness --json ({SCHEMA})")
    if not isinstance(base, dict) or base.get("schema") not in BASE_SCHEMAS:
        raise UsageError("--compare", str(args.compare), f"a readiness document written by drctl readiness --json ({SCHEMA})")
    return base


def run(args: argparse.Namespace) -> int:
    from drctl.commands.diff import summary_line
    from drctl.readiness import readiness
    from drctl.readiness_picture import render as render_picture
    from policies.recovery import document

    base = _check(args)
    result = readiness(args.config, drills=args.calibrate, observe=args.observe, source=planner(args))
    r = result.readiness
    doc = document(r)
    outside = result.flip_steps_outside_diff
    if outside:
        doc["problems"].append(f"steps the model takes that the failover does not change: {', '.join(outside)}")
        doc["passed"] = False
    doc["failoverDiff"] = summary_line(result.diff)
    doc["config"] = list(args.config)
    if base is not None:
        doc["comparedWith"] = compare(base, doc)
    # Every file rendered first, then all written together: a failure leaves none of them half done.
    files = [Output("--picture", picture, render_picture(r, picture.suffix.lstrip(".").lower())) for picture in args.picture]
    if args.markdown:
        files.append(Output("--markdown", Path(args.markdown), markdown(doc).encode("utf-8")))
    if args.json and args.json != "-":
        files.append(Output("--json", Path(args.json), dump_json(doc).encode("utf-8")))
    write_files(files)
    if args.json == "-":
        write_json(doc, "-")
        return 0 if doc["passed"] else 1
    out = console()
    out.print(tier_table(doc))
    for line in notes(doc):
        out.print(line)
    for picture in args.picture:
        out.print(f"timeline drawn to {picture}")
    return 0 if doc["passed"] else 1


# ---- rendering (the terminal table and the Markdown share rows) ----------------------------------------------------


def _fmt(seconds: float | None) -> str:
    from policies.recovery.model import fmt

    return fmt(seconds)


def _margin(o: dict[str, Any]) -> str:
    if not o["assessed"]:
        return "-"
    m = o["marginSeconds"]
    return "unbounded" if m is None else ("+" if m >= 0 else "-") + _fmt(abs(m))


def _computed(o: dict[str, Any]) -> str:
    if not o["assessed"]:
        return "not assessed"
    return "lost" if o["computedSeconds"] is None and o["cause"] == "cache" else _fmt(o["computedSeconds"])


def _mode(o: dict[str, Any], mode: str) -> str:
    """p50 / p95 of one mode ("-" when the plan gives no failover)."""
    found = next((m for m in o.get("modes", []) if m["mode"] == mode), None)
    if found is None:
        return "-"
    if found["p95Seconds"] is None:
        return "never"
    return f"{_fmt(found['p50Seconds'])} / {_fmt(found['p95Seconds'])}"


def _rpo(o: dict[str, Any]) -> str:
    shown = _computed(o)
    return f"{shown} ({o['kind']})" if o.get("kind") and o["assessed"] and o["kind"] not in ("lost", "unbounded") else shown


def rows(doc: dict[str, Any]) -> list[list[str]]:
    out = []
    for t in doc["tiers"]:
        rto, rpo = t["rto"], t["rpo"]
        why = []
        for name, o in (("RTO", rto), ("RPO", rpo)):
            if o["verdict"] == "BREACH":
                why.append(f"{name} BREACH: {'step' if name == 'RTO' else 'store'} {o['cause']}")
            elif o["verdict"] == "ACCEPTED":
                why.append(f"{name} accepted exception: {o['cause']}")
        dominates = f"RTO: {rto['cause']}" + (f"; RPO: {rpo['cause']}" if rpo["cause"] else "")
        out.append([t["tier"], _fmt(rto["targetSeconds"]), _mode(rto, "normal"), _mode(rto, "impaired"), _margin(rto),
                    _fmt(rpo["targetSeconds"]), _rpo(rpo), _margin(rpo), t["verdict"], "; ".join(why) or dominates])
    return out


HEADERS = ["tier", "RTO target", "RTO p50 / p95", "RTO p50 / p95, us-east-1 impaired", "RTO margin at p95", "RPO target",
           "RPO (what it is)", "RPO margin", "verdict", "what dominates / breaks it"]
VERDICT = HEADERS.index("verdict")


def tier_table(doc: dict[str, Any]) -> Table:
    table = Table(title="Readiness of the failover to the dr stack (computed from the plans)", title_justify="left")
    for header in HEADERS:
        table.add_column(header, overflow="fold", no_wrap=header in ("tier", "verdict"))
    for row in rows(doc):
        table.add_row(*row)
    return table


def notes(doc: dict[str, Any]) -> list[str]:
    lines = [f"detection: {doc['detection']['source']}"]
    if doc["declaration"]:
        lines.append(f"declaration: {_fmt(doc['declaration']['seconds'])} ({doc['declaration']['source']})")
    for t in doc["tiers"]:
        lines.append(f"{t['tier']} critical path of the p95 trial (each step p50/p95), {t['rto']['detail']}")
        lines.append(f"{t['tier']} data: {t['rpo']['detail']}")
    for f in doc.get("fallbacks", []):
        lines.append(f"{f['store']} fallback (not the failover's path, not judged): {_fmt(f['seconds'])}, {f['source']}")
    for e in doc["exceptions"]:
        lines.append(f"accepted exception: {e['tier']} {e['objective'].upper()} {e['cause']}" + (f" up to {e['upTo']}" if e["upTo"] else "")
                     + f": {e['reason']}")
    for note in doc.get("notes", []):
        lines.append(f"note: {note}")
    figures = doc["figures"]
    measured = [k for k, f in figures.items() if f["measured"]]
    sourced = [k for k, f in figures.items() if not f["measured"] and not f.get("calibrationPending")]
    pending = [k for k, f in figures.items() if f.get("calibrationPending")]
    lines.append("figures (p50 and p95 each, policies/recovery/steps.yaml): " + (f"measured by drills: {', '.join(measured)}; " if measured else "")
                 + f"sourced: {', '.join(sourced) or '-'}; no source, calibrate with a drill: {', '.join(pending) or '-'}")
    if doc.get("samples"):
        lines.append(f"verdicts at {doc.get('verdictAt', 'p95')}, the worse of the two modes; {doc['samples']['trials']} trials, seed "
                     f"{doc['samples']['seed']}, {doc['samples']['family']}")
    lines.append(f"failover diff: {doc['failoverDiff']}")
    for row in rows(doc):
        if row[VERDICT] != "OK":
            lines.append(f"{row[0]}: {row[VERDICT]}: {row[VERDICT + 1]}")
    lines.extend(f"PROBLEM: {p}" for p in doc["problems"])
    failed = [t["tier"] for t in doc["tiers"] if t["verdict"] == "BREACH"]
    lines.append("readiness: " + (f"BREACH in {', '.join(failed)}" if failed else "every tier within its objectives or an accepted exception")
                 + (" (with problems)" if doc["problems"] else ""))
    return lines


def compare(base: dict[str, Any], head: dict[str, Any]) -> list[dict[str, Any]]:
    """Per tier: the base branch's computed RTO/RPO and verdict, this one's, and the change."""
    before = {t["tier"]: t for t in base.get("tiers", [])}
    out = []
    for t in head["tiers"]:
        b = before.get(t["tier"])
        entry: dict[str, Any] = {"tier": t["tier"], "verdictBefore": b["verdict"] if b else None, "verdictAfter": t["verdict"]}
        for key in ("rto", "rpo"):
            old = b[key]["computedSeconds"] if b else None
            new = t[key]["computedSeconds"]
            entry[key] = {"before": old, "after": new, "delta": None if old is None or new is None else new - old}
        out.append(entry)
    return out


def _delta(d: dict[str, Any]) -> str:
    if d["delta"] is None:
        return "-" if d["before"] == d["after"] else "changed"
    return "0" if d["delta"] == 0 else ("+" if d["delta"] > 0 else "-") + _fmt(abs(d["delta"]))


def markdown(doc: dict[str, Any]) -> str:
    lines = ["## DR readiness (`drctl readiness --stack dr`, verdicts at p95)", ""]
    if doc.get("comparedWith") is not None:
        lines += ["| tier | RTO p95 before | RTO p95 after | RTO delta | RPO before | RPO after | RPO delta | verdict before | verdict after |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for c in doc["comparedWith"]:
            lines.append(f"| {c['tier']} | {_fmt(c['rto']['before'])} | {_fmt(c['rto']['after'])} | {_delta(c['rto'])} | "
                         f"{_fmt(c['rpo']['before'])} | {_fmt(c['rpo']['after'])} | {_delta(c['rpo'])} | {c['verdictBefore'] or '-'} | "
                         f"**{c['verdictAfter']}** |")
        lines.append("")
    lines += ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows(doc)]
    lines.append("")
    lines += [f"- {line}".replace("|", "\\|") for line in notes(doc)]
    return "\n".join(lines) + "\n"
