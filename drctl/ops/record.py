"""A drill record (aivo-dr/drill@1), read from a file and validated whole before any figure of it is used.

`drctl readiness --calibrate` replaces the model's figures with a record's durations, `drctl drill report --from`
rebuilds its report, and `drctl schedule` counts it as the last test: a record that lies (a negative, NaN, infinite
or boolean duration, an end before its start, an impossible date, a step no drill has) would make each of them lie
too. So every record is read bounded (drctl/reading.py) and checked against the schema below, field by field, in the
JSON types the schema names (strict: `true` is not a number, "12" is not one either). A problem is one line naming
the file, the field and what is allowed.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from drctl.errors import UsageError
from drctl.ops.figures import DRILL_SCHEMA
from drctl.reading import RECORD_LIMIT, load_json

WHAT = f"a drill record written by drctl drill run ({DRILL_SCHEMA} JSON)"
# Keys `drctl drill run` adds beside the record in the file it writes (drctl/ops/report.py report_document): derived
# from the record and recomputed whenever it is read, so never trusted.
DERIVED = ("metrics", "verdicts", "passed", "notPassedBecause")
_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z", re.ASCII)
TIMESTAMP = 'a real UTC time "YYYY-MM-DDTHH:MM:SS[.ffffff]Z"'
SECONDS = "a finite number of seconds, 0 or more (not a boolean, text, NaN or infinity)"


def moment(text: str) -> datetime:
    """The instant a record's timestamp names (validated first: TIMESTAMP)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _timestamp(text: str) -> str:
    try:
        if _STAMP.fullmatch(text):
            moment(text)
            return text
    except ValueError:
        pass
    raise ValueError(TIMESTAMP)


def _seconds(value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise ValueError(SECONDS)
    return value


Timestamp = Annotated[str, AfterValidator(_timestamp)]
Seconds = Annotated[float, AfterValidator(_seconds)]


def step_keys() -> dict[str, tuple[str, ...]]:
    """Each scenario's step keys, in order (drctl/ops/drill.py scenario_steps; a test keeps them equal)."""
    from drctl.ops.failover_run import GROUPS, REST

    return {
        "region-failover": ("detect", "declare", "preflight", "flip", "up", *(g.key for g in (*GROUPS, REST)), "verify"),
        "database-pitr": ("detect", "assess", "recovery-point", "restore", "reconfigure", "integrity", "cleanup"),
        "service-restore": ("detect", "assess", "scale", "rollback", "verify"),
    }


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class DrillStep(_Strict):
    key: str
    title: str
    kind: Literal["api", "manual", "pulumi", "engine"]
    phase: Literal["detect", "respond", "recover", "cleanup"]
    command: str
    status: Literal["not run", "done", "confirmed", "skipped", "aborted", "failed", "unreachable", "no change"]
    startedAt: Timestamp | None
    endedAt: Timestamp | None
    seconds: Seconds | None
    detail: str


class DrillRecord(_Strict):
    schema_: Literal["aivo-dr/drill@1"] = Field(alias="schema")
    scenario: Literal["region-failover", "database-pitr", "service-restore"]
    service: str | None
    tier: str | None
    primaryRegion: str
    drRegion: str
    operator: str
    startedAt: Timestamp
    endedAt: Timestamp
    outcome: Literal["completed", "incomplete", "failed", "aborted"]
    rpoSeconds: Seconds | None
    rpoSource: str | None
    rootCause: str
    preventiveMeasures: str
    steps: list[DrillStep]

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, populate_by_name=True)


def _where(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else ("." if path else "") + str(part)
    return path


def _allowed(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    field = str(error["loc"][-1]) if error["loc"] else ""
    if field in ("seconds", "rpoSeconds") and kind not in ("missing", "extra_forbidden"):
        return SECONDS
    if field in ("startedAt", "endedAt") and kind not in ("missing", "extra_forbidden", "value_error"):
        return TIMESTAMP
    words = {"missing": "required", "extra_forbidden": f"not a key of {DRILL_SCHEMA}", "string_type": "a string",
             "list_type": "a list", "model_type": "an object", "dict_type": "an object", "model_attributes_type": "an object"}
    if kind in words:
        return words[kind]
    if kind == "literal_error":
        return "one of " + str(ctx.get("expected", "")).replace("'", "")
    return str(error.get("msg", "")).removeprefix("Value error, ")


def check_record(data: Any, name: str, key: str) -> dict[str, Any]:
    """The record as read, once it is valid as a whole; a UsageError naming the file, the field and what is allowed."""
    if not isinstance(data, dict):
        raise UsageError(key, name, WHAT)
    if data.get("schema") != DRILL_SCHEMA:
        raise UsageError(key, name, WHAT)
    record = {k: v for k, v in data.items() if k not in DERIVED}
    try:
        valid = DrillRecord.model_validate(record)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        value = first.get("input")
        shown = None if first["type"] == "missing" or isinstance(value, (dict, list)) else value
        raise _refused(key, name, _where(tuple(first["loc"])), shown, _allowed(dict(first))) from None
    problem = _whole_problem(valid)
    if problem:
        raise _refused(key, name, *problem)
    return record


def _refused(key: str, name: str, field: str, value: Any, allowed: str) -> UsageError:
    shown = "" if value is None else f" = {_show(value)}"
    return UsageError(f"{key} {name}", None, f"{field}{shown}: {allowed}")


def _whole_problem(record: DrillRecord) -> tuple[str, Any, str] | None:
    """What the fields say together: each end at or after its start, each step's seconds its span, known steps once."""
    if moment(record.endedAt) < moment(record.startedAt):
        return ("endedAt", record.endedAt, f"a time at or after startedAt ({record.startedAt})")
    known = step_keys()[record.scenario]
    seen: set[str] = set()
    for i, step in enumerate(record.steps):
        where = f"steps[{i}]"
        if step.key not in known:
            return (f"{where}.key", step.key, f"a step of a {record.scenario} drill: {', '.join(known)}")
        if step.key in seen:
            return (f"{where}.key", step.key, "each step once")
        seen.add(step.key)
        if step.startedAt and step.endedAt:
            span = (moment(step.endedAt) - moment(step.startedAt)).total_seconds()
            if span < 0:
                return (f"{where}.endedAt", step.endedAt, f"a time at or after the step's startedAt ({step.startedAt})")
            if step.seconds is not None and abs(step.seconds - span) > 1.0:
                return (f"{where}.seconds", step.seconds, f"the step's time from startedAt to endedAt ({span:g} s)")
        elif step.seconds is not None:
            return (f"{where}.seconds", step.seconds, "null unless the step has startedAt and endedAt")
    return None


def _show(value: Any) -> str:
    import json

    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_record(path: Path, key: str) -> dict[str, Any]:
    """A drill record file, read bounded and validated whole."""
    return check_record(load_json(path, key, WHAT, RECORD_LIMIT), str(path), key)

