"""Pulumi project and stack files, read as the Pulumi CLI reads them, and config overrides."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from drctl.errors import UsageError
from drctl.reading import STACK_FILE_LIMIT, compose_yaml, load_yaml, read_text

SECRET_PLACEHOLDER = "[secret]"
# This checkout: the program `drctl` plans when no --program is given.
REPOSITORY = Path(__file__).resolve().parents[2]


# ---- stack files, read as the Pulumi CLI reads them ------------------------------------------------------
#
# The Pulumi CLI (Go) reads Pulumi.<stack>.yaml with gopkg.in/yaml.v2 (sdk/go/common/encoding/marshal.go) into
# interface{} values and hands the program JSON: YAML 1.1 booleans (yes, no, on, off, y, n) become true/false
# there, timestamps stay the text written, and a duplicate key is an error. PyYAML differs on each (yes is a bool,
# 2024-01-15T10:30:00Z a datetime that JSON cannot carry, 0755 octal, the last duplicate silently wins), and
# YAML 1.2 readers differ again (yes is a string). So drctl reads plain scalars itself: the forms every reader
# agrees on are taken as Pulumi takes them (true/false, decimal numbers, null, timestamps as text), and the forms
# readers disagree on are refused with how to write them.

_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_YAML11_BOOLS = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"}
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9_]*)")
_BASED = re.compile(r"[-+]?(0[0-9_]+|0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+)")
_FLOAT = re.compile(r"[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+")
_SPECIAL_FLOATS = {".inf": float("inf"), ".Inf": float("inf"), ".INF": float("inf"), "-.inf": float("-inf"),
                   "-.Inf": float("-inf"), "-.INF": float("-inf"), ".nan": float("nan"), ".NaN": float("nan"), ".NAN": float("nan")}


_RESOLVER = yaml.resolver.Resolver()


def _where(file: Path, path: str) -> str:
    """The key an error names: a setting by its own key (config.aivo-dr:failover is aivo-dr:failover), anything
    else by the file and its path in it."""
    if path.startswith("config."):
        return path[len("config."):]
    return f"{file.name}: {path}" if path else file.name


def _plain_scalar(text: str, file: Path, path: str, line: int = 0) -> Any:
    at = f" ({file.name} line {line})"
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _YAML11_BOOLS:
        raise UsageError(_where(file, path), text, "true or false, or the text quoted (\"" + text + "\"): YAML 1.1 (the Pulumi "
                         "CLI) reads it as a boolean and YAML 1.2 as text" + at)
    if _BASED.fullmatch(text):
        raise UsageError(_where(file, path), text, "a decimal number without leading zeros, or the text quoted: YAML 1.1 reads "
                         "0-prefixed numbers as octal" + at)
    if _DECIMAL.fullmatch(text):
        return int(text.replace("_", ""))
    if _FLOAT.fullmatch(text) and any(c.isdigit() for c in text):
        return float(text.replace("_", ""))
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    return text  # any other plain scalar, timestamps included, is the text written (as the Pulumi CLI passes it)


def _node_value(node: yaml.Node, file: Path, path: str) -> Any:
    if isinstance(node, yaml.ScalarNode):
        if node.style is not None:  # quoted or block text: always a string
            return node.value
        # A tag other than the one the text resolves to was written explicitly (e.g. !!str yes).
        explicit = node.tag != _RESOLVER.resolve(yaml.ScalarNode, node.value, (True, False))
        if explicit and node.tag == "tag:yaml.org,2002:str":
            return node.value
        if explicit and not node.tag.startswith("tag:yaml.org,2002:"):
            raise UsageError(_where(file, path), node.value, f"a plain value (no {node.tag} tag)")
        return _plain_scalar(node.value, file, path, node.start_mark.line + 1)
    if isinstance(node, yaml.SequenceNode):
        return [_node_value(item, file, f"{path}[{i}]") for i, item in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise UsageError(_where(file, path), "<<", "keys written out (no YAML merge keys)")
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in result:
                raise UsageError(_where(file, child), None,
                                 f"given once in {file.name}: on lines {lines[key]} and {key_node.start_mark.line + 1} "
                                 "(the Pulumi CLI refuses a duplicate key)")
            lines[key] = key_node.start_mark.line + 1
            result[key] = _node_value(value_node, file, child)
        return result
    raise UsageError(_where(file, path), None, "plain YAML")


def read_yaml_file(file: Path) -> Any:
    """A YAML file as the Pulumi CLI reads it (above), or a UsageError naming the file, the key and the fix."""
    text = read_text(file, str(file), "a Pulumi stack file (UTF-8 YAML)", STACK_FILE_LIMIT)
    node = compose_yaml(text, str(file), "(unreadable)")
    return None if node is None else _node_value(node, file, "")


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
    text = read_text(project_file, str(project_file), "a Pulumi project file (UTF-8 YAML)", STACK_FILE_LIMIT)
    project = load_yaml(text, str(project_file), "(unreadable)") or {}
    if not isinstance(project, dict):
        raise UsageError(str(project_file), "(unreadable)", "a YAML mapping (name:, runtime:, ...)")
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
    if not stack_file.exists():  # anything else that exists (a FIFO, a directory) is refused by read_yaml_file
        allowed = ", ".join(stack_names(program)) or "(none: add a Pulumi.<stack>.yaml)"
        raise UsageError("--stack", stack, f"one of the stacks of {program.directory}: {allowed}")
    document = read_yaml_file(stack_file)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise UsageError(stack_file.name, document, "a YAML mapping (a Pulumi stack file: config: and its settings)")
    config = document.get("config")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise UsageError(f"{stack_file.name}: config", config, "a mapping of settings (key: value)")
    raw: dict[str, Any] = dict(program.defaults)
    for key, value in config.items():
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
