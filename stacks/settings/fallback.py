"""What the dr stack may know of the primary stack from settings alone: `peer.fallback` and derived names.

The dr stack reads the primary's outputs (`PRIMARY_EXPORTS`) with a StackReference, falling back to
`peer.fallback[key]`. Values derived from names (the writer's ARN, the replica bucket names) have a
computed default, so a complete fallback only has to list what AWS generates (KMS key ARNs, the VPC).
With `peer.useStackReference: false`, or with `failover: true` and a complete fallback, no StackReference
is declared: a failover then needs nothing of the primary's state or region.
"""

from __future__ import annotations

from .peer import PRIMARY_EXPORTS
from .stack import StackSettings

# Peer values that are not always needed: the global datastore exists only with cache.drMode global, and
# the failback flag has a derived default ("false").
OPTIONAL_EXPORTS = ("cacheGlobalGroupId", "databaseFailbackPromoted")


def required_keys(settings: StackSettings) -> list[str]:
    """The peer values this dr stack's settings need."""
    keys = [k for k in PRIMARY_EXPORTS if k not in OPTIONAL_EXPORTS]
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
    """The fallback as the dr stack uses it: the derived values, overridden by what `peer.fallback` says."""
    return {**derived_fallback(settings), **settings.peer.fallback}


def missing_fallback(settings: StackSettings) -> list[str]:
    """Required peer values that neither `peer.fallback` nor the settings give."""
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
