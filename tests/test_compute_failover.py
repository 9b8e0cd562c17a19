"""The compute side of `failover: true` on the dr stack: what changes, what must not, and the restore chain."""

from __future__ import annotations

from typing import Any

from drctl.engine.monitor import ResourceRecord
from tests.helpers.planning import by_urn, only, plan

COMPUTE_TYPES = ("aivo:cluster:", "aivo:velero:")
RUNBOOK_TIERS = [
    ("Critical", ["auth-svc", "api-gateway", "billing-svc"]),
    ("High", ["content-svc", "assessment-svc", "analytics-svc"]),
    ("Medium", ["ai-orchestrator", "notify-svc"]),
    ("Low", ["experimentation-svc", "engagement-svc"]),
]


def compute_records(stack: str, *overrides: str) -> dict[str, ResourceRecord]:
    """The compute part's resources (children of the cluster and Velero components), by URN."""
    return {
        r.urn: r
        for r in plan(stack, *overrides).resources
        if r.urn.split("::")[2].startswith(COMPUTE_TYPES)
    }


def changed_paths(old: Any, new: Any, path: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        return [p for k in sorted(set(old) | set(new)) for p in changed_paths(old.get(k), new.get(k), f"{path}.{k}" if path else k)]
    return [] if old == new else [path]


def restores() -> list[ResourceRecord]:
    return plan("dr", "failover=true").by_type("kubernetes:velero.io/v1:Restore")


def test_failover_raises_the_same_node_group_to_the_production_size() -> None:
    before = only(plan("dr"), "aws:eks/nodeGroup:NodeGroup")
    after = only(plan("dr", "failover=true"), "aws:eks/nodeGroup:NodeGroup")
    assert before.urn == after.urn
    assert before.inputs["scalingConfig"] == {"minSize": 1, "desiredSize": 2, "maxSize": 20}
    assert after.inputs["scalingConfig"] == {"minSize": 3, "desiredSize": 5, "maxSize": 20}
    assert after.inputs["nodeGroupName"] == before.inputs["nodeGroupName"] == "general"


def test_failover_makes_the_dr_location_writable_and_starts_dr_schedules() -> None:
    p = plan("dr", "failover=true")
    loc = only(p, "kubernetes:velero.io/v1:BackupStorageLocation")
    assert loc.inputs["spec"]["accessMode"] == "ReadWrite"
    assert loc.inputs["spec"]["objectStorage"] == {"bucket": "aivo-production-velero-us-west-2"}
    found = {r.inputs["metadata"]["name"]: r.inputs["spec"] for r in p.by_type("kubernetes:velero.io/v1:Schedule")}
    assert set(found) == {"aivo-daily-us-west-2", "aivo-weekly-us-west-2"}
    daily, weekly = found["aivo-daily-us-west-2"], found["aivo-weekly-us-west-2"]
    assert (daily["schedule"], daily["template"]["ttl"], daily["template"]["includedNamespaces"]) == ("0 2 * * *", "720h0m0s", ["aivo"])
    assert (weekly["schedule"], weekly["template"]["ttl"], weekly["template"]["includeClusterResources"]) == ("0 2 * * 0", "4320h0m0s", True)
    for spec in found.values():
        assert spec["template"]["storageLocation"] == loc.inputs["metadata"]["name"]
        assert spec["useOwnerReferencesInBackup"] is False
        assert spec["skipImmediately"] is True, "no backup of a half-restored cluster"
    restored_from = {r.inputs["spec"]["scheduleName"] for r in restores()}
    assert restored_from.isdisjoint(found), "DR schedules never compete with the primary's for 'latest'"


def test_restores_run_tier_by_tier_from_the_primarys_daily_schedule() -> None:
    found = restores()
    assert len(found) == len(RUNBOOK_TIERS)
    ordered = []
    p = plan("dr", "failover=true")
    release = only(p, "kubernetes:helm.sh/v3:Release")
    loc = only(p, "kubernetes:velero.io/v1:BackupStorageLocation")
    # Walk the chain from its head through explicit dependencies.
    by_dep = {tuple(r.depends_on): r for r in found}
    heads = [r for r in found if {release.urn, loc.urn} <= set(r.depends_on)]
    assert len(heads) == 1
    current = heads[0]
    # ... and for the promoted database, whatever the data part hands over as `database_ready`.
    promoted = {r.urn for r in p.by_type("aws:rds/instance:Instance") if r.region == "us-west-2" and r.read_id is None}
    assert promoted <= set(current.depends_on)
    while current is not None:
        ordered.append(current)
        current = by_dep.get((current.urn,))
    assert [r.inputs["metadata"]["name"] for r in ordered] == [f"aivo-failover-{t.lower()}" for t, _ in RUNBOOK_TIERS]
    for r, (tier, services) in zip(ordered, RUNBOOK_TIERS, strict=True):
        spec = r.inputs["spec"]
        assert spec["scheduleName"] == "aivo-daily"
        assert "backupName" not in spec
        assert spec["includedNamespaces"] == ["aivo"]
        assert spec["labelSelector"] == {
            "matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In", "values": services}]
        }
        assert spec["restorePVs"] is True  # runbook: --restore-volumes=true
        assert spec["existingResourcePolicy"] == "none"
        assert r.inputs["metadata"]["namespace"] == "velero"
        assert r.inputs["metadata"]["labels"] == {"aivo.edu/tier": tier.lower()}
    for previous, following in zip(ordered, ordered[1:], strict=False):
        assert following.depends_on == [previous.urn]


def test_each_restore_holds_the_next_tier_until_it_has_finished_within_its_rto() -> None:
    # RTOs count from the failover's start: each tier gets what is left of its RTO after the tier before it
    # (30, 60-30, 120-60, 240-120 min), so the whole chain ends within the Low tier's 4 hours.
    rto_seconds = {"critical": 30 * 60, "high": 30 * 60, "medium": 60 * 60, "low": 2 * 3600}
    for r in restores():
        annotations = r.inputs["metadata"]["annotations"]
        assert annotations["pulumi.com/waitFor"] == "jsonpath={.status.completionTimestamp}"
        assert annotations["pulumi.com/timeoutSeconds"] == str(rto_seconds[r.inputs["metadata"]["labels"]["aivo.edu/tier"]])


def test_restores_wait_for_regional_prerequisites_only_never_dns_or_cdn() -> None:
    p = plan("dr", "failover=true")
    urns = by_urn(p)

    def ancestry(urn: str, seen: set[str]) -> set[str]:
        for dep in urns[urn].depends_on:
            if dep not in seen and dep in urns:
                seen.add(dep)
                ancestry(dep, seen)
        return seen

    for r in restores():
        for dep in ancestry(r.urn, set()):
            assert not urns[dep].type.startswith(("aws:route53", "aws:cloudfront")), f"{r.name} waits on {dep}"


def test_changing_the_tier_table_changes_the_restores() -> None:
    # Merged over the runbook's table: Critical narrowed, High/Medium/Low removed (null), a tier added.
    tiers = (
        'tiers={"Critical": {"services": ["auth-svc"]}, "High": null, "Medium": null, "Low": null,'
        ' "Batch jobs": {"rto": "8 hours", "rpo": "4 hours", "services": ["report-svc", "export-svc"],'
        ' "uses": {"report-svc": ["database"], "export-svc": ["database", "assets"]}}}'
    )
    # An 8-hour tier needs an 8-hour platform RTO, and a runner that waits that long.
    longer = ["objectives.rto=8 hours", "runner.timeoutMinutes=480"]
    found = {r.inputs["metadata"]["name"]: r for r in plan("dr", "failover=true", tiers, *longer).by_type("kubernetes:velero.io/v1:Restore")}
    assert set(found) == {"aivo-failover-critical", "aivo-failover-batch-jobs"}
    batch = found["aivo-failover-batch-jobs"]
    assert batch.depends_on == [found["aivo-failover-critical"].urn]
    assert batch.inputs["spec"]["labelSelector"]["matchExpressions"][0]["values"] == ["report-svc", "export-svc"]
    assert batch.inputs["metadata"]["annotations"]["pulumi.com/timeoutSeconds"] == str(8 * 3600 - 30 * 60)


def test_failover_compute_stays_in_us_west_2() -> None:
    for r in compute_records("dr", "failover=true").values():
        assert r.region in (None, "us-west-2"), r.urn
        if r.type.startswith("aws:") and r.provider:
            assert r.provider.endswith("aws-us-west-2"), r.urn
