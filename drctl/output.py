"""The one output layer: Rich for people, JSON for machines, report files written whole or not at all.

Everything that reaches a terminal goes through `console()`: text renders as typed. No Rich markup and no emoji
codes are interpreted in any string (`aivo:runner:DeployRunner` stays that, `[bold]` stays that), and control
characters show as escapes (`\\n`, `\\x1b`), so a resource name, a settings value, an exception's reason or a file
path cannot restyle, move or clear the terminal. Styling is given as rich.text.Text / Style objects, never as
markup in a string. Not on a terminal (a pipe, a file, CI), lines are never cut or folded at a width.

Every file a command writes goes through `write_files`: each to a temporary file in its own directory, mode 0600,
flushed to disk (fsync), and only when all of them are written, each renamed over its target. A full disk or a
crash leaves the previous files (or none), never an empty or half-written one, and never some outputs without the
others. `check_outputs` refuses, before any work, a report path the command could not write or one that names a
file the same command reads.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.text import Text

from drctl.errors import EngineError, UsageError

# Wider than any line drctl prints: off a terminal, a table is as wide as its widest cell, never folded.
UNBOUNDED_WIDTH = 100_000


def visible(text: str, keep_newlines: bool = False) -> str:
    """`text` with every non-printable character as its Python escape (`\\n`, `\\t`, `\\x1b`, `\\u202e`)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or (keep_newlines and ch == "\n") else repr(ch)[1:-1] for ch in text)


def text(*lines: str, style: str = "") -> Text:
    """A cell or line of several lines: each line shown as typed (escaped), joined by real line breaks."""
    return Text("\n".join(visible(str(line)) for line in lines), style=style)


class SafeConsole(Console):
    """A Rich console that shows every string as typed: no markup, no emoji codes, control characters escaped."""

    def render_str(self, text: str, **options: Any) -> Text:  # type: ignore[override]
        options.update(markup=False, emoji=False, highlight=False)
        return super().render_str(visible(text), **options)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        # The last net, for Text objects made from data: escape what render_str did not see (line breaks are layout here).
        return super()._render_buffer(
            segment if segment.control else Segment(visible(segment.text, keep_newlines=True), segment.style, segment.control)
            for segment in buffer
        )


def console(stderr: bool = False) -> Console:
    """The console every command prints through; plain and unbounded in width when not on a terminal (tests, CI, pipes)."""
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return SafeConsole(
        file=stream,
        width=None if tty else UNBOUNDED_WIDTH,
        no_color=not tty or "NO_COLOR" in os.environ,
        markup=False,
        emoji=False,
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


def check_json_target(target: str | None, option: str = "--json", dash: bool = True) -> None:
    """Refuse a report path drctl could not write, before any work is done: a directory, a path under /proc,
    /sys or /dev, a missing directory, or one where a file cannot be created (read-only, no permission, full).
    A probe file is created and removed in the target's directory, as write_files will create its temporary file.
    `-` is standard output when `dash` (the flag's help says so), else refused."""
    if not target:
        return
    stdout = ", or - for standard output" if dash else ""
    if target == "-":
        if dash:
            return
        raise UsageError(option, target, "a file path (this flag does not write to standard output)")
    path = Path(target)
    resolved = path.resolve()
    if any(resolved == tree or tree in resolved.parents for tree in _SYSTEM_TREES):
        raise UsageError(option, target, f"a file path outside /proc, /sys and /dev{stdout}")
    if path.is_dir():
        raise UsageError(option, target, f"a file path, not a directory{stdout}")
    if path.exists() and not path.is_file():
        raise UsageError(option, target, f"a regular file path{stdout}")
    if not path.parent.is_dir():
        raise UsageError(option, target, f"a path in an existing directory{stdout}")
    try:
        handle, probe = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".probe")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(option, target, f"a path in a directory drctl can write to ({reason}){stdout}") from None
    os.close(handle)
    Path(probe).unlink(missing_ok=True)


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same resolved path, or the same inode on the same device (hard links)."""
    if a.resolve() == b.resolve():
        return True
    try:
        first, second = a.stat(), b.stat()
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def check_outputs(outputs: Sequence[tuple[str, str | Path | None]], reads: Iterable[Path] = (),
                  dash: Iterable[str] = ("--json",)) -> None:
    """Refuse, before any work, a report path that cannot be written (check_json_target), that names a file this
    command reads (`reads`: the stack files, the drill records, the compared document), or that another report flag
    of the same command also writes. `-` is standard output for the flags in `dash` and refused for the others."""
    stdout_flags = set(dash)
    inputs = [Path(p) for p in reads]
    seen: list[tuple[str, Path]] = []
    for flag, target in outputs:
        if target is None or str(target) == "":
            continue
        shown = str(target)
        check_json_target(shown, flag, dash=flag in stdout_flags)
        if shown == "-":
            continue
        path = Path(shown)
        for read in inputs:
            if _same_file(path, read):
                raise UsageError(flag, shown, f"a path other than {read}, which this command reads (a report never overwrites its input)")
        for other_flag, other in seen:
            if _same_file(path, other):
                raise UsageError(flag, shown, f"a path other than {other_flag}'s (each report gets its own file)")
        seen.append((flag, path))


def stack_files(program: Path | None = None) -> list[Path]:
    """The files a command reads its settings from: the program's Pulumi.yaml and every Pulumi.<stack>.yaml."""
    from drctl.engine.plan import REPOSITORY

    root = program or REPOSITORY
    return sorted(root.glob("Pulumi*.yaml")) + sorted(root.glob("Pulumi*.yml"))


FILE_MODE = 0o600


@dataclass(frozen=True)
class Output:
    """One file a command writes: the flag that named it (for the error line), where, and its bytes."""

    flag: str
    path: Path
    data: bytes


class NotWritten(EngineError):
    """A report file could not be written (disk full, removed directory): one line, exit 1, nothing half written."""

    def __init__(self, failed: Output, reason: str, outputs: Sequence[Output]) -> None:
        self.output, self.reason = failed, reason
        others = [visible(str(o.path)) for o in outputs if o is not failed]
        super().__init__(f"{failed.flag} {visible(str(failed.path))}: {reason}; nothing was written"
                         + (f" (nor {', '.join(others)})" if others else ""))


def write_files(outputs: Sequence[Output]) -> None:
    """Write every output or none: each to a temporary file beside its target (mode 0600, fsync), then, once all
    are on disk, each renamed over its target (rename is atomic within a file system). On any failure the
    temporary files are removed and the targets are as they were."""
    written: list[tuple[str, Output]] = []
    current = outputs[0] if outputs else None
    try:
        for output in outputs:
            current = output
            handle, temporary = tempfile.mkstemp(dir=output.path.parent, prefix=f".{output.path.name}.", suffix=".tmp")
            written.append((temporary, output))
            os.fchmod(handle, FILE_MODE)  # every file drctl writes is the operator's alone (docs/operations.md)
            with os.fdopen(handle, "wb") as stream:
                stream.write(output.data)
                stream.flush()
                os.fsync(stream.fileno())
    except OSError as error:
        for temporary, _output in written:
            Path(temporary).unlink(missing_ok=True)
        assert current is not None
        raise NotWritten(current, error.strerror or str(error), outputs) from None
    except BaseException:
        for temporary, _output in written:
            Path(temporary).unlink(missing_ok=True)
        raise
    for temporary, output in written:
        os.replace(temporary, output.path)
    for directory in {output.path.parent for output in outputs}:
        _sync_directory(directory)


def _sync_directory(directory: Path) -> None:
    """Make the renames durable (a crash right after must not bring back the old files)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def write_json(document: Any, target: str, flag: str = "--json") -> None:
    """Write to stdout for "-", else atomically to a file (a reader never sees half a document)."""
    text_ = dump_json(document)
    if target == "-":
        sys.stdout.write(text_)
        sys.stdout.flush()
        return
    check_json_target(target, flag)
    write_files([Output(flag, Path(target), text_.encode("utf-8"))])
