"""What a plan is made from, recorded so that a saved or cached plan is used only while all of it is unchanged.

A plan is a function of: the stack, the `--config` overrides (in order), the sibling outputs handed in (if any),
every file of the program that the run can read (stack files, project file, sources, data), and the versions of
the Python runtime, the Pulumi SDKs and this engine. `PlanInputs` holds exactly those; its digest is the cache key.

Which files count: every file under the program's directory (and its `main`'s, when that is elsewhere), except
hidden entries, caches and the folders a Pulumi program of this layout does not read (NOT_READ). That exclusion
is not taken on trust: a run records, through a Python audit hook, every file it opens under those roots, and a
plan whose run opened a file outside the hashed set is never stored (drctl/engine/planner.py), so an exclusion can
only cost a cache miss, never serve a stale plan.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .project import Program

INPUTS_SCHEMA = "aivo-dr/plan-inputs@1"
ENGINE_DIR = Path(__file__).resolve().parent
# The engine's own code besides drctl/engine (what its modules import from drctl).
ENGINE_FILES = (ENGINE_DIR.parent / "errors.py",)
# Folders of a program's tree that the program does not read (checked by the audit hook on every cold run).
NOT_READ = frozenset({"tests", "docs", "bench", "scripts", "policies", "examples", "drctl", "node_modules", "venv",
                      "__pycache__", "runner-image"})
NOT_READ_SUFFIXES = (".md", ".png", ".svg", ".pyc")
# The Python installation (runtime, SDKs, every package): its files are inputs through their versions.
INSTALLATION = tuple(sorted({Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}))


# Environment variables: the Pulumi SDKs read PULUMI_* settings (e.g. PULUMI_K8S_*) that change what a program
# sends, so their values are inputs; the engine sets these two itself from the stack file.
ENGINE_VARIABLES = "PULUMI_"
SET_BY_ENGINE = frozenset({"PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS"})
# Variables the Python runtime and libraries read for themselves (never a value of the plan): a run that reads any
# other variable depends on its environment, and its plan is never stored.
RUNTIME_VARIABLES = frozenset({"HOME", "PARVER_SPHINX_BUILD", "PYDANTIC_DISABLE_PLUGINS", "TZ"})
RUNTIME_PREFIXES = ("PYTHON", "_PYTHON")


@dataclass(frozen=True)
class PlanInputs:
    stack: str
    overrides: tuple[str, ...]
    peers: str | None  # digest of the sibling outputs handed in; None when siblings are planned from their files
    files: dict[str, str]  # path relative to the program root -> sha256 of its bytes
    versions: dict[str, str]  # python, each installed distribution, the engine (digest of its sources)
    environment: dict[str, str]  # the PULUMI_* variables set (the SDKs read them)

    def document(self) -> dict[str, Any]:
        return {"schema": INPUTS_SCHEMA, **asdict(self), "overrides": list(self.overrides)}

    @property
    def key(self) -> str:
        return hashlib.sha256(json.dumps(self.document(), sort_keys=True).encode()).hexdigest()

    @classmethod
    def from_document(cls, document: Any) -> PlanInputs:
        """The inputs a saved plan recorded (ValueError when they are not in this engine's form)."""
        if not isinstance(document, dict) or document.get("schema") != INPUTS_SCHEMA:
            raise ValueError(f"its inputs are not {INPUTS_SCHEMA}")
        try:
            return cls(stack=str(document["stack"]), overrides=tuple(str(o) for o in document["overrides"]),
                       peers=document["peers"], files=dict(document["files"]), versions=dict(document["versions"]),
                       environment=dict(document["environment"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"its inputs are incomplete ({error})") from None


def program_roots(program: Program) -> list[Path]:
    """The folders whose files a run of the program can read: its own, and its entry point's if elsewhere."""
    roots = [program.directory.resolve()]
    main_root = program.main.resolve().parent
    if not any(main_root == root or root in main_root.parents for root in roots):
        roots.append(main_root)
    return roots


def _walk(directory: Path) -> Iterator[Path]:
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.startswith(".") or entry.name in NOT_READ:
                continue
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path))
            elif entry.is_file(follow_symlinks=False) and not entry.name.endswith(NOT_READ_SUFFIXES):
                yield Path(entry.path)


def _relative(path: Path, roots: list[Path]) -> str:
    for index, root in enumerate(roots):
        if path == root or root in path.parents:
            relative = path.relative_to(root).as_posix()
            return relative if index == 0 else f"<main>/{relative}"
    raise ValueError(path)


def file_hashes(program: Program) -> dict[str, str]:
    """sha256 of every file the program's run may read, by path relative to the program's directory."""
    roots = program_roots(program)
    hashes = {}
    for root in roots:
        for path in _walk(root):
            hashes[_relative(path, roots)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return dict(sorted(hashes.items()))


def _engine_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted([*ENGINE_DIR.glob("*.py"), *ENGINE_FILES]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """The versions this process runs with (they cannot change while it runs: read once)."""
    return dict(_versions())


@functools.cache
def _versions() -> dict[str, str]:
    """The runtime's, the engine's and every installed distribution's version (the Pulumi SDKs and what the program
    imports besides them, e.g. pydantic for its settings), read from metadata: nothing is imported."""
    found = {"python": platform.python_version(), "engine": _engine_digest()}
    for dist in importlib.metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name:
            found[f"package {name}"] = dist.version
    return dict(sorted(found.items()))


def peers_digest(peer_outputs: dict[str, dict[str, Any]] | None) -> str | None:
    if peer_outputs is None:
        return None
    return hashlib.sha256(json.dumps(peer_outputs, sort_keys=True, default=str).encode()).hexdigest()


def plan_inputs(program: Program, stack: str, overrides: list[str] | tuple[str, ...],
                peer_outputs: dict[str, dict[str, Any]] | None = None) -> PlanInputs:
    return PlanInputs(stack=stack, overrides=tuple(overrides), peers=peers_digest(peer_outputs),
                      files=file_hashes(program), versions=versions(), environment=engine_environment())


def engine_environment() -> dict[str, str]:
    return {k: v for k, v in sorted(os.environ.items()) if k.startswith(ENGINE_VARIABLES) and k not in SET_BY_ENGINE}


def differences(recorded: PlanInputs, current: PlanInputs, limit: int = 3) -> list[str]:
    """What differs between the inputs a plan was made from and the checkout's, as short phrases."""
    found: list[str] = []
    if recorded.stack != current.stack:
        found.append(f"stack {recorded.stack} (not {current.stack})")
    if recorded.overrides != current.overrides:
        found.append(f"--config {' '.join(recorded.overrides) or '(none)'} (not {' '.join(current.overrides) or '(none)'})")
    if recorded.peers != current.peers:
        found.append("the sibling outputs handed in")
    changed = sorted(k for k in recorded.files.keys() & current.files.keys() if recorded.files[k] != current.files[k])
    found += [f"{name} changed" for name in changed]
    found += [f"{name} is new" for name in sorted(current.files.keys() - recorded.files.keys())]
    found += [f"{name} is gone" for name in sorted(recorded.files.keys() - current.files.keys())]
    for name in sorted(recorded.environment.keys() | current.environment.keys()):
        if recorded.environment.get(name) != current.environment.get(name):
            found.append(f"environment variable {name}")
    for name in sorted(recorded.versions.keys() | current.versions.keys()):
        before, after = recorded.versions.get(name, "(none)"), current.versions.get(name, "(none)")
        if before != after:
            found.append(f"{name} {before[:12]} (now {after[:12]})")
    if len(found) > limit:
        found = [*found[:limit], f"{len(found) - limit} more"]
    return found


# ---- what a run opened -----------------------------------------------------------------------------------

_SINKS: list[set[str]] = []
_HOOK_LOCK = threading.Lock()
_HOOKED = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not _SINKS or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path = os.path.abspath(os.fsdecode(args[0]))  # now: the run changes the working directory and restores it
    for sink in _SINKS:
        sink.add(path)


@contextmanager
def recording_opens() -> Iterator[set[str]]:
    """The paths any thread of this process opens inside the block (a Python audit hook: installed once, it
    cannot be removed; outside a block it returns at once)."""
    global _HOOKED
    with _HOOK_LOCK:
        if not _HOOKED:
            sys.addaudithook(_audit)
            _HOOKED = True
    opened: set[str] = set()
    _SINKS.append(opened)
    try:
        yield opened
    finally:
        _SINKS.remove(opened)


class _RecordingEnviron(os._Environ):  # type: ignore[type-arg]
    """os.environ, noting every variable read (it shares the real one's data: writes go to the process)."""

    def __init__(self, real: Any, reads: set[str]) -> None:
        super().__init__(real._data, real.encodekey, real.decodekey, real.encodevalue, real.decodevalue)
        self.reads = reads

    def __getitem__(self, key: str) -> str:
        self.reads.add(key)
        return super().__getitem__(key)


@contextmanager
def recording_environment() -> Iterator[set[str]]:
    """The environment variables read inside the block."""
    reads: set[str] = set()
    real = os.environ
    os.environ = _RecordingEnviron(real, reads)  # type: ignore[assignment]  # noqa: B003 - a view of the same data
    try:
        yield reads
    finally:
        os.environ = real  # type: ignore[assignment]  # noqa: B003


def environment_dependencies(reads: set[str]) -> list[str]:
    """Variables a run read that are neither inputs (PULUMI_*) nor the runtime's own."""
    return sorted(k for k in reads if not k.startswith(ENGINE_VARIABLES) and k not in RUNTIME_VARIABLES
                  and not k.startswith(RUNTIME_PREFIXES))


def loaded_sources() -> frozenset[Path]:
    """The source files of every module loaded now: before a run, the tool's own code (the program's modules are
    imported by the run). Pulumi reads its callers' sources during a run, for source positions: such a read is
    not a program input."""
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str):
            files.add(Path(os.path.abspath(path)))
    return frozenset(files)


def unhashed_reads(program: Program, opened: set[str], hashed: dict[str, str], loaded: frozenset[Path] = frozenset()) -> list[str]:
    """Files under the program's roots that a run opened but its inputs do not hash (the engine's own are hashed
    as its version; compiled caches stand for their hashed sources; `loaded` are the sources of modules loaded
    before the run, read for source positions)."""
    roots = program_roots(program)
    engine = {*ENGINE_DIR.glob("*.py"), *ENGINE_FILES}
    missing = set()
    for text in opened:
        path = Path(os.path.abspath(text))
        if "__pycache__" in path.parts or not any(path == r or r in path.parents for r in roots):
            continue
        if any(i in path.parents for i in INSTALLATION):
            continue
        if path in engine or path in loaded:
            continue
        if path.is_dir():
            continue
        relative = _relative(path, roots)
        if relative not in hashed:
            missing.add(relative)
    return sorted(missing)
