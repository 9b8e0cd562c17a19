"""The failover flip, exactly: `failover: false -> true` on the dr stack changes these resources and no others,
replaces nothing and deletes nothing (drctl diff's own comparison of the two plans)."""

from __future__ import annotations

from drctl.diffing import Diff, diff_plans
from tests.planning import plan

RESTORE = "kubernetes:velero.io/v1:Restore"
SCHEDULE = "kubernetes:velero.io/v1:Schedule"
RECORD = "aws:route53/record:Record"

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
}


def failover_diff() -> Diff:
    return diff_plans(plan("dr", "failover=false"), plan("dr", "failover=true"), ["failover=false"], ["failover=true"])


def test_the_flip_changes_exactly_the_expected_resources_and_paths() -> None:
    got = {(c.action, c.type, c.name): sorted(p.path for p in c.paths) for c in failover_diff().changes}
    assert got == EXPECTED


def test_the_flip_replaces_nothing_deletes_nothing_and_touches_no_iam() -> None:
    diff = failover_diff()
    assert diff.data_stores_replaced_or_deleted == []
    assert diff.counts()["replace"] == diff.counts()["delete"] == 0
    assert not [c.urn for c in diff.changes if c.type.startswith("aws:iam/")]


def test_the_flip_values() -> None:
    standby = plan("dr", "failover=false")
    values = {(c.name, p.path): (p.old, p.new) for c in failover_diff().changes for p in c.paths}
    primary_arn = plan("primary").outputs["databaseArn"]
    assert values[("dr-database-instance", "replicateSourceDb")] == (primary_arn, None)
    assert values[("dr-cluster-general", "scalingConfig.minSize")] == (1, 3)
    assert values[("dr-cluster-general", "scalingConfig.desiredSize")] == (2, 5)
    assert values[("dr-velero-location", "spec.accessMode")] == ("ReadOnly", "ReadWrite")
    east, west = "ingress.us-east-1.aivo.edu", "ingress.us-west-2.aivo.edu"
    checks = standby.outputs["healthCheckIds"]
    for name in ("api", "app"):
        assert values[(f"edge-dns-{name}-primary", "records[0]")] == (east, west)
        assert values[(f"edge-dns-{name}-primary", "healthCheckId")] == (checks["us-east-1"], checks["us-west-2"])
        assert values[(f"edge-dns-{name}-secondary", "records[0]")] == (west, east)
    assert values[("edge-cdn-distribution", "originGroups[0].members[0].originId")] == ("ingress-us-east-1", "ingress-us-west-2")
    assert values[("edge-internal-postgres", "records[0]")] == (
        plan("primary").outputs["databaseAddress"], plan("dr", "failover=true").outputs["drDatabaseAddress"],
    )
