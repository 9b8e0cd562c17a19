"""Check rows that fail alone: independent groups of rows, run side by side, each catching its own failure.

A group is the rows that share their AWS reads (one instance description feeds six backup rows). Each
group runs on its own thread, so a region that does not answer costs one bounded wait (drctl.ops.aws),
not one per row, and when a group's reads fail, only its rows say so: FAIL with the endpoint's answer,
or UNREACHABLE with the region that did not answer. The other groups still show what they found.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drctl.errors import EngineError
from drctl.ops import calls
from drctl.ops.aws import describe, is_unreachable
from drctl.ops.checks import FAIL, UNREACHABLE, Check


@dataclass(frozen=True)
class Group:
    labels: tuple[str, ...]  # the rows the group yields, in order: each becomes a failure row if the group fails
    run: Callable[[], list[Check]]


def single(check: Callable[..., Check], *args: Any) -> list[Check]:
    """A group of one row: `Group((label,), partial(single, check, *args))`."""
    return [check(*args)]


def failure_row(label: str, error: BaseException) -> Check:
    """The row for a check whose AWS read failed: UNREACHABLE (no usable answer, and from which region) or FAIL."""
    if is_unreachable(error):
        call = calls.last()
        return Check(label, UNREACHABLE, describe(error), region=call.region if call else None)
    if isinstance(error, ClientError | BotoCoreError):
        return Check(label, FAIL, describe(error))
    if isinstance(error, EngineError):
        return Check(label, FAIL, str(error))
    # A bug or an answer of a shape nobody expected: still one row, not a traceback over the whole table.
    return Check(label, FAIL, f"unexpected {type(error).__name__}: {' '.join(str(error).split())}")


def _run(group: Group) -> list[Check]:
    try:
        return group.run()
    except Exception as error:  # every failure becomes the group's rows (see failure_row)
        return [failure_row(label, error) for label in group.labels]


def run_groups(groups: Sequence[Group]) -> list[Check]:
    """Every group's rows, in the groups' order. Daemon threads: Ctrl-C does not wait for a stalled endpoint."""
    results: list[list[Check]] = [[] for _ in groups]

    def work(index: int) -> None:
        results[index] = _run(groups[index])

    threads = [threading.Thread(target=work, args=(i,), name=f"drctl-group-{i}", daemon=True) for i in range(len(groups))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [row for rows in results for row in rows]
