"""Every EventBridge rule matches the events it exists for, and not the others: checked against AWS's own
sample events (policies/sample_events, refreshed by scripts/refresh_sample_events.py) through a real pattern
engine (moto's EventBridge EventPattern), never a matcher written here.

A rule on a field the event does not carry passes every offline check and never fires: AWS Backup's restore
jobs report `detail.status`, its backup and copy jobs `detail.state`, and a restore-failure rule on
`detail.state` pages nobody.

Which events a rule exists for is read from the rule itself, not declared beside it: for each detail-type it
names, the outcomes (job states, alarm states) of AWS's samples of that type that its pattern names anywhere.
Those samples must match; the samples of the type's other outcomes must not. A pattern naming no outcome
exists for every event of its types. A declared intent could be wrong the same way the pattern is; the values
the author wrote cannot, since the check asks only whether they sit where AWS puts them. The pattern's other
conditions (an alarm name prefix, a region, a restore testing plan's ARN) narrow it to this project's
resources: each sample is given a value they accept, where the sample carries the field; samples without it
are out of the rule's scope, and an outcome with no sample in scope is refused (AWS may not send the field).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from ._common import get, resource_policy

EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
SAMPLES = Path(__file__).resolve().with_name("sample_events")
ENVELOPE = ("source", "detail-type")
REFRESH = "scripts/refresh_sample_events.py"

Path_ = tuple[str, ...]


def catalogue() -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(source, detail-type) -> AWS's samples of it, from every file of policies/sample_events."""
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for file in sorted(SAMPLES.glob("*.json")):
        for sample in json.loads(file.read_text(encoding="utf-8"))["samples"]:
            event = sample["event"]
            found.setdefault((event["source"], event["detail-type"]), []).append(sample)
    return found


catalogue = functools.cache(catalogue)  # wrapped here, not decorated: mutmut mutates catalogue (docs/testing.md)


def _engine(pattern: str) -> Any:
    """moto's EventBridge pattern engine for this pattern (imported on first use: it costs moto's import)."""
    from moto.events.models import EventPattern  # noqa: PLC0415

    return EventPattern.load(pattern)


_engine = functools.cache(_engine)  # wrapped here, not decorated: mutmut mutates _engine (docs/testing.md)


def _invalid(pattern: str) -> str | None:
    from moto.events.exceptions import InvalidEventPatternException  # noqa: PLC0415

    try:
        _engine(pattern)
    except InvalidEventPatternException as error:
        return str(error.message if hasattr(error, "message") else error)
    return None


def _leaves(pattern: dict[str, Any], path: Path_ = ()) -> Iterator[tuple[Path_, list[Any]]]:
    """(path, filters) of every condition of a pattern, through `$or` branches."""
    for key, value in pattern.items():
        if key == "$or" and isinstance(value, list):
            for branch in value:
                if isinstance(branch, dict):
                    yield from _leaves(branch, path)
        elif isinstance(value, dict):
            yield from _leaves(value, (*path, key))
        elif isinstance(value, list):
            yield (*path, key), value


def _carried(node: Any, value: str, path: Path_ = ()) -> list[str]:
    """The dotted paths where an event carries `value`."""
    if isinstance(node, dict):
        return [p for key, child in node.items() for p in _carried(child, value, (*path, key))]
    return [".".join(path)] if node == value else []


def _accepted(filters: list[Any], current: Any) -> Any:
    """A value the filters accept, to put in a sample's field (the field's own value when no simple one exists)."""
    for f in filters:
        if isinstance(f, (str, int, float, bool)):
            return f
        if isinstance(f, dict) and len(f) == 1:
            (name, arg), = f.items()
            if name == "prefix" and isinstance(arg, str):
                return f"{arg}sample"
            if name == "suffix" and isinstance(arg, str):
                return f"sample{arg}"
            if name == "equals-ignore-case" and isinstance(arg, str):
                return arg
            if name == "wildcard" and isinstance(arg, str):
                return arg.replace("*", "sample")
    return current


def _in_scope(event: dict[str, Any], scope: list[tuple[Path_, list[Any]]]) -> tuple[dict[str, Any] | None, str | None]:
    """The sample with each scope condition given a value it accepts, or (None, the first field it lacks)."""
    witness = copy.deepcopy(event)
    for path, filters in scope:
        node: Any = witness
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or path[-1] not in node:
            if any(isinstance(f, dict) and f.get("exists") is False for f in filters):
                continue
            return None, ".".join(path)
        value = _accepted(filters, node[path[-1]])
        node[path[-1]] = [value] if isinstance(node[path[-1]], list) and not isinstance(value, list) else value
    return witness, None


def _check_type(pattern: str, parsed: dict[str, Any], source: str, detail_type: str, report: ReportViolation) -> None:
    samples = catalogue().get((source, detail_type))
    if not samples:
        report(f"no AWS sample event has source {source} and detail-type {detail_type!r} (policies/sample_events): a "
               f"detail-type AWS does not send, or refresh the samples ({REFRESH})", None)
        return
    outcomes = {s["outcome"] for s in samples if s.get("outcome")}
    leaves = [(p, f) for p, f in _leaves(parsed) if p not in {(e,) for e in ENVELOPE}]
    naming = {p: {v for v in f if isinstance(v, str) and v in outcomes} for p, f in leaves}
    named = set().union(*naming.values()) if naming else set()
    scope = [(p, f) for p, f in leaves if not naming[p]]
    engine = _engine(pattern)
    missed: dict[str, dict[str, Any]] = {}
    extra: set[str] = set()
    in_scope: set[str] = set()
    lacking: dict[str, str] = {}
    for sample in samples:
        witness, lacks = _in_scope(sample["event"], scope)
        if witness is None:
            lacking.setdefault(sample["outcome"], str(lacks))
            continue
        in_scope.add(sample["outcome"])
        wanted = not named or sample["outcome"] in named
        matched = engine.matches_event(witness)
        if wanted and not matched:
            missed.setdefault(sample["outcome"], sample)
        elif not wanted and matched:
            extra.add(sample["outcome"])
    for outcome, sample in sorted(missed.items()):
        looked = sorted(".".join(p) for p, names in naming.items() if outcome in names)
        carried = _carried(sample["event"], outcome)
        why = f" ({sample['title']})"
        if looked and carried and not set(looked) & set(carried):
            why = (f": the pattern looks for {outcome} in {', '.join(looked)}, but these events carry it in "
                   f"{', '.join(carried)}")
        report(f"AWS's sample {detail_type} event ({outcome}) does not match it, yet the rule exists for it{why}", None)
    for outcome in sorted(extra):
        report(f"AWS's sample {detail_type} event ({outcome}) matches it, but the rule names only "
               f"{', '.join(sorted(named))}: it would fire on {outcome} too", None)
    for outcome in sorted((named or outcomes) - in_scope - set(missed)):
        if outcome in lacking:
            report(f"no AWS sample {detail_type} event ({outcome}) carries {lacking[outcome]}, which the pattern requires: "
                   "AWS may not send it", None)


def _rule_matches(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    pattern = get(props, "eventPattern")
    if not pattern:
        return  # a schedule: no event to match
    problem = _invalid(str(pattern))
    if problem:
        report(f"eventPattern is refused by the EventBridge pattern engine: {problem}", None)
        return
    parsed = json.loads(str(pattern))
    sources = parsed.get("source")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
        report("eventPattern names no source, so which of AWS's events it exists for is unknown: name the source", None)
        return
    types = parsed.get("detail-type")
    for source in sources:
        names = types if isinstance(types, list) else sorted(t for s, t in catalogue() if s == source)
        if not names:
            report(f"no AWS sample event has source {source} (policies/sample_events): refresh the samples ({REFRESH})", None)
        for detail_type in names:
            _check_type(str(pattern), parsed, source, str(detail_type), report)


rules_match_events = ResourceValidationPolicy(
    name="event-rules-match-their-events",
    description="Every EventBridge rule matches AWS's sample events it exists for (the outcomes its pattern names, of the "
    "detail-types it names) and no other sample of those types, evaluated by moto's EventBridge pattern engine against "
    "the samples of AWS's documentation (policies/sample_events): a rule on a field the event does not carry never fires.",
    validate=resource_policy(EVENT_RULE)(_rule_matches),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["monitoring", "resilience"],
)

POLICIES = [rules_match_events]
