"""The issue body of a failed weekly DR verification (scripts/dr-verify-issue.sh): what failed, from the JSON documents
of `drctl backups verify` and `drctl preflight`, and where the run is. Rows only, never the environment.

    python -m drctl.ops.verify_issue --run-url URL dr-verify/backups-verify.json dr-verify/preflight.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from drctl.ops.checks import FAIL, UNREACHABLE

TITLES = {"aivo-dr/backups-verify@1": "drctl backups verify", "aivo-dr/preflight@1": "drctl preflight"}


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def issue_body(documents: dict[str, dict[str, Any] | None], run_url: str = "") -> str:
    """Markdown: one section per command, its summary and the rows that failed or could not be read."""
    lines = ["The weekly DR verification failed (runbook Testing Schedule: backup verification, weekly)."]
    if run_url:
        lines.append(f"Run: {run_url} (the JSON documents are its artifact).")
    for name, document in documents.items():
        if document is None:
            lines += ["", f"### {name}", "", "No JSON document: the command did not get as far as writing it (see the run's log)."]
            continue
        title = TITLES.get(str(document.get("schema")), name)
        summary = document.get("summary") or {}
        counts = ", ".join(f"{summary.get(k, 0)} {k}" for k in ("pass", "warn", "fail", "unreachable"))
        lines += ["", f"### {title}: {'ok' if document.get('ok') else 'FAILED'} ({counts})", ""]
        bad = [c for c in document.get("checks", []) if c.get("status") in (FAIL, UNREACHABLE)]
        if bad:
            lines += ["| check | status | detail |", "|---|---|---|"]
            lines += [f"| {_cell(c.get('check'))} | {c.get('status')}{' (' + c['region'] + ')' if c.get('region') else ''} | "
                      f"{_cell(c.get('detail'))} |" for c in bad]
        else:
            lines.append("No row failed.")
    return "\n".join(lines) + "\n"


def _read(path: Path) -> dict[str, Any] | None:
    from drctl.errors import UsageError
    from drctl.reading import load_json

    try:  # bounded like every file drctl reads (drctl/reading.py); an unreadable one is reported as missing
        document = load_json(path, str(path), "a drctl --json document")
    except UsageError:
        return None
    return document if isinstance(document, dict) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-url", default="")
    parser.add_argument("documents", nargs="+", type=Path)
    args = parser.parse_args(argv)
    sys.stdout.write(issue_body({path.stem: _read(path) for path in args.documents}, args.run_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
