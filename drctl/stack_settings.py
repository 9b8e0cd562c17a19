"""A stack's validated settings as its stack file holds them, for commands that act on the real estate.

The ops commands take their defaults (identifiers, tiers, schedules, the site's DNS names) from here, so
they check what the stacks declare, not a copy of the runbook's figures.
"""

from __future__ import annotations

import functools
from pathlib import Path

from drctl.engine.project import REPOSITORY, load_program, stack_config
from drctl.errors import UsageError
from stacks.settings import SettingsError, StackSettings, validate
from stacks.settings.errors import NAMESPACE


@functools.cache
def stack_settings(stack: str, program_dir: Path | None = None) -> StackSettings:
    """The settings of `stack` (Pulumi.<stack>.yaml), validated; a bad stack file is one line, exit 2."""
    program = load_program((program_dir or REPOSITORY).resolve())
    config = stack_config(program, stack, [])
    prefix = f"{NAMESPACE}:"
    raw = {key[len(prefix):]: value for key, value in config.values.items() if key.startswith(prefix)}
    try:
        return validate(raw, stack)
    except SettingsError as error:
        raise UsageError(f"Pulumi.{stack}.yaml", None, str(error)) from None
