"""Helpers the ops tests share: reading Rich tables back, free ports, the installed `drctl` entry point."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def table_rows(text: str) -> list[tuple[str, ...]]:
    """The body rows of a Rich table as tuples of stripped cells.

    Cells folded onto continuation lines (first cell empty) are joined back to their row.
    """
    rows: list[list[str]] = []
    for line in text.splitlines():
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if rows and not cells[0]:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return [tuple(r) for r in rows]


# A call not made because its endpoint (a service in a region) did not answer earlier in the same run (drctl.ops.calls).
NOT_ASKED = re.compile(r"^(?P<call>.+?): not asked: (?P<endpoint>\S+ in \S+) did not answer earlier in this run: (?P<why>.*)$")


def as_asked(detail: str) -> str:
    """A row's detail as if its call had been made and failed as the endpoint's first call did: which of the calls to
    one endpoint is its first depends on the threads, so tests compare this, and count the waits at the proxy."""
    found = NOT_ASKED.match(detail)
    return f"{found['call']}: {found['why']}" if found else detail


def waits_per_endpoint(seen: list, fault: str) -> dict[tuple[str | None, str | None], int]:
    """How many requests the fault proxy held or broke, per (region, service): one call's attempts, when each
    endpoint is waited on once per run."""
    counts: dict[tuple[str | None, str | None], int] = {}
    for s in seen:
        if s.fault == fault:
            counts[(s.region, s.service)] = counts.get((s.region, s.service), 0) + 1
    return counts


def installed_drctl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed `drctl` console script (the entry point users run), in a separate process."""
    script = Path(sys.executable).parent / "drctl"
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ), stdin=subprocess.DEVNULL)
