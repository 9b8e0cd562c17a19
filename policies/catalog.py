"""Every policy of the pack, in one list: `__main__.py` builds the PolicyPack from it and `drctl check`
runs it offline, so both always run the very same policy objects."""

from __future__ import annotations

from pulumi_policy import Policy

from . import (
    alarms_exist,
    aurora,
    backups,
    cache,
    cdn,
    cluster,
    database,
    dns,
    events,
    iam,
    iam_reference,
    kms,
    monitoring,
    network,
    readiness,
    runner,
    runner_coverage,
    runner_image,
    service_roles,
    stack,
    storage,
    tagging,
    velero,
)

PACK_NAME = "aivo-dr"
MODULES = (database, aurora, storage, network, kms, backups, cache, cluster, velero, dns, cdn, iam, iam_reference, runner,
           runner_coverage, runner_image, monitoring, alarms_exist, events, tagging, stack, readiness, service_roles)
POLICIES: list[Policy] = [policy for module in MODULES for policy in module.POLICIES]
