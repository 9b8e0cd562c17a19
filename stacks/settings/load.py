"""Read the `aivo-dr:` stack settings once, validate them, and turn any problem into one SettingsError."""

from __future__ import annotations

import json
import typing
from typing import Any

import pulumi
import pulumi.runtime
from pydantic import BaseModel, ValidationError

from .errors import NAMESPACE, SettingsError
from .rules import first_problem
from .stack import StackSettings
from .values import text_problem

_STRUCTURED = (dict, list)


def _field_by_alias() -> dict[str, Any]:
    return {(f.alias or name): f for name, f in StackSettings.model_fields.items()}


def _is_structured(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in _STRUCTURED:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_is_structured(arg) for arg in typing.get_args(annotation) if arg is not type(None))


def raw_settings() -> dict[str, str]:
    """Every `aivo-dr:*` key set for this stack, as strings.

    `pulumi up` hands a Python program its config as the PULUMI_CONFIG bag (`pulumi.runtime.get_config_env`);
    the keys come from there, so that a misspelt key is refused rather than ignored, and each value is read
    with `pulumi.Config`, which also honours a PULUMI_CONFIG_<KEY> override.
    """
    prefix = f"{NAMESPACE}:"
    config = pulumi.Config(NAMESPACE)
    keys = sorted(key[len(prefix):] for key in pulumi.runtime.get_config_env() if key.startswith(prefix))
    return {key: value for key in keys if (value := config.get(key)) is not None}


def parse_raw(raw: dict[str, str]) -> dict[str, Any]:
    """Config strings into Python values: structured keys are JSON (how Pulumi passes YAML objects)."""
    fields = _field_by_alias()
    parsed: dict[str, Any] = {}
    for key, text in raw.items():
        field = fields.get(key)
        if field is None:
            allowed = ", ".join(sorted(fields))
            raise SettingsError(key, text, f"unknown setting; allowed: {allowed}")
        if _is_structured(field.annotation) and isinstance(text, str):
            try:
                parsed[key] = json.loads(text)
            except json.JSONDecodeError:
                raise SettingsError(key, text, "a YAML/JSON object or list") from None
        else:
            parsed[key] = text
    return parsed


def _key_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


def _allowed(error: dict[str, Any]) -> str:
    """What is allowed, for the kinds of refusal the models can give here (missing keys and out-of-bounds integers
    are worded by settings_error; booleans by Section._strict_scalars, before pydantic parses them)."""
    kind, message = error["type"], str(error["msg"])
    simple = {
        "int_parsing": "an integer",
        "int_type": "an integer",
        "int_from_float": "a whole number",
        "string_type": "a string",
        "dict_type": "an object (key: value)",
        "list_type": "a list",
        "model_type": "an object (key: value)",
    }
    if kind in simple:
        return simple[kind]
    if kind == "literal_error":
        return "one of " + str(error["ctx"]["expected"]).replace("'", "")
    if kind == "string_pattern_mismatch":
        return f"a string matching {error['ctx']['pattern']}"
    if kind == "too_short":
        return message.replace("List should have", "a list with").replace("Dictionary should have", "an object with")
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    return message


def _field_at(loc: tuple[Any, ...]) -> Any:
    """The pydantic FieldInfo at a settings path, or None (dict keys and list items are skipped)."""
    model: Any = StackSettings
    field = None
    for part in loc:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return field if isinstance(part, int) else None
        fields = {(f.alias or n): f for n, f in model.model_fields.items()}
        if part not in fields:
            continue
        field = fields[part]
        model = field.annotation
        while typing.get_origin(model) is not None:
            args = [a for a in typing.get_args(model) if a is not type(None)]
            model = args[-1] if args else model
            if typing.get_origin(model) is typing.Annotated:
                break
    return field


def _bounds(field: Any) -> str | None:
    if field is None:
        return None
    low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
    high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
    if low is not None and high is not None:
        return f"an integer from {low} to {high}" if low != high else f"exactly {low}"
    return None


def settings_error(error: ValidationError, parsed: dict[str, Any]) -> SettingsError:
    """The first validation problem as a SettingsError on its full key."""
    first = error.errors(include_url=False)[0]
    loc = tuple(first["loc"])
    if first["type"] in ("int_parsing", "int_type", "int_from_float", "greater_than_equal", "less_than_equal"):
        bounds = _bounds(_field_at(loc))
        if bounds:
            return SettingsError(_key_path(loc), first.get("input"), bounds)
    if first["type"] == "extra_forbidden":
        return SettingsError(_key_path(loc), first.get("input"), "unknown key; " + _known_keys(loc[:-1]))
    if first["type"] == "missing":
        field = _field_at(loc)
        hint = getattr(field, "description", None) if field is not None else None
        return SettingsError(_key_path(loc), None, f"required: {hint}" if hint else "required")
    return SettingsError(_key_path(loc), first.get("input"), _allowed(dict(first)))


def _known_keys(parent: tuple[Any, ...]) -> str:
    model: Any = StackSettings
    for part in parent:
        fields = {(f.alias or n): f for n, f in getattr(model, "model_fields", {}).items()}
        if part in fields:
            model = fields[part].annotation
            if typing.get_origin(model) is not None:
                args = [a for a in typing.get_args(model) if a is not type(None)]
                model = args[-1] if args else model
        elif isinstance(model, type) and issubclass(model, BaseModel):
            continue
    if isinstance(model, type) and issubclass(model, BaseModel):
        return "allowed: " + ", ".join(sorted((f.alias or n) for n, f in model.model_fields.items()))
    return "see stacks/settings/"


def validate(raw: dict[str, str], stack: str) -> StackSettings:
    """Validated settings of `stack` from its raw `aivo-dr:` config, or a SettingsError."""
    parsed = parse_raw(raw)
    # Before any model: every string as AWS, GitHub and Pulumi read it (no control characters, ASCII where they take ASCII).
    for key, value in parsed.items():
        bad = text_problem(value, key)
        if bad:
            raise SettingsError(*bad)
    parsed.setdefault("role", stack)
    if parsed["role"] not in ("primary", "dr"):
        raise SettingsError("role", parsed["role"], "primary or dr (defaults to the stack name)")
    if "region" not in parsed:
        raise SettingsError("region", None, "required: the stack's AWS region (us-east-1 for primary, us-west-2 for dr)")
    try:
        settings = StackSettings.model_validate(parsed)
    except ValidationError as error:
        raise settings_error(error, parsed) from None
    broken = first_problem(settings)
    if broken:
        raise SettingsError(*broken)
    return settings


def load_settings() -> StackSettings:
    """The stack's settings, read from Pulumi config once, at the edge of the program."""
    return validate(raw_settings(), pulumi.get_stack())
