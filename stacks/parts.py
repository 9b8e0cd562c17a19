"""The program's parts in the order they are declared. Each part is `build(ctx) -> dict of stack outputs`."""

from __future__ import annotations

from collections.abc import Callable

import pulumi

from stacks import compute, data, edge
from stacks.context import StackContext

Part = Callable[[StackContext], dict[str, pulumi.Input]]

# data before compute (Velero needs the buckets), compute before edge (DNS needs the clusters' endpoints).
PARTS: list[tuple[str, Part]] = [
    ("data", data.build),
    ("compute", compute.build),
    ("edge", edge.build),
]
