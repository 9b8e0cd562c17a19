"""Raw settings for tests that validate settings directly: a stack's region plus the example site, read
from the repository's own stack file (the one block of example site values, not a copy)."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
REGIONS = {"primary": "us-east-1", "dr": "us-west-2"}


@functools.cache
def _example_site() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "Pulumi.dr.yaml").read_text())["config"]["aivo-dr:site"]


def example_site() -> dict[str, Any]:
    """The example site block of Pulumi.dr.yaml (both stack files carry the same one): a copy the caller may change."""
    return copy.deepcopy(_example_site())


def raw(stack: str, **settings: str) -> dict[str, str]:
    """Raw `aivo-dr:` settings as Pulumi hands them to the program (strings; objects as JSON)."""
    return {"region": REGIONS[stack], "site": json.dumps(example_site()), **settings}
