"""How long one AWS call may wait: connect and read timeouts and a total number of attempts.

Overridable with DRCTL_AWS_CONNECT_TIMEOUT, DRCTL_AWS_READ_TIMEOUT and DRCTL_AWS_MAX_ATTEMPTS (a bad value is
one line, exit 2); docs/operations.md says why these values and what the worst-case wait is.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from drctl.errors import UsageError


@dataclass(frozen=True)
class Limits:
    """How long one AWS call may wait: per attempt, the connect and read timeouts; in all, max_attempts."""

    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    max_attempts: int = 3

    def worst_case_seconds(self) -> float:
        """The longest one call can take when the endpoint accepts and never answers: every attempt waits
        for both timeouts, plus botocore's standard back-off between attempts (rand * 0.05 s * 2**i)."""
        backoff = sum(min(0.05 * 2**i, 20.0) for i in range(self.max_attempts - 1))
        return self.max_attempts * (self.connect_timeout + self.read_timeout) + backoff


DEFAULTS = Limits()

# Environment variable -> (field, upper bound, what is allowed). Bounds keep a typo from meaning an hour.
_SECONDS = {
    "DRCTL_AWS_CONNECT_TIMEOUT": ("connect_timeout", 60.0),
    "DRCTL_AWS_READ_TIMEOUT": ("read_timeout", 300.0),
}
MAX_ATTEMPTS_VAR, MAX_ATTEMPTS_LIMIT = "DRCTL_AWS_MAX_ATTEMPTS", 10


def limits() -> Limits:
    """The limits for this run: the defaults, overridden by the environment (a bad value is a UsageError, exit 2)."""
    values: dict[str, Any] = {}
    for var, (field, high) in _SECONDS.items():
        text = os.environ.get(var)
        if text is None:
            continue
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and 0 < number <= high):
            default = getattr(DEFAULTS, field)
            raise UsageError(var, text, f"a number of seconds greater than 0 and at most {high:g} (default {default:g})")
        values[field] = number
    text = os.environ.get(MAX_ATTEMPTS_VAR)
    if text is not None:
        if not (text.strip().isdigit() and 1 <= int(text) <= MAX_ATTEMPTS_LIMIT):
            raise UsageError(MAX_ATTEMPTS_VAR, text,
                             f"a whole number of attempts from 1 to {MAX_ATTEMPTS_LIMIT}, retries included (default {DEFAULTS.max_attempts})")
        values["max_attempts"] = int(text)
    return Limits(**values)
