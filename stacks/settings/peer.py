"""What the dr stack knows of the primary stack: a StackReference, with an explicit settings fallback."""

from __future__ import annotations

from pydantic import Field

from .base import Section


class Peer(Section):
    """`stack` is read with a StackReference unless `useStackReference` is false; every fallback key
    is used when the reference has no such output, so the dr stack never needs us-east-1 to plan."""

    stack: str = Field(default="organization/aivo-dr/primary", pattern=r"^[\w.-]+/[\w.-]+/[\w.-]+$")
    use_stack_reference: bool = True
    fallback: dict[str, str] = {}
