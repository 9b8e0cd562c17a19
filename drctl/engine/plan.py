"""Run a Pulumi Python program offline and turn what it declared into a plan document (aivo-dr/plan@1)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import json
import os
import runpy
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime

from drctl.errors import EngineError, UsageError

from .monitor import EngineLog, Recording, RecordingMonitor, Sibling, SiblingNeeded, canonical
from .project import REPOSITORY, Program, StackConfig, load_program, stack_config, stack_names
from .records import SCHEMA, InvokeRecord, Plan, ResourceRecord  # noqa: F401 - re-exported: where callers found them

# The organization of a stack without a backend (`pulumi.get_organization()`; StackReference names).
ORGANIZATION = "organization"


class SettingsProblem(UsageError):
    """The program refused its settings (a Pulumi config error): exit status 2.

    `registered` is what the run had declared when it stopped (URNs): nothing, for a program that checks
    its settings before declaring anything.
    """

    def __init__(self, message: str, registered: tuple[str, ...] = ()) -> None:
        Exception.__init__(self, message)
        self.registered = registered


class ProgramFailed(EngineError):
    """The program failed for a reason other than its settings: exit status 1. `registered` as above."""

    def __init__(self, message: str, registered: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.registered = registered


def _shadowed_modules(directory: Path) -> dict[str, Any]:
    """Modules already imported from elsewhere under a name the program defines itself (e.g. `stacks` of
    another checkout): hidden while the program runs, so it imports its own."""
    local = {p.stem for p in directory.glob("*.py")} | {p.parent.name for p in directory.glob("*/__init__.py")}
    root = str(directory)
    shadowed = {}
    for name, module in list(sys.modules.items()):
        top = name.split(".")[0]
        module_file = getattr(module, "__file__", None) or ""
        if top in local and top != "__main__" and not module_file.startswith(root):
            shadowed[name] = module
    return shadowed


@contextlib.contextmanager
def _program_scope(directory: Path) -> Iterator[None]:
    """Run with the program's directory as cwd and first on sys.path; forget its modules afterwards."""
    shadowed = _shadowed_modules(directory)
    for name in shadowed:
        del sys.modules[name]
    before = set(sys.modules)
    cwd = os.getcwd()
    sys.path.insert(0, str(directory))
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(cwd)
        with contextlib.suppress(ValueError):
            sys.path.remove(str(directory))
        root = str(directory)
        for name in sorted(set(sys.modules) - before, reverse=True):
            module = sys.modules[name]
            module_file = getattr(module, "__file__", None) or ""
            if module_file.startswith(root) and "site-packages" not in module_file:
                del sys.modules[name]
                # A package imported before the run keeps its submodules as attributes; drop them too, or the
                # next run's `from package import submodule` would pick up this run's stale module.
                parent, _, child = name.rpartition(".")
                if parent in sys.modules and getattr(sys.modules[parent], child, None) is module:
                    delattr(sys.modules[parent], child)
        sys.modules.update(shadowed)


def _quiet_unretrieved(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A failed run is reported once, as one line; its sibling futures must not print tracebacks at exit."""
    if "never retrieved" in str(context.get("message", "")):
        return
    loop.default_exception_handler(context)


@contextlib.contextmanager
def _event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A new event loop for one run, as `pulumi-language-python-exec` makes one per process.

    Every task the run left behind (a failed run leaves outputs that will never resolve) is cancelled and
    awaited before the loop closes, so nothing of one run executes during the next, and the executor's
    threads are joined.
    """
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_quiet_unretrieved)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        asyncio.set_event_loop(None)


@contextlib.contextmanager
def _config_environment(cfg: StackConfig) -> Iterator[None]:
    """The config as the CLI hands it to a Python program: PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS."""
    saved = {key: os.environ.get(key) for key in ("PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS")}
    os.environ["PULUMI_CONFIG"] = json.dumps(cfg.values, sort_keys=True)
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(sorted(cfg.secret_keys))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run_main(main: Path) -> None:
    """The program's entry point, run as `__main__` (what `pulumi up` does)."""
    runpy.run_path(str(main), run_name="__main__")


def _start_runtime(program: Program, stack: str, monitor: RecordingMonitor, recording: Recording) -> None:
    """What `pulumi-language-python-exec` does before it runs a program for `pulumi preview`, with the offline
    monitor in place of the CLI's: fresh runtime settings (a dry run: a value the engine does not know stays
    unknown and an `apply` on it does not run), then the config from the environment the CLI sets."""
    pulumi.runtime.reset_options(project=program.name, stack=stack, preview=True, organization=ORGANIZATION)
    pulumi.runtime.configure(pulumi.runtime.Settings(
        project=program.name, stack=stack, monitor=monitor, engine=EngineLog(recording), dry_run=True,
        organization=ORGANIZATION, root_directory=str(program.directory),
    ))
    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())


def _program_error(error: BaseException, registered: tuple[str, ...], refused: str | None = None) -> Exception:
    """How the engine reports a program's failure: bad config (exit 2) or the program's own error (exit 1),
    one line each. Pulumi's config errors are the program refusing its settings; any other RunError is the
    program's own clean report (printed without a traceback by `pulumi up` too). A registration the engine
    refused (duplicate URN, unregistered parent or provider) is the failure, whatever it caused downstream."""
    if refused is not None:
        return ProgramFailed(f"the program failed: {refused}", registered)
    if isinstance(error, (UsageError, EngineError)):
        return error
    if isinstance(error, (pulumi.ConfigTypeError, pulumi.ConfigMissingError)):
        return SettingsProblem(" ".join(str(error).split()), registered)
    text = str(error).strip()
    message = text.splitlines()[0] if text else type(error).__name__
    if isinstance(error, pulumi.RunError):
        return ProgramFailed(f"the program failed: {message}", registered)
    return ProgramFailed(f"the program failed: {type(error).__name__}: {message}", registered)


# Within one process: the outputs of each stack planned with its own settings, for the stacks that read it.
_SIBLING_PLANS: dict[tuple[str, str, str], dict[str, Any]] = {}


def _fingerprint(program: Program, stack: str) -> str:
    """What a sibling's plan depends on: its stack file, the project file and the program's sources."""
    digest = hashlib.sha256()
    for path in (program.directory / "Pulumi.yaml", program.directory / f"Pulumi.{stack}.yaml"):
        digest.update(path.read_bytes())
    for path in sorted(_sources(program.directory)):
        stat = path.stat()
        digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    return digest.hexdigest()


def _sources(directory: Path) -> Iterator[Path]:
    for entry in os.scandir(directory):
        if entry.name.startswith(".") or entry.name in ("__pycache__", "node_modules", "venv", "tests"):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _sources(Path(entry.path))
        elif entry.name.endswith(".py"):
            yield Path(entry.path)


def sibling_stack(program: Program, stack: str, reference: str) -> str | None:
    """The stack of this project a StackReference name stands for ("stack" or "org/project/stack"), or None
    for a stack of another project or one without a Pulumi.<stack>.yaml here."""
    parts = reference.split("/")
    if len(parts) == 3 and parts[1] != program.name:
        return None
    if len(parts) not in (1, 3) or parts[-1] == stack:
        return None
    return parts[-1] if parts[-1] in stack_names(program) else None


def _sibling_outputs(program: Program, stack: str, planning: tuple[str, ...]) -> dict[str, Any]:
    """The outputs of a sibling stack as `pulumi up` would read them from its state once it is deployed: its
    plan with its own settings, made once per process and reused while the program is unchanged."""
    if stack in planning:
        raise EngineError(f"stacks {' and '.join(sorted({*planning, stack}))} read each other's outputs; neither can be planned first")
    key = (str(program.directory), stack, _fingerprint(program, stack))
    if key not in _SIBLING_PLANS:
        _SIBLING_PLANS[key] = _plan(stack, [], program, None, planning + (stack,)).outputs
    return _SIBLING_PLANS[key]


def _known_sibling(program: Program, stack: str, reference: str) -> Sibling | None:
    """The sibling a StackReference names, with its outputs if this process has planned it already."""
    sibling = sibling_stack(program, stack, reference)
    if sibling is None:
        return None
    return Sibling(sibling, _SIBLING_PLANS.get((str(program.directory), sibling, _fingerprint(program, sibling))))


def run_plan(
    stack: str,
    overrides: list[str] | None = None,
    program_dir: Path | None = None,
    peer_outputs: dict[str, dict[str, Any]] | None = None,
) -> Plan:
    """Plan `stack` of the program in `program_dir` (default: this repository) under the offline engine.

    `peer_outputs` maps stack names read with a StackReference ("org/project/stack") to their outputs.
    When it is not given and the program reads a sibling stack of the same program (one with a
    Pulumi.<stack>.yaml), that sibling is planned first with its own settings, and the program reads its
    outputs: what `pulumi up` would read from the sibling's state once deployed.
    """
    program = load_program((program_dir or REPOSITORY).resolve())
    return _plan(stack, overrides or [], program, peer_outputs, (stack,))


def _plan(
    stack: str, overrides: list[str], program: Program, peer_outputs: dict[str, dict[str, Any]] | None,
    planning: tuple[str, ...],
) -> Plan:
    peers = dict(peer_outputs or {})
    plans_siblings = peer_outputs is None
    while True:
        needed: str | None = None
        with warnings.catch_warnings():
            # A run stopped to plan a sibling first leaves coroutines Pulumi never got to await: drop them quietly.
            warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)
            try:
                plan = _run_once(stack, overrides, program, peers, plans_siblings)
                if plans_siblings:
                    _remember(program, stack, overrides, plan)
                return plan
            except SiblingNeeded as need:
                needed = need.name
            gc.collect()
        sibling = sibling_stack(program, stack, needed)
        assert sibling is not None  # the monitor stops a run only for a sibling
        peers[needed] = _sibling_outputs(program, sibling, planning)


def _remember(program: Program, stack: str, overrides: list[str], plan: Plan) -> None:
    """A stack planned with its own settings is what its siblings read: keep its outputs for them."""
    if not overrides:
        remember_sibling(program, stack, plan)


def remember_sibling(program: Program, stack: str, plan: Plan) -> None:
    """`plan` is `stack` planned with its own settings (made now, or read from the plan cache under the same inputs)."""
    _SIBLING_PLANS[(str(program.directory), stack, _fingerprint(program, stack))] = plan.outputs


def _run_once(
    stack: str, overrides: list[str], program: Program, peer_outputs: dict[str, dict[str, Any]], plans_siblings: bool,
) -> Plan:
    cfg = stack_config(program, stack, overrides)
    recording = Recording(stack=stack, project=program.name, peer_outputs=dict(peer_outputs),
                          default_regions=_default_regions(cfg.values))
    monitor = RecordingMonitor(recording, (lambda name: _known_sibling(program, stack, name)) if plans_siblings else (lambda name: None))
    with _program_scope(program.directory), _config_environment(cfg), _event_loop() as loop:
        _start_runtime(program, stack, monitor, recording)
        try:
            loop.run_until_complete(pulumi.runtime.run_in_stack(lambda: _run_main(program.main)))
        except Exception as error:
            if recording.sibling_needed is not None:
                raise SiblingNeeded(recording.sibling_needed) from None
            raise _program_error(error, tuple(r.urn for r in recording.resources), recording.refused) from error
    if recording.sibling_needed is not None:
        raise SiblingNeeded(recording.sibling_needed)
    if recording.refused is not None:  # refused even if the program went on without the refused resource
        raise ProgramFailed(f"the program failed: {recording.refused}", tuple(r.urn for r in recording.resources))
    disabled = _disabled_default_providers(cfg.values)
    _check_default_providers(recording, disabled)
    return Plan(
        project=program.name,
        stack=stack,
        config=dict(sorted(cfg.shown.items())),
        resources=sorted(recording.resources, key=lambda r: r.urn),
        invokes=sorted(recording.invokes, key=lambda i: (i.token, i.region or "", canonical(i.args))),
        outputs=recording.stack_outputs,
        disabled_default_providers=disabled,
        peer_outputs={r.read_id: recording.peer_outputs.get(r.read_id, {}) for r in recording.resources
                      if r.type == "pulumi:pulumi:StackReference" and r.read_id},
    )


def _default_regions(values: dict[str, str]) -> dict[str, str]:
    """The region a default provider uses: the stack's `aws:region` (what `pulumi up` configures it with)."""
    region = values.get("aws:region")
    return {"aws": region} if region else {}


def _disabled_default_providers(values: dict[str, str]) -> list[str]:
    raw = values.get("pulumi:disable-default-providers")
    if not raw:
        return []
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        parsed = [raw]
    return [str(p) for p in parsed] if isinstance(parsed, list) else [str(parsed)]


def _check_default_providers(recording: Recording, disabled: list[str]) -> None:
    """As the real engine does: with default providers disabled, a resource or invoke without one fails."""
    if not disabled:
        return

    def forbidden(token: str) -> bool:
        package = token.split(":")[0]
        return "*" in disabled or package in disabled

    for r in recording.resources:
        if r.uses_default_provider and forbidden(r.type):
            raise EngineError(f"{r.urn}: uses the default {r.type.split(':')[0]} provider, which pulumi:disable-default-providers forbids")
    for i in recording.invokes:
        if i.uses_default_provider and forbidden(i.token):
            raise EngineError(f"invoke {i.token}: uses the default provider, which pulumi:disable-default-providers forbids")
