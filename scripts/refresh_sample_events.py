#!/usr/bin/env python3
"""Refresh AWS's published sample events (policies/sample_events/*.json) from AWS's documentation.

The policy `event-rules-match-their-events` (policies/events.py) runs every EventBridge rule of the stacks
against these samples through a real pattern engine. The samples are the example events of AWS's own pages,
fetched in their Markdown form (docs.aws.amazon.com serves every page as .md), parsed from their fenced JSON
blocks and labelled with the outcome each shows: the page's "State: X" heading where it has one, else the
event's `detail.state.value` (CloudWatch alarms).

Two kinds of sample are derived, each marked `derived` with the reason, never silently:
- CloudWatch publishes only ALARM examples; for each other alarm state in botocore's CloudWatch model
  (StateValue), the example whose previousState is that state, with state and previousState exchanged.
- Restore jobs of a restore testing plan carry `detail.restoreTestingPlanArn` (the Backup page says so, and
  the restore testing guide's validation sample reads it); the page's restore examples have none, so each
  restore example is repeated with it.

Usage: scripts/refresh_sample_events.py [--from-file SOURCE=PATH ...] [--out DIR]
(--from-file parses a saved copy of a page instead of fetching it: SOURCE is aws.backup or aws.cloudwatch).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "policies" / "sample_events"
PAGES = {
    "aws.backup": ("https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.md",
                   "AWS Backup Developer Guide: Monitoring AWS Backup events using Amazon EventBridge"),
    "aws.cloudwatch": ("https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.md",
                       "Amazon CloudWatch User Guide: Alarm events and EventBridge"),
}
RESTORE_TESTING_GUIDE = "https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.md"
EXAMPLE_PLAN_ARN = "arn:aws:backup:us-west-2:1112233445566:restore-testing-plan:ExamplePlan-6f7fc1f8"
MAX_PAGE = 2_000_000  # bytes read of a page
HEADING = re.compile(r"^\s*(#{1,6}\s+|\*\*)(?P<text>.+?)(\*\*)?\s*$")
FENCE = re.compile(r"^\s*```")


def title_of(line: str) -> str | None:
    match = HEADING.match(line)
    if not match:
        return None
    text = re.sub(r"<a name=[^>]*>\s*(</a>)?", "", match.group("text")).strip(" []\\")
    return re.sub(r"\\(.)", r"\1", text).strip() or None


def blocks(markdown: str) -> list[tuple[str, str]]:
    """(the nearest heading above, the text) of every fenced code block."""
    found, heading, inside, lines = [], "", False, []  # type: ignore[var-annotated]
    for line in markdown.splitlines():
        if FENCE.match(line):
            if inside:
                found.append((heading, "\n".join(lines)))
            inside, lines = not inside, []
            continue
        if inside:
            lines.append(line)
        elif (title := title_of(line)) is not None:
            heading = title
    return found


def outcome_of(heading: str, event: dict[str, Any]) -> str | None:
    state = re.search(r"State:\s*(\S+)", heading)
    if state:
        return state.group(1)
    detail = event.get("detail") or {}
    value = detail.get("state")
    return value.get("value") if isinstance(value, dict) else None


def samples_of(markdown: str) -> tuple[list[dict[str, Any]], list[str]]:
    samples, skipped = [], []
    for heading, text in blocks(markdown):
        try:
            event = json.loads(text)
        except json.JSONDecodeError as error:
            if '"detail-type"' in text:
                skipped.append(f"{heading}: not JSON ({error.msg} at line {error.lineno})")
            continue
        if isinstance(event, dict) and isinstance(event.get("detail-type"), str) and isinstance(event.get("source"), str):
            samples.append({"title": heading, "outcome": outcome_of(heading, event), "event": event})
    return samples, skipped


def alarm_states() -> list[str]:
    import botocore.session  # noqa: PLC0415 (only this derivation needs it)

    model = botocore.session.get_session().get_service_model("cloudwatch")
    return list(model.shape_for("StateValue").enum)


def derive_alarm_states(samples: list[dict[str, Any]], states: list[str]) -> list[dict[str, Any]]:
    derived = []
    shown = {s["outcome"] for s in samples if s["event"]["detail-type"] == "CloudWatch Alarm State Change"}
    for state in states:
        if state in shown:
            continue
        base = next((s for s in samples if s["event"]["detail-type"] == "CloudWatch Alarm State Change"
                     and (s["event"]["detail"].get("previousState") or {}).get("value") == state), None)
        if base is None:
            continue
        event = copy.deepcopy(base["event"])
        event["detail"]["state"], event["detail"]["previousState"] = event["detail"]["previousState"], event["detail"]["state"]
        derived.append({"title": f"{base['title']} (reversed)", "outcome": state, "event": event,
                        "derived": f"AWS publishes no {state} example: the '{base['title']}' example with state and "
                                   "previousState exchanged (StateValue from botocore's CloudWatch model)"})
    return derived


def derive_restore_testing(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    derived = []
    for s in samples:
        if s["event"]["detail-type"] != "Restore Job State Change":
            continue
        event = copy.deepcopy(s["event"])
        event["detail"]["restoreTestingPlanArn"] = EXAMPLE_PLAN_ARN
        derived.append({"title": f"{s['title']} (restore testing)", "outcome": s["outcome"], "event": event,
                        "derived": "restore jobs of a restore testing plan include detail.restoreTestingPlanArn (this page; "
                                   f"the validation sample of {RESTORE_TESTING_GUIDE} reads event.detail.restoreTestingPlanArn)"})
    return derived


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (a fixed https URL)
        return response.read(MAX_PAGE).decode("utf-8")


def catalogue(source: str, markdown: str) -> tuple[dict[str, Any], list[str]]:
    url, title = PAGES[source]
    samples, skipped = samples_of(markdown)
    samples = [s for s in samples if s["event"]["source"] == source]
    if source == "aws.cloudwatch":
        samples += derive_alarm_states(samples, alarm_states())
    if source == "aws.backup":
        samples += derive_restore_testing(samples)
    return {"source": url, "page": title, "refresh": "scripts/refresh_sample_events.py",
            "note": "AWS's example events, verbatim, labelled with the outcome each shows; `derived` ones say how they were made",
            "samples": samples}, skipped


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-file", action="append", default=[], metavar="SOURCE=PATH")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    local = {}
    for item in args.from_file:
        source, _, path = item.partition("=")
        if source not in PAGES or not path:
            print(f"--from-file: {item!r}: expected SOURCE=PATH with SOURCE one of {', '.join(PAGES)}", file=sys.stderr)
            return 2
        local[source] = Path(path).read_text(encoding="utf-8")[:MAX_PAGE]
    args.out.mkdir(parents=True, exist_ok=True)
    for source in PAGES:
        markdown = local.get(source)
        if markdown is None:
            if local:
                continue
            markdown = fetch(PAGES[source][0])
        document, skipped = catalogue(source, markdown)
        for line in skipped:
            print(f"{source}: skipped {line}", file=sys.stderr)
        target = args.out / f"{source}.json"
        target.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: {len(document['samples'])} samples")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
