"""Run a Pulumi Python program offline and turn what it declared into a plan document (aivo-dr/plan@1)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import runpy
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as pulumi_config
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.mocks import set_mocks
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from drctl.errors import EngineError, UsageError

from .monitor import SECRET, InvokeRecord, Recording, RecordingMonitor, ResourceRecord, canonical
from .project import load_program, stack_config

SCHEMA = "aivo-dr/plan@1"
REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass
class Plan:
    project: str
    stack: str
    config: dict[str, str]
    resources: list[ResourceRecord]
    invokes: list[InvokeRecord]
    outputs: dict[str, Any]
    disabled_default_providers: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "project": self.project,
            "stack": self.stack,
            "config": self.config,
            "resources": [r.document() for r in self.resources],
            "invokes": [i.document() for i in self.invokes],
            "outputs": self.outputs,
        }

    def by_type(self, type_: str) -> list[ResourceRecord]:
        return [r for r in self.resources if r.type == type_]

    def resource(self, urn_or_name: str) -> ResourceRecord:
        for r in self.resources:
            if urn_or_name in (r.urn, r.name):
                return r
        raise KeyError(urn_or_name)

    def counts(self) -> tuple[Counter[str], Counter[str]]:
        """(resources per type, resources per region) - custom resources only, as they are what AWS sees."""
        custom = [r for r in self.resources if r.custom or r.remote]
        return Counter(r.type for r in custom), Counter(r.region or "global/none" for r in custom)


class SettingsProblem(UsageError):
    """The program refused its settings (a SettingsError): exit status 2."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)


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


def _run_main(main: Path) -> None:
    """Run the program's entry point as `pulumi up` does: as `__main__`."""
    runpy.run_path(str(main), run_name="__main__")


def _cancel_pending_tasks() -> None:
    """After a failed run, Pulumi leaves its outstanding tasks on the loop; cancel them so the next run starts clean."""
    loop = asyncio.get_event_loop()
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def _is_settings_error(error: BaseException) -> bool:
    return isinstance(error, pulumi.RunError) and type(error).__name__ == "SettingsError"


def _resolve_outputs(root: Any) -> dict[str, Any]:
    resolved: dict[str, Any] = {}
    for key in sorted(getattr(root, "outputs", {}) or {}):
        output = pulumi.Output.from_input(root.outputs[key])
        secret = _sync_await(output.is_secret())
        value = _sync_await(output.future())
        resolved[key] = SECRET if secret else _mask_nested(value)
    return resolved


def _mask_nested(value: Any) -> Any:
    from pulumi.runtime import rpc

    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {k: _mask_nested(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_nested(v) for v in value]
    return value


def run_plan(
    stack: str,
    overrides: list[str] | None = None,
    program_dir: Path | None = None,
    peer_outputs: dict[str, dict[str, Any]] | None = None,
) -> Plan:
    """Plan `stack` of the program in `program_dir` (default: this repository) under Pulumi's mock engine.

    `peer_outputs` maps stack names read with a StackReference ("org/project/stack") to their outputs.
    When it is not given and the program reads a sibling stack of the same program (one with a
    Pulumi.<stack>.yaml), that sibling is planned with its own settings and the program is run again
    with the sibling's outputs: what `pulumi up` would read from the sibling's state once deployed.
    """
    plan = _run_once(stack, overrides, program_dir, peer_outputs or {})
    if peer_outputs is not None:
        return plan
    program = load_program((program_dir or REPOSITORY).resolve())
    siblings = {}
    for ref in plan.by_type("pulumi:pulumi:StackReference"):
        ref_name = str(ref.read_id or ref.inputs.get("name", ref.name))
        sibling = ref_name.rsplit("/", 1)[-1]
        if sibling != stack and (program.directory / f"Pulumi.{sibling}.yaml").is_file():
            siblings[ref_name] = _run_once(sibling, [], program_dir, {}).outputs
    return _run_once(stack, overrides, program_dir, siblings) if siblings else plan


def _run_once(
    stack: str, overrides: list[str] | None, program_dir: Path | None, peer_outputs: dict[str, dict[str, Any]]
) -> Plan:
    program = load_program((program_dir or REPOSITORY).resolve())
    cfg = stack_config(program, stack, overrides or [])
    recording = Recording(stack=stack, project=program.name, peer_outputs=dict(peer_outputs))
    monitor = RecordingMonitor(recording)
    with _program_scope(program.directory):
        pulumi_settings.ROOT.set(None)
        # Pulumi's mock settings keep the previous run's outstanding output tasks; a failed run's
        # would be awaited, and re-raised, by the next run.
        pulumi_settings.SETTINGS.outputs = set()
        asyncio.get_event_loop().set_exception_handler(_quiet_unretrieved)
        pulumi_config.set_all_config(dict(cfg.values), list(cfg.secret_keys))
        set_mocks(monitor.mocks, project=program.name, stack=stack, preview=False, monitor=monitor)
        root = pulumi_settings.get_root_resource()
        try:
            _sync_await(run_pulumi_func(lambda: _run_main(program.main)))
            outputs = _resolve_outputs(root)
        except Exception as error:
            _cancel_pending_tasks()
            if _is_settings_error(error):
                raise SettingsProblem(str(error)) from None
            if isinstance(error, (UsageError, EngineError)):
                raise
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise EngineError(f"the program failed: {type(error).__name__}: {message}") from error
    disabled = _disabled_default_providers(cfg.values)
    _check_default_providers(recording, disabled)
    return Plan(
        project=program.name,
        stack=stack,
        config=dict(sorted(cfg.shown.items())),
        resources=sorted(recording.resources, key=lambda r: r.urn),
        invokes=sorted(recording.invokes, key=lambda i: (i.token, i.region or "", canonical(i.args))),
        outputs=outputs,
        disabled_default_providers=disabled,
    )


def _disabled_default_providers(values: dict[str, str]) -> list[str]:
    import json

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
