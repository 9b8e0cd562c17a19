"""User errors: one line naming the key, the value and what is allowed; exit status 2."""

from __future__ import annotations

import json
from typing import Any

USAGE_EXIT = 2


class UsageError(Exception):
    """Bad arguments, settings or files. Rendered as one line, exit status 2, no traceback."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        from stacks.settings.values import escaped

        self.key, self.value, self.allowed = key, value, allowed
        # A value from a user, a file or a terminal may hold a newline or an escape sequence: shown escaped, on one line.
        shown = escaped(value) if isinstance(value, str) else json.dumps(value, default=str)
        key = escaped(key)
        super().__init__(f"{key} = {shown!s}: {allowed}" if value is not None else f"{key}: {allowed}")


class EngineError(Exception):
    """The program failed under the offline engine for a reason other than its settings (exit status 1)."""
