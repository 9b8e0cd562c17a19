"""A stand-in `pulumi` executable for tests of what drives the Pulumi CLI through the Automation API.

It stands in for the Pulumi CLI, which cannot be installed here: it records every call's arguments (one JSON list a
line) and answers what the Automation API asks (`version`, `stack select`, `config set`, `up --event-log FILE`,
`stack output`, `stack history`), replaying the engine events a test gives it into the event log, with timestamps
at the offsets the test chose from the moment `up` starts. It reports version 3.205.0: the last release whose
events the Automation API reads from a file (later ones stream them over gRPC).
"""

from __future__ import annotations

import json
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSION = "v3.205.0"
PROJECT = "aivo-dr"


def urn(stack: str, type_: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{type_}::{name}"


@dataclass(frozen=True)
class Change:
    """One resource step of an update: pre-event at `start` s, outputs (or failure) at `end` s."""

    type: str
    name: str
    op: str
    start: int
    end: int
    error: str | None = None


def engine_events(changes: list[Change], stack: str = "dr") -> list[tuple[int, dict[str, Any]]]:
    """(offset, event) pairs as the engine writes them: prelude, per resource a pre-event and its outputs event (or an
    error diagnostic and a failed event), the summary, and the cancel event that ends the log."""
    events: list[tuple[int, dict[str, Any]]] = [(0, {"preludeEvent": {"config": {}}})]
    for c in changes:
        meta = {"op": c.op, "urn": urn(stack, c.type, c.name), "type": c.type, "provider": ""}
        events.append((c.start, {"resourcePreEvent": {"metadata": meta, "planning": False}}))
        if c.error is None:
            events.append((c.end, {"resOutputsEvent": {"metadata": meta, "planning": False}}))
        else:
            events.append((c.end, {"diagnosticEvent": {"urn": meta["urn"], "message": c.error + "\n", "color": "never", "severity": "error"}}))
            events.append((c.end, {"resOpFailedEvent": {"metadata": meta, "status": 1, "steps": 1}}))
    last = max((c.end for c in changes), default=0)
    counts: dict[str, int] = {}
    for c in changes:
        counts[c.op] = counts.get(c.op, 0) + 1
    events.append((last, {"summaryEvent": {"maybeCorrupt": False, "durationSeconds": last, "resourceChanges": counts, "PolicyPacks": {}}}))
    events.append((last, {"cancelEvent": {}}))
    return sorted(events, key=lambda pair: pair[0])


def write_standin(directory: Path, events: list[tuple[int, dict[str, Any]]], up_exit: int = 0, up_stderr: str = "") -> Path:
    """Write `pulumi` into `directory` (put it first on PATH); returns the log of its calls."""
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "pulumi-calls.jsonl"
    script = directory / "pulumi"
    script.write_text(f"""#!{sys.executable}
import json, sys, time
args = sys.argv[1:]
with open({str(log)!r}, "a") as log:
    log.write(json.dumps(args) + "\\n")
args = [a for a in args if a != "--non-interactive"]  # the Automation API puts it first, or among the flags
if args[:1] == ["version"]:
    print({VERSION!r})
elif args[:1] == ["up"]:
    path = args[args.index("--event-log") + 1]
    base = int(time.time())
    with open(path, "a") as out:
        for sequence, (offset, event) in enumerate(json.loads({json.dumps(events)!r})):
            out.write(json.dumps({{"sequence": sequence, "timestamp": base + offset, **event}}) + "\\n")
    sys.stderr.write({up_stderr!r})
    sys.exit({up_exit})
elif args[:2] == ["stack", "output"]:
    print("{{}}")
elif args[:2] == ["stack", "history"]:
    print(json.dumps([{{"kind": "update", "startTime": "2026-11-30T10:00:00.000000Z", "endTime": "2026-11-30T10:10:00.000000Z",
                       "message": "", "environment": {{}}, "config": {{}}, "result": "succeeded", "version": 42}}]))
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return log


def calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
