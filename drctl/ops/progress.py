"""The live line on stderr that says what a command is doing and which AWS call it is waiting on, and one
plain line for each retry (those also reach logs and pipes, where a live line is not drawn).

Nothing here writes to stdout, so `--json -` stays a clean document.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from drctl.ops import calls
from drctl.ops.failures import reason
from drctl.ops.limits import limits
from drctl.output import console, visible

# A call shows on the line once it has waited this long (shorter ones would only flicker).
SHOW_AFTER_S = 0.5

_lock = threading.RLock()
_labels: list[tuple[str, float]] = []  # innermost last: (what the command is doing, since when)
_state: dict[str, Any] = {"console": None, "live": None, "spinner": None}


def waiting_text(now: float | None = None) -> str:
    """`<activity> (12 s); waiting 7 s on us-east-1 s3 get_bucket_replication, attempt 2 of 3, and 2 more calls`."""
    now = time.monotonic() if now is None else now
    with _lock:
        label, since = _labels[-1] if _labels else ("", now)
    text = f"{label} ({now - since:.0f} s)" if label else ""
    waiting = [c for c in calls.in_flight() if now - c.started >= SHOW_AFTER_S]
    if waiting:
        first = waiting[0]
        text += f"; waiting {now - first.started:.0f} s on {first.region} {first.service} {first.operation}"
        if first.attempt > 1:
            text += f", attempt {first.attempt} of {first.max_attempts}"
        if len(waiting) > 1:
            text += f", and {len(waiting) - 1} more call" + ("s" if len(waiting) > 2 else "")
    return text.lstrip("; ")


def _render() -> Spinner:
    spinner: Spinner = _state["spinner"]
    spinner.update(text=Text(visible(waiting_text()), no_wrap=True, overflow="ellipsis"))  # one line, however narrow the terminal
    return spinner


@contextmanager
def activity(label: str) -> Iterator[None]:
    """Show `label` on the live line while the block runs (nested activities replace it, then restore it)."""
    with _lock:
        outermost = not _labels
        _labels.append((label, time.monotonic()))
        if outermost:
            err = console(stderr=True)
            _state["console"] = err
            if err.is_terminal:
                _state["spinner"] = Spinner("dots")
                live = Live(console=err, transient=True, refresh_per_second=4, redirect_stdout=False, redirect_stderr=False,
                            get_renderable=_render)
                _state["live"] = live
                live.start()
    try:
        yield
    finally:
        with _lock:
            _labels.pop()
            if outermost:
                live = _state["live"]
                if live is not None:
                    live.stop()
                _state.update(console=None, live=None, spinner=None)


def relabel(label: str) -> None:
    """Change what the innermost activity says (a status that changed while waiting), keeping its start."""
    with _lock:
        if _labels:
            _labels[-1] = (label, _labels[-1][1])


def _console() -> Console:
    return _state["console"] or console(stderr=True)


def notice(text: str) -> None:
    """One plain line on stderr, above the live line when there is one."""
    _console().print(f"drctl: {text}", markup=False, highlight=False, soft_wrap=True)


def retrying(call: calls.Call) -> None:
    """A call's previous attempt got no usable answer and botocore tries again: say so, and why."""
    problem = call.problem
    why = reason(problem, limits()) if isinstance(problem, BaseException) else (problem or "no usable answer")
    notice(f"{call.region} {call.service} {call.operation}: {why}; retrying (attempt {call.attempt} of {call.max_attempts})")


calls.RETRY_LISTENERS.append(retrying)
