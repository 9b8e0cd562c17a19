"""Pulumi project and stack files, read as the Pulumi CLI reads them, and config overrides."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from drctl.errors import UsageError

SECRET_PLACEHOLDER = "[secret]"


@dataclass(frozen=True)
class Program:
    directory: Path
    name: str
    main: Path
    defaults: dict[str, Any]


def load_program(directory: Path) -> Program:
    """The Pulumi project in `directory` (its Pulumi.yaml), or a UsageError."""
    project_file = directory / "Pulumi.yaml"
    if not project_file.is_file():
        raise UsageError("--program", str(directory), "a directory with a Pulumi.yaml")
    try:
        project = yaml.safe_load(project_file.read_text()) or {}
    except yaml.YAMLError as error:
        raise UsageError(str(project_file), "(unreadable)", f"valid YAML ({str(error).splitlines()[0]})") from None
    runtime = project.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise UsageError(f"{project_file}: runtime", runtime_name, "python (drctl runs Python programs)")
    main = directory / str(project.get("main", "."))
    main = main / "__main__.py" if main.is_dir() else main
    if not main.is_file():
        raise UsageError(f"{project_file}: main", str(main), "a Python entry point (__main__.py)")
    name = str(project.get("name", ""))
    defaults: dict[str, Any] = {}
    for key, spec in (project.get("config") or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        defaults[full] = spec.get("default") if isinstance(spec, dict) and "default" in spec else spec
    return Program(directory=directory, name=name, main=main, defaults={k: v for k, v in defaults.items() if v is not None})


def stack_names(program: Program) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in program.directory.glob("Pulumi.*.yaml"))


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _as_config_string(value: Any) -> str:
    """How the Pulumi engine hands a config value to a program: strings as-is, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"))


def typed_value(raw: str, path: bool) -> Any:
    """A `--config` value as `pulumi config set` stores it.

    With a path (`--path`), Pulumi types `true`/`false` and integers and keeps everything else a string
    (`16.6` stays "16.6"); without one, every value is a string. drctl also takes a JSON object or list,
    as a stack file would hold it (Pulumi would store that as a string).
    """
    text = raw.strip()
    if text.startswith(("{", "[")):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError:
            return raw
    if not path:
        return raw
    if raw in ("true", "false"):
        return raw == "true"
    if re.fullmatch(r"-?(0|[1-9][0-9]*)", raw):
        return int(raw)
    return raw


def _parse_override(text: str, project: str) -> tuple[str, list[str], Any]:
    """KEY=VALUE (KEY may be a dotted path into an object, as `pulumi config set --path`)."""
    if "=" not in text or text.startswith("="):
        raise UsageError("--config", text, "KEY=VALUE, e.g. failover=true or database.backupRetentionDays=30")
    key, raw = text.split("=", 1)
    namespace, _, rest = key.rpartition(":")
    namespace = namespace or project
    head, *path = rest.split(".")
    return f"{namespace}:{head}", path, typed_value(raw, bool(path))


def _set_path(container: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        child = container.get(part)
        if not isinstance(child, dict):
            child = {}
            container[part] = child
        container = child
    container[path[-1]] = value


@dataclass(frozen=True)
class StackConfig:
    values: dict[str, str]  # what the program receives: key -> string
    secret_keys: list[str]
    shown: dict[str, str]  # the same with secrets masked, for documents


def stack_config(program: Program, stack: str, overrides: list[str]) -> StackConfig:
    """The config a `pulumi up --stack STACK` would pass, with `--config` overrides applied in memory."""
    stack_file = program.directory / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        allowed = ", ".join(stack_names(program)) or "(none: add a Pulumi.<stack>.yaml)"
        raise UsageError("--stack", stack, f"one of the stacks of {program.directory}: {allowed}")
    try:
        document = yaml.safe_load(stack_file.read_text()) or {}
    except yaml.YAMLError as error:
        raise UsageError(str(stack_file), "(unreadable)", f"valid YAML ({str(error).splitlines()[0]})") from None
    raw: dict[str, Any] = dict(program.defaults)
    for key, value in (document.get("config") or {}).items():
        full = key if ":" in key else f"{program.name}:{key}"
        raw[full] = value
    for text in overrides:
        key, path, value = _parse_override(text, program.name)
        if path:
            current = raw.get(key)
            if isinstance(current, str):
                try:
                    current = json.loads(current)
                except json.JSONDecodeError:
                    current = None
            base = current if isinstance(current, dict) else {}
            base = json.loads(json.dumps(base))
            _set_path(base, path, value)
            raw[key] = base
        else:
            raw[key] = value
    values, shown, secrets = {}, {}, []
    for key, value in sorted(raw.items()):
        if _is_secure(value):
            # Secrets cannot be decrypted offline: the program gets a placeholder, marked secret.
            secrets.append(key)
            values[key] = SECRET_PLACEHOLDER
            shown[key] = SECRET_PLACEHOLDER
        else:
            values[key] = _as_config_string(value)
            shown[key] = values[key]
    return StackConfig(values=values, secret_keys=secrets, shown=shown)
