"""EKS clusters as declared: region, name, endpoint, logging, secrets key, access, OIDC, node group, providers."""

from __future__ import annotations

import json

import pytest

from tests.helpers.planning import only, plan

RUNBOOK_CLUSTERS = {"primary": ("aivo-production-eks", "us-east-1"), "dr": ("aivo-dr-eks", "us-west-2")}
ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
STACKS = [("primary", ()), ("dr", ()), ("dr", ("failover=true",))]


def cluster_of(stack: str, *overrides: str):
    return only(plan(stack, *overrides), "eks:index:Cluster")


@pytest.mark.parametrize(("stack", "overrides"), STACKS)
def test_one_cluster_per_stack_named_as_the_runbook_in_its_own_region(stack: str, overrides: tuple[str, ...]) -> None:
    name, region = RUNBOOK_CLUSTERS[stack]
    c = cluster_of(stack, *overrides)
    assert c.inputs["name"] == name
    # A remote component: its region is the one of the aws provider in its providers map.
    assert c.region == region
    network_urns = {r.urn for r in plan(stack, *overrides).resources if r.type == "aws:ec2/subnet:Subnet" and "private" in r.name}
    assert network_urns <= set(c.depends_on), "the cluster sits in the stack's own private subnets"
    assert c.inputs["skipDefaultNodeGroup"] is True


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_endpoint_is_private_with_logging_api_auth_and_oidc(stack: str) -> None:
    c = cluster_of(stack)
    assert (c.inputs["endpointPrivateAccess"], c.inputs["endpointPublicAccess"]) == (True, False)
    assert "publicAccessCidrs" not in c.inputs
    assert c.inputs["enabledClusterLogTypes"] == ALL_LOG_TYPES
    assert c.inputs["authenticationMode"] == "API"
    assert c.inputs["createOidcProvider"] is True
    assert "publicSubnetIds" not in c.inputs


def test_public_endpoint_only_with_cidrs_and_limited_to_them() -> None:
    c = cluster_of("primary", 'cluster.publicAccessCidrs=["203.0.113.0/24"]')
    assert (c.inputs["endpointPrivateAccess"], c.inputs["endpointPublicAccess"]) == (True, True)
    assert c.inputs["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_the_on_call_roles_get_cluster_admin_access_entries() -> None:
    arn = "arn:aws:iam::123456789012:role/aivo-platform-admin"
    c = cluster_of("dr", f'site.onCallRoleArns=["{arn}"]')
    entries = list(c.inputs["accessEntries"].values())
    assert [e["principalArn"] for e in entries] == [arn, "arn:aws:iam::123456789012:role/aivo-dr-dr-runner"]
    entry = entries[0]
    (policy,) = entry["accessPolicies"].values()
    assert policy == {
        "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        "accessScope": {"type": "cluster"},
    }


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_secrets_are_encrypted_with_a_protected_key_of_the_clusters_region(stack: str) -> None:
    p = plan(stack)
    c = cluster_of(stack)
    key = only(p, "aws:kms/key:Key", f"{stack}-cluster-secrets-key")
    assert key.region == c.region
    assert key.urn in c.depends_on
    assert c.inputs["encryptionConfigKeyArn"].startswith(f"arn:aws:kms:{c.region}:")
    assert (key.protect, key.retain_on_delete) == (True, True)
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30


@pytest.mark.parametrize(
    ("stack", "overrides", "size"),
    [
        ("primary", (), {"minSize": 3, "desiredSize": 5, "maxSize": 20}),  # runbook Scenario 3
        ("dr", (), {"minSize": 1, "desiredSize": 2, "maxSize": 20}),  # warm standby (settings default)
        ("dr", ("failover=true",), {"minSize": 3, "desiredSize": 5, "maxSize": 20}),
        ("dr", ('cluster.standbyNodeGroup={"minSize": 0, "desiredSize": 1, "maxSize": 4}',), {"minSize": 0, "desiredSize": 1, "maxSize": 4}),
        ("primary", ("activeRegion=us-west-2",), {"minSize": 1, "desiredSize": 2, "maxSize": 20}),
    ],
)
def test_node_group_general_size_per_stack_and_failover(stack: str, overrides: tuple[str, ...], size: dict[str, int]) -> None:
    ng = only(plan(stack, *overrides), "aws:eks/nodeGroup:NodeGroup")
    assert ng.inputs["nodeGroupName"] == "general"
    assert ng.inputs["scalingConfig"] == size


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_node_group_joins_its_cluster_by_name_with_a_role_arn(stack: str) -> None:
    p = plan(stack)
    c = cluster_of(stack)
    ng = only(p, "aws:eks/nodeGroup:NodeGroup")
    role = only(p, "aws:iam/role:Role", f"{stack}-cluster-node-role")
    assert ng.inputs["clusterName"] == c.inputs["name"]
    assert ng.inputs["subnetIds"] == c.inputs["privateSubnetIds"], "nodes in the private subnets only"
    assert ng.region == c.region
    assert c.urn in ng.depends_on and role.urn in ng.depends_on
    assert ng.inputs["nodeRoleArn"].startswith(f"arn:aws:iam::123456789012:role/{role.name}-")  # an ARN, not a Resource
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    attached = {r.inputs["policyArn"] for r in p.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if r.parent == ng.parent}
    assert attached == {
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    }


@pytest.mark.parametrize(("stack", "overrides"), STACKS)
def test_every_kubernetes_resource_uses_its_own_clusters_provider(stack: str, overrides: tuple[str, ...]) -> None:
    p = plan(stack, *overrides)
    name, region = RUNBOOK_CLUSTERS[stack]
    (provider,) = p.by_type("pulumi:providers:kubernetes")
    kubeconfig = json.loads(provider.inputs["kubeconfig"])
    assert kubeconfig["current-context"] == name
    assert f".{region}.eks.amazonaws.com" in kubeconfig["clusters"][0]["cluster"]["server"]
    assert provider.inputs["clusterIdentifier"] == name
    assert cluster_of(stack, *overrides).urn in provider.depends_on
    k8s = [r for r in p.resources if r.type.startswith("kubernetes:")]
    assert {r.type for r in k8s} >= {"kubernetes:helm.sh/v3:Release", "kubernetes:velero.io/v1:BackupStorageLocation"}
    for r in k8s:
        assert not r.uses_default_provider, r.urn
        assert r.provider == provider.urn, r.urn


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_cluster_resources_carry_the_standard_tags(stack: str) -> None:
    p = plan(stack)
    expected = {"service": "eks", "tier": "Critical", "environment": "production"}
    for r in p.resources:
        if r.type in ("eks:index:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:kms/key:Key", "aws:iam/role:Role") and "cluster" in r.name:
            assert expected.items() <= r.inputs["tags"].items(), r.urn


def test_bad_cluster_settings_are_refused_with_one_line() -> None:
    from drctl.engine import run_plan
    from drctl.engine.plan import SettingsProblem

    with pytest.raises(SettingsProblem, match=r'aivo-dr:cluster.publicAccessCidrs\[0\] = "0.0.0.0/0": a public \(globally routable\) IPv4 network address narrower'):
        run_plan("primary", ['cluster.publicAccessCidrs=["0.0.0.0/0"]'])
    with pytest.raises(SettingsProblem, match=r"aivo-dr:cluster.logTypes = .*control-plane log types"):
        run_plan("dr", ['cluster.logTypes=["api","kernel"]'])
    with pytest.raises(SettingsProblem, match=r"^aivo-dr:cluster.standbyNodeGroup.desiredSize = 0: an integer from 1 to 1000$"):
        run_plan("dr", ["cluster.standbyNodeGroup.minSize=0", "cluster.standbyNodeGroup.desiredSize=0"])


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_coredns_is_a_managed_addon_created_once_nodes_exist(stack: str) -> None:
    p = plan(stack)
    addon = only(p, "aws:eks/addon:Addon", f"{stack}-cluster-coredns")
    ng = only(p, "aws:eks/nodeGroup:NodeGroup")
    (provider,) = p.by_type("pulumi:providers:kubernetes")
    assert (addon.inputs["addonName"], addon.inputs["clusterName"]) == ("coredns", ng.inputs["clusterName"])
    assert addon.region == ng.region
    assert ng.urn in addon.depends_on
    assert addon.urn in provider.depends_on, "nothing is deployed before cluster DNS works"
