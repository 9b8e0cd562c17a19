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


class SettingsError(pulumi.ConfigTypeError):
    """A stack setting is invalid.

    A ConfigTypeError, Pulumi's own error for a config value the program cannot use: `pulumi up` prints it
    as one line without a traceback (it is a RunError), and `drctl` tells it from a program's bug by its
    class (exit status 2, not 1).
    """

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key = key if ":" in key else f"{NAMESPACE}:{key}"
        self.value = value
        self.allowed = allowed
        self.expect_type = allowed
        # A missing key has no value to show: "key: required ...".
        shown = f"{self.key}: " if value is None else f"{self.key} = {show_value(value)}: "
        pulumi.RunError.__init__(self, shown + allowed)
