"""Check rows (check, PASS/WARN/FAIL/UNREACHABLE, detail), their table and JSON, and the exit status they give."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from rich.table import Table

from drctl.output import text

PASS, WARN, FAIL = "PASS", "WARN", "FAIL"
# The row's AWS endpoint gave no usable answer (refused, reset, timed out, throttled past the retries):
# nothing is known about what the row checks, and `region` says which region did not answer.
UNREACHABLE = "UNREACHABLE"
STATUSES = (PASS, WARN, FAIL, UNREACHABLE)

# What an API the endpoint does not implement is reported as: never PASS (it proves nothing), never FAIL
# (nothing is known to be wrong), so an operator sees it and a script is not stopped by it.
NOT_VERIFIABLE = "not verifiable here"


@dataclass(frozen=True)
class Check:
    check: str
    status: str
    detail: str
    region: str | None = None  # UNREACHABLE rows: the region whose endpoint did not answer


def exit_status(checks: list[Check]) -> int:
    """1 when any check failed or could not be made (scripts stop on it), else 0; warnings are for people."""
    return 1 if any(c.status in (FAIL, UNREACHABLE) for c in checks) else 0


def checks_table(title: str, checks: list[Check]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("check", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("detail", overflow="fold")
    styles = {PASS: "green", WARN: "yellow", FAIL: "bold red", UNREACHABLE: "bold magenta"}
    for c in checks:
        table.add_row(text(c.check), text(c.status, style=styles[c.status]), text(c.detail))
    return table


def summary(checks: list[Check]) -> str:
    counts = {s: sum(c.status == s for c in checks) for s in STATUSES}
    warnings = "warning" if counts[WARN] == 1 else "warnings"
    text = f"{counts[PASS]} passed, {counts[WARN]} {warnings}, {counts[FAIL]} failed"
    if counts[UNREACHABLE]:
        regions = ", ".join(sorted({c.region or "?" for c in checks if c.status == UNREACHABLE}))
        text += f", {counts[UNREACHABLE]} unreachable ({regions})"
    return text


def checks_document(schema: str, checks: list[Check], **context: Any) -> dict[str, Any]:
    return {
        "schema": schema,
        **context,
        "checks": [asdict(c) for c in checks],
        "summary": {s.lower(): sum(c.status == s for c in checks) for s in STATUSES},
        "ok": exit_status(checks) == 0,
    }


def minutes(seconds: float) -> str:
    """A duration for a detail column: '4.2 min', '3.0 h', '2.5 d'."""
    m = seconds / 60
    if m < 120:
        return f"{m:.1f} min"
    if m < 48 * 60:
        return f"{m / 60:.1f} h"
    return f"{m / 1440:.1f} d"
