"""The one output layer: Rich for people, JSON for machines, one error path."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console

from drctl.errors import UsageError


def console(stderr: bool = False) -> Console:
    """A console that is plain and wide enough to be deterministic when not on a terminal (tests, CI, pipes)."""
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(
        file=stream,
        width=None if tty else 120,
        no_color=not tty or "NO_COLOR" in os.environ,
        highlight=False,
        soft_wrap=not tty,
    )


def emit(document: Any, target: str | None, *renderables: Any) -> None:
    """The one way a command answers: with `--json -` the document alone on stdout (for machines);
    otherwise the human view, and the document also written to `target` when one is given."""
    if target == "-":
        write_json(document, "-")
        return
    out = console()
    for renderable in renderables:
        out.print(renderable)
    if target:
        write_json(document, target)


def dump_json(document: Any) -> str:
    """Canonical JSON: sorted keys, two-space indent, trailing newline (byte-identical for equal documents)."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# Kernel and device filesystems: a write there is not a report (and /dev/full, /proc/... fail or do harm late).
_SYSTEM_TREES = (Path("/proc"), Path("/sys"), Path("/dev"))


def check_json_target(target: str | None, option: str = "--json") -> None:
    """Refuse a report path drctl could not write, before any work is done: a directory, a path under /proc,
    /sys or /dev, a missing directory, or one where a file cannot be created (read-only, no permission, full).
    A probe file is created and removed in the target's directory, as write_json will create its temporary file."""
    if not target or target == "-":
        return
    path = Path(target)
    resolved = path.resolve()
    if any(resolved == tree or tree in resolved.parents for tree in _SYSTEM_TREES):
        raise UsageError(option, target, "a file path outside /proc, /sys and /dev, or - for standard output")
    if path.is_dir():
        raise UsageError(option, target, "a file path, not a directory, or - for standard output")
    if path.exists() and not path.is_file():
        raise UsageError(option, target, "a regular file path, or - for standard output")
    if not path.parent.is_dir():
        raise UsageError(option, target, "a path in an existing directory, or - for standard output")
    try:
        handle, probe = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".probe")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(option, target, f"a path in a directory drctl can write to ({reason}), or - for standard output") from None
    os.close(handle)
    Path(probe).unlink(missing_ok=True)


def write_json(document: Any, target: str) -> None:
    """Write to stdout for "-", else atomically to a file (a reader never sees half a document)."""
    text = dump_json(document)
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    check_json_target(target)
    path = Path(target)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(handle, 0o600)  # every file drctl writes is the operator's alone (docs/operations.md)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
