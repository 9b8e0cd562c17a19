"""The data part of the program (filled in by its issue)."""

from __future__ import annotations

import pulumi

from stacks.context import StackContext


def build(ctx: StackContext) -> dict[str, pulumi.Input]:
    return {}
