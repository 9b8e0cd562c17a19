"""What the dr stack knows of the primary stack: its outputs, read with a StackReference or from settings.

The primary stack exports exactly `PRIMARY_EXPORTS`; the dr stack reads them here and nowhere else.
Each value comes from `pulumi.StackReference(peer.stack)` and, where the reference has no such output,
from `peer.fallback[key]`. With `peer.useStackReference: false`, or with `failover: true` and a
complete fallback, no StackReference is declared at all: a failover never needs the primary's state.
Values derived from names (the database ARN, the replica bucket names) have a computed default
fallback, so a complete fallback only has to list what AWS generates (KMS key ARNs, the VPC, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from stacks.settings import SettingsError, StackSettings
from stacks.settings.peer import PRIMARY_EXPORTS

__all__ = ["PRIMARY_EXPORTS", "PeerFacts", "peer_facts", "uses_stack_reference"]

def required_keys(settings: StackSettings) -> list[str]:
    """The peer values this dr stack's settings need."""
    keys = [k for k in PRIMARY_EXPORTS if k not in ("cacheGlobalGroupId", "databaseFailbackPromoted")]
    if settings.cache.dr_mode == "global":
        keys.append("cacheGlobalGroupId")
    return keys


def derived_fallback(settings: StackSettings) -> dict[str, str]:
    """Peer values that follow from settings alone (names and the ARNs built from them)."""
    s = settings
    primary = s.regions.primary
    promoted = s.peer.fallback.get("databaseFailbackPromoted") == "true"
    writer = s.database.failback_identifier if promoted else s.database.identifier
    return {
        "databaseArn": f"arn:aws:rds:{primary}:{s.account_id}:db:{writer}",
        "veleroReplicaBucket": s.storage.replica_name(s.storage.velero_bucket, s.regions.dr),
        "assetsReplicaBucket": s.storage.replica_name(s.storage.assets_bucket, s.regions.dr),
        "databaseFailbackPromoted": "false",
    }


def effective_fallback(settings: StackSettings) -> dict[str, str]:
    return {**derived_fallback(settings), **settings.peer.fallback}


def missing_fallback(settings: StackSettings) -> list[str]:
    fallback = effective_fallback(settings)
    return [k for k in required_keys(settings) if not fallback.get(k)]


def uses_stack_reference(settings: StackSettings) -> bool:
    """Whether the dr stack declares a StackReference to the primary.

    Not when told not to, and not during a failover whose fallback is complete: the primary's state
    (and its region) may be gone, and the settings already say everything.
    """
    if not settings.peer.use_stack_reference:
        return False
    return not (settings.failover and not missing_fallback(settings))


@dataclass
class PeerFacts:
    """The primary stack's outputs as this dr stack sees them."""

    values: dict[str, pulumi.Output[str]]
    reference: pulumi.StackReference | None

    def __getitem__(self, key: str) -> pulumi.Output[str]:
        return self.values[key]


def _from_reference(ref: pulumi.StackReference, key: str, fallback: str | None) -> pulumi.Output[str]:
    def pick(outputs: dict[str, object]) -> str:
        value = (outputs or {}).get(key)
        if value is not None and value != "":
            return str(value)
        if fallback is not None:
            return fallback
        if not outputs:
            # A stack with no outputs at all has never been deployed: `pulumi up` stops earlier, when the
            # reference is read; an offline plan's first pass gets here before the sibling is planned.
            return f"pending:{key}"
        raise SettingsError(f"peer.fallback.{key}", None,
                            f"required: the primary stack has no output {key} ({PRIMARY_EXPORTS[key]})")

    return ref.outputs.apply(pick)


def peer_facts(settings: StackSettings) -> PeerFacts:
    """The primary's outputs, from a StackReference with the settings fallback, or from the fallback alone."""
    fallback = effective_fallback(settings)
    keys = required_keys(settings) + ["databaseFailbackPromoted"]
    if not uses_stack_reference(settings):
        missing = missing_fallback(settings)
        if missing:
            raise SettingsError(
                "peer.fallback", sorted(settings.peer.fallback),
                f"every key the dr stack reads when peer.useStackReference is false; missing: {', '.join(missing)}",
            )
        return PeerFacts({k: pulumi.Output.from_input(fallback[k]) for k in keys}, None)
    ref = pulumi.StackReference(settings.peer.stack)
    return PeerFacts({k: _from_reference(ref, k, fallback.get(k)) for k in keys}, ref)
