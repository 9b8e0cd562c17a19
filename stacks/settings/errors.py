"""One error type for bad settings, rendered as one line that names the key, the value and what is allowed."""

from __future__ import annotations

import json
from typing import Any

import pulumi

NAMESPACE = "aivo-dr"


def show_value(value: Any) -> str:
    """Render a setting's value the way the user wrote it (JSON), short enough for one line."""
    try:
        text = json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class SettingsError(pulumi.RunError):
    """A stack setting is invalid. Subclasses RunError so `pulumi up` prints it without a traceback."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key = key if ":" in key else f"{NAMESPACE}:{key}"
        self.value = value
        self.allowed = allowed
        # A missing key has no value to show: "key: required ...".
        shown = f"{self.key}: " if value is None else f"{self.key} = {show_value(value)}: "
        super().__init__(shown + allowed)
