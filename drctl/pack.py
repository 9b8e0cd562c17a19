"""The policy pack as drctl runs it: the very `policies/` package `pulumi preview --policy-pack policies` runs.

The pack lives beside drctl in the repository (not in site-packages: the CLI runs it from its folder with
its own requirements), so the repository goes on the import path once, here.
"""

from __future__ import annotations

import sys
from types import ModuleType

from drctl.engine.project import REPOSITORY

if str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))

from policies import _sdk as sdk  # noqa: E402
from policies import catalog  # noqa: E402

__all__ = ["catalog", "sdk"]


def modules() -> tuple[ModuleType, ...]:
    """The pack's policy modules, one per subject."""
    return tuple(catalog.MODULES)
