"""Check rows (check, PASS/WARN/FAIL, detail), their table and JSON, and the exit status they give."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from rich.table import Table

PASS, WARN, FAIL = "PASS", "WARN", "FAIL"

# What an API the endpoint does not implement is reported as: never PASS (it proves nothing), never FAIL
# (nothing is known to be wrong), so an operator sees it and a script is not stopped by it.
NOT_VERIFIABLE = "not verifiable here"


@dataclass(frozen=True)
class Check:
    check: str
    status: str
    detail: str


def exit_status(checks: list[Check]) -> int:
    """1 when any check failed (scripts stop on it), else 0; warnings are for people."""
    return 1 if any(c.status == FAIL for c in checks) else 0


def checks_table(title: str, checks: list[Check]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("check", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("detail", overflow="fold")
    styles = {PASS: "green", WARN: "yellow", FAIL: "bold red"}
    for c in checks:
        table.add_row(c.check, f"[{styles[c.status]}]{c.status}[/]", c.detail)
    return table


def summary(checks: list[Check]) -> str:
    counts = {s: sum(c.status == s for c in checks) for s in (PASS, WARN, FAIL)}
    warnings = "warning" if counts[WARN] == 1 else "warnings"
    return f"{counts[PASS]} passed, {counts[WARN]} {warnings}, {counts[FAIL]} failed"


def checks_document(schema: str, checks: list[Check], **context: Any) -> dict[str, Any]:
    return {
        "schema": schema,
        **context,
        "checks": [asdict(c) for c in checks],
        "summary": {s.lower(): sum(c.status == s for c in checks) for s in (PASS, WARN, FAIL)},
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
