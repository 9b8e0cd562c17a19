"""The failover flip (`failover: false -> true` on the dr stack), proved once.

1. The exact diff of the runbook's default settings: these resources, these paths, these values.
2. A property over the settings that shape the flip: whatever they are, the flip replaces nothing and
   deletes only the replica-lag alarm, changes a data store only where it must (the promotion, the cache size), keeps every
   resource's protection, creates or changes no IAM, declares and invokes nothing in us-east-1, and does
   flip (the PRIMARY records point at us-west-2, the tiers are restored). Derandomized: the same
   examples every run, with explicit ones so that every value of every core setting is exercised.
"""

from __future__ import annotations

import functools
import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from drctl.diffing import Diff, diff_plans
from drctl.engine import Plan, run_plan
from drctl.replacement import is_data_store
from stacks.settings.peer import PRIMARY_EXPORTS
from tests.helpers.planning import plan

PEER = "organization/aivo-dr/primary"
RESTORE = "kubernetes:velero.io/v1:Restore"
SCHEDULE = "kubernetes:velero.io/v1:Schedule"
RECORD = "aws:route53/record:Record"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"

# (action, type, name) -> the changed input paths. Every resource the flip touches, named.
EXPECTED: dict[tuple[str, str, str], list[str]] = {
    # data: the replica is promoted in place (only replicateSourceDb goes), the cache grows to production
    # size, and the promoted database gets the runbook's weekly snapshot plan in us-west-2
    ("update", "aws:rds/instance:Instance", "dr-database-instance"): ["replicateSourceDb"],
    ("update", "aws:elasticache/replicationGroup:ReplicationGroup", "dr-cache-group"): ["numNodeGroups", "replicasPerNodeGroup"],
    ("create", "aws:backup/plan:Plan", "dr-weekly-snapshots-plan"): [],
    ("create", "aws:backup/selection:Selection", "dr-weekly-snapshots-selection"): [],
    # compute: production node group size, writable Velero location, DR schedules, restores by tier
    ("update", "aws:eks/nodeGroup:NodeGroup", "dr-cluster-general"): ["scalingConfig.desiredSize", "scalingConfig.minSize"],
    ("update", "kubernetes:velero.io/v1:BackupStorageLocation", "dr-velero-location"): ["spec.accessMode"],
    ("create", SCHEDULE, "dr-velero-schedule-aivo-daily-us-west-2"): [],
    ("create", SCHEDULE, "dr-velero-schedule-aivo-weekly-us-west-2"): [],
    ("create", RESTORE, "dr-failover-restores-critical"): [],
    ("create", RESTORE, "dr-failover-restores-high"): [],
    ("create", RESTORE, "dr-failover-restores-medium"): [],
    ("create", RESTORE, "dr-failover-restores-low"): [],
    # edge: DNS PRIMARY/SECONDARY swap targets and checks, CloudFront swaps its members, the internal name moves
    ("update", RECORD, "edge-dns-api-primary"): ["healthCheckId", "records[0]"],
    ("update", RECORD, "edge-dns-api-secondary"): ["healthCheckId", "records[0]"],
    ("update", RECORD, "edge-dns-app-primary"): ["healthCheckId", "records[0]"],
    ("update", RECORD, "edge-dns-app-secondary"): ["healthCheckId", "records[0]"],
    ("update", "aws:cloudfront/distribution:Distribution", "edge-cdn-distribution"): [
        "originGroups[0].members[0].originId", "originGroups[0].members[1].originId",
    ],
    ("update", RECORD, "edge-internal-postgres"): ["records[0]"],
    # monitoring: the replica's lag alarm goes with the replica, the promoted database's own backups get one;
    # the other alarms, the probe and the canary watch what is now active (the DR schedule, the us-west-2 ingress)
    ("delete", ALARM, "dr-alarms-database-replica-lag"): [],
    ("update", ALARM, "dr-alarms-database-available"): ["alarmDescription", "tags.watches"],
    ("create", ALARM, "dr-alarms-pitr-age"): [],
    ("update", ALARM, "dr-alarms-velero-backup-age"): ["alarmDescription", "dimensions.Schedule", "tags.watches"],
    ("update", ALARM, "dr-alarms-velero-backup-failed"): ["alarmDescription", "dimensions.Schedule", "tags.watches"],
    ("update", "aws:lambda/function:Function", "freshness-probe-function"): [
        "environment.variables.PROBE_MODE", "environment.variables.VELERO_SCHEDULE"],
    ("update", "aws:synthetics/canary:Canary", "outage-canary-canary"): ["runConfig.environmentVariables.TARGET_HOST"],
}




def failover_diff(standby: Plan, failover: Plan) -> Diff:
    return diff_plans(standby, failover, ["failover=false"], ["failover=true"])


def test_the_flip_changes_exactly_the_expected_resources_and_paths(dr_plan: Plan, dr_failover_plan: Plan) -> None:
    got = {(c.action, c.type, c.name): sorted(p.path for p in c.paths) for c in failover_diff(dr_plan, dr_failover_plan).changes}
    assert got == EXPECTED


def test_the_flip_values(primary_plan: Plan, dr_plan: Plan, dr_failover_plan: Plan) -> None:
    values = {(c.name, p.path): (p.old, p.new) for c in failover_diff(dr_plan, dr_failover_plan).changes for p in c.paths}
    primary_arn = primary_plan.outputs["databaseArn"]
    assert values[("dr-database-instance", "replicateSourceDb")] == (primary_arn, None)
    assert values[("dr-cluster-general", "scalingConfig.minSize")] == (1, 3)
    assert values[("dr-cluster-general", "scalingConfig.desiredSize")] == (2, 5)
    assert values[("dr-velero-location", "spec.accessMode")] == ("ReadOnly", "ReadWrite")
    east, west = "ingress.us-east-1.example.com", "ingress.us-west-2.example.com"
    checks = {"us-east-1": primary_plan.outputs["primaryIngressHealthCheckId"], "us-west-2": primary_plan.outputs["drIngressHealthCheckId"]}
    for name in ("api", "app"):
        assert values[(f"edge-dns-{name}-primary", "records[0]")] == (east, west)
        assert values[(f"edge-dns-{name}-primary", "healthCheckId")] == (checks["us-east-1"], checks["us-west-2"])
        assert values[(f"edge-dns-{name}-secondary", "records[0]")] == (west, east)
    assert values[("edge-cdn-distribution", "originGroups[0].members[0].originId")] == ("ingress-us-east-1", "ingress-us-west-2")
    assert values[("edge-internal-postgres", "records[0]")] == (
        primary_plan.outputs["databaseAddress"], dr_failover_plan.outputs["drDatabaseAddress"],
    )


# ---- the property ------------------------------------------------------------------------------------------

# What a failover may change on a data store, by type (anything else would be an unplanned update of one).
ALLOWED_DATA_STORE_CHANGES = {
    "aws:rds/instance:Instance": {"replicateSourceDb"},
    "aws:elasticache/replicationGroup:ReplicationGroup": {"numNodeGroups", "replicasPerNodeGroup"},
}
CORE = {  # the settings that shape the data tier and how the dr stack reads the primary
    "cache.drMode": ["warm", "global"],
    "database.multiAz": ["true", "false"],
    "database.storageType": ["gp3", "io1", "io2"],
    "peer.useStackReference": ["true", "false"],
    "database.restore": ["none", "pitr"],
}
OTHER = {  # the rest of what the flip touches
    "velero.fsBackup": ["true", "false"],
    "velero.restorePvs": ["true", "false"],
    "velero.existingResourcePolicy": ["none", "update"],
    "dns.healthCheck.requestInterval": ["10", "30"],
    "cdn.priceClass": ["PriceClass_100", "PriceClass_200", "PriceClass_All"],
    "cdn.minimumProtocolVersion": ["TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"],
}
# Every value of every core setting at least once (a covering set, not the 48-way product).
COVERING = [
    {"cache.drMode": "warm", "database.multiAz": "true", "database.storageType": "gp3", "peer.useStackReference": "true",
     "database.restore": "none"},
    {"cache.drMode": "global", "database.multiAz": "false", "database.storageType": "io1", "peer.useStackReference": "false",
     "database.restore": "pitr"},
    {"cache.drMode": "warm", "database.multiAz": "false", "database.storageType": "io2", "peer.useStackReference": "false",
     "database.restore": "none"},
    {"cache.drMode": "global", "database.multiAz": "true", "database.storageType": "gp3", "peer.useStackReference": "true",
     "database.restore": "pitr"},
]


@functools.lru_cache(maxsize=4)
def _primary_outputs(dr_mode: str) -> dict:
    """The primary stack as deployed with the same cache mode (the global datastore id exists only then)."""
    return plan("primary", f"cache.drMode={dr_mode}").outputs


@functools.lru_cache(maxsize=64)
def dr_plan_of(combo: tuple[tuple[str, str], ...], failover: bool) -> Plan:
    values = dict(combo)
    outputs = _primary_outputs(values["cache.drMode"])
    overrides = [f"{k}={v}" for k, v in combo if k != "database.restore"] + [f"failover={str(failover).lower()}"]
    if values["database.storageType"] != "gp3":
        overrides.append("database.iops=3000")  # provisioned IOPS: RDS refuses io1/io2 without them
    if values["database.restore"] == "pitr":
        overrides.append('database.restore={"source": "aivo-production-postgres", "identifier": "aivo-pitr-dr"}')
    if values["peer.useStackReference"] == "false":
        # What an operator copies from `pulumi stack output --stack primary --json` into peer.fallback.
        fallback = {k: str(outputs[k]) for k in PRIMARY_EXPORTS if k in outputs}
        overrides.append(f"peer.fallback={json.dumps(fallback)}")
    return run_plan("dr", overrides, peer_outputs={PEER: outputs})


def _with_covering_examples(test):  # type: ignore[no-untyped-def]
    defaults = {k: v[0] for k, v in OTHER.items()}
    for values in COVERING:
        test = example({**defaults, **values})(test)
    return test


@settings(derandomize=True, max_examples=4, deadline=None, database=None)
@given(values=st.fixed_dictionaries({k: st.sampled_from(v) for k, v in {**CORE, **OTHER}.items()}))
@_with_covering_examples
def test_the_flip_keeps_every_data_store_and_changes_nothing_it_must_not(values: dict[str, str]) -> None:
    combo = tuple(sorted(values.items()))
    standby, failover = dr_plan_of(combo, False), dr_plan_of(combo, True)
    diff = failover_diff(standby, failover)
    assert [c.urn for c in diff.data_stores_replaced_or_deleted] == []
    assert diff.counts()["replace"] == 0
    # the only deletions: the lag alarms of what is promoted (the database; the Global Datastore's shards)
    lags = ["dr-alarms-database-replica-lag"] + (
        [f"dr-alarms-cache-replication-lag-{n}" for n in (1, 2, 3)] if values["cache.drMode"] == "global" else [])
    assert sorted((c.type, c.name) for c in diff.changes if c.action == "delete") == sorted((ALARM, n) for n in lags)
    changed = {c.urn: {p.path.split(".")[0].split("[")[0] for p in c.paths} for c in diff.changes if c.action == "update"}
    old, new = {r.urn: r for r in standby.resources}, {r.urn: r for r in failover.resources}
    for urn, record in old.items():
        if urn not in new:
            continue  # the deletion above
        if is_data_store(record.type):
            assert changed.get(urn, set()) <= ALLOWED_DATA_STORE_CHANGES.get(record.type, set()), (urn, changed.get(urn))
            assert new[urn].protect and new[urn].retain_on_delete, urn
        # options that could turn an update into a replacement or a deletion do not move
        assert (record.protect, record.retain_on_delete, record.parent, record.provider) == (
            new[urn].protect, new[urn].retain_on_delete, new[urn].parent, new[urn].provider), urn
    # no IAM is created or changed (pulumi-eks makes the cluster's roles: its inputs do not move either)
    assert not [c.urn for c in diff.changes if c.type.startswith("aws:iam/")]
    assert [r.inputs for r in standby.by_type("eks:index:Cluster")] == [r.inputs for r in failover.by_type("eks:index:Cluster")]
    # nothing in us-east-1: the failover needs no call to the failed region
    assert not [r.urn for r in failover.resources if r.region == "us-east-1"]
    assert not [i.token for i in failover.invokes if i.region == "us-east-1"]
    # and the flip did happen
    primaries = [r for r in failover.by_type(RECORD) if r.inputs.get("failoverRoutingPolicies", [{}])[0].get("type") == "PRIMARY"]
    assert len(primaries) == 2 and all(r.inputs["records"] == ["ingress.us-west-2.example.com"] for r in primaries)
    assert len(failover.by_type(RESTORE)) == 4
