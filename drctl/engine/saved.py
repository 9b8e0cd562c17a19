"""Saved plans: a plan and the inputs it was made from, in one file (as `pulumi preview --save-plan` and
`terraform plan -out` keep a plan for later), and the content-addressed cache built from the same files.

A saved plan is used only while the checkout still has every input it recorded (drctl/engine/inputs.py);
otherwise it is refused in one line naming what differs. The cache (`.cache/plans/` by default, git-ignored) holds
saved plans under the digest of their inputs, so a changed input is a different key: a miss, never a stale hit.
Writes are atomic (a reader never sees half a plan), and a per-key lock makes concurrent planners (the suite's
workers, parallel commands) plan each key once: the others wait for it and read it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drctl.errors import UsageError
from drctl.output import NotWritten, Output, write_files

from .inputs import PlanInputs, differences, plan_inputs
from .project import REPOSITORY, Program
from .records import Plan, plan_from_state, plan_state

SAVED_SCHEMA = "aivo-dr/saved-plan@1"
INDEX_SCHEMA = "aivo-dr/saved-plans@1"
INDEX = "index.json"
# A saved plan is at most this large: a file beyond it is not one (bounded read).
MAX_SAVED_BYTES = 64 * 1024 * 1024
# Entries kept in the cache: the oldest beyond it are removed when a plan is stored.
CACHE_ENTRIES = 256
DEFAULT_CACHE = REPOSITORY / ".cache" / "plans"


@dataclass(frozen=True)
class Saved:
    """A plan, the inputs it was made from, and the environment variables its run read (name -> value, None when
    unset): a plan is used only while each still has that value (the manifest of ccache's direct mode, for the
    environment: which variables a program reads is known only once it has run)."""

    inputs: PlanInputs
    plan: Plan
    reads: dict[str, str | None]

    def current(self) -> bool:
        return all(os.environ.get(name) == value for name, value in self.reads.items())

    def changed_reads(self) -> list[str]:
        return [f"environment variable {name}" for name, value in sorted(self.reads.items()) if os.environ.get(name) != value]


def saved_document(saved: Saved) -> dict[str, Any]:
    return {"schema": SAVED_SCHEMA, "key": saved.inputs.key, "inputs": saved.inputs.document(),
            "environmentRead": dict(sorted(saved.reads.items())), "plan": plan_state(saved.plan)}


def _encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def read_saved(path: Path) -> Saved:
    """A saved plan file, or a UsageError naming the file and what is wrong with it."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_SAVED_BYTES + 1)
    except OSError as error:
        raise UsageError("--plans", str(path), f"a readable saved plan ({error.strerror or error})") from None
    if len(data) > MAX_SAVED_BYTES:
        raise UsageError("--plans", str(path), f"a saved plan of at most {MAX_SAVED_BYTES // 2**20} MiB")
    try:
        document = json.loads(data)
        if document.get("schema") != SAVED_SCHEMA:
            raise ValueError(f"schema {document.get('schema')!r}, not {SAVED_SCHEMA}")
        inputs = PlanInputs.from_document(document["inputs"])
        reads = document["environmentRead"]
        if not isinstance(reads, dict) or not all(isinstance(v, (str, type(None))) for v in reads.values()):
            raise ValueError("its environmentRead is not a map of variable names to values")
        return Saved(inputs, plan_from_state(document["plan"]), {str(k): v for k, v in reads.items()})
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise UsageError("--plans", str(path), f"a saved plan written by `drctl plan --out` ({error})") from None


@dataclass
class PlanCache:
    """Saved plans by the digest of their inputs."""

    root: Path = DEFAULT_CACHE

    def path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def saved(self, inputs: PlanInputs) -> Saved | None:
        """The entry for `inputs`, while every input and every variable its run read are as they were."""
        path = self.path(inputs.key)
        if not path.is_file():
            return None
        try:
            saved = read_saved(path)
        except UsageError:
            path.unlink(missing_ok=True)  # a damaged entry is a miss, and is planned again
            return None
        return saved if saved.inputs == inputs and saved.current() else None

    def get(self, inputs: PlanInputs) -> Plan | None:
        found = self.saved(inputs)
        return None if found is None else found.plan

    def put(self, saved: Saved) -> None:
        """Store a plan (atomically). A cache that cannot be written (a full disk) only costs the next run a plan."""
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            write_files([Output("--cache", self.path(saved.inputs.key), _encode(saved_document(saved)))])
        except NotWritten:
            return
        self._prune()

    @contextlib.contextmanager
    def lock(self, inputs: PlanInputs) -> Iterator[None]:
        """Held while one process plans this key: the others wait, then find it stored."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / f"{inputs.key}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _prune(self) -> None:
        entries = sorted(self.root.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[CACHE_ENTRIES:]:
            stale.unlink(missing_ok=True)
            (stale.parent / f"{stale.stem}.lock").unlink(missing_ok=True)

    def clear(self) -> int:
        """Remove every entry; the number removed."""
        if not self.root.is_dir():
            return 0
        count = len(list(self.root.glob("*.json")))
        shutil.rmtree(self.root)
        return count

    def entries(self) -> int:
        return len(list(self.root.glob("*.json"))) if self.root.is_dir() else 0


def cached(cache: PlanCache, inputs: PlanInputs, make: Callable[[], tuple[Saved, bool]]) -> Plan:
    """The cached plan for `inputs`, or `make()`'s, stored when `make` says the plan may be (all it read was hashed)."""
    plan = cache.get(inputs)
    if plan is not None:
        return plan
    with cache.lock(inputs):
        plan = cache.get(inputs)  # planned by another process while this one waited
        if plan is not None:
            return plan
        made, storable = make()
        if storable:
            cache.put(made)
    return made.plan


# ---- a folder of saved plans (drctl plan --all --out DIR; --plans DIR) ---------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def state_file(stack: str, overrides: tuple[str, ...]) -> str:
    """The file a state's saved plan is written to: its stack and overrides, readable and safe as a name."""
    label = "-".join((stack, *overrides))
    return _UNSAFE.sub("_", label)[:150] + ".json"


def write_folder(folder: Path, saved: list[Saved]) -> list[Path]:
    """Every saved plan and the index naming them, all or none (the project's atomic writer: a full disk leaves the
    folder as it was)."""
    folder.mkdir(parents=True, exist_ok=True)
    outputs, states = [], []
    for one in saved:
        inputs = one.inputs
        name = state_file(inputs.stack, inputs.overrides)
        outputs.append(Output("--out", folder / name, _encode(saved_document(one))))
        states.append({"stack": inputs.stack, "config": list(inputs.overrides), "file": name, "key": inputs.key})
    outputs.append(Output("--out", folder / INDEX, (json.dumps({"schema": INDEX_SCHEMA, "states": states}, indent=2) + "\n").encode()))
    write_files(outputs)
    return [o.path for o in outputs]


@dataclass
class SavedPlans:
    """A folder `drctl plan --all --out` wrote: a command reading it plans nothing itself."""

    folder: Path

    def __post_init__(self) -> None:
        if not (self.folder / INDEX).is_file():
            raise UsageError("--plans", str(self.folder), f"a folder written by `drctl plan --all --out` (it has no {INDEX})")

    def plan(self, program: Program, stack: str, overrides: tuple[str, ...],
             peer_outputs: dict[str, dict[str, Any]] | None = None) -> Plan:
        path = self.folder / state_file(stack, overrides)
        label = " ".join((stack, *overrides))
        if not path.is_file():
            raise UsageError("--plans", str(self.folder), f"a saved plan of state '{label}' ({path.name} is missing: "
                                                          "make it with `drctl plan --all --out`)")
        saved = read_saved(path)
        recorded, plan = saved.inputs, saved.plan
        if recorded.peers is None and peer_outputs is not None and _canonical(plan.peer_outputs) != _canonical(
                {k: v for k, v in peer_outputs.items() if k in plan.peer_outputs}):
            raise UsageError("--plans", str(path), "a plan made with the sibling outputs handed in (it read its sibling's "
                             "own): plan again with `drctl plan --all --out`, or drop --plans")
        current = plan_inputs(program, stack, overrides, None if recorded.peers is None else peer_outputs)
        if recorded != current or not saved.current():
            found = differences(recorded, current) + saved.changed_reads()
            raise UsageError("--plans", str(path), "a plan of this checkout: it was made from other inputs ("
                             + "; ".join(found) + "): plan again with `drctl plan --all --out`")
        return plan


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def cache_from_environment() -> PlanCache:
    """The cache folder: AIVO_DR_PLAN_CACHE, or .cache/plans in this checkout."""
    override = os.environ.get("AIVO_DR_PLAN_CACHE")
    return PlanCache(Path(override)) if override else PlanCache()
