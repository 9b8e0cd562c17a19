"""Every policy of the pack, in one list: `__main__.py` builds the PolicyPack from it and `drctl check`
runs it offline, so both always run the very same policy objects."""

from __future__ import annotations

from pulumi_policy import Policy

from . import (
    aurora,
    backups,
    cache,
    cdn,
    cluster,
    database,
    dns,
    iam,
    kms,
    monitoring,
    network,
    readiness,
    runner,
    stack,
    storage,
    tagging,
    velero,
)

PACK_NAME = "aivo-dr"
MODULES = (database, aurora, storage, network, kms, backups, cache, cluster, velero, dns, cdn, iam, runner, monitoring, tagging, stack,
           readiness)
POLICIES: list[Policy] = [policy for module in MODULES for policy in module.POLICIES]
