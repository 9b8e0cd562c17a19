"""Velero as declared: chart, IRSA role and its policy, storage locations and the runbook's schedules."""

from __future__ import annotations

import json

import pytest

from tests.helpers.planning import only, plan, policy_json

VELERO_BUCKET = {"primary": ("aivo-production-velero", "us-east-1"), "dr": ("aivo-production-velero-us-west-2", "us-west-2")}


def location(stack: str, *overrides: str):
    return only(plan(stack, *overrides), "kubernetes:velero.io/v1:BackupStorageLocation")


def schedules(stack: str, *overrides: str) -> dict[str, dict]:
    return {r.inputs["metadata"]["name"]: r for r in plan(stack, *overrides).by_type("kubernetes:velero.io/v1:Schedule")}


# ---- schedules (runbook "Kubernetes State (Velero)") --------------------------------------------


def test_primary_daily_schedule_is_the_runbooks() -> None:
    loc = location("primary").inputs["metadata"]["name"]
    daily = schedules("primary")["aivo-daily"].inputs
    assert daily["metadata"]["namespace"] == "velero"
    assert daily["spec"]["schedule"] == "0 2 * * *"  # 02:00 UTC
    assert daily["spec"]["useOwnerReferencesInBackup"] is False
    assert daily["spec"]["template"]["ttl"] == "720h0m0s"  # 30 days
    assert daily["spec"]["template"]["includedNamespaces"] == ["aivo"]
    assert daily["spec"]["template"]["includeClusterResources"] is False
    assert daily["spec"]["template"]["storageLocation"] == loc
    assert daily["spec"]["skipImmediately"] is False


def test_primary_weekly_schedule_is_the_runbooks() -> None:
    loc = location("primary").inputs["metadata"]["name"]
    weekly = schedules("primary")["aivo-weekly"].inputs
    assert weekly["spec"]["schedule"] == "0 2 * * 0"  # Sundays
    assert weekly["spec"]["useOwnerReferencesInBackup"] is False
    assert weekly["spec"]["template"]["ttl"] == "4320h0m0s"  # 180 days
    assert weekly["spec"]["template"]["includedNamespaces"] == ["*"]
    assert weekly["spec"]["template"]["includeClusterResources"] is True  # full cluster
    assert weekly["spec"]["template"]["storageLocation"] == loc


def test_primary_has_exactly_the_two_schedules_and_they_wait_for_the_chart_and_location() -> None:
    p = plan("primary")
    release = only(p, "kubernetes:helm.sh/v3:Release")
    loc = location("primary")
    found = schedules("primary")
    assert set(found) == {"aivo-daily", "aivo-weekly"}
    for r in found.values():
        assert {release.urn, loc.urn} <= set(r.depends_on)
    assert release.urn in loc.depends_on


def test_schedules_follow_the_settings() -> None:
    found = schedules("primary", "velero.daily.schedule=30 1 * * *", "velero.daily.ttl=168h")
    assert found["aivo-daily"].inputs["spec"]["schedule"] == "30 1 * * *"
    assert found["aivo-daily"].inputs["spec"]["template"]["ttl"] == "168h0m0s"


def test_volumes_go_to_object_storage_not_region_bound_snapshots() -> None:
    for r in schedules("primary").values():
        assert r.inputs["spec"]["template"]["snapshotVolumes"] is False
        assert r.inputs["spec"]["template"]["defaultVolumesToFsBackup"] is True
    values = only(plan("primary"), "kubernetes:helm.sh/v3:Release").inputs["values"]
    assert (values["snapshotsEnabled"], values["deployNodeAgent"]) == (False, True)


def test_dr_standby_has_no_schedules_and_no_restores() -> None:
    p = plan("dr")
    assert p.by_type("kubernetes:velero.io/v1:Schedule") == []
    assert p.by_type("kubernetes:velero.io/v1:Restore") == []


# ---- storage locations ----------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "overrides", "mode"), [("primary", (), "ReadWrite"), ("dr", (), "ReadOnly")])
def test_location_points_at_the_velero_bucket_of_its_region(stack: str, overrides: tuple[str, ...], mode: str) -> None:
    bucket, region = VELERO_BUCKET[stack]
    loc = location(stack, *overrides).inputs
    assert loc["metadata"] == {"name": f"aivo-{region}", "namespace": "velero"}
    spec = loc["spec"]
    assert spec["accessMode"] == mode
    assert spec["provider"] == "aws"
    assert spec["objectStorage"] == {"bucket": bucket}
    assert spec["config"]["region"] == region
    assert spec["config"]["kmsKeyId"].startswith(f"arn:aws:kms:{region}:")
    assert spec["default"] is True


def test_the_dr_location_reads_the_us_west_2_replica_of_the_primary_bucket() -> None:
    primary = location("primary").inputs["spec"]["objectStorage"]["bucket"]
    dr = location("dr").inputs["spec"]["objectStorage"]["bucket"]
    assert dr == f"{primary}-us-west-2"


# ---- chart and IRSA -------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_chart_is_pinned_with_the_aws_plugin_and_an_irsa_service_account(stack: str) -> None:
    p = plan(stack)
    release = only(p, "kubernetes:helm.sh/v3:Release")
    i = release.inputs
    assert (i["chart"], i["version"], i["repositoryOpts"]["repo"]) == ("velero", "12.1.0", "https://vmware-tanzu.github.io/helm-charts")
    assert (i["name"], i["namespace"], i["createNamespace"]) == ("velero", "velero", True)
    values = i["values"]
    assert values["image"]["tag"] == "v1.18.1"
    (plugin,) = values["initContainers"]
    assert plugin["image"] == "velero/velero-plugin-for-aws:v1.14.1"
    assert plugin["volumeMounts"] == [{"mountPath": "/target", "name": "plugins"}]
    assert values["credentials"] == {"useSecret": False}
    assert values["backupsEnabled"] is False, "the location is declared by the stack, not by the chart"
    sa = values["serviceAccount"]["server"]
    assert sa["name"] == "velero"
    assert sa["annotations"]["eks.amazonaws.com/role-arn"] == p.outputs["veleroRoleArn"]


@pytest.mark.parametrize(("stack", "overrides"), [("primary", ()), ("dr", ()), ("dr", ("failover=true",))])
def test_velero_role_policy_names_only_its_own_bucket_and_key(stack: str, overrides: tuple[str, ...]) -> None:
    p = plan(stack, *overrides)
    bucket, region = VELERO_BUCKET[stack]
    key_arn = location(stack, *overrides).inputs["spec"]["config"]["kmsKeyId"]
    policy = only(p, "aws:iam/rolePolicy:RolePolicy", f"{stack}-velero-bucket-access")
    role = only(p, "aws:iam/role:Role", f"{stack}-velero-role")
    assert role.urn in policy.depends_on
    statements = policy_json(policy.inputs["policy"])["Statement"]
    resources = {res for s in statements for res in s["Resource"]}
    assert resources == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*", key_arn}
    assert key_arn.startswith(f"arn:aws:kms:{region}:")
    actions = {a for s in statements for a in s["Action"]}
    assert all("*" not in a for a in actions)
    assert all(s["Effect"] == "Allow" for s in statements)
    by_resource = {tuple(s["Resource"]): set(s["Action"]) for s in statements}
    assert by_resource[(key_arn,)] == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert by_resource[(f"arn:aws:s3:::{bucket}",)] == {"s3:ListBucket"}
    assert not any(a.startswith("ec2:") for a in actions), "no EBS snapshot rights: snapshots are off"


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_velero_role_is_assumable_only_by_velero_through_its_clusters_oidc_provider(stack: str) -> None:
    _, region = VELERO_BUCKET[stack]
    role = only(plan(stack), "aws:iam/role:Role", f"{stack}-velero-role")
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    provider_arn = statement["Principal"]["Federated"]
    assert provider_arn.startswith(f"arn:aws:iam::123456789012:oidc-provider/oidc.eks.{region}.amazonaws.com/id/")
    issuer = provider_arn.split("oidc-provider/", 1)[1]
    assert statement["Condition"] == {"StringEquals": {
        f"{issuer}:sub": "system:serviceaccount:velero:velero",
        f"{issuer}:aud": "sts.amazonaws.com",
    }}
    cluster = only(plan(stack), "eks:index:Cluster")
    assert cluster.urn in role.depends_on


def test_bad_velero_settings_are_refused_with_one_line() -> None:
    from drctl.engine import run_plan
    from drctl.engine.plan import SettingsProblem

    with pytest.raises(SettingsProblem, match=r'^aivo-dr:velero.existingResourcePolicy = "overwrite": one of none or update$'):
        run_plan("dr", ["velero.existingResourcePolicy=overwrite"])
    with pytest.raises(SettingsProblem, match=r'^aivo-dr:velero.daily.schedule = "0 25 \* \* \*": a five-field cron'):
        run_plan("primary", ["velero.daily.schedule=0 25 * * *"])
